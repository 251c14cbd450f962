//! The device protocol (`docs/device-protocol.md`): sirens and displays long-poll for their
//! commands, acknowledge them and report their health, with their own bearer secret.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::error::ApiResult;
use super::extract::{ApiJson, ApiQuery, ClientAddress, LimitedBody};
use super::routes::{Access, Endpoint};
use crate::app::App;
use crate::db::devices::DeviceRow;
use crate::domain::device_limits::Waiting;
use crate::domain::devices::{self, Ack, Heartbeat};
use crate::domain::error::Error;

/// The protocol's routes.
pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get(
            "/api/v1/device/poll",
            Access::PeerSecret,
            "device",
            "Long poll for the device's commands (?wait=1..60 seconds; If-None-Match)",
            poll,
        ),
        Endpoint::post("/api/v1/device/ack", Access::PeerSecret, "device", "Acknowledge a command", ack).body::<Ack>(),
        Endpoint::post(
            "/api/v1/device/heartbeat",
            Access::PeerSecret,
            "device",
            "Report the device's health",
            heartbeat,
        )
        .body::<Heartbeat>(),
        Endpoint::post("/api/v1/device/pair", Access::Public, "device", "Pair a display page with a code", pair)
            .body::<PairRequest>()
            .returns::<Paired>(),
    ]
}

async fn device(app: &App, headers: &HeaderMap) -> Result<DeviceRow, Error> {
    let secret = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    devices::authenticate(app, secret.trim()).await
}

/// The poll's query.
#[derive(Debug, Deserialize)]
pub struct PollQuery {
    /// Seconds to hold the request when nothing is new (1 to 60, default 30).
    pub wait: Option<u64>,
}

async fn poll(State(app): State<App>, headers: HeaderMap, ApiQuery(q): ApiQuery<PollQuery>) -> ApiResult<Response> {
    let d = device(&app, &headers).await?;
    let _waiting = Waiting::take(&app.device_limits, d.id)?;
    let wait = Duration::from_secs(q.wait.unwrap_or(30).clamp(1, 60));
    let known = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let deadline = tokio::time::Instant::now() + wait;
    // Woken only when this device got a new command (see `fanout/device_hub.rs`).
    let signal = app.channels.devices.signal(d.id);
    loop {
        // Listen before reading, so a wake-up between the read and the wait is not missed.
        let notified = signal.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let commands = devices::commands(&app, &d).await?;
        let etag = devices::etag(&commands);
        // A device that sends no ETag knows nothing yet: it gets the answer at once.
        let news = known.as_ref().is_none_or(|k| *k != etag);
        let now = tokio::time::Instant::now();
        if news || now >= deadline {
            if known.as_deref() == Some(etag.as_str()) {
                return Ok(with_etag(StatusCode::NOT_MODIFIED.into_response(), &etag));
            }
            return Ok(with_etag(Json(devices::answer(&d, commands)).into_response(), &etag));
        }
        // Re-read at least every 10 s: an expiry or a cancelled command changes the answer
        // without a wake-up, and a wake-up lost to a crash or a dropped notification costs
        // no more than that.
        let _ = tokio::time::timeout((deadline - now).min(Duration::from_secs(10)), notified).await;
    }
}

fn with_etag(mut r: Response, etag: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(etag) {
        r.headers_mut().insert(header::ETAG, v);
    }
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// A device's JSON body, read only after its secret was checked, so that a caller without one
/// learns nothing but 401.
fn body<T: serde::de::DeserializeOwned>(headers: &HeaderMap, bytes: &[u8]) -> Result<T, super::error::ApiError> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json")));
    if !json {
        return Err(super::error::ApiError::new("API-012", "send the body as application/json"));
    }
    super::extract::parse_json(bytes)
}

async fn ack(State(app): State<App>, headers: HeaderMap, LimitedBody(bytes): LimitedBody) -> ApiResult<StatusCode> {
    let d = device(&app, &headers).await?;
    let a: Ack = body(&headers, &bytes)?;
    devices::acknowledge(&app, d.id, &a).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn heartbeat(
    State(app): State<App>,
    headers: HeaderMap,
    LimitedBody(bytes): LimitedBody,
) -> ApiResult<StatusCode> {
    let d = device(&app, &headers).await?;
    let h: Heartbeat = body(&headers, &bytes)?;
    devices::heartbeat(&app, d.id, &h).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A pairing request.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PairRequest {
    /// The code an operator made (`POST /api/v1/devices/{id}/pairing`).
    pub code: String,
}

/// A paired display.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Paired {
    /// The device.
    pub device_id: i64,
    /// Its new secret.
    pub secret: String,
}

async fn pair(
    State(app): State<App>,
    ClientAddress(address): ClientAddress,
    ApiJson(p): ApiJson<PairRequest>,
) -> ApiResult<Json<Paired>> {
    app.device_limits.pair_try(&address)?;
    let code = p.code.trim();
    if code.len() != 8 || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Error::invalid("/code", "a pairing code is the 8 letters and digits the admin app shows").into());
    }
    let (device_id, secret) = devices::pair(&app, &address, code).await?;
    Ok(Json(Paired { device_id, secret }))
}
