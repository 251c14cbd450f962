//! An HTTP SMS gateway (the kind most SMS providers offer): one request per message, built
//! from a body template, and the provider's status callbacks read into receipts.

mod template;

use std::time::Duration;

use super::{SmsError, SmsOptions, compose, e164_digits, plan};
use crate::{BoxFuture, Channel, Event, Message, Notice, Outcome, Recipient, outcome_for_status, retry_after};
use template::{Escape, render};

/// How to call the gateway and read its answers.
#[derive(Clone)]
pub struct HttpGatewayConfig {
    /// The URL to send each message to.
    pub url: String,
    /// The HTTP method (`POST` by default).
    pub method: String,
    /// Extra headers, such as `Authorization`; redacted in `Debug`.
    pub headers: Vec<(String, String)>,
    /// `application/json` or `application/x-www-form-urlencoded`.
    pub content_type: String,
    /// The body, with `{to}` `{from}` `{text}` `{id}` `{encoding}` `{segments}` replaced by
    /// values escaped for the content type.
    pub body_template: String,
    /// The sender shown on phones.
    pub from: String,
    /// A JSON pointer to the provider's message id in its answer (`/messages/0/id`).
    pub id_pointer: Option<String>,
    /// A JSON pointer to the message id in a status callback.
    pub status_id_pointer: String,
    /// A JSON pointer to the status in a status callback.
    pub status_pointer: String,
    /// Status values that mean delivered.
    pub delivered_values: Vec<String>,
    /// Status values that mean failed for good.
    pub failed_values: Vec<String>,
    /// How texts are shaped.
    pub sms: SmsOptions,
    /// How long one request may take.
    pub timeout: Duration,
}

impl Default for HttpGatewayConfig {
    fn default() -> Self {
        HttpGatewayConfig {
            url: String::new(),
            method: "POST".into(),
            headers: Vec::new(),
            content_type: "application/json".into(),
            body_template: String::new(),
            from: String::new(),
            id_pointer: None,
            status_id_pointer: "/id".into(),
            status_pointer: "/status".into(),
            delivered_values: vec!["delivered".into()],
            failed_values: vec!["failed".into(), "undelivered".into(), "rejected".into(), "expired".into()],
            sms: SmsOptions::default(),
            timeout: Duration::from_secs(10),
        }
    }
}

impl std::fmt::Debug for HttpGatewayConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<(&str, &str)> = self.headers.iter().map(|(k, _)| (k.as_str(), "[redacted]")).collect();
        f.debug_struct("HttpGatewayConfig")
            // The URL may carry an API key in its query.
            .field("url", &"[redacted]")
            .field("method", &self.method)
            .field("headers", &headers)
            .field("content_type", &self.content_type)
            .field("body_template", &self.body_template)
            .field("from", &self.from)
            .field("id_pointer", &self.id_pointer)
            .field("status_id_pointer", &self.status_id_pointer)
            .field("status_pointer", &self.status_pointer)
            .field("delivered_values", &self.delivered_values)
            .field("failed_values", &self.failed_values)
            .field("sms", &self.sms)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The HTTP SMS gateway channel.
#[derive(Debug)]
pub struct HttpGateway {
    config: HttpGatewayConfig,
    method: reqwest::Method,
    escape: Escape,
    client: reqwest::Client,
}

