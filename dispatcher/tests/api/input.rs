//! Bad input gets a clear problem+json naming the field, and changes nothing.

use dispatcher::domain::roles::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::{Auth, Backend, Body, content, spawn};

#[tokio::test]
async fn bad_bodies_are_answered_with_the_field_at_fault() {
    let Some(app) = spawn(Backend::Sqlite).await else { return };
    let author = app.user("ana", &[Role::Author]).await;
    let count = || async { app.get("/api/v1/alerts", Auth::Session(&author)).await.json().as_array().unwrap().len() };

    let r = app
        .call(
            Method::POST,
            "/api/v1/alerts",
            Auth::Session(&author),
            Body::Raw("application/json", b"{\"content\": ".to_vec()),
        )
        .await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::BAD_REQUEST, "API-001"));
    assert_eq!(r.header("content-type"), "application/problem+json");

    let r =
        app.call(Method::POST, "/api/v1/alerts", Auth::Session(&author), Body::Raw("text/plain", b"{}".to_vec())).await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::UNSUPPORTED_MEDIA_TYPE, "API-012"));

    let r = app
        .post("/api/v1/alerts", Auth::Session(&author), json!({ "content": content("Actual"), "colour": "red" }))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["detail"].as_str().unwrap().contains("colour"), "{}", r.text());

    let mut c = content("Actual");
    c["infos"][0]["urgency"] = json!("Soon");
    let r = app.post("/api/v1/alerts", Auth::Session(&author), json!({ "content": c })).await;
    assert_eq!(
        (r.status, r.json()["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("/infos/0/urgency")),
        "{}",
        r.text()
    );
    assert!(r.json()["detail"].as_str().unwrap().contains("Immediate"), "the allowed values are named");

    let mut c = content("Actual");
    c["infos"][0]["areas"][0]["polygons"][0] = json!([[48.1, 17.0], [48.2, 17.0], [48.2, 17.2], [48.1, 17.2]]);
    let r = app.post("/api/v1/alerts", Auth::Session(&author), json!({ "content": c })).await;
    assert_eq!(r.json()["field"], "/infos/0/areas/0/polygons/0", "{}", r.text());
    assert!(r.json()["detail"].as_str().unwrap().contains("not closed"));

    let r = app.post("/api/v1/alerts", Auth::Session(&author), json!({ "content": content("System") })).await;
    assert_eq!(r.json()["field"], "/status");
    let r = app
        .post("/api/v1/alerts", Auth::Session(&author), json!({ "content": content("Actual"), "template": 1 }))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "one source only");
    let r = app
        .post("/api/v1/alerts", Auth::Session(&author), json!({ "content": { "status": "Actual", "areas": [999] } }))
        .await;
    assert_eq!(r.json()["field"], "/areas/0", "{}", r.text());
    assert_eq!(count().await, 0, "nothing was stored");

    let r = app.get("/api/v1/alerts?state=sent", Auth::Session(&author)).await;
    assert_eq!(r.json()["field"], "state");
    for path in [
        "/api/v1/alerts/abc",
        "/api/v1/alerts/-1",
        "/api/v1/alerts/..%2F..%2Fetc",
        "/api/v1/alerts/99999",
        "/cap/alerts/1.json",
        "/nowhere",
    ] {
        let r = app.get(path, Auth::Session(&author)).await;
        assert_eq!((r.status, r.code().as_str()), (StatusCode::NOT_FOUND, "API-006"), "{path}");
    }
    let r = app.call(Method::PATCH, "/api/v1/alerts", Auth::Session(&author), Body::Empty).await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::METHOD_NOT_ALLOWED, "API-017"));
}

#[tokio::test]
async fn bad_cap_is_answered_with_its_findings() {
    let Some(app) = spawn(Backend::Sqlite).await else { return };
    let token = app.token("roc", Role::Author, &["cap"]).await;
    let bad = r#"<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>ROC 1</identifier><sender>roc@region</sender><sent>2026-11-23T10:00:00Z</sent><status>Actual</status><msgType>Alert</msgType><scope>Public</scope></alert>"#;
    let r =
        app.call(Method::POST, "/api/v1/cap", Auth::Token(&token), Body::Raw("application/cap+xml", bad.into())).await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "API-009"), "{}", r.text());
    let codes: Vec<String> =
        r.json()["findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap().to_owned()).collect();
    assert!(codes.iter().any(|c| c == "CAP-I001") && codes.iter().any(|c| c == "CAP-T002"), "{codes:?}");
    let doctype = format!("<!DOCTYPE alert [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>{bad}");
    let r = app
        .call(Method::POST, "/api/v1/cap", Auth::Token(&token), Body::Raw("application/cap+xml", doctype.into_bytes()))
        .await;
    assert_eq!(r.json()["findings"][0]["code"], "CAP-X002");
    let big = vec![b' '; 1024 * 1024 + 10];
    let r = app.call(Method::POST, "/api/v1/cap", Auth::Token(&token), Body::Raw("application/cap+xml", big)).await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::PAYLOAD_TOO_LARGE, "API-011"));
    let r =
        app.call(Method::POST, "/api/v1/cap", Auth::Token(&token), Body::Raw("application/json", b"{}".to_vec())).await;
    assert_eq!(r.code(), "API-012");
    let admin = app.user("root", &[Role::Admin]).await;
    let list = app.get("/api/v1/audit?action=cap.ingest", Auth::Session(&admin)).await.json();
    assert_eq!(list.as_array().unwrap().len(), 0, "refused CAP stored nothing");
}
