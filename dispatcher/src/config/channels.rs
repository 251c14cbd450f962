//! `[channels.*]`: each channel's limits and, for push, SMS and email, how to reach the peer.

use serde::{Deserialize, Serialize};

use super::Secret;

/// One channel's limits.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChannelSettings {
    /// Whether this instance sends on the channel.
    pub enabled: bool,
    /// Messages in flight at once.
    pub concurrency: u32,
    /// Messages a second at most (0: no limit), as an operator grants.
    pub rate_per_second: f64,
    /// Seconds before one send is given up and retried.
    pub timeout_seconds: u32,
}

impl Default for ChannelSettings {
    fn default() -> Self {
        ChannelSettings { enabled: true, concurrency: 32, rate_per_second: 0.0, timeout_seconds: 10 }
    }
}

/// `[channels.*]`
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Channels {
    /// Webhooks.
    pub webhook: ChannelSettings,
    /// Web Push to residents' browsers.
    pub push: PushSettings,
    /// SMS over SMPP or an HTTP gateway.
    pub sms: SmsSettings,
    /// Email over SMTP.
    pub email: EmailSettings,
}

/// `[channels.push]`
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PushSettings {
    /// Whether this instance sends Web Push.
    pub enabled: bool,
    /// Pushes in flight at once.
    pub concurrency: u32,
    /// Pushes a second at most (0: no limit).
    pub rate_per_second: f64,
    /// Seconds before one push is given up and retried: short, because push services answer
    /// in well under a second and a slow one must not hold the channel's slots.
    pub timeout_seconds: u32,
    /// Seconds to make a connection to a push service.
    pub connect_timeout_seconds: u32,
    /// The push services residents' endpoints may point to, as host suffixes (a suffix
    /// matches the host and its subdomains); empty allows any public host.
    pub allowed_hosts: Vec<String>,
    /// The contact push services see in the VAPID token (`mailto:` or `https:`); empty means
    /// `server.public_url`.
    pub subject: String,
    /// Ephemeral encryption keys made ahead while idle (each used for one push only, none
    /// older than an hour), so that a fan-out spends its CPU on the one ECDH per subscriber;
    /// 0 makes every key at send time. About 150 bytes of memory a key.
    pub key_pool: usize,
}

impl Default for PushSettings {
    fn default() -> Self {
        PushSettings {
            enabled: true,
            concurrency: 64,
            rate_per_second: 0.0,
            timeout_seconds: 5,
            connect_timeout_seconds: 2,
            allowed_hosts: channels::push::BROWSER_PUSH_SERVICES.iter().map(|h| (*h).to_owned()).collect(),
            subject: String::new(),
            key_pool: 100_000,
        }
    }
}

/// `[channels.sms]`
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmsSettings {
    /// Whether this instance sends SMS (off until a provider is configured).
    pub enabled: bool,
    /// Messages in flight at once.
    pub concurrency: u32,
    /// Messages a second at most (0: no limit), as the operator grants this instance.
    pub rate_per_second: f64,
    /// Seconds before one send is given up and retried.
    pub timeout_seconds: u32,
    /// `smpp` or `http`.
    pub provider: String,
    /// The most segments one message may take; longer texts are shortened.
    pub segment_limit: u32,
    /// Replace letters outside GSM 03.38 (č, ł, Cyrillic) to send the cheaper, longer GSM form.
    pub transliterate: bool,
    /// SMPP.
    pub smpp: SmppSettings,
    /// An HTTP gateway.
    pub http: SmsHttpSettings,
}

impl Default for SmsSettings {
    fn default() -> Self {
        SmsSettings {
            enabled: false,
            concurrency: 64,
            rate_per_second: 0.0,
            timeout_seconds: 10,
            provider: "smpp".into(),
            segment_limit: 4,
            transliterate: false,
            smpp: SmppSettings::default(),
            http: SmsHttpSettings::default(),
        }
    }
}

/// `[channels.sms.smpp]`
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmppSettings {
    /// The SMSC's host.
    pub host: String,
    /// Its port.
    pub port: u16,
    /// SMPP over TLS.
    pub tls: bool,
    /// The account.
    pub system_id: String,
    /// Its password.
    pub password: Secret,
    /// The system type the operator gave, often empty.
    pub system_type: String,
    /// The sender shown on phones (a number or an alphanumeric name).
    pub source_addr: String,
    /// The sender's type of number (5 alphanumeric, 1 international).
    pub source_ton: u8,
    /// The sender's numbering plan (0 unknown, 1 E.164).
    pub source_npi: u8,
    /// Connections (binds) to open.
    pub binds: u32,
    /// Submits in flight per bind.
    pub window: u32,
    /// Submits a second per bind at most (0: no limit).
    pub rate_per_bind: f64,
    /// Seconds between keep-alives.
    pub enquire_link_seconds: u32,
    /// Ask for delivery receipts.
    pub delivery_receipts: bool,
}

