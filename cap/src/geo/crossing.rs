//! Finding where a polygon's edges cross, in bounded time.
//!
//! Edges are sorted by their western end and each is compared only with the edges whose
//! longitude range overlaps it. That is fast for real warning polygons; for a hostile one whose
//! edges all overlap, the work limit stops the search and the caller reports that the polygon
//! could not be checked rather than spending unbounded time.

use super::Point;

/// The result of a crossing check.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Crossing {
    /// No two edges cross or overlap.
    None,
    /// Edges `a` and `b` (0-based, edge i runs from point i to point i+1) cross or overlap.
    At {
        /// The first edge.
        a: usize,
        /// The second edge.
        b: usize,
    },
    /// The work limit was reached before the check could finish.
    Unchecked,
}

/// Pair comparisons allowed before giving up: about a tenth of a second.
const WORK_LIMIT: u64 = 20_000_000;

/// Checks a closed ring (last point equal to the first) for crossing or overlapping edges.
pub fn find_crossing(ring: &[Point]) -> Crossing {
    // Zero-length edges (a repeated point) are left out; neighbours are then counted among the
    // edges that remain, so the edges on either side of a repeated point are neighbours.
    let kept: Vec<(usize, Point, Point)> =
        ring.windows(2).enumerate().filter(|(_, w)| w[0] != w[1]).map(|(i, w)| (i, w[0], w[1])).collect();
    let n_edges = kept.len();
    let edges: Vec<(usize, Point, Point)> = kept.iter().enumerate().map(|(k, e)| (k, e.1, e.2)).collect();
    let mut order: Vec<usize> = (0..edges.len()).collect();
    order.sort_by(|&x, &y| min_lon(&edges[x]).total_cmp(&min_lon(&edges[y])));
    let mut work = 0u64;
    for (k, &x) in order.iter().enumerate() {
        let ex = &edges[x];
        let east = max_lon(ex);
        for &y in &order[k + 1..] {
            let ey = &edges[y];
            if min_lon(ey) > east {
                break;
            }
            work += 1;
            if work > WORK_LIMIT {
                return Crossing::Unchecked;
            }
            if lat_apart(ex, ey) {
                continue;
            }
            if edges_conflict(ex, ey, n_edges) {
                let (a, b) = (kept[ex.0].0, kept[ey.0].0);
                return Crossing::At { a: a.min(b), b: a.max(b) };
            }
        }
    }
    Crossing::None
}

/// Whether any edge of one ring crosses or touches any edge of the other.
pub(crate) fn rings_cross(a: &[Point], b: &[Point]) -> bool {
    a.windows(2).any(|e| {
        let (p1, p2) = (e[0], e[1]);
        b.windows(2).any(|f| {
            let (p3, p4) = (f[0], f[1]);
            let apart = p1.lon().max(p2.lon()) < p3.lon().min(p4.lon())
                || p3.lon().max(p4.lon()) < p1.lon().min(p2.lon())
                || p1.lat().max(p2.lat()) < p3.lat().min(p4.lat())
                || p3.lat().max(p4.lat()) < p1.lat().min(p2.lat());
            !apart && segments_intersect(p1, p2, p3, p4)
        })
    })
}

fn lat_apart(x: &(usize, Point, Point), y: &(usize, Point, Point)) -> bool {
    x.1.lat().max(x.2.lat()) < y.1.lat().min(y.2.lat()) || y.1.lat().max(y.2.lat()) < x.1.lat().min(x.2.lat())
}

fn min_lon(e: &(usize, Point, Point)) -> f64 {
    e.1.lon().min(e.2.lon())
}

fn max_lon(e: &(usize, Point, Point)) -> f64 {
    e.1.lon().max(e.2.lon())
}

