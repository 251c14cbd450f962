//! Named areas: a town's districts, a river's flood plain. Imported from GeoJSON with their
//! polygons and geocodes, and added to alerts by id so a routine warning needs no drawing.

use cap_alerts::geo::{Point, Polygon};
use cap_alerts::model::NamedValue;
use serde::Serialize;
use serde_json::{Value, json};

use super::audit::{self, Actor, Event};
use super::error::{Error, Result};
use crate::app::App;
use crate::db::Executor;
use crate::db::areas::{self, AreaRow};

/// A named area with its shapes.
#[derive(Clone, Debug, PartialEq)]
pub struct NamedArea {
    /// Id.
    pub id: i64,
    /// Name (the CAP areaDesc).
    pub name: String,
    /// Polygons (outer rings).
    pub polygons: Vec<Polygon>,
    /// Geocodes, for example `LAU` = `SK0101`.
    pub geocodes: Vec<NamedValue>,
    /// Size in square kilometres.
    pub area_km2: f64,
}

/// A named area as the API shows it.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AreaView {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Number of polygons.
    pub polygons: usize,
    /// Geocodes as `valueName` and `value`.
    #[schemars(with = "Vec<serde_json::Value>")]
    pub geocodes: Vec<NamedValue>,
    /// Size in square kilometres.
    pub area_km2: f64,
    /// The polygons as CAP text (`lat,lon lat,lon …`), when asked for one area.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cap_polygons: Option<Vec<String>>,
}

impl NamedArea {
    fn from_row(r: &AreaRow) -> Result<Self> {
        let texts: Vec<String> = serde_json::from_str(&r.polygons).map_err(|e| Error::Internal(e.into()))?;
        let polygons = texts
            .iter()
            .map(|t| Polygon::parse(t))
            .collect::<Result<_, _>>()
            .map_err(|e| Error::Internal(anyhow::anyhow!("stored polygon: {e}")))?;
        let geocodes = serde_json::from_str(&r.geocodes).map_err(|e| Error::Internal(e.into()))?;
        Ok(NamedArea { id: r.id, name: r.name.clone(), polygons, geocodes, area_km2: r.area_km2 })
    }

    /// The API view.
    pub fn view(&self, with_polygons: bool) -> AreaView {
        AreaView {
            id: self.id,
            name: self.name.clone(),
            polygons: self.polygons.len(),
            geocodes: self.geocodes.clone(),
            area_km2: self.area_km2,
            cap_polygons: with_polygons.then(|| self.polygons.iter().map(Polygon::to_cap_text).collect()),
        }
    }
}

/// The named areas with these ids, in order; an unknown id is an error naming its place.
pub async fn load(ex: &mut impl Executor, ids: &[i64]) -> Result<Vec<NamedArea>> {
    let mut out = Vec::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        let row = areas::by_id(ex, *id)
            .await?
            .ok_or_else(|| Error::invalid(format!("/areas/{i}"), format!("there is no named area {id}")))?;
        out.push(NamedArea::from_row(&row)?);
    }
    Ok(out)
}

/// Every named area.
pub async fn all(ex: &mut impl Executor) -> Result<Vec<NamedArea>> {
    areas::list(ex).await?.iter().map(NamedArea::from_row).collect()
}

/// One area parsed from GeoJSON.
#[derive(Clone, Debug, PartialEq)]
pub struct Imported {
    /// `properties.name`.
    pub name: String,
    /// The outer rings.
    pub polygons: Vec<Polygon>,
    /// `properties.geocodes`.
    pub geocodes: Vec<NamedValue>,
}

