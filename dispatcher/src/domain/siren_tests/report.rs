//! The report of a siren test run: every siren the test went to, what it answered (received,
//! started, completed, failed with its reason) or that it did not answer, and counts.

use serde::Serialize;

use crate::app::App;
use crate::db::siren_tests::{self, Answer, RunRow};
use crate::domain::error::{Error, Result};

/// A run, with its counts.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RunView {
    /// The run's id.
    pub id: i64,
    /// The schedule's id.
    pub schedule: i64,
    /// When it was due (RFC 3339, local).
    pub due_at: String,
    /// When it started.
    pub started_at: String,
    /// `issued`; `missed` when Tocsin was down at its time; `failed` when it could not be
    /// issued (the audit log says why).
    pub outcome: String,
    /// The Test alert it issued.
    pub alert: Option<i64>,
    /// Whether the sirens it goes to are all known yet (the alert's fan-out is planned a
    /// moment after it is issued); until then the counts below may be short.
    pub planned: bool,
    /// Sirens the test went to.
    pub sirens: usize,
    /// Sirens that completed the test.
    pub completed: usize,
    /// Sirens that reported a failure.
    pub failed: usize,
    /// Sirens that answered but have not finished (received or started).
    pub running: usize,
    /// Sirens that have not answered at all.
    pub no_answer: usize,
}

/// One siren's answer.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SirenAnswer {
    /// The device.
    pub device: i64,
    /// Its name.
    pub name: String,
    /// Its groups.
    pub groups: Vec<String>,
    /// `completed`, `failed`, `started`, `received`, or `none` (no answer).
    pub answer: String,
    /// The delivery's status.
    pub status: String,
    /// Why it failed, as the siren said.
    pub reason: Option<String>,
    /// When it first answered.
    pub answered_at: Option<String>,
    /// When its answer last changed.
    pub last_change_at: Option<String>,
    /// When it last polled.
    pub last_seen_at: Option<String>,
    /// Whether it is offline now (missed three polls).
    pub offline: bool,
}

/// A run and every siren's answer.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The run.
    pub run: RunView,
    /// The sirens, by name.
    pub sirens: Vec<SirenAnswer>,
}

/// A schedule's runs, newest first, with counts.
pub async fn runs(app: &App, schedule: i64) -> Result<Vec<RunView>> {
    let mut c = app.db.read().await?;
    siren_tests::by_id(&mut c, schedule).await?.ok_or(Error::NotFound("siren test schedule"))?;
    let mut out = Vec::new();
    for run in siren_tests::runs(&mut c, schedule, 100).await? {
        let (answers, planned) = answers(&mut c, &run).await?;
        out.push(view(&run, &answers, planned));
    }
    Ok(out)
}

/// The run's answers, and whether its fan-out is planned (a missed run has nothing to plan).
async fn answers(c: &mut impl crate::db::Executor, run: &RunRow) -> Result<(Vec<Answer>, bool)> {
    let Some(alert) = run.alert_id else { return Ok((Vec::new(), true)) };
    let planned = crate::db::fanouts::get(&mut *c, alert).await?.is_some_and(|f| f.state == "done");
    Ok((siren_tests::answers(c, alert).await?, planned))
}

/// One run's report.
pub async fn report(app: &App, run: i64) -> Result<Report> {
    let mut c = app.db.read().await?;
    let row = siren_tests::run_by_id(&mut c, run).await?.ok_or(Error::NotFound("siren test run"))?;
    let (answers, planned) = answers(&mut c, &row).await?;
    Ok(Report { run: view(&row, &answers, planned), sirens: answers.iter().map(answer).collect() })
}

fn kind(a: &Answer) -> &str {
    a.device_state.as_deref().unwrap_or("none")
}

fn view(run: &RunRow, answers: &[Answer], planned: bool) -> RunView {
    let count = |states: &[&str]| answers.iter().filter(|a| states.contains(&kind(a))).count();
    RunView {
        id: run.id,
        schedule: run.schedule_id,
        due_at: super::local_text(run.due_ms),
        started_at: super::local_text(run.started_ms),
        outcome: run.outcome.clone(),
        alert: run.alert_id,
        planned,
        sirens: answers.len(),
        completed: count(&["completed"]),
        failed: count(&["failed"]),
        running: count(&["received", "started"]),
        no_answer: count(&["none"]),
    }
}

fn answer(a: &Answer) -> SirenAnswer {
    SirenAnswer {
        device: a.device_id,
        name: a.name.clone(),
        groups: super::split(&a.groups),
        answer: kind(a).to_owned(),
        status: a.status.clone(),
        reason: a.last_error.clone().filter(|_| kind(a) == "failed"),
        answered_at: a.delivered_ms.map(super::local_text),
        last_change_at: a.device_state.as_ref().map(|_| super::local_text(a.updated_ms)),
        last_seen_at: a.last_seen_ms.map(super::local_text),
        offline: a.offline_since_ms.is_some(),
    }
}
