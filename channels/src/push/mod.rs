//! Web Push (RFC 8030): each subscription gets the alert as encrypted JSON (RFC 8291,
//! `aes128gcm`), signed for its push service with VAPID (RFC 8292), with a TTL from the alert's
//! expiry, an urgency from its severity and a topic per alert thread, so that an Update or
//! Cancel replaces an original that is still waiting for a phone to come online.

mod ece;
mod error;
mod headers;
mod health;
mod hosts;
mod keys;
mod payload;
mod vapid;

#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::Url;
use ring::rand::SystemRandom;

pub use ece::MAX_PLAINTEXT;
pub use error::PushError;
pub use headers::{topic, ttl, urgency};
pub use hosts::{BROWSER_PUSH_SERVICES, PushHosts};
pub use keys::{EphemeralKey, KeyPool};
pub use payload::payload;
pub use vapid::VapidKey;

/// How long a key made ahead may wait for its message: an hour bounds what a memory dump
/// could reveal, and remaking 100,000 keys an hour costs about two CPU seconds.
const KEY_MAX_AGE: Duration = Duration::from_secs(3600);

use crate::outbound::{Guard, Schemes};
use crate::{BoxFuture, Channel, Health, Message, Outcome, Recipient, outcome_for_status, retry_after};

/// What the push channel needs: the VAPID key, a contact for push-service operators, how long
/// one request may take, and where endpoints may point.
#[derive(Clone, Debug)]
pub struct PushConfig {
    /// The application server's key; its public half is the PWA's `applicationServerKey`.
    pub vapid: VapidKey,
    /// The `sub` claim: a `mailto:` or `https:` contact for push-service operators.
    pub subject: String,
    /// The timeout of one request, connection included.
    pub timeout: Duration,
    /// The timeout of making a connection: a push service that does not accept one within it
    /// is not going to answer.
    pub connect_timeout: Duration,
    /// The push services endpoints may point to (empty: any host the guard allows).
    pub hosts: PushHosts,
    /// The outbound guard: no endpoint reaches inside the network, no redirect is followed.
    pub guard: Guard,
    /// Ephemeral keys to make ahead while idle ([`KeyPool`]); 0 makes each key when needed.
    pub key_pool: usize,
}

/// The Web Push channel. Cheap to share behind an `Arc`: one connection pool (HTTP/2 where the
/// push service offers it), one random source and one VAPID token per push-service origin.
pub struct Push {
    client: reqwest::Client,
    rng: SystemRandom,
    keys: KeyPool,
    tokens: vapid::Tokens,
    stats: health::Stats,
    rendered: Rendered,
    hosts: PushHosts,
    guard: Guard,
}

/// The payload and topic of an alert per reader's languages, built once: every subscriber of
/// one alert with the same languages gets the same plaintext (each is still encrypted with its
/// own fresh key).
#[derive(Default)]
struct Rendered(std::sync::Mutex<std::collections::HashMap<(i64, String), RenderedAlert>>);

/// An alert's payload (plaintext) and topic for one order of languages.
type RenderedAlert = (Arc<[u8]>, Arc<str>);

impl Rendered {
    fn get(&self, alert: &crate::AlertPayload, languages: &[String]) -> RenderedAlert {
        // The CAP sender and identifier name the message for certain (the id is the
        // dispatcher's, unique only within one database).
        let key = (alert.id, format!("{}\n{}\n{}", alert.alert.sender, alert.alert.identifier, languages.join(",")));
        if let Some(hit) = self.0.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return hit;
        }
        let made: (Arc<[u8]>, Arc<str>) =
            (Arc::from(payload(alert, languages)), Arc::from(headers::topic(&alert.alert)));
        if let Ok(mut m) = self.0.lock() {
            // A few alerts at a time, a few language orders each: a small bound is plenty.
            if m.len() >= 1024 {
                m.clear();
            }
            m.insert(key, made.clone());
        }
        made
    }
}

/// One push request, encrypted and signed, ready to send. `Debug` leaves the endpoint out: it
/// is a capability token.
pub struct PushRequest {
    url: Url,
    /// The `aes128gcm` body: header and one record.
    pub body: Vec<u8>,
    /// The `Authorization` header: `vapid t=JWT, k=KEY`.
    pub authorization: Arc<str>,
    /// The `TTL` header, in seconds.
    pub ttl: u64,
    /// The `Urgency` header: `high` or `normal`.
    pub urgency: &'static str,
    /// The `Topic` header: 32 base64url characters naming the alert's thread.
    pub topic: String,
}

impl std::fmt::Debug for PushRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushRequest")
            .field("body_len", &self.body.len())
            .field("ttl", &self.ttl)
            .field("urgency", &self.urgency)
            .field("topic", &self.topic)
            .finish_non_exhaustive()
    }
}

