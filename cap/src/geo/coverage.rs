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

    /// Adds a polygon.
    pub fn add_polygon(&mut self, p: Polygon) {
        self.grow(p.bbox());
        self.polygons.push(p);
    }

    /// Adds a circle.
    pub fn add_circle(&mut self, c: Circle) {
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

    /// The sum of the shapes' areas in square kilometres: an upper bound of the union's area,
    /// exact when the shapes do not overlap.
    pub fn area_km2_upper_bound(&self) -> f64 {
        self.polygons.iter().map(Polygon::area_km2).sum::<f64>()
            + self.circles.iter().map(Circle::area_km2).sum::<f64>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
