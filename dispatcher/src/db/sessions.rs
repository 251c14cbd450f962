//! `sessions`: browser sessions, stored by the SHA-256 of their cookie.

use super::{Executor, now_ms};

/// A session as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SessionRow {
    pub id_hash: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub second_factor: bool,
    pub created_ms: i64,
    pub last_seen_ms: i64,
    pub expires_ms: i64,
    pub address: String,
}

/// Stores a new session.
pub async fn insert(
    ex: &mut impl Executor,
    id_hash: &str,
    user_id: i64,
    csrf_token: &str,
    second_factor: bool,
    expires_ms: i64,
    address: &str,
) -> Result<u64, sqlx::Error> {
    let now = now_ms();
    exec!(
        ex,
        "INSERT INTO sessions (id_hash, user_id, csrf_token, second_factor, created_ms, last_seen_ms, expires_ms, address) \
         VALUES ($1, $2, $3, $4, $5, $5, $6, $7)",
        id_hash,
        user_id,
        csrf_token,
        second_factor,
        now,
        expires_ms,
        address
    )
}

/// A session by its hash.
pub async fn get(ex: &mut impl Executor, id_hash: &str) -> Result<Option<SessionRow>, sqlx::Error> {
    fetch_optional!(
        ex,
        SessionRow,
        "SELECT id_hash, user_id, csrf_token, second_factor, created_ms, last_seen_ms, expires_ms, address \
         FROM sessions WHERE id_hash = $1",
        id_hash
    )
}

/// Records activity, unless the session has ended meanwhile.
pub async fn touch(ex: &mut impl Executor, id_hash: &str, at_ms: i64) -> Result<u64, sqlx::Error> {
    exec!(ex, "UPDATE sessions SET last_seen_ms = $2 WHERE id_hash = $1", id_hash, at_ms)
}

/// Ends a session.
pub async fn delete(ex: &mut impl Executor, id_hash: &str) -> Result<u64, sqlx::Error> {
    exec!(ex, "DELETE FROM sessions WHERE id_hash = $1", id_hash)
}

/// Ends every session of a user (on disabling or a password change).
pub async fn delete_for_user(ex: &mut impl Executor, user_id: i64) -> Result<u64, sqlx::Error> {
    exec!(ex, "DELETE FROM sessions WHERE user_id = $1", user_id)
}

/// Removes sessions that ended by either limit.
pub async fn purge(ex: &mut impl Executor, idle_ms: i64) -> Result<u64, sqlx::Error> {
    let now = now_ms();
    exec!(ex, "DELETE FROM sessions WHERE expires_ms < $1 OR last_seen_ms < $2", now, now - idle_ms)
}

/// Ends a user's sessions but one (the caller's own, when given).
pub async fn delete_others(ex: &mut impl Executor, user_id: i64, keep: Option<&str>) -> Result<u64, sqlx::Error> {
    exec!(ex, "DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2", user_id, keep.unwrap_or(""))
}

/// Marks a session as signed in with a second factor (its owner just confirmed one with a
/// code), and ends the owner's other sessions, which were not.
pub async fn upgrade(ex: &mut impl Executor, id_hash: &str, user_id: i64) -> Result<u64, sqlx::Error> {
    let n =
        exec!(ex, "UPDATE sessions SET second_factor = TRUE WHERE id_hash = $1 AND user_id = $2", id_hash, user_id)?;
    delete_others(ex, user_id, Some(id_hash)).await?;
    Ok(n)
}