impl HttpGateway {
    /// Checks the configuration and builds the HTTP client.
    pub fn new(config: HttpGatewayConfig) -> Result<HttpGateway, SmsError> {
        let url = reqwest::Url::parse(&config.url).map_err(|_| SmsError::config("url", "is not an absolute URL"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(SmsError::config("url", "must be http or https"));
        }
        let method = reqwest::Method::from_bytes(config.method.to_ascii_uppercase().as_bytes())
            .map_err(|_| SmsError::config("method", "is not an HTTP method"))?;
        let escape = match config.content_type.split(';').next().unwrap_or_default().trim() {
            "application/json" => Escape::Json,
            "application/x-www-form-urlencoded" => Escape::Form,
            _ => {
                return Err(SmsError::config(
                    "content_type",
                    "must be application/json or application/x-www-form-urlencoded",
                ));
            }
        };
        for needed in ["{to}", "{text}"] {
            if !config.body_template.contains(needed) {
                return Err(SmsError::config("body_template", format!("must contain {needed}")));
            }
        }
        for (name, value) in &config.headers {
            let ok = reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_ok()
                && reqwest::header::HeaderValue::from_str(value).is_ok();
            if !ok {
                return Err(SmsError::config("headers", format!("the header {name:?} is not valid")));
            }
        }
        for (field, pointer) in [
            ("id_pointer", config.id_pointer.as_deref().unwrap_or_default()),
            ("status_id_pointer", config.status_id_pointer.as_str()),
            ("status_pointer", config.status_pointer.as_str()),
        ] {
            if !pointer.is_empty() && !pointer.starts_with('/') {
                return Err(SmsError::config(field, "must be a JSON pointer starting with /"));
            }
        }
        if config.sms.segment_limit == 0 || config.sms.segment_limit > 255 {
            return Err(SmsError::config("sms.segment_limit", "must be between 1 and 255"));
        }
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(5)))
            .user_agent(concat!("Tocsin/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SmsError::Client(e.to_string()))?;
        Ok(HttpGateway { config, method, escape, client })
    }

    /// The receipt in a gateway's status callback, or `None` when the status is not final (or
    /// the body names no message).
    pub fn status_event(&self, body: &serde_json::Value) -> Option<Event> {
        let provider_id = scalar(body.pointer(&self.config.status_id_pointer)?)?;
        let status = scalar(body.pointer(&self.config.status_pointer)?)?;
        let is = |values: &[String]| values.iter().any(|v| v.eq_ignore_ascii_case(&status));
        let delivered = if is(&self.config.delivered_values) {
            true
        } else if is(&self.config.failed_values) {
            false
        } else {
            return None;
        };
        Some(Event::Receipt { channel: "sms", provider_id, delivered, detail: status })
    }

    async fn send_sms(&self, m: &Message) -> Outcome {
        let Recipient::Sms { number, languages } = &m.recipient else {
            return Outcome::Failed { error: "not an SMS recipient".into() };
        };
        if e164_digits(number).is_none() {
            return Outcome::Failed { error: "the recipient's number is not in E.164 form".into() };
        }
        self.submit_text(number, &compose(&m.alert, languages, &self.config.sms), m.delivery_id).await
    }

    async fn send_notice_sms(&self, n: &Notice) -> Outcome {
        let Recipient::Sms { number, .. } = &n.recipient else {
            return Outcome::Failed { error: "not an SMS recipient".into() };
        };
        if e164_digits(number).is_none() {
            return Outcome::Failed { error: "the recipient's number is not in E.164 form".into() };
        }
        self.submit_text(number, &n.text, n.id).await
    }

    async fn submit_text(&self, number: &str, text: &str, id: i64) -> Outcome {
        let plan = plan(text, &self.config.sms);
        let encoding = match plan.encoding {
            super::Encoding::Gsm7 => "gsm7",
            super::Encoding::Ucs2 => "ucs2",
        };
        let id = id.to_string();
        let segments = plan.segments.to_string();
        let values = [
            ("to", number),
            ("from", self.config.from.as_str()),
            ("text", plan.text.as_str()),
            ("id", id.as_str()),
            ("encoding", encoding),
            ("segments", segments.as_str()),
        ];
        let body = render(&self.config.body_template, &values, self.escape);
        let mut request = self
            .client
            .request(self.method.clone(), &self.config.url)
            .header(reqwest::header::CONTENT_TYPE, &self.config.content_type)
            .body(body);
        for (name, value) in &self.config.headers {
            request = request.header(name, value);
        }
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => return Outcome::Retry { not_before: None, error: format!("the SMS gateway {}", failure(&e)) },
        };
        let status = response.status().as_u16();
        let after = retry_after(response.headers().get("retry-after").and_then(|v| v.to_str().ok()));
        let provider_id = match (&self.config.id_pointer, (200..300).contains(&status)) {
            (Some(pointer), true) => {
                response.json::<serde_json::Value>().await.ok().and_then(|v| v.pointer(pointer).and_then(scalar))
            }
            _ => None,
        };
        match outcome_for_status(status, after, provider_id) {
            // A gateway's 404 says nothing about the phone number.
            Outcome::DropAddress { .. } => {
                Outcome::Failed { error: format!("the SMS gateway refused the message with {status}") }
            }
            Outcome::Failed { .. } => {
                Outcome::Failed { error: format!("the SMS gateway refused the message with {status}") }
            }
            Outcome::Retry { not_before, .. } => {
                Outcome::Retry { not_before, error: format!("the SMS gateway answered {status}") }
            }
            other => other,
        }
    }
}

/// A request failure in words, without the URL (which may carry a key).
fn failure(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not be reached"
    } else {
        "request failed"
    }
}

/// A string or number as text.
fn scalar(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl Channel for HttpGateway {
    fn name(&self) -> &'static str {
        "sms"
    }

    fn send<'a>(&'a self, message: &'a Message) -> BoxFuture<'a, Outcome> {
        Box::pin(self.send_sms(message))
    }

    fn send_notice<'a>(&'a self, notice: &'a Notice) -> BoxFuture<'a, Outcome> {
        Box::pin(self.send_notice_sms(notice))
    }
}
