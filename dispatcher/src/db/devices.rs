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

/// A device as operators and the protocol see it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DeviceRow {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    pub groups: String,
    pub active: bool,
    pub secret_hash: Option<String>,
    pub capabilities: String,
    pub poll_seconds: i32,
    pub mqtt: bool,
    pub last_seen_ms: Option<i64>,
    pub health: Option<String>,
    pub health_ms: Option<i64>,
    pub offline_since_ms: Option<i64>,
    pub created_ms: i64,
}

const COLUMNS: &str = "id, kind, name, lat, lon, groups, active, secret_hash, capabilities, poll_seconds, mqtt, \
                       last_seen_ms, health, health_ms, offline_since_ms, created_ms";

/// A new device.
#[derive(Clone, Debug)]
pub struct NewDevice<'a> {
    pub kind: &'a str,
    pub name: &'a str,
    pub lat: f64,
    pub lon: f64,
    pub groups: &'a str,
    pub capabilities: &'a str,
    pub poll_seconds: i32,
    pub mqtt: bool,
    pub secret_hash: &'a str,
}

/// Adds a device with its secret's hash; gives its id.
pub async fn insert_full(ex: &mut impl Executor, d: &NewDevice<'_>) -> Result<i64, sqlx::Error> {
    let seq = stamp(ex).await?;
    scalar!(
        ex,
        i64,
        "INSERT INTO devices (kind, name, lat, lon, groups, capabilities, poll_seconds, mqtt, secret_hash, created_ms, \
         changed_ms, change_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11) RETURNING id",
        d.kind,
        d.name,
        d.lat,
        d.lon,
        d.groups,
        d.capabilities,
        d.poll_seconds,
        d.mqtt,
        d.secret_hash,
        now_ms(),
        seq
    )
}

/// Sets a device's secret hash (a rotation; `None` revokes it).
pub async fn set_secret(ex: &mut impl Executor, id: i64, hash: Option<&str>) -> Result<u64, sqlx::Error> {
    exec!(ex, "UPDATE devices SET secret_hash = $2 WHERE id = $1 AND active", id, hash)
}

/// Stops a device: no secret, out of targeting.
pub async fn deactivate(ex: &mut impl Executor, id: i64) -> Result<u64, sqlx::Error> {
    let seq = stamp(ex).await?;
    exec!(
        ex,
        "UPDATE devices SET active = FALSE, secret_hash = NULL, changed_ms = $2, change_seq = $3 WHERE id = $1 AND active",
        id,
        now_ms(),
        seq
    )
}

/// One device.
pub async fn by_id(ex: &mut impl Executor, id: i64) -> Result<Option<DeviceRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM devices WHERE id = $1");
    fetch_optional!(ex, DeviceRow, sqlx::AssertSqlSafe(sql), id)
}

/// Every device, active first, by name.
pub async fn list(ex: &mut impl Executor) -> Result<Vec<DeviceRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM devices ORDER BY active DESC, name");
    fetch_all!(ex, DeviceRow, sqlx::AssertSqlSafe(sql))
}

/// The active devices that also take commands over MQTT.
pub async fn active_mqtt(ex: &mut impl Executor) -> Result<Vec<DeviceRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM devices WHERE active AND mqtt ORDER BY id");
    fetch_all!(ex, DeviceRow, sqlx::AssertSqlSafe(sql))
}

/// Records that a device was seen now; gives whether it had been offline.
pub async fn seen(ex: &mut impl Executor, id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let back =
        exec!(ex, "UPDATE devices SET offline_since_ms = NULL WHERE id = $1 AND offline_since_ms IS NOT NULL", id)?;
    exec!(ex, "UPDATE devices SET last_seen_ms = $2 WHERE id = $1", id, now)?;
    Ok(back > 0)
}

/// Stores a heartbeat.
pub async fn set_health(ex: &mut impl Executor, id: i64, health: &str, now: i64) -> Result<u64, sqlx::Error> {
    exec!(ex, "UPDATE devices SET health = $2, health_ms = $3, last_seen_ms = $3 WHERE id = $1", id, health, now)
}

/// Marks offline the active devices not seen for three of their poll intervals (and those
/// never seen three intervals after they were added); gives their ids and names.
pub async fn mark_offline(ex: &mut impl Executor, now: i64) -> Result<Vec<(i64, String)>, sqlx::Error> {
    let due: Vec<(i64, String)> = fetch_all!(
        ex,
        (i64, String),
        "SELECT id, name FROM devices WHERE active AND offline_since_ms IS NULL \
         AND COALESCE(last_seen_ms, created_ms) < $1 - 3 * 1000 * CAST(poll_seconds AS BIGINT)",
        now
    )?;
    for (id, _) in &due {
        exec!(ex, "UPDATE devices SET offline_since_ms = $2 WHERE id = $1 AND offline_since_ms IS NULL", *id, now)?;
    }
    Ok(due)
}

