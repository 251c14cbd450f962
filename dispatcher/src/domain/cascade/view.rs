//! The parent's one picture of an alert: its own deliveries, each child's hand-over and the
//! child's latest report, and the counts of all of them together.

use std::collections::BTreeMap;

use serde::Serialize;

use super::report::ChildReport;
use crate::app::App;
use crate::db::{alerts, cascade as store, deliveries};
use crate::domain::error::{Error, Result};

/// An alert across the cascade.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CascadeView {
    /// The alert (here, at the parent).
    pub alert_id: i64,
    /// One entry per child the alert was handed to.
    pub children: Vec<ChildView>,
    /// Children the alert was handed to (or is being retried to).
    pub handed_to: usize,
    /// Children that took it (their answer was 2xx).
    pub taken_by: usize,
    /// This instance's own deliveries plus the children's latest reports, per channel and
    /// status (the `cascade` channel, the hand-overs themselves, left out).
    pub combined: BTreeMap<String, BTreeMap<String, i64>>,
    /// Deliveries in `combined`.
    pub combined_total: i64,
}

/// One child's part.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChildView {
    /// The child's id and name here.
    pub id: i64,
    pub name: String,
    /// The hand-over: `queued` (being retried: the child is away or not ready), `sent` (the
    /// child took it), `failed` (the child refused it), `expired`, `cancelled`.
    pub status: String,
    /// Attempts so far.
    pub attempts: i32,
    /// Why the last attempt did not succeed.
    pub last_error: Option<String>,
    /// When the child took it, and when the next attempt is due while it is queued (ms).
    pub sent_ms: Option<i64>,
    pub next_attempt_ms: Option<i64>,
    /// The child's latest report, if it gave one.
    pub report: Option<ChildReport>,
    /// When it gave it, and when it was last asked (ms).
    pub reported_ms: Option<i64>,
    pub asked_ms: Option<i64>,
    /// Why the last question got no report.
    pub report_error: Option<String>,
}

/// The picture of an alert.
pub async fn of(app: &App, alert_id: i64) -> Result<CascadeView> {
    let mut c = app.db.read().await?;
    alerts::by_id(&mut c, alert_id).await?.ok_or(Error::NotFound("alert"))?;
    let hand_overs = store::hand_overs(&mut c, alert_id).await?;
    let reports = store::reports(&mut c, alert_id).await?;
    let own = deliveries::summary(&mut c, alert_id).await?;
    drop(c);
    let mut combined: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    let mut add = |channel: &str, status: &str, n: i64| {
        if channel != channels::cascade::NAME {
            *combined.entry(channel.to_owned()).or_default().entry(status.to_owned()).or_default() += n;
        }
    };
    own.iter().for_each(|n| add(&n.channel, &n.status, n.n));
    let mut children = Vec::with_capacity(hand_overs.len());
    for h in hand_overs {
        let r = reports.iter().find(|r| r.child_id == h.child_id);
        let report: Option<ChildReport> =
            r.and_then(|r| r.counts.as_deref()).and_then(|j| serde_json::from_str(j).ok());
        for (channel, statuses) in report.iter().flat_map(|r| &r.channels) {
            statuses.iter().for_each(|(status, n)| add(channel, status, *n));
        }
        let name = app.cascade.by_id(h.child_id).map_or_else(|| format!("child {}", h.child_id), |c| c.name.clone());
        children.push(ChildView {
            id: h.child_id,
            name,
            next_attempt_ms: (h.status == "queued").then_some(h.next_attempt_ms),
            status: h.status,
            attempts: h.attempts,
            last_error: h.last_error,
            sent_ms: h.sent_ms,
            report,
            reported_ms: r.and_then(|r| r.reported_ms),
            asked_ms: r.map(|r| r.asked_ms),
            report_error: r.and_then(|r| r.error.clone()),
        });
    }
    let combined_total = combined.values().flat_map(|s| s.values()).sum();
    Ok(CascadeView {
        alert_id,
        handed_to: children.len(),
        taken_by: children.iter().filter(|c| matches!(c.status.as_str(), "sent" | "delivered")).count(),
        children,
        combined,
        combined_total,
    })
}
