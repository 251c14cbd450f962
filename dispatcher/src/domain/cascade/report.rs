//! Delivery counts going up a cascade. The child answers `GET /api/v1/cap/report` for an
//! alert its parent posted ([`for_parent`]); the parent asks each child about every alert it
//! handed over in the last `cascade.report_hours` ([`run`]) and keeps the latest answer, every
//! `cascade.report_seconds` while the child's fan-out is under way, and every five minutes
//! once it has settled (planned, nothing queued), for acknowledgements and receipts that come
//! late, or at once when the child was handed a newer message (an Update or Cancel changes the
//! earlier alert's state there). A child that cannot be asked keeps its last report, with the reason beside it.

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::db::cascade::{self as store, ReportRow};
use crate::db::{alerts, deliveries, fanouts, now_ms};
use crate::domain::audit::Actor;
use crate::domain::caller::Caller;
use crate::domain::error::{Error, Result};

/// A settled report is asked again after this long.
const SETTLED_EVERY_MS: i64 = 5 * 60 * 1000;

/// What a child says of its fan-out of an alert.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChildReport {
    /// The child's id of the alert.
    pub alert_id: i64,
    /// Where the alert is in its life at the child (`submitted` while it waits for a local
    /// approver, `issued`, `cancelled`, …).
    pub state: String,
    /// `pending` while the child targets its recipients, `done` after, `none` before issue.
    pub fanout: String,
    /// Deliveries per channel and status.
    pub channels: BTreeMap<String, BTreeMap<String, i64>>,
    /// Deliveries in all.
    pub total: i64,
}

impl ChildReport {
    /// Planned, with nothing left queued.
    pub fn settled(&self) -> bool {
        self.fanout == "done" && self.channels.values().all(|s| s.get("queued").copied().unwrap_or(0) == 0)
    }
}

/// The report on the alert from `sender` with `identifier`. An API token sees only the alerts
/// it posted; another alert, like one that does not exist, is not found.
pub async fn for_parent(app: &App, caller: &Caller, sender: &str, identifier: &str) -> Result<ChildReport> {
    let mut c = app.db.read().await?;
    let row = alerts::by_identifier(&mut c, sender, identifier).await?.ok_or(Error::NotFound("alert"))?;
    if let Actor::Token { id, .. } = &caller.actor
        && row.token_id != Some(*id)
    {
        return Err(Error::NotFound("alert"));
    }
    let fanout = fanouts::get(&mut c, row.id).await?;
    let mut channels: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    let mut total = 0;
    for n in deliveries::summary(&mut c, row.id).await? {
        total += n.n;
        channels.entry(n.channel).or_default().insert(n.status, n.n);
    }
    Ok(ChildReport {
        alert_id: row.id,
        state: row.state,
        fanout: fanout.map_or_else(|| "none".to_owned(), |f| f.state),
        channels,
        total,
    })
}

/// Asks the children about the alerts handed to them, until the process ends.
pub async fn run(app: App) {
    if !app.cascade.any() {
        return;
    }
    let every = Duration::from_secs(u64::from(app.settings.cascade.report_seconds.max(1)));
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = ask_all(&app).await {
            tracing::warn!(error = format!("{e:#}"), "asking the cascade's children for reports failed; will retry");
        }
    }
}

/// One round of questions; gives how many children answered.
pub async fn ask_all(app: &App) -> anyhow::Result<usize> {
    let Some(channel) = app.cascade.channel.clone() else { return Ok(0) };
    let now = now_ms();
    let since = now - i64::from(app.settings.cascade.report_hours) * 3_600_000;
    let all = store::to_ask(&mut app.db.read().await?, since).await?;
    // A child handed a new message (an Update, a Cancel) since a settled report was given is
    // asked again at once: the earlier alert's state there has changed with it.
    let mut latest: std::collections::HashMap<i64, i64> = std::collections::HashMap::new();
    for a in &all {
        let l = latest.entry(a.child_id).or_default();
        *l = (*l).max(a.sent_ms.unwrap_or(0));
    }
    let due: Vec<store::ToAsk> = all
        .into_iter()
        .filter(|a| {
            let recent = a.asked_ms.is_some_and(|t| now - t < SETTLED_EVERY_MS && t >= latest[&a.child_id]);
            !(a.settled == Some(true) && recent)
        })
        .collect();
    let concurrency = app.settings.cascade.concurrency.max(1) as usize;
    let answers: Vec<ReportRow> = futures_util::stream::iter(due)
        .map(|a| {
            let channel = channel.clone();
            async move {
                let mut row =
                    ReportRow { alert_id: a.alert_id, child_id: a.child_id, asked_ms: now_ms(), ..Default::default() };
                let Some(link) = channel.link(a.child_id) else {
                    row.error = Some("the child is no longer configured".into());
                    return row;
                };
                match link.report(&a.sender, &a.identifier).await.and_then(|v| {
                    serde_json::from_value::<ChildReport>(v)
                        .map_err(|e| format!("{} sent a report that does not read: {e}", link.name))
                }) {
                    Ok(r) => {
                        row.child_alert_id = Some(r.alert_id);
                        row.settled = r.settled();
                        row.total = r.total;
                        row.child_state = Some(r.state.clone());
                        row.counts = serde_json::to_string(&r).ok();
                    }
                    Err(e) => row.error = Some(e),
                }
                row
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let answered = answers.iter().filter(|r| r.error.is_none()).count();
    let mut tx = app.db.begin().await?;
    for r in &answers {
        store::record(&mut tx, r).await?;
    }
    tx.commit().await?;
    Ok(answered)
}
