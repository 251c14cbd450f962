//! `templates`: alert content with placeholders.

use super::{Executor, now_ms};

/// A template as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TemplateRow {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub content: String,
    pub created_by: Option<i64>,
    pub created_ms: i64,
    pub updated_ms: i64,
}

const COLUMNS: &str = "id, name, description, content, created_by, created_ms, updated_ms";

/// Adds a template; gives its id.
pub async fn insert(
    ex: &mut impl Executor,
    name: &str,
    description: &str,
    content_json: &str,
    created_by: Option<i64>,
) -> Result<i64, sqlx::Error> {
    scalar!(
        ex,
        i64,
        "INSERT INTO templates (name, description, content, created_by, created_ms, updated_ms) \
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
        name,
        description,
        content_json,
        created_by,
        now_ms()
    )
}

/// Replaces a template's fields.
pub async fn update(
    ex: &mut impl Executor,
    id: i64,
    name: &str,
    description: &str,
    content_json: &str,
) -> Result<u64, sqlx::Error> {
    exec!(
        ex,
        "UPDATE templates SET name = $2, description = $3, content = $4, updated_ms = $5 WHERE id = $1",
        id,
        name,
        description,
        content_json,
        now_ms()
    )
}

/// A template by id.
pub async fn by_id(ex: &mut impl Executor, id: i64) -> Result<Option<TemplateRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM templates WHERE id = $1");
    fetch_optional!(ex, TemplateRow, sqlx::AssertSqlSafe(sql), id)
}

/// Every template, by name.
pub async fn list(ex: &mut impl Executor) -> Result<Vec<TemplateRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM templates ORDER BY name");
    fetch_all!(ex, TemplateRow, sqlx::AssertSqlSafe(sql))
}

/// Deletes a template.
pub async fn delete(ex: &mut impl Executor, id: i64) -> Result<u64, sqlx::Error> {
    exec!(ex, "DELETE FROM templates WHERE id = $1", id)
}
