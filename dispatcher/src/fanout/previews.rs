//! Previews: what each chosen channel would send of an alert, per language, made by the very
//! renderers the sending uses (the push payload and headers, the email, the SMS, the display's
//! and the siren's commands), so that authors and approvers see exactly what goes out.

use cap_alerts::Alert;
use serde::Serialize;
use serde_json::Value;

use super::choice::{Choice, allowed};
use super::reach::{SmsPreview, sms_previews};
use crate::app::App;
use crate::config::Signal;
use crate::domain::device_commands;

/// What an alert's channels would send.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Previews {
    /// The channels it goes out on; the others are absent below.
    pub channels: Vec<String>,
    /// Per language of the alert: push, SMS and email, as a reader of that language gets them.
    pub languages: Vec<LanguagePreview>,
    /// The command a display gets (every language, which the display shows in turn).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<Value>,
    /// What a siren sounds and says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub siren: Option<SirenPreview>,
}

/// The messages of one language.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LanguagePreview {
    /// The language of the alert's `info`.
    pub language: String,
    /// The push message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub push: Option<PushPreview>,
    /// The SMS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sms: Option<SmsPreview>,
    /// The email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<EmailPreview>,
}

/// A push message: the JSON the residents' app receives and the headers its push service gets.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PushPreview {
    /// The decrypted payload (`docs/push-payload.md`); the app's service worker makes the
    /// notification's title, body, tag and link from it.
    pub payload: Value,
    /// The `Urgency` header: `high` or `normal`.
    pub urgency: String,
    /// The `TTL` header in seconds: how long the push service keeps it for an offline phone;
    /// absent when the alert has already expired (then nothing is sent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttl_seconds: Option<u64>,
    /// The `Topic` header, the same for every message of the alert's thread.
    pub topic: String,
}

/// An email.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EmailPreview {
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The HTML body; show it only in a sandboxed frame.
    pub html: String,
    /// The unsubscribe link in the preview stands for each recipient's own.
    pub unsubscribe_url: String,
}

/// What sirens do.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SirenPreview {
    /// The signal from the catalogue (`[[devices.signals]]`) the alert asks for, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signal: Option<Signal>,
    /// Whether that signal needs a second approver: a Test or Exercise sounds only test
    /// signals when the person who brought it in approves it alone.
    pub needs_second_approver: bool,
    /// The command a siren that can speak gets.
    pub command: Value,
}

/// The previews of an alert (frozen, or built from a draft) whose dispatcher id is `id`.
pub fn of(app: &App, id: i64, alert: &Alert) -> Previews {
    let choice = Choice::of(alert);
    let channels: Vec<String> = allowed(app).into_iter().filter(|c| choice.allows(c)).collect();
    let on = |c: &str| channels.iter().any(|x| x == c);
    let payload = super::payloads::payload(app, id, alert.clone(), cap_alerts::write(alert).into_bytes());
    let unsubscribe = format!("{}/api/v1/unsubscribe", app.settings.server.public_url.trim_end_matches('/'));
    let now = chrono::Utc::now().timestamp();
    let sms = if on("sms") { sms_previews(app, id, alert) } else { Vec::new() };
    let languages = languages(alert)
        .into_iter()
        .map(|language| {
            let langs = std::slice::from_ref(&language);
            let push = on("push").then(|| PushPreview {
                payload: serde_json::from_slice(&channels::push::payload(&payload, langs)).unwrap_or(Value::Null),
                urgency: channels::push::urgency(alert).to_owned(),
                ttl_seconds: channels::push::ttl(alert, now).ok(),
                topic: channels::push::topic(alert),
            });
            let email = on("email").then(|| {
                let parts = channels::email::preview(&payload, langs, Some(&unsubscribe));
                EmailPreview {
                    subject: parts.subject,
                    text: parts.text,
                    html: parts.html,
                    unsubscribe_url: unsubscribe.clone(),
                }
            });
            let sms = sms.iter().find(|s| s.language == language).cloned();
            LanguagePreview { push, sms, email, language }
        })
        .collect();
    Previews {
        display: on("display").then(|| device_commands::preview(app, "display", "", &payload)),
        siren: on("siren").then(|| {
            let signal = device_commands::asked_signal(app, alert);
            SirenPreview {
                needs_second_approver: device_commands::needs_second_person(alert, signal.as_ref()),
                signal,
                command: device_commands::preview(app, "siren", "voice", &payload),
            }
        }),
        channels,
        languages,
    }
}

/// The languages of the alert's info blocks, each once, in order.
fn languages(alert: &Alert) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for i in &alert.infos {
        let l = i.language_or_default();
        if !out.iter().any(|o| o == l) {
            out.push(l.to_owned());
        }
    }
    out
}
