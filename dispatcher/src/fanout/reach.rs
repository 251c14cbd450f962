//! Reach: before approval, how many recipients each channel would reach, how large the area
//! is, and whether submitting it needs an explicit confirmation (nobody reached, or an area far
//! beyond the territory).

use std::collections::BTreeMap;

use cap_alerts::Alert;
use serde::Serialize;

use super::choice::Choice;
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
    /// The channels the alert goes out on (the author's choice, else every channel).
    pub channels: Vec<String>,
    /// The channels the author left out: they count 0 here and get nothing.
    pub not_chosen: Vec<String>,
    /// Confirmations submitting needs: `no-recipients`, `outside-territory`.
    pub confirmations: Vec<String>,
    /// The SMS each language of the alert would send (none when SMS is not chosen): its encoding and segments (what it costs).
    pub sms: Vec<SmsPreview>,
    /// The siren signal the sirens reached would sound (none when no siren is reached).
    pub signal: Option<crate::config::Signal>,
    /// Whether that signal needs a second approver: a Test or Exercise sounds only test
    /// signals when the person who brought it in approves it alone.
    pub signal_needs_second_approver: bool,
}

/// The SMS of one language of the alert.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SmsPreview {
    /// The language of the alert's `info`.
    pub language: String,
    /// `gsm7` (160 characters a segment, 153 when split) or `ucs2` (70, 67).
    pub encoding: String,
    /// Segments per recipient.
    pub segments: u32,
    /// Whether the text was shortened to `channels.sms.segment_limit`.
    pub truncated: bool,
    /// The text as it would be sent.
    pub text: String,
}

/// The SMS previews of an alert, one per language it carries.
pub fn sms_previews(app: &App, id: i64, alert: &Alert) -> Vec<SmsPreview> {
    let s = &app.settings.channels.sms;
    let options = channels::sms::SmsOptions { segment_limit: s.segment_limit, transliterate: s.transliterate };
    // The payload the sending builds (its CAP bytes play no part in an SMS).
    let payload = super::payloads::payload(app, id, alert.clone(), Vec::new());
    let mut languages: Vec<String> = alert.infos.iter().map(|i| i.language_or_default().to_owned()).collect();
    languages.dedup();
    languages
        .into_iter()
        .map(|language| {
            let text = channels::sms::compose(&payload, std::slice::from_ref(&language), &options);
            let plan = channels::sms::plan(&text, &options);
            SmsPreview {
                language,
                encoding: plan.encoding.as_str().to_owned(),
                segments: plan.segments,
                truncated: plan.truncated,
                text: plan.text,
            }
        })
        .collect()
}

impl Reach {
    /// Residents and devices reached.
    pub fn people_and_devices(&self) -> usize {
        self.subscriptions.values().sum::<usize>() + self.sirens + self.displays
    }
}

/// The reach of an alert.
pub async fn of(app: &App, id: i64, alert: &Alert) -> Result<Reach> {
    app.targeting.sync(&app.db).await?;
    let mut c = app.db.read().await?;
    let named = areas::all(&mut c).await?;
    let hooks = webhooks::active(&mut c).await?;
    drop(c);
    let (coverage, touched) = resolve(alert, &named);
    let mut selection = app.targeting.select(
        &coverage,
        &touched,
        Audience { severity: priority::severity(alert), status: alert.status },
    );
    super::targeting::with_groups(&app.targeting, alert, &mut selection);
    let choice = Choice::of(alert);
    selection.subscriptions.retain(|(_, channel)| choice.allows(channel));
    selection.devices.retain(|(_, kind)| choice.allows(kind));
    let (channels, not_chosen): (Vec<String>, Vec<String>) =
        super::choice::allowed(app).into_iter().partition(|c| choice.allows(c));
    let mut subscriptions: BTreeMap<String, usize> = not_chosen.iter().map(|c| (c.clone(), 0)).collect();
    subscriptions.retain(|c, _| !matches!(c.as_str(), "siren" | "display" | "webhook"));
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
        webhooks: if choice.allows("webhook") {
            hooks.iter().filter(|(_, ex)| alert.is_actual() || *ex).count()
        } else {
            0
        },
        area_km2,
        territory_km2,
        channels,
        not_chosen,
        confirmations: Vec::new(),
        sms: if choice.allows("sms") { sms_previews(app, id, alert) } else { Vec::new() },
        signal: None,
        signal_needs_second_approver: false,
    };
    if reach.sirens > 0 {
        reach.signal = crate::domain::device_commands::asked_signal(app, alert);
        reach.signal_needs_second_approver =
            crate::domain::device_commands::needs_second_person(alert, reach.signal.as_ref());
    }
    if reach.people_and_devices() == 0 {
        reach.confirmations.push("no-recipients".into());
    }
    if territory_km2 > 0.0 && area_km2 > 2.0 * territory_km2 {
        reach.confirmations.push("outside-territory".into());
    }
    Ok(reach)
}
