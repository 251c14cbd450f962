//! `/api/v1/webhooks`: URLs that get every issued alert, for operators.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::error::ApiResult;
use super::extract::{ApiJson, Id};
use super::routes::{Access, Endpoint};
use crate::app::App;
use crate::domain::caller::Caller;
use crate::domain::roles::Role;
use crate::domain::webhooks::{self, WebhookView};

const OPERATORS: &[Role] = &[Role::Operator, Role::Admin];

/// The webhooks' routes.
pub fn endpoints() -> Vec<Endpoint> {
    let o = Access::Roles(OPERATORS);
    vec![
        Endpoint::get("/api/v1/webhooks", o, "webhooks", "List webhooks", list).returns::<Vec<WebhookView>>(),
        Endpoint::post("/api/v1/webhooks", o, "webhooks", "Register a webhook (its signing secret is shown once)", add)
            .body::<NewWebhook>()
            .returns::<NewWebhookView>(),
        Endpoint::delete("/api/v1/webhooks/{id}", o, "webhooks", "Stop sending to a webhook", remove),
    ]
}

async fn list(State(app): State<App>) -> ApiResult<Json<Vec<WebhookView>>> {
    Ok(Json(webhooks::list(&app).await?))
}

/// A new webhook.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// A unique name.
    pub name: String,
    /// Where to POST alerts.
    pub url: String,
    /// Also send Exercise and Test alerts (marked as such).
    #[serde(default = "yes")]
    pub exercises: bool,
}

fn yes() -> bool {
    true
}

/// A new webhook and its secret.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct NewWebhookView {
    /// The webhook.
    pub webhook: WebhookView,
    /// The HMAC-SHA256 key of its signatures, shown only now.
    pub secret: String,
}

async fn add(
    State(app): State<App>,
    caller: Caller,
    ApiJson(w): ApiJson<NewWebhook>,
) -> ApiResult<(StatusCode, Json<NewWebhookView>)> {
    let (webhook, secret) = webhooks::add(&app, &caller.actor, &caller.address, &w.name, &w.url, w.exercises).await?;
    Ok((StatusCode::CREATED, Json(NewWebhookView { webhook, secret })))
}

async fn remove(State(app): State<App>, caller: Caller, Id(id): Id) -> ApiResult<StatusCode> {
    webhooks::remove(&app, &caller.actor, &caller.address, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
