//! `subscriptions` and `places`: residents' channel addresses and the places they watch.

use super::changes::{Cursor, stamp};
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
    pub change_seq: i64,
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
    pub change_seq: i64,
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
    let seq = stamp(ex).await?;
    scalar!(
        ex,
        i64,
        "INSERT INTO subscriptions (channel, address_sealed, address_hash, languages, min_severity, exercises, tests, verified, \
         created_ms, changed_ms, change_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10) RETURNING id",
        s.channel,
        s.address_sealed,
        s.address_hash,
        s.languages,
        s.min_severity,
        s.exercises,
        s.tests,
        s.verified,
        now_ms(),
        seq
    )
}

/// Adds many subscriptions (at most 1,000 a statement); gives each one's id with its address
/// hash, in no particular order.
pub async fn insert_many(
    ex: &mut impl Executor,
    subs: &[NewSubscription<'_>],
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    const SQL: &str = "INSERT INTO subscriptions (channel, address_sealed, address_hash, languages, min_severity, \
                       exercises, tests, verified, created_ms, changed_ms, change_seq) ";
    let now = now_ms();
    let seq = stamp(ex).await?;
    let mut out = Vec::with_capacity(subs.len());
    for chunk in subs.chunks(1000) {
        macro_rules! run {
            ($db:ty, $c:expr) => {{
                let mut q = sqlx::QueryBuilder::<$db>::new(SQL);
                q.push_values(chunk, |mut b, s| {
                    b.push_bind(s.channel)
                        .push_bind(s.address_sealed)
                        .push_bind(s.address_hash)
                        .push_bind(s.languages)
                        .push_bind(s.min_severity)
                        .push_bind(s.exercises)
                        .push_bind(s.tests)
                        .push_bind(s.verified)
                        .push_bind(now)
                        .push_bind(now)
                        .push_bind(seq);
                });
                q.push(" RETURNING id, address_hash");
                super::deadline(q.build_query_as::<(i64, String)>().fetch_all(&mut *$c)).await?
            }};
        }
        out.extend(match ex.conn() {
            super::Conn::Sqlite(c) => run!(sqlx::Sqlite, c),
            super::Conn::Postgres(c) => run!(sqlx::Postgres, c),
        });
    }
    Ok(out)
}

/// A new place: its subscription, and a point (latitude, longitude) or a named area.
pub type NewPlace = (i64, Option<(f64, f64)>, Option<i64>);

/// Adds many places.
pub async fn insert_places_many(ex: &mut impl Executor, places: &[NewPlace]) -> Result<u64, sqlx::Error> {
    const SQL: &str = "INSERT INTO places (subscription_id, lat, lon, area_id, changed_ms, change_seq) ";
    let now = now_ms();
    let seq = stamp(ex).await?;
    let mut n = 0;
    for chunk in places.chunks(2000) {
        macro_rules! run {
            ($db:ty, $c:expr) => {{
                let mut q = sqlx::QueryBuilder::<$db>::new(SQL);
                q.push_values(chunk, |mut b, (sub, point, area)| {
                    b.push_bind(*sub)
                        .push_bind(point.map(|p| p.0))
                        .push_bind(point.map(|p| p.1))
                        .push_bind(*area)
                        .push_bind(now)
                        .push_bind(seq);
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

/// Adds a place: a point or a named area.
pub async fn insert_place(
    ex: &mut impl Executor,
    subscription_id: i64,
    point: Option<(f64, f64)>,
    area_id: Option<i64>,
) -> Result<i64, sqlx::Error> {
    let seq = stamp(ex).await?;
    scalar!(
        ex,
        i64,
        "INSERT INTO places (subscription_id, lat, lon, area_id, changed_ms, change_seq) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        subscription_id,
        point.map(|p| p.0),
        point.map(|p| p.1),
        area_id,
        now_ms(),
        seq
    )
}

/// Subscriptions changed at or after a cursor (for keeping the targeting index in step).
pub async fn changed_since(ex: &mut impl Executor, since: Cursor) -> Result<Vec<SubscriptionInfo>, sqlx::Error> {
    fetch_all!(
        ex,
        SubscriptionInfo,
        "SELECT id, channel, min_severity, exercises, tests, verified, active, change_seq FROM subscriptions \
         WHERE change_seq >= $1",
        since.0
    )
}

/// Places changed at or after a cursor.
pub async fn places_changed_since(ex: &mut impl Executor, since: Cursor) -> Result<Vec<PlaceRow>, sqlx::Error> {
    fetch_all!(
        ex,
        PlaceRow,
        "SELECT id, subscription_id, lat, lon, area_id, active, change_seq FROM places WHERE change_seq >= $1",
        since.0
    )
}

/// Moves a place to a point.
pub async fn move_place(ex: &mut impl Executor, place: i64, lat: f64, lon: f64) -> Result<u64, sqlx::Error> {
    let seq = stamp(ex).await?;
    exec!(
        ex,
        "UPDATE places SET lat = $2, lon = $3, area_id = NULL, changed_ms = $4, change_seq = $5 WHERE id = $1",
        place,
        lat,
        lon,
        now_ms(),
        seq
    )
}

/// The places of a subscription.
pub async fn places_of(ex: &mut impl Executor, subscription: i64) -> Result<Vec<PlaceRow>, sqlx::Error> {
    fetch_all!(
        ex,
        PlaceRow,
        "SELECT id, subscription_id, lat, lon, area_id, active, change_seq FROM places WHERE subscription_id = $1 ORDER BY id",
        subscription
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
    let seq = stamp(ex).await?;
    exec!(
        ex,
        "UPDATE places SET active = FALSE, changed_ms = $2, change_seq = $3 WHERE subscription_id = $1",
        id,
        now,
        seq
    )?;
    exec!(ex, "UPDATE subscriptions SET active = FALSE, changed_ms = $2, change_seq = $3 WHERE id = $1", id, now, seq)
}

/// The active subscription on a channel with this address hash.
pub async fn active_by_hash(ex: &mut impl Executor, channel: &str, hash: &str) -> Result<Option<i64>, sqlx::Error> {
    let id: Option<(i64,)> = fetch_optional!(
        ex,
        (i64,),
        "SELECT id FROM subscriptions WHERE channel = $1 AND address_hash = $2 AND active",
        channel,
        hash
    )?;
    Ok(id.map(|(id,)| id))
}