/// Reads a GeoJSON Feature or FeatureCollection of Polygons and MultiPolygons. Each feature
/// needs `properties.name`; `properties.geocodes` may map valueNames to values. CAP has no
/// holes, so inner rings are left out (and said so in the warnings).
pub fn parse_geojson(text: &str) -> Result<(Vec<Imported>, Vec<String>)> {
    let doc: Value = serde_json::from_str(text).map_err(|e| Error::invalid("", format!("not JSON: {e}")))?;
    let features: Vec<&Value> = match doc.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => {
            doc.get("features").and_then(Value::as_array).map(|a| a.iter().collect()).unwrap_or_default()
        }
        Some("Feature") => vec![&doc],
        _ => return Err(Error::invalid("/type", "a GeoJSON FeatureCollection or Feature is expected")),
    };
    if features.is_empty() {
        return Err(Error::invalid("/features", "no features"));
    }
    let mut warnings = Vec::new();
    let mut out = Vec::new();
    for (i, f) in features.iter().enumerate() {
        let at = format!("/features/{i}");
        let name = f.pointer("/properties/name").and_then(Value::as_str).map(str::trim).filter(|n| !n.is_empty());
        let name = name.ok_or_else(|| Error::invalid(format!("{at}/properties/name"), "every feature needs a name"))?;
        let rings = outer_rings(f.get("geometry").unwrap_or(&Value::Null), &at, &mut warnings, name)?;
        let polygons = rings
            .into_iter()
            .enumerate()
            .map(|(k, ring)| {
                Polygon::new(ring).map_err(|e| Error::invalid(format!("{at}/geometry (ring {k})"), e.to_string()))
            })
            .collect::<Result<Vec<_>>>()?;
        let geocodes = match f.pointer("/properties/geocodes") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Object(m)) => m
                .iter()
                .map(|(k, v)| NamedValue::new(k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
                .collect(),
            Some(_) => {
                return Err(Error::invalid(format!("{at}/properties/geocodes"), "an object of valueName to value"));
            }
        };
        out.push(Imported { name: name.to_owned(), polygons, geocodes });
    }
    Ok((out, warnings))
}

/// The outer rings of a GeoJSON Polygon or MultiPolygon geometry (`at` names it in errors).
pub(crate) fn outer_rings(
    geometry: &Value,
    at: &str,
    warnings: &mut Vec<String>,
    name: &str,
) -> Result<Vec<Vec<Point>>> {
    let coords =
        geometry.get("coordinates").ok_or_else(|| Error::invalid(format!("{at}/geometry"), "no coordinates"))?;
    let polygons: Vec<&Value> = match geometry.get("type").and_then(Value::as_str) {
        Some("Polygon") => vec![coords],
        Some("MultiPolygon") => coords.as_array().map(|a| a.iter().collect()).unwrap_or_default(),
        other => {
            return Err(Error::invalid(
                format!("{at}/geometry/type"),
                format!("{other:?}: only Polygon and MultiPolygon can be areas"),
            ));
        }
    };
    let mut rings = Vec::new();
    for p in polygons {
        let Some(p) = p.as_array().filter(|p| !p.is_empty()) else {
            return Err(Error::invalid(format!("{at}/geometry"), "a polygon without rings"));
        };
        if p.len() > 1 {
            warnings.push(format!("{name}: {} inner ring(s) left out; CAP polygons have no holes", p.len() - 1));
        }
        let ring = p[0]
            .as_array()
            .ok_or_else(|| Error::invalid(format!("{at}/geometry"), "a ring is an array of positions"))?;
        let points = ring
            .iter()
            .map(|pos| {
                let lon = pos.get(0).and_then(Value::as_f64);
                let lat = pos.get(1).and_then(Value::as_f64);
                match (lat, lon) {
                    (Some(lat), Some(lon)) => {
                        Point::new(lat, lon).map_err(|e| Error::invalid(format!("{at}/geometry"), e.to_string()))
                    }
                    _ => Err(Error::invalid(format!("{at}/geometry"), "positions are [longitude, latitude]")),
                }
            })
            .collect::<Result<Vec<_>>>()?;
        rings.push(points);
    }
    Ok(rings)
}

