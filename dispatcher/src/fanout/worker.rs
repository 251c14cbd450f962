//! Channel workers: lease due deliveries, send each through the channel within the channel's
//! concurrency and rate, and record outcomes in batches under the lease's fencing token. A
//! retry waits with exponential backoff and jitter, or as long as the provider asked.

use std::sync::Arc;
use std::time::{Duration, Instant};

use channels::{Message, Outcome};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};

use super::Runtime;
use super::lanes::{self, Lanes};
use super::payloads::Payloads;
use super::planner::instance;
use super::provider_id::checked;
use crate::app::App;
use crate::db::deliveries::{self, Completion, Leased};
use crate::db::{now_ms, subscriptions, webhooks};
use crate::metrics::Metrics;

/// An outcome on its way to the database, holding its permits until it is recorded: the
/// channel's send permit, so at most `concurrency` messages can have been sent without their
/// outcome being stored, which bounds what a crash can make a worker send twice; and, on a
/// channel with lanes, its place in the worker's window of leased deliveries.
type Done = (Leased, Outcome, Held);

/// The permits a delivery holds until its outcome is stored: its window place (channels with
/// lanes) and its send permit.
type Held = (Option<OwnedSemaphorePermit>, Option<OwnedSemaphorePermit>);

/// Sends on one channel until the process ends.
///
/// Push and webhooks go through per-origin lanes (`lanes.rs`): a delivery first waits for a
/// place in its origin's lane, in a task of its own and holding no send permit, then for one
/// of the channel's `concurrency` send permits, then is sent. So deliveries to a dead push
/// service hold at most a few send permits, and a later alert's delivery to a healthy one
/// goes out at once. What waits is bounded by a window of leased deliveries as large as the
/// concurrency (so an Extreme alert planned behind a fan-out still has at most that many
/// ahead of it, as without lanes), and each wait for a lane by half the lease, after which it
/// is retried.
pub async fn run(app: App, rt: Runtime) {
    let name = rt.channel.name();
    let owner = format!("{}/{name}", instance());
    let concurrency = rt.settings.concurrency.max(1) as usize;
    let permits = Arc::new(Semaphore::new(concurrency));
    let (done_tx, done_rx) = mpsc::unbounded_channel::<Done>();
    tokio::spawn(record(app.clone(), done_rx));
    let notify = app.wake.channel(name);
    let poll = Duration::from_millis(u64::from(app.settings.fanout.poll_ms.max(10)));
    let lease_ms = i64::from(app.settings.fanout.lease_seconds.max(1)) * 1000;
    let payloads = Payloads::default();
    let pace = Arc::new(Pace::new(rt.settings.rate_per_second));
    let laned = matches!(name, "push" | "webhook");
    let window = if laned { Arc::new(Semaphore::new(concurrency)) } else { permits.clone() };
    let sender = Sender {
        channel: rt.channel.clone(),
        done_tx: done_tx.clone(),
        permits: permits.clone(),
        pace: pace.clone(),
        lanes: laned.then(|| Arc::new(Lanes::new(concurrency))),
        unproven: Arc::new(Semaphore::new((concurrency / 2).max(1))),
        lane_wait: Duration::from_millis(lease_ms as u64 / 2),
    };
    // Lease in batches of at least half the window, so a busy channel costs one claim per
    // many sends rather than one per send; and never more than the rate lets go out within
    // half a lease, so what is leased is sent before the lease runs out.
    let half = (window.available_permits() / 2).max(1);
    let by_rate = if rt.settings.rate_per_second > 0.0 {
        ((rt.settings.rate_per_second * lease_ms as f64 / 2000.0) as usize).max(1)
    } else {
        usize::MAX
    };
    loop {
        if window.available_permits() < half {
            let Ok(p) = window.clone().acquire_many_owned(half as u32).await else { return };
            drop(p);
        }
        let free = window.available_permits();
        let limit = free.min(512).min(by_rate).max(1);
        let batch = match claim(&app, name, &owner, limit as i64, lease_ms).await {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(channel = name, error = %e, "leasing deliveries failed; retrying");
                tokio::time::sleep(poll).await;
                continue;
            }
        };
        if batch.is_empty() {
            let _ = tokio::time::timeout(poll, notify.notified()).await;
            continue;
        }
        // A database that does not answer here is not a recipient gone: the batch is left
        // leased, and is claimed again when the lease runs out (as after a crash). Reading it
        // as "no recipients" failed every delivery of the batch for good (the failover
        // partition test lost 28 of 3,000 endpoints that way).
        let recipients = match super::recipients::resolve(&app, &batch).await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(
                    channel = name,
                    error = format!("{e:#}"),
                    "reading the leased deliveries' recipients failed; they are sent when their lease runs out"
                );
                tokio::time::sleep(poll).await;
                continue;
            }
        };
        for d in batch {
            let Ok(place) = window.clone().acquire_owned().await else { return };
            let (recipient, payload) = match (recipients.get(&d.id), payloads.get(&app, d.alert_id).await) {
                (Some(r), Ok(p)) => (r.clone(), p),
                (None, _) => {
                    let _ = done_tx.send((
                        d,
                        Outcome::Failed { error: "the recipient is no longer active".into() },
                        (Some(place), None),
                    ));
                    continue;
                }
                (_, Err(e)) => {
                    let outcome = Outcome::Retry { not_before: None, error: format!("{e:#}") };
                    let _ = done_tx.send((d, outcome, (Some(place), None)));
                    continue;
                }
            };
            let msg = Message { delivery_id: d.id, attempt: d.attempts.max(1) as u32, alert: payload, recipient };
            if laned {
                sender.through_lane(d, msg, place);
            } else {
                // The window is the send permits here: the place is the permit.
                pace.wait().await;
                sender.spawn_send(d, msg, (None, Some(place)));
            }
        }
    }
}

