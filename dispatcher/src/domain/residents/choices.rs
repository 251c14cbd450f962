//! What a resident chooses: places (points or named areas), languages, the least severity, and
//! whether exercises and tests are wanted. Checked into [`Checked`] before anything is stored.

use cap_alerts::model::{Language, Severity};
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::db::residents::{self, Preferences};
use crate::db::{Tx, subscriptions};
use crate::domain::error::{Error, Result};
use crate::domain::subscriptions::Place;

/// A place as sent: a point (`lat`, `lon`) or a named area (`area`, its id).
#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaceInput {
    /// Latitude, WGS 84.
    pub lat: Option<f64>,
    /// Longitude, WGS 84.
    pub lon: Option<f64>,
    /// A named area's id (`GET /api/v1/public/areas`).
    pub area: Option<i64>,
}

/// The choices of `PUT /api/v1/residents/subscriptions/{id}`.
#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Choices {
    /// 1 to 10 places.
    pub places: Vec<PlaceInput>,
    /// 1 to 5 language tags, preferred first (`sk`, `en-GB`).
    pub languages: Vec<String>,
    /// `Minor`, `Moderate`, `Severe` or `Extreme` (default `Moderate`).
    #[serde(default = "moderate")]
    pub min_severity: String,
    /// Exercise alerts too (default true).
    #[serde(default = "yes")]
    pub exercises: bool,
    /// Test alerts too (default false).
    #[serde(default)]
    pub tests: bool,
}

pub(super) fn moderate() -> String {
    "Moderate".into()
}

pub(super) fn yes() -> bool {
    true
}

/// Choices once checked.
#[derive(Clone, Debug)]
pub struct Checked {
    pub places: Vec<Place>,
    pub languages: Vec<String>,
    pub min_severity: Severity,
    pub exercises: bool,
    pub tests: bool,
}

impl Choices {
    /// Checks every choice; the error names the field and what is allowed.
    pub async fn check(&self, app: &App) -> Result<Checked> {
        if !(1..=10).contains(&self.places.len()) {
            return Err(Error::invalid("/places", "give 1 to 10 places"));
        }
        let mut places = Vec::with_capacity(self.places.len());
        for (i, p) in self.places.iter().enumerate() {
            places.push(place(app, i, p).await?);
        }
        Ok(Checked {
            places,
            languages: languages(&self.languages)?,
            min_severity: severity(&self.min_severity)?,
            exercises: self.exercises,
            tests: self.tests,
        })
    }
}

impl Checked {
    /// Makes these the choices of a subscription: its preferences, and its places (the old
    /// ones ended and erased).
    pub async fn apply(&self, tx: &mut Tx, id: i64) -> Result<()> {
        let languages = self.languages.join(",");
        let prefs = Preferences {
            languages: &languages,
            min_severity: self.min_severity.as_str(),
            exercises: self.exercises,
            tests: self.tests,
        };
        residents::set_preferences(tx, id, &prefs).await?;
        residents::erase_places(tx, id).await?;
        let rows: Vec<subscriptions::NewPlace> = self
            .places
            .iter()
            .map(|p| match *p {
                Place::Point { lat, lon } => (id, Some((lat, lon)), None),
                Place::Area(a) => (id, None, Some(a)),
            })
            .collect();
        subscriptions::insert_places_many(tx, &rows).await?;
        Ok(())
    }
}

async fn place(app: &App, i: usize, p: &PlaceInput) -> Result<Place> {
    let at = format!("/places/{i}");
    match (p.lat, p.lon, p.area) {
        (Some(lat), Some(lon), None) => point(&at, lat, lon),
        (None, None, Some(area)) => {
            let known = crate::db::areas::by_id(&mut app.db.read().await?, area).await?.is_some();
            if !known {
                return Err(Error::invalid(format!("{at}/area"), format!("there is no named area {area}")));
            }
            Ok(Place::Area(area))
        }
        _ => Err(Error::invalid(at, "give either lat and lon, or area (a named area's id)")),
    }
}

/// A point, checked: latitude -90 to 90, longitude -180 to 180.
pub fn point(at: &str, lat: f64, lon: f64) -> Result<Place> {
    if !(-90.0..=90.0).contains(&lat) {
        return Err(Error::invalid(format!("{at}/lat"), "must be a latitude from -90 to 90"));
    }
    if !(-180.0..=180.0).contains(&lon) {
        return Err(Error::invalid(format!("{at}/lon"), "must be a longitude from -180 to 180"));
    }
    Ok(Place::Point { lat, lon })
}

/// Language tags, checked: 1 to 5 well-formed tags.
pub fn languages(tags: &[String]) -> Result<Vec<String>> {
    if !(1..=5).contains(&tags.len()) {
        return Err(Error::invalid("/languages", "give 1 to 5 language tags, such as [\"sk\", \"en\"]"));
    }
    tags.iter()
        .enumerate()
        .map(|(i, t)| {
            Language::parse(t.trim())
                .map(|l| l.as_str().to_owned())
                .map_err(|e| Error::invalid(format!("/languages/{i}"), e.to_string()))
        })
        .collect()
}

/// The least severity, checked.
pub fn severity(text: &str) -> Result<Severity> {
    match text.parse::<Severity>() {
        Ok(s) if s != Severity::Unknown => Ok(s),
        _ => Err(Error::invalid("/min_severity", "must be Minor, Moderate, Severe or Extreme")),
    }
}
