//! Sirens and public displays: the registry (secrets shown once and stored hashed, rotation,
//! revocation, pairing codes), what a device is told (its commands, built from the issued CAP
//! and the signal catalogue), what it tells (acknowledgements, heartbeats), and offline
//! detection. The protocol is `docs/device-protocol.md`.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::audit::{self, Actor, Event};
use super::crypto::{constant_time_eq, random_token, sha256_hex};
use super::error::{Error, Result};
use crate::app::App;
use crate::db::devices::{self, DeviceRow, NewDevice as NewRow};
use crate::db::now_ms;

/// The kinds of device.
pub const KINDS: &[&str] = &["siren", "display"];
/// What a device can do.
pub const CAPABILITIES: &[&str] = &["tones", "voice", "text"];
/// What a device may say of a command.
pub const ACK_STATES: &[&str] = &["received", "started", "completed", "failed"];
/// The CAP parameter naming the siren signal.
pub const SIGNAL_PARAMETER: &str = "TOCSIN_SIREN_SIGNAL";

/// A device to register.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewDevice {
    /// `siren` or `display`.
    pub kind: String,
    /// A unique name.
    pub name: String,
    /// Latitude (WGS 84).
    pub lat: f64,
    /// Longitude (WGS 84).
    pub lon: f64,
    /// Groups it belongs to (a town's sirens), which alerts may name.
    #[serde(default)]
    pub groups: Vec<String>,
    /// `tones`, `voice`, `text`.
    #[serde(default)]
    pub capabilities: Vec<String>,
    /// How often it polls (5 to 3600 s; default `devices.poll_seconds`).
    #[serde(default)]
    pub poll_seconds: Option<u32>,
    /// Whether it also takes commands over MQTT.
    #[serde(default)]
    pub mqtt: bool,
}

/// A device as operators see it.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeviceView {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    pub groups: Vec<String>,
    pub capabilities: Vec<String>,
    pub poll_seconds: i32,
    pub mqtt: bool,
    /// `online`, `offline`, `never-seen` or `revoked`.
    pub state: String,
    /// When it last polled or sent a heartbeat.
    pub last_seen: Option<String>,
    /// Since when it is offline.
    pub offline_since: Option<String>,
    /// Its last heartbeat.
    pub health: Option<Value>,
    /// What needs attention: `offline`, `mains`, `battery`, `tamper`, `fault:CODE`.
    pub problems: Vec<String>,
}

