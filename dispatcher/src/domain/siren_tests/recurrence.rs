//! When a scheduled siren test recurs: a weekday and a time of day in the server's local time
//! zone, every week or in one week of every month (the first to fourth, or the last), as
//! municipalities announce them ("every second Friday of the month at noon").

use chrono::{DateTime, Datelike, Days, Duration, Local, NaiveDate, NaiveTime, TimeZone, Timelike, Weekday};

use crate::domain::error::{Error, Result};

/// How often.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Every {
    /// Every week on the weekday.
    Week,
    /// Once a month: the nth weekday (1 to 4), or the last one (-1).
    Month(i8),
}

/// A checked recurrence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recurrence {
    every: Every,
    weekday: Weekday,
    at: NaiveTime,
}

impl Recurrence {
    /// Checks the parts as the API takes them: `every` is `week` or `month`, `weekday` 1
    /// (Monday) to 7, `week_of_month` 1 to 4 or -1 (months only), `at` as `HH:MM`.
    pub fn parse(every: &str, weekday: u8, week_of_month: Option<i8>, at: &str) -> Result<Recurrence> {
        let every = match (every, week_of_month) {
            ("week", None) => Every::Week,
            ("week", Some(_)) => return Err(Error::invalid("/weekOfMonth", "is for monthly tests only")),
            ("month", Some(w)) if (1..=4).contains(&w) || w == -1 => Every::Month(w),
            ("month", _) => {
                return Err(Error::invalid("/weekOfMonth", "must be 1 to 4, or -1 for the last week of the month"));
            }
            _ => return Err(Error::invalid("/every", "must be week or month")),
        };
        let weekday = match weekday {
            1..=7 => Weekday::try_from(weekday - 1).map_err(|_| Error::invalid("/weekday", "must be 1 to 7"))?,
            _ => return Err(Error::invalid("/weekday", "must be 1 (Monday) to 7 (Sunday)")),
        };
        let at = NaiveTime::parse_from_str(at.trim(), "%H:%M")
            .map_err(|_| Error::invalid("/at", "must be a time of day as HH:MM, such as 12:00"))?;
        Ok(Recurrence { every, weekday, at })
    }

    /// `week` or `month`.
    pub fn every(&self) -> &'static str {
        match self.every {
            Every::Week => "week",
            Every::Month(_) => "month",
        }
    }

    /// 1 (Monday) to 7.
    pub fn weekday(&self) -> u8 {
        self.weekday.number_from_monday() as u8
    }

    /// The week of the month, for monthly tests.
    pub fn week_of_month(&self) -> Option<i8> {
        match self.every {
            Every::Week => None,
            Every::Month(w) => Some(w),
        }
    }

    /// Minutes after midnight.
    pub fn at_minute(&self) -> i32 {
        (self.at.hour() * 60 + self.at.minute()) as i32
    }

    /// `HH:MM`.
    pub fn at_text(&self) -> String {
        self.at.format("%H:%M").to_string()
    }

    /// From the stored columns.
    pub fn from_columns(every: &str, weekday: i32, week_of_month: Option<i32>, at_minute: i32) -> Result<Recurrence> {
        let at = format!("{:02}:{:02}", at_minute / 60, at_minute % 60);
        Recurrence::parse(every, weekday as u8, week_of_month.map(|w| w as i8), &at)
    }

    /// The first time strictly after `after` that the test is due.
    pub fn next_after(&self, after: DateTime<Local>) -> Option<DateTime<Local>> {
        let mut day = after.date_naive();
        // A year of days is more than any recurrence needs, even around time changes.
        for _ in 0..400 {
            if self.falls_on(day)
                && let Some(t) = local(day, self.at)
                && t > after
            {
                return Some(t);
            }
            day = day.checked_add_days(Days::new(1))?;
        }
        None
    }

    fn falls_on(&self, day: NaiveDate) -> bool {
        if day.weekday() != self.weekday {
            return false;
        }
        match self.every {
            Every::Week => true,
            Every::Month(-1) => (day + Duration::days(7)).month() != day.month(),
            Every::Month(n) => (day.day() as i32 - 1) / 7 + 1 == i32::from(n),
        }
    }
}

/// A local date and time; in the hour a clock skips, the same time an hour later.
fn local(day: NaiveDate, at: NaiveTime) -> Option<DateTime<Local>> {
    let naive = day.and_time(at);
    Local
        .from_local_datetime(&naive)
        .earliest()
        .or_else(|| Local.from_local_datetime(&(naive + Duration::hours(1))).earliest())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Local> {
        Local.with_ymd_and_hms(y, m, d, h, min, 0).earliest().unwrap()
    }

    #[test]
    fn the_second_friday_at_noon() {
        let r = Recurrence::parse("month", 5, Some(2), "12:00").unwrap();
        // December 2026: Fridays are the 4th, 11th, 18th, 25th.
        assert_eq!(r.next_after(at(2026, 11, 30, 9, 0)), Some(at(2026, 12, 11, 12, 0)));
        // At the very minute it is due, the next one is a month on (January 2027: the 8th).
        assert_eq!(r.next_after(at(2026, 12, 11, 12, 0)), Some(at(2027, 1, 8, 12, 0)));
        assert_eq!(r.next_after(at(2026, 12, 11, 11, 59)), Some(at(2026, 12, 11, 12, 0)));
    }

    #[test]
    fn the_last_wednesday_and_every_monday() {
        let r = Recurrence::parse("month", 3, Some(-1), "10:30").unwrap();
        assert_eq!(r.next_after(at(2026, 12, 1, 0, 0)), Some(at(2026, 12, 30, 10, 30)));
        let w = Recurrence::parse("week", 1, None, "08:00").unwrap();
        assert_eq!(w.next_after(at(2026, 12, 1, 0, 0)), Some(at(2026, 12, 7, 8, 0)));
        assert_eq!(w.at_minute(), 480);
        assert_eq!(Recurrence::from_columns("week", 1, None, 480).unwrap(), w);
    }

    #[test]
    fn bad_parts_name_their_field() {
        let field = |r: Result<Recurrence>| match r {
            Err(Error::Invalid { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(Recurrence::parse("day", 1, None, "12:00")), "/every");
        assert_eq!(field(Recurrence::parse("month", 1, Some(5), "12:00")), "/weekOfMonth");
        assert_eq!(field(Recurrence::parse("month", 1, None, "12:00")), "/weekOfMonth");
        assert_eq!(field(Recurrence::parse("week", 1, Some(1), "12:00")), "/weekOfMonth");
        assert_eq!(field(Recurrence::parse("week", 8, None, "12:00")), "/weekday");
        assert_eq!(field(Recurrence::parse("week", 1, None, "25:00")), "/at");
        assert_eq!(field(Recurrence::parse("week", 1, None, "noon")), "/at");
    }
}
