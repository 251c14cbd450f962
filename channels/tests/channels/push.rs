//! The Web Push channel against two independent receivers on loopback: npm `web-push-testing`
//! (a push service that checks VAPID and decrypts), and `push_receiver.py`, which checks the
//! VAPID token and decrypts with Python's `cryptography` and `http_ece`, records the headers,
//! and answers with whatever status a test asks for.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use channels::outbound::Guard;
use channels::push::{Push, PushConfig, PushHosts, VapidKey, payload};
use channels::{AlertPayload, Channel, HealthState, Message, Outcome, Recipient};
use serde_json::{Value, json};

use crate::support::{Peer, free_port, npm_peers, python_module, wait_for_port};

/// reqwest is built without a default TLS provider: install ring's, as the dispatcher does.
fn tls() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn push_channel() -> (Push, VapidKey) {
    tls();
    let key = VapidKey::from_pkcs8(&VapidKey::generate().unwrap()).unwrap();
    let config = PushConfig {
        vapid: key.clone(),
        subject: "mailto:ops@tocsin.example".into(),
        timeout: Duration::from_secs(10),
        connect_timeout: Duration::from_secs(5),
        // The peers are on loopback; any host.
        hosts: PushHosts::default(),
        guard: Guard::new(true, Vec::new()),
        key_pool: 64,
    };
    (Push::new(config).unwrap(), key)
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// A CAP time for a Unix time, with a +01:00 offset.
fn cap_time(unix: i64) -> String {
    let out = Command::new("date")
        .args(["-u", "-d", &format!("@{}", unix + 3600), "+%Y-%m-%dT%H:%M:%S+01:00"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn info(lang: &str, urgency: &str, severity: &str, expires: Option<i64>, headline: &str) -> String {
    let expires = expires.map(|e| format!("<expires>{}</expires>", cap_time(e))).unwrap_or_default();
    format!(
        "<info><language>{lang}</language><category>Env</category><event>Flood</event>\
         <urgency>{urgency}</urgency><severity>{severity}</severity><certainty>Observed</certainty>{expires}\
         <headline>{headline}</headline><description>The Danube is rising.</description>\
         <instruction>Move to higher ground.</instruction><area><areaDesc>Bratislava</areaDesc></area></info>"
    )
}

/// An alert read with `cap_alerts::Reader`; `references` is the CAP `references` text.
fn alert(identifier: &str, msg_type: &str, status: &str, references: &str, infos: &[String]) -> Arc<AlertPayload> {
    let refs = if references.is_empty() { String::new() } else { format!("<references>{references}</references>") };
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">\
         <identifier>{identifier}</identifier><sender>cmd@tocsin.example</sender><sent>{}</sent>\
         <status>{status}</status><msgType>{msg_type}</msgType><scope>Public</scope>{refs}{}</alert>",
        cap_time(now() - 600),
        infos.concat()
    );
    let doc = cap_alerts::Reader::new().read(xml.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let mode = if status == "Actual" { "live" } else { "exercise" };
    let p = AlertPayload::new(7, doc.alert, Arc::from(xml.into_bytes()), mode, Some("https://t.example/cap/7".into()));
    Arc::new(p)
}

fn message(alert: &Arc<AlertPayload>, endpoint: &str, keys: &Value, languages: &[&str]) -> Message {
    let b64 = |k: &str| {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(keys[k].as_str().unwrap().trim_end_matches('='))
            .unwrap()
    };
    Message {
        delivery_id: 1,
        attempt: 1,
        alert: Arc::clone(alert),
        recipient: Recipient::Push {
            endpoint: endpoint.to_owned(),
            p256dh: b64("p256dh"),
            auth: b64("auth"),
            languages: languages.iter().map(|s| (*s).to_owned()).collect(),
        },
    }
}

fn text(alert: &AlertPayload, languages: &[&str]) -> String {
    let langs: Vec<String> = languages.iter().map(|s| (*s).to_owned()).collect();
    String::from_utf8(payload(alert, &langs)).unwrap()
}

async fn post(url: &str, body: Value) -> Value {
    tls();
    let r = reqwest::Client::new().post(url).json(&body).send().await.unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    assert!(status.is_success(), "{url}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

fn web_push_testing() -> Option<(Peer, u16)> {
    let dir = npm_peers()?;
    let port = free_port();
    let child = Command::new("node")
        .arg(dir.join("node_modules/web-push-testing/src/bin/server.js"))
        .arg(port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let peer = Peer(child);
    wait_for_port(port);
    Some((peer, port))
}

#[tokio::test]
async fn web_push_testing_decrypts_what_we_sent_and_drops_expired_subscriptions() {
    let Some((_peer, port)) = web_push_testing() else { return };
    let (push, key) = push_channel();
    let base = format!("http://localhost:{port}");
    let sub = post(&format!("{base}/subscribe"), json!({ "applicationServerKey": key.public_key() })).await;
    let sub = &sub["data"];
    let endpoint = sub["endpoint"].as_str().unwrap();
    let bilingual = alert(
        "FL-1",
        "Alert",
        "Actual",
        "",
        &[
            info("en-GB", "Immediate", "Extreme", Some(now() + 3600), "Flood: leave the riverbank"),
            info("sk-SK", "Immediate", "Extreme", Some(now() + 3600), "Povodeň: opustite breh rieky"),
        ],
    );
    let english = alert("FL-2", "Alert", "Exercise", "", &[info("en-GB", "Expected", "Moderate", None, "Drill")]);
    let sends = [(&bilingual, ["sk"]), (&english, ["sk"]), (&bilingual, ["en"])];
    for (a, langs) in &sends {
        let outcome = push.send(&message(a, endpoint, &sub["keys"], langs)).await;
        assert_eq!(outcome, Outcome::Sent { provider_id: None });
    }
    let got = post(&format!("{base}/get-notifications"), json!({ "clientHash": sub["clientHash"] })).await;
    let got: Vec<&str> = got["data"]["messages"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
    let want: Vec<String> = sends.iter().map(|(a, langs)| text(a, langs)).collect();
    assert_eq!(got, want);
    let parsed: Vec<Value> = got.iter().map(|m| serde_json::from_str(m).unwrap()).collect();
    assert_eq!(parsed[0]["language"], "sk-SK");
    assert_eq!(parsed[0]["headline"], "Povodeň: opustite breh rieky");
    assert_eq!(parsed[1]["language"], "en-GB", "English when there is no Slovak info");
    assert_eq!(parsed[1]["headline"], "EXERCISE: Drill");
    assert_eq!(parsed[2]["headline"], "Flood: leave the riverbank");

    post(&format!("{base}/expire-subscription/{}", sub["clientHash"].as_str().unwrap()), json!({})).await;
    let gone = push.send(&message(&bilingual, endpoint, &sub["keys"], &["sk"])).await;
    assert!(matches!(&gone, Outcome::DropAddress { error } if error.contains("410")), "{gone:?}");
}

/// The Python receiver on a free port, and the subscription keys it holds.
async fn python_receiver() -> Option<(Peer, String, Value)> {
    python_module("http_ece")?;
    python_module("cryptography")?;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers/push_receiver.py");
    let port = free_port();
    let child = Command::new("python3").arg(script).arg(port.to_string()).spawn().unwrap();
    let peer = Peer(child);
    wait_for_port(port);
    let base = format!("http://127.0.0.1:{port}");
    tls();
    let keys = reqwest::get(format!("{base}/subscription")).await.unwrap().json().await.unwrap();
    Some((peer, base, keys))
}

async fn records(base: &str) -> Vec<Value> {
    tls();
    reqwest::get(format!("{base}/records")).await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn an_independent_receiver_verifies_vapid_decrypts_and_sees_the_headers() {
    let Some((_peer, base, keys)) = python_receiver().await else { return };
    let (push, key) = push_channel();
    let t = now();
    let original =
        alert("FL-10", "Alert", "Actual", "", &[info("sk", "Immediate", "Severe", Some(t + 7200), "Povodeň")]);
    let refs = format!("cmd@tocsin.example,FL-10,{}", cap_time(t - 600));
    let update =
        alert("FL-11", "Update", "Actual", &refs, &[info("sk", "Expected", "Moderate", Some(t + 1800), "Opadá")]);
    let other = alert("FL-12", "Alert", "Actual", "", &[info("sk", "Future", "Minor", None, "Iná výstraha")]);
    let endpoint = format!("{base}/push/resident-1");
    let mut outcomes = Vec::new();
    for a in [&original, &update, &other] {
        outcomes.push(push.send(&message(a, &endpoint, &keys, &["sk"])).await);
    }
    let r = records(&base).await;
    assert_eq!(r.len(), 3);
    for (i, (rec, a)) in r.iter().zip([&original, &update, &other]).enumerate() {
        assert_eq!(rec["vapidError"], Value::Null, "{rec}");
        assert_eq!(rec["decryptError"], Value::Null, "{rec}");
        assert_eq!(rec["body"].as_str().unwrap(), text(a, &["sk"]));
        assert_eq!(outcomes[i], Outcome::Sent { provider_id: Some(format!("/messages/{}", i + 1)) });
        assert_eq!((rec["method"].as_str(), rec["path"].as_str()), (Some("POST"), Some("/push/resident-1")));
        assert_eq!(rec["contentEncoding"], "aes128gcm");
        assert_eq!(rec["contentType"], "application/octet-stream");
        assert_eq!(rec["rs"], 4096);
        assert_eq!(rec["vapidKey"].as_str().unwrap(), key.public_key());
        assert_eq!(rec["claims"]["aud"], base, "the audience is the origin, port included");
        assert_eq!(rec["claims"]["sub"], "mailto:ops@tocsin.example");
    }
    let ttl = |i: usize| r[i]["ttl"].as_str().unwrap().parse::<i64>().unwrap();
    assert!((7200 - 120..=7200).contains(&ttl(0)), "TTL is the time left until expiry: {}", ttl(0));
    assert!((1800 - 120..=1800).contains(&ttl(1)), "{}", ttl(1));
    assert_eq!(ttl(2), 86_400, "a day when the alert gives no expiry");
    let urgencies: Vec<&str> = r.iter().map(|x| x["urgency"].as_str().unwrap()).collect();
    assert_eq!(urgencies, ["high", "normal", "normal"]);
    assert_eq!(r[0]["topic"], r[1]["topic"], "the update replaces its original");
    assert_ne!(r[0]["topic"], r[2]["topic"]);
    assert_eq!(r[0]["topic"].as_str().unwrap().len(), 32);
    let body: Value = serde_json::from_str(r[1]["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["tag"], r[0]["topic"], "the service worker's tag is the topic");
    assert_ne!(r[0]["keyid"], r[1]["keyid"], "a fresh ephemeral key per message");
    assert_ne!(r[0]["salt"], r[1]["salt"]);
    assert_eq!(r[0]["jwt"], r[1]["jwt"], "one VAPID token per origin, reused");
    assert_eq!(r[1]["jwt"], r[2]["jwt"]);
}

#[tokio::test]
async fn refusals_by_the_push_service_tell_the_worker_what_to_do() {
    let Some((_peer, base, keys)) = python_receiver().await else { return };
    let (push, _) = push_channel();
    let a = alert("FL-20", "Alert", "Actual", "", &[info("en", "Expected", "Minor", None, "Heads up")]);
    let cases: [(u16, Option<u64>); 7] =
        [(404, None), (410, None), (413, None), (429, Some(7)), (503, None), (401, None), (403, None)];
    for (status, retry_after) in cases {
        let path = format!("/push/secret-token-{status}");
        post(&format!("{base}/control/respond"), json!({ "path": path, "status": status, "retryAfter": retry_after }))
            .await;
        let outcome = push.send(&message(&a, &format!("{base}{path}"), &keys, &[])).await;
        let error = match &outcome {
            Outcome::DropAddress { error } if status == 404 || status == 410 => error,
            Outcome::Failed { error } if status == 413 => {
                assert!(error.contains("too large"), "{error}");
                error
            }
            Outcome::Retry { not_before, error } if status == 429 || status == 503 => {
                assert_eq!(*not_before, retry_after.map(Duration::from_secs));
                error
            }
            Outcome::Failed { error } if status == 401 || status == 403 => {
                assert!(error.contains("VAPID"), "{error}");
                error
            }
            other => panic!("{status}: {other:?}"),
        };
        assert!(error.contains(&status.to_string()), "{error}");
        assert!(!error.contains("secret-token") && !error.contains("127.0.0.1"), "no endpoint in errors: {error}");
    }
}

#[tokio::test]
async fn an_expired_alert_is_not_sent() {
    let Some((_peer, base, keys)) = python_receiver().await else { return };
    let (push, _) = push_channel();
    let a = alert("FL-30", "Alert", "Actual", "", &[info("en", "Expected", "Minor", Some(now() - 60), "Over")]);
    let outcome = push.send(&message(&a, &format!("{base}/push/r"), &keys, &[])).await;
    assert!(matches!(&outcome, Outcome::Failed { error } if error.contains("expired")), "{outcome:?}");
    assert!(records(&base).await.is_empty());
}

#[tokio::test]
async fn an_unreachable_push_service_is_retried_and_degrades_health() {
    let (push, _) = push_channel();
    let keys = json!({ "p256dh": push_key(), "auth": "BTBZMqHH6r4Tts7J_aSIgg" });
    let a = alert("FL-40", "Alert", "Actual", "", &[info("en", "Expected", "Minor", None, "Heads up")]);
    // Nothing listens on a fresh free port: every connection is refused.
    let endpoint = format!("http://127.0.0.1:{}/push/secret-token", free_port());
    assert_eq!(push.health().state, HealthState::Up);
    for _ in 0..12 {
        let outcome = push.send(&message(&a, &endpoint, &keys, &[])).await;
        assert!(
            matches!(&outcome, Outcome::Retry { not_before: None, error } if !error.contains("secret-token")),
            "{outcome:?}"
        );
    }
    assert_eq!(push.health().state, HealthState::Degraded);
}

/// Any valid P-256 public key will do as a subscription key when nothing decrypts.
fn push_key() -> String {
    VapidKey::from_pkcs8(&VapidKey::generate().unwrap()).unwrap().public_key()
}
