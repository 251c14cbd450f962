//! The fan-out engine, driven step by step with the in-memory channel (a test double of a
//! channel is right here: the engine's own logic is under test): priority, retries and
//! backoff, Retry-After, permanent failure and gone addresses, fencing, cancels, expiry.

use std::time::Duration;

use cap_alerts::model::Severity;
use channels::Outcome;
use dispatcher::app::App;
use dispatcher::db::deliveries::{self, Completion};
use dispatcher::db::now_ms;
use dispatcher::domain::accounts;
use dispatcher::domain::alerts::corrections;
use dispatcher::domain::alerts::lifecycle::{self, CreateRequest};
use dispatcher::domain::alerts::phrases::Correction;
use dispatcher::domain::audit::Actor;
use dispatcher::domain::caller::{Caller, Via};
use dispatcher::domain::roles::Role;
use dispatcher::domain::subscriptions::{self, Place, Subscription};
use dispatcher::fanout::{planner, worker};
use serde_json::{Value, json};

use crate::support::{TestApp, content, raw_sql};

pub async fn caller(app: &App, name: &str, roles: &[Role]) -> Caller {
    let (u, _) =
        accounts::add(app, &Actor::System, "test", name, name, roles, Some("a long enough password")).await.unwrap();
    let via = Via::Session {
        id_hash: "x".into(),
        csrf: "x".into(),
        second_factor: true,
        must_change_password: false,
        expires_ms: i64::MAX,
    };
    Caller { actor: Actor::User { id: u.id, username: u.username }, roles: roles.to_vec(), address: "test".into(), via }
}

/// Subscribes memory recipients `key` at a point inside the test polygon.
pub async fn subscribe(app: &App, keys: &[&str], tests: bool) -> Vec<i64> {
    let subs: Vec<Subscription> = keys.iter().map(|k| memory_subscription(k, tests, 48.15, 17.1)).collect();
    subscriptions::add(app, &subs).await.unwrap()
}

/// A verified memory-channel subscription at one point, wanting exercises (and tests if asked).
pub fn memory_subscription(key: &str, tests: bool, lat: f64, lon: f64) -> Subscription {
    Subscription {
        channel: "memory".into(),
        address: key.to_owned(),
        languages: vec!["sk".into()],
        min_severity: Severity::Minor,
        exercises: true,
        tests,
        verified: true,
        places: vec![Place::Point { lat, lon }],
    }
}

/// Creates, submits, approves and issues an alert; gives its id.
pub async fn issue(app: &App, author: &Caller, approver: &Caller, content: Value) -> i64 {
    let row =
        lifecycle::create(app, author, CreateRequest { content: Some(content), ..Default::default() }).await.unwrap();
    let row = lifecycle::submit(app, author, row.id, &["no-recipients".into()]).await.unwrap();
    let approver = if row.cap_status == "Actual" { approver } else { author };
    lifecycle::approve(app, approver, row.id, row.cap_sha256.as_deref().unwrap(), true).await.unwrap().id
}

pub fn with(status: &str, urgency: &str, severity: &str) -> Value {
    let mut c = content(status);
    c["infos"][0]["urgency"] = json!(urgency);
    c["infos"][0]["severity"] = json!(severity);
    c
}

pub async fn plan_all(app: &App) {
    while planner::plan_one(app, &["memory", "webhook"], "test-planner", i32::MAX).await.unwrap() {}
}

pub async fn statuses(app: &App, alert: i64) -> Vec<String> {
    let rows = deliveries::list(&mut app.db.read().await.unwrap(), alert, None, None, 0, 1000).await.unwrap();
    rows.into_iter().map(|r| r.status).collect()
}

#[macro_export]
macro_rules! on_both_quiet {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test]
            async fn sqlite() {
                if let Some(app) = $crate::support::spawn_quiet($crate::support::Backend::Sqlite, |_| {}).await {
                    ($body)(app).await;
                }
            }
            #[tokio::test]
            async fn postgres() {
                if let Some(app) = $crate::support::spawn_quiet($crate::support::Backend::Postgres, |_| {}).await {
                    ($body)(app).await;
                }
            }
        }
    };
}

