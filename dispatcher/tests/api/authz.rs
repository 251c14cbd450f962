//! Every route declares who may call it; this walks the route table and proves that each route
//! refuses an anonymous caller and a caller without its role, and that cookie requests which
//! change state need the CSRF token.

use dispatcher::domain::roles::Role;
use dispatcher::http::routes::{Access, endpoints};
use reqwest::StatusCode;
use serde_json::json;

use crate::support::{Auth, Backend, Body, spawn};

fn concrete(path: &str) -> String {
    path.split('/').map(|seg| if seg.starts_with('{') { "1" } else { seg }).collect::<Vec<_>>().join("/")
}

#[tokio::test]
async fn every_route_refuses_the_anonymous_and_the_wrong_role() {
    let Some(app) = spawn(Backend::Sqlite).await else { return };
    let mut sessions = Vec::new();
    for role in Role::ALL {
        sessions.push((role, app.user(&format!("only-{role}"), &[role]).await));
    }
    let mut checked = 0;
    let expected: usize = endpoints()
        .iter()
        .map(|e| match e.meta.access {
            Access::Roles(allowed) => Role::ALL.len() - allowed.len(),
            _ => 0,
        })
        .sum();
    for e in endpoints() {
        let path = concrete(e.path);
        let anon = app.call(e.method.clone(), &path, Auth::None, Body::Empty).await;
        match e.meta.access {
            Access::Public => {
                assert_ne!(anon.status, StatusCode::UNAUTHORIZED, "{} {} is public", e.method, e.path);
                continue;
            }
            Access::PeerSecret => {
                assert_eq!(anon.status, StatusCode::UNAUTHORIZED, "{} {} needs its peer's secret", e.method, e.path);
                continue;
            }
            _ => {
                assert_eq!(
                    anon.status,
                    StatusCode::UNAUTHORIZED,
                    "{} {} must refuse an anonymous caller",
                    e.method,
                    e.path
                );
                assert_eq!(anon.code(), "API-003");
                assert!(anon.header("content-type").starts_with("application/problem+json"));
            }
        }
        if let Access::Roles(allowed) = e.meta.access {
            for (role, session) in &sessions {
                if allowed.contains(role) {
                    continue;
                }
                let r = app.call(e.method.clone(), &path, Auth::Session(session), Body::Empty).await;
                assert_eq!(
                    r.status,
                    StatusCode::FORBIDDEN,
                    "{} {} must refuse the role {role}: {}",
                    e.method,
                    e.path,
                    r.text()
                );
                assert_eq!(r.code(), "API-004");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, expected, "every role outside every route's list was tried");
    assert!(checked > 50);
}

#[tokio::test]
async fn cookie_requests_that_change_state_need_the_csrf_token() {
    let Some(app) = spawn(Backend::Sqlite).await else { return };
    let author = app.user("ana", &[Role::Author]).await;
    let body = Body::Json(json!({ "content": crate::support::content("Actual") }));
    let r = app.call(reqwest::Method::POST, "/api/v1/alerts", Auth::SessionNoCsrf(&author), body).await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::FORBIDDEN, "API-005"));
    let mut wrong = author.clone();
    wrong.csrf = "x".repeat(43);
    let r = app
        .post("/api/v1/alerts", Auth::Session(&wrong), json!({ "content": crate::support::content("Actual") }))
        .await;
    assert_eq!(r.code(), "API-005");
    let r = app.get("/api/v1/alerts", Auth::SessionNoCsrf(&author)).await;
    assert_eq!(r.status, StatusCode::OK, "reading needs no CSRF token");
    let r = app
        .post("/api/v1/alerts", Auth::Session(&author), json!({ "content": crate::support::content("Actual") }))
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let token = app.token("roc", Role::Author, &["alerts"]).await;
    let r =
        app.post("/api/v1/alerts", Auth::Token(&token), json!({ "content": crate::support::content("Actual") })).await;
    assert_eq!(r.status, StatusCode::CREATED, "bearer tokens are not cookies and need no CSRF token");
}

#[tokio::test]
async fn tokens_are_held_to_their_role_scope_and_revocation() {
    let Some(app) = spawn(Backend::Sqlite).await else { return };
    let admin = app.user("root", &[Role::Admin]).await;
    let r = app
        .post("/api/v1/tokens", Auth::Session(&admin), json!({ "name": "roc", "role": "author", "scopes": ["cap"] }))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let value = r.json()["value"].as_str().unwrap().to_owned();
    let id = r.json()["token"]["id"].as_i64().unwrap();
    assert!(!app.get("/api/v1/tokens", Auth::Session(&admin)).await.text().contains(&value), "the value is shown once");
    let r = app.get("/api/v1/alerts", Auth::Token(&value)).await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::FORBIDDEN, "API-004"), "out of scope");
    let r = app.get("/api/v1/users", Auth::Token(&value)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "wrong role");
    let r = app.post(&format!("/api/v1/alerts/{id}/approve"), Auth::Token(&value), json!({ "capSha256": "x" })).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r =
        app.call(reqwest::Method::DELETE, &format!("/api/v1/tokens/{id}"), Auth::Session(&admin), Body::Empty).await;
    assert!(r.json()["revokedMs"].is_i64(), "{}", r.text());
    let r = app
        .call(
            reqwest::Method::POST,
            "/api/v1/cap",
            Auth::Token(&value),
            Body::Raw("application/cap+xml", b"<x/>".to_vec()),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "a revoked token is refused");
    let r = app
        .post(
            "/api/v1/tokens",
            Auth::Session(&admin),
            json!({ "name": "bad", "role": "author", "scopes": ["everything"] }),
        )
        .await;
    assert_eq!(r.json()["field"], "scopes");
}

#[tokio::test]
async fn approving_is_for_people() {
    let Some(app) = spawn(Backend::Sqlite).await else { return };
    let author = app.user("ana", &[Role::Author]).await;
    let a = crate::lifecycle::submitted(&app, &author, crate::support::content("Actual")).await;
    let token = app.token("bot", Role::Approver, &["*"]).await;
    let r = app
        .post(
            &format!("/api/v1/alerts/{}/approve", a["id"]),
            Auth::Token(&token),
            json!({ "capSha256": a["capSha256"] }),
        )
        .await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::FORBIDDEN, "API-004"), "{}", r.text());
}