/// The items of a stored comma-separated list (groups, capabilities), without blanks.
pub(crate) fn split(list: &str) -> Vec<String> {
    list.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

impl From<&DeviceRow> for DeviceView {
    fn from(d: &DeviceRow) -> Self {
        let health: Option<Value> = d.health.as_deref().and_then(|h| serde_json::from_str(h).ok());
        let state = if !d.active {
            "revoked"
        } else if d.offline_since_ms.is_some() {
            "offline"
        } else if d.last_seen_ms.is_none() {
            "never-seen"
        } else {
            "online"
        };
        let mut problems = Vec::new();
        if d.offline_since_ms.is_some() {
            problems.push("offline".to_owned());
        }
        if let Some(h) = &health {
            if h["mains"] == json!(false) {
                problems.push("mains".into());
            }
            if h["battery"].as_f64().is_some_and(|b| b < 20.0) {
                problems.push("battery".into());
            }
            if h["tamper"] == json!(true) {
                problems.push("tamper".into());
            }
            for f in h["faults"].as_array().into_iter().flatten().filter_map(Value::as_str) {
                problems.push(format!("fault:{f}"));
            }
        }
        DeviceView {
            id: d.id,
            kind: d.kind.clone(),
            name: d.name.clone(),
            lat: d.lat,
            lon: d.lon,
            groups: split(&d.groups),
            capabilities: split(&d.capabilities),
            poll_seconds: d.poll_seconds,
            mqtt: d.mqtt,
            state: state.into(),
            last_seen: d.last_seen_ms.map(super::feed::rfc3339),
            offline_since: d.offline_since_ms.map(super::feed::rfc3339),
            health,
            problems,
        }
    }
}

fn check(app: &App, d: &NewDevice) -> Result<()> {
    if !KINDS.contains(&d.kind.as_str()) {
        return Err(Error::invalid("/kind", "must be siren or display"));
    }
    if d.name.trim().is_empty() || d.name.len() > 200 {
        return Err(Error::invalid("/name", "must be 1 to 200 characters"));
    }
    if !(-90.0..=90.0).contains(&d.lat) || !(-180.0..=180.0).contains(&d.lon) {
        return Err(Error::invalid("/lat", "lat must be within ±90 and lon within ±180"));
    }
    if let Some(c) = d.capabilities.iter().find(|c| !CAPABILITIES.contains(&c.as_str())) {
        return Err(Error::invalid("/capabilities", format!("{c:?} is not one of tones, voice, text")));
    }
    if let Some(g) = d.groups.iter().find(|g| g.is_empty() || g.contains(',') || g.len() > 100) {
        return Err(Error::invalid("/groups", format!("{g:?}: a group is 1 to 100 characters without commas")));
    }
    let poll = d.poll_seconds.unwrap_or(app.settings.devices.poll_seconds);
    if !(5..=3600).contains(&poll) {
        return Err(Error::invalid("/pollSeconds", "must be from 5 to 3600"));
    }
    Ok(())
}

/// A new secret for device `id`: `tdv_{id}_{random}`, and its hash.
fn new_secret(id: i64) -> (String, String) {
    let secret = format!("tdv_{id}_{}", random_token());
    let hash = sha256_hex(secret.as_bytes());
    (secret, hash)
}

/// Registers a device; gives it with its secret, which is shown only now.
pub async fn add(app: &App, actor: &Actor, address: &str, d: &NewDevice) -> Result<(DeviceView, String)> {
    check(app, d)?;
    let mut tx = app.db.begin().await?;
    let row = NewRow {
        kind: &d.kind,
        name: d.name.trim(),
        lat: d.lat,
        lon: d.lon,
        groups: &d.groups.join(","),
        capabilities: &d.capabilities.join(","),
        poll_seconds: i32::try_from(d.poll_seconds.unwrap_or(app.settings.devices.poll_seconds)).unwrap_or(30),
        mqtt: d.mqtt,
        // Replaced below, once the id that the secret names is known.
        secret_hash: "",
    };
    let id = match devices::insert_full(&mut tx, &row).await {
        Ok(id) => id,
        Err(e) if crate::db::is_unique_violation(&e) => {
            return Err(Error::Conflict(format!("a device named {:?} exists", d.name)));
        }
        Err(e) => return Err(e.into()),
    };
    let (secret, hash) = new_secret(id);
    devices::set_secret(&mut tx, id, Some(&hash)).await?;
    audit::record(&mut tx, Event::new(actor, address, "device.add", format!("device:{id}"))).await?;
    let view = DeviceView::from(&devices::by_id(&mut tx, id).await?.ok_or(Error::NotFound("device"))?);
    tx.commit().await?;
    Ok((view, secret))
}

/// Every device.
pub async fn list(app: &App) -> Result<Vec<DeviceView>> {
    Ok(devices::list(&mut app.db.read().await?).await?.iter().map(DeviceView::from).collect())
}

/// One device.
pub async fn get(app: &App, id: i64) -> Result<DeviceView> {
    let row = devices::by_id(&mut app.db.read().await?, id).await?.ok_or(Error::NotFound("device"))?;
    Ok(DeviceView::from(&row))
}

/// Gives a device a new secret; the old one stops working at once.
pub async fn rotate(app: &App, actor: &Actor, address: &str, id: i64) -> Result<String> {
    let (secret, hash) = new_secret(id);
    let mut tx = app.db.begin().await?;
    if devices::set_secret(&mut tx, id, Some(&hash)).await? == 0 {
        return Err(Error::NotFound("device"));
    }
    audit::record(&mut tx, Event::new(actor, address, "device.rotate", format!("device:{id}"))).await?;
    tx.commit().await?;
    Ok(secret)
}

/// Revokes a device: its secret stops working and alerts no longer target it.
pub async fn revoke(app: &App, actor: &Actor, address: &str, id: i64) -> Result<()> {
    let mut tx = app.db.begin().await?;
    if devices::deactivate(&mut tx, id).await? == 0 {
        return Err(Error::NotFound("device"));
    }
    audit::record(&mut tx, Event::new(actor, address, "device.revoke", format!("device:{id}"))).await?;
    tx.commit().await?;
    Ok(())
}

/// Makes a pairing code for a display page: 8 characters, valid 10 minutes, once.
pub async fn pairing_code(app: &App, actor: &Actor, address: &str, id: i64) -> Result<(String, String)> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let bytes = super::crypto::random_bytes::<8>();
    let code: String = bytes.iter().map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()])).collect();
    let expires = now_ms() + 10 * 60 * 1000;
    let mut tx = app.db.begin().await?;
    let row = devices::by_id(&mut tx, id).await?.filter(|d| d.active).ok_or(Error::NotFound("device"))?;
    devices::add_pairing(&mut tx, &sha256_hex(code.as_bytes()), row.id, expires).await?;
    audit::record(&mut tx, Event::new(actor, address, "device.pairing", format!("device:{id}"))).await?;
    tx.commit().await?;
    Ok((code, super::feed::rfc3339(expires)))
}

