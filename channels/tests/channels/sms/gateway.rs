//! The HTTP SMS gateway adapter against a recording gateway on Python's http.server
//! (`peers/sms_gateway.py`): the request as rendered (JSON and form escaping), the answers'
//! outcomes, and status callbacks read into receipts.

use std::time::Duration;

use channels::sms::SmsOptions;
use channels::sms::http_gateway::{HttpGateway, HttpGatewayConfig};
use channels::{Channel, Event, Outcome};
use serde_json::{Value, json};

use super::{alert, expected_text, message, sent_id};
use crate::support::{free_port, python_module, wait_for_port};

/// The gateway peer.
struct Gateway {
    url: String,
    _peer: crate::support::Peer,
    http: reqwest::Client,
}

impl Gateway {
    fn start() -> Option<Gateway> {
        python_module("http.server")?;
        // reqwest is built without a default TLS provider; the binary installs one at start.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let port = free_port();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers/sms_gateway.py");
        let child = std::process::Command::new("python3").args([script, &port.to_string()]).spawn().unwrap();
        let peer = crate::support::Peer(child);
        wait_for_port(port);
        Some(Gateway { url: format!("http://127.0.0.1:{port}"), _peer: peer, http: reqwest::Client::new() })
    }

    async fn queue(&self, answer: Value) {
        self.http.post(format!("{}/_control/next", self.url)).json(&answer).send().await.unwrap();
    }

    async fn requests(&self) -> Vec<Value> {
        let r = self.http.get(format!("{}/_control/requests", self.url)).send().await.unwrap();
        r.json::<Vec<Value>>().await.unwrap()
    }

    fn config(&self, content_type: &str, template: &str) -> HttpGatewayConfig {
        HttpGatewayConfig {
            url: format!("{}/send", self.url),
            headers: vec![("Authorization".into(), "Bearer key-123".into())],
            content_type: content_type.into(),
            body_template: template.into(),
            from: "Tocsin".into(),
            id_pointer: Some("/messages/0/id".into()),
            ..HttpGatewayConfig::default()
        }
    }
}

#[tokio::test]
async fn gateway_sends_json_with_escaped_text() {
    let Some(gw) = Gateway::start() else { return };
    let template =
        r#"{"to":"{to}","from":"{from}","text":"{text}","ref":"{id}","coding":"{encoding}","parts":{segments}}"#;
    let channel = HttpGateway::new(gw.config("application/json", template)).unwrap();
    let a = alert("sk", r#"Povodeň na „Hrone“ & "Ipli""#, "Choďte\nvyššie.");
    assert_eq!(sent_id(channel.send(&message(&a, 41)).await), "gw-1");
    let r = &gw.requests().await[0];
    assert_eq!((r["method"].as_str(), r["path"].as_str()), (Some("POST"), Some("/send")));
    assert_eq!(r["headers"]["authorization"], "Bearer key-123");
    assert_eq!(r["headers"]["content-type"], "application/json");
    let text = expected_text(&a, &SmsOptions::default());
    assert!(text.contains(r#"„Hrone“ & "Ipli""#) && text.contains("Choďte vyššie."), "{text}");
    assert_eq!(
        r["parsed"],
        json!({"to": "+421900123456", "from": "Tocsin", "text": text, "ref": "41", "coding": "ucs2", "parts": 2})
    );
}

#[tokio::test]
async fn gateway_sends_forms_with_escaped_text() {
    let Some(gw) = Gateway::start() else { return };
    let config = HttpGatewayConfig {
        sms: SmsOptions { segment_limit: 4, transliterate: true },
        ..gw.config("application/x-www-form-urlencoded", "to={to}&text={text}&coding={encoding}&n={segments}")
    };
    let options = config.sms.clone();
    let channel = HttpGateway::new(config).unwrap();
    let a = alert("sk", r#"Povodeň "Hron" & Ipeľ = 100%"#, "Choďte vyššie.");
    sent_id(channel.send(&message(&a, 42)).await);
    let r = &gw.requests().await[0];
    let text = expected_text(&a, &options);
    assert!(text.contains(r#"Povoden "Hron" & Ipel = 100%"#), "{text}");
    assert_eq!(r["parsed"], json!({"to": "+421900123456", "text": text, "coding": "gsm7", "n": "1"}));
}

#[tokio::test]
async fn gateway_sends_a_notice_as_its_text_alone() {
    let Some(gw) = Gateway::start() else { return };
    let template = r#"{"to":"{to}","text":"{text}","ref":"{id}","coding":"{encoding}","parts":{segments}}"#;
    let channel = HttpGateway::new(gw.config("application/json", template)).unwrap();
    let text = "Mesto: code 123456 confirms warnings to this number. Valid 15 min.";
    assert_eq!(sent_id(channel.send_notice(&super::notice(77, text)).await), "gw-1");
    let r = &gw.requests().await[0];
    assert_eq!(r["parsed"], json!({"to": "+421900123456", "text": text, "ref": "77", "coding": "gsm7", "parts": 1}));
}

#[tokio::test]
async fn gateway_answers_map_to_outcomes() {
    let Some(gw) = Gateway::start() else { return };
    let channel = HttpGateway::new(gw.config("application/json", r#"{"to":"{to}","text":"{text}"}"#)).unwrap();
    let a = alert("en-GB", "Flood", "Go up");
    gw.queue(json!({"status": 429, "headers": {"Retry-After": "7"}})).await;
    gw.queue(json!({"status": 503})).await;
    gw.queue(json!({"status": 400, "body": {"error": "bad number"}})).await;
    gw.queue(json!({"status": 404})).await;
    let m = message(&a, 43);
    assert!(
        matches!(channel.send(&m).await, Outcome::Retry { not_before: Some(d), .. } if d == Duration::from_secs(7))
    );
    assert!(matches!(channel.send(&m).await, Outcome::Retry { not_before: None, .. }));
    assert!(matches!(channel.send(&m).await, Outcome::Failed { .. }));
    assert!(matches!(channel.send(&m).await, Outcome::Failed { .. }), "a 404 is not a gone number");
    assert_eq!(sent_id(channel.send(&m).await), "gw-5");
}

#[test]
fn gateway_status_callbacks_become_receipts() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = HttpGatewayConfig {
        url: "https://sms.example/api".into(),
        body_template: "{to}{text}".into(),
        status_id_pointer: "/data/messageId".into(),
        status_pointer: "/data/status".into(),
        delivered_values: vec!["DELIVERED".into()],
        failed_values: vec!["UNDELIVERABLE".into(), "EXPIRED".into()],
        ..HttpGatewayConfig::default()
    };
    assert!(!format!("{config:?}").contains("sms.example"));
    let gw = HttpGateway::new(config).unwrap();
    let body = |status: &str| json!({"data": {"messageId": 991, "status": status}});
    assert_eq!(
        gw.status_event(&body("delivered")),
        Some(Event::Receipt { channel: "sms", provider_id: "991".into(), delivered: true, detail: "delivered".into() })
    );
    assert!(matches!(gw.status_event(&body("EXPIRED")), Some(Event::Receipt { delivered: false, .. })));
    assert_eq!(gw.status_event(&body("ACCEPTED")), None, "not final yet");
    assert_eq!(gw.status_event(&json!({"data": {"status": "DELIVERED"}})), None, "no id");
    let bad = HttpGatewayConfig { body_template: "{to}".into(), ..HttpGatewayConfig::default() };
    assert!(HttpGateway::new(HttpGatewayConfig { url: "https://x.example".into(), ..bad }).is_err());
}
