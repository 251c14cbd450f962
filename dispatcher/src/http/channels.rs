//! Channel endpoints: the VAPID public key browsers subscribe with, each channel's health for
//! operators, the HTTP SMS gateway's status callbacks, and residents' one-click unsubscribe.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::error::{ApiError, ApiResult};
use super::extract::{ApiQuery, LimitedBody};
use super::routes::{Access, Endpoint, MONITORS};
use crate::app::App;
use crate::db::deliveries;
use crate::domain::crypto::constant_time_eq;
use crate::domain::error::Error;
use crate::domain::{push, subscriptions};

/// The channel routes.
pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get(
            "/api/v1/push/vapid-public-key",
            Access::Public,
            "push",
            "The VAPID public key to subscribe to Web Push with (applicationServerKey)",
            vapid_public_key,
        )
        .returns::<VapidPublicKey>(),
        Endpoint::get("/api/v1/channels", Access::Roles(MONITORS), "channels", "Each channel's health and queue", list)
            .returns::<Vec<ChannelView>>(),
        Endpoint::post(
            "/api/v1/sms/status",
            Access::PeerSecret,
            "sms",
            "Status callbacks of the HTTP SMS gateway (bearer token from channels.sms.http.callback_token)",
            sms_status,
        )
        .body_media("application/json"),
        Endpoint::get(
            "/api/v1/unsubscribe",
            Access::Public,
            "residents",
            "The page of an unsubscribe link (asks to confirm)",
            unsubscribe_page,
        ),
        Endpoint::post(
            "/api/v1/unsubscribe",
            Access::Public,
            "residents",
            "Unsubscribes at once (RFC 8058 one-click, or the page's button)",
            unsubscribe,
        )
        .body_media("application/x-www-form-urlencoded"),
    ]
}

/// The VAPID public key.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct VapidPublicKey {
    /// Base64url, the uncompressed P-256 point: pass it to `pushManager.subscribe`.
    pub public_key: String,
}

async fn vapid_public_key(State(app): State<App>) -> ApiResult<Json<VapidPublicKey>> {
    Ok(Json(VapidPublicKey { public_key: push::vapid_public_key(&app).await? }))
}

/// A channel as operators see it.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChannelView {
    /// `webhook`, `push`, `sms`, `email`.
    pub name: String,
    /// `up`, `degraded` or `down`.
    pub state: String,
    /// Why, in a few words.
    pub detail: String,
    /// Deliveries waiting to be sent (on every instance).
    pub queued: i64,
    /// Messages in flight at once on this instance.
    pub concurrency: u32,
    /// Messages a second at most on this instance (0: no limit).
    pub rate_per_second: f64,
}

async fn list(State(app): State<App>) -> ApiResult<Json<Vec<ChannelView>>> {
    let depth = deliveries::queue_depth(&mut app.db.read().await.map_err(Error::from)?).await.map_err(Error::from)?;
    let mut views: Vec<ChannelView> = app
        .channels
        .running()
        .into_iter()
        .map(|(c, s)| {
            let h = c.health();
            ChannelView {
                name: c.name().to_owned(),
                state: h.state.as_str().to_owned(),
                detail: h.detail,
                queued: depth.iter().filter(|d| d.channel == c.name()).map(|d| d.n).sum(),
                concurrency: s.concurrency,
                rate_per_second: s.rate_per_second,
            }
        })
        .collect();
    if let Some(m) = app.channels.mqtt() {
        let h = m.health();
        views.push(ChannelView {
            name: "mqtt".into(),
            state: h.state.as_str().to_owned(),
            detail: h.detail,
            queued: 0,
            concurrency: 0,
            rate_per_second: 0.0,
        });
    }
    Ok(Json(views))
}

async fn sms_status(
    State(app): State<App>,
    headers: HeaderMap,
    LimitedBody(body): LimitedBody,
) -> ApiResult<StatusCode> {
    let token = app.settings.channels.sms.http.callback_token.expose();
    let sent = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if token.is_empty() || !constant_time_eq(sent.as_bytes(), token.as_bytes()) {
        return Err(ApiError::new(
            "API-003",
            "send the callback token of channels.sms.http.callback_token as a bearer token",
        ));
    }
    let gateway = app
        .channels
        .sms_gateway()
        .ok_or_else(|| ApiError::new("API-006", "SMS does not go over an HTTP gateway on this instance"))?;
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let value: serde_json::Value = if form {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
            .map_err(|e| Error::invalid("", format!("the body is not a form: {e}")))?;
        serde_json::Value::Object(pairs.into_iter().map(|(k, v)| (k, serde_json::Value::String(v))).collect())
    } else {
        super::extract::parse_json(&body)?
    };
    if let Some(event) = gateway.status_event(&value) {
        crate::fanout::events::handle(&app, &event).await.map_err(Error::Internal)?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The unsubscribe link's query.
#[derive(Debug, Deserialize)]
pub struct UnsubscribeQuery {
    /// The subscription.
    pub s: i64,
    /// Its token.
    pub t: String,
}

const PAGE_STYLE: &str = "body{font:1.1rem/1.5 system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;\
color:#111;background:#fff}button{font:inherit;padding:.6rem 1.2rem;border:2px solid #111;background:#fff;color:#111;\
cursor:pointer}button:focus{outline:3px solid #1a5fb4;outline-offset:2px}";

async fn unsubscribe_page(ApiQuery(q): ApiQuery<UnsubscribeQuery>) -> Html<String> {
    // A GET never unsubscribes: mail scanners follow links. The button posts the same link.
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width,initial-scale=1\"><title>Unsubscribe from warnings</title><style>{PAGE_STYLE}</style>\
         </head><body><main><h1>Stop warnings to this address?</h1><p>You will no longer get public warnings here. \
         You can subscribe again at any time.</p><form method=\"post\" action=\"/api/v1/unsubscribe?s={}&amp;t={}\">\
         <button type=\"submit\">Unsubscribe</button></form></main></body></html>",
        q.s,
        html_escape(&q.t)
    ))
}

async fn unsubscribe(State(app): State<App>, ApiQuery(q): ApiQuery<UnsubscribeQuery>) -> ApiResult<Response> {
    subscriptions::unsubscribe_by_link(&app, q.s, &q.t).await?;
    Ok(Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width,initial-scale=1\"><title>Unsubscribed</title><style>{PAGE_STYLE}</style></head>\
         <body><main><h1>Unsubscribed</h1><p>This address gets no more warnings.</p></main></body></html>"
    ))
    .into_response())
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