/// What a delivery needs on its way out: the channel, where outcomes go, the send permits,
/// the pace, and the lanes.
struct Sender {
    channel: Arc<dyn channels::Channel>,
    done_tx: mpsc::UnboundedSender<Done>,
    permits: Arc<Semaphore>,
    pace: Arc<Pace>,
    lanes: Option<Arc<Lanes>>,
    /// Send permits origins never seen answering may hold together (half the channel's), so
    /// that many dead origins, each within its own lane's limit, still leave the other half
    /// to the push services that answer.
    unproven: Arc<Semaphore>,
    lane_wait: Duration,
}

impl Sender {
    /// Sends a delivery in a task of its own once its lane has a place, then a send permit.
    fn through_lane(&self, d: Leased, msg: Message, place: OwnedSemaphorePermit) {
        let Some(lanes) = &self.lanes else { return };
        // An address without an origin shares one lane; the channel refuses it anyway.
        let lane = lanes.lane(lanes::origin(&msg.recipient).unwrap_or_default());
        let (permits, unproven, done_tx) = (self.permits.clone(), self.unproven.clone(), self.done_tx.clone());
        let (pace, wait, channel) = (self.pace.clone(), self.lane_wait, self.channel.clone());
        tokio::spawn(async move {
            let deadline = tokio::time::Instant::now() + wait;
            let Some(ticket) = lane.enter(deadline).await else {
                let _ = done_tx.send((d, busy(wait), (Some(place), None)));
                return;
            };
            let newcomer = if lane.proven() {
                None
            } else {
                match tokio::time::timeout_at(deadline, unproven.acquire_owned()).await {
                    Ok(Ok(p)) => Some(p),
                    _ => {
                        drop(ticket);
                        let _ = done_tx.send((d, busy(wait), (Some(place), None)));
                        return;
                    }
                }
            };
            let Ok(permit) = permits.acquire_owned().await else { return };
            pace.wait().await;
            let outcome = channel.send(&msg).await;
            ticket.finish(!matches!(outcome, Outcome::Retry { .. }));
            drop(newcomer);
            let _ = done_tx.send((d, outcome, (Some(place), Some(permit))));
        });
    }

    /// Sends a delivery that holds its send permit already.
    fn spawn_send(&self, d: Leased, msg: Message, held: Held) {
        let (channel, done_tx) = (self.channel.clone(), self.done_tx.clone());
        tokio::spawn(async move {
            let outcome = channel.send(&msg).await;
            let _ = done_tx.send((d, outcome, held));
        });
    }
}

/// The outcome of a delivery that found no place in its lane in time: its origin has not
/// answered the requests already open (the origin is not named: a push endpoint's host is the
/// resident's choice).
fn busy(waited: Duration) -> Outcome {
    Outcome::Retry {
        not_before: None,
        error: format!(
            "the service at this address has not answered the requests open to it; waited {} s for a place",
            waited.as_secs()
        ),
    }
}

