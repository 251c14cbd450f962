//! The JSON a push message carries to the residents' PWA, whose service worker shows it as a
//! notification; documented field by field in `docs/push-payload.md`.

use serde::Serialize;

use super::ece::MAX_PLAINTEXT;
use super::headers;
use crate::{AlertPayload, render};

/// The notification as the service worker reads it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Notification<'a> {
    alert_id: i64,
    identifier: &'a str,
    sender: &'a str,
    sent: String,
    msg_type: &'static str,
    mode: &'static str,
    language: String,
    headline: String,
    severity: &'static str,
    severity_text: String,
    urgency: &'static str,
    event: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    sender_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    area: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    instruction: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires: Option<String>,
    tag: String,
}

/// The payload of `alert` for a reader of `languages`: UTF-8 JSON of at most 3993 bytes, so
/// that it fits one encrypted record. Long texts are shortened to fit, the description first,
/// then the instruction, the area and the sender's name.
pub fn payload(alert: &AlertPayload, languages: &[String]) -> Vec<u8> {
    let a = &alert.alert;
    let info = render::pick_info(a, languages);
    let text = render::text(a, languages);
    let headline = match &text.marker {
        Some(marker) => format!("{marker}: {}", text.headline),
        None => text.headline,
    };
    let mut n = Notification {
        alert_id: alert.id,
        identifier: a.identifier.as_str(),
        sender: a.sender.as_str(),
        sent: a.sent.to_string(),
        msg_type: a.msg_type.as_str(),
        mode: alert.mode,
        language: text.language,
        headline,
        severity: info.map_or("Unknown", |i| i.severity.as_str()),
        severity_text: text.severity,
        urgency: info.map_or("Unknown", |i| i.urgency.as_str()),
        event: info.map_or("", |i| i.event.as_str()),
        sender_name: text.sender_name,
        area: text.area,
        description: text.description,
        instruction: text.instruction,
        url: alert.page_url.as_deref().or(alert.cap_url.as_deref()),
        expires: text.expires,
        tag: headers::topic(a),
    };
    fit(&mut n)
}

/// Serialises, shortening the long texts until the JSON fits.
fn fit(n: &mut Notification<'_>) -> Vec<u8> {
    loop {
        let json = serde_json::to_vec(n).unwrap_or_default();
        let over = json.len().saturating_sub(MAX_PLAINTEXT);
        if over == 0 {
            return json;
        }
        let longest_first = [&mut n.description, &mut n.instruction, &mut n.area, &mut n.sender_name];
        let Some(field) = longest_first.into_iter().find(|f| f.is_some()) else {
            // Nothing left to shorten: only a pathological identifier or URL gets here; the
            // encryption step refuses the message as too large.
            return json;
        };
        *field = shorten(field.take().unwrap_or_default(), over);
    }
}

/// `text` less at least `over` bytes, ending in an ellipsis, or `None` when nothing useful
/// would be left. Removing a character removes at least its own bytes from the JSON (escaping
/// only adds), so each step makes progress.
fn shorten(text: String, over: usize) -> Option<String> {
    const ELLIPSIS: &str = "…";
    let mut keep = text.len().checked_sub(over + ELLIPSIS.len())?;
    while !text.is_char_boundary(keep) {
        keep -= 1;
    }
    let kept = text[..keep].trim_end();
    (kept.chars().count() >= 20).then(|| format!("{kept}{ELLIPSIS}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortening_cuts_on_a_character_boundary_and_drops_stubs() {
        let s = "Čítajte pokyny a zostaňte doma, kým nepríde ďalšia správa.".to_owned();
        let short = shorten(s.clone(), 10).unwrap();
        assert!(short.len() <= s.len() - 10 && short.ends_with('…'), "{short}");
        assert_eq!(shorten(s.clone(), s.len() - 10), None);
        assert_eq!(shorten("short".into(), 10), None);
    }
}
