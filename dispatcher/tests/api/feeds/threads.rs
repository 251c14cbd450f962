//! Feed alerts in threads: an Update and a Cancel follow the alert they name whatever the
//! rules say, an original listed after its Update is still stored first, and a relayed Cancel
//! stops what the original had not yet delivered. And subscriptions seeded from the settings.

use dispatcher::domain::roles::Role;
use serde_json::{Value, json};

use super::flow::{alerts, atom, cap, poll, subscribe};
use super::peer::Peer;
use crate::on_both;
use crate::support::{Auth, Receiver, Session, TestApp};

async fn admin(t: &TestApp) -> Session {
    t.user("feeds-admin", &[Role::Admin, Role::Approver, Role::Operator]).await
}

on_both!(follows_update_and_cancel_by_their_references, |t: TestApp| async move {
    let s = admin(&t).await;
    let peer = Peer::start().await;
    let polygon = "48.1,17.1 48.1,17.2 48.2,17.2 48.2,17.1 48.1,17.1";
    let first = cap("flood-1", "Alert", "Severe", "Flood", polygon, &[]);
    peer.put("/met.atom", atom(&[&first]));
    let rules = json!({ "minSeverity": "Severe" });
    let body = json!({ "name": "Met", "url": format!("{}/met.atom", peer.base), "action": "relay", "rules": rules });
    let id = subscribe(&t, &s, body).await;
    assert_eq!(poll(&t, &s, id).await["relayed"], 1);

    // An Update of Minor severity still follows the alert it names, whatever the rules say.
    let update = cap("flood-2", "Update", "Minor", "Flood", polygon, &["flood-1"]);
    peer.put("/met.atom", atom(&[&first, &update]));
    let v = poll(&t, &s, id).await;
    assert_eq!((v["relayed"].as_i64(), &v["lastError"]), (Some(2), &Value::Null), "{v}");
    let states = by_identifier(&t, &s).await;
    assert_eq!(states["flood-1"].0, "superseded");
    assert_eq!(states["flood-2"].0, "issued");
    assert_eq!(states["flood-1"].1, states["flood-2"].1, "one thread");

    // A Cancel of something never stored here is not relayed; one of ours ends the thread.
    let stray = cap("other-cancel", "Cancel", "Minor", "Flood", polygon, &["never-seen"]);
    let cancel = cap("flood-3", "Cancel", "Minor", "Flood", polygon, &["flood-1", "flood-2"]);
    peer.put("/met.atom", atom(&[&first, &update, &stray, &cancel]));
    let v = poll(&t, &s, id).await;
    assert_eq!((v["relayed"].as_i64(), v["skipped"].as_i64()), (Some(3), Some(1)), "{v}");
    let states = by_identifier(&t, &s).await;
    assert_eq!(states["flood-2"].0, "cancelled");
    assert_eq!(states["flood-3"].0, "issued");
    assert_eq!(states["flood-3"].1, states["flood-1"].1);
    assert!(!states.contains_key("other-cancel"));

    // Listed newest first, an Update and the original it names, both new: the original is
    // stored first, so the Update supersedes it rather than the other way round.
    let storm = cap("storm-1", "Alert", "Severe", "Storm", polygon, &[]);
    let storm_update = cap("storm-2", "Update", "Severe", "Storm", polygon, &["storm-1"]);
    peer.put("/met.atom", atom(&[&storm_update, &storm]));
    assert_eq!(poll(&t, &s, id).await["relayed"], 5);
    let states = by_identifier(&t, &s).await;
    assert_eq!((states["storm-1"].0.as_str(), states["storm-2"].0.as_str()), ("superseded", "issued"));
    assert_eq!(states["storm-1"].1, states["storm-2"].1);
});

