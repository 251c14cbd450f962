//! Figures about residents' subscriptions for staff: counts per channel, verified or pending,
//! and who watches which named area. Never an address: only ids, channels and places leave
//! this module, and the domain turns them into counts.

use super::Executor;

/// Live subscriptions (neither unsubscribed nor deleted) per channel, verified or pending.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ChannelCount {
    pub channel: String,
    pub verified: bool,
    pub n: i64,
}

/// A live subscription's place: a named area (`area_id`) or a point (`lat`, `lon`).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PlaceOf {
    pub subscription_id: i64,
    pub channel: String,
    pub verified: bool,
    pub area_id: Option<i64>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

/// The live subscriptions, counted per channel and verification.
pub async fn per_channel(ex: &mut impl Executor) -> Result<Vec<ChannelCount>, sqlx::Error> {
    fetch_all!(
        ex,
        ChannelCount,
        "SELECT channel, verified, COUNT(*) AS n FROM subscriptions \
         WHERE active AND deleted_ms IS NULL GROUP BY channel, verified ORDER BY channel, verified"
    )
}

/// The active places of live subscriptions, each subscription's together (by id).
pub async fn places(ex: &mut impl Executor) -> Result<Vec<PlaceOf>, sqlx::Error> {
    fetch_all!(
        ex,
        PlaceOf,
        "SELECT p.subscription_id, s.channel, s.verified, p.area_id, p.lat, p.lon \
         FROM places p JOIN subscriptions s ON s.id = p.subscription_id \
         WHERE p.active AND s.active AND s.deleted_ms IS NULL \
         AND (p.area_id IS NOT NULL OR (p.lat IS NOT NULL AND p.lon IS NOT NULL)) \
         ORDER BY p.subscription_id"
    )
}
