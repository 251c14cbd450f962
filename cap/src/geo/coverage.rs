//! An area's coverage: the union of its polygons and circles, for targeting.

use super::{BoundingBox, Circle, Polygon};
use crate::model::{Alert, Area, Info};

/// The union of shapes that an alert, info block or area covers. Geocodes are not shapes: the
/// dispatcher resolves them to its named areas and adds those shapes with [`Coverage::add_polygon`].
///
/// `contains` checks the combined bounding box first and then each shape's own box, so most
/// points far from the area cost two comparisons; that is what makes it cheap to run against
/// the candidates that a spatial index returns for millions of subscribers.
#[derive(Clone, Debug, Default)]
pub struct Coverage {
    polygons: Vec<Polygon>,
    circles: Vec<Circle>,
    bbox: Option<BoundingBox>,
}

impl Coverage {
    /// An empty coverage.
    pub fn new() -> Self {
        Coverage::default()
    }

    /// The shapes of one area.
    pub fn of_area(area: &Area) -> Self {
        let mut c = Coverage::new();
        c.add_area(area);
        c
    }

    /// The shapes of every area of an info block.
    pub fn of_info(info: &Info) -> Self {
        let mut c = Coverage::new();
        info.areas.iter().for_each(|a| c.add_area(a));
        c
    }

    /// The shapes of every area of every info block.
    pub fn of_alert(alert: &Alert) -> Self {
        let mut c = Coverage::new();
        alert.infos.iter().flat_map(|i| &i.areas).for_each(|a| c.add_area(a));
        c
    }

    /// Adds an area's polygons and circles.
    pub fn add_area(&mut self, area: &Area) {
        area.polygons.iter().for_each(|p| self.add_polygon(p.clone()));
        area.circles.iter().for_each(|c| self.add_circle(*c));
    }

    /// Adds a polygon. One already held is not added again: every language's `info` of an
    /// alert repeats its areas, and the same shape must count once in the area's size.
    pub fn add_polygon(&mut self, p: Polygon) {
        if self.polygons.iter().any(|q| q.points() == p.points()) {
            return;
        }
        self.grow(p.bbox());
        self.polygons.push(p);
    }

    /// Adds a circle (once, like a polygon).
    pub fn add_circle(&mut self, c: Circle) {
        if self.circles.contains(&c) {
            return;
        }
        self.grow(c.bbox());
        self.circles.push(c);
    }

    fn grow(&mut self, b: BoundingBox) {
        self.bbox = Some(self.bbox.map_or(b, |a| a.union(&b)));
    }

    /// Whether there are no shapes at all.
    pub fn is_empty(&self) -> bool {
        self.polygons.is_empty() && self.circles.is_empty()
    }

    /// The box around all shapes; `None` when empty.
    pub fn bbox(&self) -> Option<BoundingBox> {
        self.bbox
    }

    /// The polygons.
    pub fn polygons(&self) -> &[Polygon] {
        &self.polygons
    }

    /// The circles.
    pub fn circles(&self) -> &[Circle] {
        &self.circles
    }

    /// Whether any shape contains the point.
    pub fn contains(&self, lat: f64, lon: f64) -> bool {
        if !self.bbox.is_some_and(|b| b.contains(lat, lon)) {
            return false;
        }
        self.polygons.iter().any(|p| p.contains(lat, lon))
            || self.circles.iter().any(|c| c.bbox().contains(lat, lon) && c.contains(lat, lon))
    }

    /// Whether the coverage and a polygon share any point: a vertex of one inside the other, a
    /// circle reaching the polygon, or crossing edges.
    pub fn intersects_polygon(&self, p: &Polygon) -> bool {
        let Some(bbox) = self.bbox else { return false };
        let pb = p.bbox();
        if pb.max_lat < bbox.min_lat
            || pb.min_lat > bbox.max_lat
            || pb.max_lon < bbox.min_lon
            || pb.min_lon > bbox.max_lon
        {
            return false;
        }
        if p.points().iter().any(|v| self.contains(v.lat(), v.lon())) {
            return true;
        }
        let polygons = self.polygons.iter().any(|q| {
            q.points().iter().any(|v| p.contains(v.lat(), v.lon()))
                || super::crossing::rings_cross(q.points(), p.points())
        });
        polygons || self.circles.iter().any(|c| circle_reaches(c, p))
    }

