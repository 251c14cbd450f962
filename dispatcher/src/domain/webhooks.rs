//! Webhooks registered by operators: a neighbouring municipality, a media partner, a chat
//! bridge. Each gets every issued alert, signed with its own secret, shown once.

use serde::Serialize;

use super::audit::{self, Actor, Event};
use super::crypto::random_token;
use super::error::{Error, Result};
use crate::app::App;
use crate::db::webhooks::{self, WebhookRow};

/// A webhook as the API shows it (never its secret).
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookView {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Where alerts are POSTed.
    pub url: String,
    /// Whether Exercise and Test alerts are sent too.
    pub exercises: bool,
    /// False once removed, or after the endpoint answered 404 or 410.
    pub active: bool,
}

impl From<&WebhookRow> for WebhookView {
    fn from(w: &WebhookRow) -> Self {
        WebhookView { id: w.id, name: w.name.clone(), url: w.url.clone(), exercises: w.exercises, active: w.active }
    }
}

/// Registers a webhook; gives it and its signing secret, shown only now.
pub async fn add(
    app: &App,
    actor: &Actor,
    address: &str,
    name: &str,
    url: &str,
    exercises: bool,
) -> Result<(WebhookView, String)> {
    if name.trim().is_empty() || name.chars().count() > 64 {
        return Err(Error::invalid("/name", "1 to 64 characters"));
    }
    let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
    if !scheme_ok || url.contains(char::is_whitespace) || url.len() > 2000 {
        return Err(Error::invalid("/url", "an http:// or https:// URL"));
    }
    super::outbound::check_entered(app, "/url", url).await?;
    let secret = random_token();
    let name = name.trim();
    let sealed = app.key.encrypt(secret.as_bytes(), &seal_context(name));
    let mut tx = app.db.begin().await?;
    let id = match webhooks::insert(&mut tx, name, url, &sealed, exercises).await {
        Ok(id) => id,
        Err(e) if crate::db::is_unique_violation(&e) => {
            return Err(Error::Conflict(format!("a webhook named {name} exists")));
        }
        Err(e) => return Err(e.into()),
    };
    audit::record(&mut tx, Event::new(actor, address, "webhook.add", format!("webhook:{name}"))).await?;
    let row = webhooks::by_ids(&mut tx, &[id]).await?.pop().ok_or(Error::NotFound("webhook"))?;
    tx.commit().await?;
    Ok((WebhookView::from(&row), secret))
}

/// What a webhook's sealed secret is bound to: its name, which never changes.
pub fn seal_context(name: &str) -> String {
    format!("webhook:{name}")
}

/// Registers many webhooks at once (for imports and load tests); gives their secrets in order.
pub async fn add_many(app: &App, actor: &Actor, address: &str, hooks: &[(String, String)]) -> Result<Vec<String>> {
    let secrets: Vec<String> = hooks.iter().map(|_| random_token()).collect();
    let rows: Vec<(String, String, String)> = hooks
        .iter()
        .zip(&secrets)
        .map(|((name, url), secret)| {
            (name.clone(), url.clone(), app.key.encrypt(secret.as_bytes(), &seal_context(name)))
        })
        .collect();
    let mut tx = app.db.begin().await?;
    webhooks::insert_many(&mut tx, &rows).await?;
    audit::record(&mut tx, Event::new(actor, address, "webhook.add_many", format!("webhooks:{}", hooks.len()))).await?;
    tx.commit().await?;
    Ok(secrets)
}

/// Every webhook.
pub async fn list(app: &App) -> Result<Vec<WebhookView>> {
    Ok(webhooks::list(&mut app.db.read().await?).await?.iter().map(WebhookView::from).collect())
}

/// Stops a webhook.
pub async fn remove(app: &App, actor: &Actor, address: &str, id: i64) -> Result<()> {
    let mut tx = app.db.begin().await?;
    let row = webhooks::by_ids(&mut tx, &[id]).await?.pop().ok_or(Error::NotFound("webhook"))?;
    webhooks::delete(&mut tx, id).await?;
    audit::record(&mut tx, Event::new(actor, address, "webhook.remove", format!("webhook:{}", row.name))).await?;
    tx.commit().await?;
    Ok(())
}
