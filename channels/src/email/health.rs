//! The email channel's health from its most recent sends: down when the last few all failed
//! to reach the server, degraded when some recent ones did, up otherwise.

use std::collections::VecDeque;
use std::sync::Mutex;

use super::outcome::Verdict;
use crate::Health;

/// How many recent sends count.
const WINDOW: usize = 50;
/// How many failures in a row make the channel down.
const DOWN_AFTER: usize = 3;

/// The recent verdicts, newest last, and the last trouble's text (which holds no address).
#[derive(Debug, Default)]
pub(crate) struct Recent {
    inner: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    verdicts: VecDeque<Verdict>,
    last_trouble: Option<String>,
}

impl Recent {
    /// Notes one send (or connection check).
    pub fn record(&self, verdict: Verdict, trouble: Option<&str>) {
        let Ok(mut s) = self.inner.lock() else { return };
        if s.verdicts.len() == WINDOW {
            s.verdicts.pop_front();
        }
        s.verdicts.push_back(verdict);
        if let Some(t) = trouble {
            s.last_trouble = Some(t.to_owned());
        }
    }

    /// The health these verdicts show.
    pub fn health(&self) -> Health {
        let Ok(s) = self.inner.lock() else { return Health::degraded("health state unavailable") };
        let troubles = s.verdicts.iter().filter(|v| **v == Verdict::Trouble).count();
        let in_a_row = s.verdicts.iter().rev().take_while(|v| **v == Verdict::Trouble).count();
        let last = s.last_trouble.as_deref().unwrap_or("unknown error");
        if s.verdicts.is_empty() {
            Health::up("ready; nothing sent yet")
        } else if in_a_row >= DOWN_AFTER {
            Health::down(format!("the last {in_a_row} attempts failed: {last}"))
        } else if troubles > 0 {
            Health::degraded(format!("{troubles} of the last {} attempts failed: {last}", s.verdicts.len()))
        } else {
            Health::up("the SMTP server accepts messages")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HealthState;

    #[test]
    fn failures_in_a_row_make_it_down_and_successes_bring_it_back() {
        let r = Recent::default();
        assert_eq!(r.health().state, HealthState::Up);
        r.record(Verdict::Accepted, None);
        r.record(Verdict::Refused, None);
        assert_eq!(r.health().state, HealthState::Up, "a refused message is not the server's trouble");
        r.record(Verdict::Trouble, Some("connection refused"));
        assert_eq!(r.health().state, HealthState::Degraded);
        r.record(Verdict::Trouble, None);
        r.record(Verdict::Trouble, None);
        let h = r.health();
        assert_eq!(h.state, HealthState::Down);
        assert!(h.detail.contains("connection refused"), "{}", h.detail);
        r.record(Verdict::Accepted, None);
        assert_eq!(r.health().state, HealthState::Degraded);
        for _ in 0..WINDOW {
            r.record(Verdict::Accepted, None);
        }
        assert_eq!(r.health().state, HealthState::Up);
    }
}
