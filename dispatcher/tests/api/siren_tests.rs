//! Scheduled siren tests over HTTP with the engine running: a schedule needs a second person's
//! approval, runs at its time on its groups' sirens only (not their displays, not other
//! groups, not the public feed), and its report says which sirens completed, failed or did not
//! answer; a change stops it until approved again; a run due while Tocsin was down is recorded
//! as missed rather than sounded late; pause, resume, run now and delete.

use std::time::Duration;

use chrono::{DateTime, Datelike, Timelike, Weekday};
use dispatcher::domain::roles::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::devices::{Device, poll, post_as, register};
use crate::on_both;
use crate::support::{Auth, Session, TestApp, raw_sql};

fn device(kind: &str, name: &str, group: &str) -> Value {
    json!({ "kind": kind, "name": name, "lat": 48.15, "lon": 17.1, "groups": [group], "capabilities": ["tones"] })
}

fn monthly(signal: &str) -> Value {
    json!({ "name": "Monthly test", "signal": signal, "groups": ["town"], "every": "month", "weekday": 5,
            "weekOfMonth": 2, "at": "12:00" })
}

/// Waits until the schedule has `n` runs, their sirens known; gives them, newest first.
async fn runs(t: &TestApp, s: &Session, id: i64, n: usize) -> Vec<Value> {
    for _ in 0..100 {
        let r = t.get(&format!("/api/v1/siren-tests/{id}/runs"), Auth::Session(s)).await.json();
        let runs = r.as_array().unwrap();
        if runs.len() >= n && runs.iter().all(|r| r["planned"] == true) {
            return runs.clone();
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("schedule {id} did not run {n} times");
}

/// The commands a device polls now.
async fn commands(t: &TestApp, d: &Device) -> Vec<Value> {
    poll(t, &d.secret, 0, None).await.2["commands"].as_array().cloned().unwrap_or_default()
}

/// Polls until the device has a command.
async fn command(t: &TestApp, d: &Device) -> Value {
    for _ in 0..100 {
        if let Some(c) = commands(t, d).await.into_iter().next() {
            return c;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("device {} got no command", d.id);
}

async fn ack(t: &TestApp, d: &Device, command: i64, state: &str, reason: Option<&str>) {
    let body = json!({ "command": command, "state": state, "reason": reason });
    assert_eq!(post_as(t, &d.secret, "/api/v1/device/ack", body).await, StatusCode::NO_CONTENT);
}

/// Makes an active schedule due now (its creation time, a moment ago, within the grace).
async fn due_now(t: &TestApp) {
    raw_sql(&t.app, "UPDATE device_test_schedules SET next_run_ms = created_ms WHERE state = 'active'").await.unwrap();
}

on_both!(a_schedule_needs_a_second_person_and_tests_only_its_sirens, |t: TestApp| async move {
    let both = t.user("olga", &[Role::Operator, Role::Approver]).await;
    let approver = t.user("boris", &[Role::Approver]).await;
    let author = t.user("ana", &[Role::Author]).await;
    let (a, b, c) = (
        register(&t, &both, device("siren", "A siren", "town")).await,
        register(&t, &both, device("siren", "B siren", "town")).await,
        register(&t, &both, device("siren", "C siren", "town")).await,
    );
    let elsewhere = register(&t, &both, device("siren", "D siren", "village")).await;
    let display = register(&t, &both, device("display", "E display", "town")).await;

    // Only test signals; fields named; authors may not write schedules.
    let r = t.post("/api/v1/siren-tests", Auth::Session(&both), monthly("sk-general-danger")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("/signal") && r.text().contains("silent-test"), "{}", r.text());
    let mut bad = monthly("silent-test");
    bad["weekOfMonth"] = json!(5);
    assert!(t.post("/api/v1/siren-tests", Auth::Session(&both), bad).await.text().contains("/weekOfMonth"));
    assert_eq!(
        t.post("/api/v1/siren-tests", Auth::Session(&author), monthly("silent-test")).await.status,
        StatusCode::FORBIDDEN
    );

    let r = t.post("/api/v1/siren-tests", Auth::Session(&both), monthly("silent-test")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let s = r.json();
    let id = s["id"].as_i64().unwrap();
    assert_eq!(
        (s["state"].as_str(), s["nextRun"].is_null(), s["audible"].as_bool()),
        (Some("pending"), true, Some(false))
    );

    // Pending: even when its time comes, nothing runs.
    raw_sql(&t.app, "UPDATE device_test_schedules SET next_run_ms = created_ms").await.unwrap();
    tokio::time::sleep(Duration::from_secs(6)).await;
    let none = t.get(&format!("/api/v1/siren-tests/{id}/runs"), Auth::Session(&both)).await.json();
    assert_eq!(none, json!([]));

    // Its writer may not approve it, even as an approver; someone else does.
    let r = t.post(&format!("/api/v1/siren-tests/{id}/approve"), Auth::Session(&both), json!({ "version": 1 })).await;
    assert_eq!((r.status, r.code()), (StatusCode::FORBIDDEN, "API-008".to_owned()), "{}", r.text());
    let r =
        t.post(&format!("/api/v1/siren-tests/{id}/approve"), Auth::Session(&approver), json!({ "version": 1 })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let s = r.json();
    assert_eq!(s["state"], "active");
    let next = DateTime::parse_from_rfc3339(s["nextRun"].as_str().unwrap()).unwrap();
    let local = next.with_timezone(&chrono::Local);
    assert_eq!((local.weekday(), local.hour(), local.minute()), (Weekday::Fri, 12, 0), "{next}");
    assert!((8..=14).contains(&local.day()), "the second Friday: {next}");

    // Its time comes: a Test command to the town's three sirens only.
    due_now(&t).await;
    let run = runs(&t, &both, id, 1).await[0].clone();
    assert_eq!(
        (run["outcome"].as_str(), run["sirens"].as_u64(), run["noAnswer"].as_u64()),
        (Some("issued"), Some(3), Some(3))
    );
    let ca = command(&t, &a).await;
    assert_eq!((ca["signal"]["code"].as_str(), ca["mode"].as_str()), (Some("silent-test"), Some("test")), "{ca}");
    ack(&t, &a, ca["id"].as_i64().unwrap(), "received", None).await;
    ack(&t, &a, ca["id"].as_i64().unwrap(), "completed", None).await;
    let cb = command(&t, &b).await;
    ack(&t, &b, cb["id"].as_i64().unwrap(), "failed", Some("amplifier fault")).await;
    assert!(commands(&t, &elsewhere).await.is_empty(), "another group's siren");
    assert!(commands(&t, &display).await.is_empty(), "a display of the group");

    let report = t.get(&format!("/api/v1/siren-tests/runs/{}", run["id"]), Auth::Session(&approver)).await.json();
    assert_eq!(
        (report["run"]["completed"].as_u64(), report["run"]["failed"].as_u64(), report["run"]["noAnswer"].as_u64()),
        (Some(1), Some(1), Some(1)),
        "{report}"
    );
    let sirens = report["sirens"].as_array().unwrap();
    let names: Vec<&str> = sirens.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["A siren", "B siren", "C siren"]);
    assert_eq!(sirens[0]["answer"], "completed");
    assert!(sirens[0]["answeredAt"].is_string());
    assert_eq!(sirens[1]["answer"], "failed");
    assert!(sirens[1]["reason"].as_str().unwrap().contains("amplifier fault"), "{report}");
    assert_eq!((sirens[2]["answer"].as_str(), sirens[2]["device"].as_i64()), (Some("none"), Some(c.id)));

    // Next due in the future again; the test stays out of the public feed; all audited.
    let s = t.get(&format!("/api/v1/siren-tests/{id}"), Auth::Session(&both)).await.json();
    let next = DateTime::parse_from_rfc3339(s["nextRun"].as_str().unwrap()).unwrap();
    assert!(next > chrono::Local::now(), "{next}");
    assert!(!t.get("/cap/alerts.atom", Auth::None).await.text().contains("Siren test"));
    let auditor = t.user("audrey", &[Role::Auditor]).await;
    let audit = t.get("/api/v1/audit?limit=200", Auth::Session(&auditor)).await.text();
    for action in ["siren_test.create", "siren_test.approve", "siren_test.run"] {
        assert!(audit.contains(action), "{action} is audited");
    }
});

on_both!(a_changed_schedule_waits_a_late_run_is_missed_and_staff_control_it, |t: TestApp| async move {
    let op = t.user("olga", &[Role::Operator]).await;
    let approver = t.user("boris", &[Role::Approver]).await;
    let siren = register(&t, &op, device("siren", "A siren", "town")).await;
    let s = t.post("/api/v1/siren-tests", Auth::Session(&op), monthly("silent-test")).await.json();
    let id = s["id"].as_i64().unwrap();
    let approve = |v: i64| json!({ "version": v });
    let path = |p: &str| format!("/api/v1/siren-tests/{id}{p}");
    assert_eq!(t.post(&path("/approve"), Auth::Session(&approver), approve(1)).await.status, StatusCode::OK);

    // A change (now audible, weekly) sends it back for approval: it stops running.
    let mut changed = monthly("sk-audible-test");
    changed["every"] = json!("week");
    changed["weekOfMonth"] = Value::Null;
    changed["version"] = json!(1);
    let r =
        t.call(reqwest::Method::PUT, &path(""), Auth::Session(&op), crate::support::Body::Json(changed.clone())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let s = r.json();
    assert_eq!(
        (s["state"].as_str(), s["version"].as_i64(), s["audible"].as_bool()),
        (Some("pending"), Some(2), Some(true))
    );
    assert!(s["nextRun"].is_null());
    let r = t.call(reqwest::Method::PUT, &path(""), Auth::Session(&op), crate::support::Body::Json(changed)).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "a stale version: {}", r.text());
    let r = t.post(&path("/approve"), Auth::Session(&approver), approve(1)).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "approving what was not seen: {}", r.text());
    assert_eq!(t.post(&path("/approve"), Auth::Session(&approver), approve(2)).await.status, StatusCode::OK);

    // Due two hours ago (Tocsin was down): recorded as missed, nothing sounds.
    raw_sql(&t.app, "UPDATE device_test_schedules SET next_run_ms = created_ms - 7200000").await.unwrap();
    let run = runs(&t, &op, id, 1).await[0].clone();
    assert_eq!(
        (run["outcome"].as_str(), run["alert"].is_null(), run["sirens"].as_u64()),
        (Some("missed"), true, Some(0))
    );
    assert!(commands(&t, &siren).await.is_empty());

    // Pausing is anyone's; resuming and running now are a second person's.
    let r = t.post(&path("/pause"), Auth::Session(&op), json!({})).await;
    assert_eq!((r.status, r.json()["state"].as_str()), (StatusCode::OK, Some("paused")));
    assert_eq!(t.post(&path("/resume"), Auth::Session(&op), json!({})).await.status, StatusCode::FORBIDDEN);
    let r = t.post(&path("/resume"), Auth::Session(&approver), json!({})).await;
    assert_eq!((r.status, r.json()["state"].as_str()), (StatusCode::OK, Some("active")), "{}", r.text());
    let r = t.post(&path("/run"), Auth::Session(&approver), json!({})).await;
    assert_eq!((r.status, r.json()["run"]["outcome"].as_str()), (StatusCode::CREATED, Some("issued")), "{}", r.text());
    let run = runs(&t, &op, id, 2).await[0].clone();
    assert_eq!(run["sirens"], 1, "{run}");
    let c = command(&t, &siren).await;
    assert_eq!(c["signal"]["code"], "sk-audible-test");

    // A schedule whose signal is no longer a test signal records a failed run, once, and
    // sounds nothing.
    raw_sql(&t.app, "UPDATE device_test_schedules SET signal = 'sk-general-danger', next_run_ms = created_ms")
        .await
        .unwrap();
    let all = runs(&t, &op, id, 3).await;
    let failed: Vec<&Value> = all.iter().filter(|r| r["outcome"] == "failed").collect();
    assert_eq!(failed.len(), 1, "{all:?}");
    assert!(failed[0]["alert"].is_null());
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(runs(&t, &op, id, 3).await.len(), 3, "a failed run is not retried every tick");

    let r = t.call(reqwest::Method::DELETE, &path(""), Auth::Session(&op), crate::support::Body::Empty).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(t.get(&path(""), Auth::Session(&op)).await.status, StatusCode::NOT_FOUND);
});
