//! An in-memory channel for the dispatcher's engine tests (feature `memory`): it records every
//! message and answers from a script, optionally after a delay. It never stands in for a real
//! peer in a channel's own tests.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::{BoxFuture, Channel, Message, Outcome, Recipient};

/// One recorded send.
#[derive(Clone, Debug)]
pub struct Sent {
    /// The delivery.
    pub delivery_id: i64,
    /// The alert.
    pub alert_id: i64,
    /// The recipient key.
    pub key: String,
    /// The attempt number.
    pub attempt: u32,
    /// When it was sent.
    pub at: Instant,
}

/// The in-memory channel.
#[derive(Debug, Default)]
pub struct Memory {
    sent: Mutex<Vec<Sent>>,
    script: Mutex<HashMap<String, Vec<Outcome>>>,
    delay: Mutex<Duration>,
}

impl Memory {
    /// A channel that answers Sent to everything.
    pub fn new() -> Self {
        Memory::default()
    }

    /// The next answers for a recipient key, in order; after them, Sent.
    pub fn script(&self, key: &str, outcomes: Vec<Outcome>) {
        if let Ok(mut s) = self.script.lock() {
            s.insert(key.to_owned(), outcomes);
        }
    }

    /// Makes every send take this long.
    pub fn set_delay(&self, d: Duration) {
        if let Ok(mut x) = self.delay.lock() {
            *x = d;
        }
    }

    /// Everything sent so far.
    pub fn sent(&self) -> Vec<Sent> {
        self.sent.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl Channel for Memory {
    fn name(&self) -> &'static str {
        "memory"
    }

    fn send<'a>(&'a self, m: &'a Message) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            let delay = self.delay.lock().map(|d| *d).unwrap_or_default();
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            let key = match &m.recipient {
                Recipient::Memory { key } => key.clone(),
                other => format!("{other:?}"),
            };
            if let Ok(mut s) = self.sent.lock() {
                s.push(Sent {
                    delivery_id: m.delivery_id,
                    alert_id: m.alert.id,
                    key: key.clone(),
                    attempt: m.attempt,
                    at: Instant::now(),
                });
            }
            let scripted = self.script.lock().ok().and_then(|mut s| {
                let list = s.get_mut(&key)?;
                (!list.is_empty()).then(|| list.remove(0))
            });
            scripted.unwrap_or(Outcome::Sent { provider_id: Some(format!("mem-{}", m.delivery_id)) })
        })
    }
}
