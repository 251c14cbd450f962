//! The instance's own territory (`[territory]`): stored named areas and a GeoJSON file. Feed
//! rules ask whether an alert's areas overlap it; cascades will ask the same of a child's.
//! Polygons and circles are tested geometrically; a geocode counts only when a stored named
//! area carries it, and then by that area's polygons (or by being one of the territory's areas).

use cap_alerts::Alert;
use cap_alerts::geo::{Coverage, Polygon};
use cap_alerts::model::NamedValue;
use serde_json::Value;

use super::areas::{self, NamedArea};
use super::error::{Error, Result};
use crate::config::Settings;
use crate::db::Executor;

/// The territory, with the named areas that resolve geocodes.
#[derive(Clone, Debug)]
pub struct Territory {
    coverage: Coverage,
    geocodes: Vec<NamedValue>,
    named: Vec<NamedArea>,
}

/// Reads the polygons of a GeoJSON Polygon, MultiPolygon, Feature or FeatureCollection (outer
/// rings: CAP polygons have no holes).
pub fn parse_geojson(text: &str) -> Result<Vec<Polygon>> {
    let doc: Value = serde_json::from_str(text).map_err(|e| Error::invalid("", format!("not JSON: {e}")))?;
    let geometries: Vec<(String, &Value)> = match doc.get("type").and_then(Value::as_str) {
        Some("Polygon" | "MultiPolygon") => vec![(String::new(), &doc)],
        Some("Feature") => vec![("/geometry".into(), doc.get("geometry").unwrap_or(&Value::Null))],
        Some("FeatureCollection") => doc
            .get("features")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .enumerate()
                    .map(|(i, f)| (format!("/features/{i}/geometry"), f.get("geometry").unwrap_or(&Value::Null)))
                    .collect()
            })
            .unwrap_or_default(),
        _ => return Err(Error::invalid("/type", "a Polygon, MultiPolygon, Feature or FeatureCollection")),
    };
    let mut polygons = Vec::new();
    for (at, g) in geometries {
        for ring in areas::outer_rings(g, &at, &mut Vec::new(), "territory")? {
            polygons.push(Polygon::new(ring).map_err(|e| Error::invalid(at.clone(), e.to_string()))?);
        }
    }
    if polygons.is_empty() {
        return Err(Error::invalid("", "no polygon"));
    }
    Ok(polygons)
}

impl Territory {
    /// The configured territory, or None when `[territory]` is empty. A name in
    /// `territory.areas` that no stored area has is an error naming the key.
    pub async fn load(settings: &Settings, ex: &mut impl Executor) -> Result<Option<Territory>> {
        let t = &settings.territory;
        if !t.is_configured() {
            return Ok(None);
        }
        let named = areas::all(ex).await?;
        let mut polygons = Vec::new();
        if !t.geojson_file.is_empty() {
            let text = std::fs::read_to_string(&t.geojson_file)
                .map_err(|e| Error::invalid("territory.geojson_file", e.to_string()))?;
            polygons = parse_geojson(&text).map_err(|e| Error::invalid("territory.geojson_file", e.to_string()))?;
        }
        Territory::of(&t.areas, "territory.areas", &polygons, named).map(Some)
    }

    /// A territory of stored named areas (`key` names the setting that lists them, for an
    /// error) and more polygons; `named` are the stored named areas.
    pub fn of(names: &[String], key: &str, polygons: &[Polygon], named: Vec<NamedArea>) -> Result<Territory> {
        let mut coverage = Coverage::new();
        let mut geocodes = Vec::new();
        for name in names {
            let area = named
                .iter()
                .find(|a| a.name == *name)
                .ok_or_else(|| Error::invalid(key, format!("there is no stored named area {name:?}")))?;
            area.polygons.iter().cloned().for_each(|p| coverage.add_polygon(p));
            geocodes.extend(area.geocodes.iter().cloned());
        }
        polygons.iter().cloned().for_each(|p| coverage.add_polygon(p));
        Ok(Territory { coverage, geocodes, named })
    }

    /// Whether any area of any info of the alert overlaps the territory.
    pub fn overlaps(&self, alert: &Alert) -> bool {
        alert.infos.iter().flat_map(|i| &i.areas).any(|area| {
            let shapes = Coverage::of_area(area);
            let by_shape = !shapes.is_empty() && self.coverage.polygons().iter().any(|p| shapes.intersects_polygon(p));
            by_shape || area.geocodes.iter().any(|g| self.geocode_overlaps(g))
        })
    }

