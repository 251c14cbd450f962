//! Cascades: a parent instance (a region) hands each alert to the child instances (its towns)
//! whose territory the alert touches. The message is the frozen CAP document itself, signed by
//! the parent, POSTed to the child's `POST /api/v1/cap` with an API token the child issued;
//! the child verifies it and fans it out to its own people by its own policy. The parent asks
//! each child, with the same token, how its fan-out of the alert stands
//! (`GET /api/v1/cap/report`).
//!
//! A child that is down, or answers 5xx, 401, 403 or 404 (a proxy without its upstream, a
//! token not yet set up), is retried: the alert reaches it when it returns. What the child
//! refuses for its content (an invalid message, a signature it does not trust, another message
//! under the same identifier) fails for good, with the child's reason.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use crate::{BoxFuture, Channel, Message, Outcome, Recipient, retry_after};

/// The channel's name, as stored with each delivery.
pub const NAME: &str = "cascade";

/// How to reach one child.
#[derive(Clone)]
pub struct Link {
    /// The child's name (as the parent's configuration gives it).
    pub name: String,
    /// The child's base URL (`https://town.example`), without a trailing slash.
    pub base_url: String,
    /// The API token the child issued to the parent.
    pub token: String,
    /// The HTTP client for this child (its own trusted CAs, when configured).
    client: reqwest::Client,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link").field("name", &self.name).field("base_url", &self.base_url).finish_non_exhaustive()
    }
}

impl Link {
    /// A link. `ca_pem`, when given, holds the only CA certificates trusted for the child's
    /// HTTPS; otherwise the system's roots are.
    pub fn new(
        name: &str,
        base_url: &str,
        token: &str,
        ca_pem: Option<&[u8]>,
        timeout: Duration,
    ) -> Result<Link, String> {
        let mut builder = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Tocsin/", env!("CARGO_PKG_VERSION"), " cascade"));
        if let Some(pem) = ca_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| format!("not PEM certificates: {e}"))?;
            if certs.is_empty() {
                return Err("holds no certificate".into());
            }
            builder = builder.tls_certs_only(certs);
        }
        let client = builder.build().map_err(|e| e.to_string())?;
        Ok(Link {
            name: name.to_owned(),
            base_url: base_url.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
            client,
        })
    }

    /// Posts a CAP document; gives the outcome of the delivery.
    pub async fn post(&self, cap_xml: &[u8], delivery: i64, attempt: u32) -> Outcome {
        let resp = self
            .client
            .post(format!("{}/api/v1/cap", self.base_url))
            .bearer_auth(&self.token)
            .header("content-type", "application/cap+xml")
            .header(crate::webhook::DELIVERY_HEADER, delivery.to_string())
            .body(cap_xml.to_vec())
            .send()
            .await;
        let resp = match resp {
            Ok(r) => r,
            Err(e) => {
                return retry(attempt, None, format!("could not reach {}: {}", self.name, crate::request_error(&e)));
            }
        };
        let status = resp.status().as_u16();
        let after = retry_after(resp.headers().get("retry-after").and_then(|v| v.to_str().ok()));
        let body: serde_json::Value = resp.json().await.unwrap_or_default();
        outcome(&self.name, status, after, &body, attempt)
    }

    /// The child's report on its alert from `sender` with `identifier`: its JSON, or why not.
    pub async fn report(&self, sender: &str, identifier: &str) -> Result<serde_json::Value, String> {
        let mut url = reqwest::Url::parse(&format!("{}/api/v1/cap/report", self.base_url))
            .map_err(|e| format!("{}: not a URL: {e}", self.name))?;
        url.query_pairs_mut().append_pair("sender", sender).append_pair("identifier", identifier);
        let resp = self
            .client
            .get(url)
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|e| format!("could not reach {}: {}", self.name, crate::request_error(&e)))?;
        let status = resp.status().as_u16();
        let body: serde_json::Value = resp.json().await.unwrap_or_default();
        if status == 200 { Ok(body) } else { Err(format!("{} answered {status}{}", self.name, reason(&body))) }
    }
}

