//! Residents signing up for SMS and email through the API, with the real peers on loopback: the
//! code is read from what the SMSC and the SMTP server received; nothing else is sent to an
//! address before its code is confirmed; wrong, expired and voided codes; the resend interval
//! and the per-address, per-prefix and country limits (429, nothing sent, nothing stored); a
//! second sign-up of a confirmed address is a claim that changes nothing before its code.

use std::time::{Duration, Instant};

use dispatcher::domain::roles::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::engine::{caller, issue};
use crate::peers::Peers;
use crate::support::{Auth, Backend, Body, Resp, TestApp, content, raw_sql, spawn_with};

/// A sign-up body for an address, at a point inside the test alert's polygon.
pub fn body(channel: &str, address: &str) -> Value {
    json!({
        "channel": channel,
        "address": address,
        "places": [{ "lat": 48.15, "lon": 17.1 }],
        "languages": ["sk"],
        "min_severity": "Minor"
    })
}

/// The first six digits in a text.
pub fn code_in(text: &str) -> String {
    let digits: Vec<char> = text.chars().collect();
    digits
        .windows(6)
        .find(|w| w.iter().all(char::is_ascii_digit))
        .map(|w| w.iter().collect())
        .unwrap_or_else(|| panic!("no code in {text:?}"))
}

/// The code the SMSC got next, checking where it went.
pub async fn sms_code(peers: &mut Peers, number: &str) -> String {
    let submit = peers.smsc.next("submit_sm").await;
    assert_eq!(submit["destination_addr"], number.trim_start_matches('+'), "{submit}");
    code_in(submit["text"].as_str().unwrap())
}

