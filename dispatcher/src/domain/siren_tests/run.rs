//! Running a siren test: claim the due run (one instance of several does), then issue a Test
//! alert that only the schedule's sirens get, with the test signal; or, when Tocsin was down
//! for longer than the grace at the due time, record the run as missed instead of sounding
//! sirens at an hour nobody announced.

use chrono::{Local, TimeZone};
use serde_json::json;

use super::{next_run, record, signal, user};
use crate::app::App;
use crate::db::now_ms;
use crate::db::siren_tests::{self, ScheduleRow};
use crate::domain::alerts::build::{Envelope, build};
use crate::domain::alerts::content::AlertContent;
use crate::domain::caller::Caller;
use crate::domain::error::{Error, Result};
use crate::fanout::targeting::{GROUPS_PARAMETER, KINDS_PARAMETER};

/// Runs every schedule that is due; gives how many runs were issued or recorded as missed.
pub async fn run_due(app: &App) -> Result<usize> {
    let due = siren_tests::due(&mut app.db.read().await?, now_ms()).await?;
    let mut done = 0;
    for row in due {
        let Some(due_ms) = row.next_run_ms else { continue };
        let next = next_run(&row, Local::now().max(local(due_ms)))?;
        let mut tx = app.db.begin().await?;
        if !siren_tests::claim(&mut tx, row.id, due_ms, next).await? {
            continue;
        }
        let grace = i64::from(app.settings.devices.test_grace_minutes) * 60_000;
        if now_ms() - due_ms > grace {
            siren_tests::insert_run(&mut tx, row.id, due_ms, None, "missed").await?;
            let details = json!({ "dueAt": super::local_text(due_ms), "graceMinutes": grace / 60_000 });
            record(&mut tx, &Caller::system(), "siren_test.missed", row.id, details).await?;
            tx.commit().await?;
            tracing::warn!(schedule = row.id, "a siren test was missed: Tocsin was not running at its time");
        } else {
            match issue(app, &mut tx, &row, due_ms, &Caller::system()).await {
                Ok(_) => {
                    tx.commit().await?;
                    app.wake.plan();
                }
                Err(e) => {
                    // Recorded as failed and moved on, so that a schedule that cannot run (its
                    // signal left the catalogue) does not retry every few seconds.
                    drop(tx);
                    failed(app, &row, due_ms, next, &e).await?;
                }
            }
        }
        done += 1;
    }
    Ok(done)
}

/// Records a run that could not be issued, with the reason, and moves the schedule on.
async fn failed(app: &App, row: &ScheduleRow, due_ms: i64, next: i64, e: &Error) -> Result<()> {
    tracing::warn!(schedule = row.id, error = %e, "a siren test could not be issued");
    let mut tx = app.db.begin().await?;
    if siren_tests::claim(&mut tx, row.id, due_ms, next).await? {
        siren_tests::insert_run(&mut tx, row.id, due_ms, None, "failed").await?;
        record(&mut tx, &Caller::system(), "siren_test.failed", row.id, json!({ "error": e.to_string() })).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Runs an active schedule now (after a repair, say): an approver who did not write it may.
/// Gives the run's id.
pub async fn run_now(app: &App, caller: &Caller, id: i64) -> Result<i64> {
    let by = user(caller)?;
    let mut tx = app.db.begin().await?;
    let row = siren_tests::by_id(&mut tx, id).await?.ok_or(Error::NotFound("siren test schedule"))?;
    if row.state != "active" {
        return Err(Error::Conflict(format!("the schedule is {}; only an approved, active one runs", row.state)));
    }
    if row.created_by == by {
        return Err(Error::TwoPersonRule("you wrote this schedule; another approver must run it".into()));
    }
    crate::domain::sessions::check_second_factor_for_approval(app, caller)?;
    let run = issue(app, &mut tx, &row, now_ms(), caller).await?;
    tx.commit().await?;
    app.wake.plan();
    Ok(run)
}

/// Issues the run's Test alert and records the run; gives the run's id.
async fn issue(app: &App, tx: &mut crate::db::Tx, row: &ScheduleRow, due_ms: i64, caller: &Caller) -> Result<i64> {
    let approver = row.approved_by.ok_or_else(|| Error::Conflict("the schedule was never approved".into()))?;
    let alert = test_alert(app, row, due_ms)?;
    let issued =
        crate::domain::alerts::system::issue_made(app, tx, &alert, "siren-test", row.created_by, approver).await?;
    let run = siren_tests::insert_run(&mut *tx, row.id, due_ms, Some(issued.id), "issued").await?;
    let details = json!({ "run": run, "alert": issued.id, "signal": row.signal, "groups": row.groups });
    record(tx, caller, "siren_test.run", row.id, details).await?;
    tracing::info!(schedule = row.id, run, alert = issued.id, "siren test issued");
    Ok(run)
}

/// The Test alert of a run: no area, only the schedule's groups and only their sirens,
/// sounding the test signal, Restricted so that it stays out of the public feed, and ending
/// a quarter of an hour after the signal would.
fn test_alert(app: &App, row: &ScheduleRow, due_ms: i64) -> Result<cap_alerts::Alert> {
    let s = signal(app, &row.signal)
        .ok_or_else(|| Error::Conflict(format!("the signal {} is no longer a test signal", row.signal)))?;
    let audible = if s.pattern == "silent" { "silent" } else { "audible" };
    let expires = crate::domain::alerts::lifecycle::local_now_plus(i64::from(s.seconds) + 15 * 60);
    let info = json!({
        "language": "en",
        "categories": ["Safety"],
        "event": "Siren test",
        "urgency": "Unknown",
        "severity": "Unknown",
        "certainty": "Unknown",
        "expires": expires.to_string(),
        "headline": format!("Siren test: {}", row.name),
        "description": format!("A scheduled {audible} test of the sirens ({}). This is not a warning.", s.name),
        "parameters": [
            { "valueName": "TOCSIN_SIREN_SIGNAL", "value": row.signal },
            { "valueName": GROUPS_PARAMETER, "value": row.groups },
            { "valueName": KINDS_PARAMETER, "value": "siren" },
        ],
    });
    let content = AlertContent::from_json(json!({
        "status": "Test",
        "scope": "Restricted",
        "restriction": "Tocsin siren test: for the sirens tested only",
        "infos": [info],
    }))?;
    let cap = &app.settings.cap;
    let identifier = format!("{}-siren-test-{}-{}", cap.identifier_prefix, row.id, due_ms);
    let env = Envelope {
        identifier: cap_alerts::model::Identifier::parse(identifier).map_err(|e| Error::Internal(e.into()))?,
        sender: cap_alerts::model::Sender::parse(cap.sender.as_str()).map_err(|e| Error::Internal(e.into()))?,
        sent: crate::domain::alerts::lifecycle::local_now_plus(0),
        msg_type: cap_alerts::model::MsgType::Alert,
        references: Vec::new(),
    };
    Ok(build(&content, &env, &[], &cap.sender_name))
}

fn local(ms: i64) -> chrono::DateTime<Local> {
    Local.timestamp_millis_opt(ms).single().unwrap_or_else(Local::now)
}
