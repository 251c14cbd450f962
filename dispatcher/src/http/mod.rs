//! The HTTP API (JSON under `/api/v1`), the public CAP feed, health and metrics. `router`
//! builds every route from the route table, each behind the authorization layer with the
//! access it declares.

pub mod admin;
pub mod alerts;
pub mod areas;
pub mod audit;
pub mod auth;
pub mod cap;
pub mod cascade;
pub mod channels;
pub mod deliveries;
pub mod device_protocol;
pub mod devices;
pub mod display;
pub mod error;
pub mod etag;
pub mod extract;
pub mod feeds;
pub mod files;
pub mod health;
pub mod openapi;
pub mod previews;
pub mod public;
pub mod pwa;
pub mod resident_figures;
pub mod residents;
pub mod routes;
pub mod session;
pub mod signals;
pub mod siren_tests;
pub mod templates;
pub mod timeline;
pub mod users;
pub mod webhooks;

use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};

use crate::app::App;
use crate::metrics::HttpLabels;
use error::ApiError;

/// The whole application's router.
pub fn router(app: App) -> Router {
    let mut r: Router<App> = Router::new();
    for e in routes::endpoints() {
        let layer = middleware::from_fn_with_state((app.clone(), e.meta), auth::authorize);
        r = r.route(e.path, e.handler.route_layer(layer));
    }
    // route_layer runs after routing, when the matched route pattern is known.
    r.route_layer(middleware::from_fn_with_state(app.clone(), measure))
        .fallback(not_found)
        .layer(middleware::from_fn(refuse_broken_queries))
        .layer(middleware::from_fn(problem_for_bare_errors))
        .layer(middleware::from_fn(security_headers))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(app)
}

async fn not_found() -> ApiError {
    ApiError::new("API-006", "there is no such resource")
}

/// Answers axum's own bare 405 (and any other empty error) as problem+json.
async fn problem_for_bare_errors(req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    if resp.status() == StatusCode::METHOD_NOT_ALLOWED && !resp.headers().contains_key(header::CONTENT_TYPE) {
        return ApiError::new("API-017", "this method is not allowed here").into_response();
    }
    resp
}

/// Refuses a query string that is not UTF-8 once percent-decoded, before any handler would
/// read it with the bad bytes replaced.
async fn refuse_broken_queries(req: Request, next: Next) -> Response {
    if req.uri().query().is_some_and(|q| !extract::query_is_utf8(q)) {
        return ApiError::new("API-020", "the query string is not UTF-8 once percent-decoded; percent-encode UTF-8")
            .with_field("query")
            .into_response();
    }
    next.run(req).await
}

/// Headers that keep browsers from sniffing, framing or leaking, and caches from keeping API
/// answers.
async fn security_headers(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    h.entry("content-security-policy")
        .or_insert(HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"));
    if api {
        h.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    }
    resp
}

async fn measure(State(app): State<App>, req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().map_or("unmatched", |m| m.as_str()).to_owned();
    let method = req.method().to_string();
    let start = Instant::now();
    let resp = next.run(req).await;
    let labels = HttpLabels { route, method, status: resp.status().as_u16() };
    app.metrics.http_requests.get_or_create(&labels).inc();
    app.metrics.http_duration.get_or_create(&labels).observe(start.elapsed().as_secs_f64());
    resp
}
