//! Staff accounts: adding, listing, disabling, roles, passwords and the TOTP second factor.

use serde::Serialize;
use serde_json::json;

use super::audit::{self, Actor, Event};
use super::caller::Caller;
use super::error::{Error, Result};
use super::password;
use super::roles::{Role, join_roles, parse_roles};
use super::totp;
use crate::app::App;
use crate::db::users::{self, UserRow};

/// A user as the API shows it (never the password hash or TOTP secret).
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    /// Id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Name shown to colleagues.
    pub display_name: String,
    /// Roles.
    pub roles: Vec<Role>,
    /// Whether a TOTP second factor is in use.
    pub totp_enabled: bool,
    /// Whether the password must be changed at the next login.
    pub must_change_password: bool,
    /// Whether the account is disabled.
    pub disabled: bool,
    /// When they last signed in (milliseconds since the epoch, from the audit log), if known.
    pub last_sign_in_ms: Option<i64>,
}

impl From<&UserRow> for UserView {
    fn from(u: &UserRow) -> Self {
        UserView {
            id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            roles: parse_roles(&u.roles).unwrap_or_default(),
            totp_enabled: u.totp_enabled,
            must_change_password: u.must_change_password,
            disabled: u.disabled,
            last_sign_in_ms: None,
        }
    }
}

/// Checks a login name: 2 to 64 of a-z, 0-9, `.`, `_`, `-`.
pub fn check_username(name: &str) -> Result<()> {
    let ok = (2..=64).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid("username", "2 to 64 characters: lowercase letters, digits, '.', '_' or '-'"))
    }
}

/// Adds a user. Without a password, one is generated, returned once, and must be changed at
/// the first login.
pub async fn add(
    app: &App,
    actor: &Actor,
    address: &str,
    username: &str,
    display_name: &str,
    roles: &[Role],
    password: Option<&str>,
) -> Result<(UserView, Option<String>)> {
    check_username(username)?;
    if display_name.trim().is_empty() || display_name.chars().count() > 100 {
        return Err(Error::invalid("displayName", "1 to 100 characters"));
    }
    if roles.is_empty() {
        return Err(Error::invalid("roles", "at least one of author, approver, operator, admin, auditor"));
    }
    let generated = password.is_none().then(password::generate);
    let pw = password.or(generated.as_deref()).unwrap_or_default();
    let hash = password::hash_off_thread(pw).await.map_err(|e| Error::invalid("password", e.to_string()))?;
    let mut tx = app.db.begin().await?;
    let id = match users::insert(&mut tx, username, display_name.trim(), &hash, &join_roles(roles), generated.is_some())
        .await
    {
        Ok(id) => id,
        Err(e) if crate::db::is_unique_violation(&e) => {
            return Err(Error::Conflict(format!("a user named {username} exists")));
        }
        Err(e) => return Err(e.into()),
    };
    let event = Event::new(actor, address, "user.add", format!("user:{username}"))
        .details(json!({ "roles": join_roles(roles) }));
    audit::record(&mut tx, event).await?;
    tx.commit().await?;
    let row = users::by_id(&mut app.db.read().await?, id).await?.ok_or(Error::NotFound("user"))?;
    Ok((UserView::from(&row), generated))
}

/// Creates the first administrator when there are no users; gives the one-time password.
pub async fn ensure_first_admin(app: &App) -> Result<Option<String>> {
    if users::count(&mut app.db.read().await?).await? > 0 {
        return Ok(None);
    }
    let (_, pw) = add(app, &Actor::System, "first-start", "admin", "Administrator", &[Role::Admin], None).await?;
    Ok(pw)
}

/// Every user, with when they last signed in.
pub async fn list(app: &App) -> Result<Vec<UserView>> {
    let mut c = app.db.read().await?;
    let last: std::collections::HashMap<String, i64> =
        crate::db::audit::last_sign_ins(&mut c).await?.into_iter().collect();
    let rows = users::list(&mut c).await?;
    Ok(rows.iter().map(|u| UserView { last_sign_in_ms: last.get(&u.username).copied(), ..UserView::from(u) }).collect())
}

