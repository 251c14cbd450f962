//! Residents' figures for staff: live subscriptions per channel, verified or pending, and per
//! named area, with no personal data. A subscription counts once in every area it is in: once
//! for a place that names the area, or a point inside one of the area's polygons, however many
//! of its places are there. The database counts per channel; per area it gives the places, and
//! the polygons are tested here (neither SQLite nor PostgreSQL without PostGIS has polygons),
//! with the same geometry targeting uses.

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;

use crate::app::App;
use crate::db::resident_stats::{self, PlaceOf};
use crate::domain::areas::{self, NamedArea};
use crate::domain::error::Result;

/// The channels every answer lists, even at zero.
const CHANNELS: &[&str] = &["push", "sms", "email"];

/// Verified and pending subscriptions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Count {
    /// Verified: warnings go to them.
    pub verified: i64,
    /// Waiting for the resident to confirm a code: nothing is sent yet.
    pub pending: i64,
}

impl Count {
    fn add(&mut self, verified: bool, n: i64) {
        if verified {
            self.verified += n;
        } else {
            self.pending += n;
        }
    }
}

/// One named area's figures.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct AreaCount {
    /// The area's id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Subscriptions in it per channel (`push`, `sms`, `email`).
    pub channels: BTreeMap<String, Count>,
    /// All its subscriptions.
    pub total: Count,
}

/// Residents' figures.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct ResidentStats {
    /// Live subscriptions per channel.
    pub channels: BTreeMap<String, Count>,
    /// All live subscriptions.
    pub total: Count,
    /// Per named area, by name.
    pub areas: Vec<AreaCount>,
}

fn empty_channels() -> BTreeMap<String, Count> {
    CHANNELS.iter().map(|c| ((*c).to_owned(), Count::default())).collect()
}

/// The figures now.
pub async fn stats(app: &App) -> Result<ResidentStats> {
    let mut c = app.db.read().await?;
    let per_channel = resident_stats::per_channel(&mut c).await?;
    let places = resident_stats::places(&mut c).await?;
    let named = areas::all(&mut c).await?;
    drop(c);
    let mut channels = empty_channels();
    let mut total = Count::default();
    for row in per_channel {
        channels.entry(row.channel).or_default().add(row.verified, row.n);
        total.add(row.verified, row.n);
    }
    let mut areas: Vec<AreaCount> = named.iter().map(|a| per_area(a, &places)).collect();
    areas.sort_by_key(|a| a.name.to_lowercase());
    Ok(ResidentStats { channels, total, areas })
}

/// The subscriptions with a place in `area`, each counted once.
fn per_area(area: &NamedArea, places: &[PlaceOf]) -> AreaCount {
    let mut seen = HashSet::new();
    let mut channels = empty_channels();
    let mut total = Count::default();
    for p in places.iter().filter(|p| is_in(area, p)) {
        if seen.insert(p.subscription_id) {
            channels.entry(p.channel.clone()).or_default().add(p.verified, 1);
            total.add(p.verified, 1);
        }
    }
    AreaCount { id: area.id, name: area.name.clone(), channels, total }
}

fn is_in(area: &NamedArea, p: &PlaceOf) -> bool {
    match (p.area_id, p.lat, p.lon) {
        (Some(id), _, _) => id == area.id,
        (None, Some(lat), Some(lon)) => area.polygons.iter().any(|poly| poly.contains(lat, lon)),
        _ => false,
    }
}
