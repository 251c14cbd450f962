//! API tokens for integrations: created once (the value is shown once), stored by hash, with a
//! role and scopes; revocable.

use serde::Serialize;
use serde_json::json;

use super::audit::{self, Actor, Event};
use super::caller::{Caller, Via};
use super::crypto::{random_token, sha256_hex};
use super::error::{Error, Result};
use super::roles::Role;
use crate::app::App;
use crate::db::now_ms;
use crate::db::tokens::{self, TokenRow};

/// The parts of the API a token can be scoped to.
pub const SCOPES: &[&str] =
    &["alerts", "cap", "templates", "areas", "users", "tokens", "audit", "metrics", "webhooks", "feeds"];

/// A token as the API shows it (never its value).
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenView {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// The first characters, to recognise it.
    pub prefix: String,
    /// Its role.
    pub role: String,
    /// Its scopes.
    pub scopes: Vec<String>,
    /// Milliseconds since the epoch.
    pub created_ms: i64,
    /// When it stops working, if ever.
    pub expires_ms: Option<i64>,
    /// When it was revoked.
    pub revoked_ms: Option<i64>,
    /// When it was last used (to the minute).
    pub last_used_ms: Option<i64>,
    /// Who created it (none: the server's command line, or another token).
    pub created_by: Option<i64>,
    /// The approver who confirmed it (none: not yet, or made on the command line, or made
    /// before confirmations existed: `confirmedMs` tells).
    pub confirmed_by: Option<i64>,
    /// When it was confirmed; none: CAP it posts that would be issued at once
    /// (`ingest.policy = "issue"`, a cascade parent's `policy`) waits for an approver.
    pub confirmed_ms: Option<i64>,
}

impl From<&TokenRow> for TokenView {
    fn from(t: &TokenRow) -> Self {
        TokenView {
            id: t.id,
            name: t.name.clone(),
            prefix: t.prefix.clone(),
            role: t.role.clone(),
            scopes: t.scopes.split(',').map(str::to_owned).collect(),
            created_ms: t.created_ms,
            expires_ms: t.expires_ms,
            revoked_ms: t.revoked_ms,
            last_used_ms: t.last_used_ms,
            created_by: t.created_by,
            confirmed_by: t.confirmed_by,
            confirmed_ms: t.confirmed_ms,
        }
    }
}

/// Creates a token; gives it and its value, which is never shown again.
pub async fn create(
    app: &App,
    actor: &Actor,
    address: &str,
    name: &str,
    role: Role,
    scopes: &[String],
    expires_days: Option<u32>,
) -> Result<(TokenView, String)> {
    if name.trim().is_empty() || name.len() > 64 {
        return Err(Error::invalid("name", "1 to 64 characters"));
    }
    if scopes.is_empty() {
        return Err(Error::invalid("scopes", format!("at least one of {} or *", SCOPES.join(", "))));
    }
    if let Some(bad) = scopes.iter().find(|s| *s != "*" && !SCOPES.contains(&s.as_str())) {
        return Err(Error::invalid("scopes", format!("{bad:?} is not a scope; scopes are {} or *", SCOPES.join(", "))));
    }
    let value = format!("tocsin_{}", random_token());
    let expires = expires_days.map(|d| now_ms() + i64::from(d) * 86_400_000);
    let mut tx = app.db.begin().await?;
    // A token made in the admin app or the API waits for a second person before what it
    // posts can be issued without an approver (issue 18, item 4); one made on the server's
    // command line is the operator's, like the configuration file.
    let new = tokens::NewToken {
        name,
        token_hash: &sha256_hex(value.as_bytes()),
        prefix: &value[..14],
        role: role.as_str(),
        scopes: &scopes.join(","),
        created_by: actor.user_id(),
        expires_ms: expires,
        confirmed: matches!(actor, Actor::System),
    };
    let inserted = tokens::insert(&mut tx, &new).await;
    let id = match inserted {
        Ok(id) => id,
        Err(e) if crate::db::is_unique_violation(&e) => {
            return Err(Error::Conflict(format!("a token named {name} exists")));
        }
        Err(e) => return Err(e.into()),
    };
    let event = Event::new(actor, address, "token.create", format!("token:{name}"))
        .details(json!({ "role": role, "scopes": scopes }));
    audit::record(&mut tx, event).await?;
    let row = tokens::by_id(&mut tx, id).await?.ok_or(Error::NotFound("token"))?;
    tx.commit().await?;
    Ok((TokenView::from(&row), value))
}