/// Imports areas from GeoJSON; an area with an existing name is replaced.
pub async fn import(app: &App, actor: &Actor, address: &str, text: &str) -> Result<(Vec<AreaView>, Vec<String>)> {
    let (imported, warnings) = parse_geojson(text)?;
    let mut tx = app.db.begin().await?;
    let mut views = Vec::new();
    for a in &imported {
        let polygons = serde_json::to_string(&a.polygons.iter().map(Polygon::to_cap_text).collect::<Vec<_>>())
            .map_err(|e| Error::Internal(e.into()))?;
        let geocodes = serde_json::to_string(&a.geocodes).map_err(|e| Error::Internal(e.into()))?;
        let km2: f64 = a.polygons.iter().map(Polygon::area_km2).sum();
        let id = match areas::by_name(&mut tx, &a.name).await? {
            Some(existing) => {
                areas::replace(&mut tx, existing.id, &polygons, &geocodes, km2).await?;
                existing.id
            }
            None => areas::insert(&mut tx, &a.name, &polygons, &geocodes, km2).await?,
        };
        let row = areas::by_id(&mut tx, id).await?.ok_or(Error::NotFound("area"))?;
        views.push(NamedArea::from_row(&row)?.view(false));
    }
    let names: Vec<&str> = imported.iter().map(|a| a.name.as_str()).collect();
    let event =
        Event::new(actor, address, "area.import", format!("areas:{}", names.len())).details(json!({ "names": names }));
    audit::record(&mut tx, event).await?;
    tx.commit().await?;
    Ok((views, warnings))
}

/// Deletes a named area.
pub async fn delete(app: &App, actor: &Actor, address: &str, id: i64) -> Result<()> {
    let mut tx = app.db.begin().await?;
    let row = areas::by_id(&mut tx, id).await?.ok_or(Error::NotFound("area"))?;
    let naming = areas::places_naming(&mut tx, id).await?;
    if naming > 0 {
        return Err(Error::Conflict(format!(
            "{naming} residents' places name the area {}; it stays while they do (upload a new shape under the same name to change it)",
            row.name
        )));
    }
    areas::delete(&mut tx, id).await?;
    let event = Event::new(actor, address, "area.delete", format!("area:{}", row.name));
    audit::record(&mut tx, event).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geojson_is_read_as_lat_lon_outer_rings() {
        let text = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"Old Town","geocodes":{"LAU":"SK0101"}},
            "geometry":{"type":"Polygon","coordinates":[[[17.0,48.1],[17.2,48.1],[17.2,48.2],[17.0,48.2],[17.0,48.1]],[[17.05,48.12],[17.1,48.12],[17.1,48.15],[17.05,48.12]]]}}]}"#;
        let (areas, warnings) = parse_geojson(text).unwrap();
        assert_eq!(areas[0].name, "Old Town");
        assert_eq!(areas[0].polygons[0].points()[1].lat(), 48.1);
        assert_eq!(areas[0].polygons[0].points()[1].lon(), 17.2);
        assert!(areas[0].polygons[0].contains(48.15, 17.1));
        assert_eq!(areas[0].geocodes, [NamedValue::new("LAU", "SK0101")]);
        assert_eq!(warnings.len(), 1, "the hole was left out and said so");
    }

    #[test]
    fn bad_geojson_names_the_field() {
        for (text, field) in [
            (
                r#"{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[]}}"#,
                "/features/0/properties/name",
            ),
            (
                r#"{"type":"Feature","properties":{"name":"x"},"geometry":{"type":"Point","coordinates":[1,2]}}"#,
                "/features/0/geometry/type",
            ),
            (
                r#"{"type":"Feature","properties":{"name":"x"},"geometry":{"type":"Polygon","coordinates":[[[1,2],[3,4],[1,2]]]}}"#,
                "/features/0/geometry (ring 0)",
            ),
            (r#"[1,2]"#, "/type"),
        ] {
            match parse_geojson(text) {
                Err(Error::Invalid { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{text}: {other:?}"),
            }
        }
    }
}
