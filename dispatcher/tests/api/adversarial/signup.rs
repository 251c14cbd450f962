//! Residents' sign-ups under attack (issue 18, items 9 and 11): an SMS-pumping burst from a few
//! networks and number prefixes that must leave room for everyone else, numbers abroad, an
//! IPv6 /64 posing as many clients, a mobile operator's NAT after a warning on TV, and a push
//! endpoint signed up again to take its subscription over.
//!
//! The server trusts 127.0.0.1 as a proxy, so each request says its client address in
//! `X-Forwarded-For`, as a reverse proxy in front of Tocsin would.

use dispatcher::config::{Secret, Settings};
use futures_util::StreamExt as _;
use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::peers::Peers;
use crate::resident_data::push;
use crate::signup::{body, mail_code};
use crate::support::{Auth, Backend, Receiver, Resp, TestApp, raw_sql, spawn_with};

/// Runs a scenario on SQLite and on PostgreSQL, as `<scenario>::sqlite` and `::postgres`.
macro_rules! on_both_backends {
    ($scenario:ident) => {
        mod $scenario {
            #[tokio::test]
            async fn sqlite() {
                super::$scenario(crate::support::Backend::Sqlite).await;
            }
            #[tokio::test]
            async fn postgres() {
                super::$scenario(crate::support::Backend::Postgres).await;
            }
        }
    };
}

/// Signs up as a client at `ip`.
async fn sign_up_from(t: &TestApp, ip: &str, body: Value) -> Resp {
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/residents/subscriptions", t.base))
        .header("x-forwarded-for", ip)
        .json(&body)
        .send()
        .await
        .unwrap();
    let (status, headers) = (r.status(), r.headers().clone());
    Resp { status, headers, body: r.bytes().await.unwrap().to_vec() }
}

/// SMS through an HTTP gateway on loopback (the real `http` provider), client addresses from
/// `X-Forwarded-For`.
fn gateway_and_proxy(s: &mut Settings, gateway: &Receiver) {
    s.server.trusted_proxies = vec!["127.0.0.1".into()];
    s.channels.sms.enabled = true;
    s.channels.sms.provider = "http".into();
    s.channels.sms.http.url = format!("{}/send", gateway.url);
    s.channels.sms.http.callback_token = Secret::new("gateway-secret");
}

/// Starts a server with SMS through `gateway`, behind the proxy, with `adjust` applied.
async fn serve(backend: Backend, gateway: &Receiver, adjust: impl FnOnce(&mut Settings)) -> Option<TestApp> {
    spawn_with(backend, |s| {
        gateway_and_proxy(s, gateway);
        adjust(s);
    })
    .await
}

/// The code the gateway was asked to send to `number` (E.164), if it was.
fn code_sent_to(gateway: &Receiver, number: &str) -> Option<String> {
    gateway.received().iter().find_map(|r| {
        let sent: Value = serde_json::from_slice(&r.body).ok()?;
        (sent["to"].as_str()?.trim_start_matches('+') == number.trim_start_matches('+'))
            .then(|| crate::signup::code_in(sent["text"].as_str().unwrap_or_default()))
    })
}

/// Runs sign-ups 32 at a time: residents after a warning on TV arrive over minutes, not in one
/// millisecond, and 300 connections opened at once overflow the test server's listen queue.
async fn in_waves(requests: impl Iterator<Item = impl std::future::Future<Output = Resp>>) -> Vec<Resp> {
    futures_util::stream::iter(requests).buffer_unordered(32).collect().await
}

/// Checks that `n` answers all said 201, showing the first that did not.
fn all_created(answers: &[Resp], n: usize) {
    let refused = answers.iter().find(|r| r.status != StatusCode::CREATED).map(Resp::text);
    assert_eq!(count(answers, StatusCode::CREATED), n, "{refused:?}");
}

fn count(answers: &[Resp], status: StatusCode) -> usize {
    answers.iter().filter(|r| r.status == status).count()
}

