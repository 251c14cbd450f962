//! Browser sessions: login with rate limits and an optional TOTP code, validation against the
//! idle and absolute limits, logout.

use serde_json::json;

use super::accounts::user_totp_secret;
use super::audit::{self, Actor, Event};
use super::caller::{Caller, Via};
use super::crypto::{random_token, sha256_hex};
use super::error::{Error, Result};
use super::network::Network;
use super::roles::{Role, parse_roles};
use super::{password, totp};
use crate::app::App;
use crate::db::{login_failures, now_ms, sessions, users};
use crate::metrics::Metrics;

/// A successful login: the cookie value to set and the session's CSRF token.
#[derive(Debug)]
pub struct Login {
    /// The value of the session cookie (only its hash is stored).
    pub cookie: String,
    /// The token state-changing requests must echo in `X-CSRF-Token`.
    pub csrf: String,
    /// The caller this session stands for.
    pub caller: Caller,
    /// The known-device cookie to set (see [`login`]).
    pub device: String,
}

const FAILED: &str = "invalid username or password";

/// The context of the known-device cookie's sealed user id.
const DEVICE_CONTEXT: &str = "known-device";

/// Whether `cookie` is a known-device cookie this instance gave to `user_id` at a successful
/// sign-in (sealed with the instance key, so it cannot be forged).
fn known_device(app: &App, cookie: Option<&str>, user_id: i64) -> bool {
    cookie.and_then(|c| app.key.decrypt(c, DEVICE_CONTEXT).ok()).is_some_and(|id| id == user_id.to_string().as_bytes())
}

