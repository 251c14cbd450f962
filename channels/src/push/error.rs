//! What can go wrong in the Web Push channel before a request leaves, with messages that never
//! name the endpoint (a push endpoint URL is a capability: whoever knows it can push).

use std::fmt;

/// A Web Push error: a bad key or setting at start-up, or a message that cannot be built.
///
/// Written by hand rather than with `thiserror`, which `channels` does not depend on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PushError {
    /// The VAPID key is not a PKCS#8 document of a P-256 ECDSA key.
    BadVapidKey,
    /// Generating a key or a random value failed (the system's random source).
    Random,
    /// The VAPID subject is not a `mailto:` or `https:` contact (RFC 8292, section 2.1).
    BadSubject,
    /// Signing the VAPID token failed.
    Signing,
    /// The HTTP client could not be built (TLS set-up).
    Client(String),
    /// The message is not for a Web Push recipient.
    NotPushRecipient,
    /// The endpoint is refused by the outbound guard or the list of push services.
    Refused(String),
    /// The subscription's `p256dh` is not an uncompressed P-256 point (65 bytes, 0x04 first).
    BadSubscriptionKey,
    /// The subscription's `auth` secret is not 16 bytes.
    BadAuthSecret,
    /// The plaintext does not fit in one 4096-byte record.
    PayloadTooLarge(usize),
    /// Every `info` of the alert has expired: a push would warn of what is over.
    Expired,
    /// The key agreement or encryption failed.
    Encryption,
}

impl fmt::Display for PushError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PushError::BadVapidKey => f.write_str("the VAPID key is not a PKCS#8 P-256 ECDSA private key"),
            PushError::Random => f.write_str("the system's random source failed"),
            PushError::BadSubject => {
                f.write_str("the VAPID subject must be a contact URI starting with mailto: or https:")
            }
            PushError::Signing => f.write_str("signing the VAPID token failed"),
            PushError::Client(e) => write!(f, "the HTTP client could not be built: {e}"),
            PushError::NotPushRecipient => {
                f.write_str("the push channel was given a recipient that is not a push subscription")
            }
            PushError::Refused(why) => write!(f, "the subscription's endpoint {why}"),
            PushError::BadSubscriptionKey => {
                f.write_str("the subscription's p256dh key is not an uncompressed P-256 public key")
            }
            PushError::BadAuthSecret => f.write_str("the subscription's auth secret is not 16 bytes"),
            PushError::PayloadTooLarge(n) => {
                write!(f, "the push payload is {n} bytes; at most 3993 fit in one 4096-byte record")
            }
            PushError::Expired => f.write_str("the alert has expired; it was not sent"),
            PushError::Encryption => f.write_str("encrypting the push message failed"),
        }
    }
}

impl std::error::Error for PushError {}
