//! Authentication and authorization for every route: the client's address, the session
//! cookie or bearer token, the CSRF token of cookie requests that change state, the roles and
//! scopes a route declares, a pending password change, and a second factor that approvers and
//! administrators must enrol first.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use super::extract::ClientAddress;
use super::routes::{Access, Meta};
use crate::app::App;
use crate::domain::caller::{Caller, Via};
use crate::domain::crypto::constant_time_eq;
use crate::domain::{sessions, tokens};

/// The session cookie's name; `__Host-` binds it to this host, over HTTPS, path `/`.
pub const SESSION_COOKIE: &str = "__Host-tocsin_session";
/// The header that carries the CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The middleware every route runs behind, with the route's declared access.
pub async fn authorize(State((app, meta)): State<(App, Meta)>, mut req: Request, next: Next) -> Response {
    let address = client_address(&app, &req);
    req.extensions_mut().insert(ClientAddress(address.clone()));
    if matches!(meta.access, Access::Public | Access::PeerSecret) {
        return next.run(req).await;
    }
    match authenticate(&app, &meta, req.method(), req.headers(), &address).await {
        Ok(caller) => {
            req.extensions_mut().insert(caller);
            next.run(req).await
        }
        Err(e) => e.into_response(),
    }
}

async fn authenticate(
    app: &App,
    meta: &Meta,
    method: &Method,
    headers: &HeaderMap,
    address: &str,
) -> Result<Caller, ApiError> {
    let caller = if let Some(token) = bearer(headers) {
        tokens::authenticate(app, token, address).await?
    } else if let Some(cookie) = cookie(headers, SESSION_COOKIE) {
        let caller = sessions::authenticate(app, &cookie, address).await?;
        if !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
            check_csrf(&caller, headers)?;
        }
        caller
    } else {
        return Err(ApiError::new(
            "API-003",
            "sign in (POST /api/v1/session) or send an API token (Authorization: Bearer …)",
        ));
    };
    if let Access::Roles(roles) = meta.access
        && !caller.has_any(roles)
    {
        let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        return Err(ApiError::new("API-004", format!("this needs the role {}", names.join(" or "))));
    }
    if matches!(meta.access, Access::Roles(_)) && !caller.in_scope(meta.scope) {
        return Err(ApiError::new("API-004", format!("this API token is not scoped for {}", meta.scope)));
    }
    if let Via::Session { must_change_password: true, .. } = caller.via
        && !meta.during_password_change
    {
        return Err(crate::domain::error::Error::PasswordChangeRequired.into());
    }
    if sessions::needs_second_factor(app, &caller) && !meta.during_password_change {
        return Err(crate::domain::error::Error::SecondFactor(
            "approvers and administrators sign in with a second factor here: enrol one (POST /api/v1/session/totp, \
             then /api/v1/session/totp/confirm with a code) before anything else"
                .into(),
        )
        .into());
    }
    Ok(caller)
}

fn check_csrf(caller: &Caller, headers: &HeaderMap) -> Result<(), ApiError> {
    let Via::Session { csrf, .. } = &caller.via else { return Ok(()) };
    let sent = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
    if constant_time_eq(sent.as_bytes(), csrf.as_bytes()) {
        Ok(())
    } else {
        Err(ApiError::new("API-005", "send the session's CSRF token in X-CSRF-Token (GET /api/v1/session gives it)"))
    }
}

/// The bearer token of a request, if it sends one.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

/// A cookie's value.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// The client's address: the peer, or the first untrusted address in `X-Forwarded-For` when
/// the peer is a trusted proxy.
fn client_address(app: &App, req: &Request) -> String {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let Some(peer) = peer else { return "unknown".into() };
    let trusted: Vec<IpAddr> = app.settings.server.trusted_proxies.iter().filter_map(|p| p.parse().ok()).collect();
    if !trusted.contains(&peer) {
        return peer.to_string();
    }
    let forwarded = req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok()).unwrap_or("");
    forwarded
        .split(',')
        .rev()
        .filter_map(|s| s.trim().parse::<IpAddr>().ok())
        .find(|ip| !trusted.contains(ip))
        .unwrap_or(peer)
        .to_string()
}
