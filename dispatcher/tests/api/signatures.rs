//! XML signatures through the whole server: with `[signing]` set, what Tocsin issues is signed
//! (our verifier and xmlsec1 both accept the public CAP); posted CAP is verified, refused with
//! API-021 when its signature is broken or, with `ingest.require_signature`, missing or
//! untrusted; relayed messages keep their original bytes and signature.

use std::path::PathBuf;
use std::process::Command;

use cap_alerts::sign::{Certificate, SigningKey, TrustPolicy, sign, verify};
use dispatcher::config::{IngestPolicy, Secret, Settings};
use dispatcher::domain::crypto::sha256_hex;
use dispatcher::domain::roles::Role;
use dispatcher::domain::signatures::Signatures;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::cap::roc_alert;
use crate::lifecycle::{approve_and_issue, submitted};
use crate::support::{Auth, Backend, Body, TestApp, content, spawn_with};

/// The test keys of `cap-alerts` (made with `openssl req` for tests only).
fn key_file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../cap/tests/keys").join(name)
}

fn key_path(name: &str) -> String {
    key_file(name).display().to_string()
}

fn trusting(name: &str) -> TrustPolicy {
    let cert = Certificate::from_pem(&std::fs::read(key_file(name)).unwrap()).unwrap();
    TrustPolicy { trusted: cert, ..TrustPolicy::default() }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Signs a CAP message with a test key, as a regional centre would.
fn signed_by(name: &str, xml: &str) -> Vec<u8> {
    let key = SigningKey::from_pem(
        &std::fs::read(key_file(&format!("{name}.key"))).unwrap(),
        &std::fs::read(key_file(&format!("{name}.pem"))).unwrap(),
    )
    .unwrap();
    sign(xml.as_bytes(), &key).unwrap()
}

/// `xmlsec1 --verify` trusting one certificate; `None` when xmlsec1 is absent (outside CI).
fn xmlsec_accepts(signed: &[u8], trusted: &str) -> Option<bool> {
    if Command::new("xmlsec1").arg("--version").output().is_err() {
        assert!(std::env::var_os("TOCSIN_CI").is_none(), "xmlsec1 is required under CI");
        eprintln!("skipping the xmlsec1 check: xmlsec1 is not installed");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alert.xml");
    std::fs::write(&file, signed).unwrap();
    let status = Command::new("xmlsec1")
        .args(["--verify", "--enabled-reference-uris", "empty", "--trusted-pem", &key_path(trusted)])
        .arg(&file)
        .output()
        .unwrap()
        .status;
    Some(status.success())
}

async fn post_cap(app: &TestApp, token: &str, bytes: Vec<u8>) -> crate::support::Resp {
    app.call(Method::POST, "/api/v1/cap", Auth::Token(token), Body::Raw("application/cap+xml", bytes)).await
}

fn refused_for(r: &crate::support::Resp, reason: &str) {
    assert_eq!((r.status, r.code().as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "API-021"), "{}", r.text());
    assert!(r.json()["detail"].as_str().unwrap().contains(reason), "{reason}: {}", r.text());
}

async fn audit_signature(app: &TestApp, id: i64) -> Value {
    let auditor = app.user("aud", &[Role::Auditor]).await;
    let audit = app.get(&format!("/api/v1/audit?alert={id}"), Auth::Session(&auditor)).await.json();
    let ingest = audit.as_array().unwrap().iter().find(|r| r["action"] == "cap.ingest").unwrap().clone();
    let details = match &ingest["details"] {
        Value::String(text) => serde_json::from_str(text).unwrap(),
        other => other.clone(),
    };
    details["signature"].clone()
}

#[tokio::test]
async fn issued_alerts_are_signed_and_verify_with_ours_and_xmlsec1() {
    let ec = |s: &mut Settings| {
        s.signing.key_file = key_path("ec.key");
        s.signing.certificate_file = key_path("ec.pem");
    };
    let rsa_from_env_text = |s: &mut Settings| {
        s.signing.key = Secret::new(String::from_utf8(std::fs::read(key_file("rsa.key")).unwrap()).unwrap());
        s.signing.certificate_file = key_path("rsa.pem");
    };
    for (name, adjust) in [("ec", &ec as &dyn Fn(&mut Settings)), ("rsa", &rsa_from_env_text)] {
        let Some(app) = spawn_with(Backend::Sqlite, adjust).await else { return };
        let author = app.user("ana", &[Role::Author]).await;
        let approver = app.user("boris", &[Role::Approver]).await;
        let alert = submitted(&app, &author, content("Actual")).await;
        let id = alert["id"].as_i64().unwrap();
        let frozen = app.get(&format!("/api/v1/alerts/{id}/cap"), Auth::Session(&author)).await.text();
        assert!(frozen.contains("<ds:Signature"), "signed when frozen: {frozen}");
        assert_eq!(alert["capSha256"], sha256_hex(frozen.as_bytes()), "the approver approves the signed bytes");
        approve_and_issue(&app, &approver, &alert).await;
        let public = app.get(&format!("/cap/alerts/{id}.xml"), Auth::None).await.text();
        assert_eq!(public, frozen, "the public feed carries the signed bytes");
        if let Some(xsd) = crate::cap::schema("cap12.xsd") {
            let valid = crate::cap::xmllint(&public, &["--schema", &xsd.display().to_string()]);
            assert_ne!(valid, Some(false), "the signed CAP is valid against the OASIS schema");
        }
        let pem = format!("{name}.pem");
        let verified = verify(public.as_bytes(), &trusting(&pem), now()).unwrap();
        assert!(verified.signers[0].subject.contains("Tocsin test"), "{verified:?}");
        if let Some(ok) = xmlsec_accepts(public.as_bytes(), &pem) {
            assert!(ok, "xmlsec1 refused Tocsin's {name} signature: {public}");
            assert_eq!(xmlsec_accepts(public.replace("Actual", "Exercise").as_bytes(), &pem), Some(false));
        }
        let cancel = app
            .post(&format!("/api/v1/alerts/{id}/cancel"), Auth::Session(&approver), json!({ "kind": "cancel" }))
            .await;
        assert_eq!(cancel.status, StatusCode::CREATED, "{}", cancel.text());
        let cancel_id = cancel.json()["id"].as_i64().unwrap();
        let cancel_xml = app.get(&format!("/api/v1/alerts/{cancel_id}/cap"), Auth::Session(&approver)).await.text();
        assert!(verify(cancel_xml.as_bytes(), &trusting(&pem), now()).is_ok(), "the Cancel is signed too");
    }
}

#[tokio::test]
async fn ingest_requiring_signatures_refuses_unsigned_broken_and_untrusted() {
    let Some(app) = spawn_with(Backend::Sqlite, |s| {
        s.ingest.require_signature = true;
        s.trust.certificates = vec![key_path("rsa.pem")];
    })
    .await
    else {
        return;
    };
    let token = app.token("roc", Role::Author, &["cap"]).await;
    refused_for(&post_cap(&app, &token, roc_alert("ROC-S1", "").into_bytes()).await, "(unsigned)");
    let signed = signed_by("rsa", &roc_alert("ROC-S2", ""));
    let tampered = String::from_utf8(signed.clone()).unwrap().replace("Víchrica", "Hmla");
    refused_for(&post_cap(&app, &token, tampered.into_bytes()).await, "(digest-mismatch)");
    refused_for(&post_cap(&app, &token, signed_by("ec", &roc_alert("ROC-S3", ""))).await, "(untrusted-certificate)");
    let approver = app.user("boris", &[Role::Approver]).await;
    let listed = app.get("/api/v1/alerts", Auth::Session(&approver)).await.json();
    assert_eq!(listed.as_array().map(Vec::len), Some(0), "nothing refused was stored: {listed}");

    let r = post_cap(&app, &token, signed.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["alert"]["id"].as_i64().unwrap();
    let signature = audit_signature(&app, id).await;
    assert_eq!(signature["verified"], true, "{signature}");
    assert!(signature["signer"].as_str().unwrap().contains("Tocsin test RSA signer"), "{signature}");
    assert_eq!(signature["algorithm"], "rsa-sha256");
}

#[tokio::test]
async fn signed_cap_is_verified_even_when_not_required_and_relayed_unchanged() {
    let Some(app) = spawn_with(Backend::Sqlite, |s| s.ingest.policy = IngestPolicy::Issue).await else { return };
    let token = app.token("roc", Role::Author, &["cap"]).await;
    let signed = signed_by("ec", &roc_alert("ROC-R1", ""));
    let broken = String::from_utf8(signed.clone()).unwrap().replace("Severe", "Minor");
    refused_for(&post_cap(&app, &token, broken.into_bytes()).await, "(digest-mismatch)");
    let r = post_cap(&app, &token, signed.clone()).await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "an intact signature by an untrusted signer is as good as none: {}",
        r.text()
    );
    let id = r.json()["alert"]["id"].as_i64().unwrap();
    assert_eq!(r.json()["alert"]["state"], "issued");
    let signature = audit_signature(&app, id).await;
    assert_eq!(
        (&signature["verified"], &signature["reason"]),
        (&Value::Bool(false), &Value::from("untrusted-certificate"))
    );
    let relayed = app.get(&format!("/cap/alerts/{id}.xml"), Auth::None).await;
    assert_eq!(relayed.text().as_bytes(), signed.as_slice(), "relayed byte for byte");
    assert!(
        verify(relayed.text().as_bytes(), &trusting("ec.pem"), now()).is_ok(),
        "the relayed signature still verifies"
    );
}

#[tokio::test]
async fn messages_tocsin_makes_itself_are_signed_too() {
    let Some(app) = spawn_with(Backend::Sqlite, |s| {
        s.signing.key_file = key_path("ec.key");
        s.signing.certificate_file = key_path("ec.pem");
    })
    .await
    else {
        return;
    };
    let operator = app.user("olga", &[Role::Operator]).await;
    let approver = app.user("boris", &[Role::Approver]).await;
    let schedule = json!({ "name": "Monthly test", "signal": "silent-test", "groups": ["town"], "every": "month",
                           "weekday": 5, "weekOfMonth": 2, "at": "12:00" });
    let r = app.post("/api/v1/siren-tests", Auth::Session(&operator), schedule).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_i64().unwrap();
    let r =
        app.post(&format!("/api/v1/siren-tests/{id}/approve"), Auth::Session(&approver), json!({ "version": 1 })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = app.post(&format!("/api/v1/siren-tests/{id}/run"), Auth::Session(&approver), json!({})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let alert = r.json()["run"]["alert"].as_i64().unwrap();
    let xml = app.get(&format!("/api/v1/alerts/{alert}/cap"), Auth::Session(&approver)).await.text();
    let verified = verify(xml.as_bytes(), &trusting("ec.pem"), now());
    assert!(verified.is_ok(), "the siren test's CAP: {verified:?}\n{xml}");
}

#[test]
fn a_key_that_does_not_fit_its_certificate_stops_the_start() {
    let mut s = Settings::default();
    s.signing.key_file = key_path("rsa.key");
    s.signing.certificate_file = key_path("ec.pem");
    let e = format!("{:#}", Signatures::load(&s).unwrap_err());
    assert!(e.contains("does not hold this key"), "{e}");
    s.signing.certificate_file = key_path("rsa.pem");
    assert!(Signatures::load(&s).is_ok());
    s.trust.certificates = vec![key_path("missing.pem")];
    let e = format!("{:#}", Signatures::load(&s).unwrap_err());
    assert!(e.contains("trust.certificates"), "{e}");
}

#[tokio::test]
async fn signatures_can_be_required_of_named_tokens_only() {
    let Some(app) = spawn_with(Backend::Sqlite, |s| {
        s.ingest.require_signature_from = vec!["roc".to_owned()];
        s.trust.certificates = vec![key_path("ec.pem")];
    })
    .await
    else {
        return;
    };
    let roc = app.token("roc", Role::Author, &["cap"]).await;
    let other = app.token("town-hall", Role::Author, &["cap"]).await;
    refused_for(&post_cap(&app, &roc, roc_alert("ROC-T1", "").into_bytes()).await, "(unsigned)");
    let r = post_cap(&app, &other, roc_alert("ROC-T2", "").into_bytes()).await;
    assert_eq!(r.status, StatusCode::CREATED, "another token need not sign: {}", r.text());
    let r = post_cap(&app, &roc, signed_by("ec", &roc_alert("ROC-T3", ""))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
}
