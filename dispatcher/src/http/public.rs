//! `/api/v1/public/*`: what the residents' app reads without an account: active public alerts,
//! one alert (also once it is over), the named areas' outlines, and the app's configuration.
//! Answers carry ETags, so a phone that polls pays for a 304 when nothing changed.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Serialize;

use super::error::ApiResult;
use super::etag;
use super::extract::Id;
use super::routes::{Access, Endpoint};
use crate::app::App;
use crate::db::now_ms;
use crate::domain::error::Error;
use crate::domain::public::{self, PublicAlert, PublicNamedArea};
use crate::domain::push;

/// The public routes.
pub fn endpoints() -> Vec<Endpoint> {
    let p = Access::Public;
    vec![
        Endpoint::get("/api/v1/public/alerts", p, "public", "Active public alerts, most severe first", alerts)
            .returns::<Vec<PublicAlert>>()
            .compressed(),
        Endpoint::get("/api/v1/public/alerts/{id}", p, "public", "One published public alert, also once over", alert)
            .returns::<PublicAlert>()
            .compressed(),
        Endpoint::get("/api/v1/public/areas", p, "public", "The named areas' outlines", areas)
            .returns::<Vec<PublicNamedArea>>()
            .compressed(),
        Endpoint::get("/api/v1/public/config", p, "public", "What the residents' app needs to start", config)
            .returns::<PublicConfig>(),
    ]
}

async fn alerts(State(app): State<App>, headers: HeaderMap) -> ApiResult<Response> {
    let mut db = app.db.read().await.map_err(Error::from)?;
    let list = public::active(&mut db, now_ms(), app.settings.feed.include_exercises).await?;
    Ok(etag::json(&headers, &list)?)
}

async fn alert(State(app): State<App>, Id(id): Id, headers: HeaderMap) -> ApiResult<Response> {
    let mut db = app.db.read().await.map_err(Error::from)?;
    let one = public::one(&mut db, id, now_ms()).await?;
    Ok(etag::json(&headers, &one)?)
}

async fn areas(State(app): State<App>, headers: HeaderMap) -> ApiResult<Response> {
    let list = public::named_areas(&mut app.db.read().await.map_err(Error::from)?).await?;
    Ok(etag::json(&headers, &list)?)
}

/// The app's configuration.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PublicConfig {
    /// The title residents see.
    pub name: String,
    /// The instance's public URL.
    pub public_url: String,
    /// The VAPID public key (base64url), or null when Web Push is off.
    pub vapid_public_key: Option<String>,
    /// The tile URL template (`{z}`, `{x}`, `{y}`), or null: outlines only.
    pub tile_url: Option<String>,
    /// The tile server's attribution.
    pub tile_attribution: String,
    /// Which channels residents can sign up for.
    pub channels: SignUpChannels,
}

/// The channels a resident can sign up for.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct SignUpChannels {
    pub push: bool,
    pub sms: bool,
    pub email: bool,
}

async fn config(State(app): State<App>, headers: HeaderMap) -> ApiResult<Response> {
    let s = &app.settings;
    let c = &s.channels;
    let vapid_public_key = if c.push.enabled { Some(push::vapid_public_key(&app).await?) } else { None };
    let body = PublicConfig {
        name: s.pwa.name.clone(),
        public_url: s.server.public_url.trim_end_matches('/').to_owned(),
        vapid_public_key,
        tile_url: (!s.pwa.tile_url.is_empty()).then(|| s.pwa.tile_url.clone()),
        tile_attribution: s.pwa.tile_attribution.clone(),
        channels: SignUpChannels { push: c.push.enabled, sms: c.sms.enabled, email: c.email.enabled },
    };
    Ok(etag::json(&headers, &body)?)
}