/// Refuses a change that would leave no enabled administrator.
async fn keep_an_admin(ex: &mut impl crate::db::Executor, user: &UserRow, c: &UserChange) -> Result<()> {
    let is_admin = |u: &UserRow| !u.disabled && parse_roles(&u.roles).unwrap_or_default().contains(&Role::Admin);
    let loses = c.disabled == Some(true) || c.roles.as_ref().is_some_and(|r| !r.contains(&Role::Admin));
    if !is_admin(user) || !loses {
        return Ok(());
    }
    if users::list(ex).await?.iter().any(|u| u.id != user.id && is_admin(u)) {
        return Ok(());
    }
    Err(Error::Conflict(format!(
        "{} is the last administrator; make someone else an administrator first",
        user.username
    )))
}

/// A user by name or id text.
pub async fn find(app: &App, who: &str) -> Result<UserRow> {
    let mut c = app.db.read().await?;
    let row = match who.parse::<i64>() {
        Ok(id) => users::by_id(&mut c, id).await?,
        Err(_) => users::by_name(&mut c, who).await?,
    };
    row.ok_or(Error::NotFound("user"))
}

/// What an administrator may change about a user.
#[derive(Clone, Debug, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UserChange {
    /// New roles.
    pub roles: Option<Vec<Role>>,
    /// Disable (true) or enable (false).
    pub disabled: Option<bool>,
    /// Remove the TOTP second factor (the user enrols again).
    pub reset_totp: Option<bool>,
    /// Forget the account's failed sign-ins, lifting a limit someone else's guesses caused.
    pub unlock: Option<bool>,
}

/// Changes a user; disabling ends their sessions at once.
pub async fn change(app: &App, actor: &Actor, address: &str, id: i64, c: &UserChange) -> Result<UserView> {
    let mut tx = app.db.begin().await?;
    let user = users::by_id(&mut tx, id).await?.ok_or(Error::NotFound("user"))?;
    if actor.user_id() == Some(id)
        && (c.disabled == Some(true) || c.roles.as_ref().is_some_and(|r| !r.contains(&Role::Admin)))
    {
        return Err(Error::Conflict("administrators cannot disable themselves or remove their own admin role".into()));
    }
    keep_an_admin(&mut tx, &user, c).await?;
    if let Some(roles) = &c.roles {
        if roles.is_empty() {
            return Err(Error::invalid("roles", "at least one role"));
        }
        users::set_roles(&mut tx, id, &join_roles(roles)).await?;
    }
    if let Some(disabled) = c.disabled {
        users::set_disabled(&mut tx, id, disabled).await?;
        if disabled {
            crate::db::sessions::delete_for_user(&mut tx, id).await?;
        }
    }
    if c.reset_totp == Some(true) {
        users::set_totp(&mut tx, id, None, false).await?;
    }
    if c.unlock == Some(true) {
        crate::db::login_failures::clear(&mut tx, &format!("user:{}", user.username)).await?;
    }
    let details = json!({
        "roles": c.roles.as_ref().map(|r| join_roles(r)),
        "disabled": c.disabled,
        "resetTotp": c.reset_totp,
        "unlock": c.unlock,
    });
    let event = Event::new(actor, address, "user.change", format!("user:{}", user.username)).details(details);
    audit::record(&mut tx, event).await?;
    let row = users::by_id(&mut tx, id).await?.ok_or(Error::NotFound("user"))?;
    tx.commit().await?;
    Ok(UserView::from(&row))
}

