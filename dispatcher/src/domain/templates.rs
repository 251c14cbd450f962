//! Templates: alert content with `{placeholders}` per language, so that a routine warning needs
//! only a few values.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::alerts::content::AlertContent;
use super::audit::{self, Actor, Event};
use super::error::{Error, Result};
use crate::app::App;
use crate::db::templates::{self, TemplateRow};

/// A template as the API shows it and takes it.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Template {
    /// Id (ignored on input).
    #[serde(default)]
    pub id: i64,
    /// A unique name.
    pub name: String,
    /// What it is for.
    #[serde(default)]
    pub description: String,
    /// The content; texts may hold `{placeholders}`.
    #[schemars(with = "serde_json::Value")]
    pub content: serde_json::Value,
    /// The placeholders the content uses.
    #[serde(default)]
    pub placeholders: Vec<String>,
}

fn view(row: &TemplateRow) -> Result<Template> {
    let content: serde_json::Value = serde_json::from_str(&row.content).map_err(|e| Error::Internal(e.into()))?;
    let placeholders = AlertContent::from_json(content.clone())?.placeholders();
    Ok(Template { id: row.id, name: row.name.clone(), description: row.description.clone(), content, placeholders })
}

/// Every template.
pub async fn list(app: &App) -> Result<Vec<Template>> {
    templates::list(&mut app.db.read().await?).await?.iter().map(view).collect()
}

/// One template.
pub async fn get(app: &App, id: i64) -> Result<Template> {
    let row = templates::by_id(&mut app.db.read().await?, id).await?.ok_or(Error::NotFound("template"))?;
    view(&row)
}

fn check(t: &Template) -> Result<String> {
    if t.name.trim().is_empty() || t.name.chars().count() > 100 {
        return Err(Error::invalid("/name", "1 to 100 characters"));
    }
    let content = AlertContent::from_json(t.content.clone()).map_err(|e| match e {
        Error::Invalid { field, message } => Error::invalid(format!("/content{field}"), message),
        other => other,
    })?;
    serde_json::to_string(&content).map_err(|e| Error::Internal(e.into()))
}

/// Adds a template.
pub async fn create(app: &App, actor: &Actor, address: &str, t: &Template) -> Result<Template> {
    let json = check(t)?;
    let mut tx = app.db.begin().await?;
    let id = match templates::insert(&mut tx, t.name.trim(), &t.description, &json, actor.user_id()).await {
        Ok(id) => id,
        Err(e) if crate::db::is_unique_violation(&e) => {
            return Err(Error::Conflict(format!("a template named {} exists", t.name)));
        }
        Err(e) => return Err(e.into()),
    };
    let event =
        Event::new(actor, address, "template.create", format!("template:{id}")).details(json!({ "name": t.name }));
    audit::record(&mut tx, event).await?;
    let row = templates::by_id(&mut tx, id).await?.ok_or(Error::NotFound("template"))?;
    tx.commit().await?;
    view(&row)
}

/// Replaces a template.
pub async fn update(app: &App, actor: &Actor, address: &str, id: i64, t: &Template) -> Result<Template> {
    let json = check(t)?;
    let mut tx = app.db.begin().await?;
    match templates::update(&mut tx, id, t.name.trim(), &t.description, &json).await {
        Ok(0) => return Err(Error::NotFound("template")),
        Ok(_) => {}
        Err(e) if crate::db::is_unique_violation(&e) => {
            return Err(Error::Conflict(format!("a template named {} exists", t.name)));
        }
        Err(e) => return Err(e.into()),
    }
    let event =
        Event::new(actor, address, "template.update", format!("template:{id}")).details(json!({ "name": t.name }));
    audit::record(&mut tx, event).await?;
    let row = templates::by_id(&mut tx, id).await?.ok_or(Error::NotFound("template"))?;
    tx.commit().await?;
    view(&row)
}

/// Deletes a template.
pub async fn delete(app: &App, actor: &Actor, address: &str, id: i64) -> Result<()> {
    let mut tx = app.db.begin().await?;
    if templates::delete(&mut tx, id).await? == 0 {
        return Err(Error::NotFound("template"));
    }
    let event = Event::new(actor, address, "template.delete", format!("template:{id}"));
    audit::record(&mut tx, event).await?;
    tx.commit().await?;
    Ok(())
}
