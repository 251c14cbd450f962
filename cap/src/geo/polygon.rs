//! CAP polygons: at least four points, closed, in range.

use serde::{Deserialize, Serialize};

use super::{BoundingBox, GeometryError, Point};

/// A closed ring of at least four WGS 84 points, the last equal to the first.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(try_from = "Vec<Point>", into = "Vec<Point>")]
pub struct Polygon {
    points: Vec<Point>,
    bbox: BoundingBox,
}

impl Polygon {
    /// A polygon from its points, if there are at least four and the ring is closed.
    pub fn new(points: Vec<Point>) -> Result<Self, GeometryError> {
        if points.len() < 4 {
            return Err(GeometryError::TooFewPoints(points.len()));
        }
        let (first, last) = (points[0], points[points.len() - 1]);
        if first != last {
            return Err(GeometryError::NotClosed { first: first.to_string(), last: last.to_string() });
        }
        let bbox = BoundingBox::of_points(&points).ok_or(GeometryError::Empty)?;
        Ok(Polygon { points, bbox })
    }

    /// Parses CAP text: whitespace-delimited `lat,lon` pairs.
    pub fn parse(text: &str) -> Result<Self, GeometryError> {
        if text.trim().is_empty() {
            return Err(GeometryError::Empty);
        }
        let points = text.split_whitespace().map(Point::parse_pair).collect::<Result<Vec<_>, _>>()?;
        Polygon::new(points)
    }

    /// The points, the last repeating the first.
    pub fn points(&self) -> &[Point] {
        &self.points
    }

    /// The bounding box.
    pub fn bbox(&self) -> BoundingBox {
        self.bbox
    }

    /// Whether the point lies inside (even-odd rule on the plane of longitude and latitude).
    pub fn contains(&self, lat: f64, lon: f64) -> bool {
        if !self.bbox.contains(lat, lon) {
            return false;
        }
        let mut inside = false;
        for w in self.points.windows(2) {
            let (a, b) = (w[0], w[1]);
            if (a.lat > lat) != (b.lat > lat) {
                let x = a.lon + (lat - a.lat) / (b.lat - a.lat) * (b.lon - a.lon);
                if lon < x {
                    inside = !inside;
                }
            }
        }
        inside
    }

    /// Area on the sphere in square kilometres (spherical excess of the ring, approximate for
    /// large polygons).
    pub fn area_km2(&self) -> f64 {
        let r = super::EARTH_RADIUS_KM;
        let sum: f64 = self
            .points
            .windows(2)
            .map(|w| {
                let (a, b) = (w[0], w[1]);
                (b.lon - a.lon).to_radians() * (2.0 + a.lat.to_radians().sin() + b.lat.to_radians().sin())
            })
            .sum();
        (sum * r * r / 2.0).abs()
    }

    /// The CAP text: `lat,lon` pairs separated by spaces.
    pub fn to_cap_text(&self) -> String {
        self.points.iter().map(Point::to_string).collect::<Vec<_>>().join(" ")
    }
}

impl PartialEq for Polygon {
    fn eq(&self, other: &Self) -> bool {
        self.points == other.points
    }
}

impl TryFrom<Vec<Point>> for Polygon {
    type Error = GeometryError;
    fn try_from(points: Vec<Point>) -> Result<Self, GeometryError> {
        Polygon::new(points)
    }
}

impl From<Polygon> for Vec<Point> {
    fn from(p: Polygon) -> Vec<Point> {
        p.points
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQUARE: &str = "0,0 0,10 10,10 10,0 0,0";

    #[test]
    fn parse_rules() {
        assert!(Polygon::parse(SQUARE).is_ok());
        assert_eq!(Polygon::parse(" \n "), Err(GeometryError::Empty));
        assert_eq!(Polygon::parse("0,0 0,1 0,0"), Err(GeometryError::TooFewPoints(3)));
        assert!(matches!(Polygon::parse("0,0 0,1 1,1 1,0"), Err(GeometryError::NotClosed { .. })));
        assert!(matches!(Polygon::parse("0,0 0,1 1,1, 0,0"), Err(GeometryError::Malformed(_))));
        assert!(matches!(Polygon::parse("0,0 0,181 1,1 0,0"), Err(GeometryError::OutOfRange(_))));
    }

    #[test]
    fn containment() {
        let p = Polygon::parse(SQUARE).unwrap();
        assert!(p.contains(5.0, 5.0));
        assert!(!p.contains(15.0, 5.0));
        assert!(!p.contains(5.0, -0.1));
        let concave = Polygon::parse("0,0 10,0 10,10 5,5 0,10 0,0").unwrap();
        assert!(concave.contains(2.0, 1.0));
        assert!(!concave.contains(5.0, 9.0), "the notch of a concave polygon is outside");
    }

    #[test]
    fn area_of_one_degree_at_the_equator() {
        let p = Polygon::parse("0,0 0,1 1,1 1,0 0,0").unwrap();
        let a = p.area_km2();
        assert!((12_300.0..12_400.0).contains(&a), "{a}");
    }
}
