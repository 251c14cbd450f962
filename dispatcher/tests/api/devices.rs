//! The device protocol end to end over HTTP with the engine running: register, poll (long
//! poll, ETag), acknowledge, a repeat that does not restart, cancel, heartbeat, offline
//! detection, expired commands, groups, and secrets (another device's, rotated, revoked).

use std::time::Duration;

use dispatcher::domain::roles::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::lifecycle::{approve_and_issue, submitted};
use crate::on_both;
use crate::support::{Auth, Session, TestApp, content, raw_sql};

/// A registered device and its secret.
pub(crate) struct Device {
    pub(crate) id: i64,
    pub(crate) secret: String,
}

pub(crate) async fn register(t: &TestApp, op: &Session, body: Value) -> Device {
    let r = t.post("/api/v1/devices", Auth::Session(op), body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let v = r.json();
    Device { id: v["device"]["id"].as_i64().unwrap(), secret: v["secret"].as_str().unwrap().to_owned() }
}

fn siren(name: &str, lat: f64, lon: f64) -> Value {
    json!({ "kind": "siren", "name": name, "lat": lat, "lon": lon, "groups": ["levice"], "capabilities": ["tones", "voice"] })
}

/// A poll: status, ETag and body.
pub(crate) async fn poll(t: &TestApp, secret: &str, wait: u64, etag: Option<&str>) -> (StatusCode, String, Value) {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(25)).build().unwrap();
    let mut req = client.get(format!("{}/api/v1/device/poll?wait={wait}", t.base)).bearer_auth(secret);
    if let Some(e) = etag {
        req = req.header("if-none-match", e);
    }
    let r = req.send().await.expect("the long poll answers within 25 s");
    let status = r.status();
    let etag = r.headers().get("etag").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let body = if status == StatusCode::OK { r.json().await.unwrap() } else { Value::Null };
    (status, etag, body)
}

pub(crate) async fn post_as(t: &TestApp, secret: &str, path: &str, body: Value) -> StatusCode {
    reqwest::Client::new()
        .post(format!("{}{path}", t.base))
        .bearer_auth(secret)
        .json(&body)
        .send()
        .await
        .unwrap()
        .status()
}

async fn delivery_status(t: &TestApp, s: &Session, alert: i64, channel: &str) -> Value {
    t.get(&format!("/api/v1/alerts/{alert}/deliveries"), Auth::Session(s)).await.json()["channels"][channel].clone()
}

async fn issue(t: &TestApp, author: &Session, approver: &Session, c: Value) -> i64 {
    approve_and_issue(t, approver, &submitted(t, author, c).await).await["id"].as_i64().unwrap()
}

