//! `channels`: how Tocsin delivers an alert on one medium. Every adapter implements the
//! object-safe [`Channel`] trait: it gets one [`Message`] (the alert and one recipient) and
//! answers with an [`Outcome`] that tells the fan-out worker what to do next. No adapter touches
//! the database; the dispatcher owns storage, retries and leases.

pub mod cascade;
pub mod email;
#[cfg(feature = "memory")]
pub mod memory;
mod message;
pub mod mqtt;
mod notice;
pub mod outbound;
pub mod push;
pub mod render;
pub mod sms;
pub mod webhook;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

pub use message::{AlertPayload, Message, Recipient};
pub use notice::Notice;

/// A boxed future, so that the trait stays object-safe.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What became of one send, and so what the worker does next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Handed over; the channel may confirm delivery later. Done.
    Sent {
        /// The provider's message id, when it gave one.
        provider_id: Option<String>,
    },
    /// Confirmed delivered. Done.
    Delivered {
        /// The provider's message id.
        provider_id: Option<String>,
    },
    /// Not now: try again, not before the given delay when the provider said so
    /// (Retry-After, throttling).
    Retry {
        /// The earliest time to try again, from now.
        not_before: Option<Duration>,
        /// What happened.
        error: String,
    },
    /// Will never succeed for this message (refused, too large). Done.
    Failed {
        /// Why.
        error: String,
    },
    /// The address is gone (unsubscribed push endpoint, webhook removed): fail and stop
    /// sending to it.
    DropAddress {
        /// Why.
        error: String,
    },
}

/// A delivery channel.
pub trait Channel: Send + Sync {
    /// The channel's name as stored with each delivery: `webhook`, `push`, `sms`, `email`, …
    fn name(&self) -> &'static str;

    /// Sends one message. Must be safe to repeat: the worker may send again after a crash.
    fn send<'a>(&'a self, message: &'a Message) -> BoxFuture<'a, Outcome>;

    /// Sends a short text that is not an alert (a sign-up's verification code). Channels that
    /// do not reach a person directly refuse it.
    fn send_notice<'a>(&'a self, notice: &'a Notice) -> BoxFuture<'a, Outcome> {
        let _ = notice;
        let name = self.name();
        Box::pin(async move { Outcome::Failed { error: format!("the {name} channel sends no notices") } })
    }

    /// How the channel is doing now (connections to its peer, recent errors).
    fn health(&self) -> Health {
        Health::up("ready")
    }
}

/// Something a channel learnt after a send, or from a resident: the dispatcher acts on it.
#[derive(Clone, PartialEq, Eq)]
pub enum Event {
    /// The provider's final word on a message it accepted earlier (an SMPP delivery receipt,
    /// an HTTP gateway's status callback).
    Receipt {
        /// The channel's name.
        channel: &'static str,
        /// The provider's message id, as [`Outcome::Sent`] gave it.
        provider_id: String,
        /// Delivered (true) or failed for good (false).
        delivered: bool,
        /// The provider's status text (`DELIVRD`, `UNDELIV`, an error code).
        detail: String,
    },
    /// A message from a resident (SMS mobile-originated); `STOP` unsubscribes them.
    Inbound {
        /// The channel's name.
        channel: &'static str,
        /// The sender's address (E.164 for SMS).
        from: String,
        /// The text.
        text: String,
    },
    /// A siren's or display's acknowledgement of a command, received over MQTT (the same
    /// states as `POST /api/v1/device/ack`).
    DeviceAck {
        /// The device, from the topic `tocsin/devices/{id}/acks`.
        device_id: i64,
        /// The command (delivery) id.
        command: i64,
        /// `received`, `started`, `completed` or `failed`, as the device sent it.
        state: String,
        /// Why it failed, when it did.
        reason: Option<String>,
    },
}

