//! `alerts`: every CAP message from draft to issued, and its transitions. A transition names
//! the state it expects, so two people acting at once cannot both succeed.

use super::{Executor, now_ms};

/// An alert as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AlertRow {
    pub id: i64,
    pub thread_id: i64,
    pub msg_type: String,
    pub cap_status: String,
    pub scope: String,
    pub state: String,
    pub origin: String,
    pub version: i64,
    pub content: String,
    pub identifier: Option<String>,
    pub sender: Option<String>,
    pub sent_ms: Option<i64>,
    pub cap_xml: Option<Vec<u8>>,
    pub cap_sha256: Option<String>,
    pub headline: Option<String>,
    pub event: Option<String>,
    pub severity: Option<String>,
    pub urgency: Option<String>,
    pub expires_ms: Option<i64>,
    pub author_id: Option<i64>,
    pub token_id: Option<i64>,
    pub submitted_ms: Option<i64>,
    pub approved_by: Option<i64>,
    pub approved_ms: Option<i64>,
    pub issued_by: Option<i64>,
    pub issued_ms: Option<i64>,
    pub decided_by: Option<i64>,
    pub reason: Option<String>,
    pub created_ms: i64,
    pub updated_ms: i64,
}

const COLUMNS: &str = "id, thread_id, msg_type, cap_status, scope, state, origin, version, content, identifier, \
    sender, sent_ms, cap_xml, cap_sha256, headline, event, severity, urgency, expires_ms, author_id, token_id, \
    submitted_ms, approved_by, approved_ms, issued_by, issued_ms, decided_by, reason, created_ms, updated_ms";

/// What a new alert row starts with.
#[derive(Clone, Debug)]
pub struct NewAlert<'a> {
    pub thread_id: Option<i64>,
    pub msg_type: &'a str,
    pub cap_status: &'a str,
    pub scope: &'a str,
    pub state: &'a str,
    pub origin: &'a str,
    pub content: &'a str,
    pub author_id: Option<i64>,
    pub token_id: Option<i64>,
}

impl<'a> NewAlert<'a> {
    /// A draft written by a user: a new thread unless one is given.
    pub fn draft(
        thread_id: Option<i64>,
        msg_type: &'a str,
        cap_status: &'a str,
        scope: &'a str,
        content: &'a str,
        author_id: Option<i64>,
    ) -> Self {
        NewAlert {
            thread_id,
            msg_type,
            cap_status,
            scope,
            state: "draft",
            origin: "authored",
            content,
            author_id,
            token_id: None,
        }
    }
}

/// Adds an alert; a new thread unless `thread_id` is given. Gives the id.
pub async fn insert(ex: &mut impl Executor, a: &NewAlert<'_>) -> Result<i64, sqlx::Error> {
    let now = now_ms();
    let id = scalar!(
        ex,
        i64,
        "INSERT INTO alerts (thread_id, msg_type, cap_status, scope, state, origin, version, content, author_id, \
         token_id, created_ms, updated_ms) VALUES (COALESCE($1, 0), $2, $3, $4, $5, $6, 1, $7, $8, $9, $10, $10) RETURNING id",
        a.thread_id,
        a.msg_type,
        a.cap_status,
        a.scope,
        a.state,
        a.origin,
        a.content,
        a.author_id,
        a.token_id,
        now
    )?;
    if a.thread_id.is_none() {
        exec!(ex, "UPDATE alerts SET thread_id = id WHERE id = $1", id)?;
    }
    Ok(id)
}

/// An alert by id.
pub async fn by_id(ex: &mut impl Executor, id: i64) -> Result<Option<AlertRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM alerts WHERE id = $1");
    fetch_optional!(ex, AlertRow, sqlx::AssertSqlSafe(sql), id)
}

/// An alert by its CAP sender and identifier.
pub async fn by_identifier(
    ex: &mut impl Executor,
    sender: &str,
    identifier: &str,
) -> Result<Option<AlertRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM alerts WHERE sender = $1 AND identifier = $2");
    fetch_optional!(ex, AlertRow, sqlx::AssertSqlSafe(sql), sender, identifier)
}

/// The messages of a thread, oldest first.
pub async fn thread(ex: &mut impl Executor, thread_id: i64) -> Result<Vec<AlertRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM alerts WHERE thread_id = $1 ORDER BY id");
    fetch_all!(ex, AlertRow, sqlx::AssertSqlSafe(sql), thread_id)
}

/// A filter for listing alerts.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub state: Option<String>,
    pub cap_status: Option<String>,
    pub msg_type: Option<String>,
    pub thread_id: Option<i64>,
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// Alerts matching a filter, newest first.
pub async fn list(ex: &mut impl Executor, f: &Filter) -> Result<Vec<AlertRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM alerts WHERE ($1 IS NULL OR state = $1) AND ($2 IS NULL OR cap_status = $2) \
         AND ($3 IS NULL OR msg_type = $3) AND ($4 IS NULL OR thread_id = $4) AND ($5 IS NULL OR id < $5) \
         ORDER BY id DESC LIMIT $6"
    );
    fetch_all!(
        ex,
        AlertRow,
        sqlx::AssertSqlSafe(sql),
        f.state.as_deref(),
        f.cap_status.as_deref(),
        f.msg_type.as_deref(),
        f.thread_id,
        f.before_id,
        f.limit
    )
}

/// Issued public alerts that have not expired, newest first, for the feed.
pub async fn active_public(ex: &mut impl Executor, now_ms: i64) -> Result<Vec<AlertRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM alerts WHERE state = 'issued' AND scope = 'Public' \
         AND (expires_ms IS NULL OR expires_ms > $1) ORDER BY sent_ms DESC, id DESC LIMIT 500"
    );
    fetch_all!(ex, AlertRow, sqlx::AssertSqlSafe(sql), now_ms)
}

