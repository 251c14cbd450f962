//! Item 2: a self-approved Test or Exercise sounds real danger signals. One person may approve
//! their own Exercise (`approval.exercise = "self-approval"`), but then it may sound only the
//! catalogue's test signals; a danger signal needs a second person, and the reach and the
//! previews say which signal will sound.

use dispatcher::domain::roles::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{post_cap, state, try_approve};
use crate::devices::{poll, register};
use crate::lifecycle::submitted;
use crate::on_both;
use crate::support::{Auth, TestApp, content};

/// Exercise content asking sirens for `signal` (none: the catalogue's default).
fn exercise(signal: Option<&str>) -> Value {
    let mut c = content("Exercise");
    if let Some(code) = signal {
        c["infos"][0]["parameters"] = json!([{ "valueName": "TOCSIN_SIREN_SIGNAL", "value": code }]);
    }
    c
}

/// The signal code of the siren's command for `alert` (null when it sounds none).
async fn sounded(t: &TestApp, secret: &str, alert: i64) -> Value {
    for _ in 0..50 {
        let (_, _, body) = poll(t, secret, 0, None).await;
        let commands = body["commands"].as_array().cloned().unwrap_or_default();
        if let Some(c) = commands.iter().find(|c| c["alertId"] == alert) {
            return c["signal"]["code"].clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the siren got no command for alert {alert}");
}

async fn siren(t: &TestApp) -> crate::devices::Device {
    let op = t.user("olga", &[Role::Operator]).await;
    let body = json!({ "kind": "siren", "name": "Nábrežie 1", "lat": 48.15, "lon": 17.1, "capabilities": ["tones"] });
    register(t, &op, body).await
}

fn id_of(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

on_both!(a_self_approved_exercise_sounds_only_test_signals, |t: TestApp| async move {
    let mallory = t.user("mallory", &[Role::Author, Role::Approver]).await;
    let other = t.user("boris", &[Role::Approver]).await;
    let s = siren(&t).await;

    // The water-danger signal, asked for by an Exercise its author approves alone: refused,
    // and the reach and the preview said so beforehand.
    let drill = submitted(&t, &mallory, exercise(Some("sk-water-danger"))).await;
    let id = id_of(&drill);
    let reach = t.get(&format!("/api/v1/alerts/{id}/reach"), Auth::Session(&mallory)).await.json();
    assert_eq!(
        (reach["signal"]["code"].as_str(), &reach["signalNeedsSecondApprover"]),
        (Some("sk-water-danger"), &json!(true)),
        "{reach}"
    );
    let previews = t.get(&format!("/api/v1/alerts/{id}/previews"), Auth::Session(&mallory)).await.json();
    assert_eq!(previews["siren"]["needsSecondApprover"], true, "{previews}");
    let r = try_approve(&t, &mallory, &drill).await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::FORBIDDEN, "API-008"), "{}", r.text());
    assert!(r.text().contains("sk-water-danger") && r.text().contains("test signal"), "{}", r.text());
    assert_eq!(state(&t, &other, id).await["state"], "submitted", "nothing changed");
    // A second person may let it sound.
    assert_eq!(try_approve(&t, &other, &drill).await.json()["state"], "issued");
    assert_eq!(sounded(&t, &s.secret, id).await, "sk-water-danger");

    // The default signal is a danger signal too.
    let drill = submitted(&t, &mallory, exercise(None)).await;
    let r = try_approve(&t, &mallory, &drill).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());

    // A test signal: one person may, and that is what sounds; its Cancel sounds no
    // end-of-danger signal.
    let drill = submitted(&t, &mallory, exercise(Some("sk-audible-test"))).await;
    let id = id_of(&drill);
    let reach = t.get(&format!("/api/v1/alerts/{id}/reach"), Auth::Session(&mallory)).await.json();
    assert_eq!(reach["signalNeedsSecondApprover"], false, "{reach}");
    assert_eq!(try_approve(&t, &mallory, &drill).await.json()["state"], "issued");
    assert_eq!(sounded(&t, &s.secret, id).await, "sk-audible-test");
    let r = t.post(&format!("/api/v1/alerts/{id}/cancel"), Auth::Session(&mallory), json!({ "kind": "cancel" })).await;
    assert!(r.status.is_success(), "{}", r.text());
    let cancel = r.json();
    let cancel = if cancel["state"] == "submitted" { try_approve(&t, &mallory, &cancel).await.json() } else { cancel };
    assert_eq!(cancel["state"], "issued", "{cancel}");
    assert_eq!(sounded(&t, &s.secret, id_of(&cancel)).await, Value::Null, "no real end signal for a drill");
});

// Item 2 where nobody approves: a token's Exercise issued at once under
// `ingest.policy = "issue"`, from a token trusted with the control parameters, asks for the
// water-danger signal; the sirens sound the test signal of its family.
#[tokio::test]
async fn an_exercise_nobody_approved_sounds_only_a_test_signal() {
    for backend in [crate::support::Backend::Sqlite, crate::support::Backend::Postgres] {
        let Some(t) = crate::support::spawn_with(backend, |s| {
            s.ingest.policy = dispatcher::config::IngestPolicy::Issue;
            s.ingest.control_parameters_from = vec!["roc".into()];
        })
        .await
        else {
            continue;
        };
        let s = siren(&t).await;
        let roc = t.token("roc", Role::Author, &["cap"]).await;
        let xml = super::outside("ROC-DRILL", "roc@region.example", "Alert", None)
            .replace("<status>Actual</status>", "<status>Exercise</status>")
            .replace(
                "<area>",
                "<parameter><valueName>TOCSIN_SIREN_SIGNAL</valueName><value>sk-water-danger</value></parameter><area>",
            );
        let posted = post_cap(&t, Auth::Token(&roc), &xml).await;
        assert_eq!(posted["state"], "issued", "{posted}");
        assert_eq!(sounded(&t, &s.secret, id_of(&posted)).await, "sk-audible-test");
    }
}