/// Whether two edges meet where they should not: anywhere at all for edges that are not
/// neighbours on the ring; beyond their shared point for neighbours (an overlap).
fn edges_conflict(x: &(usize, Point, Point), y: &(usize, Point, Point), n_edges: usize) -> bool {
    let (i, j) = (x.0.min(y.0), x.0.max(y.0));
    let neighbours = j == i + 1 || (i == 0 && j + 1 == n_edges);
    let (p1, p2, p3, p4) = (x.1, x.2, y.1, y.2);
    if neighbours {
        return collinear_overlap(p1, p2, p3, p4);
    }
    segments_intersect(p1, p2, p3, p4)
}

fn cross(o: Point, a: Point, b: Point) -> f64 {
    (a.lon() - o.lon()) * (b.lat() - o.lat()) - (a.lat() - o.lat()) * (b.lon() - o.lon())
}

fn on_segment(p: Point, q: Point, r: Point) -> bool {
    r.lon() >= p.lon().min(q.lon())
        && r.lon() <= p.lon().max(q.lon())
        && r.lat() >= p.lat().min(q.lat())
        && r.lat() <= p.lat().max(q.lat())
}

fn segments_intersect(p1: Point, p2: Point, p3: Point, p4: Point) -> bool {
    let d1 = cross(p3, p4, p1);
    let d2 = cross(p3, p4, p2);
    let d3 = cross(p1, p2, p3);
    let d4 = cross(p1, p2, p4);
    if ((d1 > 0.0 && d2 < 0.0) || (d1 < 0.0 && d2 > 0.0)) && ((d3 > 0.0 && d4 < 0.0) || (d3 < 0.0 && d4 > 0.0)) {
        return true;
    }
    (d1 == 0.0 && on_segment(p3, p4, p1))
        || (d2 == 0.0 && on_segment(p3, p4, p2))
        || (d3 == 0.0 && on_segment(p1, p2, p3))
        || (d4 == 0.0 && on_segment(p1, p2, p4))
}

/// Neighbouring edges share one point; they conflict only when they fold back along each other.
fn collinear_overlap(p1: Point, p2: Point, p3: Point, p4: Point) -> bool {
    if cross(p1, p2, p3) != 0.0 || cross(p1, p2, p4) != 0.0 {
        return false;
    }
    let shared = if p2 == p3 || p2 == p4 { p2 } else { p1 };
    let other_x = if p1 == shared { p2 } else { p1 };
    let other_y = if p3 == shared { p4 } else { p3 };
    let dot = (other_x.lon() - shared.lon()) * (other_y.lon() - shared.lon())
        + (other_x.lat() - shared.lat()) * (other_y.lat() - shared.lat());
    dot > 0.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::Polygon;

    fn check(text: &str) -> Crossing {
        find_crossing(Polygon::parse(text).unwrap().points())
    }

    #[test]
    fn simple_rings_do_not_cross() {
        assert_eq!(check("0,0 0,10 10,10 10,0 0,0"), Crossing::None);
        assert_eq!(check("0,0 10,0 10,10 5,5 0,10 0,0"), Crossing::None);
        assert_eq!(check("0,0 0,10 0,10 10,10 10,0 0,0"), Crossing::None, "repeated point");
    }

    #[test]
    fn a_bow_tie_crosses() {
        assert!(matches!(check("0,0 10,10 10,0 0,10 0,0"), Crossing::At { .. }));
    }

    #[test]
    fn a_spike_folding_back_overlaps() {
        assert!(matches!(check("0,0 0,10 0,5 5,5 0,0"), Crossing::At { .. }));
    }

    #[test]
    fn a_ring_touching_itself_is_caught() {
        assert!(matches!(check("0,0 0,10 5,5 10,10 10,0 5,5 0,0"), Crossing::At { .. }));
    }

    #[test]
    fn large_simple_polygons_are_checked() {
        let mut pts: Vec<Point> = (0..20_000)
            .map(|i| {
                let a = i as f64 / 20_000.0 * std::f64::consts::TAU;
                Point::new(10.0 * a.sin(), 10.0 * a.cos()).unwrap()
            })
            .collect();
        pts.push(pts[0]);
        assert_eq!(find_crossing(&pts), Crossing::None);
    }
}