impl Push {
    /// A push channel. Fails on a subject that is not a contact URI, or when the HTTP client
    /// cannot be built. A rustls crypto provider must be installed first (the dispatcher installs
    /// ring's at start): reqwest, built without a default one, panics otherwise.
    pub fn new(config: PushConfig) -> Result<Push, PushError> {
        vapid::check_subject(&config.subject)?;
        let client = config
            .guard
            .builder()
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout.min(config.timeout))
            .pool_max_idle_per_host(128)
            .user_agent(concat!("Tocsin/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| PushError::Client(e.to_string()))?;
        Ok(Push {
            client,
            rng: SystemRandom::new(),
            keys: KeyPool::new(config.key_pool, KEY_MAX_AGE),
            tokens: vapid::Tokens::new(config.vapid, config.subject),
            stats: health::Stats::default(),
            rendered: Rendered::default(),
            hosts: config.hosts,
            guard: config.guard,
        })
    }

    /// Builds the request for one message without sending it: the payload in the recipient's
    /// language, encrypted with a fresh key, and its headers. [`Channel::send`] sends it; the
    /// benchmark measures it alone.
    pub fn prepare(&self, message: &Message) -> Result<PushRequest, PushError> {
        let Recipient::Push { endpoint, p256dh, auth, languages } = &message.recipient else {
            return Err(PushError::NotPushRecipient);
        };
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let alert = &message.alert.alert;
        let ttl = headers::ttl(alert, i64::try_from(now).unwrap_or(i64::MAX))?;
        let url = self.endpoint(endpoint)?;
        let (plaintext, topic) = self.rendered.get(&message.alert, languages);
        let body = ece::encrypt(&self.rng, self.keys.take()?, p256dh, auth, &plaintext)?;
        // RFC 8292 section 2: the audience is the origin of the push resource, port included.
        let authorization = self.tokens.header(&self.rng, &url.origin().ascii_serialization(), now)?;
        Ok(PushRequest { url, body, authorization, ttl, urgency: headers::urgency(alert), topic: topic.to_string() })
    }

    /// Reads an endpoint and checks it again at send time: one stored before the guard or the
    /// list of push services changed must not be sent to either.
    fn endpoint(&self, endpoint: &str) -> Result<Url, PushError> {
        let url = self.guard.check_url(endpoint, Schemes::Https).map_err(|e| PushError::Refused(e.to_string()))?;
        let host = url.host_str().unwrap_or_default();
        // Loopback is for tests and demos, where the push service is a local peer.
        let local = self.guard.allows_loopback() && url.scheme() == "http";
        if !local && !self.hosts.allows(host) {
            return Err(PushError::Refused(format!("is not at one of the push services allowed ({})", self.hosts)));
        }
        Ok(url)
    }

    /// Encryption keys made ahead and ready now.
    pub fn keys_ready(&self) -> usize {
        self.keys.ready()
    }

    /// Sends a prepared request and reads the push service's answer.
    async fn post(&self, req: PushRequest) -> Outcome {
        let sent = self
            .client
            .post(req.url)
            .header("authorization", &*req.authorization)
            .header("content-encoding", "aes128gcm")
            .header("content-type", "application/octet-stream")
            .header("ttl", req.ttl.to_string())
            .header("urgency", req.urgency)
            .header("topic", req.topic)
            .body(req.body)
            .send()
            .await;
        match sent {
            Ok(resp) => {
                self.stats.record(false);
                let header = |name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok());
                let location = header("location").map(str::to_owned);
                outcome(resp.status().as_u16(), retry_after(header("retry-after")), location)
            }
            Err(e) => {
                self.stats.record(true);
                Outcome::Retry {
                    not_before: None,
                    error: format!("could not reach the push service: {}", crate::request_error(&e)),
                }
            }
        }
    }
}

impl Channel for Push {
    fn name(&self) -> &'static str {
        "push"
    }

    fn send<'a>(&'a self, message: &'a Message) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            match self.prepare(message) {
                Ok(req) => self.post(req).await,
                Err(e) => Outcome::Failed { error: e.to_string() },
            }
        })
    }

    fn health(&self) -> Health {
        self.stats.health()
    }
}

/// What the push service's status means (RFC 8030 sections 5, 7 and 8).
fn outcome(status: u16, retry_after: Option<Duration>, location: Option<String>) -> Outcome {
    match status {
        200..=299 => Outcome::Sent { provider_id: location },
        404 | 410 => Outcome::DropAddress {
            error: format!("the push service answered {status}: the subscription has expired or was removed"),
        },
        413 => Outcome::Failed { error: "the push service refused the message as too large (413)".into() },
        400 | 401 | 403 => Outcome::Failed {
            error: format!(
                "the push service refused the request ({status}): it did not accept the VAPID token or the request"
            ),
        },
        429 | 500..=599 => {
            Outcome::Retry { not_before: retry_after, error: format!("the push service answered {status}") }
        }
        _ => outcome_for_status(status, retry_after, location),
    }
}
