//! `tocsin demo`: the real binary on port 0, driven through the whole flow its printout
//! suggests: the author drafts from the flood template for an area and submits, the approver
//! (not the author: the two-person rule holds) approves and issues, the demo's receivers report
//! push, SMS and email and the sirens acknowledge, a Cancel is delivered too; SIGTERM stops it
//! and its temporary directory is gone.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStdout, Command};

use crate::support::{Auth, Body, Resp, Session, send, sign_in};

/// What the demo printed at start.
struct Printout {
    base: String,
    passwords: Vec<(String, String)>,
    dir: PathBuf,
}

impl Printout {
    fn password(&self, user: &str) -> &str {
        self.passwords.iter().find(|(u, _)| u == user).map(|(_, p)| p.as_str()).expect("the user's password")
    }
}

/// Reads the start text (up to its last line) and keeps reading the rest into `later`.
async fn read_printout(out: ChildStdout, later: Arc<Mutex<Vec<String>>>) -> Printout {
    let mut lines = BufReader::new(out).lines();
    let (mut base, mut passwords, mut dir) = (None, Vec::new(), None);
    while let Some(line) = lines.next_line().await.expect("the demo's output") {
        if let Some(url) = line.trim().strip_prefix("Admin app:") {
            base = url.trim().strip_suffix("/admin").map(str::to_owned);
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        if let [user @ ("author" | "approver" | "admin"), password, ..] = words[..] {
            passwords.push((user.to_owned(), password.to_owned()));
        }
        if let Some(rest) = line.trim().strip_prefix("Its database and configuration:") {
            dir = rest.trim().split(" (").next().map(PathBuf::from);
        }
        if line.starts_with("Ctrl-C stops the demo") {
            break;
        }
    }
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            later.lock().unwrap().push(line);
        }
    });
    Printout { base: base.expect("the admin URL"), passwords, dir: dir.expect("the temporary directory") }
}

/// The demo's process, killed if the test fails before it stops it.
struct Demo {
    child: Child,
    printout: Printout,
    later: Arc<Mutex<Vec<String>>>,
    client: reqwest::Client,
}

