//! Scheduled siren tests: a schedule (a test signal, device groups, a recurrence) written by
//! one person and approved by another; each run issues a Test alert to those sirens, and the
//! run's report says which sirens answered and how. The approval of the schedule stands in for
//! the approval of each run, so the two-person rule holds without anyone at the console at noon
//! on test day; any change to the schedule needs a new approval.

mod recurrence;
mod report;
mod run;

use chrono::{DateTime, Local, TimeZone};
use serde::{Deserialize, Serialize};

pub use recurrence::Recurrence;
pub use report::{Report, RunView, report, runs};
pub use run::{run_due, run_now};

use super::audit::{self, Event};
use super::caller::Caller;
use super::devices::split;
use super::error::{Error, Result};
use crate::app::App;
use crate::db::siren_tests::{self, ScheduleFields, ScheduleRow};

/// A schedule as written: what the API takes.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScheduleRequest {
    /// A name staff know it by, such as "Monthly test, Petržalka".
    pub name: String,
    /// The signal, from the catalogue's test signals (`silent-test`, `sk-audible-test`, …).
    pub signal: String,
    /// The device groups whose sirens are tested.
    pub groups: Vec<String>,
    /// `week` or `month`.
    pub every: String,
    /// 1 (Monday) to 7 (Sunday).
    pub weekday: u8,
    /// For monthly tests: 1 to 4, or -1 for the last week.
    #[serde(default)]
    pub week_of_month: Option<i8>,
    /// The local time, `HH:MM`.
    pub at: String,
    /// When changing: the version seen.
    #[serde(default)]
    pub version: Option<i32>,
}

/// A schedule as the API shows it.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleView {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// The signal's code.
    pub signal: String,
    /// Whether the signal is heard (anything but a silent test).
    pub audible: bool,
    /// The device groups.
    pub groups: Vec<String>,
    /// `week` or `month`.
    pub every: String,
    /// 1 (Monday) to 7 (Sunday).
    pub weekday: u8,
    /// For monthly tests, the week (-1: the last).
    pub week_of_month: Option<i8>,
    /// The local time, `HH:MM`.
    pub at: String,
    /// `pending` (waiting for a second person's approval), `active` or `paused`.
    pub state: String,
    /// Who wrote or last changed it (a user id).
    pub created_by: i64,
    /// Who approved it.
    pub approved_by: Option<i64>,
    /// When it runs next (RFC 3339, local time), when active.
    pub next_run: Option<String>,
    /// The version, for changes.
    pub version: i32,
}

impl ScheduleView {
    fn of(app: &App, row: &ScheduleRow) -> ScheduleView {
        let r = Recurrence::from_columns(&row.every, row.weekday, row.week_of_month, row.at_minute).ok();
        ScheduleView {
            id: row.id,
            name: row.name.clone(),
            signal: row.signal.clone(),
            audible: signal(app, &row.signal).is_some_and(|s| s.pattern != "silent"),
            groups: split(&row.groups),
            every: row.every.clone(),
            weekday: row.weekday as u8,
            week_of_month: row.week_of_month.map(|w| w as i8),
            at: r.map_or_else(String::new, |r| r.at_text()),
            state: row.state.clone(),
            created_by: row.created_by,
            approved_by: row.approved_by,
            next_run: row.next_run_ms.map(local_text),
            version: row.version,
        }
    }
}

/// A test signal of the catalogue.
fn signal<'a>(app: &'a App, code: &str) -> Option<&'a crate::config::Signal> {
    app.settings.devices.signals.iter().find(|s| s.code == code && s.test)
}

/// A time in milliseconds as local RFC 3339.
pub fn local_text(ms: i64) -> String {
    Local.timestamp_millis_opt(ms).single().map_or_else(String::new, |t| t.to_rfc3339())
}

