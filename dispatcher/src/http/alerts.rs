//! `/api/v1/alerts`: the alert lifecycle over HTTP.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ApiQuery, Id};
use super::routes::{APPROVERS, AUTHORS, AUTHORS_AND_APPROVERS, Access, Endpoint, READERS};
use crate::app::App;
use crate::db::alerts::{self, Filter};
use crate::domain::alerts::corrections;
use crate::domain::alerts::lifecycle::{self, CreateRequest};
use crate::domain::alerts::phrases::Correction;
use crate::domain::alerts::state::State as AlertState;
use crate::domain::alerts::view::{AlertSummary, AlertView, view};
use crate::domain::caller::Caller;
use crate::domain::error::Error;
use crate::fanout::reach::Reach;

/// The alerts' routes.
pub fn endpoints() -> Vec<Endpoint> {
    let (r, a, p, ap) = (
        Access::Roles(READERS),
        Access::Roles(AUTHORS),
        Access::Roles(APPROVERS),
        Access::Roles(AUTHORS_AND_APPROVERS),
    );
    vec![
        Endpoint::get("/api/v1/alerts", r, "alerts", "List alerts, newest first, with filters", list)
            .returns::<Vec<AlertSummary>>(),
        Endpoint::post(
            "/api/v1/alerts",
            a,
            "alerts",
            "Create a draft from content, a template or an earlier alert",
            create,
        )
        .body::<CreateRequest>()
        .returns::<AlertView>(),
        Endpoint::get("/api/v1/alerts/{id}", r, "alerts", "An alert with its CAP and findings", get)
            .returns::<AlertView>(),
        Endpoint::put("/api/v1/alerts/{id}", a, "alerts", "Replace a draft's content (its author only)", edit)
            .body::<EditRequest>()
            .returns::<AlertView>(),
        Endpoint::get("/api/v1/alerts/{id}/cap", r, "alerts", "The alert's CAP XML, byte for byte", cap_xml),
        Endpoint::get(
            "/api/v1/alerts/{id}/preview",
            r,
            "alerts",
            "The CAP XML a draft would be submitted as (identifier and times provisional), or the frozen CAP",
            preview,
        ),
        Endpoint::post(
            "/api/v1/alerts/{id}/submit",
            a,
            "alerts",
            "Freeze the draft as CAP and submit it for approval",
            submit,
        )
        .body::<SubmitRequest>()
        .returns::<AlertView>(),
        Endpoint::get(
            "/api/v1/alerts/{id}/reach",
            r,
            "alerts",
            "Recipients per channel and the area's size, before approval",
            reach,
        )
        .returns::<Reach>(),
        Endpoint::post(
            "/api/v1/alerts/{id}/approve",
            p,
            "alerts",
            "Approve what was shown (two-person rule for Actual alerts)",
            approve,
        )
        .body::<ApproveRequest>()
        .returns::<AlertView>(),
        Endpoint::post("/api/v1/alerts/{id}/reject", p, "alerts", "Reject with a reason", reject)
            .body::<ReasonRequest>()
            .returns::<AlertView>(),
        Endpoint::post("/api/v1/alerts/{id}/withdraw", ap, "alerts", "Withdraw an alert not yet issued", withdraw)
            .body::<ReasonRequest>()
            .returns::<AlertView>(),
        Endpoint::post("/api/v1/alerts/{id}/issue", ap, "alerts", "Issue an approved alert", issue)
            .returns::<AlertView>(),
        Endpoint::post(
            "/api/v1/alerts/{id}/update",
            a,
            "alerts",
            "Update an issued alert in one step (prefilled from it)",
            update,
        )
        .body::<UpdateRequest>()
        .returns::<AlertView>(),
        Endpoint::post(
            "/api/v1/alerts/{id}/cancel",
            ap,
            "alerts",
            "Cancel, declare a false alarm or all clear in one step",
            cancel,
        )
        .body::<CancelRequest>()
        .returns::<AlertView>(),
    ]
}

/// Filters for the list.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListQuery {
    state: Option<String>,
    status: Option<String>,
    msg_type: Option<String>,
    thread: Option<i64>,
    before: Option<i64>,
    limit: Option<i64>,
}

async fn list(State(app): State<App>, ApiQuery(q): ApiQuery<ListQuery>) -> ApiResult<Json<Vec<AlertSummary>>> {
    if let Some(s) = &q.state {
        s.parse::<AlertState>().map_err(|e| ApiError::invalid("state", e))?;
    }
    if let Some(s) = &q.status {
        s.parse::<cap_alerts::model::Status>().map_err(|e| ApiError::invalid("status", e.to_string()))?;
    }
    if let Some(s) = &q.msg_type {
        s.parse::<cap_alerts::model::MsgType>().map_err(|e| ApiError::invalid("msgType", e.to_string()))?;
    }
    let f = Filter {
        state: q.state,
        cap_status: q.status,
        msg_type: q.msg_type,
        thread_id: q.thread,
        before_id: q.before,
        limit: q.limit.unwrap_or(50).clamp(1, 500),
    };
    let rows = alerts::list(&mut app.db.read().await.map_err(Error::from)?, &f).await.map_err(Error::from)?;
    Ok(Json(rows.iter().map(AlertSummary::of).collect()))
}

async fn respond(app: &App, row: &crate::db::alerts::AlertRow, status: StatusCode) -> ApiResult<Response> {
    Ok((status, Json(view(app, row).await?)).into_response())
}

async fn create(State(app): State<App>, caller: Caller, ApiJson(req): ApiJson<CreateRequest>) -> ApiResult<Response> {
    let row = lifecycle::create(&app, &caller, req).await?;
    respond(&app, &row, StatusCode::CREATED).await
}

