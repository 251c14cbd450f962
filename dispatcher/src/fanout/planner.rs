//! Planning: for each issued alert, in order of priority, the deliveries to create. A planner
//! leases the alert's fan-out, targets its recipients (and, for an Update or Cancel, everyone
//! the earlier messages reached) on the channels its author chose, and creates the rows in batches, each committed and announced
//! so that sending starts before planning ends. A dedicated planner takes only the most urgent
//! alerts, so a large fan-out in progress never holds one back.

use std::collections::HashSet;
use std::time::Duration;

use anyhow::Context;
use cap_alerts::model::MsgType;
use cap_alerts::{Mode, Reader};

use super::priority;
use super::targeting::{Audience, resolve};
use super::wake::notify_others;
use crate::app::App;
use crate::db::deliveries::{self, NewDelivery};
use crate::db::{alerts, fanouts, webhooks};
use crate::domain::areas;

/// This process's name in leases.
pub fn instance() -> &'static str {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| format!("{}-{}", std::process::id(), hex::encode(crate::domain::crypto::random_bytes::<4>())))
}

/// Plans fan-outs of at most `max_priority` until the process ends.
pub async fn run(app: App, channels: Vec<&'static str>, max_priority: i32, name: &'static str) {
    let owner = format!("{}/{name}", instance());
    let poll = Duration::from_millis(u64::from(app.settings.fanout.poll_ms.max(10)));
    loop {
        match plan_one(&app, &channels, &owner, max_priority).await {
            Ok(true) => {}
            Ok(false) => app.wake.planned(poll).await,
            Err(e) => {
                tracing::warn!(error = format!("{e:#}"), "planning a fan-out failed; it will be retried");
                tokio::time::sleep(poll).await;
            }
        }
    }
}

