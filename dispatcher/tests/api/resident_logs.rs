//! The logs of a whole residents' run hold no phone number and no email address: sign-ups
//! with codes read from the real SMSC and SMTP server, wrong and right codes, an alert
//! delivered, a receipt, STOP, reading, changing and deleting one's data, an import with a bad
//! row, and the retention purge, with every event of the app captured at trace level through
//! the server's own log filter.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dispatcher::domain::residents::{import, retention};
use dispatcher::domain::roles::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::engine::{caller, issue};
use crate::peers::Peers;
use crate::signup::{body, created, mail_code, sign_up, sms_code, verify};
use crate::support::{Auth, Backend, Body, spawn_with};

/// Where the captured log lines go.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What no log line may contain: the run's addresses, whole and in the forms channels use.
const PERSONAL: &[&str] = &[
    "421900555666",
    "900555666",
    "900 555 666",
    "eva.log@levice.example",
    "eva.log",
    "421900777888",
    "900777888",
    "jan.log@levice.example",
    "421900999000",
];

async fn whole_run(backend: Backend) {
    let Some(mut peers) = Peers::start().await else { return };
    let capture = Capture::default();
    let sink = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(dispatcher::server::log_filter("trace"))
        .with_writer(move || sink.clone())
        .with_ansi(false)
        .finish();
    // tracing decides once per line of code, for the whole process, whether its events are
    // wanted; while a single dispatcher is registered it asks only the deciding thread's own, so
    // another test reaching a line first (on a thread with no subscriber) would switch that line
    // off here too, and this capture would miss it. A second registered dispatcher, which takes
    // nothing, makes tracing ask every registered one, this capture among them.
    let _anchor = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());
    // A current-thread runtime runs every task of the app on this thread, under this subscriber.
    let guard = tracing::subscriber::set_default(subscriber);
    let Some(t) = spawn_with(backend, peers.configure()).await else { return };
    peers.smsc.next("bound").await;

    let r = sign_up(&t, body("sms", "+421 900 555 66x")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let (sms, sms_token) = created(&sign_up(&t, body("sms", "+421 900 555 666")).await);
    let code = sms_code(&mut peers, "421900555666").await;
    let wrong = if code == "123456" { "654321" } else { "123456" };
    assert_eq!(verify(&t, sms, &sms_token, wrong).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(verify(&t, sms, &sms_token, &code).await.status, StatusCode::OK);
    let (mail, mail_token) = created(&sign_up(&t, body("email", "eva.log@levice.example")).await);
    let code = mail_code(&peers, 1, "eva.log@levice.example").await;
    assert_eq!(verify(&t, mail, &mail_token, &code).await.status, StatusCode::OK);
    let path = format!("/api/v1/residents/subscriptions/{mail}");
    assert_eq!(t.get(&path, Auth::Token(&mail_token)).await.json()["address"], "eva.log@levice.example");
    let change = json!({ "places": [{ "lat": 48.15, "lon": 17.1 }], "languages": ["en"], "min_severity": "Minor" });
    assert_eq!(t.call(Method::PUT, &path, Auth::Token(&mail_token), Body::Json(change)).await.status, StatusCode::OK);

    let (author, approver) =
        (caller(&t.app, "ana", &[Role::Author]).await, caller(&t.app, "boris", &[Role::Approver]).await);
    issue(&t.app, &author, &approver, crate::support::content("Actual")).await;
    let submit = peers.smsc.next("submit_sm").await;
    let id = submit["message_id"].as_str().unwrap().to_owned();
    peers.smsc.command(json!({ "cmd": "receipt", "id": id, "stat": "DELIVRD", "err": "000" })).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while peers.mails().len() < 2 {
        assert!(Instant::now() < deadline, "the alert's email did not arrive within 30 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    peers.smsc.command(json!({ "cmd": "mo", "from": "421900555666", "text": "STOP" })).await;
    let sms_path = format!("/api/v1/residents/subscriptions/{sms}");
    for _ in 0..200 {
        if t.get(&sms_path, Auth::Token(&sms_token)).await.json()["status"] == "unsubscribed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(t.get(&sms_path, Auth::Token(&sms_token)).await.json()["status"], "unsubscribed", "STOP worked");
    assert_eq!(
        t.call(Method::DELETE, &path, Auth::Token(&mail_token), Body::Empty).await.status,
        StatusCode::NO_CONTENT
    );

    let csv = "phone,email,lat,lon,language\n+421900777888,jan.log@levice.example,48.1,17.1,sk\n\
               +421900999000,,95,17.1,sk\n";
    let opts = import::Options { skip_bad_rows: true, dry_run: false };
    let report = import::import(&t.app, (&dispatcher::domain::audit::Actor::System, "test"), csv, opts, &mut |_, _| {})
        .await
        .unwrap();
    assert_eq!((report.imported, report.bad.len()), (2, 1));
    retention::purge(&t.app).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(t);
    drop(guard);

    let logs = String::from_utf8_lossy(&capture.0.lock().unwrap()).into_owned();
    let captured = logs.contains("SMPP bind up") && logs.contains("uri=/api/v1/residents/subscriptions");
    assert!(captured && logs.lines().count() > 50, "the app's logs were captured ({} lines)", logs.lines().count());
    let leaks: Vec<&str> = logs.lines().filter(|l| PERSONAL.iter().any(|p| l.contains(p))).collect();
    assert!(leaks.is_empty(), "personal data in {} log lines:\n{}", leaks.len(), leaks.join("\n"));
}

#[tokio::test(flavor = "current_thread")]
async fn no_phone_number_or_email_reaches_the_logs_sqlite() {
    whole_run(Backend::Sqlite).await;
}

#[tokio::test(flavor = "current_thread")]
async fn no_phone_number_or_email_reaches_the_logs_postgres() {
    whole_run(Backend::Postgres).await;
}