async fn get(State(app): State<App>, Id(id): Id) -> ApiResult<Response> {
    let row = alerts::by_id(&mut app.db.read().await.map_err(Error::from)?, id)
        .await
        .map_err(Error::from)?
        .ok_or(Error::NotFound("alert"))?;
    respond(&app, &row, StatusCode::OK).await
}

/// A draft's new content.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EditRequest {
    /// The version being replaced (from the last GET).
    pub version: i64,
    /// The content.
    pub content: serde_json::Value,
}

async fn edit(
    State(app): State<App>,
    caller: Caller,
    Id(id): Id,
    ApiJson(req): ApiJson<EditRequest>,
) -> ApiResult<Response> {
    let row = lifecycle::edit(&app, &caller, id, req.version, req.content).await?;
    respond(&app, &row, StatusCode::OK).await
}

async fn reach(State(app): State<App>, Id(id): Id) -> ApiResult<Json<Reach>> {
    let alert = crate::domain::alerts::build::frozen_or_preview(&app, id).await?;
    Ok(Json(crate::fanout::reach::of(&app, id, &alert).await?))
}

async fn cap_xml(State(app): State<App>, Id(id): Id) -> ApiResult<Response> {
    let row = alerts::by_id(&mut app.db.read().await.map_err(Error::from)?, id)
        .await
        .map_err(Error::from)?
        .ok_or(Error::NotFound("alert"))?;
    let xml = row.cap_xml.ok_or_else(|| ApiError::new("API-007", "a draft has no CAP message yet; submit it first"))?;
    Ok(cap_response(xml))
}

/// What a draft's CAP would be, for the author's preview before submitting: the same building
/// as submitting, with a provisional identifier and time. Once submitted, the frozen bytes.
async fn preview(State(app): State<App>, Id(id): Id) -> ApiResult<Response> {
    let row = alerts::by_id(&mut app.db.read().await.map_err(Error::from)?, id)
        .await
        .map_err(Error::from)?
        .ok_or(Error::NotFound("alert"))?;
    let xml = match row.cap_xml.clone() {
        Some(xml) => xml,
        None => cap_alerts::write(&crate::domain::alerts::build::preview_alert(&app, &row).await?).into_bytes(),
    };
    Ok(cap_response(xml))
}

fn cap_response(xml: Vec<u8>) -> Response {
    let mut resp = xml.into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/cap+xml"));
    resp
}

/// A submission, confirming what the reach check asked for.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitRequest {
    /// Reasons confirmed: `no-recipients`, `outside-territory`.
    #[serde(default)]
    pub confirm: Vec<String>,
}

async fn submit(
    State(app): State<App>,
    caller: Caller,
    Id(id): Id,
    ApiJson(req): ApiJson<SubmitRequest>,
) -> ApiResult<Response> {
    let row = lifecycle::submit(&app, &caller, id, &req.confirm).await?;
    respond(&app, &row, StatusCode::OK).await
}

/// An approval: the hash of the CAP that was shown.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApproveRequest {
    /// The `capSha256` of the alert as shown to the approver.
    pub cap_sha256: String,
    /// Issue at once after approving.
    #[serde(default)]
    pub issue: bool,
}

async fn approve(
    State(app): State<App>,
    caller: Caller,
    Id(id): Id,
    ApiJson(req): ApiJson<ApproveRequest>,
) -> ApiResult<Response> {
    let row = lifecycle::approve(&app, &caller, id, &req.cap_sha256, req.issue).await?;
    respond(&app, &row, StatusCode::OK).await
}

/// A reason.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonRequest {
    /// Why.
    #[serde(default)]
    pub reason: String,
}

async fn reject(
    State(app): State<App>,
    caller: Caller,
    Id(id): Id,
    ApiJson(req): ApiJson<ReasonRequest>,
) -> ApiResult<Response> {
    let row = lifecycle::reject(&app, &caller, id, &req.reason).await?;
    respond(&app, &row, StatusCode::OK).await
}

async fn withdraw(
    State(app): State<App>,
    caller: Caller,
    Id(id): Id,
    ApiJson(req): ApiJson<ReasonRequest>,
) -> ApiResult<Response> {
    let row = lifecycle::withdraw(&app, &caller, id, &req.reason).await?;
    respond(&app, &row, StatusCode::OK).await
}

async fn issue(State(app): State<App>, caller: Caller, Id(id): Id) -> ApiResult<Response> {
    let row = lifecycle::issue(&app, &caller, id).await?;
    respond(&app, &row, StatusCode::OK).await
}

/// An update: new content, or none to copy the original's.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateRequest {
    /// The updated content.
    pub content: Option<serde_json::Value>,
    /// Reasons confirmed, as for submitting: `no-recipients`, `outside-territory`.
    #[serde(default)]
    pub confirm: Vec<String>,
}

async fn update(
    State(app): State<App>,
    caller: Caller,
    Id(id): Id,
    ApiJson(req): ApiJson<UpdateRequest>,
) -> ApiResult<Response> {
    let row = corrections::update(&app, &caller, id, req.content, &req.confirm).await?;
    respond(&app, &row, StatusCode::CREATED).await
}

/// A correction.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    /// `cancel`, `false-alarm` or `all-clear`.
    pub kind: Correction,
    /// A note for recipients and systems.
    pub note: Option<String>,
}

async fn cancel(
    State(app): State<App>,
    caller: Caller,
    Id(id): Id,
    ApiJson(req): ApiJson<CancelRequest>,
) -> ApiResult<Response> {
    let row = corrections::cancel(&app, &caller, id, req.kind, req.note.as_deref()).await?;
    respond(&app, &row, StatusCode::CREATED).await
}