    /// The sum of the shapes' areas in square kilometres: an upper bound of the union's area,
    /// exact when the shapes do not overlap.
    pub fn area_km2_upper_bound(&self) -> f64 {
        self.polygons.iter().map(Polygon::area_km2).sum::<f64>()
            + self.circles.iter().map(Circle::area_km2).sum::<f64>()
    }
}

/// Whether a circle reaches a polygon: its centre inside, or an edge within the radius
/// (distances on a local equirectangular projection, fine at the scale of warning areas).
fn circle_reaches(c: &Circle, p: &Polygon) -> bool {
    let centre = c.center();
    if p.contains(centre.lat(), centre.lon()) {
        return true;
    }
    let km_per_deg = super::EARTH_RADIUS_KM.to_radians();
    let cos = centre.lat().to_radians().cos();
    let xy = |lat: f64, lon: f64| ((lon - centre.lon()) * km_per_deg * cos, (lat - centre.lat()) * km_per_deg);
    p.points().windows(2).any(|w| {
        let (a, b) = (xy(w[0].lat(), w[0].lon()), xy(w[1].lat(), w[1].lon()));
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let len2 = dx * dx + dy * dy;
        let t = if len2 == 0.0 { 0.0 } else { (-(a.0 * dx + a.1 * dy) / len2).clamp(0.0, 1.0) };
        let (x, y) = (a.0 + t * dx, a.1 + t * dy);
        (x * x + y * y).sqrt() <= c.radius_km()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shape_repeated_by_each_language_counts_once() {
        let mut c = Coverage::new();
        let square = "0,0 0,1 1,1 1,0 0,0";
        c.add_polygon(Polygon::parse(square).unwrap());
        let once = c.area_km2_upper_bound();
        c.add_polygon(Polygon::parse(square).unwrap());
        c.add_circle(Circle::parse("10,10 5").unwrap());
        let with_circle = c.area_km2_upper_bound();
        c.add_circle(Circle::parse("10,10 5").unwrap());
        assert_eq!(c.area_km2_upper_bound(), with_circle);
        assert!(with_circle > once && (with_circle - once - Circle::parse("10,10 5").unwrap().area_km2()).abs() < 1e-6);
    }

    #[test]
    fn union_of_polygon_and_circle() {
        let mut c = Coverage::new();
        assert!(c.is_empty() && !c.contains(0.0, 0.0));
        c.add_polygon(Polygon::parse("0,0 0,1 1,1 1,0 0,0").unwrap());
        c.add_circle(Circle::parse("10,10 50").unwrap());
        assert!(c.contains(0.5, 0.5));
        assert!(c.contains(10.2, 10.2));
        assert!(!c.contains(5.0, 5.0), "inside the combined box, outside both shapes");
        let b = c.bbox().unwrap();
        assert!(b.min_lat == 0.0 && b.max_lat > 10.4);
    }

    #[test]
    fn intersection_with_polygons() {
        let square = |lat: f64, lon: f64, d: f64| {
            Polygon::parse(&format!(
                "{lat},{lon} {lat},{} {},{} {},{lon} {lat},{lon}",
                lon + d,
                lat + d,
                lon + d,
                lat + d
            ))
            .unwrap()
        };
        let mut c = Coverage::new();
        c.add_polygon(square(0.0, 0.0, 1.0));
        assert!(c.intersects_polygon(&square(0.5, 0.5, 1.0)), "overlapping corners");
        assert!(c.intersects_polygon(&square(0.2, 0.2, 0.1)), "inside");
        assert!(c.intersects_polygon(&square(-1.0, -1.0, 3.0)), "around");
        assert!(!c.intersects_polygon(&square(2.0, 2.0, 1.0)), "apart");
        let plus = Polygon::parse("-0.5,0.4 -0.5,0.6 1.5,0.6 1.5,0.4 -0.5,0.4").unwrap();
        assert!(c.intersects_polygon(&plus), "crossing edges with no vertex inside");
        let mut circle = Coverage::new();
        circle.add_circle(Circle::parse("0.5,-0.05 10").unwrap());
        assert!(circle.intersects_polygon(&square(0.0, 0.0, 1.0)), "an edge within the radius");
        let mut far = Coverage::new();
        far.add_circle(Circle::parse("0.5,-0.5 10").unwrap());
        assert!(!far.intersects_polygon(&square(0.0, 0.0, 1.0)));
    }
}