impl Default for SmppSettings {
    fn default() -> Self {
        SmppSettings {
            host: String::new(),
            port: 2775,
            tls: false,
            system_id: String::new(),
            password: Secret::default(),
            system_type: String::new(),
            source_addr: String::new(),
            source_ton: 5,
            source_npi: 0,
            binds: 1,
            window: 10,
            rate_per_bind: 0.0,
            enquire_link_seconds: 30,
            delivery_receipts: true,
        }
    }
}

/// `[channels.sms.http]`
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmsHttpSettings {
    /// The gateway's send URL.
    pub url: String,
    /// `POST` or `PUT`.
    pub method: String,
    /// The `Authorization` header's value, if the gateway wants one.
    pub authorization: Secret,
    /// Other headers, as `Name: value`.
    pub headers: Vec<String>,
    /// `application/json` or `application/x-www-form-urlencoded`.
    pub content_type: String,
    /// The body, with `{to}`, `{from}`, `{text}`, `{id}`, `{encoding}` and `{segments}`.
    pub body_template: String,
    /// The sender.
    pub from: String,
    /// A JSON pointer to the message id in the gateway's answer (empty: none).
    pub id_pointer: String,
    /// In status callbacks: a JSON pointer to the message id.
    pub status_id_pointer: String,
    /// In status callbacks: a JSON pointer to the status.
    pub status_pointer: String,
    /// Statuses that mean delivered.
    pub delivered_values: Vec<String>,
    /// Statuses that mean failed for good.
    pub failed_values: Vec<String>,
    /// The bearer token the gateway sends with status callbacks to
    /// `POST /api/v1/sms/status` (empty: callbacks are refused).
    pub callback_token: Secret,
}

impl Default for SmsHttpSettings {
    fn default() -> Self {
        SmsHttpSettings {
            url: String::new(),
            method: "POST".into(),
            authorization: Secret::default(),
            headers: Vec::new(),
            content_type: "application/json".into(),
            body_template: r#"{"to":"{to}","from":"{from}","text":"{text}","reference":"{id}"}"#.into(),
            from: String::new(),
            id_pointer: "/id".into(),
            status_id_pointer: "/id".into(),
            status_pointer: "/status".into(),
            delivered_values: vec!["delivered".into()],
            failed_values: vec!["failed".into(), "undeliverable".into(), "rejected".into(), "expired".into()],
            callback_token: Secret::default(),
        }
    }
}

/// `[channels.email]`
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmailSettings {
    /// Whether this instance sends email (off until a server is configured).
    pub enabled: bool,
    /// Messages in flight at once.
    pub concurrency: u32,
    /// Messages a second at most (0: no limit).
    pub rate_per_second: f64,
    /// Seconds before one send is given up and retried.
    pub timeout_seconds: u32,
    /// The SMTP server.
    pub host: String,
    /// Its port (587 for STARTTLS, 465 for TLS).
    pub port: u16,
    /// `starttls`, `tls` or `none` (`none` only to a server on this machine).
    pub security: String,
    /// The account, if the server wants one.
    pub username: String,
    /// Its password.
    pub password: Secret,
    /// The sender, such as `Town of Levice warnings <warnings@levice.example>`.
    pub from: String,
    /// Where replies go (empty: to the sender).
    pub reply_to: String,
    /// Connections kept open.
    pub pool_size: u32,
    /// A PEM file of a CA to trust besides the usual ones (a private relay).
    pub ca_file: String,
}

impl Default for EmailSettings {
    fn default() -> Self {
        EmailSettings {
            enabled: false,
            concurrency: 32,
            rate_per_second: 0.0,
            timeout_seconds: 30,
            host: String::new(),
            port: 587,
            security: "starttls".into(),
            username: String::new(),
            password: Secret::default(),
            from: String::new(),
            reply_to: String::new(),
            pool_size: 10,
            ca_file: String::new(),
        }
    }
}

macro_rules! limits {
    ($($t:ty),*) => {$(
        impl $t {
            /// The limits the fan-out worker applies.
            pub fn limits(&self) -> ChannelSettings {
                ChannelSettings {
                    enabled: self.enabled,
                    concurrency: self.concurrency,
                    rate_per_second: self.rate_per_second,
                    timeout_seconds: self.timeout_seconds,
                }
            }
        }
    )*};
}
limits!(PushSettings, SmsSettings, EmailSettings);
