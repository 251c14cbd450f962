//! `devices`: sirens and public displays.

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
    scalar!(
        ex,
        i64,
        "INSERT INTO devices (kind, name, lat, lon, groups, created_ms, changed_ms) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        kind,
        name,
        lat,
        lon,
        groups,
        now_ms()
    )
}

/// Devices changed since a time.
pub async fn changed_since(ex: &mut impl Executor, since_ms: i64) -> Result<Vec<DeviceInfo>, sqlx::Error> {
    fetch_all!(
        ex,
        DeviceInfo,
        "SELECT id, kind, name, lat, lon, groups, active FROM devices WHERE changed_ms >= $1",
        since_ms
    )
}
