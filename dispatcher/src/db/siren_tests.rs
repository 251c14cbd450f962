//! `device_test_schedules` and `device_test_runs`: scheduled siren tests, their approval, the
//! claiming of a due run by one instance, and the report of who answered.

use super::{Executor, now_ms};

/// A schedule as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ScheduleRow {
    pub id: i64,
    pub name: String,
    pub signal: String,
    pub groups: String,
    pub every: String,
    pub weekday: i32,
    pub week_of_month: Option<i32>,
    pub at_minute: i32,
    pub state: String,
    pub created_by: i64,
    pub approved_by: Option<i64>,
    pub next_run_ms: Option<i64>,
    pub version: i32,
    pub created_ms: i64,
    pub changed_ms: i64,
}

const COLUMNS: &str = "id, name, signal, groups, every, weekday, week_of_month, at_minute, state, created_by, \
                       approved_by, next_run_ms, version, created_ms, changed_ms";

/// What a schedule says, as written or changed.
pub struct ScheduleFields<'a> {
    pub name: &'a str,
    pub signal: &'a str,
    pub groups: &'a str,
    pub every: &'a str,
    pub weekday: i32,
    pub week_of_month: Option<i32>,
    pub at_minute: i32,
}

/// Adds a schedule waiting for approval; gives its id.
pub async fn insert(ex: &mut impl Executor, f: &ScheduleFields<'_>, created_by: i64) -> Result<i64, sqlx::Error> {
    scalar!(
        ex,
        i64,
        "INSERT INTO device_test_schedules (name, signal, groups, every, weekday, week_of_month, at_minute, state, \
         created_by, created_ms, changed_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9, $9) RETURNING id",
        f.name,
        f.signal,
        f.groups,
        f.every,
        f.weekday,
        f.week_of_month,
        f.at_minute,
        created_by,
        now_ms()
    )
}

/// Changes a schedule seen at `version`: it goes back to waiting for approval, and whoever
/// changed it becomes its author. Gives the rows changed.
pub async fn update(
    ex: &mut impl Executor,
    id: i64,
    version: i32,
    f: &ScheduleFields<'_>,
    by: i64,
) -> Result<u64, sqlx::Error> {
    exec!(
        ex,
        "UPDATE device_test_schedules SET name = $3, signal = $4, groups = $5, every = $6, weekday = $7, \
         week_of_month = $8, at_minute = $9, state = 'pending', created_by = $10, approved_by = NULL, \
         next_run_ms = NULL, version = version + 1, changed_ms = $11 \
         WHERE id = $1 AND version = $2 AND state <> 'deleted'",
        id,
        version,
        f.name,
        f.signal,
        f.groups,
        f.every,
        f.weekday,
        f.week_of_month,
        f.at_minute,
        by,
        now_ms()
    )
}

/// Approves a pending schedule seen at `version`; it runs from `next_run_ms`.
pub async fn approve(
    ex: &mut impl Executor,
    id: i64,
    version: i32,
    approver: i64,
    next_run_ms: i64,
) -> Result<u64, sqlx::Error> {
    exec!(
        ex,
        "UPDATE device_test_schedules SET state = 'active', approved_by = $3, next_run_ms = $4, changed_ms = $5 \
         WHERE id = $1 AND version = $2 AND state = 'pending'",
        id,
        version,
        approver,
        next_run_ms,
        now_ms()
    )
}

/// Moves a schedule from one of `from` (comma-separated) to `to`, with its next run.
pub async fn set_state(
    ex: &mut impl Executor,
    id: i64,
    from: &str,
    to: &str,
    next_run_ms: Option<i64>,
) -> Result<u64, sqlx::Error> {
    exec!(
        ex,
        "UPDATE device_test_schedules SET state = $3, next_run_ms = $4, changed_ms = $5 \
         WHERE id = $1 AND ',' || $2 || ',' LIKE '%,' || state || ',%'",
        id,
        from,
        to,
        next_run_ms,
        now_ms()
    )
}

