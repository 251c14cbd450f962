//! Webhooks: each registered URL gets the alert as JSON with the CAP XML inside, in a POST
//! signed with HMAC-SHA256 over the timestamp and body, so receivers can check its origin and
//! freshness. Receivers can recognise a repeated delivery by `X-Tocsin-Delivery`.

use std::sync::Arc;
use std::time::Duration;

use ring::hmac;
use serde_json::json;

use crate::outbound::{Guard, Schemes};
use crate::{BoxFuture, Channel, Message, Outcome, Recipient, outcome_for_status, retry_after};

/// The webhook channel.
#[derive(Clone, Debug)]
pub struct Webhook {
    client: reqwest::Client,
    guard: Guard,
}

/// The signature header: `sha256=` and the hex HMAC of `TIMESTAMP.BODY`.
pub const SIGNATURE_HEADER: &str = "x-tocsin-signature";
/// The Unix time the signature covers.
pub const TIMESTAMP_HEADER: &str = "x-tocsin-timestamp";
/// The delivery id, the same on every attempt.
pub const DELIVERY_HEADER: &str = "x-tocsin-delivery";

impl Webhook {
    /// A webhook channel with a connection pool and a per-request timeout, whose requests go
    /// through the outbound guard: staff typed the URLs, and no URL may reach inside.
    pub fn new(timeout: Duration, guard: Guard) -> Result<Self, reqwest::Error> {
        let client = guard
            .builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .pool_max_idle_per_host(64)
            .user_agent(concat!("Tocsin/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Webhook { client, guard })
    }

    /// The body every webhook of an alert gets.
    pub fn body(payload: &crate::AlertPayload) -> Arc<[u8]> {
        payload
            .rendered
            .get_or_init(|| {
                let a = &payload.alert;
                let body = json!({
                    "type": "alert",
                    "alertId": payload.id,
                    "mode": payload.mode,
                    "identifier": a.identifier,
                    "sender": a.sender,
                    "msgType": a.msg_type,
                    "status": a.status,
                    "capUrl": payload.cap_url,
                    "alert": a,
                    "cap": String::from_utf8_lossy(&payload.cap_xml),
                });
                Arc::from(serde_json::to_vec(&body).unwrap_or_default())
            })
            .clone()
    }

    /// POSTs a JSON body signed with the webhook's secret, as every webhook request is: the
    /// delivery id, the time and the signature in their headers. A URL the outbound guard
    /// refuses (one stored before the guard, or an address since closed) is not requested.
    pub async fn post_signed(
        &self,
        url: &str,
        secret: &[u8],
        delivery: &str,
        body: Vec<u8>,
    ) -> Result<reqwest::Response, Sent> {
        let url = self.guard.check_url(url, Schemes::HttpOrHttps).map_err(Sent::Refused)?;
        let ts = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let signature = Webhook::sign(secret, ts, &body);
        self.client
            .post(url)
            .header("content-type", "application/json")
            .header(DELIVERY_HEADER, delivery)
            .header(TIMESTAMP_HEADER, ts.to_string())
            .header(SIGNATURE_HEADER, signature)
            .body(body)
            .send()
            .await
            .map_err(Sent::Failed)
    }

    /// The signature of a body at a time with a secret.
    pub fn sign(secret: &[u8], timestamp: u64, body: &[u8]) -> String {
        let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
        let mut ctx = hmac::Context::with_key(&key);
        ctx.update(timestamp.to_string().as_bytes());
        ctx.update(b".");
        ctx.update(body);
        format!("sha256={}", hex::encode(ctx.sign().as_ref()))
    }
}

/// Why a webhook request got no answer.
#[derive(Debug)]
pub enum Sent {
    /// The outbound guard refused the URL; nothing was sent.
    Refused(crate::outbound::Refused),
    /// The request failed (connection, timeout).
    Failed(reqwest::Error),
}

impl std::fmt::Display for Sent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Sent::Refused(why) => write!(f, "the URL {why}"),
            Sent::Failed(e) => f.write_str(crate::request_error(e)),
        }
    }
}

impl Channel for Webhook {
    fn name(&self) -> &'static str {
        "webhook"
    }

    fn send<'a>(&'a self, m: &'a Message) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            let Recipient::Webhook { url, secret } = &m.recipient else {
                return Outcome::Failed { error: "not a webhook recipient".into() };
            };
            let body = Webhook::body(&m.alert);
            match self.post_signed(url, secret, &m.delivery_id.to_string(), body.to_vec()).await {
                Ok(resp) => {
                    let after = retry_after(resp.headers().get("retry-after").and_then(|v| v.to_str().ok()));
                    outcome_for_status(resp.status().as_u16(), after, None)
                }
                Err(Sent::Refused(why)) => Outcome::Failed { error: format!("the webhook's URL {why}") },
                Err(Sent::Failed(e)) => Outcome::Retry {
                    not_before: None,
                    error: format!("could not reach the endpoint: {}", crate::request_error(&e)),
                },
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_cover_timestamp_and_body() {
        let a = Webhook::sign(b"secret", 1_700_000_000, b"{}");
        assert!(a.starts_with("sha256=") && a.len() == 7 + 64);
        assert_ne!(a, Webhook::sign(b"secret", 1_700_000_001, b"{}"));
        assert_ne!(a, Webhook::sign(b"other", 1_700_000_000, b"{}"));
        assert_eq!(a, Webhook::sign(b"secret", 1_700_000_000, b"{}"));
    }
}
