//! Item 4: an administrator without the approver role issues live alerts through a relay they
//! set up. A subscription that relays (a feed whose action is `relay`, an API token whose CAP
//! is issued at once) needs a second person, as an alert does: until an approver who did not
//! make it confirms it, what it brings waits for an approver.

use dispatcher::domain::roles::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{outside, post_cap, state, try_approve};
use crate::feeds::flow::{atom, poll};
use crate::feeds::peer::Peer;
use crate::on_both;
use crate::support::{Auth, Session, TestApp};

/// The stored alert with this CAP identifier.
async fn stored(t: &TestApp, who: &Session, identifier: &str) -> Value {
    let all = t.get("/api/v1/alerts?limit=50", Auth::Session(who)).await.json();
    let found = all.as_array().unwrap().iter().find(|a| a["identifier"] == identifier).cloned();
    state(t, who, found.unwrap_or_else(|| panic!("{identifier} was not stored: {all}"))["id"].as_i64().unwrap()).await
}

async fn confirm_feed(t: &TestApp, who: &Session, feed: &Value) -> crate::support::Resp {
    let id = feed["id"].as_i64().unwrap();
    t.post(&format!("/api/v1/feeds/{id}/confirm"), Auth::Session(who), json!({ "changedMs": feed["changedMs"] })).await
}

on_both!(an_administrator_cannot_relay_alone_through_a_feed, |t: TestApp| async move {
    let mallory = t.user("mallory", &[Role::Admin]).await;
    let boris = t.user("boris", &[Role::Approver]).await;
    let peer = Peer::start().await;
    peer.put("/met.atom", atom(&[&outside("MET-1", "met@example.org", "Alert", None)]));
    let body = json!({ "name": "Met", "url": format!("{}/met.atom", peer.base), "action": "relay" });
    let r = t.post("/api/v1/feeds", Auth::Session(&mallory), body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let feed = r.json();
    assert_eq!(feed["awaitingConfirmation"], true, "{feed}");
    let id = feed["id"].as_i64().unwrap();

    // Before a second person confirms it, what it brings waits for an approver.
    let v = poll(&t, &mallory, id).await;
    assert_eq!((v["relayed"].as_i64(), v["drafted"].as_i64()), (Some(0), Some(1)), "{v}");
    let held = stored(&t, &boris, "MET-1").await;
    assert_eq!(held["state"], "submitted", "{held}");
    assert!(held["reason"].as_str().unwrap_or_default().contains("confirmed"), "the reason says why: {held}");

    // Mallory cannot confirm it: she is no approver; an approver who set it up could not either.
    assert_eq!(confirm_feed(&t, &mallory, &feed).await.status, StatusCode::FORBIDDEN);
    // What Boris confirms is what he saw: a stale view is refused.
    let stale = json!({ "id": id, "changedMs": feed["changedMs"].as_i64().unwrap() - 1 });
    assert_eq!(confirm_feed(&t, &boris, &stale).await.status, StatusCode::CONFLICT);
    let r = confirm_feed(&t, &boris, &feed).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        (r.json()["awaitingConfirmation"].as_bool(), &r.json()["confirmedBy"]),
        (Some(false), &json!(boris.user_id))
    );

    // Confirmed, it relays.
    peer.put("/met.atom", atom(&[&outside("MET-2", "met@example.org", "Alert", None)]));
    poll(&t, &mallory, id).await;
    assert_eq!(stored(&t, &boris, "MET-2").await["state"], "issued");

    // Widening what it takes needs a second person again; renaming it does not.
    let path = format!("/api/v1/feeds/{id}");
    let renamed = t
        .call(
            reqwest::Method::PATCH,
            &path,
            Auth::Session(&mallory),
            crate::support::Body::Json(json!({ "name": "Met office" })),
        )
        .await;
    assert_eq!(renamed.json()["awaitingConfirmation"], false, "{}", renamed.text());
    let widened = json!({ "rules": { "statuses": ["Actual", "Exercise"] } });
    let widened =
        t.call(reqwest::Method::PATCH, &path, Auth::Session(&mallory), crate::support::Body::Json(widened)).await;
    assert_eq!(widened.json()["awaitingConfirmation"], true, "{}", widened.text());
    peer.put("/met.atom", atom(&[&outside("MET-3", "met@example.org", "Alert", None)]));
    poll(&t, &mallory, id).await;
    assert_eq!(stored(&t, &boris, "MET-3").await["state"], "submitted");

    // Whoever set up the feed may not approve what it brought.
    let admin_approver = t.user("ada", &[Role::Admin, Role::Approver]).await;
    let body = json!({ "name": "Other", "url": format!("{}/other.atom", peer.base), "action": "draft" });
    peer.put("/other.atom", atom(&[&outside("OTHER-1", "other@example.org", "Alert", None)]));
    let other = t.post("/api/v1/feeds", Auth::Session(&admin_approver), body).await.json();
    poll(&t, &admin_approver, other["id"].as_i64().unwrap()).await;
    let drafted = stored(&t, &boris, "OTHER-1").await;
    let r = try_approve(&t, &admin_approver, &drafted).await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::FORBIDDEN, "API-008"), "{}", r.text());
    assert!(r.text().contains("feed"), "{}", r.text());
    let audit = t.get("/api/v1/audit?limit=200", Auth::Session(&admin_approver)).await.text();
    assert!(audit.contains("feed.confirm"), "the confirmation is audited");
});

// Item 4 for tokens: under `ingest.policy = "issue"` a token an administrator made in the
// admin app posts live CAP that is issued at once; now it waits for a second person.
#[tokio::test]
async fn an_administrator_cannot_relay_alone_through_a_token() {
    for backend in [crate::support::Backend::Sqlite, crate::support::Backend::Postgres] {
        let Some(t) =
            crate::support::spawn_with(backend, |s| s.ingest.policy = dispatcher::config::IngestPolicy::Issue).await
        else {
            continue;
        };
        let mallory = t.user("mallory", &[Role::Admin, Role::Approver]).await;
        let boris = t.user("boris", &[Role::Approver]).await;
        let body = json!({ "name": "my-roc", "role": "author", "scopes": ["cap"] });
        let r = t.post("/api/v1/tokens", Auth::Session(&mallory), body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let token = r.json()["value"].as_str().unwrap().to_owned();
        let token_id = r.json()["token"]["id"].as_i64().unwrap();

        let first = post_cap(&t, Auth::Token(&token), &outside("ROC-A", "roc@region.example", "Alert", None)).await;
        assert_eq!(first["state"], "submitted", "an unconfirmed token's CAP waits: {first}");
        let first = state(&t, &boris, first["id"].as_i64().unwrap()).await;
        assert!(first["reason"].as_str().unwrap_or_default().contains("confirmed"), "{first}");

        let confirm = format!("/api/v1/tokens/{token_id}/confirm");
        let r = t.post(&confirm, Auth::Session(&mallory), Value::Null).await;
        assert_eq!(
            (r.status, r.code().as_str()),
            (StatusCode::FORBIDDEN, "API-008"),
            "its creator cannot: {}",
            r.text()
        );
        let r = t.post(&confirm, Auth::Session(&boris), Value::Null).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["confirmedBy"], boris.user_id);

        let next = post_cap(&t, Auth::Token(&token), &outside("ROC-B", "roc@region.example", "Alert", None)).await;
        assert_eq!(next["state"], "issued", "{next}");
        let audit = t.get("/api/v1/audit?limit=200", Auth::Session(&mallory)).await.text();
        assert!(audit.contains("token.confirm"), "the confirmation is audited");
    }
}
