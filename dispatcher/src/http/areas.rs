//! `/api/v1/areas`: named areas, imported from GeoJSON.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use serde::Serialize;

use super::error::{ApiError, ApiResult};
use super::extract::{Id, body_bytes, has_media_type};
use super::routes::{ADMINS, Access, Endpoint, READERS};
use crate::app::App;
use crate::domain::areas::{self, AreaView};
use crate::domain::caller::Caller;
use crate::domain::error::Error;

/// The areas' routes.
pub fn endpoints() -> Vec<Endpoint> {
    let (r, w) = (Access::Roles(READERS), Access::Roles(ADMINS));
    vec![
        Endpoint::get("/api/v1/areas", r, "areas", "List named areas", list).returns::<Vec<AreaView>>(),
        Endpoint::post(
            "/api/v1/areas",
            w,
            "areas",
            "Import named areas from a GeoJSON FeatureCollection (names replace)",
            import,
        )
        .body_media("application/geo+json")
        .returns::<ImportReport>(),
        Endpoint::get("/api/v1/areas/{id}", r, "areas", "A named area with its polygons", get).returns::<AreaView>(),
        Endpoint::delete("/api/v1/areas/{id}", w, "areas", "Delete a named area", delete),
    ]
}

async fn list(State(app): State<App>) -> ApiResult<Json<Vec<AreaView>>> {
    let all = areas::all(&mut app.db.read().await.map_err(Error::from)?).await?;
    Ok(Json(all.iter().map(|a| a.view(false)).collect()))
}

async fn get(State(app): State<App>, Id(id): Id) -> ApiResult<Json<AreaView>> {
    let a = areas::load(&mut app.db.read().await.map_err(Error::from)?, &[id])
        .await
        .map_err(|_| Error::NotFound("area"))?;
    a.first().map(|a| Json(a.view(true))).ok_or_else(|| Error::NotFound("area").into())
}

/// What an import did.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ImportReport {
    /// The areas imported or replaced.
    pub areas: Vec<AreaView>,
    /// What was left out (holes) and why.
    pub warnings: Vec<String>,
}

async fn import(State(app): State<App>, caller: Caller, req: Request) -> ApiResult<(StatusCode, Json<ImportReport>)> {
    if !has_media_type(&req, &["application/geo+json", "application/json"]) {
        return Err(ApiError::new("API-012", "send GeoJSON as application/geo+json"));
    }
    let bytes = body_bytes(req, app.settings.server.max_body_bytes).await?;
    let text = std::str::from_utf8(&bytes).map_err(|_| ApiError::new("API-001", "the body is not UTF-8"))?;
    let (areas, warnings) = areas::import(&app, &caller.actor, &caller.address, text).await?;
    Ok((StatusCode::CREATED, Json(ImportReport { areas, warnings })))
}

async fn delete(State(app): State<App>, caller: Caller, Id(id): Id) -> ApiResult<StatusCode> {
    areas::delete(&app, &caller.actor, &caller.address, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
