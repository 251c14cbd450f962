//! Runs an SMPP connection so that no request waits for the SMSC. rusmppc 0.4's connection
//! takes at most five requests from its client per wake-up and is then woken only by the
//! socket or its timers, so when a burst queued more than five submits and every earlier one
//! had been answered, the rest waited for the next enquire_link (30 s by default): the
//! end-to-end benchmark saw 500 SMS take six minutes. Polling the connection again at least
//! every 20 ms bounds that wait.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::{Interval, MissedTickBehavior};

/// The longest a queued request waits for the connection to look at it again.
pub const NUDGE: Duration = Duration::from_millis(20);

/// A connection future polled at least every [`NUDGE`].
pub struct Nudged<F> {
    inner: Pin<Box<F>>,
    tick: Interval,
}

impl<F: Future<Output = ()>> Nudged<F> {
    /// Wraps a connection future (inside a tokio runtime).
    pub fn new(connection: F) -> Self {
        let mut tick = tokio::time::interval(NUDGE);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        Nudged { inner: Box::pin(connection), tick }
    }
}

impl<F: Future<Output = ()>> Future for Nudged<F> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            if self.inner.as_mut().poll(cx).is_ready() {
                return Poll::Ready(());
            }
            if self.tick.poll_tick(cx).is_pending() {
                return Poll::Pending;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// A future that, like the connection, makes progress only when polled and registers no
    /// waker for the work that is left.
    struct Forgetful {
        polls: Arc<AtomicUsize>,
        until: usize,
    }

    impl Future for Forgetful {
        type Output = ();
        fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
            let n = self.polls.fetch_add(1, Ordering::Relaxed) + 1;
            if n >= self.until { Poll::Ready(()) } else { Poll::Pending }
        }
    }

    #[tokio::test]
    async fn a_connection_that_forgets_to_wake_itself_is_polled_again() {
        let polls = Arc::new(AtomicUsize::new(0));
        let task = tokio::spawn(Nudged::new(Forgetful { polls: polls.clone(), until: 10 }));
        tokio::time::timeout(Duration::from_secs(5), task).await.expect("finished, nudged").expect("no panic");
        assert_eq!(polls.load(Ordering::Relaxed), 10);
    }
}