/// Changes one's own password, ending one's other sessions.
///
/// Hashing runs on a blocking thread before the write transaction opens (argon2 must hold
/// neither an async worker nor SQLite's write lock); the transaction then checks that the
/// password it verified is still the stored one.
pub async fn change_password(app: &App, caller: &Caller, current: &str, new: &str) -> Result<()> {
    let (actor, address) = (&caller.actor, caller.address.as_str());
    let id = actor.user_id().ok_or_else(|| Error::Forbidden("only users have passwords".into()))?;
    let user = users::by_id(&mut app.db.read().await?, id).await?.ok_or(Error::NotFound("user"))?;
    if !password::verify_off_thread(current, &user.password_hash).await {
        return Err(Error::invalid("currentPassword", "is not your current password"));
    }
    if current == new {
        return Err(Error::invalid("newPassword", "must differ from the current password"));
    }
    let hash = password::hash_off_thread(new).await.map_err(|e| Error::invalid("newPassword", e.to_string()))?;
    let mut tx = app.db.begin().await?;
    let now = users::by_id(&mut tx, id).await?.ok_or(Error::NotFound("user"))?;
    if now.password_hash != user.password_hash {
        return Err(Error::Conflict("the password was changed meanwhile; sign in again".into()));
    }
    users::set_password(&mut tx, id, &hash, false).await?;
    let keep = match &caller.via {
        crate::domain::caller::Via::Session { id_hash, .. } => Some(id_hash.as_str()),
        _ => None,
    };
    let ended = crate::db::sessions::delete_others(&mut tx, id, keep).await?;
    let event = Event::new(actor, address, "user.password", format!("user:{}", user.username))
        .details(json!({ "otherSessionsEnded": ended }));
    audit::record(&mut tx, event).await?;
    tx.commit().await?;
    // The first administrator's one-time password, kept in a file for them, is spent now.
    if user.must_change_password && user.username == "admin" {
        let _ = std::fs::remove_file(crate::app::first_admin_file(&app.settings));
    }
    Ok(())
}

/// Starts TOTP enrolment: a new secret, stored encrypted, not yet in use. Gives the base32
/// secret and the `otpauth://` URI.
pub async fn totp_begin(app: &App, actor: &Actor) -> Result<(String, String)> {
    let id = actor.user_id().ok_or_else(|| Error::Forbidden("only users enrol a second factor".into()))?;
    let secret = totp::new_secret();
    let sealed = app.key.encrypt(&secret, &format!("totp:{id}"));
    let mut tx = app.db.begin().await?;
    let user = users::by_id(&mut tx, id).await?.ok_or(Error::NotFound("user"))?;
    if user.totp_enabled {
        return Err(Error::Conflict("a second factor is already in use; an administrator can reset it".into()));
    }
    users::set_totp(&mut tx, id, Some(&sealed), false).await?;
    tx.commit().await?;
    Ok((totp::base32(&secret), totp::otpauth_uri(&secret, &user.username, &app.settings.cap.sender_name)))
}

/// Confirms TOTP enrolment with a code from the app; from then on logins need a code.
pub async fn totp_confirm(app: &App, actor: &Actor, address: &str, code: &str, session: Option<&str>) -> Result<()> {
    let id = actor.user_id().ok_or_else(|| Error::Forbidden("only users enrol a second factor".into()))?;
    let mut tx = app.db.begin().await?;
    let user = users::by_id(&mut tx, id).await?.ok_or(Error::NotFound("user"))?;
    let secret = user_totp_secret(app, &user)?.ok_or_else(|| Error::Conflict("start enrolment first".into()))?;
    if user.totp_enabled {
        return Err(Error::Conflict("a second factor is already in use".into()));
    }
    let Some(step) = totp::check_step(&secret, code) else {
        return Err(Error::invalid("code", "is not the current code of your authenticator app"));
    };
    users::set_totp(&mut tx, id, user.totp_secret.as_deref(), true).await?;
    // The enrolment code is used up like a sign-in's.
    users::take_totp_step(&mut tx, id, step as i64).await?;
    // The code just given is a second factor for the session that gave it; sessions signed
    // in without one end.
    if let Some(id_hash) = session {
        crate::db::sessions::upgrade(&mut tx, id_hash, id).await?;
    }
    let event = Event::new(actor, address, "user.totp", format!("user:{}", user.username));
    audit::record(&mut tx, event).await?;
    tx.commit().await?;
    Ok(())
}

/// The decrypted TOTP secret of a user, if any.
pub fn user_totp_secret(app: &App, user: &UserRow) -> Result<Option<Vec<u8>>> {
    match &user.totp_secret {
        None => Ok(None),
        Some(sealed) => {
            app.key.decrypt(sealed, &format!("totp:{}", user.id)).map(Some).map_err(|e| Error::Internal(e.into()))
        }
    }
}
