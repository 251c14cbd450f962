//! The outbox over HTTP with the engine running: signed webhooks to a real loopback receiver,
//! their 410 and 429 answers, tracking (summary, list, CSV, live stream), the reach check, and
//! a burst in which the Extreme alert goes first.

use std::time::{Duration, Instant};

use dispatcher::domain::roles::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::engine::{caller, issue, subscribe, with};
use crate::on_both;
use crate::support::{Auth, Receiver, TestApp, content};

async fn summary(app: &TestApp, s: &crate::support::Session, id: i64) -> Value {
    app.get(&format!("/api/v1/alerts/{id}/deliveries"), Auth::Session(s)).await.json()
}

/// Waits until the alert's deliveries on a channel reach a status count (at most 20 s).
async fn wait_for(app: &TestApp, s: &crate::support::Session, id: i64, channel: &str, status: &str, n: i64) -> Value {
    for _ in 0..400 {
        let v = summary(app, s, id).await;
        if v["channels"][channel][status].as_i64() == Some(n) {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{channel} never reached {n} {status}: {}", summary(app, s, id).await);
}

on_both!(webhooks_get_every_alert_signed, |app: TestApp| async move {
    let rx = Receiver::start().await;
    let op = app.user("olga", &[Role::Operator]).await;
    let author = app.user("ana", &[Role::Author]).await;
    let approver = app.user("boris", &[Role::Approver]).await;
    let r = app
        .post(
            "/api/v1/webhooks",
            Auth::Session(&op),
            json!({ "name": "neighbour", "url": format!("{}/hook/1", rx.url) }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let secret = r.json()["secret"].as_str().unwrap().to_owned();
    assert!(
        !app.get("/api/v1/webhooks", Auth::Session(&op)).await.text().contains(&secret),
        "the secret is shown once"
    );
    for (name, path) in [("gone", "/status/410/x"), ("busy", "/status/429/x")] {
        app.post("/api/v1/webhooks", Auth::Session(&op), json!({ "name": name, "url": format!("{}{path}", rx.url) }))
            .await;
    }

    let alert = crate::lifecycle::approve_and_issue(
        &app,
        &approver,
        &crate::lifecycle::submitted(&app, &author, content("Actual")).await,
    )
    .await;
    let id = alert["id"].as_i64().unwrap();
    let got = rx.wait_for(3).await;
    let hook = got.iter().find(|r| r.path == "/hook/1").unwrap();
    let ts: u64 = hook.headers["x-tocsin-timestamp"].to_str().unwrap().parse().unwrap();
    let expected = channels::webhook::Webhook::sign(secret.as_bytes(), ts, &hook.body);
    assert_eq!(hook.headers["x-tocsin-signature"].to_str().unwrap(), expected, "signed with the webhook's secret");
    assert!(!hook.headers["x-tocsin-delivery"].is_empty());
    let body: Value = serde_json::from_slice(&hook.body).unwrap();
    assert_eq!(body["alertId"], id);
    assert_eq!(body["mode"], "live");
    assert_eq!(body["cap"].as_str().unwrap(), alert["capXml"].as_str().unwrap(), "the CAP as issued");
    assert_eq!(body["alert"]["identifier"], alert["identifier"], "and as JSON");

    // The three answers are stored as they come, not together: wait for each outcome. Sent and
    // failed are final, so the summary that shows the 410 still shows the 200.
    wait_for(&app, &approver, id, "webhook", "sent", 1).await;
    let s = wait_for(&app, &approver, id, "webhook", "failed", 1).await;
    assert_eq!(s["channels"]["webhook"]["sent"], 1, "{s}");
    assert_eq!(s["channels"]["webhook"]["queued"], 1, "429 waits: {s}");
    // The dashboard's chart: the one sent in the first intervals after issue, nothing confirmed.
    let timeline = app.get(&format!("/api/v1/alerts/{id}/deliveries/timeline"), Auth::Session(&approver)).await.json();
    let total = |kind: &str| -> i64 {
        timeline["channels"]["webhook"][kind].as_array().unwrap().iter().map(|n| n.as_i64().unwrap()).sum()
    };
    assert_eq!((total("sent"), total("delivered")), (1, 0), "{timeline}");
    assert_eq!(timeline["startMs"], alert["issuedMs"], "{timeline}");
    let hooks = app.get("/api/v1/webhooks", Auth::Session(&op)).await.json();
    let gone = hooks.as_array().unwrap().iter().find(|h| h["name"] == "gone").unwrap();
    assert_eq!(gone["active"], false, "a webhook answering 410 is dropped");
    // The 429's delivery is queued before its attempt and after it: its stored error says the
    // answer was recorded, with the time of the next attempt.
    let queued = format!("/api/v1/alerts/{id}/deliveries/list?status=queued");
    let deadline = Instant::now() + Duration::from_secs(20);
    let retry = loop {
        let list = app.get(&queued, Auth::Session(&approver)).await.json();
        if !list[0]["lastError"].is_null() {
            break list[0].clone();
        }
        assert!(Instant::now() < deadline, "the 429 was not recorded as a retry within 20 s: {list}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let wait = retry["nextAttemptMs"].as_i64().unwrap() - dispatcher::db::now_ms();
    assert!((50_000..=61_000).contains(&wait), "Retry-After: 60 is honoured: {wait}");
});

on_both!(tracking_lists_exports_and_streams, |app: TestApp| async move {
    let author = caller(&app.app, "ana", &[Role::Author]).await;
    let approver = caller(&app.app, "boris", &[Role::Approver]).await;
    let reader = app.user("aud", &[Role::Auditor]).await;
    subscribe(&app.app, &["r1", "r2", "r3"], false).await;
    let id = issue(&app.app, &author, &approver, content("Actual")).await;
    let s = wait_for(&app, &reader, id, "memory", "sent", 3).await;
    assert_eq!((s["fanout"].as_str(), s["total"].as_i64()), (Some("done"), Some(3)));
    let page = app.get(&format!("/api/v1/alerts/{id}/deliveries/list?limit=2"), Auth::Session(&reader)).await.json();
    assert_eq!(page.as_array().unwrap().len(), 2);
    let after = page[1]["id"].as_i64().unwrap();
    let rest =
        app.get(&format!("/api/v1/alerts/{id}/deliveries/list?after={after}"), Auth::Session(&reader)).await.json();
    assert_eq!(rest.as_array().unwrap().len(), 1);
    assert!(!format!("{page}{rest}").contains("r1"), "residents' addresses never appear");
    let r = app.get(&format!("/api/v1/alerts/{id}/deliveries/list?status=lost"), Auth::Session(&reader)).await;
    assert_eq!(r.json()["field"], "status");
    let csv = app.get(&format!("/api/v1/alerts/{id}/deliveries/export"), Auth::Session(&reader)).await;
    assert_eq!(csv.header("content-type"), "text/csv; charset=utf-8");
    assert_eq!(csv.text().lines().count(), 4);
    assert!(csv.text().starts_with("id,channel,recipient_kind"));

    let mut stream = reqwest::Client::new()
        .get(format!("{}/api/v1/alerts/{id}/deliveries/stream", app.base))
        .header("cookie", format!("__Host-tocsin_session={}", reader.cookie))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    let chunk = tokio::time::timeout(Duration::from_secs(5), stream.chunk()).await.unwrap().unwrap().unwrap();
    let text = String::from_utf8_lossy(&chunk);
    assert!(text.starts_with("event: counts\ndata: {") && text.contains("\"sent\":3"), "{text}");
    // Signing out ends the stream within its next check (every 5 s).
    let out = app.call(reqwest::Method::DELETE, "/api/v1/session", Auth::Session(&reader), crate::support::Body::Empty);
    assert!(out.await.status.is_success());
    let ended = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match stream.chunk().await {
                Ok(Some(c)) if String::from_utf8_lossy(&c).starts_with(':') => continue,
                Ok(Some(c)) => panic!("more counts after signing out: {}", String::from_utf8_lossy(&c)),
                _ => return,
            }
        }
    });
    ended.await.expect("the stream ends once its session is gone");
    let prom = app.token("prom", Role::Operator, &["metrics"]).await;
    let metrics = app.get("/metrics", Auth::Token(&prom)).await.text();
    assert!(metrics.contains("tocsin_deliveries_total{channel=\"memory\",outcome=\"sent\"} 3"), "{metrics}");
    // Housekeeping (every 5 s) records the time from issue to the first and last delivery once
    // the fan-out has ended, and publishes the queue depth.
    let start = Instant::now();
    let metrics = loop {
        let m = app.get("/metrics", Auth::Token(&prom)).await.text();
        if m.contains("tocsin_last_delivery_seconds_count{channel=\"memory\"} 1") || start.elapsed().as_secs() > 15 {
            break m;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(metrics.contains("tocsin_first_delivery_seconds_count{channel=\"memory\"} 1"), "{metrics}");
    assert!(metrics.contains("tocsin_last_delivery_seconds_count{channel=\"memory\"} 1"), "{metrics}");
    let first =
        metrics.lines().find(|l| l.starts_with("tocsin_first_delivery_seconds_sum{channel=\"memory\"}")).unwrap();
    let secs: f64 = first.rsplit(' ').next().unwrap().parse().unwrap();
    assert!((0.0..10.0).contains(&secs), "the first delivery came {secs} s after issue");
});

on_both!(reach_is_known_before_approval_and_zero_needs_confirmation, |app: TestApp| async move {
    let author = app.user("ana", &[Role::Author]).await;
    subscribe(&app.app, &["r1", "r2"], false).await;
    let mut outside = content("Actual");
    outside["infos"][0]["areas"][0]["polygons"] = json!([[[40.0, 10.0], [40.1, 10.0], [40.1, 10.1], [40.0, 10.0]]]);
    let r = app.post("/api/v1/alerts", Auth::Session(&author), json!({ "content": outside })).await;
    let id = r.json()["id"].as_i64().unwrap();
    let reach = app.get(&format!("/api/v1/alerts/{id}/reach"), Auth::Session(&author)).await.json();
    assert_eq!(reach["confirmations"], json!(["no-recipients"]), "{reach}");
    let r = app.post(&format!("/api/v1/alerts/{id}/submit"), Auth::Session(&author), json!({})).await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::CONFLICT, "API-018"), "{}", r.text());
    assert!(r.json()["detail"].as_str().unwrap().contains("no-recipients"));
    assert_eq!(app.get(&format!("/api/v1/alerts/{id}"), Auth::Session(&author)).await.json()["state"], "draft");
    let r = app
        .post(&format!("/api/v1/alerts/{id}/submit"), Auth::Session(&author), json!({ "confirm": ["no-recipients"] }))
        .await;
    assert_eq!(r.json()["state"], "submitted");

    let r = app.post("/api/v1/alerts", Auth::Session(&author), json!({ "content": content("Actual") })).await;
    let id = r.json()["id"].as_i64().unwrap();
    let reach = app.get(&format!("/api/v1/alerts/{id}/reach"), Auth::Session(&author)).await.json();
    assert_eq!(reach["subscriptions"]["memory"], 2, "{reach}");
    assert!(reach["areaKm2"].as_f64().unwrap() > 100.0);
    assert_eq!(
        app.post(&format!("/api/v1/alerts/{id}/submit"), Auth::Session(&author), json!({})).await.status,
        StatusCode::OK
    );
});

/// 49 ordinary alerts and then one Extreme, issued together: the Extreme's first delivery waits
/// for no more than what was already in flight.
#[tokio::test]
async fn in_a_burst_the_extreme_alert_goes_first() {
    let Some(app) = crate::support::spawn_quiet(crate::support::Backend::Sqlite, |s| s.fanout.poll_ms = 50).await
    else {
        return;
    };
    app.memory.set_delay(Duration::from_millis(5));
    let concurrency = 4;
    let rt = dispatcher::fanout::Runtime {
        channel: app.memory.clone(),
        settings: dispatcher::config::ChannelSettings { concurrency, ..Default::default() },
    };
    let tasks = dispatcher::fanout::spawn(&app.app, vec![rt]);
    let author = caller(&app.app, "ana", &[Role::Author]).await;
    let approver = caller(&app.app, "boris", &[Role::Approver]).await;
    let keys: Vec<String> = (0..20).map(|i| format!("r{i}")).collect();
    subscribe(&app.app, &keys.iter().map(String::as_str).collect::<Vec<_>>(), false).await;
    let mut handles = Vec::new();
    for _ in 0..49 {
        let (a, au, ap) = (app.app.clone(), author.clone(), approver.clone());
        handles.push(tokio::spawn(async move { issue(&a, &au, &ap, with("Actual", "Expected", "Moderate")).await }));
    }
    for h in handles {
        h.await.unwrap();
    }
    let extreme = issue(&app.app, &author, &approver, with("Actual", "Expected", "Extreme")).await;
    let issued_at = Instant::now();
    for _ in 0..600 {
        if app.memory.sent().iter().any(|s| s.alert_id == extreme) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let sent = app.memory.sent();
    let first = sent.iter().position(|s| s.alert_id == extreme).expect("the Extreme alert was delivered");
    let overtaken = sent[..first].iter().filter(|s| s.at > issued_at).count();
    assert!(
        overtaken <= 2 * concurrency as usize,
        "{overtaken} ordinary deliveries went out between the Extreme's issue and its first delivery"
    );
    assert!(
        sent.len() < 49 * 20,
        "the Extreme went out while most ordinary deliveries still waited ({} sent)",
        sent.len()
    );
    tasks.iter().for_each(tokio::task::JoinHandle::abort);
}
