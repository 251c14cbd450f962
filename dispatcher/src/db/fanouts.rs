//! `fanouts`: the durable promise, written when an alert is issued, that its deliveries will be
//! created; planners lease and complete it.

use super::{Conn, Executor, now_ms};

/// A fan-out as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FanoutRow {
    pub alert_id: i64,
    pub priority: i32,
    pub state: String,
    pub recipients: Option<i64>,
    pub created_ms: i64,
    pub done_ms: Option<i64>,
}

/// Records that an alert must be fanned out.
pub async fn insert(ex: &mut impl Executor, alert_id: i64, priority: i32) -> Result<u64, sqlx::Error> {
    exec!(
        ex,
        "INSERT INTO fanouts (alert_id, priority, state, created_ms) VALUES ($1, $2, 'pending', $3) ON CONFLICT (alert_id) DO NOTHING",
        alert_id,
        priority,
        now_ms()
    )
}

/// Leases the most urgent pending fan-out whose lease is free (at most `max_priority`).
pub async fn claim(
    ex: &mut impl Executor,
    owner: &str,
    lease_ms: i64,
    max_priority: i32,
) -> Result<Option<FanoutRow>, sqlx::Error> {
    let now = now_ms();
    let lock = match ex.conn() {
        Conn::Postgres(_) => "FOR UPDATE SKIP LOCKED",
        Conn::Sqlite(_) => "",
    };
    let sql = format!(
        "UPDATE fanouts SET lease_owner = $1, lease_expires_ms = $2 WHERE alert_id = (SELECT alert_id FROM fanouts \
         WHERE state = 'pending' AND priority <= $4 AND (lease_expires_ms IS NULL OR lease_expires_ms < $3) \
         ORDER BY priority, created_ms LIMIT 1 {lock}) \
         RETURNING alert_id, priority, state, recipients, created_ms, done_ms"
    );
    fetch_optional!(ex, FanoutRow, sqlx::AssertSqlSafe(sql), owner, now + lease_ms, now, max_priority)
}

/// Extends a lease still held.
pub async fn renew(ex: &mut impl Executor, alert_id: i64, owner: &str, lease_ms: i64) -> Result<u64, sqlx::Error> {
    exec!(
        ex,
        "UPDATE fanouts SET lease_expires_ms = $3 WHERE alert_id = $1 AND lease_owner = $2 AND state = 'pending'",
        alert_id,
        owner,
        now_ms() + lease_ms
    )
}

/// Marks a fan-out done.
pub async fn done(ex: &mut impl Executor, alert_id: i64, owner: &str, recipients: i64) -> Result<u64, sqlx::Error> {
    exec!(
        ex,
        "UPDATE fanouts SET state = 'done', recipients = $3, done_ms = $4, lease_owner = NULL, lease_expires_ms = NULL \
         WHERE alert_id = $1 AND lease_owner = $2",
        alert_id,
        owner,
        recipients,
        now_ms()
    )
}

/// A fan-out by alert.
pub async fn get(ex: &mut impl Executor, alert_id: i64) -> Result<Option<FanoutRow>, sqlx::Error> {
    fetch_optional!(
        ex,
        FanoutRow,
        "SELECT alert_id, priority, state, recipients, created_ms, done_ms FROM fanouts WHERE alert_id = $1",
        alert_id
    )
}
