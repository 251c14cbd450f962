//! The alert lifecycle through HTTP: two-person approval, exercises marked, corrections in one
//! step, areas that must resolve, templates.

use dispatcher::domain::roles::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::on_both;
use crate::support::{Auth, Session, TestApp, content};

/// Creates and submits an alert as `author`; gives its view.
pub async fn submitted(app: &TestApp, author: &Session, content: Value) -> Value {
    let r = app.post("/api/v1/alerts", Auth::Session(author), json!({ "content": content })).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_i64().unwrap();
    let r = app
        .post(&format!("/api/v1/alerts/{id}/submit"), Auth::Session(author), json!({ "confirm": ["no-recipients"] }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

/// Approves and issues an alert as `approver`.
pub async fn approve_and_issue(app: &TestApp, approver: &Session, alert: &Value) -> Value {
    let id = alert["id"].as_i64().unwrap();
    let r = app
        .post(
            &format!("/api/v1/alerts/{id}/approve"),
            Auth::Session(approver),
            json!({ "capSha256": alert["capSha256"], "issue": true }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

on_both!(two_person_rule_from_draft_to_issued, |app: TestApp| async move {
    let author = app.user("ana", &[Role::Author, Role::Approver]).await;
    let approver = app.user("boris", &[Role::Approver]).await;
    let alert = submitted(&app, &author, content("Actual")).await;
    let id = alert["id"].as_i64().unwrap();
    assert_eq!((alert["state"].as_str(), alert["mode"].as_str()), (Some("submitted"), Some("live")));
    let xml = alert["capXml"].as_str().unwrap().to_owned();
    assert!(
        xml.contains("<identifier>tocsin-") && xml.contains("<sender>tocsin@localhost</sender>"),
        "the dispatcher fills identifier and sender"
    );

    // The author, even holding the approver role, cannot approve their own Actual alert.
    let r = app
        .post(
            &format!("/api/v1/alerts/{id}/approve"),
            Auth::Session(&author),
            json!({ "capSha256": alert["capSha256"] }),
        )
        .await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::FORBIDDEN, "API-008"), "{}", r.text());
    // The approver must name what they saw.
    let r = app
        .post(&format!("/api/v1/alerts/{id}/approve"), Auth::Session(&approver), json!({ "capSha256": "0".repeat(64) }))
        .await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::CONFLICT, "API-016"));

    let r = app
        .post(
            &format!("/api/v1/alerts/{id}/approve"),
            Auth::Session(&approver),
            json!({ "capSha256": alert["capSha256"] }),
        )
        .await;
    assert_eq!(r.json()["state"], "approved", "{}", r.text());
    let r = app.post(&format!("/api/v1/alerts/{id}/issue"), Auth::Session(&author), json!({})).await;
    assert_eq!(r.json()["state"], "issued", "{}", r.text());
    assert_eq!(r.json()["capXml"].as_str().unwrap(), xml, "what is issued is byte for byte what the approver saw");

    let served = app.get(&format!("/cap/alerts/{id}.xml"), Auth::None).await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.header("content-type"), "application/cap+xml");
    assert_eq!(served.text(), xml);
    let feed = app.get("/cap/alerts.atom", Auth::None).await.text();
    assert!(feed.contains(&format!("/cap/alerts/{id}.xml")) && feed.contains("Povodeň na Dunaji"), "{feed}");

    let audit = app
        .get(&format!("/api/v1/audit?alert={id}"), Auth::Session(&app.user("aud", &[Role::Auditor]).await))
        .await
        .json();
    let actions: Vec<&str> = audit.as_array().unwrap().iter().rev().map(|r| r["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["alert.create", "alert.submit", "alert.approve", "alert.issue"]);
    assert!(
        audit.as_array().unwrap().iter().all(|r| r["alertVersion"] == 1 && !r["address"].as_str().unwrap().is_empty())
    );
});

on_both!(rejection_and_withdrawal, |app: TestApp| async move {
    let author = app.user("ana", &[Role::Author]).await;
    let approver = app.user("boris", &[Role::Approver]).await;
    let a = submitted(&app, &author, content("Actual")).await;
    let id = a["id"].as_i64().unwrap();
    let r = app.post(&format!("/api/v1/alerts/{id}/reject"), Auth::Session(&approver), json!({ "reason": "" })).await;
    assert_eq!((r.status, r.json()["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("/reason")));
    let r = app
        .post(&format!("/api/v1/alerts/{id}/reject"), Auth::Session(&approver), json!({ "reason": "wrong river" }))
        .await;
    assert_eq!((r.json()["state"].as_str(), r.json()["reason"].as_str()), (Some("rejected"), Some("wrong river")));
    let r = app.post(&format!("/api/v1/alerts/{id}/issue"), Auth::Session(&author), json!({})).await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::CONFLICT, "API-007"), "a rejected alert cannot be issued");
    let b = submitted(&app, &author, content("Actual")).await;
    let r = app
        .post(&format!("/api/v1/alerts/{}/withdraw", b["id"]), Auth::Session(&author), json!({ "reason": "duplicate" }))
        .await;
    assert_eq!(r.json()["state"], "withdrawn");
});

on_both!(exercises_are_marked_everywhere, |app: TestApp| async move {
    let author = app.user("ana", &[Role::Author, Role::Approver]).await;
    let a = submitted(&app, &author, content("Exercise")).await;
    assert_eq!((a["mode"].as_str(), a["status"].as_str()), (Some("exercise"), Some("Exercise")));
    assert!(a["marking"].as_str().unwrap().starts_with("EXERCISE"));
    assert!(a["capXml"].as_str().unwrap().contains("<note>EXERCISE - this is not a real warning</note>"));
    // Exercises may be approved by their author when the settings say self-approval (the default).
    let issued = approve_and_issue(&app, &author, &a).await;
    assert_eq!(issued["state"], "issued");
    let list = app.get("/api/v1/alerts", Auth::Session(&author)).await.json();
    assert_eq!(list[0]["mode"], "exercise");
    let feed = app.get("/cap/alerts.atom", Auth::None).await.text();
    assert!(feed.contains("<title>[EXERCISE] Povodeň na Dunaji</title>"), "{feed}");
});

on_both!(cancel_and_false_alarm_in_one_step, |app: TestApp| async move {
    let author = app.user("ana", &[Role::Author]).await;
    let approver = app.user("boris", &[Role::Approver]).await;
    let original = approve_and_issue(&app, &approver, &submitted(&app, &author, content("Actual")).await).await;
    let id = original["id"].as_i64().unwrap();

    // An approver (the configured cancel role) issues a false alarm at once.
    let r = app
        .post(&format!("/api/v1/alerts/{id}/cancel"), Auth::Session(&approver), json!({ "kind": "false-alarm" }))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let cancel = r.json();
    assert_eq!((cancel["msgType"].as_str(), cancel["state"].as_str()), (Some("Cancel"), Some("issued")));
    let xml = cancel["capXml"].as_str().unwrap();
    let identifier = original["identifier"].as_str().unwrap();
    assert!(xml.contains(&format!("<references>tocsin@localhost,{identifier},")), "{xml}");
    assert!(
        xml.contains("<headline>Planý poplach: Povodeň na Dunaji</headline>"),
        "Slovak words for a Slovak info block: {xml}"
    );
    let original = app.get(&format!("/api/v1/alerts/{id}"), Auth::Session(&author)).await.json();
    assert_eq!(original["state"], "cancelled");
    let feed = app.get("/cap/alerts.atom", Auth::None).await.text();
    assert!(
        feed.contains(&format!("/cap/alerts/{}.xml", cancel["id"])) && !feed.contains(&format!("/cap/alerts/{id}.xml")),
        "{feed}"
    );

    // An author without the cancel role gets a Cancel that waits for approval.
    let second = approve_and_issue(&app, &approver, &submitted(&app, &author, content("Actual")).await).await;
    let r = app
        .post(&format!("/api/v1/alerts/{}/cancel", second["id"]), Auth::Session(&author), json!({ "kind": "cancel" }))
        .await;
    assert_eq!(r.json()["state"], "submitted", "{}", r.text());
});

on_both!(update_and_all_clear_supersede, |app: TestApp| async move {
    let author = app.user("ana", &[Role::Author]).await;
    let approver = app.user("boris", &[Role::Approver]).await;
    let original = approve_and_issue(&app, &approver, &submitted(&app, &author, content("Actual")).await).await;
    let id = original["id"].as_i64().unwrap();
    let mut changed = content("Actual");
    changed["infos"][0]["headline"] = json!("Povodeň na Dunaji: hladina klesá");
    let body = json!({ "content": changed, "confirm": ["no-recipients"] });
    let r = app.post(&format!("/api/v1/alerts/{id}/update"), Auth::Session(&author), body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let update = r.json();
    assert_eq!((update["msgType"].as_str(), update["state"].as_str()), (Some("Update"), Some("submitted")));
    let issued = approve_and_issue(&app, &approver, &update).await;
    assert!(issued["capXml"].as_str().unwrap().contains("<references>"));
    assert_eq!(app.get(&format!("/api/v1/alerts/{id}"), Auth::Session(&author)).await.json()["state"], "superseded");
    let r = app
        .post(
            &format!("/api/v1/alerts/{}/cancel", issued["id"]),
            Auth::Session(&approver),
            json!({ "kind": "all-clear" }),
        )
        .await;
    let clear = r.json();
    assert_eq!((clear["msgType"].as_str(), clear["state"].as_str()), (Some("Update"), Some("issued")), "{}", r.text());
    let xml = clear["capXml"].as_str().unwrap();
    assert!(
        xml.contains("<responseType>AllClear</responseType>") && xml.matches("tocsin@localhost,tocsin-").count() == 2,
        "{xml}"
    );
});

on_both!(an_alert_without_a_resolvable_area_is_refused, |app: TestApp| async move {
    let author = app.user("ana", &[Role::Author]).await;
    let admin = app.user("root", &[Role::Admin]).await;
    let mut c = content("Actual");
    c["infos"][0]["areas"] =
        json!([{ "areaDesc": "Somewhere", "geocodes": [{ "valueName": "LAU", "value": "SK0101" }] }]);
    let id = app.post("/api/v1/alerts", Auth::Session(&author), json!({ "content": c })).await.json()["id"]
        .as_i64()
        .unwrap();
    let r = app
        .post(&format!("/api/v1/alerts/{id}/submit"), Auth::Session(&author), json!({ "confirm": ["no-recipients"] }))
        .await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "API-013"), "{}", r.text());
    assert!(
        r.json()["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "TOCSIN-004" && f["path"] == "/alert/info[1]/area")
    );
    assert_eq!(
        app.get(&format!("/api/v1/alerts/{id}"), Auth::Session(&author)).await.json()["state"],
        "draft",
        "nothing changed"
    );

    // A named area with that geocode resolves it.
    let geojson = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"Staré Mesto","geocodes":{"LAU":"SK0101"}},"geometry":{"type":"Polygon","coordinates":[[[17.0,48.1],[17.2,48.1],[17.2,48.2],[17.0,48.2],[17.0,48.1]]]}}]}"#;
    let r = app
        .call(
            reqwest::Method::POST,
            "/api/v1/areas",
            Auth::Session(&admin),
            crate::support::Body::Raw("application/geo+json", geojson.into()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let area = r.json()["areas"][0]["id"].as_i64().unwrap();
    let mut c = content("Actual");
    c["infos"][0]["areas"] = json!([]);
    c["areas"] = json!([area]);
    let a = crate::lifecycle::submitted(&app, &author, c).await;
    let xml = a["capXml"].as_str().unwrap();
    assert!(
        xml.contains("<areaDesc>Staré Mesto</areaDesc>")
            && xml.contains("<polygon>48.1,17 48.1,17.2 48.2,17.2 48.2,17 48.1,17</polygon>"),
        "{xml}"
    );
});

on_both!(templates_need_every_placeholder, |app: TestApp| async move {
    let author = app.user("ana", &[Role::Author]).await;
    let mut c = content("Actual");
    c["infos"][0]["headline"] = json!("Povodeň: {river} stúpa na {level} cm");
    let r = app.post("/api/v1/templates", Auth::Session(&author), json!({ "name": "Povodeň", "content": c })).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let t = r.json();
    assert_eq!(t["placeholders"], json!(["level", "river"]));
    let r = app
        .post(
            "/api/v1/alerts",
            Auth::Session(&author),
            json!({ "template": t["id"], "values": { "river": "Dunaj" }, "expiresInMinutes": 90 }),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("/values")),
        "{}",
        r.text()
    );
    assert!(r.json()["detail"].as_str().unwrap().contains("level"));
    let r = app
        .post(
            "/api/v1/alerts",
            Auth::Session(&author),
            json!({ "template": t["id"], "values": { "river": "Dunaj", "level": "850" }, "status": "Exercise" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["content"]["infos"][0]["headline"], "Povodeň: Dunaj stúpa na 850 cm");
    assert_eq!(r.json()["mode"], "exercise");
});

on_both!(drafts_change_only_by_their_author_at_the_version_seen, |app: TestApp| async move {
    let author = app.user("ana", &[Role::Author]).await;
    let other = app.user("cyril", &[Role::Author]).await;
    let r = app.post("/api/v1/alerts", Auth::Session(&author), json!({ "content": content("Actual") })).await;
    let id = r.json()["id"].as_i64().unwrap();
    let mut c = content("Actual");
    c["infos"][0]["headline"] = json!("Nový titulok");
    let r = app
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/alerts/{id}"),
            Auth::Session(&other),
            crate::support::Body::Json(json!({ "version": 1, "content": c })),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/alerts/{id}"),
            Auth::Session(&author),
            crate::support::Body::Json(json!({ "version": 1, "content": c })),
        )
        .await;
    assert_eq!(r.json()["version"], 2, "{}", r.text());
    let r = app
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/alerts/{id}"),
            Auth::Session(&author),
            crate::support::Body::Json(json!({ "version": 1, "content": c })),
        )
        .await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::CONFLICT, "API-007"), "a stale edit is refused");
});

