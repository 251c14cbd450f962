//! `/api/v1/session`: signing in and out, one's own password and second factor.

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::auth::SESSION_COOKIE;
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ClientAddress};
use super::routes::{Access, Endpoint};
use crate::app::App;
use crate::domain::caller::{Caller, Via};
use crate::domain::roles::Role;
use crate::domain::{accounts, sessions};

/// The cookie that marks a browser that signed in to an account before.
pub const DEVICE_COOKIE: &str = "tocsin_device";

/// The session's routes.
pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::post(
            "/api/v1/session",
            Access::Public,
            "session",
            "Sign in with a password (and a TOTP code when enrolled)",
            login,
        )
        .body::<LoginRequest>()
        .returns::<SessionView>(),
        Endpoint::get("/api/v1/session", Access::Signed, "session", "Who is signed in, with the CSRF token", whoami)
            .returns::<SessionView>()
            .during_password_change(),
        Endpoint::delete("/api/v1/session", Access::Signed, "session", "Sign out", logout).during_password_change(),
        Endpoint::post("/api/v1/session/password", Access::Signed, "session", "Change one's own password", password)
            .body::<PasswordRequest>()
            .during_password_change(),
        Endpoint::post(
            "/api/v1/session/totp",
            Access::Signed,
            "session",
            "Start enrolling a TOTP second factor",
            totp_begin,
        )
        .returns::<TotpEnrolment>()
        .during_password_change(),
        Endpoint::post(
            "/api/v1/session/totp/confirm",
            Access::Signed,
            "session",
            "Confirm the TOTP second factor with a code (the session counts as signed in with it)",
            totp_confirm,
        )
        .body::<TotpCode>()
        .during_password_change(),
    ]
}

/// A login.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LoginRequest {
    /// Login name.
    pub username: String,
    /// Password.
    pub password: String,
    /// The current code of the authenticator app, when a second factor is enrolled.
    pub totp: Option<String>,
}

/// Who is signed in.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    /// `user:NAME` or `token:NAME`.
    pub actor: String,
    /// The user's id.
    pub user_id: Option<i64>,
    /// Roles.
    pub roles: Vec<Role>,
    /// The token that state-changing requests must send in `X-CSRF-Token`.
    pub csrf_token: Option<String>,
    /// Whether a TOTP code was given at login.
    pub second_factor: bool,
    /// Whether the password must be changed before anything else.
    pub must_change_password: bool,
    /// Whether a second factor must be enrolled before anything else (an approver or
    /// administrator signed in without one where `security.require_second_factor` is on).
    pub second_factor_required: bool,
    /// When the session ends however active it is (Unix milliseconds); none for a token.
    pub expires_at_ms: Option<i64>,
    /// A session with no request for this many seconds ends; none for a token.
    pub idle_seconds: Option<u32>,
}

fn view(app: &App, caller: &Caller) -> SessionView {
    let (csrf_token, second_factor, must_change_password, expires_at_ms) = match &caller.via {
        Via::Session { csrf, second_factor, must_change_password, expires_ms, .. } => {
            (Some(csrf.clone()), *second_factor, *must_change_password, Some(*expires_ms))
        }
        Via::Token { .. } => (None, false, false, None),
    };
    let idle_seconds = expires_at_ms.map(|_| app.settings.security.session_idle_minutes.saturating_mul(60));
    SessionView {
        actor: caller.actor.label(),
        user_id: caller.user_id(),
        roles: caller.roles.clone(),
        csrf_token,
        second_factor,
        must_change_password,
        second_factor_required: crate::domain::sessions::needs_second_factor(app, caller),
        expires_at_ms,
        idle_seconds,
    }
}

async fn login(
    app: axum::extract::State<App>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<Response> {
    if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return Err(ApiError::new("API-005", "signing in from another site is not allowed"));
    }
    let device = super::auth::cookie(&headers, DEVICE_COOKIE);
    let l =
        sessions::login(&app, &req.username, &req.password, req.totp.as_deref(), &address, device.as_deref()).await?;
    let max_age = i64::from(app.settings.security.session_absolute_hours) * 3600;
    let cookie = format!("{SESSION_COOKIE}={}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age={max_age}", l.cookie);
    // The known-device cookie outlives sessions (a year): it lets this browser sign in while
    // someone else's guesses have the account limited.
    let known = format!(
        "{DEVICE_COOKIE}={}; Path=/api/v1/session; Secure; HttpOnly; SameSite=Strict; Max-Age=31536000",
        l.device
    );
    let mut resp = (StatusCode::OK, Json(view(&app, &l.caller))).into_response();
    for c in [cookie, known] {
        if let Ok(v) = HeaderValue::from_str(&c) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    Ok(resp)
}

async fn whoami(app: axum::extract::State<App>, caller: Caller) -> Json<SessionView> {
    Json(view(&app, &caller))
}

async fn logout(app: axum::extract::State<App>, caller: Caller) -> ApiResult<Response> {
    sessions::logout(&app, &caller).await?;
    let mut resp = StatusCode::NO_CONTENT.into_response();
    let clear = format!("{SESSION_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0");
    if let Ok(v) = HeaderValue::from_str(&clear) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(resp)
}

/// A password change.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PasswordRequest {
    /// The password now.
    pub current_password: String,
    /// The new one (at least 12 characters).
    pub new_password: String,
}

async fn password(
    app: axum::extract::State<App>,
    caller: Caller,
    ApiJson(req): ApiJson<PasswordRequest>,
) -> ApiResult<StatusCode> {
    accounts::change_password(&app, &caller, &req.current_password, &req.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A TOTP secret to enter into an authenticator app.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TotpEnrolment {
    /// The secret in base32.
    pub secret: String,
    /// An `otpauth://` URI for a QR code.
    pub otpauth_uri: String,
}

async fn totp_begin(app: axum::extract::State<App>, caller: Caller) -> ApiResult<Json<TotpEnrolment>> {
    let (secret, otpauth_uri) = accounts::totp_begin(&app, &caller.actor).await?;
    Ok(Json(TotpEnrolment { secret, otpauth_uri }))
}

/// A TOTP code.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpCode {
    /// Six digits from the authenticator app.
    pub code: String,
}

async fn totp_confirm(
    app: axum::extract::State<App>,
    caller: Caller,
    ApiJson(req): ApiJson<TotpCode>,
) -> ApiResult<StatusCode> {
    let session = match &caller.via {
        Via::Session { id_hash, .. } => Some(id_hash.as_str()),
        Via::Token { .. } => None,
    };
    accounts::totp_confirm(&app, &caller.actor, &caller.address, &req.code, session).await?;
    Ok(StatusCode::NO_CONTENT)
}