/// One schedule.
pub async fn by_id(ex: &mut impl Executor, id: i64) -> Result<Option<ScheduleRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM device_test_schedules WHERE id = $1 AND state <> 'deleted'");
    fetch_optional!(ex, ScheduleRow, sqlx::AssertSqlSafe(sql), id)
}

/// Every schedule not deleted, by name.
pub async fn list(ex: &mut impl Executor) -> Result<Vec<ScheduleRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM device_test_schedules WHERE state <> 'deleted' ORDER BY name");
    fetch_all!(ex, ScheduleRow, sqlx::AssertSqlSafe(sql))
}

/// Active schedules due by `now`.
pub async fn due(ex: &mut impl Executor, now: i64) -> Result<Vec<ScheduleRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM device_test_schedules WHERE state = 'active' AND next_run_ms <= $1 ORDER BY next_run_ms"
    );
    fetch_all!(ex, ScheduleRow, sqlx::AssertSqlSafe(sql), now)
}

/// Claims a due run by moving the schedule's next run on from the value seen: of several
/// instances, exactly one changes the row. Gives whether this one did.
pub async fn claim(ex: &mut impl Executor, id: i64, seen_ms: i64, next_ms: i64) -> Result<bool, sqlx::Error> {
    let n = exec!(
        ex,
        "UPDATE device_test_schedules SET next_run_ms = $3 WHERE id = $1 AND state = 'active' AND next_run_ms = $2",
        id,
        seen_ms,
        next_ms
    )?;
    Ok(n == 1)
}

/// A run as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RunRow {
    pub id: i64,
    pub schedule_id: i64,
    pub due_ms: i64,
    pub started_ms: i64,
    pub alert_id: Option<i64>,
    pub outcome: String,
}

/// Records a run; gives its id.
pub async fn insert_run(
    ex: &mut impl Executor,
    schedule: i64,
    due_ms: i64,
    alert_id: Option<i64>,
    outcome: &str,
) -> Result<i64, sqlx::Error> {
    scalar!(
        ex,
        i64,
        "INSERT INTO device_test_runs (schedule_id, due_ms, started_ms, alert_id, outcome) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
        schedule,
        due_ms,
        now_ms(),
        alert_id,
        outcome
    )
}

/// A schedule's runs, newest first.
pub async fn runs(ex: &mut impl Executor, schedule: i64, limit: i64) -> Result<Vec<RunRow>, sqlx::Error> {
    fetch_all!(
        ex,
        RunRow,
        "SELECT id, schedule_id, due_ms, started_ms, alert_id, outcome FROM device_test_runs \
         WHERE schedule_id = $1 ORDER BY due_ms DESC, id DESC LIMIT $2",
        schedule,
        limit
    )
}

/// One run.
pub async fn run_by_id(ex: &mut impl Executor, id: i64) -> Result<Option<RunRow>, sqlx::Error> {
    fetch_optional!(
        ex,
        RunRow,
        "SELECT id, schedule_id, due_ms, started_ms, alert_id, outcome FROM device_test_runs WHERE id = $1",
        id
    )
}

/// One device's part in a run.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Answer {
    pub device_id: i64,
    pub name: String,
    pub groups: String,
    pub status: String,
    pub device_state: Option<String>,
    pub delivered_ms: Option<i64>,
    pub updated_ms: i64,
    pub last_error: Option<String>,
    pub last_seen_ms: Option<i64>,
    pub offline_since_ms: Option<i64>,
}

/// Every device the run's alert went to, with what it answered, by name.
pub async fn answers(ex: &mut impl Executor, alert_id: i64) -> Result<Vec<Answer>, sqlx::Error> {
    fetch_all!(
        ex,
        Answer,
        "SELECT v.id AS device_id, v.name, v.groups, d.status, d.device_state, d.delivered_ms, d.updated_ms, \
         d.last_error, v.last_seen_ms, v.offline_since_ms \
         FROM deliveries d JOIN devices v ON v.id = d.recipient_id \
         WHERE d.alert_id = $1 AND d.recipient_kind = 'device' ORDER BY v.name",
        alert_id
    )
}
