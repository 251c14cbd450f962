//! CAP circles: a centre point and a radius in kilometres.

use serde::{Deserialize, Serialize};

use super::{BoundingBox, EARTH_RADIUS_KM, GeometryError, Point, parse_degrees};

/// A circle on the Earth's surface.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", try_from = "CircleJson")]
pub struct Circle {
    center: Point,
    radius_km: f64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CircleJson {
    center: Point,
    radius_km: f64,
}

impl TryFrom<CircleJson> for Circle {
    type Error = GeometryError;
    fn try_from(c: CircleJson) -> Result<Self, GeometryError> {
        Circle::new(c.center, c.radius_km)
    }
}

impl Circle {
    /// A circle, if the radius is a non-negative number of kilometres.
    pub fn new(center: Point, radius_km: f64) -> Result<Self, GeometryError> {
        if !radius_km.is_finite() {
            return Err(GeometryError::Malformed(format!("the radius {radius_km} is not a number")));
        }
        if radius_km < 0.0 {
            return Err(GeometryError::NegativeRadius(radius_km));
        }
        Ok(Circle { center, radius_km })
    }

    /// Parses CAP text: `lat,lon radius`.
    pub fn parse(text: &str) -> Result<Self, GeometryError> {
        let malformed = || {
            GeometryError::Malformed(format!(
                "{text:?} is not a circle written as latitude,longitude radius (for example 32.9525,-115.5527 2.5)"
            ))
        };
        let mut parts = text.split_whitespace();
        let (Some(center), Some(radius), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(malformed());
        };
        let center = Point::parse_pair(center)?;
        let radius = parse_degrees(radius).ok_or_else(malformed)?;
        Circle::new(center, radius)
    }

    /// The centre.
    pub fn center(&self) -> Point {
        self.center
    }

    /// The radius in kilometres.
    pub fn radius_km(&self) -> f64 {
        self.radius_km
    }

    /// Whether the point lies within the radius.
    pub fn contains(&self, lat: f64, lon: f64) -> bool {
        Point::new(lat, lon).is_ok_and(|p| self.center.distance_km(&p) <= self.radius_km)
    }

    /// A box holding the whole circle.
    pub fn bbox(&self) -> BoundingBox {
        let dlat = (self.radius_km / EARTH_RADIUS_KM).to_degrees();
        let (lat, lon) = (self.center.lat(), self.center.lon());
        let (min_lat, max_lat) = ((lat - dlat).max(-90.0), (lat + dlat).min(90.0));
        let widest = min_lat.abs().max(max_lat.abs());
        let (min_lon, max_lon) = if widest >= 89.999 {
            (-180.0, 180.0)
        } else {
            let dlon = dlat / widest.to_radians().cos();
            ((lon - dlon).max(-180.0), (lon + dlon).min(180.0))
        };
        BoundingBox { min_lat, min_lon, max_lat, max_lon }
    }

    /// Area in square kilometres (of a spherical cap).
    pub fn area_km2(&self) -> f64 {
        let r = EARTH_RADIUS_KM;
        2.0 * std::f64::consts::PI * r * r * (1.0 - (self.radius_km / r).cos())
    }

    /// The CAP text.
    pub fn to_cap_text(&self) -> String {
        format!("{} {}", self.center, self.radius_km)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_rules() {
        let c = Circle::parse("32.9525,-115.5527 0").unwrap();
        assert_eq!(c.radius_km(), 0.0);
        assert_eq!(c.to_cap_text(), "32.9525,-115.5527 0");
        assert!(matches!(Circle::parse("32.9525,-115.5527"), Err(GeometryError::Malformed(_))));
        assert!(matches!(Circle::parse("32.9525 -115.5527 3"), Err(GeometryError::Malformed(_))));
        assert!(matches!(Circle::parse("32.9525,-115.5527 x"), Err(GeometryError::Malformed(_))));
        assert_eq!(Circle::parse("1,1 -2"), Err(GeometryError::NegativeRadius(-2.0)));
        assert!(matches!(Circle::parse("100,1 2"), Err(GeometryError::OutOfRange(_))));
    }

    #[test]
    fn containment_and_box() {
        let c = Circle::parse("48.1486,17.1077 10").unwrap();
        assert!(c.contains(48.1486, 17.1077));
        assert!(c.contains(48.2, 17.2));
        assert!(!c.contains(48.3, 17.1077), "17 km north");
        let b = c.bbox();
        assert!(b.contains(48.23, 17.1077) && b.contains(48.1486, 17.24));
        assert!(!b.contains(48.25, 17.1077));
    }
}