/// Checks a request; gives the stored fields' parts.
fn check(app: &App, req: &ScheduleRequest) -> Result<(Recurrence, String)> {
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(Error::invalid("/name", "must be 1 to 120 characters"));
    }
    if signal(app, &req.signal).is_none() {
        let tests: Vec<&str> =
            app.settings.devices.signals.iter().filter(|s| s.test).map(|s| s.code.as_str()).collect();
        return Err(Error::invalid(
            "/signal",
            format!(
                "must be a test signal of the catalogue ({}); danger signals are never scheduled",
                tests.join(", ")
            ),
        ));
    }
    let groups: Vec<&str> = req.groups.iter().map(|g| g.trim()).filter(|g| !g.is_empty()).collect();
    if groups.is_empty() {
        return Err(Error::invalid("/groups", "name at least one device group"));
    }
    if let Some(i) = groups.iter().position(|g| g.contains(',') || g.len() > 64) {
        return Err(Error::invalid(format!("/groups/{i}"), "must be a group name without commas, at most 64 bytes"));
    }
    let r = Recurrence::parse(&req.every, req.weekday, req.week_of_month, &req.at)?;
    Ok((r, groups.join(",")))
}

fn fields<'a>(req: &'a ScheduleRequest, r: &Recurrence, groups: &'a str) -> ScheduleFields<'a> {
    ScheduleFields {
        name: req.name.trim(),
        signal: &req.signal,
        groups,
        every: r.every(),
        weekday: i32::from(r.weekday()),
        week_of_month: r.week_of_month().map(i32::from),
        at_minute: r.at_minute(),
    }
}

fn user(caller: &Caller) -> Result<i64> {
    caller
        .user_id()
        .ok_or_else(|| Error::Forbidden("siren test schedules are managed by people, not API tokens".into()))
}

/// Every schedule.
pub async fn list(app: &App) -> Result<Vec<ScheduleView>> {
    let rows = siren_tests::list(&mut app.db.read().await?).await?;
    Ok(rows.iter().map(|r| ScheduleView::of(app, r)).collect())
}

/// One schedule.
pub async fn get(app: &App, id: i64) -> Result<ScheduleView> {
    let row = siren_tests::by_id(&mut app.db.read().await?, id).await?.ok_or(Error::NotFound("siren test schedule"))?;
    Ok(ScheduleView::of(app, &row))
}

/// Writes a schedule; it waits for another person's approval.
pub async fn create(app: &App, caller: &Caller, req: &ScheduleRequest) -> Result<ScheduleView> {
    let by = user(caller)?;
    let (r, groups) = check(app, req)?;
    let mut tx = app.db.begin().await?;
    let id = match siren_tests::insert(&mut tx, &fields(req, &r, &groups), by).await {
        Ok(id) => id,
        Err(e) if crate::db::is_unique_violation(&e) => {
            return Err(Error::Conflict(format!("a schedule is already named {:?}", req.name.trim())));
        }
        Err(e) => return Err(e.into()),
    };
    record(&mut tx, caller, "siren_test.create", id, serde_json::json!({ "signal": req.signal, "groups": groups }))
        .await?;
    let row = siren_tests::by_id(&mut tx, id).await?.ok_or(Error::NotFound("siren test schedule"))?;
    tx.commit().await?;
    Ok(ScheduleView::of(app, &row))
}

/// Changes a schedule (from the version seen); it stops and waits for approval again.
pub async fn update(app: &App, caller: &Caller, id: i64, req: &ScheduleRequest) -> Result<ScheduleView> {
    let by = user(caller)?;
    let version = req.version.ok_or_else(|| Error::invalid("/version", "give the version you saw"))?;
    let (r, groups) = check(app, req)?;
    let mut tx = app.db.begin().await?;
    let changed = match siren_tests::update(&mut tx, id, version, &fields(req, &r, &groups), by).await {
        Ok(n) => n,
        Err(e) if crate::db::is_unique_violation(&e) => {
            return Err(Error::Conflict(format!("a schedule is already named {:?}", req.name.trim())));
        }
        Err(e) => return Err(e.into()),
    };
    if changed == 0 {
        siren_tests::by_id(&mut tx, id).await?.ok_or(Error::NotFound("siren test schedule"))?;
        return Err(Error::Conflict(format!("the schedule is no longer at version {version}: reload it")));
    }
    record(&mut tx, caller, "siren_test.update", id, serde_json::json!({ "signal": req.signal, "groups": groups }))
        .await?;
    let row = siren_tests::by_id(&mut tx, id).await?.ok_or(Error::NotFound("siren test schedule"))?;
    tx.commit().await?;
    Ok(ScheduleView::of(app, &row))
}

