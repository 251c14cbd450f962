//! What the admin app's management screens ask of the API beyond what integrations use: the
//! audit log searched by words and dates (on both backends), users listed with their last
//! sign-in, and the last enabled administrator kept.

use dispatcher::domain::roles::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Auth, Backend, Body, TestApp, spawn};

async fn search(app: &TestApp, who: &crate::support::Session, query: &str) -> Vec<Value> {
    let r = app.get(&format!("/api/v1/audit?{query}"), Auth::Session(who)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json().as_array().unwrap().clone()
}

async fn audit_search_by_words_and_dates(backend: Backend) {
    let Some(app) = spawn(backend).await else { return };
    let root = app.user("root", &[Role::Admin]).await;
    app.user("zuzana_100", &[Role::Author]).await;
    app.user("zuzanax100", &[Role::Author]).await;
    let all = search(&app, &root, "").await;
    assert!(all.len() >= 2 && all.windows(2).all(|w| w[0]["seq"].as_i64() > w[1]["seq"].as_i64()), "newest first");

    let found = search(&app, &root, "q=ZUZANA").await;
    assert!(!found.is_empty() && found.iter().all(|r| r.to_string().to_lowercase().contains("zuzana")), "{found:?}");
    // `%` and `_` are the words themselves, not wildcards.
    let exact = search(&app, &root, "q=zuzana_100").await;
    assert!(!exact.is_empty() && exact.iter().all(|r| !r.to_string().contains("zuzanax")), "{exact:?}");
    assert!(search(&app, &root, "q=zuz%25100").await.is_empty(), "zuz%100 is not a pattern");

    let newest = all[0]["atMs"].as_i64().unwrap();
    assert_eq!(search(&app, &root, &format!("from={}", newest + 1)).await.len(), 0);
    assert_eq!(search(&app, &root, &format!("to={}", newest + 1)).await.len(), all.len());
    assert!(search(&app, &root, &format!("to={}", all.last().unwrap()["atMs"].as_i64().unwrap())).await.is_empty());
    let page = search(&app, &root, &format!("limit=1&before={}", all[0]["seq"])).await;
    assert_eq!(page[0]["seq"], all[1]["seq"]);

    let author = app.user("ana", &[Role::Author]).await;
    assert_eq!(app.get("/api/v1/audit?q=x", Auth::Session(&author)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/api/v1/audit/verify", Auth::Session(&author)).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_audit_log_is_searched_by_words_and_dates_on_sqlite() {
    audit_search_by_words_and_dates(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_audit_log_is_searched_by_words_and_dates_on_postgres() {
    audit_search_by_words_and_dates(Backend::Postgres).await;
}

#[tokio::test]
async fn users_show_their_last_sign_in_and_the_last_administrator_stays() {
    let Some(app) = spawn(Backend::Sqlite).await else { return };
    let root = app.user("root", &[Role::Admin]).await;
    let users = app.get("/api/v1/users", Auth::Session(&root)).await.json();
    let root_row = users.as_array().unwrap().iter().find(|u| u["username"] == "root").unwrap();
    assert!(root_row["lastSignInMs"].as_i64().is_some(), "{users}");

    // A token with the admin role is not an administrator's account: it cannot remove the
    // last one.
    let token = app.token("provisioning", Role::Admin, &["users"]).await;
    let path = format!("/api/v1/users/{}", root.user_id);
    let change = |body: Value| app.call(Method::PATCH, &path, Auth::Token(&token), Body::Json(body));
    let r = change(json!({ "roles": ["author"] })).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert!(r.text().contains("last administrator"), "{}", r.text());
    assert_eq!(change(json!({ "disabled": true })).await.status, StatusCode::CONFLICT);

    let ben = app.user("ben", &[Role::Admin]).await;
    let r = change(json!({ "roles": ["author", "admin"] })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = change(json!({ "roles": ["author"] })).await;
    assert_eq!(r.status, StatusCode::OK, "another administrator remains: {}", r.text());
    let ben_path = format!("/api/v1/users/{}", ben.user_id);
    let r = app.call(Method::PATCH, &ben_path, Auth::Token(&token), Body::Json(json!({ "disabled": true }))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
}
