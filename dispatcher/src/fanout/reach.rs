//! Reach: before approval, how many recipients each channel would reach, how large the area
//! is, and whether submitting it needs an explicit confirmation (nobody reached, or an area far
//! beyond the territory).

use std::collections::BTreeMap;

use cap_alerts::Alert;
use serde::Serialize;

use super::priority;
use super::targeting::{Audience, resolve};
use crate::app::App;
use crate::db::webhooks;
use crate::domain::areas;
use crate::domain::error::Result;

/// What an alert would reach.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Reach {
    /// Subscriptions by channel (`push`, `sms`, `email`).
    pub subscriptions: BTreeMap<String, usize>,
    /// Sirens in the area.
    pub sirens: usize,
    /// Public displays in the area.
    pub displays: usize,
    /// Webhooks (every alert reaches them).
    pub webhooks: usize,
    /// The area's size in square kilometres (the sum of its shapes).
    pub area_km2: f64,
    /// The territory's size in square kilometres (0 when unknown).
    pub territory_km2: f64,
    /// Confirmations submitting needs: `no-recipients`, `outside-territory`.
    pub confirmations: Vec<String>,
}

impl Reach {
    /// Residents and devices reached.
    pub fn people_and_devices(&self) -> usize {
        self.subscriptions.values().sum::<usize>() + self.sirens + self.displays
    }
}

/// The reach of an alert.
pub async fn of(app: &App, alert: &Alert) -> Result<Reach> {
    app.targeting.sync(&app.db).await?;
    let mut c = app.db.read().await?;
    let named = areas::all(&mut c).await?;
    let hooks = webhooks::active(&mut c).await?;
    drop(c);
    let (coverage, touched) = resolve(alert, &named);
    let selection = app.targeting.select(
        &coverage,
        &touched,
        Audience { severity: priority::severity(alert), status: alert.status },
    );
    let mut subscriptions = BTreeMap::new();
    for (_, channel) in &selection.subscriptions {
        *subscriptions.entry(channel.to_string()).or_insert(0) += 1;
    }
    let count = |kind: &str| selection.devices.iter().filter(|(_, k)| &**k == kind).count();
    let configured = app.settings.fanout.territory_km2;
    let territory_km2 = if configured > 0.0 { configured } else { named.iter().map(|a| a.area_km2).sum() };
    let area_km2 = coverage.area_km2_upper_bound();
    let mut reach = Reach {
        subscriptions,
        sirens: count("siren"),
        displays: count("display"),
        webhooks: hooks.iter().filter(|(_, ex)| alert.is_actual() || *ex).count(),
        area_km2,
        territory_km2,
        confirmations: Vec::new(),
    };
    if reach.people_and_devices() == 0 {
        reach.confirmations.push("no-recipients".into());
    }
    if territory_km2 > 0.0 && area_km2 > 2.0 * territory_km2 {
        reach.confirmations.push("outside-territory".into());
    }
    Ok(reach)
}
