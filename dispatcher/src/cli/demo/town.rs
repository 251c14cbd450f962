//! The demo town, Dolná Lehota (fictional): its named areas, its staff accounts and where its
//! sirens, displays and residents are. The areas go in through the same GeoJSON import as
//! `tocsin area import`, the accounts through the same code as `tocsin user add`.

use serde_json::{Value, json};

use crate::app::App;
use crate::domain::audit::Actor;
use crate::domain::roles::Role;
use crate::domain::{accounts, areas, password};

/// What the demo's actions are recorded as coming from in the audit log.
pub const ORIGIN: &str = "demo";

/// The town's name, as staff and residents see it.
pub const NAME: &str = "Dolná Lehota";

/// A named area: a rectangle, so that places inside it are easy to pick.
pub struct Area {
    /// Its name (what an approver types to issue a live warning for it).
    pub name: &'static str,
    /// South, west, north, east edges (degrees).
    pub bounds: [f64; 4],
}

/// The sub-areas, where devices and residents are; the whole municipality comes first in
/// [`ALL_AREAS`].
pub const AREAS: &[Area] = &[
    Area { name: "Pri rieke", bounds: [48.700, 19.300, 48.712, 19.380] },
    Area { name: "Centrum", bounds: [48.712, 19.325, 48.726, 19.355] },
    Area { name: "Priemyselná zóna", bounds: [48.712, 19.355, 48.726, 19.380] },
    Area { name: "Horný koniec", bounds: [48.726, 19.300, 48.740, 19.380] },
];

/// The whole municipality, an area of its own (for the siren test and the all clear).
pub const WHOLE: Area = Area { name: "Celá obec", bounds: [48.700, 19.300, 48.740, 19.380] };

impl Area {
    /// A point inside it: `u` and `v` from 0 to 1 across and up, kept off the edges.
    pub fn point(&self, u: f64, v: f64) -> (f64, f64) {
        let [s, w, n, e] = self.bounds;
        let inner = |t: f64| 0.05 + 0.9 * t.clamp(0.0, 1.0);
        (s + (n - s) * inner(v), w + (e - w) * inner(u))
    }

    fn feature(&self) -> Value {
        let [s, w, n, e] = self.bounds;
        // GeoJSON positions are [longitude, latitude], the ring closed.
        let ring = [[w, s], [e, s], [e, n], [w, n], [w, s]];
        json!({
            "type": "Feature",
            "properties": { "name": self.name },
            "geometry": { "type": "Polygon", "coordinates": [ring] },
        })
    }
}

/// The areas as one GeoJSON FeatureCollection, as a municipality would export them.
pub fn geojson() -> String {
    let features: Vec<Value> = std::iter::once(&WHOLE).chain(AREAS).map(Area::feature).collect();
    json!({ "type": "FeatureCollection", "features": features }).to_string()
}

/// Imports the areas; gives their ids by name.
pub async fn add_areas(app: &App) -> anyhow::Result<Vec<(String, i64)>> {
    let (views, _) = areas::import(app, &Actor::System, ORIGIN, &geojson()).await?;
    Ok(views.into_iter().map(|a| (a.name, a.id)).collect())
}

/// A staff account of the demo, with the password made for this run.
pub struct Account {
    /// The login name.
    pub username: &'static str,
    /// What it may do, in words.
    pub role: &'static str,
    /// The password, printed at start.
    pub password: String,
}

/// The staff: one author and one approver (two people, for the two-person rule) and an
/// administrator who runs devices. Their passwords are new on every run; none needs TOTP.
pub async fn add_accounts(app: &App) -> anyhow::Result<Vec<Account>> {
    let staff: [(&str, &str, &[Role], &str); 3] = [
        ("author", "Anna Autorová", &[Role::Author], "author: writes and submits alerts"),
        ("approver", "Boris Schvaľovateľ", &[Role::Approver], "approver: approves, issues, cancels"),
        ("admin", "Správca obce", &[Role::Admin, Role::Operator, Role::Auditor], "admin: devices, users, audit"),
    ];
    let mut out = Vec::new();
    for (username, display, roles, role) in staff {
        let pw = password::generate();
        accounts::add(app, &Actor::System, ORIGIN, username, display, roles, Some(&pw)).await?;
        out.push(Account { username, role, password: pw });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_areas_read_as_geojson_and_the_sub_areas_lie_in_the_town() {
        let (areas, warnings) = areas::parse_geojson(&geojson()).unwrap();
        assert!(warnings.is_empty());
        assert_eq!(areas.len(), AREAS.len() + 1);
        let [s, w, n, e] = WHOLE.bounds;
        for a in AREAS {
            let [as_, aw, an, ae] = a.bounds;
            assert!(as_ >= s && aw >= w && an <= n && ae <= e, "{} is outside the town", a.name);
            let (lat, lon) = a.point(1.0, 0.0);
            assert!(lat > as_ && lat < an && lon > aw && lon < ae, "{} gives a point outside", a.name);
        }
    }
}