    fn geocode_overlaps(&self, g: &NamedValue) -> bool {
        if self.geocodes.contains(g) {
            return true;
        }
        self.named
            .iter()
            .filter(|a| a.geocodes.contains(g))
            .any(|a| a.polygons.iter().any(|p| self.coverage.intersects_polygon(p)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(lat: f64, lon: f64, d: f64) -> Polygon {
        Polygon::parse(&format!("{lat},{lon} {lat},{} {},{} {},{lon} {lat},{lon}", lon + d, lat + d, lon + d, lat + d))
            .unwrap()
    }

    fn alert_with(area: &str) -> Alert {
        let xml = format!(
            r#"<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>x</identifier><sender>s@x</sender>
            <sent>2026-01-01T00:00:00+00:00</sent><status>Actual</status><msgType>Alert</msgType><scope>Public</scope>
            <info><category>Met</category><event>Flood</event><urgency>Immediate</urgency><severity>Severe</severity>
            <certainty>Observed</certainty><area><areaDesc>a</areaDesc>{area}</area></info></alert>"#
        );
        cap_alerts::Reader::new().mode(cap_alerts::Mode::Lenient).read(xml.as_bytes()).unwrap().alert
    }

    fn territory(named: Vec<NamedArea>) -> Territory {
        let mut coverage = Coverage::new();
        coverage.add_polygon(square(48.0, 17.0, 0.2));
        Territory { coverage, geocodes: vec![NamedValue::new("LAU", "SK0101")], named }
    }

    #[test]
    fn polygons_and_circles_overlap_by_geometry() {
        let t = territory(Vec::new());
        assert!(t.overlaps(&alert_with("<polygon>48.1,17.1 48.1,17.5 48.5,17.5 48.5,17.1 48.1,17.1</polygon>")));
        assert!(!t.overlaps(&alert_with("<polygon>49.1,17.1 49.1,17.5 49.5,17.5 49.5,17.1 49.1,17.1</polygon>")));
        assert!(t.overlaps(&alert_with("<circle>48.25,17.25 10</circle>")));
        assert!(!t.overlaps(&alert_with("<circle>50,20 10</circle>")));
    }

    #[test]
    fn geocodes_count_only_through_named_areas() {
        let near = NamedArea {
            id: 1,
            name: "near".into(),
            polygons: vec![square(48.1, 17.1, 0.05)],
            geocodes: vec![NamedValue::new("LAU", "SK0102")],
            area_km2: 1.0,
        };
        let far = NamedArea { polygons: vec![square(45.0, 10.0, 0.05)], name: "far".into(), ..near.clone() };
        let far = NamedArea { geocodes: vec![NamedValue::new("LAU", "IT0001")], ..far };
        let t = territory(vec![near, far]);
        let geocode = |v: &str| format!("<geocode><valueName>LAU</valueName><value>{v}</value></geocode>");
        assert!(t.overlaps(&alert_with(&geocode("SK0101"))), "one of the territory's own geocodes");
        assert!(t.overlaps(&alert_with(&geocode("SK0102"))), "a stored area inside the territory");
        assert!(!t.overlaps(&alert_with(&geocode("IT0001"))), "a stored area elsewhere");
        assert!(!t.overlaps(&alert_with(&geocode("ZZ9999"))), "a geocode nobody knows");
    }

    #[test]
    fn geojson_geometries_features_and_collections_are_read() {
        let ring = "[[17.0,48.0],[17.2,48.0],[17.2,48.2],[17.0,48.0]]";
        assert_eq!(parse_geojson(&format!(r#"{{"type":"Polygon","coordinates":[{ring}]}}"#)).unwrap().len(), 1);
        let multi = format!(r#"{{"type":"MultiPolygon","coordinates":[[{ring}],[{ring}]]}}"#);
        assert_eq!(parse_geojson(&multi).unwrap().len(), 2);
        let fc = format!(r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","geometry":{multi}}}]}}"#);
        assert_eq!(parse_geojson(&fc).unwrap().len(), 2);
        let bad = parse_geojson(r#"{"type":"Point","coordinates":[1,2]}"#).unwrap_err();
        assert!(bad.to_string().starts_with("/type"), "{bad}");
    }
}
