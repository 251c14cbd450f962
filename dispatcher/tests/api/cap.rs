//! CAP in and out: ingest by policy, the Atom feed and CAP documents (validated against the
//! OASIS schemas with xmllint and by cap-alerts), caching, and the operational endpoints.

use std::path::PathBuf;

use cap_alerts::Reader;
use dispatcher::config::IngestPolicy;
use dispatcher::domain::roles::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::on_both;
use crate::support::{Auth, Backend, Body, TestApp, content, spawn, spawn_with};

pub fn roc_alert(identifier: &str, extra: &str) -> String {
    let expires = (chrono::Local::now() + chrono::Duration::hours(3)).format("%Y-%m-%dT%H:%M:%S%:z");
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>{identifier}</identifier><sender>roc@region.example</sender><sent>2026-11-23T10:00:00+01:00</sent><status>Actual</status><msgType>Alert</msgType><scope>Public</scope>{extra}<info><language>sk</language><category>Met</category><event>Víchrica</event><urgency>Expected</urgency><severity>Severe</severity><certainty>Likely</certainty><expires>{expires}</expires><headline>Víchrica</headline><area><areaDesc>Kraj</areaDesc><polygon>48.0,17.0 48.5,17.0 48.5,17.5 48.0,17.0</polygon></area></info></alert>"#
    )
}

on_both!(ingested_cap_waits_for_approval_and_keeps_its_bytes, |app: TestApp| async move {
    let token = app.token("roc", Role::Author, &["cap"]).await;
    let approver = app.user("boris", &[Role::Approver]).await;
    let xml = roc_alert("ROC-1", "");
    let r = app
        .call(
            Method::POST,
            "/api/v1/cap",
            Auth::Token(&token),
            Body::Raw("application/cap+xml", xml.clone().into_bytes()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let alert = &r.json()["alert"];
    assert_eq!(alert["state"], "submitted");
    let id = alert["id"].as_i64().unwrap();
    let r = app
        .call(
            Method::POST,
            "/api/v1/cap",
            Auth::Token(&token),
            Body::Raw("application/cap+xml", xml.clone().into_bytes()),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["duplicate"].as_bool()),
        (StatusCode::OK, Some(true)),
        "posting twice is idempotent"
    );
    let other = roc_alert("ROC-1", "<note>changed</note>");
    let r = app
        .call(Method::POST, "/api/v1/cap", Auth::Token(&token), Body::Raw("application/cap+xml", other.into_bytes()))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let view = app.get(&format!("/api/v1/alerts/{id}"), Auth::Session(&approver)).await.json();
    let r = app
        .post(
            &format!("/api/v1/alerts/{id}/approve"),
            Auth::Session(&approver),
            json!({ "capSha256": view["capSha256"], "issue": true }),
        )
        .await;
    assert_eq!(r.json()["state"], "issued", "{}", r.text());
    assert_eq!(app.get(&format!("/cap/alerts/{id}.xml"), Auth::None).await.text(), xml, "relayed byte for byte");
});

#[tokio::test]
async fn the_ingest_policy_decides() {
    for (policy, expect) in [(IngestPolicy::Issue, Some("issued")), (IngestPolicy::Refuse, None)] {
        let Some(app) = spawn_with(Backend::Sqlite, |s| s.ingest.policy = policy).await else { return };
        let token = app.token("roc", Role::Author, &["cap"]).await;
        let r = app
            .call(
                Method::POST,
                "/api/v1/cap",
                Auth::Token(&token),
                Body::Raw("application/cap+xml", roc_alert("ROC-2", "").into_bytes()),
            )
            .await;
        match expect {
            Some(state) => assert_eq!(r.json()["alert"]["state"], state, "{}", r.text()),
            None => assert_eq!((r.status, r.code().as_str()), (StatusCode::FORBIDDEN, "API-004")),
        }
    }
}

/// The corpus schemas, or None on a user's machine without ../shared.
pub fn schema(name: &str) -> Option<PathBuf> {
    let corpus = std::env::var_os("TOCSIN_CAP_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/cap-corpus"));
    let p = corpus.join("schema").join(name);
    if p.is_file() {
        return Some(p);
    }
    assert!(std::env::var_os("TOCSIN_CI").is_none(), "the CAP corpus schemas are required under CI");
    eprintln!("skipping schema validation: {} is absent", p.display());
    None
}

/// The corpus's Atom grammar is RELAX NG compact syntax (despite its .rng name); xmllint reads
/// only the XML syntax, so it is converted with rnc2rng (from PyPI; required under CI).
fn atom_relaxng(dir: &std::path::Path) -> Option<PathBuf> {
    let rnc = schema("feed/atom_rfc4287.rng")?;
    match std::process::Command::new("rnc2rng").arg(&rnc).output() {
        Ok(o) if o.status.success() => {
            let out = dir.join("atom.rng");
            std::fs::write(&out, o.stdout).unwrap();
            Some(out)
        }
        _ => {
            assert!(std::env::var_os("TOCSIN_CI").is_none(), "rnc2rng (pip install rnc2rng) is required under CI");
            eprintln!("skipping Atom validation: rnc2rng is not installed");
            None
        }
    }
}

