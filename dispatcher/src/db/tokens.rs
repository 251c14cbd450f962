//! `api_tokens`: bearer tokens for integrations, stored by SHA-256.

use super::{Executor, now_ms};

/// A token as stored (never the token itself).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub token_hash: String,
    pub prefix: String,
    pub role: String,
    pub scopes: String,
    pub created_by: Option<i64>,
    pub created_ms: i64,
    pub expires_ms: Option<i64>,
    pub revoked_ms: Option<i64>,
    pub last_used_ms: Option<i64>,
    /// The approver who confirmed it (NULL: not confirmed, or confirmed by being made on the
    /// server's command line or before confirmations existed; `confirmed_ms` tells which).
    pub confirmed_by: Option<i64>,
    /// When it was confirmed; NULL: it waits for a second person, and CAP it posts that would
    /// be issued at once waits for an approver instead.
    pub confirmed_ms: Option<i64>,
}

const COLUMNS: &str = "id, name, token_hash, prefix, role, scopes, created_by, created_ms, expires_ms, revoked_ms, \
     last_used_ms, confirmed_by, confirmed_ms";

/// A token to store.
#[derive(Clone, Debug)]
pub struct NewToken<'a> {
    pub name: &'a str,
    pub token_hash: &'a str,
    pub prefix: &'a str,
    pub role: &'a str,
    pub scopes: &'a str,
    pub created_by: Option<i64>,
    pub expires_ms: Option<i64>,
    /// Confirmed as it is made (on the server's command line); else it waits for a second
    /// person.
    pub confirmed: bool,
}

/// Stores a token; gives its id.
pub async fn insert(ex: &mut impl Executor, t: &NewToken<'_>) -> Result<i64, sqlx::Error> {
    let now = now_ms();
    scalar!(
        ex,
        i64,
        "INSERT INTO api_tokens (name, token_hash, prefix, role, scopes, created_by, created_ms, expires_ms, confirmed_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        t.name,
        t.token_hash,
        t.prefix,
        t.role,
        t.scopes,
        t.created_by,
        now,
        t.expires_ms,
        t.confirmed.then_some(now)
    )
}

/// Records a second person's confirmation of a token not yet confirmed nor revoked; gives
/// how many rows changed (0: it was confirmed or revoked meanwhile).
pub async fn confirm(ex: &mut impl Executor, id: i64, by: i64) -> Result<u64, sqlx::Error> {
    exec!(
        ex,
        "UPDATE api_tokens SET confirmed_by = $2, confirmed_ms = $3 \
         WHERE id = $1 AND confirmed_ms IS NULL AND revoked_ms IS NULL",
        id,
        by,
        now_ms()
    )
}

/// A token by the hash of its value.
pub async fn by_hash(ex: &mut impl Executor, token_hash: &str) -> Result<Option<TokenRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM api_tokens WHERE token_hash = $1");
    fetch_optional!(ex, TokenRow, sqlx::AssertSqlSafe(sql), token_hash)
}

/// A token by id.
pub async fn by_id(ex: &mut impl Executor, id: i64) -> Result<Option<TokenRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM api_tokens WHERE id = $1");
    fetch_optional!(ex, TokenRow, sqlx::AssertSqlSafe(sql), id)
}

/// A token by name.
pub async fn by_name(ex: &mut impl Executor, name: &str) -> Result<Option<TokenRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM api_tokens WHERE name = $1");
    fetch_optional!(ex, TokenRow, sqlx::AssertSqlSafe(sql), name)
}

/// Every token, newest first.
pub async fn list(ex: &mut impl Executor) -> Result<Vec<TokenRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM api_tokens ORDER BY id DESC");
    fetch_all!(ex, TokenRow, sqlx::AssertSqlSafe(sql))
}

/// Revokes a token.
pub async fn revoke(ex: &mut impl Executor, id: i64) -> Result<u64, sqlx::Error> {
    exec!(ex, "UPDATE api_tokens SET revoked_ms = $2 WHERE id = $1 AND revoked_ms IS NULL", id, now_ms())
}

/// Records that a token was used (at most once a minute, to spare the database).
pub async fn touch(ex: &mut impl Executor, id: i64, at_ms: i64) -> Result<u64, sqlx::Error> {
    exec!(
        ex,
        "UPDATE api_tokens SET last_used_ms = $2 WHERE id = $1 AND (last_used_ms IS NULL OR last_used_ms < $3)",
        id,
        at_ms,
        at_ms - 60_000
    )
}
