//! Delivery counts going up a cascade. The child answers `GET /api/v1/cap/report` for an
//! alert its parent posted ([`for_parent`]); the parent asks each child about every alert it
//! handed over in the last `cascade.report_hours` ([`run`]) and keeps the latest answer. When
//! a child is asked again is [`due`]'s rule: every `cascade.report_seconds` while the child's
//! fan-out is under way, and after it has settled (planned, nothing queued) as long as its
//! counts changed in the last ten minutes, since acknowledgements and receipts trickle in
//! after the fan-out; at once when the child was handed a newer message (an Update or Cancel
//! changes the earlier alert's state there). Once quiet, a live (`issued`) alert is asked about
//! every 30 s, for the siren that acknowledges late, and an ended one every five minutes. A
//! child that cannot be asked keeps its last report, with the reason beside it.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::db::cascade::{self as store, ReportRow};
use crate::db::{alerts, deliveries, fanouts, now_ms};
use crate::domain::audit::Actor;
use crate::domain::caller::Caller;
use crate::domain::error::{Error, Result};

/// A settled report whose counts have not changed for this long is quiet: asked less often.
const QUIET_AFTER_MS: i64 = 10 * 60 * 1000;
/// A quiet report on an alert still live at the child (`issued`) is asked again after this
/// long: its sirens and receipts may still answer.
const QUIET_LIVE_EVERY_MS: i64 = 30 * 1000;
/// A quiet report on an alert that has ended at the child is asked again after this long.
const QUIET_ENDED_EVERY_MS: i64 = 5 * 60 * 1000;

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

/// Whether the child should be asked about `a` in the round at `now`; `latest_hand_over_ms`
/// is when the child was last handed any message. A report not yet settled, never given, or
/// given before the child was handed a newer message (an Update, a Cancel: the earlier
/// alert's state there has changed with it) is asked for every round. So is a settled one
/// whose counts changed in the last [`QUIET_AFTER_MS`]: a siren that acknowledges just after
/// the report must not stay `sent` in the parent's picture for minutes. A quiet report is
/// asked for every [`QUIET_LIVE_EVERY_MS`] while the alert is `issued` at the child, and every
/// [`QUIET_ENDED_EVERY_MS`] once it has ended there. A report whose change time is not known
/// (recorded before it was kept) counts as quiet.
pub fn due(a: &store::ToAsk, now: i64, latest_hand_over_ms: i64) -> bool {
    let Some(asked) = a.asked_ms else { return true };
    if a.settled != Some(true) || asked < latest_hand_over_ms {
        return true;
    }
    if a.changed_ms.is_some_and(|c| now - c < QUIET_AFTER_MS) {
        return true;
    }
    let every = if a.child_state.as_deref() == Some("issued") { QUIET_LIVE_EVERY_MS } else { QUIET_ENDED_EVERY_MS };
    now - asked >= every
}

/// When each child was last handed a message, by child id.
fn latest_hand_overs(all: &[store::ToAsk]) -> HashMap<i64, i64> {
    let mut latest: HashMap<i64, i64> = HashMap::new();
    for a in all {
        let l = latest.entry(a.child_id).or_default();
        *l = (*l).max(a.sent_ms.unwrap_or(0));
    }
    latest
}

/// One round of questions; gives how many children answered.
pub async fn ask_all(app: &App) -> anyhow::Result<usize> {
    let Some(channel) = app.cascade.channel.clone() else { return Ok(0) };
    let now = now_ms();
    let since = now - i64::from(app.settings.cascade.report_hours) * 3_600_000;
    let all = store::to_ask(&mut app.db.read().await?, since).await?;
    let latest = latest_hand_overs(&all);
    let due: Vec<store::ToAsk> =
        all.into_iter().filter(|a| due(a, now, latest.get(&a.child_id).copied().unwrap_or(0))).collect();
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

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000;
    const SECOND: i64 = 1000;
    const MINUTE: i64 = 60 * SECOND;
    const HANDED: i64 = NOW - 60 * MINUTE;

    /// A settled report on an alert issued at the child, handed over an hour ago, asked
    /// `asked_ago` and last changed `changed_ago` before now.
    fn settled(asked_ago: i64, changed_ago: Option<i64>) -> store::ToAsk {
        store::ToAsk {
            alert_id: 1,
            child_id: 1,
            sender: "kraj@nitra.example".into(),
            identifier: "KRAJ-1".into(),
            sent_ms: Some(HANDED),
            settled: Some(true),
            asked_ms: Some(NOW - asked_ago),
            child_state: Some("issued".into()),
            changed_ms: changed_ago.map(|c| NOW - c),
        }
    }

    #[test]
    fn a_child_never_asked_or_not_settled_is_asked_every_round() {
        let never =
            store::ToAsk { settled: None, asked_ms: None, child_state: None, changed_ms: None, ..settled(0, None) };
        assert!(due(&never, NOW, HANDED));
        let under_way = store::ToAsk { settled: Some(false), ..settled(SECOND, Some(20 * MINUTE)) };
        assert!(due(&under_way, NOW, HANDED));
    }

    #[test]
    fn a_child_handed_a_newer_message_since_it_was_asked_is_asked_at_once() {
        let a = store::ToAsk { child_state: Some("cancelled".into()), ..settled(10 * SECOND, Some(30 * MINUTE)) };
        assert!(!due(&a, NOW, HANDED));
        assert!(due(&a, NOW, NOW - 5 * SECOND));
    }

    #[test]
    fn a_settled_report_whose_counts_moved_in_the_last_ten_minutes_is_asked_every_round() {
        assert!(due(&settled(SECOND, Some(SECOND)), NOW, HANDED));
        assert!(due(&settled(SECOND, Some(QUIET_AFTER_MS - 1)), NOW, HANDED));
        let ended = store::ToAsk { child_state: Some("expired".into()), ..settled(SECOND, Some(9 * MINUTE)) };
        assert!(due(&ended, NOW, HANDED));
    }

    #[test]
    fn a_quiet_report_on_a_live_alert_is_asked_every_30_seconds() {
        assert!(!due(&settled(29 * SECOND, Some(QUIET_AFTER_MS)), NOW, HANDED));
        assert!(due(&settled(30 * SECOND, Some(QUIET_AFTER_MS)), NOW, HANDED));
    }

    #[test]
    fn a_quiet_report_on_an_ended_alert_is_asked_every_five_minutes() {
        for state in [Some("cancelled"), Some("expired"), None] {
            let at = |asked_ago| store::ToAsk {
                child_state: state.map(str::to_owned),
                ..settled(asked_ago, Some(20 * MINUTE))
            };
            assert!(!due(&at(5 * MINUTE - 1), NOW, HANDED), "{state:?}");
            assert!(due(&at(5 * MINUTE), NOW, HANDED), "{state:?}");
        }
    }

    #[test]
    fn a_report_whose_change_time_is_not_known_counts_as_quiet() {
        assert!(!due(&settled(10 * SECOND, None), NOW, HANDED));
        assert!(due(&settled(30 * SECOND, None), NOW, HANDED));
    }

    #[test]
    fn the_latest_hand_over_is_per_child() {
        let at = |child_id, sent| store::ToAsk { child_id, sent_ms: sent, ..settled(0, None) };
        let latest = latest_hand_overs(&[at(1, Some(5)), at(2, Some(7)), at(1, Some(9)), at(3, None)]);
        assert_eq!(latest, HashMap::from([(1, 9), (2, 7), (3, 0)]));
    }
}
