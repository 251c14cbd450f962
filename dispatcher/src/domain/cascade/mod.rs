//! Cascades (`[cascade]`, `docs/cascades.md`): a parent instance (a region) hands each alert it
//! issues to the child instances (its towns) whose territory the alert touches, and each child
//! fans it out to its own residents, sirens and displays.
//!
//! - The parent: `Children` (loaded at start) gives each configured child its id and
//!   territory; the planner creates one delivery on the `cascade` channel per child touched
//!   (and, for an Update or Cancel, per child the earlier messages reached), which the outbox
//!   sends as the signed CAP document to the child's `POST /api/v1/cap`, retried until the
//!   child answers or the alert expires. `report` asks each child how its fan-out stands and
//!   keeps the answer; `view` puts the parent's own counts and the children's together.
//! - The child: CAP posted with the API token of a `[[cascade.parents]]` entry follows that
//!   parent's policy (issue at once, or wait for a local approver) and must be signed when the
//!   entry says so; `report::for_parent` answers the parent's question.

pub mod report;
pub mod view;

use std::collections::HashMap;
use std::time::Duration;

use anyhow::Context;
use cap_alerts::Alert;
use cap_alerts::geo::Polygon;

use super::areas::NamedArea;
use super::territory::{Territory, parse_geojson};
use crate::config::Settings;
use crate::db::{self, Db};

/// A configured child.
#[derive(Clone, Debug)]
pub struct Child {
    /// Its id (stable across restarts: `cascade_children`).
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Its base URL.
    pub url: String,
    /// The stored named areas of its territory.
    pub areas: Vec<String>,
    /// The polygons of its GeoJSON file.
    pub polygons: Vec<Polygon>,
    /// Whether Exercise and Test alerts go to it.
    pub exercises: bool,
}

/// The children this instance hands its alerts to, and the channel that reaches them.
#[derive(Clone, Debug, Default)]
pub struct Children {
    /// The children, in the configuration's order.
    pub children: Vec<Child>,
    /// The channel, when there are children.
    pub channel: Option<channels::cascade::Cascade>,
}

impl Children {
    /// The configured children, each given its id in the database; their links built (CA files
    /// and token files read). An error names the setting at fault.
    pub async fn load(settings: &Settings, db: &Db) -> anyhow::Result<Children> {
        let specs = &settings.cascade.children;
        if specs.is_empty() {
            return Ok(Children::default());
        }
        let names: Vec<String> = specs.iter().map(|c| c.name.clone()).collect();
        let mut tx = db.begin().await?;
        let ids: HashMap<String, i64> =
            db::cascade::seed_children(&mut tx, &names).await?.into_iter().map(|(id, n)| (n, id)).collect();
        tx.commit().await?;
        let mut children = Vec::new();
        let mut links = HashMap::new();
        for (i, spec) in specs.iter().enumerate() {
            let key = |field: &str| format!("cascade.children[{i}].{field}");
            let id = *ids.get(&spec.name).context("a child was not stored")?;
            let polygons = if spec.geojson_file.is_empty() {
                Vec::new()
            } else {
                let text = std::fs::read_to_string(&spec.geojson_file).with_context(|| key("geojson_file"))?;
                parse_geojson(&text).map_err(|e| anyhow::anyhow!("{}: {e}", key("geojson_file")))?
            };
            let ca = if spec.ca_file.is_empty() {
                None
            } else {
                Some(std::fs::read(&spec.ca_file).with_context(|| format!("{}: {}", key("ca_file"), spec.ca_file))?)
            };
            let token = spec.token().map_err(|e| anyhow::anyhow!("{}: {e}", key("token_file")))?;
            let timeout = Duration::from_secs(u64::from(spec.timeout_seconds.max(1)));
            let link = channels::cascade::Link::new(&spec.name, &spec.url, &token, ca.as_deref(), timeout)
                .map_err(|e| anyhow::anyhow!("{}: {e}", key("ca_file")))?;
            links.insert(id, link);
            children.push(Child {
                id,
                name: spec.name.clone(),
                url: spec.url.trim_end_matches('/').to_owned(),
                areas: spec.areas.clone(),
                polygons,
                exercises: spec.exercises,
            });
        }
        Ok(Children { children, channel: Some(channels::cascade::Cascade::new(links)) })
    }

    /// Whether this instance has children.
    pub fn any(&self) -> bool {
        !self.children.is_empty()
    }

    /// The child with this id.
    pub fn by_id(&self, id: i64) -> Option<&Child> {
        self.children.iter().find(|c| c.id == id)
    }

    /// The children whose territory the alert touches (and that take its status). A child whose
    /// named areas are no longer stored is logged and judged by what remains of it.
    pub fn touched(&self, alert: &Alert, named: &[NamedArea]) -> Vec<i64> {
        let actual = alert.is_actual();
        self.children
            .iter()
            .filter(|c| actual || c.exercises)
            .filter(|c| {
                let present: Vec<String> =
                    c.areas.iter().filter(|a| named.iter().any(|n| &n.name == *a)).cloned().collect();
                if present.len() < c.areas.len() {
                    tracing::warn!(child = %c.name, "a named area of the child's territory is not stored here");
                }
                Territory::of(&present, "cascade.children", &c.polygons, named.to_vec())
                    .is_ok_and(|t| t.overlaps(alert))
            })
            .map(|c| c.id)
            .collect()
    }
}
