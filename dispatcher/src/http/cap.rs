//! CAP in and out: `POST /api/v1/cap` for integrations, and the public feed
//! `GET /cap/alerts.atom` with each message at `GET /cap/alerts/{id}.xml`, with ETags.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use cap_alerts::Finding;
use serde::{Deserialize, Serialize};

use super::error::{ApiError, ApiResult};
use super::etag;
use super::extract::{ApiQuery, Segment, body_bytes, has_media_type};
use super::routes::{Access, Endpoint};
use crate::app::App;
use crate::db::{alerts, now_ms};
use crate::domain::alerts::ingest;
use crate::domain::alerts::view::AlertSummary;
use crate::domain::caller::Caller;
use crate::domain::cascade::report::ChildReport;
use crate::domain::error::Error;
use crate::domain::feed;
use crate::domain::roles::Role;

const INGESTERS: &[Role] = &[Role::Author, Role::Approver];

/// The CAP routes.
pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::post(
            "/api/v1/cap",
            Access::Roles(INGESTERS),
            "cap",
            "Post a CAP message; by policy it is issued, queued for approval or refused",
            post_cap,
        )
        .body_media("application/cap+xml")
        .returns::<IngestReport>(),
        Endpoint::get(
            "/api/v1/cap/report",
            Access::Roles(INGESTERS),
            "cap",
            "How the fan-out of a posted alert stands (a cascade's parent asks); a token sees what it posted",
            report,
        )
        .returns::<ChildReport>(),
        Endpoint::get("/cap/alerts.atom", Access::Public, "feed", "The Atom index of active public alerts", atom),
        Endpoint::get(
            "/cap/alerts/{file}",
            Access::Public,
            "feed",
            "One issued public alert as CAP XML ({id}.xml)",
            cap_document,
        ),
    ]
}

/// What became of a posted message.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct IngestReport {
    /// The alert it became.
    pub alert: AlertSummary,
    /// Warnings about it.
    #[schemars(with = "Vec<serde_json::Value>")]
    pub findings: Vec<Finding>,
    /// Whether the same message had been posted before.
    pub duplicate: bool,
}

async fn post_cap(State(app): State<App>, caller: Caller, req: Request) -> ApiResult<Response> {
    if !has_media_type(&req, &["application/cap+xml", "application/xml", "text/xml"]) {
        return Err(ApiError::new("API-012", "send CAP as application/cap+xml"));
    }
    let bytes = body_bytes(req, app.settings.cap.max_bytes).await?;
    let done = ingest::ingest(&app, &caller, &bytes).await?;
    let status = if done.duplicate { StatusCode::OK } else { StatusCode::CREATED };
    let report =
        IngestReport { alert: AlertSummary::of(&done.row), findings: done.findings, duplicate: done.duplicate };
    Ok((status, Json(report)).into_response())
}

/// Which posted alert: its sender and identifier.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportQuery {
    sender: String,
    identifier: String,
}

async fn report(
    State(app): State<App>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> ApiResult<Json<ChildReport>> {
    Ok(Json(crate::domain::cascade::report::for_parent(&app, &caller, &q.sender, &q.identifier).await?))
}

fn cached(headers: &HeaderMap, body: Vec<u8>, media: &'static str, max_age: u32) -> Response {
    let mut resp = etag::respond(headers, body, media, &format!("public, max-age={max_age}"));
    resp.headers_mut().insert("access-control-allow-origin", HeaderValue::from_static("*"));
    resp
}

async fn atom(State(app): State<App>, headers: HeaderMap) -> ApiResult<Response> {
    let now = now_ms();
    let mut rows =
        alerts::active_public(&mut app.db.read().await.map_err(Error::from)?, now).await.map_err(Error::from)?;
    if !app.settings.feed.include_exercises {
        rows.retain(|r| r.cap_status == "Actual");
    }
    let xml = feed::atom(&app.settings, &rows, now);
    Ok(cached(&headers, xml.into_bytes(), "application/atom+xml; charset=utf-8", 30))
}

async fn cap_document(State(app): State<App>, Segment(file): Segment, headers: HeaderMap) -> ApiResult<Response> {
    let not_found = || ApiError::new("API-006", "there is no such public alert");
    let id: i64 = file.strip_suffix(".xml").and_then(|s| s.parse().ok()).filter(|id| *id > 0).ok_or_else(not_found)?;
    let row = alerts::by_id(&mut app.db.read().await.map_err(Error::from)?, id)
        .await
        .map_err(Error::from)?
        .ok_or_else(not_found)?;
    let published = ["issued", "superseded", "cancelled", "expired"].contains(&row.state.as_str());
    if !published || row.scope != "Public" || (!app.settings.feed.include_exercises && row.cap_status != "Actual") {
        return Err(not_found());
    }
    let xml = row.cap_xml.ok_or_else(not_found)?;
    Ok(cached(&headers, xml, "application/cap+xml", 300))
}
