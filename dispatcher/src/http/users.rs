//! `/api/v1/users` and `/api/v1/tokens`: accounts and API tokens, for administrators.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::error::ApiResult;
use super::extract::{ApiJson, Id};
use super::routes::{ADMINS, ADMINS_AND_APPROVERS, APPROVERS, Access, Endpoint};
use crate::app::App;
use crate::domain::accounts::{self, UserChange, UserView};
use crate::domain::caller::Caller;
use crate::domain::roles::Role;
use crate::domain::tokens::{self, TokenView};

/// The users' and tokens' routes.
pub fn endpoints() -> Vec<Endpoint> {
    let a = Access::Roles(ADMINS);
    vec![
        Endpoint::get("/api/v1/users", a, "users", "List users", list).returns::<Vec<UserView>>(),
        Endpoint::post("/api/v1/users", a, "users", "Add a user (a password is generated when none is given)", add)
            .body::<NewUser>()
            .returns::<NewUserView>(),
        Endpoint::patch("/api/v1/users/{id}", a, "users", "Change roles, disable, or reset the second factor", change)
            .body::<UserChange>()
            .returns::<UserView>(),
        Endpoint::get("/api/v1/tokens", Access::Roles(ADMINS_AND_APPROVERS), "tokens", "List API tokens", list_tokens)
            .returns::<Vec<TokenView>>(),
        Endpoint::post("/api/v1/tokens", a, "tokens", "Create an API token (its value is shown once)", create_token)
            .body::<NewToken>()
            .returns::<NewTokenView>(),
        Endpoint::delete("/api/v1/tokens/{id}", a, "tokens", "Revoke an API token", revoke_token)
            .returns::<TokenView>(),
        Endpoint::post(
            "/api/v1/tokens/{id}/confirm",
            Access::Roles(APPROVERS),
            "tokens",
            "Confirm an API token as a second person (an approver who did not create it)",
            confirm_token,
        )
        .returns::<TokenView>(),
    ]
}

async fn list(State(app): State<App>) -> ApiResult<Json<Vec<UserView>>> {
    Ok(Json(accounts::list(&app).await?))
}

/// A new user.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewUser {
    /// Login name.
    pub username: String,
    /// Name shown to colleagues.
    pub display_name: String,
    /// Roles.
    pub roles: Vec<Role>,
    /// A password; without one, a password is generated and must be changed at first login.
    pub password: Option<String>,
}

/// A new user and, when generated, their one-time password.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewUserView {
    /// The user.
    pub user: UserView,
    /// The generated password, shown only now.
    pub password: Option<String>,
}

async fn add(
    State(app): State<App>,
    caller: Caller,
    ApiJson(u): ApiJson<NewUser>,
) -> ApiResult<(StatusCode, Json<NewUserView>)> {
    let (user, password) = accounts::add(
        &app,
        &caller.actor,
        &caller.address,
        &u.username,
        &u.display_name,
        &u.roles,
        u.password.as_deref(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(NewUserView { user, password })))
}

async fn change(
    State(app): State<App>,
    caller: Caller,
    Id(id): Id,
    ApiJson(c): ApiJson<UserChange>,
) -> ApiResult<Json<UserView>> {
    Ok(Json(accounts::change(&app, &caller.actor, &caller.address, id, &c).await?))
}

async fn list_tokens(State(app): State<App>) -> ApiResult<Json<Vec<TokenView>>> {
    Ok(Json(tokens::list(&app).await?))
}

/// A new API token.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewToken {
    /// A unique name (the integration).
    pub name: String,
    /// Its one role.
    pub role: Role,
    /// What it may use: alerts, cap, templates, areas, users, tokens, audit, metrics, or *.
    pub scopes: Vec<String>,
    /// Days until it stops working.
    pub expires_days: Option<u32>,
}

/// A new token with its value.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct NewTokenView {
    /// The token.
    pub token: TokenView,
    /// Its value, shown only now.
    pub value: String,
}

async fn create_token(
    State(app): State<App>,
    caller: Caller,
    ApiJson(t): ApiJson<NewToken>,
) -> ApiResult<(StatusCode, Json<NewTokenView>)> {
    let (token, value) =
        tokens::create(&app, &caller.actor, &caller.address, &t.name, t.role, &t.scopes, t.expires_days).await?;
    Ok((StatusCode::CREATED, Json(NewTokenView { token, value })))
}

async fn confirm_token(State(app): State<App>, caller: Caller, Id(id): Id) -> ApiResult<Json<TokenView>> {
    Ok(Json(tokens::confirm(&app, &caller, id).await?))
}

async fn revoke_token(State(app): State<App>, caller: Caller, Id(id): Id) -> ApiResult<Json<TokenView>> {
    Ok(Json(tokens::revoke(&app, &caller.actor, &caller.address, &id.to_string()).await?))
}