/// The code in the `n`th mail (from 1), waiting for it.
pub async fn mail_code(peers: &Peers, n: usize, to: &str) -> String {
    for _ in 0..200 {
        let mails = peers.mails();
        if let Some(mail) = mails.get(n - 1) {
            assert_eq!(mail["meta"]["rcpt_tos"][0], to, "{mail}");
            return code_in(mail["parts"][0]["text"].as_str().unwrap());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("mail {n} never came");
}

/// Signs up; gives the answer.
pub async fn sign_up(t: &TestApp, body: Value) -> Resp {
    t.post("/api/v1/residents/subscriptions", Auth::None, body).await
}

/// Posts a code.
pub async fn verify(t: &TestApp, id: i64, token: &str, code: &str) -> Resp {
    t.post(&format!("/api/v1/residents/subscriptions/{id}/verify"), Auth::Token(token), json!({ "code": code })).await
}

/// Asks for another code.
pub async fn resend(t: &TestApp, id: i64, token: &str) -> Resp {
    t.call(Method::POST, &format!("/api/v1/residents/subscriptions/{id}/resend"), Auth::Token(token), Body::Empty).await
}

/// The id and token of a 201 answer.
pub fn created(r: &Resp) -> (i64, String) {
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let j = r.json();
    (j["id"].as_i64().unwrap(), j["token"].as_str().unwrap().to_owned())
}

/// Waits until an alert's fan-out is planned.
pub async fn planned(t: &TestApp, alert: i64) {
    for _ in 0..400 {
        let f = dispatcher::db::fanouts::get(&mut t.app.db.read().await.unwrap(), alert).await.unwrap();
        if f.is_some_and(|f| f.state == "done") {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("alert {alert} was never planned");
}

/// The channels an alert has deliveries on.
pub async fn channels_of(t: &TestApp, alert: i64) -> Vec<String> {
    let rows = dispatcher::db::deliveries::summary(&mut t.app.db.read().await.unwrap(), alert).await.unwrap();
    rows.into_iter().map(|c| c.channel).collect()
}

async fn verification_comes_before_delivery(backend: Backend) {
    let Some(mut peers) = Peers::start().await else { return };
    let Some(t) = spawn_with(backend, peers.configure()).await else { return };
    peers.smsc.next("bound").await;
    let r = sign_up(&t, body("sms", "+421 900 111 222")).await;
    let (sms_id, sms_token) = created(&r);
    let j = r.json();
    assert_eq!(j["status"], "pending_verification");
    assert_eq!(j["verification"]["channel"], "sms");
    assert!(j["verification"]["expires_at"].as_str().unwrap().ends_with('Z'), "{j}");
    let sms_code = sms_code(&mut peers, "421900111222").await;
    let (mail_id, mail_token) = created(&sign_up(&t, body("email", "eva@levice.example")).await);
    let mail_code = mail_code(&peers, 1, "eva@levice.example").await;

    let (author, approver) =
        (caller(&t.app, "ana", &[Role::Author]).await, caller(&t.app, "boris", &[Role::Approver]).await);
    let first = issue(&t.app, &author, &approver, content("Actual")).await;
    planned(&t, first).await;
    assert!(channels_of(&t, first).await.is_empty(), "nothing goes to unconfirmed addresses");
    assert!(peers.smsc.none_within("submit_sm", Duration::from_millis(500)).await);
    assert_eq!(peers.mails().len(), 1, "only the code was mailed");

    let wrong = if sms_code == "000000" { "000001" } else { "000000" };
    let r = verify(&t, sms_id, &sms_token, wrong).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!((r.code(), r.json()["field"].clone()), ("API-002".into(), json!("/code")));
    assert!(r.text().contains("4 tries left"), "{}", r.text());
    assert_eq!(verify(&t, mail_id, &sms_token, &mail_code).await.status, StatusCode::NOT_FOUND, "another's token");
    let r = verify(&t, sms_id, &sms_token, &sms_code).await;
    assert_eq!((r.status, r.json()["status"].clone()), (StatusCode::OK, json!("active")), "{}", r.text());
    assert_eq!(verify(&t, mail_id, &mail_token, &mail_code).await.status, StatusCode::OK);

    let second = issue(&t.app, &author, &approver, content("Actual")).await;
    let submit = peers.smsc.next("submit_sm").await;
    assert_eq!(submit["destination_addr"], "421900111222");
    assert!(submit["text"].as_str().unwrap().contains("Povodeň na Dunaji"), "{submit}");
    let deadline = Instant::now() + Duration::from_secs(30);
    let mail = loop {
        if let Some(m) = peers.mails().get(1).cloned() {
            break m;
        }
        assert!(Instant::now() < deadline, "the alert's email did not arrive within 30 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(mail["headers"]["subject"].as_str().unwrap().contains("Povodeň na Dunaji"), "{mail}");
    planned(&t, second).await;
    assert_eq!(channels_of(&t, second).await, ["email", "sms"]);
}

#[tokio::test]
async fn verification_comes_before_delivery_sqlite() {
    verification_comes_before_delivery(Backend::Sqlite).await;
}

#[tokio::test]
async fn verification_comes_before_delivery_postgres() {
    verification_comes_before_delivery(Backend::Postgres).await;
}

async fn wrong_expired_and_voided_codes(backend: Backend) {
    let Some(mut peers) = Peers::start().await else { return };
    let configure = peers.configure();
    let Some(t) = spawn_with(backend, |s| {
        configure(s);
        s.residents.resend_seconds = 0;
        s.residents.codes_per_address_per_hour = 3;
    })
    .await
    else {
        return;
    };
    peers.smsc.next("bound").await;
    let (id, token) = created(&sign_up(&t, body("sms", "+421 905 000 111")).await);
    let first = sms_code(&mut peers, "421905000111").await;
    let wrong = if first == "999999" { "999998" } else { "999999" };
    for left in (1..=4).rev() {
        let r = verify(&t, id, &token, wrong).await;
        assert!(r.text().contains(&format!("{left} tries left")), "{}", r.text());
    }
    let r = verify(&t, id, &token, wrong).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text());
    assert!(!r.header("retry-after").is_empty());
    let r = verify(&t, id, &token, &first).await;
    assert_eq!((r.status, r.code()), (StatusCode::UNPROCESSABLE_ENTITY, "API-019".into()), "void: {}", r.text());

    let r = resend(&t, id, &token).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    assert!(r.json()["resend_after"].is_string());
    let second = sms_code(&mut peers, "421905000111").await;
    raw_sql(&t.app, "UPDATE verification_codes SET expires_ms = 0").await.unwrap();
    let r = verify(&t, id, &token, &second).await;
    assert_eq!(r.code(), "API-019", "expired: {}", r.text());
    assert!(r.text().contains("expired"), "{}", r.text());

    assert_eq!(resend(&t, id, &token).await.status, StatusCode::ACCEPTED);
    let third = sms_code(&mut peers, "421905000111").await;
    let r = resend(&t, id, &token).await;
    assert_eq!((r.status, r.code()), (StatusCode::TOO_MANY_REQUESTS, "API-010".into()), "{}", r.text());
    assert!(r.text().contains("too many codes to this address"), "{}", r.text());
    assert!(peers.smsc.none_within("submit_sm", Duration::from_millis(500)).await, "no fourth code was sent");
    assert_eq!(verify(&t, id, &token, &third).await.status, StatusCode::OK, "the last code still works");
    let r = t.get(&format!("/api/v1/residents/subscriptions/{id}"), Auth::Token(&token)).await;
    assert_eq!((r.json()["status"].clone(), r.json()["address"].clone()), (json!("active"), json!("+421905000111")));
}

#[tokio::test]
async fn wrong_expired_and_voided_codes_sqlite() {
    wrong_expired_and_voided_codes(Backend::Sqlite).await;
}

#[tokio::test]
async fn wrong_expired_and_voided_codes_postgres() {
    wrong_expired_and_voided_codes(Backend::Postgres).await;
}

/// How many subscriptions are stored.
pub async fn subscriptions_stored(t: &TestApp) -> usize {
    dispatcher::db::subscriptions::changed_since(
        &mut t.app.db.read().await.unwrap(),
        dispatcher::db::changes::Cursor(0),
    )
    .await
    .unwrap()
    .len()
}

/// Also: a national number takes the default country code.
async fn resend_interval_prefix_and_country_limits(backend: Backend) {
    let Some(mut peers) = Peers::start().await else { return };
    let configure = peers.configure();
    let Some(t) = spawn_with(backend, |s| {
        configure(s);
        s.residents.codes_per_prefix_per_hour = 2;
        s.residents.sms_countries = vec!["421".into()];
        s.residents.default_country_code = "421".into();
    })
    .await
    else {
        return;
    };
    peers.smsc.next("bound").await;
    let (id, token) = created(&sign_up(&t, body("sms", "+421 900 000 001")).await);
    sms_code(&mut peers, "421900000001").await;
    let r = resend(&t, id, &token).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "within the resend interval: {}", r.text());
    let wait: u64 = r.header("retry-after").parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");

    created(&sign_up(&t, body("sms", "+421 900 000 002")).await);
    sms_code(&mut peers, "421900000002").await;
    let r = sign_up(&t, body("sms", "+421 900 000 003")).await;
    assert_eq!((r.status, r.code()), (StatusCode::TOO_MANY_REQUESTS, "API-010".into()), "{}", r.text());
    assert!(r.text().contains("numbers in this range"), "{}", r.text());
    assert!(!r.header("retry-after").is_empty());
    assert!(peers.smsc.none_within("submit_sm", Duration::from_millis(500)).await, "nothing sent over the limit");
    assert_eq!(subscriptions_stored(&t).await, 2, "nothing stored over the limit");
    created(&sign_up(&t, body("sms", "+421 911 000 003")).await);
    sms_code(&mut peers, "421911000003").await;

    let r = sign_up(&t, body("sms", "+420 601 000 001")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["field"], "/address");
    assert!(r.text().contains("+421"), "the allowed country codes are named: {}", r.text());
    assert_eq!(subscriptions_stored(&t).await, 3);
    created(&sign_up(&t, body("sms", "0905 000 005")).await);
    sms_code(&mut peers, "421905000005").await;
}

#[tokio::test]
async fn resend_interval_prefix_and_country_limits_sqlite() {
    resend_interval_prefix_and_country_limits(Backend::Sqlite).await;
}

#[tokio::test]
async fn resend_interval_prefix_and_country_limits_postgres() {
    resend_interval_prefix_and_country_limits(Backend::Postgres).await;
}

async fn signing_up_a_confirmed_address_again_is_a_claim(backend: Backend) {
    let Some(mut peers) = Peers::start().await else { return };
    let Some(t) = spawn_with(backend, peers.configure()).await else { return };
    peers.smsc.next("bound").await;
    let (id, first) = created(&sign_up(&t, body("sms", "+421 900 222 333")).await);
    let code = sms_code(&mut peers, "421900222333").await;
    assert_eq!(verify(&t, id, &first, &code).await.status, StatusCode::OK);

    let mut again = body("sms", "00421900222333");
    again["languages"] = json!(["en"]);
    again["min_severity"] = json!("Extreme");
    let r = sign_up(&t, again).await;
    let (same, second) = created(&r);
    assert_eq!(same, id);
    assert_eq!(r.json()["status"], "pending_verification", "looks like any sign-up: {}", r.text());
    let code = sms_code(&mut peers, "421900222333").await;
    let path = format!("/api/v1/residents/subscriptions/{id}");
    let own = t.get(&path, Auth::Token(&first)).await.json();
    assert_eq!((own["status"].clone(), own["languages"].clone()), (json!("active"), json!(["sk"])), "unchanged");
    assert_eq!(t.get(&path, Auth::Token(&second)).await.status, StatusCode::NOT_FOUND, "not before the code");
    let wrong = if code == "111111" { "111112" } else { "111111" };
    assert!(verify(&t, id, &second, wrong).await.text().contains("4 tries left"));
    assert_eq!(verify(&t, id, &second, &code).await.status, StatusCode::OK);
    let own = t.get(&path, Auth::Token(&second)).await.json();
    assert_eq!((own["languages"].clone(), own["min_severity"].clone()), (json!(["en"]), json!("Extreme")));
    assert_eq!(own["status"], "active");
    assert_eq!(t.get(&path, Auth::Token(&first)).await.status, StatusCode::NOT_FOUND, "the old token stopped");
}

#[tokio::test]
async fn signing_up_a_confirmed_address_again_is_a_claim_sqlite() {
    signing_up_a_confirmed_address_again_is_a_claim(Backend::Sqlite).await;
}

#[tokio::test]
async fn signing_up_a_confirmed_address_again_is_a_claim_postgres() {
    signing_up_a_confirmed_address_again_is_a_claim(Backend::Postgres).await;
}