/// Revokes a token by id or name.
pub async fn revoke(app: &App, actor: &Actor, address: &str, which: &str) -> Result<TokenView> {
    let mut tx = app.db.begin().await?;
    let row = match which.parse::<i64>() {
        Ok(id) => tokens::by_id(&mut tx, id).await?,
        Err(_) => tokens::by_name(&mut tx, which).await?,
    }
    .ok_or(Error::NotFound("token"))?;
    tokens::revoke(&mut tx, row.id).await?;
    let event = Event::new(actor, address, "token.revoke", format!("token:{}", row.name));
    audit::record(&mut tx, event).await?;
    let row = tokens::by_id(&mut tx, row.id).await?.ok_or(Error::NotFound("token"))?;
    tx.commit().await?;
    Ok(TokenView::from(&row))
}

/// Confirms a token as a second person: an approver who did not create it. From then on
/// what it posts is handled by the ingest policy (issued at once under `issue`).
pub async fn confirm(app: &App, caller: &Caller, id: i64) -> Result<TokenView> {
    let user =
        caller.user_id().ok_or_else(|| Error::Forbidden("confirmations are made by people, not API tokens".into()))?;
    super::sessions::check_second_factor_for_approval(app, caller)?;
    let mut tx = app.db.begin().await?;
    let row = tokens::by_id(&mut tx, id).await?.ok_or(Error::NotFound("token"))?;
    if row.revoked_ms.is_some() {
        return Err(Error::Conflict("the token is revoked".into()));
    }
    if row.confirmed_ms.is_some() {
        return Err(Error::Conflict("the token is confirmed already".into()));
    }
    if row.created_by == Some(user) {
        return Err(Error::TwoPersonRule("you created this token; another approver must confirm it".into()));
    }
    if tokens::confirm(&mut tx, id, user).await? == 0 {
        return Err(Error::Conflict("the token changed meanwhile".into()));
    }
    let event = Event::new(&caller.actor, &caller.address, "token.confirm", format!("token:{}", row.name))
        .details(json!({ "createdBy": row.created_by, "role": row.role, "scopes": row.scopes }));
    audit::record(&mut tx, event).await?;
    let row = tokens::by_id(&mut tx, id).await?.ok_or(Error::NotFound("token"))?;
    tx.commit().await?;
    Ok(TokenView::from(&row))
}

/// Every token.
pub async fn list(app: &App) -> Result<Vec<TokenView>> {
    Ok(tokens::list(&mut app.db.read().await?).await?.iter().map(TokenView::from).collect())
}

/// The caller behind a bearer token, if it is valid.
pub async fn authenticate(app: &App, value: &str, address: &str) -> Result<Caller> {
    let invalid = || Error::Unauthenticated("the API token is not valid".into());
    let row = tokens::by_hash(&mut app.db.read().await?, &sha256_hex(value.as_bytes())).await?.ok_or_else(invalid)?;
    let now = now_ms();
    if row.revoked_ms.is_some() || row.expires_ms.is_some_and(|e| e < now) {
        return Err(Error::Unauthenticated("the API token was revoked or has expired".into()));
    }
    if row.last_used_ms.is_none_or(|t| t < now - 60_000) {
        let mut tx = app.db.begin().await?;
        tokens::touch(&mut tx, row.id, now).await?;
        tx.commit().await?;
    }
    let role: Role = row.role.parse().map_err(|_| invalid())?;
    Ok(Caller {
        actor: Actor::Token { id: row.id, name: row.name },
        roles: vec![role],
        address: address.to_owned(),
        via: Via::Token { scopes: row.scopes.split(',').map(str::to_owned).collect() },
    })
}
