//! `CapDateTime`: a date and time as CAP 1.2 writes it, keeping the sender's offset.

use std::fmt;
use std::hash::{Hash, Hasher};

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};

/// A CAP 1.2 date and time: whole seconds with an explicit offset, written as
/// `YYYY-MM-DDThh:mm:ss±hh:mm`, UTC as `-00:00` (CAP 1.2 §3.3.2).
///
/// Two values are equal when they name the same instant with the same offset.
#[derive(Clone, Copy, Debug)]
pub struct CapDateTime(DateTime<FixedOffset>);

/// How a date-time text deviated from CAP 1.2 while still naming an instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deviation {
    /// `Z` was used for UTC instead of `-00:00`.
    Zulu,
    /// Fractions of a second were given; they were dropped.
    FractionalSeconds,
}

/// A date-time text that names no instant.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a date and time of the form YYYY-MM-DDThh:mm:ss±hh:mm (for example 2002-05-24T16:49:00-07:00)")]
pub struct MalformedDateTime(pub String);

impl CapDateTime {
    /// A date-time from a chrono value; fractions of a second are dropped.
    pub fn new(dt: DateTime<FixedOffset>) -> Self {
        CapDateTime(dt.with_nanosecond(0).unwrap_or(dt))
    }

    /// The current time in UTC, to the second.
    pub fn now_utc() -> Self {
        Self::new(Utc::now().fixed_offset())
    }

    /// The chrono value.
    pub fn as_datetime(&self) -> DateTime<FixedOffset> {
        self.0
    }

    /// The same instant in UTC.
    pub fn to_utc(&self) -> DateTime<Utc> {
        self.0.with_timezone(&Utc)
    }

    /// Parses the strict CAP 1.2 form; any deviation is an error.
    pub fn parse(text: &str) -> Result<Self, MalformedDateTime> {
        match Self::parse_lenient(text)? {
            (dt, None) => Ok(dt),
            _ => Err(MalformedDateTime(text.to_owned())),
        }
    }

    /// Parses the CAP form, also accepting the xs:dateTime liberties of CAP 1.0 and 1.1
    /// (`Z`, fractional seconds) and saying which one was taken.
    pub fn parse_lenient(text: &str) -> Result<(Self, Option<Deviation>), MalformedDateTime> {
        let bad = || MalformedDateTime(text.to_owned());
        let b = text.as_bytes();
        if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
            return Err(bad());
        }
        let num = |r: std::ops::Range<usize>| -> Result<u32, MalformedDateTime> {
            let s = &b[r];
            if s.iter().all(u8::is_ascii_digit) {
                Ok(s.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0')))
            } else {
                Err(bad())
            }
        };
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
        let mut rest = &text[19..];
        let mut deviation = None;
        if let Some(after_dot) = rest.strip_prefix('.') {
            let digits = after_dot.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return Err(bad());
            }
            rest = &after_dot[digits..];
            deviation = Some(Deviation::FractionalSeconds);
        }
        let offset_secs = match rest {
            "Z" => {
                deviation = Some(Deviation::Zulu);
                0
            }
            _ => parse_offset(rest).ok_or_else(bad)?,
        };
        let date = NaiveDate::from_ymd_opt(year as i32, month, day).ok_or_else(bad)?;
        let time = NaiveTime::from_hms_opt(hour, minute, second).ok_or_else(bad)?;
        let offset = FixedOffset::east_opt(offset_secs).ok_or_else(bad)?;
        let local = NaiveDateTime::new(date, time);
        let dt = local.and_local_timezone(offset).single().ok_or_else(bad)?;
        Ok((CapDateTime(dt), deviation))
    }
}

fn parse_offset(s: &str) -> Option<i32> {
    let b = s.as_bytes();
    if b.len() != 6 || b[3] != b':' {
        return None;
    }
    let sign = match b[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let two = |i: usize| -> Option<i32> {
        let (h, l) = (b[i], b[i + 1]);
        (h.is_ascii_digit() && l.is_ascii_digit()).then(|| i32::from(h - b'0') * 10 + i32::from(l - b'0'))
    };
    let (hh, mm) = (two(1)?, two(4)?);
    (hh <= 14 && mm < 60).then_some(sign * (hh * 3600 + mm * 60))
}

impl PartialEq for CapDateTime {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0 && self.0.offset() == other.0.offset()
    }
}

impl Eq for CapDateTime {}

impl Hash for CapDateTime {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.timestamp().hash(state);
        self.0.offset().local_minus_utc().hash(state);
    }
}

impl PartialOrd for CapDateTime {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for CapDateTime {
    /// Orders by instant, then by offset so that the order agrees with equality.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.cmp(&other.0).then_with(|| self.0.offset().local_minus_utc().cmp(&other.0.offset().local_minus_utc()))
    }
}

impl fmt::Display for CapDateTime {
    /// Writes the CAP 1.2 form; a zero offset is written `-00:00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let off = self.0.offset().local_minus_utc();
        write!(f, "{}", self.0.format("%Y-%m-%dT%H:%M:%S"))?;
        let sign = if off > 0 { '+' } else { '-' };
        let abs = off.unsigned_abs();
        write!(f, "{sign}{:02}:{:02}", abs / 3600, (abs % 3600) / 60)
    }
}

impl From<CapDateTime> for String {
    fn from(t: CapDateTime) -> String {
        t.to_string()
    }
}

impl TryFrom<String> for CapDateTime {
    type Error = MalformedDateTime;
    /// For JSON: the CAP form, or any RFC 3339 date-time with `Z` and no fractions of a second.
    fn try_from(s: String) -> Result<Self, Self::Error> {
        match CapDateTime::parse_lenient(&s)? {
            (dt, None | Some(Deviation::Zulu)) => Ok(dt),
            _ => Err(MalformedDateTime(s)),
        }
    }
}

impl serde::Serialize for CapDateTime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for CapDateTime {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        CapDateTime::try_from(s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_senders_offset_and_writes_utc_as_minus_zero() {
        let t = CapDateTime::parse("2003-06-17T14:57:00-07:00").unwrap();
        assert_eq!(t.to_string(), "2003-06-17T14:57:00-07:00");
        let u = CapDateTime::parse("2003-06-17T21:57:00+00:00").unwrap();
        assert_eq!(u.to_string(), "2003-06-17T21:57:00-00:00");
        assert_eq!(t.to_utc(), u.to_utc());
        assert_ne!(t, u, "same instant, different offset");
    }

    #[test]
    fn zulu_and_fractions_are_deviations_not_cap_1_2() {
        assert!(CapDateTime::parse("2003-06-17T21:57:00Z").is_err());
        let (t, d) = CapDateTime::parse_lenient("2003-06-17T21:57:00Z").unwrap();
        assert_eq!((t.to_string().as_str(), d), ("2003-06-17T21:57:00-00:00", Some(Deviation::Zulu)));
        let (_, d) = CapDateTime::parse_lenient("2003-06-17T21:57:00.25-05:00").unwrap();
        assert_eq!(d, Some(Deviation::FractionalSeconds));
    }

    #[test]
    fn rejects_what_names_no_instant() {
        for bad in [
            "",
            "2003-06-17",
            "2003-06-17T21:57:00",
            "2003-13-17T21:57:00-00:00",
            "2003-02-30T21:57:00-00:00",
            "2003-06-17T25:57:00-00:00",
            "2003-06-17T21:57:00+15:00",
            "2003-06-17 21:57:00-00:00",
            "2003-06-17T21:57:00-0000",
        ] {
            assert!(CapDateTime::parse_lenient(bad).is_err(), "{bad}");
        }
    }
}
