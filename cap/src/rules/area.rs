//! Rules on one area: polygon crossings, very wide polygons, altitude and ceiling.

use crate::codes::Code;
use crate::findings::Finding;
use crate::geo::{Crossing, find_crossing};
use crate::model::Area;

pub(super) fn check(area: &Area, path: &str, out: &mut Vec<Finding>) {
    for (i, p) in area.polygons.iter().enumerate() {
        let at = format!("{path}/polygon[{}]", i + 1);
        match find_crossing(p.points()) {
            Crossing::None => {}
            Crossing::At { a, b } => out.push(Finding::new(
                Code::PolygonSelfCrossing,
                at.clone(),
                format!(
                    "edge {} (from {} to {}) crosses or touches edge {} (from {} to {})",
                    a + 1,
                    p.points()[a],
                    p.points()[a + 1],
                    b + 1,
                    p.points()[b],
                    p.points()[b + 1]
                ),
            )),
            Crossing::Unchecked => out.push(Finding::new(
                Code::PolygonTooComplex,
                at.clone(),
                format!("{} points are too many to check for crossing edges within the work limit", p.points().len()),
            )),
        }
        let b = p.bbox();
        if b.max_lon - b.min_lon > 180.0 {
            out.push(Finding::new(
                Code::PolygonWide,
                at,
                format!(
                    "the polygon spans longitudes {} to {}; if it crosses the antimeridian, split it in two",
                    b.min_lon, b.max_lon
                ),
            ));
        }
    }
    match (area.altitude, area.ceiling) {
        (None, Some(_)) => out.push(Finding::new(
            Code::CeilingWithoutAltitude,
            format!("{path}/ceiling"),
            "<ceiling> is given without <altitude>",
        )),
        (Some(alt), Some(ceil)) if ceil < alt => out.push(Finding::new(
            Code::CeilingBelowAltitude,
            format!("{path}/ceiling"),
            format!("<ceiling> {ceil} is below <altitude> {alt}"),
        )),
        _ => {}
    }
}
