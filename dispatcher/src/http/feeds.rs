//! `/api/v1/feeds`: subscriptions to external CAP feeds, for administrators.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::error::ApiResult;
use super::extract::{ApiJson, Id};
use super::routes::{ADMINS, ADMINS_AND_APPROVERS, APPROVERS, Access, Endpoint};
use crate::app::App;
use crate::domain::caller::Caller;
use crate::domain::feeds::{self, FeedPatch, FeedSpec, FeedView};

/// The feeds' routes.
pub fn endpoints() -> Vec<Endpoint> {
    let a = Access::Roles(ADMINS);
    vec![
        Endpoint::get(
            "/api/v1/feeds",
            Access::Roles(ADMINS_AND_APPROVERS),
            "feeds",
            "List feed subscriptions and how their polls went",
            list,
        )
        .returns::<Vec<FeedView>>(),
        Endpoint::post("/api/v1/feeds", a, "feeds", "Subscribe to a CAP feed (polled at once)", add)
            .body::<FeedSpec>()
            .returns::<FeedView>(),
        Endpoint::get("/api/v1/feeds/{id}", Access::Roles(ADMINS_AND_APPROVERS), "feeds", "A feed subscription", get)
            .returns::<FeedView>(),
        Endpoint::patch("/api/v1/feeds/{id}", a, "feeds", "Change a feed subscription (fields given only)", change)
            .body::<FeedPatch>()
            .returns::<FeedView>(),
        Endpoint::delete("/api/v1/feeds/{id}", a, "feeds", "Unsubscribe from a feed", remove),
        Endpoint::post("/api/v1/feeds/{id}/poll", a, "feeds", "Poll a feed now, due or not", poll)
            .returns::<FeedView>(),
        Endpoint::post(
            "/api/v1/feeds/{id}/confirm",
            Access::Roles(APPROVERS),
            "feeds",
            "Confirm a relaying feed as a second person (an approver who neither made nor last changed it)",
            confirm,
        )
        .body::<Confirm>()
        .returns::<FeedView>(),
    ]
}

async fn list(State(app): State<App>) -> ApiResult<Json<Vec<FeedView>>> {
    Ok(Json(feeds::list(&app).await?))
}

async fn add(
    State(app): State<App>,
    caller: Caller,
    ApiJson(spec): ApiJson<FeedSpec>,
) -> ApiResult<(StatusCode, Json<FeedView>)> {
    Ok((StatusCode::CREATED, Json(feeds::add(&app, &caller.actor, &caller.address, &spec).await?)))
}

async fn get(State(app): State<App>, Id(id): Id) -> ApiResult<Json<FeedView>> {
    Ok(Json(feeds::get(&app, id).await?))
}

async fn change(
    State(app): State<App>,
    caller: Caller,
    Id(id): Id,
    ApiJson(patch): ApiJson<FeedPatch>,
) -> ApiResult<Json<FeedView>> {
    Ok(Json(feeds::change(&app, &caller.actor, &caller.address, id, patch).await?))
}

async fn remove(State(app): State<App>, caller: Caller, Id(id): Id) -> ApiResult<StatusCode> {
    feeds::remove(&app, &caller.actor, &caller.address, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn poll(State(app): State<App>, Id(id): Id) -> ApiResult<Json<FeedView>> {
    Ok(Json(feeds::poll::poll_now(&app, id).await?))
}

/// A confirmation: the subscription as the approver saw it.
#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Confirm {
    /// The `changedMs` of the subscription the approver read: a change made since is not
    /// confirmed with it.
    pub changed_ms: i64,
}

async fn confirm(
    State(app): State<App>,
    caller: Caller,
    Id(id): Id,
    ApiJson(c): ApiJson<Confirm>,
) -> ApiResult<Json<FeedView>> {
    Ok(Json(feeds::confirm(&app, &caller, id, c.changed_ms).await?))
}
