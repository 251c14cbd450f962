//! Health, readiness, metrics and the OpenAPI document.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::error::{ApiError, ApiResult};
use super::routes::{Access, Endpoint, MONITORS};
use crate::app::App;

/// The operational routes.
pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/healthz", Access::Public, "health", "The process is alive", healthz),
        Endpoint::get("/readyz", Access::Public, "health", "The database answers", readyz),
        Endpoint::get("/metrics", Access::Roles(MONITORS), "metrics", "Prometheus metrics", metrics),
        Endpoint::get("/api/openapi.json", Access::Public, "docs", "This API's OpenAPI 3.1 document", openapi),
    ]
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(app): State<App>) -> ApiResult<&'static str> {
    if app.db.ping(std::time::Duration::from_secs(5)).await {
        Ok("ready\n")
    } else {
        Err(ApiError::new("API-500", "the database does not answer")
            .with_status(axum::http::StatusCode::SERVICE_UNAVAILABLE))
    }
}

async fn metrics(State(app): State<App>) -> Response {
    for (channel, _) in app.channels.running() {
        app.metrics.set_channel_health(channel.name(), &channel.health());
    }
    let mut resp = app.metrics.render().into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
    resp
}

async fn openapi() -> Json<serde_json::Value> {
    Json(super::openapi::document())
}