async fn claim(app: &App, channel: &str, owner: &str, limit: i64, lease_ms: i64) -> Result<Vec<Leased>, sqlx::Error> {
    let mut tx = app.db.begin().await?;
    let batch = deliveries::claim(&mut tx, channel, owner, limit, lease_ms).await?;
    tx.commit().await?;
    Ok(batch)
}

/// Leases one batch, sends it (concurrently, within the channel's limit) and records the
/// outcomes; gives how many were sent. For tests and tools that drive the outbox step by step.
pub async fn drain_once(app: &App, rt: &Runtime, limit: i64) -> anyhow::Result<usize> {
    let owner = format!("{}/{}-drain", instance(), rt.channel.name());
    let lease_ms = i64::from(app.settings.fanout.lease_seconds.max(1)) * 1000;
    let batch = claim(app, rt.channel.name(), &owner, limit, lease_ms).await?;
    let recipients = super::recipients::resolve(app, &batch).await?;
    let payloads = Payloads::default();
    let mut done = Vec::with_capacity(batch.len());
    for d in batch {
        let outcome = match (recipients.get(&d.id), payloads.get(app, d.alert_id).await) {
            (Some(r), Ok(p)) => {
                let msg =
                    Message { delivery_id: d.id, attempt: d.attempts.max(1) as u32, alert: p, recipient: r.clone() };
                rt.channel.send(&msg).await
            }
            (None, _) => Outcome::Failed { error: "the recipient is no longer active".into() },
            (_, Err(e)) => Outcome::Retry { not_before: None, error: format!("{e:#}") },
        };
        done.push((d, outcome, (None, None)));
    }
    write(app, &done).await?;
    Ok(done.len())
}

/// Records outcomes in batches of whatever has arrived, up to 500: nothing waits for a batch to
/// fill, and while one batch is written the next gathers. Each message's permit is held until
/// its outcome is stored, so a wait here would hold back the channel's whole window (a fixed
/// 20 ms wait held push to about 2,500 a second with a window of 64).
async fn record(app: App, mut rx: mpsc::UnboundedReceiver<Done>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < 500 {
            match rx.try_recv() {
                Ok(x) => batch.push(x),
                Err(_) => break,
            }
        }
        loop {
            match write(&app, &batch).await {
                Ok(()) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "recording outcomes failed; retrying");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }
    }
}

async fn write(app: &App, batch: &[Done]) -> Result<(), sqlx::Error> {
    let max = i64::from(app.settings.fanout.max_attempts.max(1));
    let now = now_ms();
    let mut rows = Vec::with_capacity(batch.len());
    let mut dropped = Vec::new();
    for (d, outcome, _) in batch {
        let c = match outcome {
            Outcome::Sent { provider_id } => Completion::Sent(checked(&d.channel, provider_id.as_deref())),
            Outcome::Delivered { provider_id } => Completion::Delivered(checked(&d.channel, provider_id.as_deref())),
            Outcome::Failed { error } => Completion::Failed(error.clone()),
            Outcome::DropAddress { error } => {
                dropped.push(d);
                Completion::Failed(error.clone())
            }
            // A child instance of a cascade is tried until the alert expires: it may be away
            // for longer than any count of attempts, and its residents still need the warning.
            Outcome::Retry { error, .. } if i64::from(d.attempts) >= max && d.channel != channels::cascade::NAME => {
                Completion::Failed(format!("gave up after {} attempts; the last: {error}", d.attempts))
            }
            Outcome::Retry { not_before, error } => {
                Completion::Retry { at_ms: now + retry_delay_ms(d.attempts, *not_before), error: error.clone() }
            }
        };
        rows.push((d.id, d.fence, c));
    }
    let mut tx = app.db.begin().await?;
    let stale = deliveries::complete(&mut tx, &rows).await?;
    for d in &dropped {
        match d.recipient_kind.as_str() {
            "webhook" => webhooks::deactivate(&mut tx, d.recipient_id).await?,
            "subscription" => subscriptions::deactivate(&mut tx, d.recipient_id).await?,
            _ => 0,
        };
    }
    tx.commit().await?;
    if !stale.is_empty() {
        tracing::info!(count = stale.len(), "outcomes refused: another worker had taken the deliveries over");
    }
    for ((d, _, _), (id, _, c)) in batch.iter().zip(&rows) {
        let outcome = if stale.contains(id) {
            "stale"
        } else {
            match c {
                Completion::Sent(_) => "sent",
                Completion::Delivered(_) => "delivered",
                Completion::Retry { .. } => "retry",
                Completion::Failed(_) => "failed",
            }
        };
        Metrics::count_delivery(&app.metrics, &d.channel, outcome);
    }
    Ok(())
}