on_both!(issued_alerts_expire_and_leave_the_feed, |app: TestApp| async move {
    let author = app.user("ana", &[Role::Author]).await;
    let approver = app.user("boris", &[Role::Approver]).await;
    let mut past = content("Actual");
    past["infos"][0]["expires"] = json!("2020-01-01T00:00:00+01:00");
    let id = app.post("/api/v1/alerts", Auth::Session(&author), json!({ "content": past })).await.json()["id"]
        .as_i64()
        .unwrap();
    let r = app
        .post(&format!("/api/v1/alerts/{id}/submit"), Auth::Session(&author), json!({ "confirm": ["no-recipients"] }))
        .await;
    assert_eq!(r.json()["field"], "/infos/0/expires", "an expired warning is not sent: {}", r.text());

    let issued = approve_and_issue(&app, &approver, &submitted(&app, &author, content("Actual")).await).await;
    let id = issued["id"].as_i64().unwrap();
    assert_eq!(dispatcher::domain::alerts::expiry::expire_due(&app.app).await.unwrap(), 0, "not yet");
    let mut tx = app.app.db.begin().await.unwrap();
    dispatcher::db::alerts::set_expires(&mut tx, id, dispatcher::db::now_ms() - 1).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(dispatcher::domain::alerts::expiry::expire_due(&app.app).await.unwrap(), 1);
    assert_eq!(app.get(&format!("/api/v1/alerts/{id}"), Auth::Session(&author)).await.json()["state"], "expired");
    assert!(!app.get("/cap/alerts.atom", Auth::None).await.text().contains("<entry>"));
    assert_eq!(
        app.get(&format!("/cap/alerts/{id}.xml"), Auth::None).await.status,
        StatusCode::OK,
        "the message itself stays published"
    );
    let r =
        app.post(&format!("/api/v1/alerts/{id}/cancel"), Auth::Session(&approver), json!({ "kind": "cancel" })).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "an expired alert needs no cancel");
});
