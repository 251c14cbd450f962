//! Targeting: which subscriptions and devices an alert's area reaches. Points live in an
//! in-memory R-tree kept in step with the database (a catch-up read of what changed, by change
//! stamps that never miss a transaction that committed late: `db::changes`); a query takes the
//! area's bounding box from the tree and checks each candidate against the exact shapes.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};

use cap_alerts::geo::Coverage;
use cap_alerts::model::{Severity, Status};
use rstar::{AABB, PointDistance, RTree, RTreeObject};

use crate::db::changes::{self, Cursor};
use crate::db::{Db, devices, subscriptions};
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
    channel: Arc<str>,
    min_severity: u8,
    exercises: bool,
    tests: bool,
    reachable: bool,
}

#[derive(Clone, Debug)]
struct Device {
    kind: Arc<str>,
    active: bool,
    groups: Vec<String>,
}

#[derive(Default)]
struct Index {
    tree: RTree<Entry>,
    entries: HashMap<(bool, i64), Entry>,
    area_places: HashMap<i64, HashMap<i64, i64>>,
    place_area: HashMap<i64, i64>,
    subs: HashMap<i64, Sub>,
    devices: HashMap<i64, Device>,
    names: HashMap<String, Arc<str>>,
    /// Where the next read of subscriptions, places and devices starts. One each: on SQLite
    /// the three reads are three snapshots, and a write may land between them.
    cursors: [Cursor; 3],
}

/// What an alert reaches.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Selection {
    /// Subscriptions and their channels.
    pub subscriptions: Vec<(i64, Arc<str>)>,
    /// Devices and their kinds (`siren`, `display`).
    pub devices: Vec<(i64, Arc<str>)>,
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

impl Targeting {
    /// Brings the index up to date with the database: reads what changed since the last read
    /// (by change stamp, so a transaction that committed late is read, never missed).
    pub async fn sync(&self, db: &Db) -> Result<(), sqlx::Error> {
        let _one_at_a_time = self.sync.lock().await;
        let since = self.index.read().map_or([Cursor::default(); 3], |i| i.cursors);
        let mut c = db.read().await?;
        let before = changes::before_read(&mut c).await?;
        let subs = subscriptions::changed_since(&mut c, since[0]).await?;
        let places = subscriptions::places_changed_since(&mut c, since[1]).await?;
        let devs = devices::changed_since(&mut c, since[2]).await?;
        drop(c);
        let cursors = [
            changes::after_read(since[0], before, subs.iter().map(|s| s.change_seq).max()),
            changes::after_read(since[1], before, places.iter().map(|p| p.change_seq).max()),
            changes::after_read(since[2], before, devs.iter().map(|d| d.change_seq).max()),
        ];
        let mut ix = self.index.write().unwrap_or_else(|e| e.into_inner());
        for s in subs {
            let sub = Sub {
                channel: ix.name(s.channel),
                min_severity: s.min_severity.parse::<Severity>().map_or(0, Severity::rank),
                exercises: s.exercises,
                tests: s.tests,
                reachable: s.active && s.verified,
            };
            ix.subs.insert(s.id, sub);
        }
        // What the catch-up read again unchanged (the overlap, or a repeated sync) stays in
        // the tree; what moved or went is taken out, what is new or moved goes in.
        let mut added = Vec::new();
        let mut removed = Vec::new();
        for p in places {
            let key = (false, p.id);
            let entry = match (p.active, p.lat, p.lon) {
                (true, Some(lat), Some(lon)) => {
                    Some(Entry { key, owner: Owner::Subscription(p.subscription_id), point: [lon, lat] })
                }
                _ => None,
            };
            let area = p.area_id.filter(|_| p.active);
            if ix.place_area.get(&p.id).copied() != area {
                ix.unlink_area(p.id);
                if let Some(a) = area {
                    ix.area_places.entry(a).or_default().insert(p.id, p.subscription_id);
                    ix.place_area.insert(p.id, a);
                }
            }
            ix.replace(key, entry, &mut added, &mut removed);
        }
        for d in devs {
            let key = (true, d.id);
            let kind = ix.name(d.kind);
            let groups = d.groups.split(',').map(str::trim).filter(|g| !g.is_empty()).map(str::to_owned).collect();
            ix.devices.insert(d.id, Device { kind, active: d.active, groups });
            let entry = d.active.then_some(Entry { key, owner: Owner::Device(d.id), point: [d.lon, d.lat] });
            ix.replace(key, entry, &mut added, &mut removed);
        }
        // Many changes at once (a first load, an import): rebuilding in bulk is far quicker
        // than inserting one by one.
        if added.len() + removed.len() > 10_000 && added.len() + removed.len() > ix.tree.size() / 8 {
            let all: Vec<Entry> = ix.entries.values().cloned().collect();
            ix.tree = RTree::bulk_load(all);
        } else {
            for old in &removed {
                ix.tree.remove(old);
            }
            for e in added {
                ix.tree.insert(e);
            }
        }
        ix.cursors = cursors;
        Ok(())
    }

