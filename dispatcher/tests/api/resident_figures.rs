//! Staff's view of residents on both backends: `GET /api/v1/residents/stats` counts live
//! subscriptions per channel and named area (a subscription once in every area it is in, by
//! a point inside or by the area's name), verified or pending, with no personal data; and
//! `POST /api/v1/residents/import` checks a CSV in a dry run storing nothing, refuses a file
//! with bad lines naming them, imports and audits, and is refused to roles that may not.

use dispatcher::domain::roles::Role;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::support::{Auth, Backend, Body, Resp, Session, TestApp, raw_sql, spawn};

/// Area 1 around 48.15, 17.1 and area 2 around 48.15, 18.1 (ids in a fresh database).
const AREAS: &str = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"name":"Staré Mesto"},"geometry":{"type":"Polygon","coordinates":[[[17.0,48.1],[17.2,48.1],[17.2,48.2],[17.0,48.2],[17.0,48.1]]]}},
{"type":"Feature","properties":{"name":"Levice"},"geometry":{"type":"Polygon","coordinates":[[[18.0,48.1],[18.2,48.1],[18.2,48.2],[18.0,48.2],[18.0,48.1]]]}}]}"#;

/// Two in Staré Mesto by their points, two in Levice by its name, one outside both.
const GOOD: &str = "phone,email,lat,lon,area,language\n\
                    +421 900 100 200,,48.15,17.10,,sk\n\
                    ,eva@levice.example,48.16,17.11,,\"sk,en\"\n\
                    +421900100300,jan@levice.example,,,levice,sk\n\
                    ,ida@levice.example,49.5,19.0,,en\n";

const BAD: &str = "0900 100 400,,48.15,17.10,,sk\n\
                   +421900100500,,95,17.10,,sk\n";

async fn areas(app: &TestApp, admin: &Session) {
    let r = app
        .call(Method::POST, "/api/v1/areas", Auth::Session(admin), Body::Raw("application/geo+json", AREAS.into()))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
}

async fn import(app: &TestApp, who: &Session, query: &str, csv: &str) -> Resp {
    let path = format!("/api/v1/residents/import{query}");
    app.call(Method::POST, &path, Auth::Session(who), Body::Raw("text/csv", csv.as_bytes().to_vec())).await
}

async fn stats(app: &TestApp, who: &Session) -> Value {
    let r = app.get("/api/v1/residents/stats", Auth::Session(who)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    for personal in ["421", "100200", "eva", "@", "levice.example", "48.15", "17.1"] {
        assert!(!r.text().contains(personal), "{personal:?} in {}", r.text());
    }
    r.json()
}

fn count(v: &Value) -> (i64, i64) {
    (v["verified"].as_i64().unwrap(), v["pending"].as_i64().unwrap())
}

fn area<'a>(stats: &'a Value, name: &str) -> &'a Value {
    stats["areas"].as_array().unwrap().iter().find(|a| a["name"] == name).unwrap()
}

async fn counts_per_channel_and_area(backend: Backend) {
    let Some(app) = spawn(backend).await else { return };
    let admin = app.user("root", &[Role::Admin]).await;
    let author = app.user("ana", &[Role::Author]).await;
    areas(&app, &admin).await;
    assert_eq!(app.get("/api/v1/residents/stats", Auth::None).await.status, StatusCode::UNAUTHORIZED);
    let empty = stats(&app, &author).await;
    assert_eq!(count(&empty["total"]), (0, 0));
    assert_eq!(count(&empty["channels"]["push"]), (0, 0));
    assert_eq!(count(&area(&empty, "Levice")["total"]), (0, 0));

    assert_eq!(import(&app, &admin, "", GOOD).await.status, StatusCode::CREATED);
    // The SMS resident in Staré Mesto also names the area: still one subscription there. The
    // email resident named by Levice has not confirmed yet.
    raw_sql(
        &app.app,
        "INSERT INTO places (subscription_id, lat, lon, area_id, changed_ms, change_seq) \
         SELECT id, NULL, NULL, 1, 0, 0 FROM subscriptions WHERE channel = 'sms' AND id = (SELECT MIN(id) FROM subscriptions)",
    )
    .await
    .unwrap();
    raw_sql(
        &app.app,
        "UPDATE subscriptions SET verified = FALSE WHERE channel = 'email' \
         AND id IN (SELECT subscription_id FROM places WHERE area_id = 2)",
    )
    .await
    .unwrap();
    // A resident who deleted their subscription is not counted.
    raw_sql(
        &app.app,
        "UPDATE subscriptions SET active = FALSE, deleted_ms = 1 WHERE id = (SELECT MAX(id) FROM subscriptions)",
    )
    .await
    .unwrap();

    let s = stats(&app, &author).await;
    assert_eq!(count(&s["channels"]["sms"]), (2, 0), "{s}");
    assert_eq!(count(&s["channels"]["email"]), (1, 1), "{s}");
    assert_eq!(count(&s["channels"]["push"]), (0, 0), "{s}");
    assert_eq!(count(&s["total"]), (3, 1), "{s}");
    let old_town = area(&s, "Staré Mesto");
    assert_eq!(count(&old_town["channels"]["sms"]), (1, 0), "{s}");
    assert_eq!(count(&old_town["channels"]["email"]), (1, 0), "{s}");
    assert_eq!(count(&old_town["total"]), (2, 0), "{s}");
    let levice = area(&s, "Levice");
    assert_eq!(count(&levice["channels"]["sms"]), (1, 0), "{s}");
    assert_eq!(count(&levice["channels"]["email"]), (0, 1), "{s}");
    assert_eq!(count(&levice["total"]), (1, 1), "{s}");

    // An area that residents name by reference stays.
    let r = app.call(Method::DELETE, "/api/v1/areas/2", Auth::Session(&admin), Body::Empty).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert!(r.text().contains("residents' places name the area Levice"), "{}", r.text());
}