/// Signs a user in.
///
/// Attempts are limited per account and per network within `security.login_window_minutes`,
/// and the limit is kept under parallel requests: each attempt is counted and recorded in one
/// serialized step before the password is checked, and forgotten only when it succeeds.
/// A browser that signed in to the account before (its known-device cookie, `device`) is
/// counted on its own instead, so that someone guessing an approver's password from elsewhere
/// cannot lock the approver out; an administrator can also unlock an account.
pub async fn login(
    app: &App,
    username: &str,
    pw: &str,
    code: Option<&str>,
    address: &str,
    device: Option<&str>,
) -> Result<Login> {
    let sec = &app.settings.security;
    let window_ms = i64::from(sec.login_window_minutes) * 60_000;
    let name: String = username.to_ascii_lowercase().chars().take(128).collect();
    let mut conn = app.db.read().await?;
    let user = users::by_name(&mut conn, &name).await?;
    drop(conn);
    let known = user.as_ref().is_some_and(|u| known_device(app, device, u.id));
    let keys: Vec<(String, u32)> = if known {
        let d = sha256_hex(device.unwrap_or_default().as_bytes());
        vec![(format!("device:{}", &d[..32]), sec.login_limit_per_account)]
    } else {
        vec![
            (format!("user:{name}"), sec.login_limit_per_account),
            (format!("address:{}", Network::of(address)), sec.login_limit_per_address),
        ]
    };
    let key_refs: Vec<&str> = keys.iter().map(|(k, _)| k.as_str()).collect();
    // Count and record this attempt in one serialized step, before any check.
    let at = now_ms();
    let mut tx = app.db.begin().await?;
    login_failures::lock(&mut tx, &key_refs).await?;
    for (key, limit) in &keys {
        let (n, oldest) = login_failures::count_since(&mut tx, key, at - window_ms).await?;
        if n >= i64::from(*limit) {
            drop(tx);
            Metrics::count(&app.metrics.logins, "limited");
            let retry_after_s = oldest.map_or(60, |o| ((o + window_ms - at) / 1000).max(1) as u64);
            return Err(Error::LoginLimited { retry_after_s });
        }
    }
    login_failures::record(&mut tx, &key_refs, at).await?;
    tx.commit().await?;

    // Password hashing runs on a blocking thread, outside any transaction.
    let verified = match &user {
        Some(u) => password::verify_off_thread(pw, &u.password_hash).await && !u.disabled,
        None => {
            password::verify_decoy_off_thread(pw).await;
            false
        }
    };
    let user = match (verified, user) {
        (true, Some(u)) => u,
        _ => return fail(app, &name, address, "password").await,
    };
    let step = match (user.totp_enabled, code) {
        (false, _) => None,
        (true, None) => {
            forget_attempt(app, &key_refs, at).await?;
            return Err(Error::SecondFactor("this account needs the code from its authenticator app (totp)".into()));
        }
        (true, Some(c)) => {
            let secret = user_totp_secret(app, &user)?.unwrap_or_default();
            match totp::check_step(&secret, c) {
                Some(step) => Some(step),
                None => return fail(app, &name, address, "totp").await,
            }
        }
    };
    let second_factor = step.is_some();
    let mut tx = app.db.begin().await?;
    if let Some(step) = step
        && !users::take_totp_step(&mut tx, user.id, step as i64).await?
    {
        drop(tx);
        return fail(app, &name, address, "totp replayed").await;
    }
    login_failures::forget(&mut tx, &key_refs, at).await?;
    login_failures::clear(&mut tx, &keys[0].0).await?;
    let cookie = random_token();
    let csrf = random_token();
    let id_hash = sha256_hex(cookie.as_bytes());
    let expires = now_ms() + i64::from(sec.session_absolute_hours) * 3_600_000;
    sessions::insert(&mut tx, &id_hash, user.id, &csrf, second_factor, expires, address).await?;
    let actor = Actor::User { id: user.id, username: user.username.clone() };
    let event = Event::new(&actor, address, "session.login", format!("user:{}", user.username))
        .details(json!({ "secondFactor": second_factor, "knownDevice": known }));
    audit::record(&mut tx, event).await?;
    tx.commit().await?;
    Metrics::count(&app.metrics.logins, "ok");
    let via = Via::Session {
        id_hash,
        csrf: csrf.clone(),
        second_factor,
        must_change_password: user.must_change_password,
        expires_ms: expires,
    };
    let caller =
        Caller { actor, roles: parse_roles(&user.roles).unwrap_or_default(), address: address.to_owned(), via };
    let device = app.key.encrypt(user.id.to_string().as_bytes(), DEVICE_CONTEXT);
    Ok(Login { cookie, csrf, caller, device })
}

/// Forgets a reserved attempt that was not a guess (a password right, the code still to come).
async fn forget_attempt(app: &App, keys: &[&str], at: i64) -> Result<()> {
    let mut tx = app.db.begin().await?;
    login_failures::forget(&mut tx, keys, at).await?;
    tx.commit().await?;
    Ok(())
}

/// A failed attempt (already counted): audited, and answered without saying which part failed.
async fn fail<T>(app: &App, name: &str, address: &str, what: &str) -> Result<T> {
    let mut tx = app.db.begin().await?;
    let event = Event::new(&Actor::System, address, "session.login_failed", format!("user:{name}"))
        .details(json!({ "failed": what }));
    audit::record(&mut tx, event).await?;
    tx.commit().await?;
    Metrics::count(&app.metrics.logins, "failed");
    Err(Error::Unauthenticated(FAILED.into()))
}

