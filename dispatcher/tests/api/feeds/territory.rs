//! A territory made of stored named areas: until they are imported the rule cannot be decided
//! (an error naming `territory.areas`); then a geocode counts through the named area that
//! carries it, and a circle by geometry.

use dispatcher::domain::roles::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::flow::{alerts, atom, cap, poll, subscribe};
use super::peer::Peer;
use crate::support::{Auth, Backend, Body, spawn_with};

fn area(name: &str, lau: &str, lon: f64, lat: f64) -> Value {
    let ring = [[lon, lat], [lon + 0.2, lat], [lon + 0.2, lat + 0.1], [lon, lat + 0.1], [lon, lat]];
    json!({ "type": "Feature", "properties": { "name": name, "geocodes": { "LAU": lau } },
            "geometry": { "type": "Polygon", "coordinates": [ring] } })
}

/// An alert whose only area is `area` (CAP area elements after `areaDesc`).
fn alert_with(identifier: &str, area: &str) -> String {
    let placeholder = "0,0 0,1 1,1 0,0";
    cap(identifier, "Alert", "Severe", "Flood", placeholder, &[])
        .replace(&format!("<polygon>{placeholder}</polygon>"), area)
}

async fn named_areas(backend: Backend) {
    let Some(t) = spawn_with(backend, |s| s.territory.areas = vec!["Old Town".into()]).await else { return };
    let s = t.user("feeds-admin", &[Role::Admin]).await;
    let peer = Peer::start().await;
    let geocode = |v: &str| format!("<geocode><valueName>LAU</valueName><value>{v}</value></geocode>");
    let ours = alert_with("by-geocode", &geocode("SK0101"));
    let theirs = alert_with("far-geocode", &geocode("IT0001"));
    let unknown = alert_with("unknown-geocode", &geocode("ZZ0000"));
    let circle = alert_with("by-circle", "<circle>48.15,17.1 2</circle>");
    peer.put("/met.atom", atom(&[&ours, &theirs, &unknown, &circle]));
    let rules = json!({ "inTerritory": true });
    let body = json!({ "name": "Met", "url": format!("{}/met.atom", peer.base), "action": "relay", "rules": rules });
    let id = subscribe(&t, &s, body).await;
    let v = poll(&t, &s, id).await;
    assert_eq!(v["lastError"]["code"], "FEED-009", "{v}");
    assert!(v["lastError"]["message"].as_str().unwrap().contains("territory.areas"), "{v}");
    assert!(alerts(&t, &s).await.is_empty(), "nothing decided without the territory");

    let areas = json!({ "type": "FeatureCollection",
        "features": [area("Old Town", "SK0101", 17.0, 48.1), area("Faraway", "IT0001", 12.0, 42.0)] });
    let r = t
        .call(
            reqwest::Method::POST,
            "/api/v1/areas",
            Auth::Session(&s),
            Body::Raw("application/geo+json", areas.to_string().into_bytes()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let v = poll(&t, &s, id).await;
    assert_eq!(
        (v["relayed"].as_i64(), v["skipped"].as_i64(), &v["lastError"]),
        (Some(2), Some(2), &Value::Null),
        "{v}"
    );
    let mut taken: Vec<String> =
        alerts(&t, &s).await.iter().map(|a| a["identifier"].as_str().unwrap().to_owned()).collect();
    taken.sort();
    assert_eq!(taken, ["by-circle", "by-geocode"]);
}

#[tokio::test]
async fn a_territory_of_named_areas_sqlite() {
    named_areas(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_territory_of_named_areas_postgres() {
    named_areas(Backend::Postgres).await;
}
