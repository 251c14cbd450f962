//! The push channel's health from its recent sends: degraded when most of them could not reach
//! a push service at all (network errors and timeouts, not refusals by the service).

use std::sync::Mutex;

use crate::Health;

/// Sends counted before a window is closed and becomes the one health reads.
const WINDOW: u32 = 100;
/// Fewer sends than this say nothing either way.
const MIN_SAMPLE: u32 = 10;

/// Counters of the current and the previous window of sends.
#[derive(Default)]
pub struct Stats(Mutex<Windows>);

#[derive(Default, Clone, Copy)]
struct Windows {
    current: Counts,
    previous: Counts,
}

#[derive(Default, Clone, Copy)]
struct Counts {
    reached: u32,
    unreachable: u32,
}

impl Counts {
    fn total(self) -> u32 {
        self.reached + self.unreachable
    }
}

impl Stats {
    /// Counts one send: whether it failed to reach the push service.
    pub fn record(&self, unreachable: bool) {
        let mut w = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if unreachable {
            w.current.unreachable += 1;
        } else {
            w.current.reached += 1;
        }
        if w.current.total() >= WINDOW {
            w.previous = w.current;
            w.current = Counts::default();
        }
    }

    /// Up, or degraded when most recent sends did not reach a push service.
    pub fn health(&self) -> Health {
        let w = *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let c = if w.current.total() >= MIN_SAMPLE { w.current } else { w.previous };
        if c.total() >= MIN_SAMPLE && c.unreachable * 2 > c.total() {
            Health::degraded(format!(
                "{} of the last {} pushes could not reach the push service (network errors or timeouts)",
                c.unreachable,
                c.total()
            ))
        } else {
            Health::up("ready")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HealthState;

    #[test]
    fn mostly_unreachable_is_degraded_and_recovers() {
        let s = Stats::default();
        assert_eq!(s.health().state, HealthState::Up);
        for i in 0..30 {
            s.record(i % 3 != 0);
        }
        let h = s.health();
        assert_eq!(h.state, HealthState::Degraded);
        assert!(h.detail.starts_with("20 of the last 30"), "{}", h.detail);
        for _ in 0..200 {
            s.record(false);
        }
        assert_eq!(s.health().state, HealthState::Up);
    }
}
