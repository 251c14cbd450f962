//! The poller: every few seconds, the subscriptions that are due are claimed (a lease taken
//! with a conditional UPDATE, so of several instances one polls each), polled side by side,
//! and their outcome recorded; a failing feed waits longer each time (doubling from its
//! interval up to `feeds.max_backoff_minutes`) and never holds up the others.

use std::time::Duration;

use super::FeedView;
use super::entries::poll_once;
use super::fetch::{self, FeedError};
use crate::app::App;
use crate::db::feeds::{self, PollOutcome};
use crate::db::now_ms;
use crate::domain::error::{Error, Result};
use crate::metrics::Metrics;

/// Who holds a lease: this process.
fn owner() -> String {
    format!("{}/feeds", crate::fanout::planner::instance())
}

/// How long a claim holds: as long as the longest poll may take (the feed and every linked
/// document at the deadline), so that a slow poll is never claimed twice; a crashed
/// instance's feeds are polled by another once it runs out.
fn lease_ms(app: &App) -> i64 {
    let f = &app.settings.feeds;
    (i64::from(f.timeout_seconds) * (i64::from(f.max_documents_per_poll) + 2) + 60) * 1000
}

type Polls = tokio::task::JoinSet<Result<()>>;

/// Polls due subscriptions until the process ends (when `feeds.poll` is on). Polls run side
/// by side and are not waited for: a slow feed holds up no other.
pub async fn run(app: App) {
    match super::seed(&app, &app.settings.feeds.subscriptions).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(changed = n, "feed subscriptions from the configuration stored"),
        Err(e) => tracing::warn!(error = %e, "storing the configured feed subscriptions failed"),
    }
    if !app.settings.feeds.poll {
        return;
    }
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    let mut running = Polls::new();
    loop {
        tick.tick().await;
        while let Some(done) = running.try_join_next() {
            finished(done);
        }
        if let Err(e) = start_due(&app, &mut running).await {
            tracing::warn!(error = %e, "polling feeds failed; will retry");
        }
    }
}

/// Claims and polls every subscription that is due, and waits for them; gives how many were
/// polled.
pub async fn poll_due(app: &App) -> Result<usize> {
    let mut polls = Polls::new();
    start_due(app, &mut polls).await?;
    let mut n = 0;
    while let Some(done) = polls.join_next().await {
        n += usize::from(finished(done));
    }
    Ok(n)
}

/// Claims the subscriptions that are due and starts polling each.
async fn start_due(app: &App, polls: &mut Polls) -> Result<()> {
    let due = feeds::due(&mut app.db.read().await?, now_ms()).await?;
    if due.is_empty() {
        return Ok(());
    }
    let client = fetch::client(&app.settings.feeds, app.settings.outbound.guard())
        .map_err(|e| Error::Internal(anyhow::anyhow!(e.message)))?;
    let owner = owner();
    for id in due {
        let mut tx = app.db.begin().await?;
        let claimed = feeds::claim(&mut tx, id, &owner, now_ms() + lease_ms(app), false).await?;
        tx.commit().await?;
        if claimed {
            let (app, client, owner) = (app.clone(), client.clone(), owner.clone());
            polls.spawn(async move { poll_claimed(&app, &client, id, &owner).await });
        }
    }
    Ok(())
}

/// Logs how a poll task ended; gives whether its outcome was recorded.
fn finished(done: Result<Result<()>, tokio::task::JoinError>) -> bool {
    match done {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "recording a feed poll failed; it is polled again");
            false
        }
        Err(e) => {
            tracing::warn!(error = %e, "a feed poll stopped");
            false
        }
    }
}

/// Polls one subscription now, due or not (an administrator asked); gives it afterwards.
pub async fn poll_now(app: &App, id: i64) -> Result<FeedView> {
    let owner = owner();
    let mut tx = app.db.begin().await?;
    feeds::by_id(&mut tx, id).await?.ok_or(Error::NotFound("feed"))?;
    let claimed = feeds::claim(&mut tx, id, &owner, now_ms() + lease_ms(app), true).await?;
    tx.commit().await?;
    if !claimed {
        return Err(Error::Conflict("the feed is being polled right now".into()));
    }
    let client = fetch::client(&app.settings.feeds, app.settings.outbound.guard())
        .map_err(|e| Error::Internal(anyhow::anyhow!(e.message)))?;
    poll_claimed(app, &client, id, &owner).await?;
    super::get(app, id).await
}

async fn poll_claimed(app: &App, client: &fetch::FeedClient, id: i64, owner: &str) -> Result<()> {
    let Some(row) = feeds::by_id(&mut app.db.read().await?, id).await? else { return Ok(()) };
    let outcome = poll_once(app, client, &row).await;
    let failures = if outcome.error.is_some() { row.failures.saturating_add(1) } else { 0 };
    let next = now_ms() + next_delay_ms(app, i64::from(row.poll_seconds), failures);
    log(&row.name, &row.url, &outcome);
    let mut tx = app.db.begin().await?;
    feeds::finish(&mut tx, id, owner, &outcome, next).await?;
    tx.commit().await?;
    Ok(())
}

/// The wait before the next poll: the interval, doubled for each failure in a row, at most
/// `feeds.max_backoff_minutes` (but never less than the interval).
fn next_delay_ms(app: &App, poll_seconds: i64, failures: i32) -> i64 {
    let base = poll_seconds.max(1) * 1000;
    let cap = (i64::from(app.settings.feeds.max_backoff_minutes) * 60_000).max(base);
    let factor = 1i64 << failures.clamp(0, 20);
    base.saturating_mul(factor).min(cap)
}

fn log(name: &str, url: &str, o: &PollOutcome) {
    let url = fetch::shown(url);
    match o.error.as_deref().and_then(|e| serde_json::from_str::<FeedError>(e).ok()) {
        Some(e) => {
            tracing::warn!(feed = %name, url = %url, code = %e.code, error = %e.message, "polling a feed failed")
        }
        None if o.relayed + o.drafted > 0 => tracing::info!(
            feed = %name, url = %url, relayed = o.relayed, drafted = o.drafted, skipped = o.skipped,
            "a feed brought alerts"
        ),
        None => tracing::debug!(feed = %name, url = %url, skipped = o.skipped, "feed polled"),
    }
}

/// Counts a poll by outcome.
pub(super) fn count(app: &App, outcome: &str) {
    Metrics::count(&app.metrics.feed_polls, outcome);
}