/// Pairs a display page by its code: gives the device id and a new secret (the old one stops).
pub async fn pair(app: &App, address: &str, code: &str) -> Result<(i64, String)> {
    let code = code.trim().to_ascii_uppercase();
    let mut tx = app.db.begin().await?;
    let Some(id) = devices::take_pairing(&mut tx, &sha256_hex(code.as_bytes())).await? else {
        return Err(Error::invalid("/code", "this pairing code is not valid (codes last 10 minutes and work once)"));
    };
    let (secret, hash) = new_secret(id);
    devices::set_secret(&mut tx, id, Some(&hash)).await?;
    audit::record(&mut tx, Event::new(&Actor::System, address, "device.paired", format!("device:{id}"))).await?;
    tx.commit().await?;
    Ok((id, secret))
}

/// The device a bearer secret belongs to. Marks it seen (at most a few times per poll
/// interval) and back online if it was offline.
pub async fn authenticate(app: &App, secret: &str) -> Result<DeviceRow> {
    let refused = || Error::Unauthenticated("send the device's secret as a bearer token".into());
    let id: i64 = secret
        .strip_prefix("tdv_")
        .and_then(|r| r.split('_').next())
        .and_then(|i| i.parse().ok())
        .ok_or_else(refused)?;
    let row = devices::by_id(&mut app.db.read().await?, id).await?.filter(|d| d.active).ok_or_else(refused)?;
    let hash = sha256_hex(secret.as_bytes());
    if !row.secret_hash.as_deref().is_some_and(|h| constant_time_eq(h.as_bytes(), hash.as_bytes())) {
        return Err(refused());
    }
    let now = now_ms();
    let stale = row.last_seen_ms.is_none_or(|s| now - s > i64::from(row.poll_seconds) * 1000 / 3);
    if stale || row.offline_since_ms.is_some() {
        let mut tx = app.db.begin().await?;
        let back = devices::seen(&mut tx, id, now).await?;
        if back {
            audit::record(&mut tx, Event::new(&Actor::System, "device", "device.online", format!("device:{id}")))
                .await?;
        }
        tx.commit().await?;
        if back {
            let (app, name) = (app.clone(), row.name.clone());
            tokio::spawn(async move {
                super::device_notices::notify(&app, "device.online", &[(id, name)]).await;
            });
        }
    }
    Ok(row)
}

/// Marks offline the devices that missed three polls; audits each and tells the webhooks.
/// Gives their ids and names.
pub async fn mark_offline(app: &App) -> Result<Vec<(i64, String)>> {
    let mut tx = app.db.begin().await?;
    let gone = devices::mark_offline(&mut tx, now_ms()).await?;
    for (id, _) in &gone {
        audit::record(&mut tx, Event::new(&Actor::System, "tocsin", "device.offline", format!("device:{id}"))).await?;
    }
    tx.commit().await?;
    if !gone.is_empty() {
        let (app, notice) = (app.clone(), gone.clone());
        tokio::spawn(async move {
            super::device_notices::notify(&app, "device.offline", &notice).await;
        });
    }
    Ok(gone)
}

