//! The RFC 8030 headers that tell the push service how to treat a message: how long to keep it
//! (`TTL`), how urgently to deliver it (`Urgency`), and which earlier message it replaces
//! (`Topic`).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cap_alerts::Alert;
use cap_alerts::model::MsgType;
use ring::digest::{SHA256, digest};

use super::PushError;
use crate::render;

/// The TTL of an alert without any `expires`: a day.
pub const DEFAULT_TTL_SECS: u64 = 24 * 3600;
/// The longest TTL asked for: push services keep messages for at most about four weeks.
pub const MAX_TTL_SECS: u64 = 28 * 24 * 3600;
/// RFC 8030 section 5.4: a topic is at most 32 characters of the base64url alphabet.
const TOPIC_LEN: usize = 32;

/// Seconds until the alert's latest `expires` (Unix time `now`), clamped to 28 days; a day when
/// no `info` gives one. An alert whose latest `expires` has passed is not sent at all.
pub fn ttl(alert: &Alert, now: i64) -> Result<u64, PushError> {
    let latest = alert.infos.iter().filter_map(|i| i.expires.as_ref()).map(|e| e.to_utc().timestamp()).max();
    match latest {
        None => Ok(DEFAULT_TTL_SECS),
        Some(t) if t <= now => Err(PushError::Expired),
        Some(t) => Ok(u64::try_from(t - now).unwrap_or(MAX_TTL_SECS).min(MAX_TTL_SECS)),
    }
}

/// `high` for an Immediate or Extreme alert (delivered even to a device saving battery),
/// else `normal`.
pub fn urgency(alert: &Alert) -> &'static str {
    if render::is_urgent(alert) { "high" } else { "normal" }
}

/// The thread an alert belongs to, as `(sender, identifier)`: for an Update or Cancel, the
/// earliest-sent message it references (the original alert); else the alert itself.
pub fn thread(alert: &Alert) -> (&str, &str) {
    let original = match alert.msg_type {
        MsgType::Update | MsgType::Cancel => alert.references.iter().min_by_key(|r| r.sent),
        _ => None,
    };
    match original {
        Some(r) => (r.sender.as_str(), r.identifier.as_str()),
        None => (alert.sender.as_str(), alert.identifier.as_str()),
    }
}

/// The `Topic` of the alert's thread: the first 32 base64url characters of
/// SHA-256(`sender,identifier`). A push service replaces an undelivered message with the same
/// topic, so an Update or Cancel replaces its original on a phone that was offline; the
/// payload's `tag` is the same value, so the service worker replaces a shown notification.
pub fn topic(alert: &Alert) -> String {
    let (sender, identifier) = thread(alert);
    // The comma cannot occur in a CAP sender or identifier, so the pair is unambiguous.
    let hash = digest(&SHA256, format!("{sender},{identifier}").as_bytes());
    let mut t = URL_SAFE_NO_PAD.encode(hash.as_ref());
    t.truncate(TOPIC_LEN);
    t
}