impl std::fmt::Debug for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Event::Receipt { channel, provider_id, delivered, detail } => f
                .debug_struct("Receipt")
                .field("channel", channel)
                .field("provider_id", provider_id)
                .field("delivered", delivered)
                .field("detail", detail)
                .finish(),
            // The sender's number and text are personal data.
            Event::Inbound { channel, .. } => {
                f.debug_struct("Inbound").field("channel", channel).finish_non_exhaustive()
            }
            Event::DeviceAck { device_id, command, state, reason } => f
                .debug_struct("DeviceAck")
                .field("device_id", device_id)
                .field("command", command)
                .field("state", state)
                .field("reason", reason)
                .finish(),
        }
    }
}

/// Where channels report [`Event`]s. Bounded: a channel that reads receipts waits when the
/// dispatcher is behind, rather than dropping any.
pub type EventSender = tokio::sync::mpsc::Sender<Event>;

/// A channel's state as `GET /api/v1/channels` shows it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Health {
    /// `up`, `degraded` (working with trouble: some binds down, recent errors) or `down`.
    pub state: HealthState,
    /// A short explanation for operators (no personal data, no secrets).
    pub detail: String,
}

/// The three states of [`Health`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HealthState {
    /// Working.
    Up,
    /// Working with trouble.
    Degraded,
    /// Not able to send now.
    Down,
}

impl HealthState {
    /// `up`, `degraded` or `down`, as the API and the metrics say it.
    pub const fn as_str(self) -> &'static str {
        match self {
            HealthState::Up => "up",
            HealthState::Degraded => "degraded",
            HealthState::Down => "down",
        }
    }
}

impl Health {
    /// Working.
    pub fn up(detail: impl Into<String>) -> Self {
        Health { state: HealthState::Up, detail: detail.into() }
    }
    /// Working with trouble.
    pub fn degraded(detail: impl Into<String>) -> Self {
        Health { state: HealthState::Degraded, detail: detail.into() }
    }
    /// Not able to send.
    pub fn down(detail: impl Into<String>) -> Self {
        Health { state: HealthState::Down, detail: detail.into() }
    }
}

/// The standard mapping of an HTTP status to an outcome: 2xx sent; 404 and 410 drop the
/// address; 408, 425, 429 and 5xx retry (after Retry-After when given); other 4xx fail.
pub fn outcome_for_status(status: u16, retry_after: Option<Duration>, provider_id: Option<String>) -> Outcome {
    match status {
        200..=299 => Outcome::Sent { provider_id },
        404 | 410 => Outcome::DropAddress { error: format!("the endpoint answered {status}: it is gone") },
        408 | 425 | 429 | 500..=599 => {
            Outcome::Retry { not_before: retry_after, error: format!("the endpoint answered {status}") }
        }
        _ => Outcome::Failed { error: format!("the endpoint refused the message with {status}") },
    }
}

/// A request error in words, without the URL (a push endpoint is a capability token; a
/// webhook's path may hold a secret).
pub(crate) fn request_error(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else {
        "request failed"
    }
}

/// A `Retry-After` header's delay: seconds, or an HTTP date.
pub fn retry_after(value: Option<&str>) -> Option<Duration> {
    let v = value?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs.min(24 * 3600)));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_what_the_worker_does() {
        assert!(matches!(outcome_for_status(201, None, None), Outcome::Sent { .. }));
        assert!(matches!(outcome_for_status(410, None, None), Outcome::DropAddress { .. }));
        assert!(matches!(outcome_for_status(404, None, None), Outcome::DropAddress { .. }));
        let r = outcome_for_status(429, Some(Duration::from_secs(7)), None);
        assert_eq!(
            r,
            Outcome::Retry { not_before: Some(Duration::from_secs(7)), error: "the endpoint answered 429".into() }
        );
        assert!(matches!(outcome_for_status(503, None, None), Outcome::Retry { not_before: None, .. }));
        assert!(matches!(outcome_for_status(413, None, None), Outcome::Failed { .. }));
        assert_eq!(retry_after(Some(" 12 ")), Some(Duration::from_secs(12)));
        assert_eq!(retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT")), None);
    }
}