on_both_quiet!(the_most_urgent_go_first_and_tests_last, |t: TestApp| async move {
    let (author, approver) = (
        caller(&t.app, "ana", &[Role::Author, Role::Approver]).await,
        caller(&t.app, "boris", &[Role::Approver]).await,
    );
    subscribe(&t.app, &["r1", "r2", "r3"], true).await;
    let test = issue(&t.app, &author, &approver, with("Test", "Expected", "Moderate")).await;
    let normal = issue(&t.app, &author, &approver, with("Actual", "Expected", "Severe")).await;
    let urgent = issue(&t.app, &author, &approver, with("Actual", "Expected", "Extreme")).await;
    plan_all(&t.app).await;
    for _ in 0..9 {
        assert_eq!(worker::drain_once(&t.app, &t.memory_rt, 1).await.unwrap(), 1);
    }
    let order: Vec<i64> = t.memory.sent().iter().map(|s| s.alert_id).collect();
    assert_eq!(order, [urgent, urgent, urgent, normal, normal, normal, test, test, test]);
});

on_both_quiet!(retries_back_off_and_honour_retry_after, |t: TestApp| async move {
    let (author, approver) =
        (caller(&t.app, "ana", &[Role::Author]).await, caller(&t.app, "boris", &[Role::Approver]).await);
    subscribe(&t.app, &["r1"], false).await;
    t.memory.script(
        "r1",
        vec![
            Outcome::Retry { not_before: None, error: "busy".into() },
            Outcome::Retry { not_before: Some(Duration::from_secs(30)), error: "slow down".into() },
        ],
    );
    let id = issue(&t.app, &author, &approver, content("Actual")).await;
    plan_all(&t.app).await;
    assert_eq!(worker::drain_once(&t.app, &t.memory_rt, 10).await.unwrap(), 1);
    let row = &deliveries::list(&mut t.app.db.read().await.unwrap(), id, None, None, 0, 10).await.unwrap()[0];
    let wait = row.next_attempt_ms - now_ms();
    assert!((1000..=2500).contains(&wait), "about 2 s after the first failure: {wait}");
    assert_eq!((row.status.as_str(), row.attempts, row.last_error.as_deref()), ("queued", 1, Some("busy")));
    assert_eq!(worker::drain_once(&t.app, &t.memory_rt, 10).await.unwrap(), 0, "not before its time");
    raw_sql(&t.app, "UPDATE deliveries SET next_attempt_ms = 0").await.unwrap();
    assert_eq!(worker::drain_once(&t.app, &t.memory_rt, 10).await.unwrap(), 1);
    let row = &deliveries::list(&mut t.app.db.read().await.unwrap(), id, None, None, 0, 10).await.unwrap()[0];
    let wait = row.next_attempt_ms - now_ms();
    assert!((28_000..=30_500).contains(&wait), "the provider's Retry-After: {wait}");
    raw_sql(&t.app, "UPDATE deliveries SET next_attempt_ms = 0").await.unwrap();
    worker::drain_once(&t.app, &t.memory_rt, 10).await.unwrap();
    assert_eq!(statuses(&t.app, id).await, ["sent"]);
    let attempts: Vec<u32> = t.memory.sent().iter().map(|s| s.attempt).collect();
    assert_eq!(attempts, [1, 2, 3]);
});

