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
    let inserted = tokens::insert(
        &mut tx,
        name,
        &sha256_hex(value.as_bytes()),
        &value[..14],
        role.as_str(),
        &scopes.join(","),
        actor.user_id(),
        expires,
    )
    .await;
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
