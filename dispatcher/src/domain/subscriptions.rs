//! Residents' subscriptions: a channel address (sealed with the instance key, found again by a
//! keyed hash), the places they watch, their languages and the least severity they want.

use cap_alerts::model::Severity;

use super::error::{Error, Result};
use crate::app::App;
use crate::db::subscriptions::{self, NewSubscription};

/// A place a resident watches.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Place {
    /// A point they chose.
    Point {
        /// Latitude.
        lat: f64,
        /// Longitude.
        lon: f64,
    },
    /// A named area, by id.
    Area(i64),
}

/// A subscription to add.
#[derive(Clone, Debug)]
pub struct Subscription {
    /// `push`, `sms`, `email` (or `memory` in engine tests).
    pub channel: String,
    /// The address on that channel.
    pub address: String,
    /// Languages in order of preference.
    pub languages: Vec<String>,
    /// The least severity wanted.
    pub min_severity: Severity,
    /// Whether Exercise alerts are wanted.
    pub exercises: bool,
    /// Whether Test alerts are wanted.
    pub tests: bool,
    /// Whether the address was verified (nothing is sent before).
    pub verified: bool,
    /// Where.
    pub places: Vec<Place>,
}

/// The keyed hash that finds an address again.
pub fn address_hash(app: &App, channel: &str, address: &str) -> String {
    app.key.lookup_hash(&format!("address:{channel}"), address)
}

/// Adds subscriptions in one transaction, a thousand rows a statement; gives their ids in the
/// order given. The targeting index picks them up at its next catch-up.
pub async fn add(app: &App, subs: &[Subscription]) -> Result<Vec<i64>> {
    if let Some(i) = subs.iter().position(|s| s.places.is_empty()) {
        return Err(Error::invalid(format!("/{i}/places"), "at least one place"));
    }
    let mut tx = app.db.begin().await?;
    let mut ids = Vec::with_capacity(subs.len());
    for chunk in subs.chunks(1000) {
        let sealed: Vec<(String, String, String)> = chunk
            .iter()
            .map(|s| {
                (
                    app.key.encrypt(s.address.as_bytes(), &format!("address:{}", s.channel)),
                    address_hash(app, &s.channel, &s.address),
                    s.languages.join(","),
                )
            })
            .collect();
        let rows: Vec<NewSubscription<'_>> = chunk
            .iter()
            .zip(&sealed)
            .map(|(s, (sealed, hash, languages))| NewSubscription {
                channel: &s.channel,
                address_sealed: sealed,
                address_hash: hash,
                languages,
                min_severity: s.min_severity.as_str(),
                exercises: s.exercises,
                tests: s.tests,
                verified: s.verified,
            })
            .collect();
        let inserted = match subscriptions::insert_many(&mut tx, &rows).await {
            Ok(v) => v,
            Err(e) if crate::db::is_unique_violation(&e) => {
                return Err(Error::Conflict("an address is already subscribed".into()));
            }
            Err(e) => return Err(e.into()),
        };
        // Hashes are unique per channel; the chunk's (channel, hash) pairs name its rows.
        let by_hash: std::collections::HashMap<&str, i64> =
            inserted.iter().map(|(id, hash)| (hash.as_str(), *id)).collect();
        let mut places = Vec::new();
        for (s, (_, hash, _)) in chunk.iter().zip(&sealed) {
            let id =
                *by_hash.get(hash.as_str()).ok_or_else(|| Error::Internal(anyhow::anyhow!("a row went missing")))?;
            ids.push(id);
            for p in &s.places {
                places.push(match *p {
                    Place::Point { lat, lon } => (id, Some((lat, lon)), None),
                    Place::Area(a) => (id, None, Some(a)),
                });
            }
        }
        subscriptions::insert_places_many(&mut tx, &places).await?;
    }
    tx.commit().await?;
    Ok(ids)
}
