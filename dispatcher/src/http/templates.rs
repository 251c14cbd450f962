//! `/api/v1/templates`: alert templates with placeholders.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::error::ApiResult;
use super::extract::{ApiJson, Id};
use super::routes::{Access, Endpoint, READERS, TEMPLATE_EDITORS};
use crate::app::App;
use crate::domain::caller::Caller;
use crate::domain::templates::{self, Template};

/// The templates' routes.
pub fn endpoints() -> Vec<Endpoint> {
    let (r, w) = (Access::Roles(READERS), Access::Roles(TEMPLATE_EDITORS));
    vec![
        Endpoint::get("/api/v1/templates", r, "templates", "List templates", list).returns::<Vec<Template>>(),
        Endpoint::post("/api/v1/templates", w, "templates", "Add a template", create)
            .body::<Template>()
            .returns::<Template>(),
        Endpoint::get("/api/v1/templates/{id}", r, "templates", "A template and its placeholders", get)
            .returns::<Template>(),
        Endpoint::put("/api/v1/templates/{id}", w, "templates", "Replace a template", update)
            .body::<Template>()
            .returns::<Template>(),
        Endpoint::delete("/api/v1/templates/{id}", w, "templates", "Delete a template", delete),
    ]
}

async fn list(State(app): State<App>) -> ApiResult<Json<Vec<Template>>> {
    Ok(Json(templates::list(&app).await?))
}

async fn create(
    State(app): State<App>,
    caller: Caller,
    ApiJson(t): ApiJson<Template>,
) -> ApiResult<(StatusCode, Json<Template>)> {
    Ok((StatusCode::CREATED, Json(templates::create(&app, &caller.actor, &caller.address, &t).await?)))
}

async fn get(State(app): State<App>, Id(id): Id) -> ApiResult<Json<Template>> {
    Ok(Json(templates::get(&app, id).await?))
}

async fn update(
    State(app): State<App>,
    caller: Caller,
    Id(id): Id,
    ApiJson(t): ApiJson<Template>,
) -> ApiResult<Json<Template>> {
    Ok(Json(templates::update(&app, &caller.actor, &caller.address, id, &t).await?))
}

async fn delete(State(app): State<App>, caller: Caller, Id(id): Id) -> ApiResult<StatusCode> {
    templates::delete(&app, &caller.actor, &caller.address, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