on_both_quiet!(permanent_failures_and_gone_addresses, |t: TestApp| async move {
    let (author, approver) =
        (caller(&t.app, "ana", &[Role::Author]).await, caller(&t.app, "boris", &[Role::Approver]).await);
    subscribe(&t.app, &["refuses", "gone", "fine"], false).await;
    t.memory.script("refuses", vec![Outcome::Failed { error: "too large".into() }]);
    t.memory.script("gone", vec![Outcome::DropAddress { error: "410".into() }]);
    let first = issue(&t.app, &author, &approver, content("Actual")).await;
    plan_all(&t.app).await;
    worker::drain_once(&t.app, &t.memory_rt, 10).await.unwrap();
    let mut s = statuses(&t.app, first).await;
    s.sort();
    assert_eq!(s, ["failed", "failed", "sent"]);
    let second = issue(&t.app, &author, &approver, content("Actual")).await;
    plan_all(&t.app).await;
    worker::drain_once(&t.app, &t.memory_rt, 10).await.unwrap();
    assert_eq!(statuses(&t.app, second).await.len(), 2, "the gone address is no longer targeted");
});

on_both_quiet!(a_stale_lease_cannot_overwrite_a_newer_one, |t: TestApp| async move {
    let (author, approver) =
        (caller(&t.app, "ana", &[Role::Author]).await, caller(&t.app, "boris", &[Role::Approver]).await);
    subscribe(&t.app, &["r1"], false).await;
    let id = issue(&t.app, &author, &approver, content("Actual")).await;
    plan_all(&t.app).await;
    let mut tx = t.app.db.begin().await.unwrap();
    let stalled = deliveries::claim(&mut tx, "memory", "worker-a", 10, 1).await.unwrap();
    tx.commit().await.unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let mut tx = t.app.db.begin().await.unwrap();
    let took_over = deliveries::claim(&mut tx, "memory", "worker-b", 10, 60_000).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(took_over.len(), 1, "the expired lease was taken over");
    assert_eq!(took_over[0].fence, stalled[0].fence + 1);
    let mut tx = t.app.db.begin().await.unwrap();
    let stale = deliveries::complete(&mut tx, &[(stalled[0].id, stalled[0].fence, Completion::Failed("late".into()))])
        .await
        .unwrap();
    assert_eq!(stale, [stalled[0].id], "the stalled worker's outcome is refused");
    let stale =
        deliveries::complete(&mut tx, &[(took_over[0].id, took_over[0].fence, Completion::Sent(None))]).await.unwrap();
    assert!(stale.is_empty());
    tx.commit().await.unwrap();
    assert_eq!(statuses(&t.app, id).await, ["sent"]);
});

on_both_quiet!(a_cancel_stops_what_has_not_gone_out_and_reaches_who_got_it, |t: TestApp| async move {
    let (author, approver) =
        (caller(&t.app, "ana", &[Role::Author]).await, caller(&t.app, "boris", &[Role::Approver]).await);
    subscribe(&t.app, &["r1", "r2", "r3", "r4", "r5"], false).await;
    let original = issue(&t.app, &author, &approver, with("Actual", "Expected", "Severe")).await;
    plan_all(&t.app).await;
    assert_eq!(worker::drain_once(&t.app, &t.memory_rt, 2).await.unwrap(), 2);
    let reached: Vec<String> = t.memory.sent().iter().map(|s| s.key.clone()).collect();
    let cancel = corrections::cancel(&t.app, &approver, original, Correction::FalseAlarm, None).await.unwrap();
    let mut s = statuses(&t.app, original).await;
    s.sort();
    assert_eq!(s, ["cancelled", "cancelled", "cancelled", "sent", "sent"]);
    plan_all(&t.app).await;
    while worker::drain_once(&t.app, &t.memory_rt, 10).await.unwrap() > 0 {}
    let mut got: Vec<String> =
        t.memory.sent().iter().filter(|s| s.alert_id == cancel.id).map(|s| s.key.clone()).collect();
    got.sort();
    let mut expected = reached;
    expected.sort();
    assert_eq!(got, expected, "the false alarm goes to exactly those who got the warning");
});

