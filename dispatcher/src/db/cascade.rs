//! `cascade_children` and `cascade_reports`: the children's ids, and what each child last said
//! of its fan-out of an alert handed to it.

use super::{Executor, now_ms};

/// Gives each named child an id (kept across restarts); gives `(id, name)` for every name.
pub async fn seed_children(ex: &mut impl Executor, names: &[String]) -> Result<Vec<(i64, String)>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        name: String,
    }
    let now = now_ms();
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        exec!(
            ex,
            "INSERT INTO cascade_children (name, created_ms) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            name.as_str(),
            now
        )?;
        let r = fetch_optional!(ex, Row, "SELECT id, name FROM cascade_children WHERE name = $1", name.as_str())?;
        out.extend(r.map(|r| (r.id, r.name)));
    }
    Ok(out)
}

/// A delivery to a child the child should be asked about.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ToAsk {
    pub alert_id: i64,
    pub child_id: i64,
    pub sender: String,
    pub identifier: String,
    pub sent_ms: Option<i64>,
    pub settled: Option<bool>,
    pub asked_ms: Option<i64>,
    /// The alert's state at the child in its last report (`issued`, `cancelled`, …).
    pub child_state: Option<String>,
    /// When the child's report last changed (`None` before it gave one, or when not known).
    pub changed_ms: Option<i64>,
}

/// The deliveries to children, handed over, of alerts issued since `since_ms`.
pub async fn to_ask(ex: &mut impl Executor, since_ms: i64) -> Result<Vec<ToAsk>, sqlx::Error> {
    fetch_all!(
        ex,
        ToAsk,
        "SELECT d.alert_id, d.recipient_id AS child_id, a.sender, a.identifier, d.sent_ms, r.settled, r.asked_ms, \
         r.child_state, r.changed_ms \
         FROM deliveries d JOIN alerts a ON a.id = d.alert_id \
         LEFT JOIN cascade_reports r ON r.alert_id = d.alert_id AND r.child_id = d.recipient_id \
         WHERE d.channel = 'cascade' AND d.status IN ('sent', 'delivered') AND a.issued_ms >= $1 \
         AND a.sender IS NOT NULL AND a.identifier IS NOT NULL ORDER BY d.alert_id, d.recipient_id",
        since_ms
    )
}

/// A child's report, as stored.
#[derive(Clone, Debug, Default, sqlx::FromRow)]
pub struct ReportRow {
    pub alert_id: i64,
    pub child_id: i64,
    pub child_alert_id: Option<i64>,
    pub child_state: Option<String>,
    pub counts: Option<String>,
    pub total: i64,
    pub settled: bool,
    pub reported_ms: Option<i64>,
    pub asked_ms: i64,
    pub error: Option<String>,
}

/// Records what a child answered; a failed question keeps the last report and notes why.
/// `changed_ms` becomes the answer's `asked_ms` when its counts differ from the stored ones
/// (or none were stored), and stays as it was otherwise, so it says how long the child's
/// report has been quiet. `IS DISTINCT FROM` compares NULLs as values on both backends
/// (SQLite has it since 3.39; the bundled one is newer).
pub async fn record(ex: &mut impl Executor, r: &ReportRow) -> Result<u64, sqlx::Error> {
    if r.error.is_some() {
        return exec!(
            ex,
            "INSERT INTO cascade_reports (alert_id, child_id, asked_ms, error) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (alert_id, child_id) DO UPDATE SET asked_ms = excluded.asked_ms, error = excluded.error",
            r.alert_id,
            r.child_id,
            r.asked_ms,
            r.error.as_deref()
        );
    }
    exec!(
        ex,
        "INSERT INTO cascade_reports (alert_id, child_id, child_alert_id, child_state, counts, total, settled, reported_ms, asked_ms, changed_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $8, $7, $7, $7) \
         ON CONFLICT (alert_id, child_id) DO UPDATE SET child_alert_id = excluded.child_alert_id, \
         child_state = excluded.child_state, counts = excluded.counts, total = excluded.total, \
         settled = excluded.settled, reported_ms = excluded.reported_ms, asked_ms = excluded.asked_ms, error = NULL, \
         changed_ms = CASE WHEN cascade_reports.counts IS DISTINCT FROM excluded.counts \
         THEN excluded.asked_ms ELSE cascade_reports.changed_ms END",
        r.alert_id,
        r.child_id,
        r.child_alert_id,
        r.child_state.as_deref(),
        r.counts.as_deref(),
        r.total,
        r.asked_ms,
        r.settled
    )
}

/// The children's reports on an alert.
pub async fn reports(ex: &mut impl Executor, alert_id: i64) -> Result<Vec<ReportRow>, sqlx::Error> {
    fetch_all!(
        ex,
        ReportRow,
        "SELECT alert_id, child_id, child_alert_id, child_state, counts, total, settled, reported_ms, asked_ms, error \
         FROM cascade_reports WHERE alert_id = $1 ORDER BY child_id",
        alert_id
    )
}

/// An alert's delivery to one child.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct HandOver {
    pub child_id: i64,
    pub status: String,
    pub attempts: i32,
    pub provider_id: Option<String>,
    pub last_error: Option<String>,
    pub sent_ms: Option<i64>,
    pub next_attempt_ms: i64,
}

/// An alert's deliveries to children.
pub async fn hand_overs(ex: &mut impl Executor, alert_id: i64) -> Result<Vec<HandOver>, sqlx::Error> {
    fetch_all!(
        ex,
        HandOver,
        "SELECT recipient_id AS child_id, status, attempts, provider_id, last_error, sent_ms, next_attempt_ms \
         FROM deliveries WHERE alert_id = $1 AND channel = 'cascade' ORDER BY recipient_id",
        alert_id
    )
}
