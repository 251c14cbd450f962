//! The alert as one email: subject, headers and a multipart/alternative body (text and
//! HTML) for one recipient. Public so the dispatcher's preview and the tests can render it.

use lettre::message::header::{HeaderName, HeaderValue, MessageId};
use lettre::message::{Mailbox, MultiPart};

use super::EmailError;
use super::content::Content;
use super::{html, plain};
use crate::AlertPayload;
use crate::render::is_urgent;

/// The header that carries the delivery id, the same on every attempt.
pub const DELIVERY_HEADER: &str = "X-Tocsin-Delivery";

/// The email of `alert` for the reader at `address` who reads `languages` (preferred first).
///
/// `delivery_id` makes the Message-ID (`<tocsin-ID@domain of from>`), so a message sent again
/// after a crash carries the same id and mail systems and readers can recognise the repeat.
/// An `unsubscribe_url` that is not an http(s) URL is left out rather than failing the warning.
pub fn message(
    alert: &AlertPayload,
    address: &str,
    languages: &[String],
    unsubscribe_url: Option<&str>,
    delivery_id: i64,
    from: &Mailbox,
    reply_to: Option<&Mailbox>,
) -> Result<lettre::Message, EmailError> {
    let to: Mailbox = address.trim().parse().map_err(|_| EmailError::InvalidRecipient)?;
    let content = Content::new(alert, languages, unsubscribe_url);
    let Parts { subject, text, html } = parts(&content);
    let mut builder = lettre::Message::builder()
        .from(from.clone())
        .to(to)
        .subject(subject.clone())
        .header(MessageId::from(message_id(delivery_id, from)))
        .raw_header(header(DELIVERY_HEADER, delivery_id.to_string()))
        .raw_header(header("Auto-Submitted", "auto-generated".into()))
        // Out-of-office replies to a warning help nobody.
        .raw_header(header("X-Auto-Response-Suppress", "All".into()))
        .raw_header(header("Content-Language", languages_of(&content)));
    if let Some(r) = reply_to {
        builder = builder.reply_to(r.clone());
    }
    if let Some(url) = content.unsubscribe {
        builder = builder
            .raw_header(header("List-Unsubscribe", format!("<{url}>")))
            .raw_header(header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click".into()));
    }
    if is_urgent(&alert.alert) {
        // RFC 2156's Priority and Importance, and the X-Priority most clients read.
        builder = builder
            .raw_header(header("Priority", "urgent".into()))
            .raw_header(header("Importance", "high".into()))
            .raw_header(header("X-Priority", "1".into()));
    }
    let body = MultiPart::alternative_plain_html(text, html);
    builder.multipart(body).map_err(|e| EmailError::Build(e.to_string()))
}

/// What an alert email says: its subject and its two bodies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parts {
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The HTML body (a whole document, styled inline).
    pub html: String,
}

/// The subject and bodies [`message`] sends to a reader of `languages`, for previews: the
/// same rendering, without the envelope.
pub fn preview(alert: &AlertPayload, languages: &[String], unsubscribe_url: Option<&str>) -> Parts {
    parts(&Content::new(alert, languages, unsubscribe_url))
}

fn parts(content: &Content<'_>) -> Parts {
    let subject = subject(content);
    let html = html::html(content, &subject);
    Parts { text: plain::plain(content), html, subject }
}

/// A plain-text email that is not an alert (a sign-up's verification code), with the same
/// sender, Message-ID scheme and auto-reply suppression as alerts. `id` names the notice.
pub fn notice(
    address: &str,
    subject: &str,
    text: &str,
    id: i64,
    from: &Mailbox,
    reply_to: Option<&Mailbox>,
) -> Result<lettre::Message, EmailError> {
    let to: Mailbox = address.trim().parse().map_err(|_| EmailError::InvalidRecipient)?;
    let subject = subject.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut builder = lettre::Message::builder()
        .from(from.clone())
        .to(to)
        .subject(subject)
        .header(MessageId::from(format!("<tocsin-notice-{id}@{}>", from.email.domain())))
        .raw_header(header("Auto-Submitted", "auto-generated".into()))
        .raw_header(header("X-Auto-Response-Suppress", "All".into()));
    if let Some(r) = reply_to {
        builder = builder.reply_to(r.clone());
    }
    builder
        .header(lettre::message::header::ContentType::TEXT_PLAIN)
        .body(text.to_owned())
        .map_err(|e| EmailError::Build(e.to_string()))
}

/// `[EXERCISE] Extreme danger: Flood on the Hron`, in the reader's language.
fn subject(content: &Content<'_>) -> String {
    let Some(first) = content.first() else {
        return String::new();
    };
    let t = &first.text;
    let line = match &first.marker {
        Some(m) => format!("[{m}] {}: {}", t.severity, t.headline),
        None => format!("{}: {}", t.severity, t.headline),
    };
    // A subject is one line, whatever the CAP headline holds.
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `<tocsin-ID@domain>`, the domain being the sender's.
fn message_id(delivery_id: i64, from: &Mailbox) -> String {
    format!("<tocsin-{delivery_id}@{}>", from.email.domain())
}

/// The sections' languages, for `Content-Language`.
fn languages_of(content: &Content<'_>) -> String {
    content.sections.iter().map(|s| s.text.language.as_str()).collect::<Vec<_>>().join(", ")
}

/// A header of ours; its value is encoded by lettre (RFC 2047), so no value can inject lines.
fn header(name: &'static str, value: String) -> HeaderValue {
    HeaderValue::new(HeaderName::new_from_ascii_str(name), value)
}