/// Item 9: 90 sign-ups at once to numbers in three ranges, from three IPv6 /64s (a new address
/// for each request) and one IPv4 address, spend what they can of a total of 50 SMS codes an
/// hour (40 open, 10 kept in reserve). Then a resident on another network still gets an SMS
/// code, email sign-ups are not refused, and a resident behind the attacker's IPv4 address
/// still signs up for Web Push.
async fn an_sms_burst_leaves_room_for_everyone_else(backend: Backend) {
    let Some(peers) = Peers::start().await else { return };
    let gateway = Receiver::start().await;
    let configure = peers.configure();
    let Some(t) = spawn_with(backend, |s| {
        configure(s);
        gateway_and_proxy(s, &gateway);
        s.residents.sms_codes_per_hour = 50;
    })
    .await
    else {
        return;
    };
    let burst = (0..90).map(|i| {
        let from = if i % 9 == 8 { "192.0.2.10".to_owned() } else { format!("2001:db8:a:{}::{i:x}", i % 3) };
        let number = format!("+421 90{} {:06}", i % 3, 100 + i);
        let t = &t;
        async move { sign_up_from(t, &from, body("sms", &number)).await }
    });
    let answers = join_all(burst).await;
    let sent = count(&answers, StatusCode::CREATED);
    assert!(sent <= 40, "{sent} of 90 codes were sent; the open part of the total is 40");
    assert_eq!(sent + count(&answers, StatusCode::TOO_MANY_REQUESTS), 90, "only 201 or 429");
    // More from the same ranges, even from a new network, find the reserve closed to them.
    let r = sign_up_from(&t, "198.51.100.99", body("sms", "+421 900 999 001")).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "a pumped range is not fresh: {}", r.text());

    let r = sign_up_from(&t, "198.51.100.7", body("sms", "+421 915 123 456")).await;
    assert_eq!(r.status, StatusCode::CREATED, "a resident on another network gets a code: {}", r.text());
    let (id, token) = crate::signup::created(&r);
    let code = code_sent_to(&gateway, "421915123456").expect("the resident's code reached the gateway");
    let r = crate::signup::verify(&t, id, &token, &code).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());

    let r = sign_up_from(&t, "2001:db8:c::1", body("email", "eva@levice.example")).await;
    assert_eq!(r.status, StatusCode::CREATED, "email sign-ups are not refused: {}", r.text());
    mail_code(&peers, 1, "eva@levice.example").await;
    let r = sign_up_from(&t, "192.0.2.10", push("behind-the-attackers-nat")).await;
    assert_eq!(r.status, StatusCode::CREATED, "Web Push from the attacker's network: {}", r.text());
}

on_both_backends!(an_sms_burst_leaves_room_for_everyone_else);

/// Item 9: by default, SMS codes go to the instance's own country only (Slovakia, 421, here),
/// and `["*"]` opens every country.
async fn numbers_abroad_are_refused_by_default(backend: Backend) {
    let gateway = Receiver::start().await;
    let own_country = |s: &mut Settings| {
        s.residents.default_country_code = "421".into();
        s.residents.sms_countries = dispatcher::config::Residents::default().sms_countries;
    };
    let Some(t) = serve(backend, &gateway, own_country).await else { return };
    for abroad in ["+44 7700 900123", "+1 202 555 0143", "+421900000001"] {
        let r = sign_up_from(&t, "198.51.100.1", body("sms", abroad)).await;
        if abroad.starts_with("+421") {
            assert_eq!(r.status, StatusCode::CREATED, "the own country: {}", r.text());
            continue;
        }
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{abroad}: {}", r.text());
        assert_eq!((r.code(), r.json()["field"].clone()), ("API-002".into(), json!("/address")));
        assert!(r.text().contains("+421"), "names the countries allowed: {}", r.text());
    }
    assert!(code_sent_to(&gateway, "447700900123").is_none(), "nothing went abroad");
    let gateway = Receiver::start().await;
    let Some(t) = serve(backend, &gateway, |s| s.residents.sms_countries = vec!["*".into()]).await else { return };
    let r = sign_up_from(&t, "198.51.100.1", body("sms", "+44 7700 900123")).await;
    assert_eq!(r.status, StatusCode::CREATED, "opened on purpose: {}", r.text());
}

on_both_backends!(numbers_abroad_are_refused_by_default);