/// Stores a pairing code's hash for a device.
pub async fn add_pairing(
    ex: &mut impl Executor,
    code_hash: &str,
    device: i64,
    expires_ms: i64,
) -> Result<u64, sqlx::Error> {
    exec!(ex, "DELETE FROM device_pairings WHERE expires_ms < $1", now_ms())?;
    exec!(
        ex,
        "INSERT INTO device_pairings (code_hash, device_id, expires_ms) VALUES ($1, $2, $3)",
        code_hash,
        device,
        expires_ms
    )
}

/// Uses up a pairing code; gives its device when the code is valid.
pub async fn take_pairing(ex: &mut impl Executor, code_hash: &str) -> Result<Option<i64>, sqlx::Error> {
    let found: Option<(i64, i64)> = fetch_optional!(
        ex,
        (i64, i64),
        "SELECT device_id, expires_ms FROM device_pairings WHERE code_hash = $1",
        code_hash
    )?;
    exec!(ex, "DELETE FROM device_pairings WHERE code_hash = $1", code_hash)?;
    Ok(found.filter(|(_, exp)| *exp >= now_ms()).map(|(d, _)| d))
}

/// A command as a device sees it: a delivery of an alert to it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CommandRow {
    pub id: i64,
    pub alert_id: i64,
    pub status: String,
    pub device_state: Option<String>,
    pub expires_ms: Option<i64>,
    pub priority: i32,
}

/// The device's commands that are still live: not finished by the device, not cancelled,
/// expired or failed, not past their expiry, and not replaced by a later message of the same
/// alert thread (finished or not).
pub async fn commands(ex: &mut impl Executor, device: i64, now: i64) -> Result<Vec<CommandRow>, sqlx::Error> {
    fetch_all!(
        ex,
        CommandRow,
        "SELECT d.id, d.alert_id, d.status, d.device_state, d.expires_ms, d.priority FROM deliveries d \
         JOIN alerts a ON a.id = d.alert_id \
         WHERE d.recipient_kind = 'device' AND d.recipient_id = $1 \
         AND d.status IN ('queued', 'sent', 'delivered', 'acknowledged') \
         AND (d.device_state IS NULL OR d.device_state IN ('received', 'started')) \
         AND (d.expires_ms IS NULL OR d.expires_ms > $2) \
         AND NOT EXISTS (SELECT 1 FROM deliveries n JOIN alerts na ON na.id = n.alert_id \
             WHERE n.recipient_kind = 'device' AND n.recipient_id = d.recipient_id \
             AND na.thread_id = a.thread_id AND n.alert_id > d.alert_id) \
         ORDER BY d.priority, d.id",
        device,
        now
    )
}

/// Records what a device said of its command; gives false when the command is not the
/// device's. Never moves a delivery back (a late `received` after `completed` changes nothing).
pub async fn acknowledge(
    ex: &mut impl Executor,
    device: i64,
    delivery: i64,
    state: &str,
    reason: Option<&str>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let owner: Option<(String,)> = fetch_optional!(
        ex,
        (String,),
        "SELECT COALESCE(device_state, '') FROM deliveries WHERE id = $1 AND recipient_kind = 'device' AND recipient_id = $2",
        delivery,
        device
    )?;
    let Some((current,)) = owner else { return Ok(false) };
    let rank = |s: &str| match s {
        "received" => 1,
        "started" => 2,
        "completed" | "failed" => 3,
        _ => 0,
    };
    if rank(state) <= rank(&current) {
        return Ok(true);
    }
    let (status, error) = match state {
        "received" => ("delivered", None),
        "failed" => ("failed", Some(format!("the device reported a failure: {}", reason.unwrap_or("no reason given")))),
        _ => ("acknowledged", None),
    };
    exec!(
        ex,
        "UPDATE deliveries SET device_state = $2, status = $3, last_error = COALESCE($4, last_error), \
         sent_ms = COALESCE(sent_ms, $5), delivered_ms = COALESCE(delivered_ms, $5), updated_ms = $5, \
         lease_owner = NULL, lease_expires_ms = NULL WHERE id = $1",
        delivery,
        state,
        status,
        error,
        now
    )?;
    Ok(true)
}

/// Device deliveries created at or after a time: (delivery, device).
pub async fn created_since(ex: &mut impl Executor, since_ms: i64) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    fetch_all!(
        ex,
        (i64, i64),
        "SELECT id, recipient_id FROM deliveries WHERE recipient_kind = 'device' AND created_ms >= $1",
        since_ms
    )
}
