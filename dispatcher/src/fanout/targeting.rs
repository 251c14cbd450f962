//! Targeting: which subscriptions and devices an alert's area reaches. Points live in an
//! in-memory R-tree kept in step with the database (a catch-up read of what changed, with a
//! minute of overlap so a transaction that committed late is not missed); a query takes the
//! area's bounding box from the tree and checks each candidate against the exact shapes.

use std::collections::{HashMap, HashSet};
use std::sync::RwLock;

use cap_alerts::geo::Coverage;
use cap_alerts::model::{Severity, Status};
use rstar::{AABB, PointDistance, RTree, RTreeObject};

use crate::db::{Db, devices, now_ms, subscriptions};
use crate::domain::areas::NamedArea;

/// Whose a point is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Owner {
    /// A subscription's place.
    Subscription(i64),
    /// A device.
    Device(i64),
}

#[derive(Clone, Debug, PartialEq)]
struct Entry {
    key: (bool, i64),
    owner: Owner,
    point: [f64; 2],
}

impl RTreeObject for Entry {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        AABB::from_point(self.point)
    }
}

impl PointDistance for Entry {
    fn distance_2(&self, p: &[f64; 2]) -> f64 {
        (self.point[0] - p[0]).powi(2) + (self.point[1] - p[1]).powi(2)
    }
}

#[derive(Clone, Debug)]
struct Sub {
    channel: String,
    min_severity: u8,
    exercises: bool,
    tests: bool,
    reachable: bool,
}

#[derive(Clone, Debug)]
struct Device {
    kind: String,
    active: bool,
}

#[derive(Default)]
struct Index {
    tree: RTree<Entry>,
    entries: HashMap<(bool, i64), Entry>,
    area_places: HashMap<i64, HashMap<i64, i64>>,
    place_area: HashMap<i64, i64>,
    subs: HashMap<i64, Sub>,
    devices: HashMap<i64, Device>,
    synced_ms: Option<i64>,
}

/// What an alert reaches.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Selection {
    /// Subscriptions and their channels.
    pub subscriptions: Vec<(i64, String)>,
    /// Devices and their kinds (`siren`, `display`).
    pub devices: Vec<(i64, String)>,
}

/// Who an alert is for, beyond where.
#[derive(Clone, Copy, Debug)]
pub struct Audience {
    /// The highest severity of its info blocks.
    pub severity: Severity,
    /// Its status.
    pub status: Status,
}

/// The targeting index.
#[derive(Default)]
pub struct Targeting {
    index: RwLock<Index>,
    sync: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Targeting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Targeting")
    }
}

const OVERLAP_MS: i64 = 60_000;

impl Targeting {
    /// Brings the index up to date with the database.
    pub async fn sync(&self, db: &Db) -> Result<(), sqlx::Error> {
        let _one_at_a_time = self.sync.lock().await;
        let since = self.index.read().map_or(None, |i| i.synced_ms).map_or(i64::MIN, |s| s - OVERLAP_MS);
        let started = now_ms();
        let mut c = db.read().await?;
        let subs = subscriptions::changed_since(&mut c, since).await?;
        let places = subscriptions::places_changed_since(&mut c, since).await?;
        let devs = devices::changed_since(&mut c, since).await?;
        drop(c);
        let mut ix = self.index.write().unwrap_or_else(|e| e.into_inner());
        let fresh = ix.synced_ms.is_none();
        for s in subs {
            let sub = Sub {
                channel: s.channel,
                min_severity: s.min_severity.parse::<Severity>().map_or(0, Severity::rank),
                exercises: s.exercises,
                tests: s.tests,
                reachable: s.active && s.verified,
            };
            ix.subs.insert(s.id, sub);
        }
        let mut new_entries = Vec::new();
        for p in places {
            ix.remove_place(p.id);
            if !p.active {
                continue;
            }
            if let Some(area) = p.area_id {
                ix.area_places.entry(area).or_default().insert(p.id, p.subscription_id);
                ix.place_area.insert(p.id, area);
            }
            if let (Some(lat), Some(lon)) = (p.lat, p.lon) {
                new_entries.push(Entry {
                    key: (false, p.id),
                    owner: Owner::Subscription(p.subscription_id),
                    point: [lon, lat],
                });
            }
        }
        for d in devs {
            ix.remove_entry((true, d.id));
            ix.devices.insert(d.id, Device { kind: d.kind, active: d.active });
            if d.active {
                new_entries.push(Entry { key: (true, d.id), owner: Owner::Device(d.id), point: [d.lon, d.lat] });
            }
        }
        if fresh && ix.tree.size() == 0 {
            for e in &new_entries {
                ix.entries.insert(e.key, e.clone());
            }
            ix.tree = RTree::bulk_load(new_entries);
        } else {
            for e in new_entries {
                ix.entries.insert(e.key, e.clone());
                ix.tree.insert(e);
            }
        }
        ix.synced_ms = Some(started);
        Ok(())
    }