/// Item 9: a client that changes its IPv6 address for every request within its /64 is one
/// network, for codes and for Web Push sign-ups alike; the next /64 is another.
async fn one_slash_64_is_one_network(backend: Backend) {
    let gateway = Receiver::start().await;
    let three = |s: &mut Settings| {
        s.residents.codes_per_network_per_hour = 3;
        s.residents.push_signups_per_network_per_hour = 3;
    };
    let Some(t) = serve(backend, &gateway, three).await else { return };
    for i in 1..=4u32 {
        let from = format!("2001:db8:5:6:{i:x}::{i:x}");
        let sms = sign_up_from(&t, &from, body("sms", &format!("+421 90{i} 000 111"))).await;
        let web = sign_up_from(&t, &from, push(&format!("browser-{i}"))).await;
        let expected = if i <= 3 { StatusCode::CREATED } else { StatusCode::TOO_MANY_REQUESTS };
        assert_eq!((sms.status, web.status), (expected, expected), "request {i}: {} {}", sms.text(), web.text());
    }
    let r = sign_up_from(&t, "2001:db8:5:7::1", body("sms", "+421 905 000 111")).await;
    assert_eq!(r.status, StatusCode::CREATED, "the next /64 is another network: {}", r.text());
}

on_both_backends!(one_slash_64_is_one_network);

/// Item 9: after a warning on TV, residents behind one mobile operator's NAT address sign up
/// at once with the default limits: 300 by Web Push and 60 by SMS (numbers in three of the
/// operator's ranges) all succeed; one more of either is refused, so the address still
/// cannot spend without bound.
async fn residents_behind_one_nat_address_sign_up(backend: Backend) {
    let gateway = Receiver::start().await;
    let Some(t) = serve(backend, &gateway, |_| {}).await else { return };
    let nat = "100.64.0.1";
    let t = &t;
    let pushes = (0..300).map(|i| async move { sign_up_from(t, nat, push(&format!("resident-{i}"))).await });
    let answers = in_waves(pushes).await;
    all_created(&answers, 300);
    let texts = (0..60).map(|i| async move {
        let number = format!("+421 9{} {:06}", [0, 10, 48][i % 3], 200 + i);
        sign_up_from(t, nat, body("sms", &number)).await
    });
    let answers = in_waves(texts).await;
    all_created(&answers, 60);
    let r = sign_up_from(t, nat, push("one-too-many")).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text());
    let r = sign_up_from(t, nat, body("sms", "+421 905 999 999")).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text());
    assert!(r.text().contains("this network"), "{}", r.text());
}

on_both_backends!(residents_behind_one_nat_address_sign_up);

/// Item 11: whoever learns a browser's push endpoint signs it up again. They get 409 and no
/// token; the resident's token still manages the subscription, with its places and languages
/// as they were. A subscription that was stopped (its browser gone) may be started again.
async fn a_known_push_endpoint_does_not_take_a_subscription_over(backend: Backend) {
    let Some(t) = spawn_with(backend, |s| s.server.trusted_proxies = vec!["127.0.0.1".into()]).await else { return };
    let r = sign_up_from(&t, "198.51.100.1", push("residents-phone")).await;
    let (id, token) = crate::signup::created(&r);
    let path = format!("/api/v1/residents/subscriptions/{id}");
    let before = t.get(&path, Auth::Token(&token)).await.json();

    let mut stolen = push("residents-phone");
    stolen["places"] = json!([{ "lat": 48.3, "lon": 18.1 }]);
    stolen["languages"] = json!(["en"]);
    let r = sign_up_from(&t, "203.0.113.66", stolen.clone()).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "API-022".into()), "{}", r.text());
    assert_eq!(r.json()["field"], "/subscription");
    assert!(r.json()["token"].is_null(), "no token handed over: {}", r.text());
    let after = t.get(&path, Auth::Token(&token)).await;
    assert_eq!(after.status, StatusCode::OK, "the resident's token still works: {}", after.text());
    assert_eq!(after.json(), before, "nothing changed");

    raw_sql(&t.app, "UPDATE subscriptions SET active = FALSE").await.unwrap();
    let r = sign_up_from(&t, "198.51.100.1", push("residents-phone")).await;
    let (again, _) = crate::signup::created(&r);
    assert_eq!(again, id, "a stopped subscription starts again");
}

on_both_backends!(a_known_push_endpoint_does_not_take_a_subscription_over);
