//! A resident's own data through the API, on both backends (Web Push sign-ups, which need no
//! peer): checked input changes nothing; the token reads, changes and deletes its own
//! subscription and no other; deletion erases the address and folds its deliveries into
//! anonymous counts; the retention purge does the same for old deliveries and stale sign-ups;
//! the per-client sign-up limit.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use dispatcher::db::{deliveries, residents, subscriptions};
use dispatcher::domain::residents::retention;
use dispatcher::domain::roles::Role;
use dispatcher::fanout::planner;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::engine::{caller, issue};
use crate::signup::{created, sign_up, subscriptions_stored};
use crate::support::{Auth, Backend, Body, TestApp, content, raw_sql, spawn_with};
use crate::{on_both, on_both_quiet};

/// A push sign-up as a browser would send it (the endpoint is never called in these tests).
pub fn push(name: &str) -> Value {
    let mut key = vec![4u8];
    key.extend(name.bytes().cycle().take(64));
    json!({
        "channel": "push",
        "subscription": {
            "endpoint": format!("http://127.0.0.1:9/push/{name}"),
            "expirationTime": null,
            "keys": { "p256dh": URL_SAFE_NO_PAD.encode(&key), "auth": URL_SAFE_NO_PAD.encode([7u8; 16]) }
        },
        "places": [{ "lat": 48.15, "lon": 17.1 }],
        "languages": ["sk", "en"]
    })
}

fn path(id: i64) -> String {
    format!("/api/v1/residents/subscriptions/{id}")
}

on_both!(bad_sign_ups_name_the_field_and_store_nothing, |t: TestApp| async move {
    let sms = |address: &str| json!({ "channel": "sms", "address": address, "places": [{ "lat": 48.1, "lon": 17.1 }], "languages": ["sk"] });
    let mut cases = vec![
        (json!({ "channel": "fax", "address": "x", "places": [], "languages": [] }), "/channel"),
        (sms("0900 123 456"), "/address"),
        (sms("+421900123456"), "/channel"),
        (json!({ "channel": "email", "places": [{ "lat": 1, "lon": 1 }], "languages": ["sk"] }), "/address"),
    ];
    let mut bad = |f: &dyn Fn(&mut Value), field: &'static str| {
        let mut b = push("bad");
        f(&mut b);
        cases.push((b, field));
    };
    bad(&|b| b["places"] = json!([]), "/places");
    bad(&|b| b["places"] = json!([{ "lat": 95, "lon": 17 }]), "/places/0/lat");
    bad(&|b| b["places"] = json!([{ "lat": 48 }]), "/places/0");
    bad(&|b| b["places"] = json!([{ "area": 999 }]), "/places/0/area");
    bad(&|b| b["languages"] = json!([]), "/languages");
    bad(&|b| b["languages"] = json!(["sk", "not a tag"]), "/languages/1");
    bad(&|b| b["min_severity"] = json!("Unknown"), "/min_severity");
    bad(&|b| b["subscription"]["keys"]["auth"] = json!("AAAA"), "/subscription/keys/auth");
    bad(&|b| b["colour"] = json!("red"), "");
    bad(&|b| b["address"] = json!("+421900123456"), "/address");
    bad(&|b| b["channel"] = json!("email"), "/subscription");
    for (body, field) in cases {
        let r = sign_up(&t, body.clone()).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", r.text());
        assert_eq!(r.code(), "API-002");
        if !field.is_empty() {
            assert_eq!(r.json()["field"], field, "{body}: {}", r.text());
        }
    }
    assert!(sign_up(&t, push("bad")).await.text().contains("\"status\":\"active\""));
    assert_eq!(subscriptions_stored(&t).await, 1, "only the good one was stored");
});

on_both!(a_token_reads_changes_and_deletes_only_its_own_subscription, |t: TestApp| async move {
    let r = sign_up(&t, push("jana")).await;
    let (id, token) = created(&r);
    assert_eq!((r.json()["status"].clone(), r.json()["verification"].clone()), (json!("active"), Value::Null));
    let (other, other_token) = created(&sign_up(&t, push("petra")).await);

    let own = t.get(&path(id), Auth::Token(&token)).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.text());
    let j = own.json();
    assert_eq!(j["address"], "http://127.0.0.1:9", "only the push service's origin");
    assert_eq!((j["channel"].clone(), j["status"].clone()), (json!("push"), json!("active")));
    assert_eq!((j["languages"].clone(), j["min_severity"].clone()), (json!(["sk", "en"]), json!("Moderate")));
    assert_eq!(j["places"], json!([{ "lat": 48.15, "lon": 17.1 }]));
    assert_eq!(j["deliveries"], json!({ "count": 0, "last": null }));

    for auth in [Auth::None, Auth::Token(&other_token), Auth::Token("made-up")] {
        assert_eq!(t.get(&path(id), auth).await.status, StatusCode::NOT_FOUND);
        let r = t.call(Method::DELETE, &path(id), auth, Body::Empty).await;
        assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "API-006".into()));
    }
    assert_eq!(t.get(&path(999), Auth::Token(&token)).await.status, StatusCode::NOT_FOUND, "same as a wrong token");

    let change = json!({ "places": [{ "lat": 48.2, "lon": 18.6 }, { "lat": 48.1, "lon": 17.0 }], "languages": ["uk"],
                         "min_severity": "Severe", "exercises": false, "tests": true });
    let r = t.call(Method::PUT, &path(id), Auth::Token(&token), Body::Json(change)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let j = r.json();
    assert_eq!(j["places"].as_array().unwrap().len(), 2);
    assert_eq!((j["languages"].clone(), j["min_severity"].clone()), (json!(["uk"]), json!("Severe")));
    assert_eq!((j["exercises"].clone(), j["tests"].clone()), (json!(false), json!(true)));
    let bad = json!({ "places": [], "languages": ["uk"] });
    let r = t.call(Method::PUT, &path(id), Auth::Token(&token), Body::Json(bad)).await;
    assert_eq!(r.json()["field"], "/places");
    assert_eq!(t.get(&path(id), Auth::Token(&token)).await.json()["places"].as_array().unwrap().len(), 2);

    let r = t.call(Method::DELETE, &path(id), Auth::Token(&token), Body::Empty).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    assert_eq!(t.get(&path(id), Auth::Token(&token)).await.status, StatusCode::NOT_FOUND, "gone");
    let row = residents::own(&mut t.app.db.read().await.unwrap(), id).await.unwrap().unwrap();
    assert!(row.address_sealed.is_empty() && row.token_hash.is_none() && row.languages.is_empty(), "{row:?}");
    assert!(!row.active && row.deleted_ms.is_some());
    let places = subscriptions::places_of(&mut t.app.db.read().await.unwrap(), id).await.unwrap();
    assert!(places.iter().all(|p| !p.active && p.lat.is_none() && p.area_id.is_none()), "{places:?}");
    assert_eq!(t.get(&path(other), Auth::Token(&other_token)).await.status, StatusCode::OK, "the other stays");

    let auditor = t.user("audrey", &[Role::Auditor]).await;
    let log = t.get("/api/v1/audit", Auth::Session(&auditor)).await.text();
    for action in ["resident.subscribe", "resident.change", "resident.delete"] {
        assert!(log.contains(action), "{action} is audited: {log}");
    }
    assert!(!log.contains("/push/jana") && !log.contains("127.0.0.1:9"), "no address in the audit log");
});