/// Validates a document with xmllint; under CI xmllint is required.
pub fn xmllint(doc: &str, args: &[&str]) -> Option<bool> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("doc.xml");
    std::fs::write(&file, doc).unwrap();
    match std::process::Command::new("xmllint").args(["--noout", "--nonet"]).args(args).arg(&file).output() {
        Ok(o) => {
            if !o.status.success() {
                eprintln!("{}", String::from_utf8_lossy(&o.stderr));
            }
            Some(o.status.success())
        }
        Err(_) => {
            assert!(std::env::var_os("TOCSIN_CI").is_none(), "xmllint is required under CI");
            eprintln!("skipping: xmllint is not installed");
            None
        }
    }
}

on_both!(the_feed_and_every_served_document_validate, |app: TestApp| async move {
    let author = app.user("ana", &[Role::Author, Role::Approver]).await;
    let approver = app.user("boris", &[Role::Approver]).await;
    let live = crate::lifecycle::approve_and_issue(
        &app,
        &approver,
        &crate::lifecycle::submitted(&app, &author, content("Actual")).await,
    )
    .await;
    let drill = crate::lifecycle::approve_and_issue(
        &app,
        &author,
        &crate::lifecycle::submitted(&app, &author, content("Exercise")).await,
    )
    .await;
    let r = app
        .post(&format!("/api/v1/alerts/{}/cancel", live["id"]), Auth::Session(&approver), json!({ "kind": "cancel" }))
        .await;
    let cancel = r.json();
    let feed = app.get("/cap/alerts.atom", Auth::None).await;
    assert_eq!(feed.header("content-type"), "application/atom+xml; charset=utf-8");
    let feed_text = feed.text();
    let rng_dir = tempfile::tempdir().unwrap();
    if let Some(rng) = atom_relaxng(rng_dir.path())
        && let Some(ok) = xmllint(&feed_text, &["--relaxng", rng.to_str().unwrap()])
    {
        assert!(ok, "the feed is valid Atom: {feed_text}");
    }
    let parsed = cap_alerts::feed::read_feed(feed_text.as_bytes(), &Default::default()).unwrap();
    assert!(parsed.findings.iter().all(|f| !f.is_error()), "{:?}", parsed.findings);
    assert_eq!(parsed.entries.len(), 2, "the cancel and the exercise; the cancelled alert has left");
    for a in [&cancel, &drill, &live] {
        let doc = app.get(&format!("/cap/alerts/{}.xml", a["id"]), Auth::None).await;
        assert_eq!(doc.status, StatusCode::OK, "{}", a["id"]);
        let text = doc.text();
        assert!(Reader::new().read(text.as_bytes()).is_ok(), "strict cap-alerts: {text}");
        if let Some(xsd) = schema("cap12.xsd")
            && let Some(ok) = xmllint(&text, &["--schema", xsd.to_str().unwrap()])
        {
            assert!(ok, "valid against the OASIS CAP 1.2 schema: {text}");
        }
        let etag = doc.header("etag");
        let again = app.client_get_with(&format!("/cap/alerts/{}.xml", a["id"]), &[("if-none-match", &etag)]).await;
        assert_eq!(again, StatusCode::NOT_MODIFIED);
    }
});

impl TestApp {
    async fn client_get_with(&self, path: &str, headers: &[(&str, &str)]) -> StatusCode {
        let mut req = reqwest::Client::new().get(format!("{}{path}", self.base));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.send().await.unwrap().status()
    }
}

#[tokio::test]
async fn drafts_and_private_alerts_are_not_public() {
    let Some(app) = spawn(Backend::Sqlite).await else { return };
    let author = app.user("ana", &[Role::Author]).await;
    let a = crate::lifecycle::submitted(&app, &author, content("Actual")).await;
    assert_eq!(app.get(&format!("/cap/alerts/{}.xml", a["id"]), Auth::None).await.status, StatusCode::NOT_FOUND);
    assert!(!app.get("/cap/alerts.atom", Auth::None).await.text().contains("<entry>"));
}

#[tokio::test]
async fn health_metrics_and_the_openapi_document() {
    let Some(app) = spawn(Backend::Sqlite).await else { return };
    assert_eq!(app.get("/healthz", Auth::None).await.status, StatusCode::OK);
    assert_eq!(app.get("/readyz", Auth::None).await.text(), "ready\n");
    let token = app.token("prometheus", Role::Operator, &["metrics"]).await;
    assert_eq!(app.get("/api/v1/session", Auth::Token(&token)).await.json()["actor"], "token:prometheus");
    let m = app.get("/metrics", Auth::Token(&token)).await.text();
    assert!(m.contains("tocsin_http_requests_total{route=\"/api/v1/session\",method=\"GET\",status=\"200\"} 1"), "{m}");
    let doc = app.get("/api/openapi.json", Auth::None).await.json();
    assert_eq!(doc["openapi"], "3.1.0");
    for e in dispatcher::http::routes::endpoints() {
        let op = &doc["paths"][e.path][e.method.as_str().to_ascii_lowercase()];
        assert!(op.is_object(), "{} {} is documented", e.method, e.path);
    }
    assert_eq!(doc["paths"]["/api/v1/alerts/{id}/approve"]["post"]["x-tocsin-roles"], json!(["approver"]));
    let approve = doc["paths"]["/api/v1/alerts/{id}/approve"]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str().unwrap();
    let name = approve.rsplit('/').next().unwrap();
    assert!(doc["components"]["schemas"][name]["properties"]["capSha256"].is_object(), "{approve}");
}
