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

/// Adds subscriptions in one transaction; gives their ids. The targeting index picks them up at
/// its next catch-up.
pub async fn add(app: &App, subs: &[Subscription]) -> Result<Vec<i64>> {
    let mut tx = app.db.begin().await?;
    let mut ids = Vec::with_capacity(subs.len());
    for s in subs {
        if s.places.is_empty() {
            return Err(Error::invalid("/places", "at least one place"));
        }
        let context = format!("address:{}", s.channel);
        let sealed = app.key.encrypt(s.address.as_bytes(), &context);
        let hash = address_hash(app, &s.channel, &s.address);
        let languages = s.languages.join(",");
        let new = NewSubscription {
            channel: &s.channel,
            address_sealed: &sealed,
            address_hash: &hash,
            languages: &languages,
            min_severity: s.min_severity.as_str(),
            exercises: s.exercises,
            tests: s.tests,
            verified: s.verified,
        };
        let id = match subscriptions::insert(&mut tx, &new).await {
            Ok(id) => id,
            Err(e) if crate::db::is_unique_violation(&e) => {
                return Err(Error::Conflict("this address is already subscribed".into()));
            }
            Err(e) => return Err(e.into()),
        };
        for p in &s.places {
            match *p {
                Place::Point { lat, lon } => subscriptions::insert_place(&mut tx, id, Some((lat, lon)), None).await?,
                Place::Area(a) => subscriptions::insert_place(&mut tx, id, None, Some(a)).await?,
            };
        }
        ids.push(id);
    }
    tx.commit().await?;
    Ok(ids)
}
