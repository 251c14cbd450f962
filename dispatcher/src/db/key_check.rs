//! `key_check`: the check value of the instance key.

use super::Executor;

/// Stores the check value unless one is stored already; gives the value that is stored.
pub async fn set_once(ex: &mut impl Executor, value: &str) -> Result<String, sqlx::Error> {
    exec!(ex, "INSERT INTO key_check (id, check_value) VALUES (1, $1) ON CONFLICT DO NOTHING", value)?;
    scalar!(ex, String, "SELECT check_value FROM key_check WHERE id = 1")
}
