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
    /// Where residents read the alert (the PWA's page of it), if the server has a public URL.
    pub page_url: Option<String>,
    /// A channel's rendering of the alert that is the same for every recipient (built once).
    pub rendered: OnceLock<Arc<[u8]>>,
    /// Whether someone other than the person who brought the alert in approved it. A Test or
    /// Exercise without such a second person sounds only the sirens' test signals.
    pub approved_by_another: bool,
}

impl AlertPayload {
    /// A payload.
    pub fn new(id: i64, alert: Alert, cap_xml: Arc<[u8]>, mode: &'static str, cap_url: Option<String>) -> Self {
        AlertPayload {
            id,
            alert,
            cap_xml,
            mode,
            cap_url,
            page_url: None,
            rendered: OnceLock::new(),
            approved_by_another: false,
        }
    }

    /// The same payload with the page residents read it on.
    #[must_use]
    pub fn with_page_url(mut self, url: Option<String>) -> Self {
        self.page_url = url;
        self
    }

    /// The same payload, saying whether a second person approved it.
    #[must_use]
    pub fn with_approved_by_another(mut self, yes: bool) -> Self {
        self.approved_by_another = yes;
        self
    }
}

/// Who receives a message, as the channel needs to know them. `Debug` names the kind only:
/// addresses are personal data and stay out of logs.
#[derive(Clone, PartialEq, Eq)]
pub enum Recipient {
    /// A registered webhook: its URL and the secret that signs each request.
    Webhook {
        /// Where to POST.
        url: String,
        /// The HMAC key.
        secret: Vec<u8>,
    },
    /// A Web Push subscription (RFC 8030): the push service's endpoint and the browser's keys.
    Push {
        /// The push service URL to POST to.
        endpoint: String,
        /// The user agent's P-256 public key, uncompressed (65 bytes).
        p256dh: Vec<u8>,
        /// The user agent's authentication secret (16 bytes).
        auth: Vec<u8>,
        /// Languages the resident reads, preferred first (`sk`, `en-GB`, …).
        languages: Vec<String>,
    },
    /// A phone that gets SMS.
    Sms {
        /// The number in E.164 (`+421900123456`).
        number: String,
        /// Languages the resident reads, preferred first.
        languages: Vec<String>,
    },
    /// An email address.
    Email {
        /// The address.
        address: String,
        /// Languages the resident reads, preferred first.
        languages: Vec<String>,
        /// A link that unsubscribes this address at once (one click, RFC 8058).
        unsubscribe_url: Option<String>,
    },
    /// A siren or display, which polls for its commands (and may take them over MQTT).
    Device {
        /// The device's id.
        id: i64,
    },
    /// A child instance of a cascade (its link is held by the cascade channel).
    Child {
        /// The child's id.
        id: i64,
    },
    /// A recipient of the in-memory test channel.
    Memory {
        /// Its key.
        key: String,
    },
}

impl std::fmt::Debug for Recipient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Recipient::Webhook { .. } => "Webhook(..)",
            Recipient::Push { .. } => "Push(..)",
            Recipient::Sms { .. } => "Sms(..)",
            Recipient::Email { .. } => "Email(..)",
            Recipient::Device { .. } => "Device(..)",
            Recipient::Child { .. } => "Child(..)",
            Recipient::Memory { .. } => "Memory(..)",
        })
    }
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