async fn imports_with_a_dry_run_first(backend: Backend) {
    let Some(app) = spawn(backend).await else { return };
    let admin = app.user("root", &[Role::Admin]).await;
    let operator = app.user("olga", &[Role::Operator]).await;
    let author = app.user("ana", &[Role::Author]).await;
    areas(&app, &admin).await;

    assert_eq!(import(&app, &author, "?dryRun=true", GOOD).await.status, StatusCode::FORBIDDEN);
    let wrong = app
        .call(Method::POST, "/api/v1/residents/import", Auth::Session(&operator), Body::Raw("text/plain", GOOD.into()))
        .await;
    assert_eq!(wrong.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", wrong.text());

    let r = import(&app, &operator, "?dryRun=true", &format!("{GOOD}{BAD}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let report = r.json();
    assert_eq!((report["refused"].as_bool(), report["rows"].as_i64()), (Some(true), Some(6)), "{report}");
    let bad: Vec<(i64, String)> = report["bad"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["line"].as_i64().unwrap(), b["field"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(bad, [(6, "phone".to_owned()), (7, "lat".to_owned())], "{report}");
    assert!(!r.text().contains("900 100 400") && !r.text().contains("100500"), "no number: {}", r.text());

    let r = import(&app, &operator, "?dryRun=true&skipBadRows=true", &format!("{GOOD}{BAD}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!((r.json()["imported"].as_i64(), r.json()["dryRun"].as_bool()), (Some(5), Some(true)), "{}", r.text());
    assert_eq!(count(&stats(&app, &operator).await["total"]), (0, 0), "a dry run stores nothing");
    let refused = import(&app, &operator, "", &format!("{GOOD}{BAD}")).await;
    assert_eq!((refused.status, refused.json()["imported"].as_i64()), (StatusCode::OK, Some(0)));
    assert_eq!(count(&stats(&app, &operator).await["total"]), (0, 0), "a refused file stores nothing");

    let r = import(&app, &operator, "", GOOD).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["imported"], 5);
    assert_eq!(count(&stats(&app, &operator).await["total"]), (5, 0));

    let again = import(&app, &operator, "?dryRun=true", GOOD).await.json();
    assert_eq!(again["imported"], 0);
    let masked: Vec<&str> =
        again["duplicates"].as_array().unwrap().iter().map(|d| d["masked"].as_str().unwrap()).collect();
    assert!(masked.contains(&"+42190•••••00") && masked.contains(&"e•••@levice.example"), "{again}");

    let log = app.get("/api/v1/audit?action=resident.import", Auth::Session(&admin)).await.json();
    let rows = log.as_array().unwrap();
    assert_eq!(rows.len(), 1, "only the import that stored is audited: {log}");
    assert_eq!(rows[0]["actor"], "user:olga");
    assert!(!rows[0]["details"].as_str().unwrap().contains('@'));

    let empty = import(&app, &operator, "?dryRun=true", "").await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", empty.text());
}

#[tokio::test]
async fn stats_count_per_channel_and_area_on_sqlite() {
    counts_per_channel_and_area(Backend::Sqlite).await;
}

#[tokio::test]
async fn stats_count_per_channel_and_area_on_postgres() {
    counts_per_channel_and_area(Backend::Postgres).await;
}

#[tokio::test]
async fn imports_check_first_and_name_bad_lines_on_sqlite() {
    imports_with_a_dry_run_first(Backend::Sqlite).await;
}

#[tokio::test]
async fn imports_check_first_and_name_bad_lines_on_postgres() {
    imports_with_a_dry_run_first(Backend::Postgres).await;
}
