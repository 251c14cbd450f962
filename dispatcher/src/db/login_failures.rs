//! `login_failures`: failed logins, counted per key in a window for rate limiting.

use super::{Conn, Executor};

/// Records a failure for each key.
pub async fn record(ex: &mut impl Executor, keys: &[&str], at_ms: i64) -> Result<(), sqlx::Error> {
    for key in keys {
        exec!(ex, "INSERT INTO login_failures (key, at_ms) VALUES ($1, $2)", *key, at_ms)?;
    }
    Ok(())
}

/// Failures of a key since a time, and the oldest of them (when the window frees up).
pub async fn count_since(ex: &mut impl Executor, key: &str, since_ms: i64) -> Result<(i64, Option<i64>), sqlx::Error> {
    let n = scalar!(ex, i64, "SELECT COUNT(*) FROM login_failures WHERE key = $1 AND at_ms >= $2", key, since_ms)?;
    let oldest = scalar!(
        ex,
        Option<i64>,
        "SELECT MIN(at_ms) FROM login_failures WHERE key = $1 AND at_ms >= $2",
        key,
        since_ms
    )?;
    Ok((n, oldest))
}

/// Forgets a key's failures (after a successful login).
pub async fn clear(ex: &mut impl Executor, key: &str) -> Result<u64, sqlx::Error> {
    exec!(ex, "DELETE FROM login_failures WHERE key = $1", key)
}

/// Removes failures older than the window.
pub async fn purge(ex: &mut impl Executor, before_ms: i64) -> Result<u64, sqlx::Error> {
    exec!(ex, "DELETE FROM login_failures WHERE at_ms < $1", before_ms)
}

/// Serializes attempts on these keys until the transaction ends, so that counting and
/// recording an attempt is one step: on PostgreSQL a transaction-scoped advisory lock per key
/// (taken in order), on SQLite the write lock `BEGIN IMMEDIATE` already holds.
pub async fn lock(ex: &mut impl Executor, keys: &[&str]) -> Result<(), sqlx::Error> {
    let mut keys = keys.to_vec();
    keys.sort_unstable();
    for key in keys {
        if let Conn::Postgres(c) = ex.conn() {
            super::deadline(sqlx::query("SELECT pg_advisory_xact_lock(7462, hashtext($1))").bind(key).execute(&mut *c))
                .await?;
        }
    }
    Ok(())
}

/// Forgets the attempt recorded at `at_ms` for each key (a reserved attempt that was not a
/// failed guess).
pub async fn forget(ex: &mut impl Executor, keys: &[&str], at_ms: i64) -> Result<(), sqlx::Error> {
    for key in keys {
        exec!(ex, "DELETE FROM login_failures WHERE key = $1 AND at_ms = $2", *key, at_ms)?;
    }
    Ok(())
}
