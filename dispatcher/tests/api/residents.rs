//! One alert to residents on every channel, through the whole server with real peers on
//! loopback: a push receiver that checks VAPID and decrypts with Python's http_ece, an SMSC on
//! npm `smpp` that sends a delivery receipt and a resident's STOP, and an aiosmtpd server whose
//! mail Python's `email` package parses. On SQLite and on PostgreSQL.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use cap_alerts::model::Severity;
use dispatcher::db::deliveries;
use dispatcher::domain::roles::Role;
use dispatcher::domain::subscriptions::{self, Place, Subscription};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::mpsc;

use crate::engine::{caller, issue};
use crate::support::{Backend, TestApp, content, spawn_with};

const PATIENCE: Duration = Duration::from_secs(20);

/// The channels' peers (`channels/tests/peers`), when `npm ci` was run there and Python has
/// aiosmtpd and http_ece; a skip on a user's machine, a failure under CI.
pub(crate) fn peers() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../channels/tests/peers");
    let python = std::process::Command::new("python3")
        .args(["-c", "import aiosmtpd, http_ece, cryptography"])
        .output()
        .is_ok_and(|o| o.status.success());
    if dir.join("node_modules/smpp").is_dir() && python {
        return Some(dir);
    }
    assert!(std::env::var_os("TOCSIN_CI").is_none(), "the channel peers are required under CI");
    eprintln!("skipping: run `npm ci --prefix channels/tests/peers` and `pip install aiosmtpd http-ece`");
    None
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub(crate) async fn wait_for_port(port: u16) {
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("nothing listens on {port}");
}

/// The SMSC: its reports (JSON lines) and its command input.
struct Smsc {
    port: u16,
    _child: Child,
    stdin: ChildStdin,
    reports: mpsc::UnboundedReceiver<Value>,
}

impl Smsc {
    async fn start(dir: &std::path::Path) -> Smsc {
        let port = free_port();
        let mut child = Command::new("node")
            .arg(dir.join("smsc.js"))
            .args([&port.to_string(), "tocsin", "secret"])
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let (tx, reports) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                let _ = tx.send(serde_json::from_str::<Value>(&line).unwrap());
            }
        });
        let mut smsc = Smsc { port, _child: child, stdin, reports };
        smsc.next("listening").await;
        smsc
    }

    async fn next(&mut self, event: &str) -> Value {
        loop {
            let report = tokio::time::timeout(PATIENCE, self.reports.recv()).await.unwrap().unwrap();
            if report["event"] == event {
                return report;
            }
        }
    }

    async fn command(&mut self, command: Value) {
        self.stdin.write_all(format!("{command}\n").as_bytes()).await.unwrap();
        assert_eq!(self.next("ok").await["cmd"], command["cmd"]);
    }
}

pub(crate) fn python(dir: &std::path::Path, args: &[&str]) -> Child {
    Command::new("python3")
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

fn resident(channel: &str, address: String) -> Subscription {
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
    let Some(dir) = peers() else { return };
    let push_port = free_port();
    let smtp_port = free_port();
    let maildir = tempfile::tempdir().unwrap();
    let _push = python(&dir, &["push_receiver.py", &push_port.to_string()]);
    let _smtp =
        python(&dir, &["smtp_server.py", "--port", &smtp_port.to_string(), "--dir", maildir.path().to_str().unwrap()]);
    let mut smsc = Smsc::start(&dir).await;
    wait_for_port(push_port).await;
    wait_for_port(smtp_port).await;
    let smsc_port = smsc.port;
    let Some(t) = spawn_with(backend, move |s| {
        s.channels.sms.enabled = true;
        s.channels.sms.smpp.host = "127.0.0.1".into();
        s.channels.sms.smpp.port = smsc_port;
        s.channels.sms.smpp.system_id = "tocsin".into();
        s.channels.sms.smpp.password = dispatcher::config::Secret::new("secret");
        s.channels.sms.smpp.source_addr = "Mesto".into();
        s.channels.email.enabled = true;
        s.channels.email.host = "127.0.0.1".into();
        s.channels.email.port = smtp_port;
        s.channels.email.security = "none".into();
        s.channels.email.from = "Mesto Levice <varovanie@levice.example>".into();
    })
    .await
    else {
        return;
    };
    smsc.next("bound").await;

    let keys: Value =
        reqwest::get(format!("http://127.0.0.1:{push_port}/subscription")).await.unwrap().json().await.unwrap();
    let push = json!({ "endpoint": format!("http://127.0.0.1:{push_port}/push/jana"), "keys": keys }).to_string();
    let ids = subscriptions::add(
        &t.app,
        &[
            resident("push", push),
            resident("sms", "+421 900 123 456".into()),
            resident("email", "jana@levice.example".into()),
        ],
    )
    .await
    .unwrap();
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
    let submit = smsc.next("submit_sm").await;
    assert_eq!(submit["destination_addr"], "421900123456");
    assert_eq!(submit["data_coding"], 8, "Slovak needs UCS-2");
    assert!(submit["text"].as_str().unwrap().contains("Povodeň na Dunaji"), "{submit}");
    wait_status(&t, id, "sms", "sent").await;
    let message_id = submit["message_id"].as_str().unwrap().to_owned();
    smsc.command(json!({ "cmd": "receipt", "id": message_id, "stat": "DELIVRD", "err": "000" })).await;
    wait_status(&t, id, "sms", "delivered").await;

    // Email: parsed by Python's email package, with the one-click unsubscribe link.
    wait_status(&t, id, "email", "sent").await;
    let out =
        std::process::Command::new("python3").arg(dir.join("smtp_parse.py")).arg(maildir.path()).output().unwrap();
    let mails: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mail = &mails[0];
    assert_eq!(mail["meta"]["rcpt_tos"][0], "jana@levice.example", "{mail}");
    assert!(mail["headers"]["subject"].as_str().unwrap().contains("Povodeň na Dunaji"), "{mail}");
    let unsubscribe = mail["headers"]["list-unsubscribe"].as_str().unwrap();
    assert!(unsubscribe.contains(&format!("/api/v1/unsubscribe?s={}&t=", ids[2])), "{unsubscribe}");

    // A resident's STOP by SMS ends their subscription.
    smsc.command(json!({ "cmd": "mo", "from": "421900123456", "text": "STOP" })).await;
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