/// The caller behind a session cookie, if the session is valid; an expired session is removed.
pub async fn authenticate(app: &App, cookie: &str, address: &str) -> Result<Caller> {
    let id_hash = sha256_hex(cookie.as_bytes());
    let idle_ms = i64::from(app.settings.security.session_idle_minutes) * 60_000;
    let now = now_ms();
    let mut conn = app.db.read().await?;
    let session =
        sessions::get(&mut conn, &id_hash).await?.ok_or_else(|| Error::Unauthenticated("not signed in".into()))?;
    drop(conn);
    if session.expires_ms < now || session.last_seen_ms + idle_ms < now {
        let mut tx = app.db.begin().await?;
        sessions::delete(&mut tx, &id_hash).await?;
        tx.commit().await?;
        return Err(Error::Unauthenticated("the session has expired; sign in again".into()));
    }
    let user = users::by_id(&mut app.db.read().await?, session.user_id).await?;
    let user = user.filter(|u| !u.disabled).ok_or_else(|| Error::Unauthenticated("the account is disabled".into()))?;
    if now - session.last_seen_ms > 15_000 {
        let mut tx = app.db.begin().await?;
        sessions::touch(&mut tx, &id_hash, now).await?;
        tx.commit().await?;
    }
    let via = Via::Session {
        id_hash,
        csrf: session.csrf_token,
        second_factor: session.second_factor,
        must_change_password: user.must_change_password,
        expires_ms: session.expires_ms,
    };
    Ok(Caller {
        actor: Actor::User { id: user.id, username: user.username },
        roles: parse_roles(&user.roles).unwrap_or_default(),
        address: address.to_owned(),
        via,
    })
}

/// Whether a caller authenticated earlier may still act: its session exists and has not expired
/// (idle or absolute), or its token is neither revoked nor expired; the user is not disabled.
/// For long answers (a delivery stream) that must end when the caller's right to them does.
/// Reads only: watching does not keep a session alive.
pub async fn still_valid(app: &App, caller: &Caller) -> Result<bool> {
    let now = now_ms();
    let mut conn = app.db.read().await?;
    let alive = match (&caller.via, &caller.actor) {
        (Via::Session { id_hash, .. }, _) => {
            let idle_ms = i64::from(app.settings.security.session_idle_minutes) * 60_000;
            sessions::get(&mut conn, id_hash)
                .await?
                .is_some_and(|s| s.expires_ms >= now && s.last_seen_ms + idle_ms >= now)
        }
        (Via::Token { .. }, Actor::Token { id, .. }) => crate::db::tokens::by_id(&mut conn, *id)
            .await?
            .is_some_and(|t| t.revoked_ms.is_none() && t.expires_ms.is_none_or(|e| e >= now)),
        _ => false,
    };
    let user_ok = match caller.user_id() {
        Some(u) => users::by_id(&mut conn, u).await?.is_some_and(|u| !u.disabled),
        None => true,
    };
    Ok(alive && user_ok)
}

/// Ends the caller's session.
pub async fn logout(app: &App, caller: &Caller) -> Result<()> {
    let Via::Session { id_hash, .. } = &caller.via else {
        return Err(Error::Conflict("tokens have no session to end".into()));
    };
    let mut tx = app.db.begin().await?;
    sessions::delete(&mut tx, id_hash).await?;
    let event = Event::new(&caller.actor, &caller.address, "session.logout", caller.actor.label());
    audit::record(&mut tx, event).await?;
    tx.commit().await?;
    Ok(())
}

/// Whether the caller is a session of an approver or administrator who has not signed in with
/// a second factor, where the settings require one: such a session may only enrol it.
pub fn needs_second_factor(app: &App, caller: &Caller) -> bool {
    app.settings.security.require_second_factor
        && (caller.has(Role::Approver) || caller.has(Role::Admin))
        && matches!(caller.via, Via::Session { second_factor: false, .. })
}

/// Whether the caller may approve now: an approver, and (when the setting requires it) signed
/// in with a second factor.
pub fn check_second_factor_for_approval(app: &App, caller: &Caller) -> Result<()> {
    if !app.settings.security.require_second_factor || !caller.has(Role::Approver) {
        return Ok(());
    }
    match &caller.via {
        Via::Session { second_factor: true, .. } => Ok(()),
        _ => Err(Error::SecondFactor(
            "approving requires signing in with a TOTP second factor; enrol one at POST /api/v1/session/totp".into(),
        )),
    }
}
