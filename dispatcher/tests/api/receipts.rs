//! What the dispatcher does with channel events and residents' stop requests, on both
//! backends: receipts move sent deliveries (also when they arrive before the send is recorded),
//! SMS `STOP` and the one-click email link unsubscribe and are audited, the VAPID key is made
//! once and served, channel health is listed, addresses are checked, and the reach estimate
//! shows the SMS encoding and segments.

use cap_alerts::model::Severity;
use channels::{Event, Outcome};
use dispatcher::db::deliveries;
use dispatcher::domain::roles::Role;
use dispatcher::domain::subscriptions::{self, Place, Subscription};
use dispatcher::fanout::{events, worker};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::engine::{caller, issue, plan_all, statuses, subscribe};
use crate::support::{Auth, Body, TestApp, content};
use crate::{on_both, on_both_quiet};

fn resident(channel: &str, address: &str) -> Subscription {
    Subscription {
        channel: channel.into(),
        address: address.into(),
        languages: vec!["sk".into(), "en".into()],
        min_severity: Severity::Minor,
        exercises: true,
        tests: false,
        verified: true,
        places: vec![Place::Point { lat: 48.15, lon: 17.1 }],
    }
}

async fn active(t: &TestApp, id: i64) -> bool {
    let infos = dispatcher::db::subscriptions::changed_since(
        &mut t.app.db.read().await.unwrap(),
        dispatcher::db::changes::Cursor(0),
    )
    .await
    .unwrap();
    infos.iter().find(|s| s.id == id).unwrap().active
}

on_both_quiet!(receipts_move_sent_deliveries_even_when_early, |t: TestApp| async move {
    let (author, approver) =
        (caller(&t.app, "ana", &[Role::Author]).await, caller(&t.app, "boris", &[Role::Approver]).await);
    subscribe(&t.app, &["r1", "r2"], false).await;
    t.memory.script("r1", vec![Outcome::Sent { provider_id: Some("msg-1".into()) }]);
    t.memory.script("r2", vec![Outcome::Sent { provider_id: Some("msg-2".into()) }]);
    let id = issue(&t.app, &author, &approver, content("Actual")).await;
    plan_all(&t.app).await;
    // The receipt of msg-2 arrives before its send is recorded: it waits.
    let early =
        Event::Receipt { channel: "memory", provider_id: "msg-2".into(), delivered: false, detail: "UNDELIV".into() };
    events::handle(&t.app, &early).await.unwrap();
    assert_eq!(events::apply_waiting(&t.app).await.unwrap(), 0, "nothing to apply it to yet");
    assert_eq!(worker::drain_once(&t.app, &t.memory_rt, 10).await.unwrap(), 2);
    assert_eq!(statuses(&t.app, id).await, ["sent", "sent"]);
    let on_time =
        Event::Receipt { channel: "memory", provider_id: "msg-1".into(), delivered: true, detail: "DELIVRD".into() };
    events::handle(&t.app, &on_time).await.unwrap();
    // A receipt for another channel's id does not touch this channel's delivery.
    let other =
        Event::Receipt { channel: "sms", provider_id: "msg-1".into(), delivered: false, detail: "UNDELIV".into() };
    events::handle(&t.app, &other).await.unwrap();
    assert_eq!(events::apply_waiting(&t.app).await.unwrap(), 1, "the early receipt applies now");
    let rows = deliveries::list(&mut t.app.db.read().await.unwrap(), id, None, None, 0, 10).await.unwrap();
    let by_provider = |p: &str| rows.iter().find(|r| r.provider_id.as_deref() == Some(p)).unwrap();
    assert_eq!(by_provider("msg-1").status, "delivered");
    assert_eq!(by_provider("msg-2").status, "failed");
    assert!(by_provider("msg-2").last_error.as_deref().unwrap().contains("UNDELIV"));
    assert_eq!(events::apply_waiting(&t.app).await.unwrap(), 0, "applied receipts are gone; the sms one waits");
});

on_both!(sms_stop_unsubscribes_and_is_audited, |t: TestApp| async move {
    let ids = subscriptions::add(&t.app, &[resident("sms", "+421 900 123 456"), resident("sms", "+421900999888")])
        .await
        .unwrap();
    let hello = Event::Inbound { channel: "sms", from: "+421900123456".into(), text: "hello".into() };
    events::handle(&t.app, &hello).await.unwrap();
    assert!(active(&t, ids[0]).await, "only a stop word stops");
    let stop = Event::Inbound { channel: "sms", from: "+421900123456".into(), text: " stop ".into() };
    events::handle(&t.app, &stop).await.unwrap();
    assert!(!active(&t, ids[0]).await, "STOP from the number unsubscribes it");
    assert!(active(&t, ids[1]).await, "and nobody else");
    let auditor = t.user("audrey", &[Role::Auditor]).await;
    let log = t.get("/api/v1/audit", Auth::Session(&auditor)).await.text();
    assert!(log.contains("subscription.unsubscribe") && log.contains(&format!("subscription:{}", ids[0])), "{log}");
    assert!(!log.contains("900123456"), "the number is not in the audit log");
});

