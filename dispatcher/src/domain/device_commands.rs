//! A device's commands as the poll answers them: one per alert thread (the latest message
//! replaces the earlier), the most urgent first, built from the issued CAP and the siren signal
//! catalogue.

use std::collections::HashMap;

use cap_alerts::model::{MsgType, ResponseType, Status};
use channels::AlertPayload;
use serde_json::{Value, json};

use super::error::Result;
use crate::app::App;
use crate::config::Signal;
use crate::db::devices::{self, DeviceRow};
use crate::db::now_ms;

/// The commands a device should be running or about to run.
pub async fn commands(app: &App, device: &DeviceRow) -> Result<Vec<Value>> {
    let rows = devices::commands(&mut app.db.read().await?, device.id, now_ms()).await?;
    let mut latest: HashMap<String, (i64, Value, i32)> = HashMap::new();
    for row in rows {
        let payload = app.channels.payloads.get(app, row.alert_id).await?;
        let thread = channels::push::topic(&payload.alert);
        let command = command(app, device, row.id, &thread, &payload);
        let newer = latest.get(&thread).is_none_or(|(alert, _, _)| row.alert_id > *alert);
        if newer {
            latest.insert(thread, (row.alert_id, command, row.priority));
        }
    }
    let mut out: Vec<(i32, i64, Value)> = latest.into_values().map(|(alert, c, p)| (p, alert, c)).collect();
    out.sort_by_key(|(p, alert, _)| (*p, -alert));
    Ok(out.into_iter().map(|(_, _, c)| c).collect())
}

/// The poll's answer (and the MQTT message): the device, the server's time, its poll interval
/// and its commands.
pub fn answer(device: &DeviceRow, commands: Vec<Value>) -> Value {
    json!({
        "device": { "id": device.id, "name": device.name, "kind": device.kind },
        "serverTime": chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        "pollSeconds": device.poll_seconds,
        "commands": commands,
    })
}

/// The ETag of a poll's answer: it changes exactly when the commands do.
pub fn etag(commands: &[Value]) -> String {
    let text = serde_json::to_string(commands).unwrap_or_default();
    format!("\"{}\"", &super::crypto::sha256_hex(text.as_bytes())[..32])
}

fn command(app: &App, device: &DeviceRow, id: i64, thread: &str, p: &AlertPayload) -> Value {
    command_for(app, &device.kind, &device.capabilities, id, thread, p)
}

/// The command a device of `kind` with `capabilities` (`voice`, `text`) would get for an
/// alert, for the authors' previews (command id 0).
pub fn preview(app: &App, kind: &str, capabilities: &str, p: &AlertPayload) -> Value {
    command_for(app, kind, capabilities, 0, &channels::push::topic(&p.alert), p)
}

fn command_for(app: &App, kind: &str, capabilities: &str, id: i64, thread: &str, p: &AlertPayload) -> Value {
    let a = &p.alert;
    let info = a.infos.first();
    let at = |t: Option<&cap_alerts::model::CapDateTime>| t.map(ToString::to_string);
    let start =
        info.and_then(|i| at(i.onset.as_ref()).or_else(|| at(i.effective.as_ref()))).unwrap_or(a.sent.to_string());
    let expires = a.infos.iter().filter_map(|i| i.expires.as_ref()).max_by_key(|e| e.to_utc()).map(ToString::to_string);
    let mut languages: Vec<String> = a.infos.iter().map(|i| i.language_or_default().to_owned()).collect();
    languages.dedup();
    let texts: Vec<Value> = languages
        .iter()
        .map(|l| {
            let t = channels::render::text(a, std::slice::from_ref(l));
            json!({
                "language": t.language, "headline": t.headline, "severityText": t.severity,
                "description": t.description, "instruction": t.instruction, "area": t.area,
                "marker": t.marker, "senderName": t.sender_name,
            })
        })
        .collect();
    let caps: Vec<&str> = capabilities.split(',').map(str::trim).collect();
    let voice: Vec<Value> = if kind == "siren" && caps.contains(&"voice") {
        texts
            .iter()
            .map(|t| {
                let words = [&t["marker"], &t["headline"], &t["instruction"]]
                    .iter()
                    .filter_map(|v| v.as_str())
                    .collect::<Vec<_>>()
                    .join(". ");
                json!({ "language": t["language"], "text": words })
            })
            .collect()
    } else {
        Vec::new()
    };
    let signal = (kind == "siren").then(|| signal(app, a, p.approved_by_another)).flatten();
    json!({
        "id": id,
        "alertId": p.id,
        "thread": thread,
        "msgType": a.msg_type.as_str(),
        "mode": p.mode,
        "severity": info.map(|i| i.severity.as_str()),
        "urgency": info.map(|i| i.urgency.as_str()),
        "sent": a.sent.to_string(),
        "startAt": start,
        "expires": expires,
        "signal": signal.map(|s| json!({ "code": s.code, "name": s.name, "pattern": s.pattern, "seconds": s.seconds })),
        "voice": voice,
        "texts": if kind == "display" || caps.contains(&"text") { texts } else { Vec::new() },
    })
}

