//! What a channel sends: one alert to one recipient.

use std::sync::{Arc, OnceLock};

use cap_alerts::Alert;

/// An issued alert, shared by every message of its fan-out.
#[derive(Debug)]
pub struct AlertPayload {
    /// The dispatcher's id of the alert.
    pub id: i64,
    /// The CAP message.
    pub alert: Alert,
    /// Its bytes exactly as issued.
    pub cap_xml: Arc<[u8]>,
    /// `live`, `exercise` or `test`: channels mark anything but live.
    pub mode: &'static str,
    /// Where the CAP document is published, if public.
    pub cap_url: Option<String>,
    /// A channel's rendering of the alert that is the same for every recipient (built once).
    pub rendered: OnceLock<Arc<[u8]>>,
}

impl AlertPayload {
    /// A payload.
    pub fn new(id: i64, alert: Alert, cap_xml: Arc<[u8]>, mode: &'static str, cap_url: Option<String>) -> Self {
        AlertPayload { id, alert, cap_xml, mode, cap_url, rendered: OnceLock::new() }
    }
}

/// Who receives a message, as the channel needs to know them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Recipient {
    /// A registered webhook: its URL and the secret that signs each request.
    Webhook {
        /// Where to POST.
        url: String,
        /// The HMAC key.
        secret: Vec<u8>,
    },
    /// A recipient of the in-memory test channel.
    Memory {
        /// Its key.
        key: String,
    },
}

/// One message: an alert to one recipient.
#[derive(Clone, Debug)]
pub struct Message {
    /// The delivery's id, which receivers can use to recognise a repeat.
    pub delivery_id: i64,
    /// Which attempt this is, from 1.
    pub attempt: u32,
    /// The alert.
    pub alert: Arc<AlertPayload>,
    /// The recipient.
    pub recipient: Recipient,
}
