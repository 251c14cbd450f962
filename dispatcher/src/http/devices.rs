//! `/api/v1/devices`: the registry of sirens and displays, for operators.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;

use super::error::ApiResult;
use super::extract::{ApiJson, Id};
use super::routes::{Access, Endpoint, MONITORS};
use crate::app::App;
use crate::domain::caller::Caller;
use crate::domain::devices::{self, DeviceView, NewDevice};
use crate::domain::roles::Role;

const OPERATORS: &[Role] = &[Role::Operator, Role::Admin];

/// The registry's routes.
pub fn endpoints() -> Vec<Endpoint> {
    let o = Access::Roles(OPERATORS);
    vec![
        Endpoint::get(
            "/api/v1/devices",
            Access::Roles(MONITORS),
            "devices",
            "List sirens and displays with their state",
            list,
        )
        .returns::<Vec<DeviceView>>(),
        Endpoint::post("/api/v1/devices", o, "devices", "Register a device (its secret is shown once)", add)
            .body::<NewDevice>()
            .returns::<NewDeviceView>(),
        Endpoint::get("/api/v1/devices/{id}", Access::Roles(MONITORS), "devices", "One device", get)
            .returns::<DeviceView>(),
        Endpoint::post(
            "/api/v1/devices/{id}/rotate",
            o,
            "devices",
            "Give a device a new secret (the old one stops)",
            rotate,
        )
        .returns::<SecretView>(),
        Endpoint::post(
            "/api/v1/devices/{id}/pairing",
            o,
            "devices",
            "A pairing code for a display page (8 characters, 10 minutes, once)",
            pairing,
        )
        .returns::<PairingView>(),
        Endpoint::delete("/api/v1/devices/{id}", o, "devices", "Revoke a device", revoke),
    ]
}

/// A new device and its secret.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct NewDeviceView {
    /// The device.
    pub device: DeviceView,
    /// Its secret (`tdv_…`), shown only now.
    pub secret: String,
}

/// A new secret.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct SecretView {
    /// The secret, shown only now.
    pub secret: String,
}

/// A pairing code.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PairingView {
    /// Enter it on the display page.
    pub code: String,
    /// When it stops working.
    pub expires_at: String,
}

async fn list(State(app): State<App>) -> ApiResult<Json<Vec<DeviceView>>> {
    Ok(Json(devices::list(&app).await?))
}

async fn get(State(app): State<App>, Id(id): Id) -> ApiResult<Json<DeviceView>> {
    Ok(Json(devices::get(&app, id).await?))
}

async fn add(
    State(app): State<App>,
    caller: Caller,
    ApiJson(d): ApiJson<NewDevice>,
) -> ApiResult<(StatusCode, Json<NewDeviceView>)> {
    let (device, secret) = devices::add(&app, &caller.actor, &caller.address, &d).await?;
    Ok((StatusCode::CREATED, Json(NewDeviceView { device, secret })))
}

async fn rotate(State(app): State<App>, caller: Caller, Id(id): Id) -> ApiResult<Json<SecretView>> {
    Ok(Json(SecretView { secret: devices::rotate(&app, &caller.actor, &caller.address, id).await? }))
}

async fn pairing(State(app): State<App>, caller: Caller, Id(id): Id) -> ApiResult<Json<PairingView>> {
    let (code, expires_at) = devices::pairing_code(&app, &caller.actor, &caller.address, id).await?;
    Ok(Json(PairingView { code, expires_at }))
}

async fn revoke(State(app): State<App>, caller: Caller, Id(id): Id) -> ApiResult<StatusCode> {
    devices::revoke(&app, &caller.actor, &caller.address, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