on_both_quiet!(a_send_in_flight_when_its_alert_is_cancelled_is_not_retried, |t: TestApp| async move {
    let (author, approver) =
        (caller(&t.app, "ana", &[Role::Author]).await, caller(&t.app, "boris", &[Role::Approver]).await);
    subscribe(&t.app, &["r1"], false).await;
    let original = issue(&t.app, &author, &approver, with("Actual", "Expected", "Severe")).await;
    plan_all(&t.app).await;
    // A worker holds the delivery (its send under way) when the Cancel is issued ...
    let mut tx = t.app.db.begin().await.unwrap();
    let leased = deliveries::claim(&mut tx, "memory", "elsewhere", 10, 60_000).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(leased.len(), 1);
    let cancel = corrections::cancel(&t.app, &approver, original, Correction::FalseAlarm, None).await.unwrap();
    assert_eq!(statuses(&t.app, original).await, ["queued"], "held by the worker, so not cancelled yet");
    // The Cancel is planned for whoever is being reached ...
    plan_all(&t.app).await;
    // ... and the send fails, to be retried at once.
    let retry = Completion::Retry { at_ms: 0, error: "timeout".into() };
    let mut tx = t.app.db.begin().await.unwrap();
    deliveries::complete(&mut tx, &[(leased[0].id, leased[0].fence, retry)]).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(statuses(&t.app, original).await, ["cancelled"], "the retry of a cancelled warning ends there");
    while worker::drain_once(&t.app, &t.memory_rt, 10).await.unwrap() > 0 {}
    let sent: Vec<i64> = t.memory.sent().iter().map(|s| s.alert_id).collect();
    assert_eq!(sent, [cancel.id], "only the Cancel goes out, never the cancelled warning");
    // Had the retry been recorded while the Cancel's transaction was still open, the delivery
    // would be queued again: no worker takes it, and housekeeping ends it.
    raw_sql(&t.app, "UPDATE deliveries SET status = 'queued' WHERE status = 'cancelled'").await.unwrap();
    assert_eq!(worker::drain_once(&t.app, &t.memory_rt, 10).await.unwrap(), 0);
    let mut tx = t.app.db.begin().await.unwrap();
    assert_eq!(deliveries::cancel_ended(&mut tx).await.unwrap(), 1);
    tx.commit().await.unwrap();
    assert_eq!(statuses(&t.app, original).await, ["cancelled"]);
    assert_eq!(t.memory.sent().len(), 1);
});

on_both_quiet!(expired_alerts_are_not_attempted, |t: TestApp| async move {
    let (author, approver) =
        (caller(&t.app, "ana", &[Role::Author]).await, caller(&t.app, "boris", &[Role::Approver]).await);
    subscribe(&t.app, &["r1", "r2"], false).await;
    let id = issue(&t.app, &author, &approver, content("Actual")).await;
    plan_all(&t.app).await;
    raw_sql(&t.app, "UPDATE deliveries SET expires_ms = 1").await.unwrap();
    assert_eq!(worker::drain_once(&t.app, &t.memory_rt, 10).await.unwrap(), 0);
    let mut tx = t.app.db.begin().await.unwrap();
    assert_eq!(deliveries::expire_due(&mut tx).await.unwrap(), 2);
    tx.commit().await.unwrap();
    assert_eq!(statuses(&t.app, id).await, ["expired", "expired"]);
    assert!(t.memory.sent().is_empty());
});