/// How long to wait before attempt `attempts + 1`: what the provider asked (at least a second),
/// or 2 s doubling up to 10 minutes, with ±20 % jitter so retries do not arrive in step.
pub fn retry_delay_ms(attempts: i32, not_before: Option<Duration>) -> i64 {
    if let Some(d) = not_before {
        return (d.as_millis() as i64).max(1000);
    }
    let base = 2000i64.saturating_mul(1 << attempts.clamp(1, 20).saturating_sub(1)).min(600_000);
    let r = crate::domain::crypto::random_bytes::<2>();
    let jitter = (i64::from(u16::from_le_bytes(r)) % 401 - 200) as f64 / 1000.0;
    (base as f64 * (1.0 + jitter)) as i64
}

/// Spacing sends to a rate, shared by the tasks that send: each takes the next free slot
/// under the lock and waits for it outside.
struct Pace {
    interval: Option<Duration>,
    next: std::sync::Mutex<Instant>,
}

impl Pace {
    fn new(per_second: f64) -> Self {
        let interval = (per_second > 0.0).then(|| Duration::from_secs_f64(1.0 / per_second));
        Pace { interval, next: std::sync::Mutex::new(Instant::now()) }
    }

    async fn wait(&self) {
        let Some(i) = self.interval else { return };
        let slot = {
            let mut next = self.next.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let slot = (*next).max(Instant::now());
            *next = slot + i;
            slot
        };
        tokio::time::sleep_until(slot.into()).await;
    }
}

/// Every few seconds: end deliveries of expired alerts, record first and last delivery times,
/// and publish queue depths.
pub async fn housekeeping(app: App) {
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    loop {
        tick.tick().await;
        if let Err(e) = housekeep(&app).await {
            tracing::warn!(error = %e, "outbox housekeeping failed; will retry");
        }
        if let Err(e) = super::events::apply_waiting(&app).await {
            tracing::warn!(error = %e, "applying waiting receipts failed; will retry");
        }
        match crate::domain::devices::mark_offline(&app).await {
            Ok(gone) => {
                for (id, name) in &gone {
                    tracing::warn!(device = id, name = %name, "a device missed three polls and is offline");
                }
            }
            Err(e) => tracing::warn!(error = %e, "offline detection failed; will retry"),
        }
        if let Err(e) = crate::domain::siren_tests::run_due(&app).await {
            tracing::warn!(error = %e, "running due siren tests failed; will retry");
        }
    }
}

async fn housekeep(app: &App) -> Result<(), sqlx::Error> {
    let mut tx = app.db.begin().await?;
    deliveries::expire_due(&mut tx).await?;
    deliveries::cancel_ended(&mut tx).await?;
    tx.commit().await?;
    let finished = deliveries::finished_untimed(&mut app.db.read().await?, now_ms() - 24 * 3_600_000).await?;
    for t in finished {
        let mut tx = app.db.begin().await?;
        let first_time = deliveries::record_timing(&mut tx, &t).await?;
        tx.commit().await?;
        if first_time {
            let issued =
                crate::db::alerts::by_id(&mut app.db.read().await?, t.alert_id).await?.and_then(|a| a.issued_ms);
            if let (Some(issued), Some(first), Some(last)) = (issued, t.first_ms, t.last_ms) {
                app.metrics.observe_fanout(
                    &t.channel,
                    (first - issued) as f64 / 1000.0,
                    (last - issued) as f64 / 1000.0,
                );
            }
        }
    }
    let depths: Vec<(String, i64)> =
        deliveries::queue_depth(&mut app.db.read().await?).await?.into_iter().map(|c| (c.channel, c.n)).collect();
    app.metrics.set_queue_depths(&depths);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_honours_the_provider() {
        for _ in 0..50 {
            let first = retry_delay_ms(1, None);
            assert!((1600..=2400).contains(&first), "{first}");
            let fourth = retry_delay_ms(4, None);
            assert!((12_800..=19_200).contains(&fourth), "{fourth}");
            assert!(retry_delay_ms(30, None) <= 720_000);
        }
        assert_eq!(retry_delay_ms(3, Some(Duration::from_secs(30))), 30_000);
        assert_eq!(retry_delay_ms(3, Some(Duration::ZERO)), 1000);
    }
}
