//! `instance_keys`: key pairs the instance makes for itself (the Web Push VAPID pair).

use super::{Executor, now_ms};

/// A stored key pair: the private part sealed with the instance key.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct InstanceKey {
    pub sealed: String,
    pub public_key: String,
}

/// Stores a key pair under `name` unless one is stored already; gives the one that is stored,
/// so that instances starting at once all end up with the same pair.
pub async fn set_once(
    ex: &mut impl Executor,
    name: &str,
    sealed: &str,
    public_key: &str,
) -> Result<InstanceKey, sqlx::Error> {
    exec!(
        ex,
        "INSERT INTO instance_keys (name, sealed, public_key, created_ms) VALUES ($1, $2, $3, $4) \
         ON CONFLICT DO NOTHING",
        name,
        sealed,
        public_key,
        now_ms()
    )?;
    fetch_optional!(ex, InstanceKey, "SELECT sealed, public_key FROM instance_keys WHERE name = $1", name)?
        .ok_or(sqlx::Error::RowNotFound)
}

/// The key pair stored under `name`, if any.
pub async fn get(ex: &mut impl Executor, name: &str) -> Result<Option<InstanceKey>, sqlx::Error> {
    fetch_optional!(ex, InstanceKey, "SELECT sealed, public_key FROM instance_keys WHERE name = $1", name)
}
