//! `audit_log`: the append-only, hash-chained record of every action.

use super::{Conn, Executor};

/// A row of the audit log.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditRow {
    pub seq: i64,
    pub at_ms: i64,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub alert_id: Option<i64>,
    pub alert_version: Option<i64>,
    pub address: String,
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}

const COLUMNS: &str = "seq, at_ms, actor, action, target, alert_id, alert_version, address, details, prev_hash, hash";

/// Serializes appends: on PostgreSQL a transaction-scoped advisory lock, on SQLite the write
/// lock that `BEGIN IMMEDIATE` already holds.
pub async fn lock(ex: &mut impl Executor) -> Result<(), sqlx::Error> {
    if let Conn::Postgres(c) = ex.conn() {
        super::deadline(sqlx::query("SELECT pg_advisory_xact_lock(7461)").execute(&mut *c)).await?;
    }
    Ok(())
}

/// The last row's sequence number and hash.
pub async fn last(ex: &mut impl Executor) -> Result<Option<(i64, String)>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Last {
        seq: i64,
        hash: String,
    }
    let row = fetch_optional!(ex, Last, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")?;
    Ok(row.map(|r| (r.seq, r.hash)))
}

/// Appends a row (its seq and hashes already computed).
pub async fn insert(ex: &mut impl Executor, r: &AuditRow) -> Result<u64, sqlx::Error> {
    exec!(
        ex,
        "INSERT INTO audit_log (seq, at_ms, actor, action, target, alert_id, alert_version, address, details, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        r.seq,
        r.at_ms,
        &r.actor,
        &r.action,
        &r.target,
        r.alert_id,
        r.alert_version,
        &r.address,
        &r.details,
        &r.prev_hash,
        &r.hash
    )
}

/// Rows after a sequence number, in order.
pub async fn after(ex: &mut impl Executor, after_seq: i64, limit: i64) -> Result<Vec<AuditRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2");
    fetch_all!(ex, AuditRow, sqlx::AssertSqlSafe(sql), after_seq, limit)
}

/// A filter for searching the log.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub alert_id: Option<i64>,
    pub before_seq: Option<i64>,
    /// Words that the actor, action, target or details contain (a `LIKE` pattern, lowercase).
    pub text: Option<String>,
    /// From this time on (milliseconds since the epoch).
    pub from_ms: Option<i64>,
    /// Before this time.
    pub to_ms: Option<i64>,
    pub limit: i64,
}

/// A `LIKE` pattern that finds `words` anywhere, case-insensitively (ASCII), its own `%`,
/// `_` and `\` taken literally.
pub fn contains_pattern(words: &str) -> String {
    let mut p = String::from("%");
    for c in words.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// Rows matching a filter, newest first.
pub async fn search(ex: &mut impl Executor, f: &Filter) -> Result<Vec<AuditRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM audit_log \
         WHERE ($1 IS NULL OR actor = $1) AND ($2 IS NULL OR action = $2) AND ($3 IS NULL OR alert_id = $3) \
         AND ($4 IS NULL OR seq < $4) \
         AND ($6 IS NULL OR LOWER(actor || ' ' || action || ' ' || target || ' ' || details) LIKE $6 ESCAPE '\\') \
         AND ($7 IS NULL OR at_ms >= $7) AND ($8 IS NULL OR at_ms < $8) ORDER BY seq DESC LIMIT $5"
    );
    fetch_all!(
        ex,
        AuditRow,
        sqlx::AssertSqlSafe(sql),
        f.actor.as_deref(),
        f.action.as_deref(),
        f.alert_id,
        f.before_seq,
        f.limit,
        f.text.as_deref(),
        f.from_ms,
        f.to_ms
    )
}

/// When each user last signed in, from the log: `(username, at_ms)`.
pub async fn last_sign_ins(ex: &mut impl Executor) -> Result<Vec<(String, i64)>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Last {
        target: String,
        at_ms: i64,
    }
    let rows = fetch_all!(
        ex,
        Last,
        "SELECT target, MAX(at_ms) AS at_ms FROM audit_log WHERE action = 'session.login' GROUP BY target"
    )?;
    Ok(rows.into_iter().filter_map(|r| Some((r.target.strip_prefix("user:")?.to_owned(), r.at_ms))).collect())
}