    /// The subscriptions and devices inside the coverage or subscribed to one of the named
    /// areas, that want an alert of this audience.
    pub fn select(&self, coverage: &Coverage, areas: &HashSet<i64>, audience: Audience) -> Selection {
        let ix = self.index.read().unwrap_or_else(|e| e.into_inner());
        let mut subs = HashSet::new();
        let mut devs = HashSet::new();
        if let Some(b) = coverage.bbox() {
            let env = AABB::from_corners([b.min_lon, b.min_lat], [b.max_lon, b.max_lat]);
            for e in ix.tree.locate_in_envelope(&env) {
                if coverage.contains(e.point[1], e.point[0]) {
                    match e.owner {
                        Owner::Subscription(id) => subs.insert(id),
                        Owner::Device(id) => devs.insert(id),
                    };
                }
            }
        }
        for area in areas {
            subs.extend(ix.area_places.get(area).into_iter().flat_map(|m| m.values().copied()));
        }
        let rank = audience.severity.rank();
        let mut out = Selection::default();
        for id in subs {
            let Some(s) = ix.subs.get(&id) else { continue };
            let wanted = match audience.status {
                Status::Exercise => s.exercises,
                Status::Test => s.tests,
                _ => true,
            };
            if s.reachable && wanted && rank >= s.min_severity {
                out.subscriptions.push((id, s.channel.clone()));
            }
        }
        for id in devs {
            if let Some(d) = ix.devices.get(&id).filter(|d| d.active) {
                out.devices.push((id, d.kind.clone()));
            }
        }
        out.subscriptions.sort();
        out.devices.sort();
        out
    }

    /// How many points the index holds.
    pub fn len(&self) -> usize {
        self.index.read().map_or(0, |i| i.tree.size())
    }

    /// Whether the index holds no point.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Index {
    fn remove_entry(&mut self, key: (bool, i64)) {
        if let Some(old) = self.entries.remove(&key) {
            self.tree.remove(&old);
        }
    }

    fn remove_place(&mut self, place: i64) {
        self.remove_entry((false, place));
        if let Some(area) = self.place_area.remove(&place)
            && let Some(m) = self.area_places.get_mut(&area)
        {
            m.remove(&place);
        }
    }
}

/// The coverage of an alert with the named areas it names by geocode added, and the named
/// areas it touches.
pub fn resolve(alert: &cap_alerts::Alert, named: &[NamedArea]) -> (Coverage, HashSet<i64>) {
    let mut coverage = Coverage::of_alert(alert);
    let geocodes: HashSet<(&str, &str)> = alert
        .infos
        .iter()
        .flat_map(|i| &i.areas)
        .flat_map(|a| &a.geocodes)
        .map(|g| (g.value_name.as_str(), g.value.as_str()))
        .collect();
    let mut touched = HashSet::new();
    for a in named {
        if a.geocodes.iter().any(|g| geocodes.contains(&(g.value_name.as_str(), g.value.as_str()))) {
            a.polygons.iter().for_each(|p| coverage.add_polygon(p.clone()));
            touched.insert(a.id);
        }
    }
    for a in named {
        if !touched.contains(&a.id) && a.polygons.iter().any(|p| coverage.intersects_polygon(p)) {
            touched.insert(a.id);
        }
    }
    (coverage, touched)
}
