//! One alert to residents on every channel, through the whole server with real peers on
//! loopback: a push receiver that checks VAPID and decrypts with Python's http_ece, an SMSC on
//! npm `smpp` that sends a delivery receipt and a resident's STOP, and an aiosmtpd server whose
//! mail Python's `email` package parses. On SQLite and on PostgreSQL.

use std::time::Duration;

use cap_alerts::model::Severity;
use dispatcher::db::deliveries;
use dispatcher::domain::roles::Role;
use dispatcher::domain::subscriptions::{self, Place, Subscription};
use serde_json::{Value, json};

use crate::engine::{caller, issue};
use crate::peers::Peers;
use crate::support::{Backend, TestApp, content, spawn_with};

/// A verified Slovak resident in Staré Mesto (48.15 N, 17.1 E) on one channel.
pub(crate) fn resident(channel: &str, address: String) -> Subscription {
    Subscription {
        channel: channel.into(),
        address,
        languages: vec!["sk".into()],
        min_severity: Severity::Minor,
        exercises: true,
        tests: false,
        verified: true,
        places: vec![Place::Point { lat: 48.15, lon: 17.1 }],
    }
}

/// Subscribes one resident on each of push (the receiver on `push_port`), SMS and email, at
/// a point inside the test polygon; gives their ids in that order.
pub(crate) async fn one_on_each(t: &TestApp, push_port: u16) -> Vec<i64> {
    let keys: Value =
        reqwest::get(format!("http://127.0.0.1:{push_port}/subscription")).await.unwrap().json().await.unwrap();
    let push = json!({ "endpoint": format!("http://127.0.0.1:{push_port}/push/jana"), "keys": keys }).to_string();
    let residents = [
        resident("push", push),
        resident("sms", "+421 900 123 456".into()),
        resident("email", "jana@levice.example".into()),
    ];
    subscriptions::add(&t.app, &residents).await.unwrap()
}

async fn statuses(t: &TestApp, id: i64) -> Vec<(String, String, i64)> {
    let rows = deliveries::summary(&mut t.app.db.read().await.unwrap(), id).await.unwrap();
    rows.into_iter().map(|c| (c.channel, c.status, c.n)).collect()
}

async fn wait_status(t: &TestApp, id: i64, channel: &str, status: &str) {
    for _ in 0..400 {
        let s = statuses(t, id).await;
        if s.iter().any(|(c, st, n)| c == channel && st == status && *n == 1) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{channel} never reached {status}: {:?}", statuses(t, id).await);
}

async fn every_channel(backend: Backend) {
    let Some(mut peers) = Peers::start().await else { return };
    let Some(t) = spawn_with(backend, peers.configure()).await else { return };
    let push_port = peers.push_port;
    peers.smsc.next("bound").await;

    let ids = one_on_each(&t, push_port).await;
    let (author, approver) =
        (caller(&t.app, "ana", &[Role::Author]).await, caller(&t.app, "boris", &[Role::Approver]).await);
    let id = issue(&t.app, &author, &approver, content("Actual")).await;

    // Web Push: VAPID checked and the payload decrypted by the receiver.
    wait_status(&t, id, "push", "sent").await;
    let records: Value =
        reqwest::get(format!("http://127.0.0.1:{push_port}/records")).await.unwrap().json().await.unwrap();
    let record = &records[0];
    assert!(record["vapidError"].is_null() && record["decryptError"].is_null(), "{record}");
    let payload: Value = serde_json::from_str(record["body"].as_str().unwrap()).unwrap();
    assert_eq!(payload["alertId"], id, "{payload}");
    assert_eq!(payload["language"], "sk");
    assert!(payload["headline"].as_str().unwrap().contains("Povodeň na Dunaji"), "{payload}");
    assert_eq!(payload["url"], format!("http://127.0.0.1/alerts/{id}"));
    assert_eq!(record["urgency"], "high", "an Immediate alert");

    // SMS: the SMSC got the Slovak text in UCS-2, and its receipt marks the delivery delivered.
    let submit = peers.smsc.next("submit_sm").await;
    assert_eq!(submit["destination_addr"], "421900123456");
    assert_eq!(submit["data_coding"], 8, "Slovak needs UCS-2");
    assert!(submit["text"].as_str().unwrap().contains("Povodeň na Dunaji"), "{submit}");
    wait_status(&t, id, "sms", "sent").await;
    let message_id = submit["message_id"].as_str().unwrap().to_owned();
    peers.smsc.command(json!({ "cmd": "receipt", "id": message_id, "stat": "DELIVRD", "err": "000" })).await;
    wait_status(&t, id, "sms", "delivered").await;

    // Email: parsed by Python's email package, with the one-click unsubscribe link.
    wait_status(&t, id, "email", "sent").await;
    let mails = peers.mails();
    let mail = &mails[0];
    assert_eq!(mail["meta"]["rcpt_tos"][0], "jana@levice.example", "{mail}");
    assert!(mail["headers"]["subject"].as_str().unwrap().contains("Povodeň na Dunaji"), "{mail}");
    let unsubscribe = mail["headers"]["list-unsubscribe"].as_str().unwrap();
    assert!(unsubscribe.contains(&format!("/api/v1/unsubscribe?s={}&t=", ids[2])), "{unsubscribe}");

    // A resident's STOP by SMS ends their subscription.
    peers.smsc.command(json!({ "cmd": "mo", "from": "421900123456", "text": "STOP" })).await;
    let mut stopped = false;
    for _ in 0..200 {
        let subs = dispatcher::db::subscriptions::changed_since(
            &mut t.app.db.read().await.unwrap(),
            dispatcher::db::changes::Cursor(0),
        )
        .await
        .unwrap();
        if subs.iter().any(|s| s.id == ids[1] && !s.active) {
            stopped = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(stopped, "STOP unsubscribed the number");
}

#[tokio::test]
async fn an_alert_reaches_residents_on_every_channel_sqlite() {
    every_channel(Backend::Sqlite).await;
}

#[tokio::test]
async fn an_alert_reaches_residents_on_every_channel_postgres() {
    every_channel(Backend::Postgres).await;
}