impl Demo {
    async fn start() -> Demo {
        dispatcher::server::install_crypto_provider();
        let mut child = Command::new(env!("CARGO_BIN_EXE_tocsin"))
            .args(["demo", "--port", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("tocsin demo starts");
        let later = Arc::new(Mutex::new(Vec::new()));
        let out = child.stdout.take().expect("stdout");
        let printout = tokio::time::timeout(Duration::from_secs(60), read_printout(out, later.clone()))
            .await
            .expect("the demo printed its start text");
        Demo { child, printout, later, client: reqwest::Client::new() }
    }

    async fn call(&self, method: Method, path: &str, who: &Session, body: Option<Value>) -> Resp {
        let body = body.map_or(Body::Empty, Body::Json);
        send(&self.client, &self.printout.base, method, path, Auth::Session(who), body).await
    }

    async fn get(&self, path: &str, who: &Session) -> Value {
        let r = self.call(Method::GET, path, who, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text());
        r.json()
    }

    async fn post(&self, path: &str, who: &Session, body: Value, expected: StatusCode) -> Value {
        let r = self.call(Method::POST, path, who, Some(body)).await;
        assert_eq!(r.status, expected, "{path}: {}", r.text());
        r.json()
    }

    async fn sign_in(&self, user: &str) -> Session {
        sign_in(&self.client, &self.printout.base, user, self.printout.password(user)).await
    }

    /// The last tally line's counts (push, sms, email).
    fn received(&self) -> (u64, u64, u64) {
        let lines = self.later.lock().unwrap();
        let Some(line) = lines.iter().rev().find(|l| l.starts_with("received:")) else { return (0, 0, 0) };
        let count = |channel: &str| {
            let after = line.split(&format!("{channel} ")).nth(1).unwrap_or("0");
            after.split(|c: char| !c.is_ascii_digit()).next().and_then(|n| n.parse().ok()).unwrap_or(0)
        };
        (count("push"), count("sms"), count("email"))
    }
}

/// Waits (up to a minute) until `done` holds; panics naming `what` with the demo's output.
async fn until<F: std::future::Future<Output = bool>>(demo: &Demo, what: &str, mut done: impl FnMut() -> F) {
    for _ in 0..600 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} did not happen; the demo printed:\n{}", demo.later.lock().unwrap().join("\n"));
}

fn count(summary: &Value, channel: &str, status: &str) -> i64 {
    summary["channels"][channel][status].as_i64().unwrap_or(0)
}

/// Whether every delivery to residents of an alert is out (none queued) and the sirens and the
/// display by the river (paired through the device API) acknowledged.
fn out_and_acknowledged(s: &Value) -> bool {
    let residents_done = ["push", "sms", "email"].iter().all(|c| {
        count(s, c, "queued") == 0 && (count(s, c, "sent") + count(s, c, "delivered")) > 0 && count(s, c, "failed") == 0
    });
    let devices_done = ["siren", "display"].iter().all(|c| count(s, c, "acknowledged") > 0);
    s["fanout"] == "done" && residents_done && devices_done
}

#[tokio::test]
async fn the_demo_runs_the_whole_flow_and_cleans_up() {
    let mut demo = Demo::start().await;
    assert!(demo.printout.dir.is_dir(), "the temporary directory exists while the demo runs");
    let author = demo.sign_in("author").await;
    let approver = demo.sign_in("approver").await;

    // The author drafts from the flood template for the riverside, and submits.
    let templates = demo.get("/api/v1/templates", &author).await;
    let flood = templates.as_array().unwrap().iter().find(|t| t["name"] == "Povodeň / Flood").expect("flood template");
    let areas = demo.get("/api/v1/areas", &author).await;
    let river = areas.as_array().unwrap().iter().find(|a| a["name"] == "Pri rieke").expect("the riverside area");
    let draft = json!({
        "template": flood["id"], "values": { "river": "Hron", "level": "420" },
        "areas": [river["id"]], "expiresInMinutes": 60,
    });
    let alert = demo.post("/api/v1/alerts", &author, draft, StatusCode::CREATED).await;
    let id = alert["id"].as_i64().unwrap();
    let alert =
        demo.post(&format!("/api/v1/alerts/{id}/submit"), &author, json!({ "confirm": [] }), StatusCode::OK).await;

    // The author cannot approve their own live warning; the approver approves and issues.
    let approve = json!({ "capSha256": alert["capSha256"], "issue": true });
    let r = demo.call(Method::POST, &format!("/api/v1/alerts/{id}/approve"), &author, Some(approve.clone())).await;
    assert!(r.status.is_client_error(), "the author approved alone: {}", r.text());
    let issued = demo.post(&format!("/api/v1/alerts/{id}/approve"), &approver, approve, StatusCode::OK).await;
    assert_eq!(issued["state"], "issued", "{issued}");

    // The receivers count every channel and the sirens by the river acknowledge.
    until(&demo, "push, SMS and email received", || async {
        let (push, sms, email) = demo.received();
        push > 0 && sms > 0 && email > 0
    })
    .await;
    let deliveries = format!("/api/v1/alerts/{id}/deliveries");
    until(&demo, "the alert delivered and acknowledged", || async {
        out_and_acknowledged(&demo.get(&deliveries, &approver).await)
    })
    .await;

    // A Cancel in one step reaches the same residents and sirens.
    let cancel = demo
        .post(&format!("/api/v1/alerts/{id}/cancel"), &approver, json!({ "kind": "cancel" }), StatusCode::CREATED)
        .await;
    let cancel_id = cancel["id"].as_i64().unwrap();
    until(&demo, "the Cancel delivered and acknowledged", || async {
        out_and_acknowledged(&demo.get(&format!("/api/v1/alerts/{cancel_id}/deliveries"), &approver).await)
    })
    .await;

    // SIGTERM stops it cleanly, and its directory goes with it.
    let pid = demo.child.id().expect("the demo runs").to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status =
        tokio::time::timeout(Duration::from_secs(30), demo.child.wait()).await.expect("the demo stops").unwrap();
    assert!(status.success(), "the demo exits cleanly: {status}");
    assert!(!demo.printout.dir.exists(), "{} is left behind", demo.printout.dir.display());
}