on_both_quiet!(the_index_follows_moves_and_removals, |t: TestApp| async move {
    use cap_alerts::geo::{Coverage, Polygon};
    use cap_alerts::model::Status;
    use dispatcher::db::subscriptions as subscriptions_db;
    use dispatcher::fanout::targeting::Audience;
    let ids = subscribe(&t.app, &["r1", "r2", "r3"], false).await;
    let mut area = Coverage::new();
    area.add_polygon(Polygon::parse("48.1,17.0 48.2,17.0 48.2,17.2 48.1,17.2 48.1,17.0").unwrap());
    let audience = Audience { severity: Severity::Severe, status: Status::Actual };
    let reached = |t: &TestApp| {
        let s = t.app.targeting.select(&area, &Default::default(), audience);
        s.subscriptions.iter().map(|(id, _)| *id).collect::<Vec<i64>>()
    };
    t.app.targeting.sync(&t.app.db).await.unwrap();
    assert_eq!(reached(&t), ids);
    // A repeated catch-up reads the same rows again and changes nothing.
    t.app.targeting.sync(&t.app.db).await.unwrap();
    assert_eq!((reached(&t), t.app.targeting.len()), (ids.clone(), 3));
    // One place moves out of the area, one subscription ends.
    let place = |id: i64| {
        let app = t.app.clone();
        async move { subscriptions_db::places_of(&mut app.db.read().await.unwrap(), id).await.unwrap()[0].id }
    };
    let first_place = place(ids[0]).await;
    let mut tx = t.app.db.begin().await.unwrap();
    subscriptions_db::move_place(&mut tx, first_place, 49.5, 17.1).await.unwrap();
    subscriptions_db::deactivate(&mut tx, ids[2]).await.unwrap();
    tx.commit().await.unwrap();
    t.app.targeting.sync(&t.app.db).await.unwrap();
    assert_eq!(reached(&t), vec![ids[1]], "moved away and unsubscribed are not reached");
    assert_eq!(t.app.targeting.len(), 2, "the moved place is still indexed, elsewhere; the ended one is gone");
    // It moves back.
    let mut tx = t.app.db.begin().await.unwrap();
    subscriptions_db::move_place(&mut tx, first_place, 48.15, 17.1).await.unwrap();
    tx.commit().await.unwrap();
    t.app.targeting.sync(&t.app.db).await.unwrap();
    assert_eq!(reached(&t), vec![ids[0], ids[1]]);
});

on_both_quiet!(a_subscription_committed_late_is_still_indexed, |t: TestApp| async move {
    use cap_alerts::geo::{Coverage, Polygon};
    use cap_alerts::model::Status;
    use dispatcher::db::subscriptions::{self as subscriptions_db, NewSubscription};
    use dispatcher::fanout::targeting::Audience;
    let mut area = Coverage::new();
    area.add_polygon(Polygon::parse("48.1,17.0 48.2,17.0 48.2,17.2 48.1,17.2 48.1,17.0").unwrap());
    let audience = Audience { severity: Severity::Severe, status: Status::Actual };
    let early = subscribe(&t.app, &["early"], false).await;
    // A transaction stamps its rows, then stays open while the index catches up twice; on
    // PostgreSQL a later transaction commits meanwhile (on SQLite writers take turns).
    let postgres = matches!(t.app.db, dispatcher::db::Db::Postgres(_));
    let mut slow = t.app.db.begin().await.unwrap();
    let new = NewSubscription {
        channel: "memory",
        address_sealed: "x",
        address_hash: "late",
        languages: "sk",
        min_severity: "Minor",
        exercises: false,
        tests: false,
        verified: true,
    };
    let late = subscriptions_db::insert(&mut slow, &new).await.unwrap();
    subscriptions_db::insert_place(&mut slow, late, Some((48.15, 17.1)), None).await.unwrap();
    let mut expected = early.clone();
    if postgres {
        expected.extend(subscribe(&t.app, &["later"], false).await);
    }
    let ids = |t: &TestApp| -> Vec<i64> {
        t.app.targeting.select(&area, &Default::default(), audience).subscriptions.iter().map(|(id, _)| *id).collect()
    };
    t.app.targeting.sync(&t.app.db).await.unwrap();
    t.app.targeting.sync(&t.app.db).await.unwrap();
    assert_eq!(ids(&t), expected, "what has committed, and only that");
    slow.commit().await.unwrap();
    t.app.targeting.sync(&t.app.db).await.unwrap();
    expected.push(late);
    expected.sort();
    assert_eq!(ids(&t), expected, "the late commit is read once it commits");
});