/// Approves a pending schedule: only an approver who did not write it, with a second factor
/// as for alerts. It runs from its next due time.
pub async fn approve(app: &App, caller: &Caller, id: i64, version: i32) -> Result<ScheduleView> {
    let by = user(caller)?;
    super::sessions::check_second_factor_for_approval(app, caller)?;
    let mut tx = app.db.begin().await?;
    let row = siren_tests::by_id(&mut tx, id).await?.ok_or(Error::NotFound("siren test schedule"))?;
    if row.created_by == by {
        return Err(Error::TwoPersonRule(
            "you wrote or last changed this schedule; another approver must approve it".into(),
        ));
    }
    let next = next_run(&row, Local::now())?;
    if siren_tests::approve(&mut tx, id, version, by, next).await? == 0 {
        return Err(Error::Conflict(format!(
            "the schedule is {} at version {}, not pending at version {version}: reload it",
            row.state, row.version
        )));
    }
    record(&mut tx, caller, "siren_test.approve", id, serde_json::json!({ "version": version })).await?;
    let row = siren_tests::by_id(&mut tx, id).await?.ok_or(Error::NotFound("siren test schedule"))?;
    tx.commit().await?;
    Ok(ScheduleView::of(app, &row))
}

/// Pauses an active schedule (anyone who manages them: stopping is always safe), resumes a
/// paused one (an approver other than its author, as approving), or deletes one.
pub async fn set_state(app: &App, caller: &Caller, id: i64, action: &str) -> Result<ScheduleView> {
    let by = user(caller)?;
    let mut tx = app.db.begin().await?;
    let row = siren_tests::by_id(&mut tx, id).await?.ok_or(Error::NotFound("siren test schedule"))?;
    let (from, to, next) = match action {
        "pause" => ("active", "paused", None),
        "resume" => {
            if !caller.has(super::roles::Role::Approver) || row.created_by == by {
                return Err(Error::TwoPersonRule(
                    "only an approver other than its author may resume a schedule".into(),
                ));
            }
            ("paused", "active", Some(next_run(&row, Local::now())?))
        }
        _ => ("pending,active,paused", "deleted", None),
    };
    if siren_tests::set_state(&mut tx, id, from, to, next).await? == 0 {
        return Err(Error::Conflict(format!("the schedule is {}; it cannot be {action}d", row.state)));
    }
    record(&mut tx, caller, &format!("siren_test.{action}"), id, serde_json::json!({})).await?;
    tx.commit().await?;
    Ok(ScheduleView { state: to.to_owned(), next_run: next.map(local_text), ..ScheduleView::of(app, &row) })
}

/// When a schedule is next due after `after`, in milliseconds.
fn next_run(row: &ScheduleRow, after: DateTime<Local>) -> Result<i64> {
    let r = Recurrence::from_columns(&row.every, row.weekday, row.week_of_month, row.at_minute)?;
    r.next_after(after)
        .map(|t| t.timestamp_millis())
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("schedule {} never falls due", row.id)))
}

async fn record(
    tx: &mut crate::db::Tx,
    caller: &Caller,
    action: &str,
    id: i64,
    details: serde_json::Value,
) -> Result<()> {
    let e = Event::new(&caller.actor, &caller.address, action, format!("siren_test:{id}")).details(details);
    audit::record(tx, e).await?;
    Ok(())
}
