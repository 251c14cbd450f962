//! Channels chosen per alert and the previews of what each channel sends, through the whole
//! server with real peers on loopback (the Web Push receiver that decrypts with Python's
//! http_ece, aiosmtpd parsed by Python's `email` package, the SMSC): new deliveries only on the
//! chosen channels, corrections still reaching everyone reached before, wrong names refused,
//! reach and previews reflecting the choice, and the previews equal to what the peers received.

use std::time::Duration;

use dispatcher::domain::roles::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::devices::register;
use crate::lifecycle::approve_and_issue;
use crate::peers::Peers;
use crate::support::{Auth, Backend, Session, TestApp, content, spawn_with};

/// Delivery rows of an alert by channel.
async fn channels_of(t: &TestApp, id: i64) -> Vec<String> {
    let rows = dispatcher::db::deliveries::summary(&mut t.app.db.read().await.unwrap(), id).await.unwrap();
    let mut out: Vec<String> = rows.into_iter().map(|c| c.channel).collect();
    out.sort();
    out.dedup();
    out
}

/// Waits until the alert has deliveries on exactly `want` (planning is done then) and the
/// push and email ones among them are sent.
async fn wait_planned(t: &TestApp, id: i64, want: &[&str]) {
    for _ in 0..400 {
        // Both from one reading: a count of sent taken before planning began (no rows: all
        // "sent") and a list of channels taken after would let this return too early.
        let rows = dispatcher::db::deliveries::summary(&mut t.app.db.read().await.unwrap(), id).await.unwrap();
        let mut channels: Vec<&str> = rows.iter().map(|c| c.channel.as_str()).collect();
        channels.sort_unstable();
        channels.dedup();
        let planned = channels == want;
        let sent = rows.iter().filter(|c| c.channel == "push" || c.channel == "email").all(|c| c.status == "sent");
        if planned && sent {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("alert {id} never had {want:?} sent: {:?}", channels_of(t, id).await);
}

async fn create(t: &TestApp, author: &Session, c: Value) -> reqwest::StatusCode {
    t.post("/api/v1/alerts", Auth::Session(author), json!({ "content": c })).await.status
}

async fn count(t: &TestApp, author: &Session) -> usize {
    t.get("/api/v1/alerts", Auth::Session(author)).await.json().as_array().map_or(0, Vec::len)
}

async fn chosen_channels(backend: Backend) {
    let Some(mut peers) = Peers::start().await else { return };
    let Some(t) = spawn_with(backend, peers.configure()).await else { return };
    let push_port = peers.push_port;
    peers.smsc.next("bound").await;
    crate::residents::one_on_each(&t, push_port).await;
    let op = t.user("olga", &[Role::Operator]).await;
    let author = t.user("ana", &[Role::Author]).await;
    let approver = t.user("boris", &[Role::Approver]).await;
    register(
        &t,
        &op,
        json!({ "kind": "siren", "name": "Siréna", "lat": 48.15, "lon": 17.1, "capabilities": ["tones"] }),
    )
    .await;
    register(&t, &op, json!({ "kind": "display", "name": "Námestie", "lat": 48.15, "lon": 17.1 })).await;

    // A wrong name is refused, naming the field, the value and the channels; nothing is stored.
    let mut c = content("Actual");
    c["channels"] = json!(["push", "fax"]);
    let r = t.post("/api/v1/alerts", Auth::Session(&author), json!({ "content": c })).await;
    assert_eq!((r.status, r.json()["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("/channels/1")));
    let detail = r.json()["detail"].as_str().unwrap().to_owned();
    assert!(detail.contains("\"fax\"") && detail.contains("push, sms, email"), "{detail}");
    assert_eq!(count(&t, &author).await, 0, "nothing was stored");

    c["channels"] = json!(["push", "email", "siren"]);
    assert_eq!(create(&t, &author, c.clone()).await, StatusCode::CREATED);
    let draft = t.get("/api/v1/alerts", Auth::Session(&author)).await.json()[0].clone();
    let id = draft["id"].as_i64().unwrap();
    let view = t.get(&format!("/api/v1/alerts/{id}"), Auth::Session(&author)).await.json();
    assert_eq!(view["content"]["channels"], json!(["push", "email", "siren"]));

    // An edit with a wrong name changes nothing.
    let mut bad = c.clone();
    bad["channels"] = json!(["sirens"]);
    let r = t
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/alerts/{id}"),
            Auth::Session(&author),
            crate::support::Body::Json(json!({ "version": view["version"], "content": bad })),
        )
        .await;
    assert_eq!((r.status, r.json()["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("/channels/0")));
    let again = t.get(&format!("/api/v1/alerts/{id}"), Auth::Session(&author)).await.json();
    assert_eq!(
        (again["version"].clone(), again["content"].clone()),
        (view["version"].clone(), view["content"].clone())
    );

    // The CAP carries the choice, the reach counts only the chosen channels.
    let xml = t.get(&format!("/api/v1/alerts/{id}/preview"), Auth::Session(&author)).await.text();
    assert!(xml.contains("<valueName>TOCSIN_CHANNELS</valueName>"), "{xml}");
    assert!(xml.contains("<value>push,email,siren</value>"), "{xml}");
    let reach = t.get(&format!("/api/v1/alerts/{id}/reach"), Auth::Session(&author)).await.json();
    let subs = &reach["subscriptions"];
    assert_eq!((&subs["push"], &subs["sms"], &subs["email"]), (&json!(1), &json!(0), &json!(1)), "{reach}");
    assert_eq!(reach["sms"], json!([]), "no SMS when SMS is not chosen");
    assert_eq!((reach["sirens"].as_u64(), reach["displays"].as_u64()), (Some(1), Some(0)), "{reach}");
    assert_eq!(reach["channels"], json!(["push", "email", "siren"]), "{reach}");
    // The tests' in-memory channel runs too, so it can be chosen and is left out here.
    assert_eq!(reach["notChosen"], json!(["sms", "display", "webhook", "memory"]), "{reach}");

    // The draft's previews: only the chosen channels.
    let p = t.get(&format!("/api/v1/alerts/{id}/previews"), Auth::Session(&approver)).await.json();
    assert_eq!(p["channels"], json!(["push", "email", "siren"]), "{p}");
    let sk = &p["languages"][0];
    assert_eq!(sk["language"], "sk");
    assert!(sk["sms"].is_null() && p["display"].is_null(), "{p}");
    assert!(sk["push"]["payload"]["headline"].as_str().unwrap().contains("Povodeň na Dunaji"), "{p}");
    assert_eq!(p["siren"]["signal"]["code"], p["siren"]["command"]["signal"]["code"], "{p}");

    let r = t
        .post(&format!("/api/v1/alerts/{id}/submit"), Auth::Session(&author), json!({ "confirm": ["no-recipients"] }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    approve_and_issue(&t, &approver, &r.json()).await;
    wait_planned(&t, id, &["email", "push", "siren"]).await;

    // The issued alert's previews equal what the peers received.
    let p = t.get(&format!("/api/v1/alerts/{id}/previews"), Auth::Session(&approver)).await.json();
    let sk = &p["languages"][0];
    let records: Value =
        reqwest::get(format!("http://127.0.0.1:{push_port}/records")).await.unwrap().json().await.unwrap();
    let record = &records[0];
    assert!(record["vapidError"].is_null() && record["decryptError"].is_null(), "{record}");
    let received: Value = serde_json::from_str(record["body"].as_str().unwrap()).unwrap();
    assert_eq!(received, sk["push"]["payload"], "the push preview is the payload the phone decrypted");
    assert_eq!(record["urgency"], sk["push"]["urgency"]);
    assert_eq!(record["topic"], sk["push"]["topic"]);
    let mut mails = peers.mails();
    for _ in 0..200 {
        if !mails.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        mails = peers.mails();
    }
    let mail = mails.first().expect("the alert's email arrived within 20 s");
    assert_eq!(mail["headers"]["subject"], sk["email"]["subject"], "{mail}");
    let text = |m: &Value| {
        let part = m["parts"].as_array().unwrap().iter().find(|p| p["content_type"] == "text/plain").unwrap().clone();
        part["text"].as_str().unwrap().replace("\r\n", "\n")
    };
    // Each email ends with its recipient's own unsubscribe link; the rest is the preview's.
    let cut = |s: &str| s.split("\n----------------------------------------\n").next().unwrap_or_default().to_owned();
    let preview_text = sk["email"]["text"].as_str().unwrap();
    assert_eq!(cut(&text(mail)), cut(preview_text), "{mail}");
    assert!(preview_text.contains(sk["email"]["unsubscribeUrl"].as_str().unwrap()));

    // An Update for email only still reaches the push subscriber and the siren the alert reached.
    let mut update = c.clone();
    update["channels"] = json!(["email"]);
    update["infos"][0]["headline"] = json!("Povodeň na Dunaji: hladina klesá");
    let r = t.post(&format!("/api/v1/alerts/{id}/update"), Auth::Session(&author), json!({ "content": update })).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let update = approve_and_issue(&t, &approver, &r.json()).await;
    let update_id = update["id"].as_i64().unwrap();
    wait_planned(&t, update_id, &["email", "push", "siren"]).await;
    let reach = t.get(&format!("/api/v1/alerts/{update_id}/reach"), Auth::Session(&author)).await.json();
    assert_eq!(reach["channels"], json!(["email"]), "{reach}");
}

/// An Update asks for the same confirmations as submitting: an area far beyond the territory,
/// and nobody reached when the earlier messages reached nobody either. Refused, it stores nothing.
async fn update_confirmations(backend: Backend) {
    let Some(t) = spawn_with(backend, |s| s.fanout.territory_km2 = 10.0).await else { return };
    let author = t.user("ana", &[Role::Author]).await;
    let approver = t.user("boris", &[Role::Approver]).await;
    let both = json!(["no-recipients", "outside-territory"]);
    let r = t.post("/api/v1/alerts", Auth::Session(&author), json!({ "content": content("Actual") })).await;
    let id = r.json()["id"].as_i64().unwrap();
    let submit = format!("/api/v1/alerts/{id}/submit");
    let r = t.post(&submit, Auth::Session(&author), json!({ "confirm": ["no-recipients"] })).await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::CONFLICT, "API-018"), "{}", r.text());
    let r = t.post(&submit, Auth::Session(&author), json!({ "confirm": both })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    approve_and_issue(&t, &approver, &r.json()).await;
    let before = count(&t, &author).await;

    let update = format!("/api/v1/alerts/{id}/update");
    for confirm in [json!([]), json!(["no-recipients"])] {
        let r =
            t.post(&update, Auth::Session(&author), json!({ "content": content("Actual"), "confirm": confirm })).await;
        assert_eq!((r.status, r.code().as_str()), (StatusCode::CONFLICT, "API-018"), "{}", r.text());
        assert_eq!(r.json()["field"], "/confirm");
        assert!(r.json()["detail"].as_str().unwrap().contains("outside-territory"), "{}", r.text());
    }
    let r = t.post(&update, Auth::Session(&author), json!({ "confirm": ["outside-territory"] })).await;
    assert!(r.json()["detail"].as_str().unwrap().contains("no-recipients"), "{}", r.text());
    assert_eq!(count(&t, &author).await, before, "nothing was stored");
    let r = t.post(&update, Auth::Session(&author), json!({ "confirm": both })).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
}

#[tokio::test]
async fn an_update_asks_the_confirmations_submitting_asks_sqlite() {
    update_confirmations(Backend::Sqlite).await;
}

#[tokio::test]
async fn an_update_asks_the_confirmations_submitting_asks_postgres() {
    update_confirmations(Backend::Postgres).await;
}

#[tokio::test]
async fn chosen_channels_and_their_previews_sqlite() {
    chosen_channels(Backend::Sqlite).await;
}

#[tokio::test]
async fn chosen_channels_and_their_previews_postgres() {
    chosen_channels(Backend::Postgres).await;
}