on_both!(a_siren_polls_acknowledges_and_is_cancelled, |t: TestApp| async move {
    let op = t.user("olga", &[Role::Operator]).await;
    let author = t.user("ana", &[Role::Author]).await;
    let approver = t.user("boris", &[Role::Approver]).await;
    let s = register(&t, &op, siren("Levice 1", 48.15, 17.1)).await;
    let listed = t.get("/api/v1/devices", Auth::Session(&op)).await.text();
    assert!(!listed.contains(&s.secret), "the secret is shown once");

    // Nothing yet: the poll holds, then answers empty; the same answer again is a 304.
    let (status, etag, body) = poll(&t, &s.secret, 1, None).await;
    assert_eq!((status, body["commands"].as_array().unwrap().len()), (StatusCode::OK, 0));
    assert_eq!(poll(&t, &s.secret, 1, Some(&etag)).await.0, StatusCode::NOT_MODIFIED);

    // A long poll waiting when the alert is issued answers with it.
    let waiting = {
        let (secret, t2) = (s.secret.clone(), t.base.clone());
        tokio::spawn(async move {
            let client = reqwest::Client::builder().timeout(Duration::from_secs(25)).build().unwrap();
            let r = client
                .get(format!("{t2}/api/v1/device/poll?wait=60"))
                .bearer_auth(secret)
                .header("if-none-match", etag)
                .send()
                .await
                .expect("woken before the 60 s wait ends");
            r.json::<Value>().await.unwrap()
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let alert = issue(&t, &author, &approver, content("Actual")).await;
    let body = waiting.await.unwrap();
    let command = body["commands"][0].clone();
    assert_eq!(command["alertId"], alert, "{body}");
    assert_eq!(command["signal"]["code"], "sk-general-danger");
    assert_eq!(command["signal"]["seconds"], 120);
    assert_eq!(command["signal"]["pattern"], "wavering");
    assert_eq!(command["mode"], "live");
    assert!(command["voice"][0]["text"].as_str().unwrap().contains("Opustite nábrežie"), "{command}");
    assert!(command["expires"].is_string());
    let id = command["id"].as_i64().unwrap();

    for state in ["received", "started"] {
        assert_eq!(
            post_as(&t, &s.secret, "/api/v1/device/ack", json!({ "command": id, "state": state })).await,
            StatusCode::NO_CONTENT
        );
    }
    let d = delivery_status(&t, &approver, alert, "siren").await;
    assert_eq!(d["acknowledged"], 1, "{d}");
    // The command is unchanged by acknowledging it: the poll holds and says so.
    let (status, etag, body) = poll(&t, &s.secret, 1, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(poll(&t, &s.secret, 1, Some(&etag)).await.0, StatusCode::NOT_MODIFIED);
    let thread = body["commands"][0]["thread"].clone();

    // A Cancel replaces it with the end-of-danger signal, in the same thread.
    let r =
        t.post(&format!("/api/v1/alerts/{alert}/cancel"), Auth::Session(&approver), json!({ "kind": "cancel" })).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let mut cancel = Value::Null;
    for _ in 0..100 {
        let (_, _, body) = poll(&t, &s.secret, 1, Some(&etag)).await;
        if body["commands"][0]["msgType"] == "Cancel" {
            cancel = body;
            break;
        }
    }
    let commands = cancel["commands"].as_array().expect("the Cancel reaches the siren");
    assert_eq!(commands.len(), 1, "only the latest message of the thread: {cancel}");
    assert_eq!(commands[0]["thread"], thread);
    assert_eq!(commands[0]["signal"]["code"], "sk-end-of-danger");
    let cancel_id = commands[0]["id"].as_i64().unwrap();
    assert_eq!(
        post_as(&t, &s.secret, "/api/v1/device/ack", json!({ "command": cancel_id, "state": "completed" })).await,
        StatusCode::NO_CONTENT
    );
    let (_, _, body) = poll(&t, &s.secret, 1, None).await;
    assert_eq!(body["commands"], json!([]), "a completed command leaves the list");
});

on_both!(device_secrets_are_their_own, |t: TestApp| async move {
    let op = t.user("olga", &[Role::Operator]).await;
    let author = t.user("ana", &[Role::Author]).await;
    let approver = t.user("boris", &[Role::Approver]).await;
    let a = register(&t, &op, siren("A", 48.15, 17.1)).await;
    let b = register(&t, &op, json!({ "kind": "display", "name": "B", "lat": 48.15, "lon": 17.11 })).await;
    issue(&t, &author, &approver, content("Actual")).await;
    let mut a_cmd = Value::Null;
    for _ in 0..100 {
        let (_, _, body) = poll(&t, &a.secret, 1, None).await;
        if !body["commands"].as_array().unwrap().is_empty() {
            a_cmd = body["commands"][0].clone();
            break;
        }
    }
    let (_, _, b_body) = poll(&t, &b.secret, 1, None).await;
    let b_cmd = &b_body["commands"][0];
    assert!(b_cmd["signal"].is_null(), "a display gets no siren signal: {b_cmd}");
    assert_eq!(b_cmd["texts"][0]["language"], "sk");
    assert_eq!(b_cmd["texts"][0]["headline"], "Povodeň na Dunaji");
    assert_ne!(a_cmd["id"], b_cmd["id"]);
    let theirs = json!({ "command": a_cmd["id"], "state": "received" });
    assert_eq!(post_as(&t, &b.secret, "/api/v1/device/ack", theirs).await, StatusCode::NOT_FOUND, "not B's command");
    assert_eq!(
        post_as(&t, &a.secret, "/api/v1/device/ack", json!({ "command": a_cmd["id"], "state": "exploded" })).await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let forged = format!("tdv_{}_forged", a.id);
    assert_eq!(poll(&t, &forged, 1, None).await.0, StatusCode::UNAUTHORIZED);
    let r = t.post(&format!("/api/v1/devices/{}/rotate", a.id), Auth::Session(&op), json!({})).await;
    let rotated = r.json()["secret"].as_str().unwrap().to_owned();
    assert_eq!(poll(&t, &a.secret, 1, None).await.0, StatusCode::UNAUTHORIZED, "the old secret stops at once");
    assert_eq!(poll(&t, &rotated, 1, None).await.0, StatusCode::OK);
    let r = t
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/devices/{}", b.id),
            Auth::Session(&op),
            crate::support::Body::Empty,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(poll(&t, &b.secret, 1, None).await.0, StatusCode::UNAUTHORIZED, "a revoked device");
});

on_both!(heartbeats_offline_and_expiry, |t: TestApp| async move {
    let op = t.user("olga", &[Role::Operator]).await;
    let author = t.user("ana", &[Role::Author]).await;
    let approver = t.user("boris", &[Role::Approver]).await;
    let mut body = siren("C", 48.15, 17.1);
    body["pollSeconds"] = json!(5);
    let c = register(&t, &op, body).await;
    let beat = json!({ "mains": false, "battery": 55, "faults": ["E12"], "tamper": true, "temperature": 21.5 });
    assert_eq!(post_as(&t, &c.secret, "/api/v1/device/heartbeat", beat).await, StatusCode::NO_CONTENT);
    let v = t.get(&format!("/api/v1/devices/{}", c.id), Auth::Session(&op)).await.json();
    assert_eq!(v["state"], "online");
    assert_eq!(v["health"]["battery"], 55.0);
    assert_eq!(v["problems"], json!(["mains", "tamper", "fault:E12"]), "{v}");
    assert_eq!(
        post_as(&t, &c.secret, "/api/v1/device/heartbeat", json!({ "battery": 150 })).await,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // Three missed polls: offline, audited, and told to the webhooks; the next poll brings it back.
    let rx = crate::support::Receiver::start().await;
    let hook = json!({ "name": "ops", "url": format!("{}/ops", rx.url) });
    assert_eq!(t.post("/api/v1/webhooks", Auth::Session(&op), hook).await.status, StatusCode::CREATED);
    raw_sql(&t.app, "UPDATE devices SET last_seen_ms = last_seen_ms - 16000, health_ms = health_ms - 16000")
        .await
        .unwrap();
    // The engine's own sweep may mark it first; either way it is offline now.
    dispatcher::domain::devices::mark_offline(&t.app).await.unwrap();
    let v = t.get(&format!("/api/v1/devices/{}", c.id), Auth::Session(&op)).await.json();
    assert_eq!(v["state"], "offline");
    assert!(v["problems"].as_array().unwrap().contains(&json!("offline")));
    let auditor = t.user("audrey", &[Role::Auditor]).await;
    assert!(t.get("/api/v1/audit", Auth::Session(&auditor)).await.text().contains("device.offline"));
    let notice: Value = serde_json::from_slice(&rx.wait_for(1).await[0].body).unwrap();
    assert_eq!(notice["type"], "device.offline");
    assert_eq!(notice["devices"][0]["id"], c.id);
    poll(&t, &c.secret, 1, None).await;
    assert_eq!(t.get(&format!("/api/v1/devices/{}", c.id), Auth::Session(&op)).await.json()["state"], "online");
    let back: Value = serde_json::from_slice(&rx.wait_for(2).await[1].body).unwrap();
    assert_eq!(back["type"], "device.online");

    // An expired command is not returned.
    issue(&t, &author, &approver, content("Actual")).await;
    let mut seen = false;
    for _ in 0..100 {
        if !poll(&t, &c.secret, 1, None).await.2["commands"].as_array().unwrap().is_empty() {
            seen = true;
            break;
        }
    }
    assert!(seen);
    raw_sql(&t.app, "UPDATE deliveries SET expires_ms = 1 WHERE recipient_kind = 'device'").await.unwrap();
    assert_eq!(poll(&t, &c.secret, 1, None).await.2["commands"], json!([]));
});

on_both!(alerts_reach_device_groups_and_name_signals, |t: TestApp| async move {
    let op = t.user("olga", &[Role::Operator]).await;
    let author = t.user("ana", &[Role::Author]).await;
    let approver = t.user("boris", &[Role::Approver]).await;
    // Far outside the alert's polygon, but in the group it names.
    let far = register(&t, &op, siren("Far", 49.5, 20.0)).await;
    let mut c = content("Actual");
    c["infos"][0]["parameters"] = json!([
        { "valueName": "TOCSIN_DEVICE_GROUPS", "value": "levice, other" },
        { "valueName": "TOCSIN_SIREN_SIGNAL", "value": "sk-water-danger" }
    ]);
    let alert = issue(&t, &author, &approver, c).await;
    let mut cmd = Value::Null;
    for _ in 0..100 {
        let (_, _, body) = poll(&t, &far.secret, 1, None).await;
        if let Some(first) = body["commands"].as_array().unwrap().first() {
            cmd = first.clone();
            break;
        }
    }
    assert_eq!(cmd["alertId"], alert, "the group reached the siren: {cmd}");
    assert_eq!(cmd["signal"]["code"], "sk-water-danger");
    assert_eq!(cmd["signal"]["seconds"], 360);
    let reach = t.get(&format!("/api/v1/alerts/{alert}/reach"), Auth::Session(&author)).await.json();
    assert_eq!(reach["sirens"], 1, "{reach}");
});

/// A device that goes offline is emailed to the staff addresses in `devices.notify_emails`
/// (through the email channel's relay, aiosmtpd here), and so is its return.
#[tokio::test]
async fn offline_and_online_devices_are_emailed_to_staff() {
    use crate::peers::{free_port, peers, python, wait_for_port};
    let Some(dir) = peers() else { return };
    let smtp_port = free_port();
    let maildir = tempfile::tempdir().unwrap();
    let _smtp =
        python(&dir, &["smtp_server.py", "--port", &smtp_port.to_string(), "--dir", maildir.path().to_str().unwrap()]);
    wait_for_port(smtp_port).await;
    let Some(t) = crate::support::spawn_with(crate::support::Backend::Sqlite, move |s| {
        s.channels.email.enabled = true;
        s.channels.email.host = "127.0.0.1".into();
        s.channels.email.port = smtp_port;
        s.channels.email.security = "none".into();
        s.channels.email.from = "Tocsin <tocsin@levice.example>".into();
        s.devices.notify_emails = vec!["duty@levice.example".into(), "chief@levice.example".into()];
    })
    .await
    else {
        return;
    };
    let op = t.user("olga", &[Role::Operator]).await;
    let mut body = siren("Levice 7", 48.15, 17.1);
    body["pollSeconds"] = json!(5);
    let d = register(&t, &op, body).await;
    poll(&t, &d.secret, 0, None).await;
    raw_sql(&t.app, "UPDATE devices SET last_seen_ms = last_seen_ms - 16000").await.unwrap();
    // The engine's own sweep may mark it first; either way it is offline before it polls again.
    dispatcher::domain::devices::mark_offline(&t.app).await.unwrap();
    let state = t.get(&format!("/api/v1/devices/{}", d.id), Auth::Session(&op)).await.json()["state"].clone();
    assert_eq!(state, "offline");
    poll(&t, &d.secret, 0, None).await;

    let parse = || {
        let out =
            std::process::Command::new("python3").arg(dir.join("smtp_parse.py")).arg(maildir.path()).output().unwrap();
        serde_json::from_slice::<Value>(&out.stdout).unwrap_or(Value::Null)
    };
    let mut mails = Value::Null;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while tokio::time::Instant::now() < deadline {
        mails = parse();
        if mails.as_array().is_some_and(|m| m.len() >= 4) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mails = mails.as_array().cloned().unwrap_or_default();
    assert_eq!(mails.len(), 4, "offline and online, to each of two addresses: {mails:?}");
    let subjects: Vec<String> = mails.iter().map(|m| m["headers"]["subject"].as_str().unwrap().to_owned()).collect();
    let offline: Vec<&Value> =
        mails.iter().filter(|m| m["headers"]["subject"].as_str().unwrap().contains("offline")).collect();
    assert_eq!(offline.len(), 2, "{subjects:?}");
    assert!(offline[0]["headers"]["subject"].as_str().unwrap().contains("Levice 7"), "{subjects:?}");
    assert!(offline[0]["parts"][0]["text"].as_str().unwrap().contains("missed three polls"));
    let mut to: Vec<&str> = offline.iter().map(|m| m["meta"]["rcpt_tos"][0].as_str().unwrap()).collect();
    to.sort_unstable();
    assert_eq!(to, ["chief@levice.example", "duty@levice.example"]);
    assert_eq!(subjects.iter().filter(|s| s.contains("back online")).count(), 2, "{subjects:?}");
}
