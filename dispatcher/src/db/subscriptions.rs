//! `subscriptions` and `places`: residents' channel addresses and the places they watch.

use super::{Executor, now_ms};

/// What targeting needs of a subscription.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SubscriptionInfo {
    pub id: i64,
    pub channel: String,
    pub min_severity: String,
    pub exercises: bool,
    pub tests: bool,
    pub verified: bool,
    pub active: bool,
}

/// A place as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PlaceRow {
    pub id: i64,
    pub subscription_id: i64,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub area_id: Option<i64>,
    pub active: bool,
}

/// What sending needs of a subscription.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Address {
    pub id: i64,
    pub channel: String,
    pub address_sealed: String,
    pub languages: String,
}

/// A new subscription.
#[derive(Clone, Debug)]
pub struct NewSubscription<'a> {
    pub channel: &'a str,
    pub address_sealed: &'a str,
    pub address_hash: &'a str,
    pub languages: &'a str,
    pub min_severity: &'a str,
    pub exercises: bool,
    pub tests: bool,
    pub verified: bool,
}

/// Adds a subscription; gives its id.
pub async fn insert(ex: &mut impl Executor, s: &NewSubscription<'_>) -> Result<i64, sqlx::Error> {
    scalar!(
        ex,
        i64,
        "INSERT INTO subscriptions (channel, address_sealed, address_hash, languages, min_severity, exercises, tests, verified, \
         created_ms, changed_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
        s.channel,
        s.address_sealed,
        s.address_hash,
        s.languages,
        s.min_severity,
        s.exercises,
        s.tests,
        s.verified,
        now_ms()
    )
}

/// Adds a place: a point or a named area.
pub async fn insert_place(
    ex: &mut impl Executor,
    subscription_id: i64,
    point: Option<(f64, f64)>,
    area_id: Option<i64>,
) -> Result<i64, sqlx::Error> {
    scalar!(
        ex,
        i64,
        "INSERT INTO places (subscription_id, lat, lon, area_id, changed_ms) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        subscription_id,
        point.map(|p| p.0),
        point.map(|p| p.1),
        area_id,
        now_ms()
    )
}

/// Subscriptions changed since a time (for keeping the targeting index in step).
pub async fn changed_since(ex: &mut impl Executor, since_ms: i64) -> Result<Vec<SubscriptionInfo>, sqlx::Error> {
    fetch_all!(
        ex,
        SubscriptionInfo,
        "SELECT id, channel, min_severity, exercises, tests, verified, active FROM subscriptions WHERE changed_ms >= $1",
        since_ms
    )
}

/// Places changed since a time.
pub async fn places_changed_since(ex: &mut impl Executor, since_ms: i64) -> Result<Vec<PlaceRow>, sqlx::Error> {
    fetch_all!(
        ex,
        PlaceRow,
        "SELECT id, subscription_id, lat, lon, area_id, active FROM places WHERE changed_ms >= $1",
        since_ms
    )
}

/// The addresses of these subscriptions.
pub async fn addresses(ex: &mut impl Executor, ids: &[i64]) -> Result<Vec<Address>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT id, channel, address_sealed, languages FROM subscriptions WHERE id IN ({})",
        super::id_list(ids)
    );
    fetch_all!(ex, Address, sqlx::AssertSqlSafe(sql))
}

/// Stops sending to a subscription (its address is gone).
pub async fn deactivate(ex: &mut impl Executor, id: i64) -> Result<u64, sqlx::Error> {
    let now = now_ms();
    exec!(ex, "UPDATE places SET active = FALSE, changed_ms = $2 WHERE subscription_id = $1", id, now)?;
    exec!(ex, "UPDATE subscriptions SET active = FALSE, changed_ms = $2 WHERE id = $1", id, now)
}
