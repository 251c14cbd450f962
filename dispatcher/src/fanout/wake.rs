//! Wake-ups: an issued alert or new deliveries start moving within milliseconds. In one
//! process a `Notify` does it; across instances on PostgreSQL, `NOTIFY tocsin_outbox` inside
//! the writing transaction reaches every listener when it commits. Workers also poll, so a lost
//! wake-up only delays.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;

use crate::db::{Conn, Db, Executor};

/// The PostgreSQL notification channel.
pub const CHANNEL: &str = "tocsin_outbox";

/// Wake-up signals for planners and channel workers.
#[derive(Debug, Default)]
pub struct Wake {
    plan: Notify,
    channels: Mutex<HashMap<String, Arc<Notify>>>,
}

impl Wake {
    /// Wakes the planners of this process.
    pub fn plan(&self) {
        self.plan.notify_waiters();
        self.plan.notify_one();
    }

    /// Waits for a planning wake-up, at most `poll`.
    pub async fn planned(&self, poll: Duration) {
        let _ = tokio::time::timeout(poll, self.plan.notified()).await;
    }

    /// The signal of a channel's workers.
    pub fn channel(&self, name: &str) -> Arc<Notify> {
        let mut map = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(name.to_owned()).or_default().clone()
    }

    /// Wakes a channel's workers in this process.
    pub fn send(&self, name: &str) {
        let n = self.channel(name);
        n.notify_waiters();
        n.notify_one();
    }

    /// Waits until the device channels (`siren`, `display`) are woken, at most `poll`. The
    /// wait is registered before `before` runs, so a wake-up during it is not missed.
    pub async fn after_device_wakeup<F: std::future::Future>(&self, before: F, poll: Duration) -> F::Output {
        let (sirens, displays) = (self.channel("siren"), self.channel("display"));
        let (a, b) = (sirens.notified(), displays.notified());
        tokio::pin!(a);
        tokio::pin!(b);
        a.as_mut().enable();
        b.as_mut().enable();
        let out = before.await;
        tokio::select! {
            () = a => {}
            () = b => {}
            () = tokio::time::sleep(poll) => {}
        }
        out
    }

    /// Wakes every channel's workers in this process.
    pub fn send_all(&self) {
        let all: Vec<Arc<Notify>> = self.channels.lock().map(|m| m.values().cloned().collect()).unwrap_or_default();
        for n in all {
            n.notify_waiters();
            n.notify_one();
        }
    }
}

/// Tells other instances (PostgreSQL) when the transaction commits: `plan` or `send:CHANNEL`.
pub async fn notify_others(ex: &mut impl Executor, what: &str) -> Result<(), sqlx::Error> {
    if let Conn::Postgres(c) = ex.conn() {
        crate::db::deadline(sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(what).execute(&mut *c)).await?;
    }
    Ok(())
}

/// How long the listener may hear nothing before it checks its connection.
const QUIET_CHECK: Duration = Duration::from_secs(30);
/// How long the listener's connection has to answer that check.
const LISTENER_ANSWER: Duration = Duration::from_secs(5);

/// Forwards PostgreSQL notifications to this process's signals, reconnecting as needed.
pub async fn listen(db: Db, wake: Arc<Wake>) {
    let Db::Postgres(pg) = db else { return };
    loop {
        match sqlx::postgres::PgListener::connect_with(&pg.pool()).await {
            Ok(mut l) => {
                if l.listen(CHANNEL).await.is_err() {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
                loop {
                    // A listener whose network went silent would wait here for ever: after a
                    // quiet spell it must answer a query of its own, or it is replaced.
                    // (`recv` is cancel-safe, so timing it out loses no notification.)
                    match tokio::time::timeout(QUIET_CHECK, l.recv()).await {
                        Ok(Ok(n)) => match n.payload().strip_prefix("send:") {
                            Some(channel) => wake.send(channel),
                            None => wake.plan(),
                        },
                        Ok(Err(_)) => break,
                        Err(_) => {
                            let alive =
                                tokio::time::timeout(LISTENER_ANSWER, sqlx::query("SELECT 1").execute(&mut l)).await;
                            if !matches!(alive, Ok(Ok(_))) {
                                tracing::warn!("the wake-up listener's connection stopped answering; reconnecting");
                                break;
                            }
                        }
                    }
                }
                // Whatever was notified while the listener was away is found by polling;
                // a wake-up now makes that prompt.
                wake.plan();
                wake.send_all();
            }
            Err(e) => tracing::warn!(error = %e, "listening for wake-ups failed; polling meanwhile"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