/// Plans the most urgent pending fan-out, if any; gives whether there was one.
pub async fn plan_one(app: &App, channels: &[&'static str], owner: &str, max_priority: i32) -> anyhow::Result<bool> {
    let lease_ms = i64::from(app.settings.fanout.lease_seconds.max(1)) * 1000;
    let mut tx = app.db.begin().await?;
    let Some(f) = fanouts::claim(&mut tx, owner, lease_ms, max_priority).await? else {
        return Ok(false);
    };
    tx.commit().await?;
    let started = std::time::Instant::now();
    let (rows, expires_ms) =
        targets(app, f.alert_id, channels).await.with_context(|| format!("targeting alert {}", f.alert_id))?;
    let targeted = started.elapsed();
    let batch = app.settings.fanout.planner_batch.max(1) as usize;
    for chunk in rows.chunks(batch) {
        let mut tx = app.db.begin().await?;
        deliveries::insert_batch(&mut tx, f.alert_id, f.priority, expires_ms, chunk).await?;
        fanouts::renew(&mut tx, f.alert_id, owner, lease_ms).await?;
        let sent_on: HashSet<&str> = chunk.iter().map(|r| &*r.channel).collect();
        for ch in &sent_on {
            notify_others(&mut tx, &format!("send:{ch}")).await?;
        }
        tx.commit().await?;
        sent_on.iter().for_each(|ch| app.wake.send(ch));
    }
    let mut tx = app.db.begin().await?;
    fanouts::done(&mut tx, f.alert_id, owner, rows.len() as i64).await?;
    tx.commit().await?;
    tracing::info!(
        alert = f.alert_id,
        recipients = rows.len(),
        targeting_ms = targeted.as_millis() as u64,
        total_ms = started.elapsed().as_millis() as u64,
        "fan-out planned"
    );
    Ok(true)
}

/// The deliveries an issued alert needs, and when they stop being worth sending.
pub async fn targets(
    app: &App,
    alert_id: i64,
    channels: &[&'static str],
) -> anyhow::Result<(Vec<NewDelivery>, Option<i64>)> {
    let mut c = app.db.read().await?;
    let row = alerts::by_id(&mut c, alert_id).await?.context("the alert is gone")?;
    let xml = row.cap_xml.as_deref().context("the alert has no CAP")?;
    let alert =
        Reader::new().mode(Mode::Lenient).max_bytes(usize::MAX).read(xml).map_err(|e| anyhow::anyhow!("{e}"))?.alert;
    let named = areas::all(&mut c).await?;
    drop(c);
    app.targeting.sync(&app.db).await?;
    let (coverage, touched) = resolve(&alert, &named);
    let audience = Audience { severity: priority::severity(&alert), status: alert.status };
    let mut selection = app.targeting.select(&coverage, &touched, audience);
    super::targeting::with_groups(&app.targeting, &alert, &mut selection);
    // Targeting gives each subscription and device once; only an Update or Cancel, which adds
    // those the earlier messages reached, can name a recipient twice.
    let mut rows: Vec<NewDelivery> = Vec::with_capacity(selection.subscriptions.len() + selection.devices.len());
    // New deliveries only on the channels the author chose; a correction still reaches, on
    // every channel, whoever the earlier messages reached (below).
    let choice = super::choice::Choice::of(&alert);
    let mut c = app.db.read().await?;
    if channels.contains(&"webhook") && choice.allows("webhook") {
        let webhook: std::sync::Arc<str> = "webhook".into();
        for (id, exercises) in webhooks::active(&mut c).await? {
            if alert.is_actual() || exercises {
                rows.push(NewDelivery { channel: webhook.clone(), recipient_kind: "webhook", recipient_id: id });
            }
        }
    }
    // A Cancel or an all clear goes only to those the earlier messages reached; an Alert or
    // an Update goes to its area (which an Update may have changed) as well.
    let all_clear = alert.msg_type == MsgType::Update
        && !alert.infos.is_empty()
        && alert.infos.iter().all(|i| i.response_types.contains(&cap_alerts::model::ResponseType::AllClear));
    let correction_only = alert.msg_type == MsgType::Cancel || all_clear;
    // The children whose territory the alert touches get it whatever channels the author
    // chose (they apply that choice to their own); a correction reaches those the earlier
    // messages reached (below), and an Update also any child its new area touches.
    let cascade = ::channels::cascade::NAME;
    if channels.contains(&cascade) && alert.msg_type != MsgType::Cancel {
        let name: std::sync::Arc<str> = cascade.into();
        for id in app.cascade.touched(&alert, &named) {
            rows.push(NewDelivery { channel: name.clone(), recipient_kind: "child", recipient_id: id });
        }
    }
    if !correction_only {
        for (id, kind) in selection.devices.into_iter().filter(|(_, kind)| choice.allows(kind)) {
            rows.push(NewDelivery { channel: kind, recipient_kind: "device", recipient_id: id });
        }
        for (id, channel) in selection.subscriptions {
            if channels.contains(&&*channel) && choice.allows(&channel) {
                rows.push(NewDelivery { channel, recipient_kind: "subscription", recipient_id: id });
            }
        }
    }
    if alert.msg_type != MsgType::Alert {
        let earlier: Vec<i64> =
            alerts::thread(&mut c, row.thread_id).await?.iter().filter(|m| m.id < row.id).map(|m| m.id).collect();
        let mut seen: HashSet<NewDelivery> = rows.iter().cloned().collect();
        for d in deliveries::reached(&mut c, &earlier).await? {
            if (d.recipient_kind == "device" || channels.contains(&&*d.channel)) && seen.insert(d.clone()) {
                rows.push(d);
            }
        }
    }
    Ok((interleave(rows), row.expires_ms))
}

/// The rows taken from each channel in turn (each channel's own order kept), so that the first
/// committed batch holds recipients of every channel and each channel starts sending at once,
/// rather than SMS and email waiting while 100,000 push rows are written before them.
fn interleave(rows: Vec<NewDelivery>) -> Vec<NewDelivery> {
    let total = rows.len();
    let mut queues: Vec<std::collections::VecDeque<NewDelivery>> = Vec::new();
    for r in rows {
        match queues.iter_mut().find(|q| q.front().is_some_and(|f| f.channel == r.channel)) {
            Some(q) => q.push_back(r),
            None => queues.push(std::collections::VecDeque::from([r])),
        }
    }
    let mut out = Vec::with_capacity(total);
    while out.len() < total {
        for q in &mut queues {
            if let Some(r) = q.pop_front() {
                out.push(r);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(channel: &str, id: i64) -> NewDelivery {
        NewDelivery { channel: channel.into(), recipient_kind: "subscription", recipient_id: id }
    }

    #[test]
    fn channels_take_turns_and_keep_their_own_order() {
        let rows = vec![row("push", 1), row("push", 2), row("push", 3), row("sms", 4), row("email", 5), row("sms", 6)];
        let order: Vec<(String, i64)> =
            interleave(rows).into_iter().map(|r| (r.channel.to_string(), r.recipient_id)).collect();
        let expected = [("push", 1), ("sms", 4), ("email", 5), ("push", 2), ("sms", 6), ("push", 3)];
        assert_eq!(order, expected.map(|(c, i)| (c.to_owned(), i)));
    }
}