/// What a device may say of a command.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ack {
    /// The command's id.
    pub command: i64,
    /// `received`, `started`, `completed` or `failed`.
    pub state: String,
    /// Why it failed.
    #[serde(default)]
    pub reason: Option<String>,
}

impl Ack {
    /// Checks what the type cannot: the state is one of the protocol's.
    pub fn check(&self) -> Result<()> {
        if !ACK_STATES.contains(&self.state.as_str()) {
            return Err(Error::invalid("/state", "must be received, started, completed or failed"));
        }
        Ok(())
    }
}

/// Records an acknowledgement.
pub async fn acknowledge(app: &App, device: i64, ack: &Ack) -> Result<()> {
    ack.check()?;
    let reason: Option<String> = ack.reason.as_deref().map(|r| r.chars().take(500).collect());
    if !super::device_acks::store(app, device, ack.command, &ack.state, reason).await? {
        return Err(Error::NotFound("command"));
    }
    Ok(())
}

/// The temperatures a heartbeat may report, in degrees Celsius.
const TEMPERATURE_RANGE: std::ops::RangeInclusive<f64> = -100.0..=200.0;

/// A device's health report.
#[derive(Clone, Debug, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Heartbeat {
    /// On mains power.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mains: Option<bool>,
    /// Battery charge, 0 to 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub battery: Option<f64>,
    /// Fault codes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<String>,
    /// The housing was opened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tamper: Option<bool>,
    /// Degrees Celsius.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// When it last tested itself (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_self_test: Option<String>,
}

impl Heartbeat {
    /// Checks the ranges and sizes the type cannot; gives the JSON that is stored.
    pub fn check(&self) -> Result<String> {
        if self.battery.is_some_and(|b| !(0.0..=100.0).contains(&b)) {
            return Err(Error::invalid("/battery", "must be from 0 to 100"));
        }
        if self.faults.len() > 50 || self.faults.iter().any(|f| f.len() > 50) {
            return Err(Error::invalid("/faults", "at most 50 codes of at most 50 characters"));
        }
        // A reading outside what any device survives is a fault of its sensor or its
        // firmware, not a temperature (the device_protocol fuzz target sent 2.2e51).
        if self.temperature.is_some_and(|t| !(TEMPERATURE_RANGE).contains(&t)) {
            return Err(Error::invalid("/temperature", "must be from -100 to 200 (degrees Celsius)"));
        }
        serde_json::to_string(self).map_err(|e| Error::Internal(e.into()))
    }
}

/// Stores a heartbeat.
pub async fn heartbeat(app: &App, device: i64, h: &Heartbeat) -> Result<()> {
    let text = h.check()?;
    let mut tx = app.db.begin().await?;
    devices::set_health(&mut tx, device, &text, now_ms()).await?;
    tx.commit().await?;
    Ok(())
}

pub use super::device_commands::{answer, commands, etag};

#[cfg(test)]
mod tests {
    use super::Heartbeat;

    fn heartbeat(json: &str) -> Heartbeat {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn out_of_range_readings_are_refused_and_what_is_stored_reads_back_the_same() {
        // The fuzz findings: 2.2e51 degrees, and a battery whose long decimal came back one
        // ulp off from the stored JSON until serde_json parsed with float_roundtrip.
        let found = heartbeat(r#"{"temperature": 2199999999999999999999999999999999999999999999999910}"#);
        assert!(format!("{:?}", found.check().unwrap_err()).contains("/temperature"));
        assert!(heartbeat(r#"{"temperature": -100.5}"#).check().is_err());
        for json in [r#"{"temperature": 21.5, "battery": 80}"#, r#"{"battery": 1.33333333333333333333333333333333302}"#]
        {
            let stored = heartbeat(json).check().unwrap();
            assert_eq!(heartbeat(&stored).check().unwrap(), stored, "what is stored reads back the same");
        }
    }
}
