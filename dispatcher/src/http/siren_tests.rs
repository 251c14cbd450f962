//! `/api/v1/siren-tests`: scheduled siren tests. Operators write schedules, an approver who did
//! not write one approves it (or resumes or runs it now), and anyone who watches devices reads
//! the runs and the report of which sirens answered.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

use super::error::ApiResult;
use super::extract::{ApiJson, Id};
use super::routes::{APPROVERS, Access, Endpoint};
use crate::app::App;
use crate::domain::caller::Caller;
use crate::domain::roles::Role;
use crate::domain::siren_tests::{self, Report, RunView, ScheduleRequest, ScheduleView};

/// Who writes, changes, pauses and deletes schedules.
const WRITERS: &[Role] = &[Role::Operator, Role::Admin];
/// Who may read schedules and reports.
const READERS: &[Role] = &[Role::Operator, Role::Approver, Role::Auditor, Role::Admin];
/// Who may pause or delete (stopping is always safe).
const STOPPERS: &[Role] = &[Role::Operator, Role::Approver, Role::Admin];

/// The routes.
pub fn endpoints() -> Vec<Endpoint> {
    let (r, w) = (Access::Roles(READERS), Access::Roles(WRITERS));
    let s = "devices";
    vec![
        Endpoint::get("/api/v1/siren-tests", r, s, "List the siren test schedules", list)
            .returns::<Vec<ScheduleView>>(),
        Endpoint::post("/api/v1/siren-tests", w, s, "Write a siren test schedule (it waits for approval)", create)
            .body::<ScheduleRequest>()
            .returns::<ScheduleView>(),
        Endpoint::get("/api/v1/siren-tests/{id}", r, s, "One schedule", get).returns::<ScheduleView>(),
        Endpoint::put("/api/v1/siren-tests/{id}", w, s, "Change a schedule (it waits for approval again)", update)
            .body::<ScheduleRequest>()
            .returns::<ScheduleView>(),
        Endpoint::post(
            "/api/v1/siren-tests/{id}/approve",
            Access::Roles(APPROVERS),
            s,
            "Approve a schedule (not its author)",
            approve,
        )
        .body::<Version>()
        .returns::<ScheduleView>(),
        Endpoint::post("/api/v1/siren-tests/{id}/pause", Access::Roles(STOPPERS), s, "Pause a schedule", pause)
            .returns::<ScheduleView>(),
        Endpoint::post(
            "/api/v1/siren-tests/{id}/resume",
            Access::Roles(APPROVERS),
            s,
            "Resume a paused schedule (not its author)",
            resume,
        )
        .returns::<ScheduleView>(),
        Endpoint::post(
            "/api/v1/siren-tests/{id}/run",
            Access::Roles(APPROVERS),
            s,
            "Run an active schedule now (not its author)",
            run_now,
        )
        .returns::<Report>(),
        Endpoint::delete("/api/v1/siren-tests/{id}", Access::Roles(STOPPERS), s, "Delete a schedule", delete),
        Endpoint::get("/api/v1/siren-tests/{id}/runs", r, s, "A schedule's runs, newest first", runs)
            .returns::<Vec<RunView>>(),
        Endpoint::get("/api/v1/siren-tests/runs/{id}", r, s, "A run's report: which sirens answered, and how", report)
            .returns::<Report>(),
    ]
}

/// The version of a schedule that was seen.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Version {
    /// The schedule's version, as read.
    pub version: i32,
}

async fn list(State(app): State<App>) -> ApiResult<Json<Vec<ScheduleView>>> {
    Ok(Json(siren_tests::list(&app).await?))
}

async fn get(State(app): State<App>, Id(id): Id) -> ApiResult<Json<ScheduleView>> {
    Ok(Json(siren_tests::get(&app, id).await?))
}

async fn create(
    State(app): State<App>,
    caller: Caller,
    ApiJson(req): ApiJson<ScheduleRequest>,
) -> ApiResult<(StatusCode, Json<ScheduleView>)> {
    Ok((StatusCode::CREATED, Json(siren_tests::create(&app, &caller, &req).await?)))
}

async fn update(
    State(app): State<App>,
    caller: Caller,
    Id(id): Id,
    ApiJson(req): ApiJson<ScheduleRequest>,
) -> ApiResult<Json<ScheduleView>> {
    Ok(Json(siren_tests::update(&app, &caller, id, &req).await?))
}

async fn approve(
    State(app): State<App>,
    caller: Caller,
    Id(id): Id,
    ApiJson(v): ApiJson<Version>,
) -> ApiResult<Json<ScheduleView>> {
    Ok(Json(siren_tests::approve(&app, &caller, id, v.version).await?))
}

async fn pause(State(app): State<App>, caller: Caller, Id(id): Id) -> ApiResult<Json<ScheduleView>> {
    Ok(Json(siren_tests::set_state(&app, &caller, id, "pause").await?))
}

async fn resume(State(app): State<App>, caller: Caller, Id(id): Id) -> ApiResult<Json<ScheduleView>> {
    Ok(Json(siren_tests::set_state(&app, &caller, id, "resume").await?))
}

async fn delete(State(app): State<App>, caller: Caller, Id(id): Id) -> ApiResult<StatusCode> {
    siren_tests::set_state(&app, &caller, id, "delete").await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn run_now(State(app): State<App>, caller: Caller, Id(id): Id) -> ApiResult<(StatusCode, Json<Report>)> {
    let run = siren_tests::run_now(&app, &caller, id).await?;
    Ok((StatusCode::CREATED, Json(siren_tests::report(&app, run).await?)))
}

async fn runs(State(app): State<App>, Id(id): Id) -> ApiResult<Json<Vec<RunView>>> {
    Ok(Json(siren_tests::runs(&app, id).await?))
}

async fn report(State(app): State<App>, Id(id): Id) -> ApiResult<Json<Report>> {
    Ok(Json(siren_tests::report(&app, id).await?))
}
