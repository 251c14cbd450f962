//! The agent's background traffic with the server: the poll loop (with backoff and jitter after
//! errors), the queue that sends acknowledgements in order and retries them, and heartbeats.

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use serde_json::json;
use tokio::sync::{mpsc, oneshot};

use super::protocol::{Poll, PollAnswer, Server, ServerError};

/// The first pause after a failed request; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_secs(2);
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// What the poll loop hands the agent.
pub enum Answer {
    /// A new answer; `handled` is to be passed to [`AckQueue::flush`] once it has been taken on.
    Commands(PollAnswer, oneshot::Sender<()>),
    /// The server refuses the secret: polling again will not help.
    Refused(ServerError),
}

/// Polls until the agent goes away or the server refuses the secret.
pub async fn poll(server: Server, wait: u64, answers: mpsc::Sender<Answer>) {
    let mut etag: Option<String> = None;
    let mut failures = 0;
    loop {
        match server.poll(etag.as_deref(), wait).await {
            Ok(Poll::Changed(answer, tag)) => {
                failures = 0;
                etag = tag;
                let (handled, done) = oneshot::channel();
                if answers.send(Answer::Commands(answer, handled)).await.is_err() {
                    return;
                }
                // Polling again before the new commands' `received` acks are out would only
                // get the same answer back at once.
                let _ = done.await;
            }
            Ok(Poll::Unchanged) => failures = 0,
            Err(e @ ServerError::Refused(_)) => {
                let _ = answers.send(Answer::Refused(e)).await;
                return;
            }
            Err(e) => {
                failures += 1;
                let pause = backoff(failures);
                tracing::warn!(error = %e, "polling failed; polling again in {pause:?}");
                tokio::time::sleep(pause).await;
            }
        }
    }
}

enum Job {
    Ack { command: i64, state: &'static str, reason: Option<String> },
    Flush(oneshot::Sender<()>),
}

/// Acknowledgements, sent one after the other in the order they were pushed.
pub struct AckQueue(mpsc::UnboundedSender<Job>);

impl AckQueue {
    /// Queues an acknowledgement.
    pub fn push(&self, command: i64, state: &'static str, reason: Option<String>) {
        let _ = self.0.send(Job::Ack { command, state, reason });
    }

    /// Signals `done` once everything queued before has been sent (or given up).
    pub fn flush(&self, done: oneshot::Sender<()>) {
        let _ = self.0.send(Job::Flush(done));
    }
}

/// Starts the task that sends acknowledgements.
pub fn spawn_acks(server: Server) -> AckQueue {
    let (tx, mut rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(job) = rx.recv().await {
            match job {
                Job::Ack { command, state, reason } => ack(&server, command, state, reason.as_deref()).await,
                Job::Flush(done) => {
                    let _ = done.send(());
                }
            }
        }
    });
    AckQueue(tx)
}

/// Sends one acknowledgement, retrying while the server is unavailable: staff wait for it.
async fn ack(server: &Server, command: i64, state: &str, reason: Option<&str>) {
    let mut failures = 0;
    loop {
        match server.ack(command, state, reason).await {
            Ok(()) => return,
            Err(ServerError::Unavailable(e)) => {
                failures += 1;
                let pause = backoff(failures);
                tracing::warn!(command, state, error = %e, "acknowledging failed; trying again in {pause:?}");
                tokio::time::sleep(pause).await;
            }
            Err(e) => {
                tracing::warn!(command, state, error = %e, "the server did not take an acknowledgement");
                return;
            }
        }
    }
}

/// Sends a heartbeat at once and then every `every`.
pub async fn heartbeats(server: Server, every: Duration) {
    loop {
        if let Err(e) = server.heartbeat(&json!({})).await {
            tracing::warn!(error = %e, "a heartbeat failed");
        }
        tokio::time::sleep(every.max(Duration::from_secs(1))).await;
    }
}

/// The pause after `failures` failed requests in a row: doubling, capped, plus up to half again
/// at random so that many devices do not come back at the same instant.
fn backoff(failures: u32) -> Duration {
    let base = FIRST_BACKOFF.saturating_mul(1 << failures.saturating_sub(1).min(6)).min(MAX_BACKOFF);
    base + jitter(base / 2)
}

/// A random duration up to `max`.
pub fn jitter(max: Duration) -> Duration {
    // Each RandomState is freshly seeded: enough randomness for spreading retries.
    let r = std::collections::hash_map::RandomState::new().build_hasher().finish();
    let millis = u64::try_from(max.as_millis()).unwrap_or(u64::MAX);
    Duration::from_millis(if millis == 0 { 0 } else { r % millis })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_up_to_a_cap() {
        for (n, base) in [(1, 2), (2, 4), (3, 8), (6, 60), (40, 60)] {
            let b = backoff(n);
            let base = Duration::from_secs(base);
            assert!(b >= base && b <= base + base / 2, "{n}: {b:?}");
        }
    }
}