    /// Active devices in any of these groups (an alert may name groups besides its area).
    pub fn devices_in_groups(&self, groups: &[String]) -> Vec<(i64, Arc<str>)> {
        if groups.is_empty() {
            return Vec::new();
        }
        let ix = self.index.read().unwrap_or_else(|e| e.into_inner());
        let mut out: Vec<(i64, Arc<str>)> = ix
            .devices
            .iter()
            .filter(|(_, d)| d.active && d.groups.iter().any(|g| groups.contains(g)))
            .map(|(id, d)| (*id, d.kind.clone()))
            .collect();
        out.sort_unstable_by_key(|(id, _)| *id);
        out
    }

    /// The subscriptions and devices inside the coverage or subscribed to one of the named
    /// areas, that want an alert of this audience.
    pub fn select(&self, coverage: &Coverage, areas: &HashSet<i64>, audience: Audience) -> Selection {
        let ix = self.index.read().unwrap_or_else(|e| e.into_inner());
        let mut subs: Vec<i64> = Vec::new();
        let mut devs: Vec<i64> = Vec::new();
        if let Some(b) = coverage.bbox() {
            let env = AABB::from_corners([b.min_lon, b.min_lat], [b.max_lon, b.max_lat]);
            for e in ix.tree.locate_in_envelope(&env) {
                if coverage.contains(e.point[1], e.point[0]) {
                    match e.owner {
                        Owner::Subscription(id) => subs.push(id),
                        Owner::Device(id) => devs.push(id),
                    };
                }
            }
        }
        for area in areas {
            subs.extend(ix.area_places.get(area).into_iter().flat_map(|m| m.values().copied()));
        }
        // A subscription with several places in the area is reached once.
        subs.sort_unstable();
        subs.dedup();
        devs.sort_unstable();
        devs.dedup();
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
    /// The shared copy of a channel or device kind name.
    fn name(&mut self, name: String) -> Arc<str> {
        if let Some(n) = self.names.get(&name) {
            return n.clone();
        }
        let n: Arc<str> = Arc::from(name.as_str());
        self.names.insert(name, n.clone());
        n
    }

    /// Records that the point under `key` is now `entry` (or none), noting what the tree must
    /// lose and gain; an unchanged point changes nothing.
    fn replace(&mut self, key: (bool, i64), entry: Option<Entry>, added: &mut Vec<Entry>, removed: &mut Vec<Entry>) {
        match (self.entries.get(&key), entry) {
            (Some(old), Some(new)) if *old == new => {}
            (old, new) => {
                if old.is_some()
                    && let Some(old) = self.entries.remove(&key)
                {
                    removed.push(old);
                }
                if let Some(new) = new {
                    self.entries.insert(key, new.clone());
                    added.push(new);
                }
            }
        }
    }

    fn unlink_area(&mut self, place: i64) {
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

/// Loads the index when the process starts and keeps it in step every two seconds, so that
/// planning an alert only has to read the last moments' changes.
pub async fn keep_in_step(app: crate::app::App) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(2));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let started = std::time::Instant::now();
        let first = app.targeting.is_empty();
        match app.targeting.sync(&app.db).await {
            Ok(()) if first && !app.targeting.is_empty() => tracing::info!(
                points = app.targeting.len(),
                ms = started.elapsed().as_millis() as u64,
                "targeting index loaded"
            ),
            Ok(()) => {}
            Err(e) => tracing::warn!(error = %e, "keeping the targeting index in step failed; will retry"),
        }
    }
}

/// The CAP parameter naming device groups an alert goes to wherever they stand.
pub const GROUPS_PARAMETER: &str = "TOCSIN_DEVICE_GROUPS";

/// The device groups an alert names (`TOCSIN_DEVICE_GROUPS`, comma-separated, in any info).
pub fn device_groups(alert: &cap_alerts::Alert) -> Vec<String> {
    let mut out: Vec<String> = alert
        .infos
        .iter()
        .filter_map(|i| i.parameter(GROUPS_PARAMETER))
        .flat_map(|v| v.split(',').map(str::trim).filter(|g| !g.is_empty()).map(str::to_owned).collect::<Vec<_>>())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The CAP parameter limiting the devices an alert's groups reach to some kinds (`siren`,
/// `display`); a scheduled siren test names `siren`.
pub const KINDS_PARAMETER: &str = "TOCSIN_DEVICE_KINDS";

/// Adds the devices of the alert's groups to a selection, each device once.
pub fn with_groups(targeting: &Targeting, alert: &cap_alerts::Alert, selection: &mut Selection) {
    let mut extra = targeting.devices_in_groups(&device_groups(alert));
    let kinds: Vec<&str> = alert
        .infos
        .iter()
        .filter_map(|i| i.parameter(KINDS_PARAMETER))
        .flat_map(|v| v.split(',').map(str::trim))
        .collect();
    if !kinds.is_empty() {
        extra.retain(|(_, kind)| kinds.contains(&&**kind));
    }
    if extra.is_empty() {
        return;
    }
    selection.devices.extend(extra);
    selection.devices.sort_unstable_by_key(|(id, _)| *id);
    selection.devices.dedup_by_key(|(id, _)| *id);
}
