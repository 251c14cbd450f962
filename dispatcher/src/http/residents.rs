//! `/api/v1/residents/subscriptions`: residents sign up for SMS, email or Web Push, confirm
//! their code, and read, change and delete their own subscription with its management token
//! (a bearer token the handlers check themselves; a wrong one answers 404).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;

use super::auth::bearer;
use super::error::ApiResult;
use super::extract::{ApiJson, ClientAddress, Id};
use super::routes::{Access, Endpoint};
use crate::app::App;
use crate::domain::residents::{self, Choices, Created, Origin, OwnView, SignUp, Verification, VerifyResult};

const SCOPE: &str = "residents";

/// The residents' routes.
pub fn endpoints() -> Vec<Endpoint> {
    let one = "/api/v1/residents/subscriptions/{id}";
    vec![
        Endpoint::post(
            "/api/v1/residents/subscriptions",
            Access::Public,
            SCOPE,
            "Sign up for warnings by Web Push, SMS or email (SMS and email get a code to confirm)",
            sign_up,
        )
        .body::<SignUp>()
        .returns::<Created>(),
        Endpoint::post(
            "/api/v1/residents/subscriptions/{id}/verify",
            Access::Public,
            SCOPE,
            "Confirm the code sent by SMS or email (Authorization: Bearer the subscription's token)",
            verify,
        )
        .body::<CodeBody>()
        .returns::<VerifyResult>(),
        Endpoint::post(
            "/api/v1/residents/subscriptions/{id}/resend",
            Access::Public,
            SCOPE,
            "Send another code (bearer token; rate limited)",
            resend,
        )
        .returns::<Verification>(),
        Endpoint::get(one, Access::Public, SCOPE, "A resident's own subscription and what is held about it", get)
            .returns::<OwnView>(),
        Endpoint::put(one, Access::Public, SCOPE, "Change places, languages and what is wanted (bearer token)", put)
            .body::<Choices>()
            .returns::<OwnView>(),
        Endpoint::delete(
            one,
            Access::Public,
            SCOPE,
            "Delete a subscription and its personal data (bearer token)",
            delete,
        ),
    ]
}

/// A code to confirm.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeBody {
    /// The 6 digits sent by SMS or email.
    pub code: String,
}

async fn sign_up(
    State(app): State<App>,
    ClientAddress(ip): ClientAddress,
    ApiJson(body): ApiJson<SignUp>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    crate::domain::outbound::check_sign_up(&app, &body).await?;
    let created = residents::sign_up(&app, &Origin { address: &ip }, body).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

async fn verify(
    State(app): State<App>,
    Id(id): Id,
    headers: HeaderMap,
    ApiJson(body): ApiJson<CodeBody>,
) -> ApiResult<Json<VerifyResult>> {
    Ok(Json(residents::verify(&app, id, bearer(&headers), &body.code).await?))
}

async fn resend(
    State(app): State<App>,
    Id(id): Id,
    ClientAddress(ip): ClientAddress,
    headers: HeaderMap,
) -> ApiResult<(StatusCode, Json<Verification>)> {
    let v = residents::resend(&app, &Origin { address: &ip }, id, bearer(&headers)).await?;
    Ok((StatusCode::ACCEPTED, Json(v)))
}

async fn get(State(app): State<App>, Id(id): Id, headers: HeaderMap) -> ApiResult<Json<OwnView>> {
    Ok(Json(residents::get(&app, id, bearer(&headers)).await?))
}

async fn put(
    State(app): State<App>,
    Id(id): Id,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Choices>,
) -> ApiResult<Json<OwnView>> {
    Ok(Json(residents::update(&app, id, bearer(&headers), &body).await?))
}

async fn delete(State(app): State<App>, Id(id): Id, headers: HeaderMap) -> ApiResult<StatusCode> {
    residents::delete(&app, id, bearer(&headers)).await?;
    Ok(StatusCode::NO_CONTENT)
}
