//! `webhooks`: URLs that get every issued alert.

use super::{Executor, now_ms};

/// A webhook as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct WebhookRow {
    pub id: i64,
    pub name: String,
    pub url: String,
    pub secret_sealed: String,
    pub exercises: bool,
    pub active: bool,
    pub created_ms: i64,
}

const COLUMNS: &str = "id, name, url, secret_sealed, exercises, active, created_ms";

/// Adds a webhook; gives its id.
pub async fn insert(
    ex: &mut impl Executor,
    name: &str,
    url: &str,
    secret_sealed: &str,
    exercises: bool,
) -> Result<i64, sqlx::Error> {
    scalar!(
        ex,
        i64,
        "INSERT INTO webhooks (name, url, secret_sealed, exercises, created_ms, changed_ms) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
        name,
        url,
        secret_sealed,
        exercises,
        now_ms()
    )
}

/// Adds many webhooks at once: (name, url, sealed secret), all wanting exercises.
pub async fn insert_many(ex: &mut impl Executor, rows: &[(String, String, String)]) -> Result<u64, sqlx::Error> {
    const SQL: &str = "INSERT INTO webhooks (name, url, secret_sealed, exercises, created_ms, changed_ms) ";
    let now = now_ms();
    let mut n = 0;
    for chunk in rows.chunks(1000) {
        macro_rules! run {
            ($db:ty, $c:expr) => {{
                let mut q = sqlx::QueryBuilder::<$db>::new(SQL);
                q.push_values(chunk, |mut b, (name, url, sealed)| {
                    b.push_bind(name.as_str())
                        .push_bind(url.as_str())
                        .push_bind(sealed.as_str())
                        .push("TRUE")
                        .push_bind(now)
                        .push_bind(now);
                });
                super::deadline(q.build().execute(&mut *$c)).await?.rows_affected()
            }};
        }
        n += match ex.conn() {
            super::Conn::Sqlite(c) => run!(sqlx::Sqlite, c),
            super::Conn::Postgres(c) => run!(sqlx::Postgres, c),
        };
    }
    Ok(n)
}

/// Every webhook.
pub async fn list(ex: &mut impl Executor) -> Result<Vec<WebhookRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM webhooks ORDER BY name");
    fetch_all!(ex, WebhookRow, sqlx::AssertSqlSafe(sql))
}

/// The webhooks with these ids.
pub async fn by_ids(ex: &mut impl Executor, ids: &[i64]) -> Result<Vec<WebhookRow>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!("SELECT {COLUMNS} FROM webhooks WHERE id IN ({})", super::id_list(ids));
    fetch_all!(ex, WebhookRow, sqlx::AssertSqlSafe(sql))
}

/// The ids of active webhooks (and whether each wants exercises).
pub async fn active(ex: &mut impl Executor) -> Result<Vec<(i64, bool)>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Active {
        id: i64,
        exercises: bool,
    }
    let rows = fetch_all!(ex, Active, "SELECT id, exercises FROM webhooks WHERE active = TRUE ORDER BY id")?;
    Ok(rows.into_iter().map(|r| (r.id, r.exercises)).collect())
}

/// Stops sending to a webhook.
pub async fn deactivate(ex: &mut impl Executor, id: i64) -> Result<u64, sqlx::Error> {
    exec!(ex, "UPDATE webhooks SET active = FALSE, changed_ms = $2 WHERE id = $1", id, now_ms())
}

/// Removes a webhook from use (its deliveries stay, for the record).
pub async fn delete(ex: &mut impl Executor, id: i64) -> Result<u64, sqlx::Error> {
    exec!(
        ex,
        "UPDATE webhooks SET active = FALSE, name = name || ' (deleted ' || id || ')', changed_ms = $2 WHERE id = $1 AND active = TRUE",
        id,
        now_ms()
    )
}
