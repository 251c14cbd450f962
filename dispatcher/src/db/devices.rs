//! `devices`: sirens and public displays.

use super::changes::{Cursor, stamp};
use super::{Executor, now_ms};

/// What targeting needs of a device.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DeviceInfo {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    pub groups: String,
    pub active: bool,
    pub change_seq: i64,
}

/// Adds a device; gives its id.
pub async fn insert(
    ex: &mut impl Executor,
    kind: &str,
    name: &str,
    lat: f64,
    lon: f64,
    groups: &str,
) -> Result<i64, sqlx::Error> {
    let seq = stamp(ex).await?;
    scalar!(
        ex,
        i64,
        "INSERT INTO devices (kind, name, lat, lon, groups, created_ms, changed_ms, change_seq) \
         VALUES ($1, $2, $3, $4, $5, $6, $6, $7) RETURNING id",
        kind,
        name,
        lat,
        lon,
        groups,
        now_ms(),
        seq
    )
}

/// Devices changed at or after a cursor.
pub async fn changed_since(ex: &mut impl Executor, since: Cursor) -> Result<Vec<DeviceInfo>, sqlx::Error> {
    fetch_all!(
        ex,
        DeviceInfo,
        "SELECT id, kind, name, lat, lon, groups, active, change_seq FROM devices WHERE change_seq >= $1",
        since.0
    )
}