/// The outcome of a child's answer to a posted message.
fn outcome(name: &str, status: u16, after: Option<Duration>, body: &serde_json::Value, attempt: u32) -> Outcome {
    match status {
        200..=299 => Outcome::Sent {
            provider_id: body.pointer("/alert/id").and_then(serde_json::Value::as_i64).map(|id| id.to_string()),
        },
        401 | 403 | 404 | 408 | 425 | 429 | 500..=599 => {
            retry(attempt, after, format!("{name} answered {status}{}", reason(body)))
        }
        _ => Outcome::Failed { error: format!("{name} refused the message with {status}{}", reason(body)) },
    }
}

/// A retry no later than 30 s (doubling from 2 s), or when the child asked: a child that comes
/// back gets the alert within half a minute, however long it was away.
fn retry(attempt: u32, after: Option<Duration>, error: String) -> Outcome {
    let backoff = Duration::from_secs(2u64.saturating_pow(attempt.clamp(1, 5))).min(Duration::from_secs(30));
    Outcome::Retry { not_before: Some(after.unwrap_or(backoff).min(Duration::from_secs(300))), error }
}

/// The child's problem+json title and detail, shortened (they are ours, with no personal data).
fn reason(body: &serde_json::Value) -> String {
    let text: Vec<&str> =
        ["/code", "/detail"].iter().filter_map(|p| body.pointer(p).and_then(serde_json::Value::as_str)).collect();
    if text.is_empty() {
        return String::new();
    }
    let mut s = format!(": {}", text.join(" "));
    if s.len() > 300 {
        let mut end = 300;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

/// The cascade channel: the links to the children, by the id the dispatcher gave each.
#[derive(Clone, Debug, Default)]
pub struct Cascade {
    links: Arc<HashMap<i64, Link>>,
}

impl Cascade {
    /// The channel over these links.
    pub fn new(links: HashMap<i64, Link>) -> Self {
        Cascade { links: Arc::new(links) }
    }

    /// The link to a child.
    pub fn link(&self, id: i64) -> Option<&Link> {
        self.links.get(&id)
    }
}

impl Channel for Cascade {
    fn name(&self) -> &'static str {
        NAME
    }

    fn send<'a>(&'a self, m: &'a Message) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            let Recipient::Child { id } = &m.recipient else {
                return Outcome::Failed { error: "not a child instance".into() };
            };
            let Some(link) = self.links.get(id) else {
                return Outcome::Failed { error: "the child is no longer configured".into() };
            };
            link.post(&m.alert.cap_xml, m.delivery_id, m.attempt).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_child_that_accepts_gives_its_alert_id() {
        let o = outcome("town", 201, None, &json!({"alert": {"id": 42}}), 1);
        assert_eq!(o, Outcome::Sent { provider_id: Some("42".into()) });
    }

    #[test]
    fn a_child_away_or_not_ready_is_retried_within_half_a_minute() {
        for status in [401, 403, 404, 429, 500, 502, 503] {
            let Outcome::Retry { not_before: Some(d), error } = outcome("town", status, None, &json!({}), 9) else {
                panic!("{status} should retry");
            };
            assert_eq!(d, Duration::from_secs(30), "{status}");
            assert!(error.contains(&status.to_string()));
        }
        let Outcome::Retry { not_before, .. } = retry(1, None, String::new()) else { unreachable!() };
        assert_eq!(not_before, Some(Duration::from_secs(2)));
        let Outcome::Retry { not_before, .. } = retry(3, Some(Duration::from_secs(7)), String::new()) else {
            unreachable!()
        };
        assert_eq!(not_before, Some(Duration::from_secs(7)));
    }

    #[test]
    fn what_the_child_refuses_for_its_content_fails_with_its_reason() {
        let body = json!({"code": "API-021", "detail": "the signature does not verify"});
        let Outcome::Failed { error } = outcome("town", 422, None, &body, 1) else { panic!("422 should fail") };
        assert_eq!(error, "town refused the message with 422: API-021 the signature does not verify");
        assert!(matches!(outcome("town", 409, None, &json!({}), 1), Outcome::Failed { .. }));
    }
}
