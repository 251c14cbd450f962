//! Fault suite: SQLite under everything at once. While five alerts fan out to 300 webhook
//! endpoints and 40 sirens, the sirens long-poll and acknowledge, and staff write drafts, edit
//! them and add webhooks over the API. SQLite has one writer at a time; no caller may see that
//! as an error: every answer is the one the request deserves (no 5xx, no "database is locked"),
//! and every delivery and acknowledgement lands.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use dispatcher::domain::audit::Actor;
use dispatcher::domain::roles::Role;
use dispatcher::domain::webhooks;
use reqwest::StatusCode;
use serde_json::json;

use crate::devices::{Device, poll, post_as, register};
use crate::lifecycle::{approve_and_issue, submitted};
use crate::support::{Auth, Backend, Receiver, TestApp, content};

const HOOKS: usize = 300;
const SIRENS: usize = 40;
const ALERTS: usize = 5;

/// What callers were answered that they should not have been.
type Bad = Arc<std::sync::Mutex<Vec<String>>>;

fn note(bad: &Bad, who: &str, status: StatusCode, body: &str) {
    let locked = body.contains("locked") || body.to_ascii_lowercase().contains("busy");
    if status.is_server_error() || locked {
        bad.lock().unwrap().push(format!("{who}: {status} {body}"));
    }
}

/// A siren polling once a second and acknowledging every command it gets, until told to stop;
/// each acknowledgement taken is counted in `acks` too, so the test can see when all are done.
async fn siren(t: Arc<TestApp>, d: Device, stop: Arc<AtomicBool>, acks: Arc<AtomicUsize>, bad: Bad) -> usize {
    let mut acked = std::collections::HashSet::new();
    while !stop.load(Ordering::Relaxed) {
        let (status, _, body) = poll(&t, &d.secret, 1, None).await;
        note(&bad, "poll", status, &body.to_string());
        for c in body["commands"].as_array().into_iter().flatten() {
            let id = c["id"].as_i64().unwrap();
            if acked.insert(id) {
                let s =
                    post_as(&t, &d.secret, "/api/v1/device/ack", json!({ "command": id, "state": "received" })).await;
                note(&bad, "ack", s, "");
                assert_eq!(s, StatusCode::NO_CONTENT, "siren {} acknowledging {id}", d.id);
                acks.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    acked.len()
}

/// A member of staff writing drafts and editing them, and adding a webhook now and then.
async fn staff(t: Arc<TestApp>, k: usize, stop: Arc<AtomicBool>, bad: Bad) -> usize {
    let author = t.user(&format!("writer{k}"), &[Role::Author]).await;
    let op = t.user(&format!("operator{k}"), &[Role::Operator]).await;
    let mut writes = 0;
    while !stop.load(Ordering::Relaxed) {
        let r = t.post("/api/v1/alerts", Auth::Session(&author), json!({ "content": content("Exercise") })).await;
        note(&bad, "create", r.status, &r.text());
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let id = r.json()["id"].as_i64().unwrap();
        let mut c = content("Exercise");
        c["infos"][0]["headline"] = json!(format!("Cvičenie {k}/{writes}"));
        let body = json!({ "content": c, "version": r.json()["version"] });
        let path = format!("/api/v1/alerts/{id}");
        let r = t.call(reqwest::Method::PUT, &path, Auth::Session(&author), crate::support::Body::Json(body)).await;
        note(&bad, "edit", r.status, &r.text());
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        if writes % 5 == 0 {
            let hook =
                json!({ "name": format!("extra-{k}-{writes}"), "url": format!("http://127.0.0.1:9/{k}/{writes}") });
            let r = t.post("/api/v1/webhooks", Auth::Session(&op), hook).await;
            note(&bad, "webhook", r.status, &r.text());
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        }
        writes += 1;
    }
    writes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_under_fan_out_device_polls_and_staff_writes_never_answers_busy() {
    let Some(t) = crate::support::spawn(Backend::Sqlite).await else { return };
    let t = Arc::new(t);
    let rx = Receiver::start().await;
    let hooks: Vec<(String, String)> =
        (0..HOOKS).map(|i| (format!("hook-{i}"), format!("{}/hook/{i}", rx.url))).collect();
    webhooks::add_many(&t.app, &Actor::System, "test", &hooks).await.unwrap();
    let op = t.user("olga", &[Role::Operator]).await;
    let author = t.user("ana", &[Role::Author]).await;
    let approver = t.user("boris", &[Role::Approver]).await;
    let (stop, bad): (Arc<AtomicBool>, Bad) = Default::default();
    let acked = Arc::new(AtomicUsize::new(0));
    let mut sirens = Vec::new();
    for i in 0..SIRENS {
        let body =
            json!({ "kind": "siren", "name": format!("S{i}"), "lat": 48.15, "lon": 17.1, "capabilities": ["tones"] });
        let d = register(&t, &op, body).await;
        sirens.push(tokio::spawn(siren(t.clone(), d, stop.clone(), acked.clone(), bad.clone())));
    }
    let writers: Vec<_> = (0..4).map(|k| tokio::spawn(staff(t.clone(), k, stop.clone(), bad.clone()))).collect();

    let mut alerts = Vec::new();
    for _ in 0..ALERTS {
        let a = submitted(&t, &author, content("Actual")).await;
        alerts.push(approve_and_issue(&t, &approver, &a).await["id"].as_i64().unwrap());
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    // Webhooks added during the run get later alerts too (at a closed port, so they retry).
    // The load goes on until every delivery to the receiver and every siren's acknowledgement
    // is done: stopping earlier would count what had not happened yet.
    let hooked = || rx.received().iter().filter(|r| r.path.starts_with("/hook/")).count();
    let deadline = Instant::now() + Duration::from_secs(120);
    while hooked() < ALERTS * HOOKS || acked.load(Ordering::Relaxed) < ALERTS * SIRENS {
        assert!(
            Instant::now() < deadline,
            "after 120 s, {} of {} webhook deliveries arrived and {} of {} siren acknowledgements were made; \
             the callers' errors: {:#?}",
            hooked(),
            ALERTS * HOOKS,
            acked.load(Ordering::Relaxed),
            ALERTS * SIRENS,
            bad.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.store(true, Ordering::Relaxed);
    let mut acks = 0;
    for s in sirens {
        acks += s.await.unwrap();
    }
    let mut writes = 0;
    for w in writers {
        writes += w.await.unwrap();
    }
    let bad = bad.lock().unwrap().clone();
    assert!(bad.is_empty(), "callers saw the database's contention: {bad:#?}");
    assert_eq!(hooked(), ALERTS * HOOKS, "every webhook delivery arrived, once");
    assert_eq!(acks, ALERTS * SIRENS, "every siren acknowledged every alert");
    assert!(writes >= 8, "the staff kept writing during the fan-out ({writes} drafts)");
    for id in alerts {
        let v = t.get(&format!("/api/v1/alerts/{id}/deliveries"), Auth::Session(&approver)).await.json();
        assert_eq!(v["channels"]["siren"]["failed"].as_i64().unwrap_or(0), 0, "{v}");
        assert_eq!(v["channels"]["webhook"]["failed"].as_i64().unwrap_or(0), 0, "{v}");
    }
}
