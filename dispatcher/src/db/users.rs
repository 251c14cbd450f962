//! `users`: staff accounts.

use super::{Executor, now_ms};

/// A user as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub roles: String,
    pub totp_secret: Option<String>,
    pub totp_enabled: bool,
    pub must_change_password: bool,
    pub disabled: bool,
    pub created_ms: i64,
    pub updated_ms: i64,
}

const COLUMNS: &str = "id, username, display_name, password_hash, roles, totp_secret, totp_enabled, \
                       must_change_password, disabled, created_ms, updated_ms";

/// Adds a user; gives the new id.
pub async fn insert(
    ex: &mut impl Executor,
    username: &str,
    display_name: &str,
    password_hash: &str,
    roles: &str,
    must_change_password: bool,
) -> Result<i64, sqlx::Error> {
    let now = now_ms();
    scalar!(
        ex,
        i64,
        "INSERT INTO users (username, display_name, password_hash, roles, must_change_password, created_ms, updated_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        username,
        display_name,
        password_hash,
        roles,
        must_change_password,
        now
    )
}

/// A user by name.
pub async fn by_name(ex: &mut impl Executor, username: &str) -> Result<Option<UserRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE username = $1");
    fetch_optional!(ex, UserRow, sqlx::AssertSqlSafe(sql), username)
}

/// A user by id.
pub async fn by_id(ex: &mut impl Executor, id: i64) -> Result<Option<UserRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
    fetch_optional!(ex, UserRow, sqlx::AssertSqlSafe(sql), id)
}

/// Every user, by name.
pub async fn list(ex: &mut impl Executor) -> Result<Vec<UserRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM users ORDER BY username");
    fetch_all!(ex, UserRow, sqlx::AssertSqlSafe(sql))
}

/// How many users there are.
pub async fn count(ex: &mut impl Executor) -> Result<i64, sqlx::Error> {
    scalar!(ex, i64, "SELECT COUNT(*) FROM users")
}

/// Disables or enables an account.
pub async fn set_disabled(ex: &mut impl Executor, id: i64, disabled: bool) -> Result<u64, sqlx::Error> {
    exec!(ex, "UPDATE users SET disabled = $2, updated_ms = $3 WHERE id = $1", id, disabled, now_ms())
}

/// Replaces the roles.
pub async fn set_roles(ex: &mut impl Executor, id: i64, roles: &str) -> Result<u64, sqlx::Error> {
    exec!(ex, "UPDATE users SET roles = $2, updated_ms = $3 WHERE id = $1", id, roles, now_ms())
}

/// Replaces the password hash.
pub async fn set_password(ex: &mut impl Executor, id: i64, hash: &str, must_change: bool) -> Result<u64, sqlx::Error> {
    exec!(
        ex,
        "UPDATE users SET password_hash = $2, must_change_password = $3, updated_ms = $4 WHERE id = $1",
        id,
        hash,
        must_change,
        now_ms()
    )
}

/// Sets the (encrypted) TOTP secret and whether it is in use.
pub async fn set_totp(
    ex: &mut impl Executor,
    id: i64,
    secret: Option<&str>,
    enabled: bool,
) -> Result<u64, sqlx::Error> {
    exec!(
        ex,
        "UPDATE users SET totp_secret = $2, totp_enabled = $3, updated_ms = $4 WHERE id = $1",
        id,
        secret,
        enabled,
        now_ms()
    )
}

/// Takes a TOTP time step for a user: true when it is later than every step accepted before
/// (a code is accepted once), false for a replay. Atomic on both backends.
pub async fn take_totp_step(ex: &mut impl Executor, id: i64, step: i64) -> Result<bool, sqlx::Error> {
    let n = exec!(
        ex,
        "UPDATE users SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
        id,
        step
    )?;
    Ok(n == 1)
}
