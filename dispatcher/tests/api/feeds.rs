//! Subscriptions to external CAP feeds, against a feed publisher on loopback (`feeds/peer.rs`)
//! serving the shared corpus's feeds (`feeds/valid`, `feeds/invalid`, the CAP documents they
//! link to, with their links pointed at loopback and their expiry moved to the future) and
//! feeds made here: relaying and drafting by rule, conditional requests answered 304,
//! deduplication, Update and Cancel following their references, the territory, invalid feeds
//! and a publisher that goes down and comes back.

pub mod flow;
mod limits;
pub mod peer;
mod served;
mod territory;
mod threads;

use std::path::PathBuf;

use dispatcher::domain::roles::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use self::flow::{alerts, atom, cap, change, fresh, poll, subscribe};
use self::peer::Peer;
use crate::on_both;
use crate::support::{Auth, Backend, Session, TestApp, spawn_with};

/// The corpus's feeds folder, or None (with a message) on a machine without ../shared; under
/// CI its absence fails the test.
fn corpus() -> Option<PathBuf> {
    let root = std::env::var_os("TOCSIN_CAP_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/cap-corpus"));
    if root.join("feeds/valid").is_dir() {
        return Some(root);
    }
    assert!(std::env::var_os("TOCSIN_CI").is_none(), "the CAP corpus is required under CI: {}", root.display());
    eprintln!("skipping: the CAP corpus is not at {}", root.display());
    None
}

fn read(root: &std::path::Path, path: &str) -> String {
    std::fs::read_to_string(root.join(path)).unwrap()
}

async fn admin(t: &TestApp) -> Session {
    t.user("feeds-admin", &[Role::Admin, Role::Approver]).await
}

const FLOOD_WATCH: &str = "NOAA-NWS-ALERTS-MT20120830100700TFXFlashFloodWatchTFX20120830180000MT";

on_both!(relays_and_asks_again_conditionally, |t: TestApp| async move {
    let Some(root) = corpus() else { return };
    let s = admin(&t).await;
    let peer = Peer::start().await;
    peer.put("/weather.atom", fresh(&read(&root, "feeds/valid/weather.atom")));
    let url = format!("{}/weather.atom", peer.base);
    let id = subscribe(&t, &s, json!({ "name": "NWS", "url": url, "action": "relay" })).await;
    let v = poll(&t, &s, id).await;
    assert_eq!((v["relayed"].as_i64(), &v["lastError"]), (Some(1), &Value::Null), "{v}");
    let all = alerts(&t, &s).await;
    assert_eq!(all.len(), 1);
    let a = t.get(&format!("/api/v1/alerts/{}", all[0]["id"]), Auth::Session(&s)).await.json();
    assert_eq!((a["state"].as_str(), a["origin"].as_str()), (Some("issued"), Some("feed")), "{a}");
    assert_eq!(a["identifier"], FLOOD_WATCH);
    let xml = a["capXml"].as_str().unwrap();
    // The inline alert's own text (its comment and spacing kept), not a re-serialization; only
    // the namespace declarations it inherited from the feed are added to its start tag.
    assert!(xml.starts_with("<alert xmlns:"), "{xml}");
    assert!(xml.contains(" xmlns = 'urn:oasis:names:tc:emergency:cap:1.1'>\n<!-- http-date"), "{xml}");

    let v = poll(&t, &s, id).await;
    let seen = peer.seen("/weather.atom");
    assert_eq!(seen.len(), 2);
    assert!(seen[1].if_none_match.is_some() && seen[1].if_modified_since.is_some(), "{seen:?}");
    assert_eq!(seen[1].status, 304, "the second poll is answered 304");
    assert_eq!((v["polls"].as_i64(), v["relayed"].as_i64(), &v["lastError"]), (Some(2), Some(1), &Value::Null));
    assert_eq!(alerts(&t, &s).await.len(), 1, "nothing new stored");

    // Another subscription to the same alerts stores no second copy.
    let copy = subscribe(&t, &s, json!({ "name": "NWS mirror", "url": url, "action": "draft" })).await;
    let v = poll(&t, &s, copy).await;
    assert_eq!((v["relayed"].as_i64(), v["drafted"].as_i64(), &v["lastError"]), (Some(0), Some(0), &Value::Null));
    assert_eq!(alerts(&t, &s).await.len(), 1, "deduplicated by sender and identifier");

    // A draft waits for an approver, prefilled with the alert as it came.
    peer.put("/amber.atom", read(&root, "feeds/valid/amber.atom"));
    let url = format!("{}/amber.atom", peer.base);
    let amber = subscribe(&t, &s, json!({ "name": "Amber", "url": url, "action": "draft" })).await;
    assert_eq!(poll(&t, &s, amber).await["drafted"], 1);
    let queued = t.get("/api/v1/alerts?state=submitted", Auth::Session(&s)).await.json();
    assert_eq!(queued.as_array().unwrap().len(), 1, "{queued}");
    assert_eq!(queued[0]["identifier"], "http://doj.dc.gov/amber12345");
});

