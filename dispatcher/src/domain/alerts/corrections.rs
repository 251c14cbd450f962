//! Corrections in one step: Update, Cancel, false alarm and all clear, each prefilled from the
//! issued original. A cancel by a user holding the configured role goes out at once, because
//! correcting must be faster than warning.

use cap_alerts::model::{Certainty, MsgType, ResponseType, Severity, Urgency};
use serde_json::json;

use super::content::AlertContent;
use super::lifecycle::{confirmed, expect_state, freeze_row, get, issue_row, local_now_plus, record};
use super::phrases::{Correction, phrases};
use super::state::State;
use crate::app::App;
use crate::config::CancelRule;
use crate::db::alerts::{self, AlertRow, Mark, NewAlert};
use crate::domain::caller::Caller;
use crate::domain::error::{Error, Result};
use crate::metrics::Metrics;

fn content_of(row: &AlertRow) -> Result<AlertContent> {
    AlertContent::from_json(serde_json::from_str(&row.content).map_err(|e| Error::Internal(e.into()))?)
}

async fn new_message(
    tx: &mut crate::db::Tx,
    caller: &Caller,
    original: &AlertRow,
    msg_type: MsgType,
    content: &AlertContent,
) -> Result<AlertRow> {
    let json = serde_json::to_string(content).map_err(|e| Error::Internal(e.into()))?;
    let new = NewAlert::draft(
        Some(original.thread_id),
        msg_type.as_str(),
        content.status.as_str(),
        content.scope.as_str(),
        &json,
        caller.user_id(),
    );
    let id = alerts::insert(tx, &new).await?;
    get(tx, id).await
}

/// Creates and submits an Update of an issued alert: the given content, or the original's.
/// Like submitting, it needs the confirmations its reach asks for: an area far beyond the
/// territory, and nobody reached (unless the earlier messages reached someone, who gets the
/// Update anyway).
pub async fn update(
    app: &App,
    caller: &Caller,
    id: i64,
    content: Option<serde_json::Value>,
    confirm: &[String],
) -> Result<AlertRow> {
    // Reach reads with other connections: checked before the write transaction opens.
    let mut c = app.db.read().await?;
    let original = get(&mut c, id).await?;
    expect_updatable(&original)?;
    let content = match content {
        Some(c) => {
            let c = AlertContent::from_json(c)?;
            crate::fanout::choice::check(&c.channels, &crate::fanout::choice::allowed(app))?;
            c
        }
        None => content_of(&original)?,
    };
    let thread: Vec<i64> = alerts::thread(&mut c, original.thread_id).await?.iter().map(|m| m.id).collect();
    let reached_before = crate::db::deliveries::reached(&mut c, &thread).await?.len();
    drop(c);
    let preview = super::build::preview_content(app, &content, id, MsgType::Update).await?;
    confirmed(app, id, &preview, confirm, reached_before).await?;
    let mut tx = app.db.begin().await?;
    let original = get(&mut tx, id).await?;
    expect_updatable(&original)?;
    let row = new_message(&mut tx, caller, &original, MsgType::Update, &content).await?;
    let row = freeze_row(app, &mut tx, &row).await?;
    record(&mut tx, caller, "alert.update", &row, json!({ "updates": original.id })).await?;
    tx.commit().await?;
    Metrics::count(&app.metrics.alert_transitions, State::Submitted.as_str());
    Ok(row)
}

fn expect_updatable(original: &AlertRow) -> Result<()> {
    expect_state(original, &[State::Issued], "updated")?;
    if original.msg_type == MsgType::Cancel.as_str() {
        return Err(Error::Conflict("a Cancel cannot be updated".into()));
    }
    Ok(())
}

/// The content of a correction: the original's areas and languages, with the correction's
/// words, expiring when the correction has been seen long enough.
pub fn correction_content(
    original: &AlertContent,
    kind: Correction,
    note: Option<&str>,
    visible_minutes: u32,
) -> AlertContent {
    let mut c = original.clone();
    let expires = local_now_plus(i64::from(visible_minutes) * 60);
    for info in &mut c.infos {
        let (prefix, description, instruction) = phrases(kind, info.language_or_default());
        let headline = info.headline.clone().unwrap_or_else(|| info.event.clone());
        info.headline = Some(format!("{prefix}: {headline}"));
        info.description = Some(description.to_owned());
        info.instruction = Some(instruction.to_owned());
        info.response_types =
            vec![if kind == Correction::AllClear { ResponseType::AllClear } else { ResponseType::None }];
        info.urgency = Urgency::Past;
        info.severity = Severity::Minor;
        info.certainty = Certainty::Observed;
        info.effective = None;
        info.onset = None;
        info.expires = Some(expires);
    }
    c.note = note.map(str::to_owned);
    c
}

/// Cancels (or declares a false alarm or all clear for) an issued alert in one step. The
/// correction is issued at once when the caller holds the role the settings name for it;
/// otherwise it waits for a second person like any alert.
pub async fn cancel(app: &App, caller: &Caller, id: i64, kind: Correction, note: Option<&str>) -> Result<AlertRow> {
    let mut tx = app.db.begin().await?;
    let original = get(&mut tx, id).await?;
    expect_state(&original, &[State::Issued], "cancelled")?;
    if original.msg_type == MsgType::Cancel.as_str() {
        return Err(Error::Conflict("this is already a Cancel".into()));
    }
    let content = correction_content(&content_of(&original)?, kind, note, app.settings.feed.cancel_visible_minutes);
    let msg_type = if kind == Correction::AllClear { MsgType::Update } else { MsgType::Cancel };
    let row = new_message(&mut tx, caller, &original, msg_type, &content).await?;
    let row = freeze_row(app, &mut tx, &row).await?;
    record(&mut tx, caller, "alert.cancel", &row, json!({ "cancels": original.id, "kind": kind })).await?;
    let alone = app.settings.approval.cancel == CancelRule::Alone && caller.has(app.settings.approval.cancel_role);
    let row = match (alone, caller.user_id()) {
        (true, Some(user)) => {
            alerts::transition(
                &mut tx,
                row.id,
                &[State::Submitted.as_str()],
                State::Approved.as_str(),
                Mark::Approved(user),
                None,
            )
            .await?;
            let row = get(&mut tx, row.id).await?;
            issue_row(app, &mut tx, caller, &row).await?
        }
        _ => row,
    };
    tx.commit().await?;
    app.wake.plan();
    Ok(row)
}