/// Replaces a draft's content, if it is still the version the editor saw. Gives the rows
/// changed (0 when the draft moved on).
pub async fn update_content(
    ex: &mut impl Executor,
    id: i64,
    expected_version: i64,
    content: &str,
    cap_status: &str,
    scope: &str,
) -> Result<u64, sqlx::Error> {
    exec!(
        ex,
        "UPDATE alerts SET content = $3, cap_status = $4, scope = $5, version = version + 1, updated_ms = $6 \
         WHERE id = $1 AND version = $2 AND state = 'draft'",
        id,
        expected_version,
        content,
        cap_status,
        scope,
        now_ms()
    )
}

/// The CAP message frozen for approval, and the summary fields lists show.
#[derive(Clone, Debug)]
pub struct Frozen<'a> {
    pub identifier: &'a str,
    pub sender: &'a str,
    pub sent_ms: i64,
    pub cap_xml: &'a [u8],
    pub cap_sha256: &'a str,
    pub headline: Option<&'a str>,
    pub event: Option<&'a str>,
    pub severity: Option<&'a str>,
    pub urgency: Option<&'a str>,
    pub expires_ms: Option<i64>,
}

/// Freezes the CAP message and moves the alert from `from` to `to` (at a given version).
pub async fn freeze(
    ex: &mut impl Executor,
    id: i64,
    version: i64,
    from: &str,
    to: &str,
    f: &Frozen<'_>,
) -> Result<u64, sqlx::Error> {
    let now = now_ms();
    exec!(
        ex,
        "UPDATE alerts SET identifier = $4, sender = $5, sent_ms = $6, cap_xml = $7, cap_sha256 = $8, headline = $9, \
         event = $10, severity = $11, urgency = $12, expires_ms = $13, state = $3, submitted_ms = $14, updated_ms = $14 \
         WHERE id = $1 AND version = $15 AND state = $2",
        id,
        from,
        to,
        f.identifier,
        f.sender,
        f.sent_ms,
        f.cap_xml,
        f.cap_sha256,
        f.headline,
        f.event,
        f.severity,
        f.urgency,
        f.expires_ms,
        now,
        version
    )
}

/// A state change: which columns record who did it.
#[derive(Clone, Copy, Debug)]
pub enum Mark {
    /// Record the approver.
    Approved(i64),
    /// Record who issued it (`None` for the system or an integration).
    Issued(Option<i64>),
    /// Record who rejected or withdrew it, and why.
    Decided(Option<i64>),
    /// Only the state changes.
    None,
}

/// Moves an alert from one of `from` to `to`. Gives the rows changed (0 if it was elsewhere).
/// The expected states are bound as one comma-separated text and matched with a delimited
/// `LIKE`, which both backends evaluate alike.
pub async fn transition(
    ex: &mut impl Executor,
    id: i64,
    from: &[&str],
    to: &str,
    mark: Mark,
    reason: Option<&str>,
) -> Result<u64, sqlx::Error> {
    const MATCH: &str = "id = $1 AND ',' || $2 || ',' LIKE '%,' || state || ',%'";
    let now = now_ms();
    let from = from.join(",");
    match mark {
        Mark::Approved(u) => {
            let sql = format!(
                "UPDATE alerts SET state = $3, approved_by = $4, approved_ms = $5, updated_ms = $5 WHERE {MATCH}"
            );
            exec!(ex, sqlx::AssertSqlSafe(sql), id, from, to, u, now)
        }
        Mark::Issued(u) => {
            let sql =
                format!("UPDATE alerts SET state = $3, issued_by = $4, issued_ms = $5, updated_ms = $5 WHERE {MATCH}");
            exec!(ex, sqlx::AssertSqlSafe(sql), id, from, to, u, now)
        }
        Mark::Decided(u) => {
            let sql =
                format!("UPDATE alerts SET state = $3, decided_by = $4, reason = $5, updated_ms = $6 WHERE {MATCH}");
            exec!(ex, sqlx::AssertSqlSafe(sql), id, from, to, u, reason, now)
        }
        Mark::None => {
            let sql = format!("UPDATE alerts SET state = $3, updated_ms = $4 WHERE {MATCH}");
            exec!(ex, sqlx::AssertSqlSafe(sql), id, from, to, now)
        }
    }
}

/// Sets when an issued message leaves the feed.
pub async fn set_expires(ex: &mut impl Executor, id: i64, expires_ms: i64) -> Result<u64, sqlx::Error> {
    exec!(ex, "UPDATE alerts SET expires_ms = $2 WHERE id = $1", id, expires_ms)
}

/// Issued alerts whose expiry has passed, to be marked expired.
pub async fn expire_due(ex: &mut impl Executor, now_ms: i64) -> Result<Vec<i64>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Id {
        id: i64,
    }
    let ids = fetch_all!(
        ex,
        Id,
        "SELECT id FROM alerts WHERE state = 'issued' AND expires_ms IS NOT NULL AND expires_ms <= $1",
        now_ms
    )?;
    Ok(ids.into_iter().map(|r| r.id).collect())
}

/// Notes why an alert is as it is (shown to staff with it).
pub async fn set_reason(ex: &mut impl Executor, id: i64, reason: &str) -> Result<u64, sqlx::Error> {
    exec!(ex, "UPDATE alerts SET reason = $2, updated_ms = $3 WHERE id = $1", id, reason, now_ms())
}