/// Rules by severity, event and territory, on a server whose territory is a GeoJSON file.
async fn rules_filter(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("territory.geojson");
    let ring = "[[17.0,48.0],[17.3,48.0],[17.3,48.3],[17.0,48.3],[17.0,48.0]]";
    std::fs::write(&file, format!(r#"{{"type":"Polygon","coordinates":[{ring}]}}"#)).unwrap();
    let path = file.display().to_string();
    let Some(t) = spawn_with(backend, |s| s.territory.geojson_file = path).await else { return };
    let s = admin(&t).await;
    let peer = Peer::start().await;
    let inside = "48.1,17.1 48.1,17.2 48.2,17.2 48.2,17.1 48.1,17.1";
    let outside = "50.1,20.1 50.1,20.2 50.2,20.2 50.2,20.1 50.1,20.1";
    let taken = cap("a-taken", "Alert", "Severe", "Flood", inside, &[]);
    let elsewhere = cap("b-elsewhere", "Alert", "Extreme", "Flood", outside, &[]);
    let minor = cap("c-minor", "Alert", "Minor", "Flood", inside, &[]);
    let fire = cap("d-fire", "Alert", "Extreme", "Fire", inside, &[]);
    let drill = cap("e-drill", "Alert", "Severe", "Flood", inside, &[]).replace("<status>Actual", "<status>Exercise");
    peer.put("/met.atom", atom(&[&taken, &elsewhere, &minor, &fire, &drill]));
    let rules = json!({ "minSeverity": "Severe", "events": ["flood"], "inTerritory": true });
    let body = json!({ "name": "Met", "url": format!("{}/met.atom", peer.base), "action": "relay", "rules": rules });
    let id = subscribe(&t, &s, body).await;
    let v = poll(&t, &s, id).await;
    assert_eq!((v["relayed"].as_i64(), v["skipped"].as_i64(), &v["lastError"]), (Some(1), Some(4), &Value::Null));
    let all = alerts(&t, &s).await;
    assert_eq!(all.iter().map(|a| a["identifier"].as_str().unwrap()).collect::<Vec<_>>(), ["a-taken"]);

    // Rules changed: what was skipped is looked at again.
    let patch = json!({ "rules": { "events": ["Fire"] } });
    change(&t, &s, id, patch).await;
    assert_eq!(poll(&t, &s, id).await["relayed"], 2, "the fire alert now");

    // Exercises only when named, and then as exercises.
    let patch = json!({ "rules": { "events": ["Flood"], "inTerritory": true, "statuses": ["Actual", "Exercise"] } });
    change(&t, &s, id, patch).await;
    assert_eq!(poll(&t, &s, id).await["relayed"], 4, "the minor flood and the drill");
    let drill = alerts(&t, &s).await.into_iter().find(|a| a["identifier"] == "e-drill").unwrap();
    assert_eq!((drill["status"].as_str(), drill["mode"].as_str()), (Some("Exercise"), Some("exercise")), "{drill}");
}

#[tokio::test]
async fn rules_filter_by_severity_event_and_territory_sqlite() {
    rules_filter(Backend::Sqlite).await;
}

#[tokio::test]
async fn rules_filter_by_severity_event_and_territory_postgres() {
    rules_filter(Backend::Postgres).await;
}

on_both!(linked_documents_are_fetched_once, |t: TestApp| async move {
    let Some(root) = corpus() else { return };
    let s = admin(&t).await;
    let peer = Peer::start().await;
    let index = read(&root, "feeds/valid/earthquake_index.atom")
        .replace("http://earthquake.usgs.gov/earthquakes/catalogs/cap/", &format!("{}/cap/", peer.base));
    peer.put("/quakes.atom", index.clone());
    peer.put("/cap/us2010apcd", fresh(&read(&root, "valid/google-cap-library/earthquake.cap")));
    let body = json!({ "name": "USGS", "url": format!("{}/quakes.atom", peer.base), "action": "relay" });
    let id = subscribe(&t, &s, body).await;
    let v = poll(&t, &s, id).await;
    assert_eq!((v["relayed"].as_i64(), &v["lastError"]), (Some(1), &Value::Null), "{v}");
    assert_eq!(alerts(&t, &s).await[0]["identifier"], "USGS-earthquakes-us2010apcd.6.20100831T000925.496Z");
    // The index changes; the entry it still lists was handled and is not fetched again.
    peer.put("/quakes.atom", index.replace("<title>USGS M5+ Earthquakes</title>", "<title>USGS M5+</title>"));
    assert_eq!(poll(&t, &s, id).await["lastError"], Value::Null);
    assert_eq!(peer.seen("/quakes.atom").len(), 2);
    assert_eq!(peer.seen("/cap/us2010apcd").len(), 1);

    // Linked documents that are not there: an error that names the code, and nothing stored.
    let ny = read(&root, "feeds/valid/ny_index.rss")
        .replace("http://www.nyalert.gov/Public/News/GetCapAlert.aspx", &format!("{}/ny/GetCapAlert.aspx", peer.base));
    peer.put("/ny.rss", ny);
    let ny =
        subscribe(&t, &s, json!({ "name": "NY", "url": format!("{}/ny.rss", peer.base), "action": "relay" })).await;
    let v = poll(&t, &s, ny).await;
    assert_eq!(v["lastError"]["code"], "FEED-002", "{v}");
    assert!(!v["lastError"]["message"].as_str().unwrap().contains("capID"), "no query strings: {v}");
    assert_eq!(alerts(&t, &s).await.len(), 1);
});

on_both!(invalid_feeds_record_an_error_and_store_nothing, |t: TestApp| async move {
    let Some(root) = corpus() else { return };
    let s = admin(&t).await;
    let peer = Peer::start().await;
    let mut names: Vec<String> = std::fs::read_dir(root.join("feeds/invalid"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 6, "{names:?}");
    for name in &names {
        peer.put(&format!("/{name}"), fresh(&read(&root, &format!("feeds/invalid/{name}"))));
        let body = json!({ "name": name, "url": format!("{}/{name}", peer.base), "action": "relay" });
        let id = subscribe(&t, &s, body).await;
        let v = poll(&t, &s, id).await;
        let code = v["lastError"]["code"].as_str().unwrap_or_else(|| panic!("{name}: no error recorded: {v}"));
        assert!(["FEED-004", "FEED-005", "FEED-006"].contains(&code), "{name}: {v}");
        assert_eq!((v["errors"].as_i64(), v["relayed"].as_i64()), (Some(1), Some(0)), "{name}: {v}");
    }
    assert!(alerts(&t, &s).await.is_empty(), "no alert from an invalid feed");
});

on_both!(a_feed_that_must_sign_refuses_what_is_unsigned, |t: TestApp| async move {
    let Some(root) = corpus() else { return };
    let s = admin(&t).await;
    let peer = Peer::start().await;
    peer.put("/weather.atom", fresh(&read(&root, "feeds/valid/weather.atom")));
    let body =
        json!({ "name": "NWS", "url": format!("{}/weather.atom", peer.base), "action": "relay", "mustSign": true });
    let id = subscribe(&t, &s, body).await;
    let v = poll(&t, &s, id).await;
    assert_eq!(v["lastError"]["code"].as_str(), Some("FEED-008"), "{v}");
    assert!(v["lastError"]["message"].as_str().unwrap().contains("signature"), "{v}");
    assert_eq!(v["relayed"].as_i64(), Some(0), "{v}");
    assert!(alerts(&t, &s).await.is_empty(), "nothing unsigned from a feed that must sign");
});

on_both!(a_peer_outage_is_recorded_then_recovered, |t: TestApp| async move {
    let Some(root) = corpus() else { return };
    let s = admin(&t).await;
    let mut down = Peer::start().await;
    let up = Peer::start().await;
    down.put("/weather.atom", fresh(&read(&root, "feeds/valid/weather.atom")));
    up.put("/amber.atom", read(&root, "feeds/valid/amber.atom"));
    let body = |name: &str, url: String| json!({ "name": name, "url": url, "action": "relay", "pollSeconds": 60 });
    let weather = subscribe(&t, &s, body("NWS", format!("{}/weather.atom", down.base))).await;
    let amber = subscribe(&t, &s, body("Amber", format!("{}/amber.atom", up.base))).await;
    down.stop();
    let before = dispatcher::db::now_ms();
    assert_eq!(dispatcher::domain::feeds::poll::poll_due(&t.app).await.unwrap(), 2);
    let w = t.get(&format!("/api/v1/feeds/{weather}"), Auth::Session(&s)).await.json();
    assert_eq!((w["lastError"]["code"].as_str(), w["failures"].as_i64()), (Some("FEED-001"), Some(1)), "{w}");
    assert!(w["nextPollMs"].as_i64().unwrap() >= before + 120_000, "the wait doubles after a failure: {w}");
    let a = t.get(&format!("/api/v1/feeds/{amber}"), Auth::Session(&s)).await.json();
    assert_eq!((a["relayed"].as_i64(), &a["lastError"]), (Some(1), &Value::Null), "the other feed went on: {a}");
    assert_eq!(dispatcher::domain::feeds::poll::poll_due(&t.app).await.unwrap(), 0, "not due yet");

    down.restart().await;
    let w = poll(&t, &s, weather).await;
    assert_eq!((w["relayed"].as_i64(), w["failures"].as_i64(), &w["lastError"]), (Some(1), Some(0), &Value::Null));
    assert_eq!((w["errors"].as_i64(), w["polls"].as_i64()), (Some(1), Some(2)));
    assert!(w["lastOkMs"].as_i64().is_some());
    assert_eq!(alerts(&t, &s).await.len(), 2);
});

on_both!(one_instance_polls_a_feed_at_a_time, |t: TestApp| async move {
    let s = admin(&t).await;
    let peer = Peer::start().await;
    peer.put("/met.atom", atom(&[&cap("x-1", "Alert", "Severe", "Flood", "1,1 1,2 2,2 1,1", &[])]));
    subscribe(&t, &s, json!({ "name": "Met", "url": format!("{}/met.atom", peer.base), "action": "relay" })).await;
    let (a, b) = tokio::join!(
        dispatcher::domain::feeds::poll::poll_due(&t.app),
        dispatcher::domain::feeds::poll::poll_due(&t.app)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    assert_eq!(peer.seen("/met.atom").len(), 1);
    assert_eq!(alerts(&t, &s).await.len(), 1);
});

on_both!(the_api_checks_and_names_the_field, |t: TestApp| async move {
    let s = admin(&t).await;
    let ok = json!({ "name": "Met", "url": "https://example.org/feed.atom", "action": "draft" });
    let bad = |k: &str, v: Value| {
        let mut b = ok.clone();
        b[k] = v;
        b
    };
    for (body, field) in [
        (bad("url", json!("ftp://example.org/feed")), "/url"),
        (bad("url", json!("not a url")), "/url"),
        (bad("name", json!("")), "/name"),
        (bad("pollSeconds", json!(5)), "/pollSeconds"),
        (bad("action", json!("broadcast")), "/action"),
        (bad("rules", json!({ "inTerritory": true })), "/rules/inTerritory"),
        (bad("rules", json!({ "statuses": ["Draft"] })), "/rules/statuses"),
        (bad("rules", json!({ "minSeverity": "Huge" })), "/rules/minSeverity"),
    ] {
        let r = t.post("/api/v1/feeds", Auth::Session(&s), body.clone()).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", r.text());
        assert_eq!(r.json()["field"], field, "{body}: {}", r.text());
    }
    let r = t.post("/api/v1/feeds", Auth::Session(&s), bad("speed", json!(1))).await;
    assert!(r.status.is_client_error(), "{}", r.text());
    let id = subscribe(&t, &s, ok.clone()).await;
    let r = t.post("/api/v1/feeds", Auth::Session(&s), ok.clone()).await;
    assert_eq!(r.json()["field"], "/name", "names are unique: {}", r.text());
    let path = format!("/api/v1/feeds/{id}");
    let patch =
        |body: Value| t.call(reqwest::Method::PATCH, &path, Auth::Session(&s), crate::support::Body::Json(body));
    let r = patch(json!({ "pollSeconds": 0 })).await;
    assert_eq!(r.json()["field"], "/pollSeconds", "{}", r.text());
    let r = patch(json!({ "enabled": false, "rules": { "minSeverity": "Extreme" } })).await;
    assert_eq!(
        (r.json()["enabled"].as_bool(), r.json()["rules"]["minSeverity"].as_str()),
        (Some(false), Some("Extreme"))
    );
    assert_eq!(r.json()["url"], "https://example.org/feed.atom", "fields not given stay");

    let author = t.user("feeds-author", &[Role::Author, Role::Operator]).await;
    assert_eq!(t.get("/api/v1/feeds", Auth::Session(&author)).await.status, StatusCode::FORBIDDEN);
    // Approvers read them, to confirm a relaying one as the second person.
    let approver = t.user("feeds-approver", &[Role::Approver]).await;
    assert_eq!(t.get("/api/v1/feeds", Auth::Session(&approver)).await.status, StatusCode::OK);
    let r = t
        .call(reqwest::Method::DELETE, &format!("/api/v1/feeds/{id}"), Auth::Session(&s), crate::support::Body::Empty)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(t.get(&format!("/api/v1/feeds/{id}"), Auth::Session(&s)).await.status, StatusCode::NOT_FOUND);
    for action in ["feed.add", "feed.change", "feed.remove"] {
        let r = t.get(&format!("/api/v1/audit?action={action}"), Auth::Session(&s)).await.json();
        let records = r.as_array().or_else(|| r["records"].as_array()).cloned().unwrap_or_default();
        assert!(!records.is_empty(), "{action} is audited: {r}");
    }
});