/// Signs up a push resident and plans one alert to it (no worker runs): one queued delivery.
async fn one_planned_delivery(t: &TestApp) -> (i64, String, i64) {
    let (id, token) = created(&sign_up(t, push("jana")).await);
    let (author, approver) =
        (caller(&t.app, "ana", &[Role::Author]).await, caller(&t.app, "boris", &[Role::Approver]).await);
    let alert = issue(&t.app, &author, &approver, content("Actual")).await;
    while planner::plan_one(&t.app, &["push"], "test-planner", i32::MAX).await.unwrap() {}
    let rows = deliveries::list(&mut t.app.db.read().await.unwrap(), alert, None, None, 0, 10).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.recipient_id).collect::<Vec<_>>(), [id]);
    (id, token, alert)
}

async fn summary(t: &TestApp, alert: i64) -> Vec<(String, String, i64)> {
    let rows = deliveries::summary(&mut t.app.db.read().await.unwrap(), alert).await.unwrap();
    rows.into_iter().map(|c| (c.channel, c.status, c.n)).collect()
}

on_both_quiet!(deleting_folds_deliveries_into_anonymous_counts, |t: TestApp| async move {
    let (id, token, alert) = one_planned_delivery(&t).await;
    assert_eq!(t.get(&path(id), Auth::Token(&token)).await.json()["deliveries"]["count"], 1);
    assert_eq!(
        t.call(Method::DELETE, &path(id), Auth::Token(&token), Body::Empty).await.status,
        StatusCode::NO_CONTENT
    );
    let rows = deliveries::list(&mut t.app.db.read().await.unwrap(), alert, None, None, 0, 10).await.unwrap();
    assert!(rows.is_empty(), "no delivery row names the resident any more");
    assert_eq!(summary(&t, alert).await, [("push".into(), "cancelled".into(), 1)], "the count remains");
});

on_both_quiet!(retention_purges_old_deliveries_and_stale_sign_ups, |t: TestApp| async move {
    let (id, _, alert) = one_planned_delivery(&t).await;
    assert_eq!(retention::purge(&t.app).await.unwrap(), retention::Purged::default(), "nothing old yet");
    raw_sql(&t.app, "UPDATE deliveries SET status = 'sent', updated_ms = 1").await.unwrap();
    raw_sql(&t.app, "UPDATE subscriptions SET verified = FALSE, created_ms = 1").await.unwrap();
    let purged = retention::purge(&t.app).await.unwrap();
    assert_eq!(purged, retention::Purged { deliveries: 1, pending: 1 });
    let rows = deliveries::list(&mut t.app.db.read().await.unwrap(), alert, None, None, 0, 10).await.unwrap();
    assert!(rows.is_empty());
    assert_eq!(summary(&t, alert).await, [("push".into(), "sent".into(), 1)]);
    let row = residents::own(&mut t.app.db.read().await.unwrap(), id).await.unwrap().unwrap();
    assert!(row.address_sealed.is_empty() && row.deleted_ms.is_some(), "an unconfirmed sign-up is erased");
});

async fn sign_ups_per_client(backend: Backend) {
    let Some(t) = spawn_with(backend, |s| s.residents.push_signups_per_network_per_hour = 2).await else { return };
    created(&sign_up(&t, push("one")).await);
    created(&sign_up(&t, push("two")).await);
    let r = sign_up(&t, push("three")).await;
    assert_eq!((r.status, r.code()), (StatusCode::TOO_MANY_REQUESTS, "API-010".into()), "{}", r.text());
    let wait: u64 = r.header("retry-after").parse().unwrap();
    assert!((1..=3600).contains(&wait), "{wait}");
    assert_eq!(subscriptions_stored(&t).await, 2, "nothing stored over the limit");
}

#[tokio::test]
async fn sign_ups_per_client_are_limited_sqlite() {
    sign_ups_per_client(Backend::Sqlite).await;
}

#[tokio::test]
async fn sign_ups_per_client_are_limited_postgres() {
    sign_ups_per_client(Backend::Postgres).await;
}