/// The siren signal of an alert as its CAP asks: the end-of-danger signal for a Cancel or an
/// all-clear, else the one its `TOCSIN_SIREN_SIGNAL` parameter names, else the default.
pub fn asked_signal(app: &App, a: &cap_alerts::Alert) -> Option<Signal> {
    let catalogue = &app.settings.devices;
    let all_clear = a.msg_type == MsgType::Cancel
        || (!a.infos.is_empty() && a.infos.iter().all(|i| i.response_types.contains(&ResponseType::AllClear)));
    let named = a.infos.iter().find_map(|i| i.parameter(super::devices::SIGNAL_PARAMETER));
    if all_clear {
        // The end signal of the same family (`sk-`, `pl-`) as the alert's, else the first.
        let family = named.unwrap_or(&catalogue.default_signal).split('-').next().unwrap_or_default().to_owned();
        let ends: Vec<&Signal> = catalogue.signals.iter().filter(|s| s.end).collect();
        return ends.iter().find(|s| s.code.starts_with(&format!("{family}-"))).or(ends.first()).map(|s| (*s).clone());
    }
    let code = named.filter(|c| catalogue.signals.iter().any(|s| s.code == *c)).unwrap_or(&catalogue.default_signal);
    catalogue.signals.iter().find(|s| s.code == code).cloned()
}

/// The siren signal that sounds for an issued alert. A Test or Exercise (anything but an
/// Actual alert) that no second person approved sounds only test signals (issue 18, item 2:
/// one person sent the 360-second water-danger signal to every siren as an "exercise"): the
/// test signal it asks for, else the catalogue's test signal of the same family (`sk-`,
/// `pl-`), else its first; and its Cancel or all-clear sounds nothing, since no danger signal
/// went out that an end signal could end.
pub fn signal(app: &App, a: &cap_alerts::Alert, approved_by_another: bool) -> Option<Signal> {
    let asked = asked_signal(app, a)?;
    if approved_by_another || a.status == Status::Actual || asked.test {
        return Some(asked);
    }
    if asked.end {
        return None;
    }
    let tests: Vec<&Signal> = app.settings.devices.signals.iter().filter(|s| s.test).collect();
    let family = asked.code.split('-').next().unwrap_or_default();
    tests.iter().find(|s| s.code.starts_with(&format!("{family}-"))).or(tests.first()).map(|s| (*s).clone())
}

/// Whether the signal this alert asks for needs a second person: a Test or Exercise asking
/// for a danger signal. (Its Cancel or all-clear does not: alone, it sounds nothing.)
pub fn needs_second_person(a: &cap_alerts::Alert, asked: Option<&Signal>) -> bool {
    a.status != Status::Actual && asked.is_some_and(|s| !s.test && !s.end)
}