/// Waits until an alert has `n` deliveries of a status on a channel.
async fn deliveries(t: &TestApp, s: &Session, id: i64, status: &str, n: i64) {
    for _ in 0..300 {
        let v = t.get(&format!("/api/v1/alerts/{id}/deliveries"), Auth::Session(s)).await.json();
        if v["channels"]["webhook"][status].as_i64() == Some(n) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let v = t.get(&format!("/api/v1/alerts/{id}/deliveries"), Auth::Session(s)).await.json();
    panic!("alert {id} never had {n} {status} webhook deliveries: {v}");
}

on_both!(a_relayed_cancel_stops_the_originals_deliveries, |t: TestApp| async move {
    let s = admin(&t).await;
    let rx = Receiver::start().await;
    // A neighbour that is busy: the original's delivery waits to be retried (Retry-After: 60).
    let hook = json!({ "name": "busy neighbour", "url": format!("{}/status/429/x", rx.url) });
    assert!(t.post("/api/v1/webhooks", Auth::Session(&s), hook).await.status.is_success());
    let peer = Peer::start().await;
    let polygon = "48.1,17.1 48.1,17.2 48.2,17.2 48.2,17.1 48.1,17.1";
    let first = cap("quake-1", "Alert", "Extreme", "Earthquake", polygon, &[]);
    peer.put("/met.atom", atom(&[&first]));
    let body = json!({ "name": "Met", "url": format!("{}/met.atom", peer.base), "action": "relay" });
    let id = subscribe(&t, &s, body).await;
    assert_eq!(poll(&t, &s, id).await["relayed"], 1);
    let original = alerts(&t, &s).await[0]["id"].as_i64().unwrap();
    deliveries(&t, &s, original, "queued", 1).await;
    // Until the neighbour has been tried and the outcome (retry in 60 s) is stored: a
    // delivery being sent at that very moment is not the queued one a Cancel stops.
    let retried = "UPDATE deliveries SET updated_ms = updated_ms WHERE status = 'queued' AND lease_owner IS NULL AND attempts >= 1";
    let mut waiting = false;
    for _ in 0..200 {
        waiting = crate::support::raw_sql(&t.app, retried).await.unwrap() == 1;
        if waiting {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(waiting && !rx.got.lock().unwrap().is_empty(), "the neighbour was tried once and asked to wait");

    let cancel = cap("quake-2", "Cancel", "Minor", "Earthquake", polygon, &["quake-1"]);
    peer.put("/met.atom", atom(&[&first, &cancel]));
    assert_eq!(poll(&t, &s, id).await["relayed"], 2);
    deliveries(&t, &s, original, "cancelled", 1).await;
    let a = t.get(&format!("/api/v1/alerts/{original}"), Auth::Session(&s)).await.json();
    assert_eq!(a["state"], "cancelled", "{a}");
});

on_both!(subscriptions_from_the_settings_are_kept_in_step, |t: TestApp| async move {
    let s = admin(&t).await;
    let spec: dispatcher::domain::feeds::FeedSpec = serde_json::from_value(json!({
        "name": "National", "url": "https://example.org/cap.atom", "action": "draft", "poll_seconds": 300,
        "rules": { "min_severity": "Severe" }
    }))
    .unwrap();
    let seed = |specs: Vec<dispatcher::domain::feeds::FeedSpec>| {
        let app = t.app.clone();
        async move { dispatcher::domain::feeds::seed(&app, &specs).await.unwrap() }
    };
    assert_eq!(seed(vec![spec.clone()]).await, 1);
    assert_eq!(seed(vec![spec.clone()]).await, 0, "unchanged: nothing to do");
    let list = t.get("/api/v1/feeds", Auth::Session(&s)).await.json();
    let f = &list[0];
    assert_eq!((f["fromConfig"].as_bool(), f["pollSeconds"].as_i64()), (Some(true), Some(300)), "{list}");
    assert_eq!(f["rules"]["minSeverity"], "Severe");
    let mut changed = spec;
    changed.poll_seconds = 600;
    assert_eq!(seed(vec![changed]).await, 1);
    let list = t.get("/api/v1/feeds", Auth::Session(&s)).await.json();
    assert_eq!((list.as_array().unwrap().len(), list[0]["pollSeconds"].as_i64()), (1, Some(600)));
});

/// Each stored alert's state and thread, by CAP identifier.
async fn by_identifier(t: &TestApp, s: &Session) -> std::collections::HashMap<String, (String, i64)> {
    let all = alerts(t, s).await;
    all.iter()
        .map(|a| {
            let id = a["identifier"].as_str().unwrap().to_owned();
            (id, (a["state"].as_str().unwrap().to_owned(), a["threadId"].as_i64().unwrap()))
        })
        .collect()
}
