//! Geometry of CAP areas: points, polygons and circles in WGS 84 degrees, with containment
//! tests and bounding boxes, and an area's coverage as the union of its shapes.
//!
//! CAP writes coordinates as `latitude,longitude`; so does this module. Polygons are plane
//! figures in (longitude, latitude): fine for the sizes of warning areas, not for polygons
//! across the antimeridian (validation warns about those, `CAP-G012`).

mod circle;
mod coverage;
mod crossing;
mod polygon;

use serde::{Deserialize, Serialize};

pub use circle::Circle;
pub use coverage::Coverage;
pub use crossing::{Crossing, find_crossing};
pub use polygon::Polygon;

/// Mean Earth radius in kilometres (IUGG), used for distances on the sphere.
pub const EARTH_RADIUS_KM: f64 = 6371.0088;

/// Why a geometry text is not a valid shape.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum GeometryError {
    /// The text is empty.
    #[error("the polygon is empty")]
    Empty,
    /// The text is not a list of `lat,lon` pairs (or `lat,lon radius` for a circle).
    #[error("{0}")]
    Malformed(String),
    /// A latitude or longitude is outside its range.
    #[error("{0}")]
    OutOfRange(String),
    /// A polygon with fewer than four points.
    #[error("the polygon has {0} points; at least 4 are required (the last repeating the first)")]
    TooFewPoints(usize),
    /// A polygon whose last point is not its first.
    #[error("the polygon is not closed: it starts at {first} and ends at {last}")]
    NotClosed {
        /// The first point, as `lat,lon`.
        first: String,
        /// The last point, as `lat,lon`.
        last: String,
    },
    /// A circle with a negative radius.
    #[error("the radius {0} km is negative")]
    NegativeRadius(f64),
}

/// A WGS 84 position in decimal degrees.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "[f64; 2]", into = "[f64; 2]")]
pub struct Point {
    lat: f64,
    lon: f64,
}

impl Point {
    /// A point, if latitude is within -90..=90 and longitude within -180..=180.
    pub fn new(lat: f64, lon: f64) -> Result<Self, GeometryError> {
        if !(lat.is_finite() && (-90.0..=90.0).contains(&lat)) {
            return Err(GeometryError::OutOfRange(format!("latitude {lat} is outside -90..90")));
        }
        if !(lon.is_finite() && (-180.0..=180.0).contains(&lon)) {
            return Err(GeometryError::OutOfRange(format!("longitude {lon} is outside -180..180")));
        }
        Ok(Point { lat, lon })
    }

    /// Latitude in degrees.
    pub fn lat(&self) -> f64 {
        self.lat
    }

    /// Longitude in degrees.
    pub fn lon(&self) -> f64 {
        self.lon
    }

    /// Parses one `lat,lon` pair as CAP writes it.
    pub fn parse_pair(text: &str) -> Result<Self, GeometryError> {
        let malformed = || GeometryError::Malformed(format!("{text:?} is not a latitude,longitude pair"));
        let (lat, lon) = text.split_once(',').ok_or_else(malformed)?;
        let lat = parse_degrees(lat).ok_or_else(malformed)?;
        let lon = parse_degrees(lon).ok_or_else(malformed)?;
        Point::new(lat, lon)
    }

    /// Great-circle distance to another point, in kilometres.
    pub fn distance_km(&self, other: &Point) -> f64 {
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dp = p2 - p1;
        let dl = (other.lon - self.lon).to_radians();
        let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
    }
}

/// Parses a decimal number of degrees: optional sign, digits, optional fraction. No exponent,
/// no `inf` or `NaN`, which `f64::from_str` would accept.
fn parse_degrees(s: &str) -> Option<f64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    let valid = !digits.is_empty()
        && digits.bytes().filter(|b| *b == b'.').count() <= 1
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && digits.bytes().any(|b| b.is_ascii_digit());
    if valid { s.parse().ok() } else { None }
}

impl TryFrom<[f64; 2]> for Point {
    type Error = GeometryError;
    fn try_from([lat, lon]: [f64; 2]) -> Result<Self, GeometryError> {
        Point::new(lat, lon)
    }
}

impl From<Point> for [f64; 2] {
    fn from(p: Point) -> [f64; 2] {
        [p.lat, p.lon]
    }
}

impl std::fmt::Display for Point {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{},{}", self.lat, self.lon)
    }
}

/// A latitude/longitude rectangle.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BoundingBox {
    /// Southern edge.
    pub min_lat: f64,
    /// Western edge.
    pub min_lon: f64,
    /// Northern edge.
    pub max_lat: f64,
    /// Eastern edge.
    pub max_lon: f64,
}

impl BoundingBox {
    /// The smallest box holding all the points; `None` for no points.
    pub fn of_points<'a>(points: impl IntoIterator<Item = &'a Point>) -> Option<Self> {
        points.into_iter().fold(None, |acc, p| {
            let b = BoundingBox { min_lat: p.lat, min_lon: p.lon, max_lat: p.lat, max_lon: p.lon };
            Some(acc.map_or(b, |a: BoundingBox| a.union(&b)))
        })
    }

    /// The smallest box holding both.
    pub fn union(&self, o: &BoundingBox) -> BoundingBox {
        BoundingBox {
            min_lat: self.min_lat.min(o.min_lat),
            min_lon: self.min_lon.min(o.min_lon),
            max_lat: self.max_lat.max(o.max_lat),
            max_lon: self.max_lon.max(o.max_lon),
        }
    }

    /// Whether the point lies in the box (edges included).
    pub fn contains(&self, lat: f64, lon: f64) -> bool {
        (self.min_lat..=self.max_lat).contains(&lat) && (self.min_lon..=self.max_lon).contains(&lon)
    }

    /// Approximate area of the box on the sphere, in square kilometres.
    pub fn area_km2(&self) -> f64 {
        let r = EARTH_RADIUS_KM;
        let band = (self.max_lat.to_radians().sin() - self.min_lat.to_radians().sin()).abs();
        r * r * band * (self.max_lon - self.min_lon).to_radians().abs()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_and_ranges() {
        let p = Point::parse_pair("+41.12,-117.61").unwrap();
        assert_eq!((p.lat(), p.lon()), (41.12, -117.61));
        for bad in ["41.12", "41.12,", ",1", "a,b", "1e3,2", "inf,2", "NaN,1", "41.12,-117.61,"] {
            assert!(matches!(Point::parse_pair(bad), Err(GeometryError::Malformed(_))), "{bad}");
        }
        assert!(matches!(Point::parse_pair("91,0"), Err(GeometryError::OutOfRange(_))));
        assert!(matches!(Point::parse_pair("0,-180.5"), Err(GeometryError::OutOfRange(_))));
    }

    #[test]
    fn distances() {
        let bratislava = Point::new(48.1486, 17.1077).unwrap();
        let vienna = Point::new(48.2082, 16.3738).unwrap();
        let d = bratislava.distance_km(&vienna);
        assert!((54.0..56.0).contains(&d), "{d}");
    }
}
