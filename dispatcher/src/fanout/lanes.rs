//! Per-origin lanes: a push service or webhook receiver that is slow or dead must not delay
//! deliveries to the others. Each origin (`https://fcm.googleapis.com`) gets a lane with its
//! own in-flight limit, found again by a lookup that allocates only for an origin not seen
//! before.
//!
//! The limit starts at [`FIRST_LIMIT`] for an origin not yet seen answering, grows by one for
//! each answer (so it doubles every round trip, as TCP's slow start does, and a push service
//! answering in 50 ms reaches the channel's concurrency of 64 within a quarter of a second),
//! and halves on every retry: a timeout, a connection that failed, 429 or 5xx. A dead origin
//! therefore holds at most four of the channel's slots for one request deadline, then one.
//! Before an origin first answers, its lane keeps at most four times its limit waiting, and
//! while its last outcome was a retry no more than its limit; the others are retried later
//! with backoff, so a few hundred subscriptions to a dead service cannot fill the worker's
//! window either. (A push service met for the first time by a large fan-out turns a few
//! dozen deliveries away for a couple of seconds while its first answers come back.)

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::Notify;
use tokio::time::Instant;

/// The in-flight limit of an origin not yet seen answering.
pub const FIRST_LIMIT: usize = 4;

/// Lanes kept before idle ones are forgotten (each is a few dozen bytes; forgetting one only
/// resets what was learnt about its origin).
const KEPT: usize = 10_000;

/// The lanes of one channel.
pub struct Lanes {
    max: usize,
    map: Mutex<HashMap<String, Arc<Lane>>>,
}

impl Lanes {
    /// Lanes whose limits grow up to `max`, the channel's concurrency.
    pub fn new(max: usize) -> Lanes {
        Lanes { max: max.max(1), map: Mutex::new(HashMap::new()) }
    }

    /// The lane of an origin.
    pub fn lane(&self, origin: &str) -> Arc<Lane> {
        let mut map = self.map.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(l) = map.get(origin) {
            return l.clone();
        }
        if map.len() >= KEPT {
            // A lane held by nobody else has no delivery in it or waiting for it.
            map.retain(|_, l| Arc::strong_count(l) > 1);
        }
        let lane = Arc::new(Lane::new(self.max));
        map.insert(origin.to_owned(), lane.clone());
        lane
    }
}

/// One origin's lane.
pub struct Lane {
    max: usize,
    state: Mutex<State>,
    freed: Notify,
}

struct State {
    limit: usize,
    in_flight: usize,
    waiting: usize,
    /// The last outcome was a retry: waiting beyond the limit is refused.
    failing: bool,
    /// Some request to the origin was answered.
    proven: bool,
}

impl State {
    /// How many deliveries may wait: as many as the limit while the origin fails, four times
    /// the limit before it first answers, and any number (within the worker's window) once it
    /// answers in time.
    fn waiting_bound(&self) -> usize {
        if self.failing {
            self.limit
        } else if !self.proven {
            self.limit * 4
        } else {
            usize::MAX
        }
    }
}

/// What a delivery may do now.
enum Entry {
    In,
    Wait,
    Refused,
}

impl Lane {
    fn new(max: usize) -> Lane {
        let state = State { limit: FIRST_LIMIT.min(max), in_flight: 0, waiting: 0, failing: false, proven: false };
        Lane { max, state: Mutex::new(state), freed: Notify::new() }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether the origin has answered a request yet.
    pub fn proven(&self) -> bool {
        self.state().proven
    }

    /// Waits for a place in the lane until `deadline`; `None` when none came or the lane,
    /// failing, keeps no more waiting.
    pub async fn enter(self: &Arc<Self>, deadline: Instant) -> Option<Ticket> {
        let mut queued = false;
        loop {
            let freed = self.freed.notified();
            tokio::pin!(freed);
            freed.as_mut().enable();
            match self.try_enter(&mut queued) {
                Entry::In => return Some(Ticket { lane: self.clone(), answered: None }),
                Entry::Refused => return None,
                Entry::Wait => {}
            }
            if tokio::time::timeout_at(deadline, freed).await.is_err() {
                self.state().waiting -= 1;
                return None;
            }
        }
    }

    fn try_enter(&self, queued: &mut bool) -> Entry {
        let mut s = self.state();
        if s.in_flight < s.limit {
            s.in_flight += 1;
            if *queued {
                s.waiting -= 1;
            }
            return Entry::In;
        }
        // The waiting count includes this delivery once it is queued.
        let ahead = s.waiting - usize::from(*queued);
        if ahead >= s.waiting_bound() {
            if *queued {
                s.waiting -= 1;
            }
            return Entry::Refused;
        }
        if !*queued {
            s.waiting += 1;
            *queued = true;
        }
        Entry::Wait
    }

    fn leave(&self, answered: bool) {
        let mut s = self.state();
        s.in_flight -= 1;
        let was_failing = s.failing;
        if answered {
            s.limit = (s.limit + 1).min(self.max);
            s.failing = false;
            s.proven = true;
        } else {
            s.limit = (s.limit / 2).max(1);
            s.failing = true;
        }
        drop(s);
        if answered {
            // One place freed and the limit grew by one: two deliveries may go.
            self.freed.notify_one();
            self.freed.notify_one();
        } else if !was_failing {
            // Every waiter looks again: those beyond the halved limit leave.
            self.freed.notify_waiters();
        } else {
            self.freed.notify_one();
        }
    }
}

/// A delivery's place in its lane, given back when dropped (a delivery whose task ended
/// without an outcome counts as not answered).
pub struct Ticket {
    lane: Arc<Lane>,
    answered: Option<bool>,
}

impl Ticket {
    /// Gives the place back, saying whether the origin answered in time.
    pub fn finish(mut self, answered: bool) {
        self.answered = Some(answered);
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.lane.leave(self.answered.unwrap_or(false));
    }
}

/// The lane key of an address: the scheme, host and port of a push endpoint or webhook URL,
/// sliced from the URL without parsing it (the worker does this per delivery). Other channels
/// have no lanes.
pub fn origin(recipient: &channels::Recipient) -> Option<&str> {
    let url = match recipient {
        channels::Recipient::Push { endpoint, .. } => endpoint,
        channels::Recipient::Webhook { url, .. } => url,
        _ => return None,
    };
    let host = url.find("://")? + 3;
    let end = url[host..].find(['/', '?', '#']).map_or(url.len(), |i| host + i);
    Some(&url[..end])
}

#[cfg(test)]
mod tests;