on_both!(the_unsubscribe_link_needs_its_token_and_a_post, |t: TestApp| async move {
    let id = subscriptions::add(&t.app, &[resident("email", "jana@example.org")]).await.unwrap()[0];
    let url = subscriptions::unsubscribe_url(&t.app, id);
    let path = url.strip_prefix(&t.app.settings.server.public_url).unwrap().to_owned();
    let page = t.get(&path, Auth::None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("<form method=\"post\""), "{}", page.text());
    assert!(active(&t, id).await, "a GET (a mail scanner) does not unsubscribe");
    let forged = t.call(Method::POST, &format!("/api/v1/unsubscribe?s={id}&t=forged"), Auth::None, Body::Empty).await;
    assert_eq!(forged.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", forged.text());
    assert!(active(&t, id).await);
    let one_click = t
        .call(
            Method::POST,
            &path,
            Auth::None,
            Body::Raw("application/x-www-form-urlencoded", b"List-Unsubscribe=One-Click".to_vec()),
        )
        .await;
    assert_eq!(one_click.status, StatusCode::OK, "{}", one_click.text());
    assert!(!active(&t, id).await, "RFC 8058 one-click unsubscribes");
});

on_both!(addresses_are_checked_per_channel, |t: TestApp| async move {
    for (channel, address, field) in [
        ("sms", "0900 123 456", "/1/address"),
        ("email", "not an address", "/1/address"),
        (
            "push",
            r#"{"endpoint":"http://push.example/x","keys":{"p256dh":"AAAA","auth":"AAAA"}}"#,
            "/1/address/endpoint",
        ),
    ] {
        let e = subscriptions::add(&t.app, &[resident("sms", "+421900000001"), resident(channel, address)])
            .await
            .unwrap_err();
        assert!(format!("{e:?}").contains(field), "{channel}: {e:?}");
    }
    let n = dispatcher::db::subscriptions::changed_since(
        &mut t.app.db.read().await.unwrap(),
        dispatcher::db::changes::Cursor(0),
    )
    .await
    .unwrap()
    .len();
    assert_eq!(n, 0, "a refused batch adds nothing");
});

on_both!(the_vapid_key_is_made_once_and_served_to_anyone, |t: TestApp| async move {
    let a = t.get("/api/v1/push/vapid-public-key", Auth::None).await;
    assert_eq!(a.status, StatusCode::OK);
    let key = a.json()["publicKey"].as_str().unwrap().to_owned();
    use base64::Engine as _;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&key).unwrap();
    assert_eq!((raw.len(), raw[0]), (65, 4), "an uncompressed P-256 point");
    // Another instance on the same database (same secret key) serves the same key.
    let other = dispatcher::app::App::open(t.app.settings.clone()).await.unwrap();
    assert_eq!(dispatcher::domain::push::vapid_public_key(&other).await.unwrap(), key);
    assert_eq!(dispatcher::domain::push::vapid_key(&other).await.unwrap().public_key(), key);
});

on_both!(operators_see_each_channels_health, |t: TestApp| async move {
    let op = t.user("olga", &[Role::Operator]).await;
    let author = t.user("ana", &[Role::Author]).await;
    assert_eq!(t.get("/api/v1/channels", Auth::Session(&author)).await.status, StatusCode::FORBIDDEN);
    let list = t.get("/api/v1/channels", Auth::Session(&op)).await.json();
    let names: Vec<&str> = list.as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"push") && names.contains(&"webhook"), "{list}");
    for c in list.as_array().unwrap() {
        assert!(["up", "degraded", "down"].contains(&c["state"].as_str().unwrap()), "{c}");
    }
});

on_both!(the_reach_estimate_shows_sms_segments, |t: TestApp| async move {
    let author = t.user("ana", &[Role::Author]).await;
    let r = t.post("/api/v1/alerts", Auth::Session(&author), json!({ "content": content("Actual") })).await;
    let id = r.json()["id"].as_i64().unwrap();
    let reach = t.get(&format!("/api/v1/alerts/{id}/reach"), Auth::Session(&author)).await.json();
    let sms = &reach["sms"][0];
    assert_eq!(sms["language"], "sk", "{reach}");
    assert!(["gsm7", "ucs2"].contains(&sms["encoding"].as_str().unwrap()), "{reach}");
    assert!(sms["segments"].as_u64().unwrap() >= 1);
    assert!(sms["text"].as_str().unwrap().contains(&format!("/alerts/{id}")), "{reach}");
});

async fn gateway_callbacks(backend: crate::support::Backend) {
    let Some(t) = crate::support::spawn_quiet(backend, |s| {
        s.channels.sms.enabled = true;
        s.channels.sms.provider = "http".into();
        s.channels.sms.http.url = "http://127.0.0.1:9/send".into();
        s.channels.sms.http.callback_token = dispatcher::config::Secret::new("gateway-secret");
    })
    .await
    else {
        return;
    };
    // The quiet app runs no engine; the channels are built as at start.
    let runtimes = dispatcher::fanout::configured_channels(&t.app).await.unwrap();
    assert!(runtimes.iter().any(|r| r.channel.name() == "sms"));
    let status = json!({ "id": "gw-77", "status": "delivered" });
    for token in ["", "wrong"] {
        let r = t.call(Method::POST, "/api/v1/sms/status", Auth::Token(token), Body::Json(status.clone())).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{token:?}: {}", r.text());
    }
    let r = t.call(Method::POST, "/api/v1/sms/status", Auth::Token("gateway-secret"), Body::Json(status)).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    let waiting = dispatcher::db::receipts::waiting(&mut t.app.db.read().await.unwrap(), 10).await.unwrap();
    assert_eq!(waiting.len(), 1, "the receipt waits for its delivery");
    assert_eq!(
        (waiting[0].channel.as_str(), waiting[0].provider_id.as_str(), waiting[0].delivered),
        ("sms", "gw-77", true)
    );
}

#[tokio::test]
async fn gateway_status_callbacks_need_the_token_sqlite() {
    gateway_callbacks(crate::support::Backend::Sqlite).await;
}

#[tokio::test]
async fn gateway_status_callbacks_need_the_token_postgres() {
    gateway_callbacks(crate::support::Backend::Postgres).await;
}
