//! The reference device agent: the real `tocsin device-agent` binary polls a test server as a
//! siren and runs shell programs that write what they were given to a file. It acknowledges,
//! does not restart a repeated signal, stops the program on a Cancel and sounds the end signal,
//! sends heartbeats, and after a restart does not run a command it already took on.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use dispatcher::domain::roles::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::lifecycle::{approve_and_issue, submitted};
use crate::on_both;
use crate::support::{Auth, Session, TestApp, content, raw_sql};

/// The agent's process, stopped when dropped.
struct Agent(Child);

impl Agent {
    /// Starts `tocsin device-agent` with the secret in the environment.
    fn start(t: &TestApp, secret: &str, dir: &Path, on: &[(&str, String)]) -> Agent {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tocsin"));
        cmd.args(["device-agent", "--server", &t.base, "--heartbeat-seconds", "1", "--wait-seconds", "2"])
            .arg("--state-file")
            .arg(dir.join("state.json"))
            .env("TOCSIN_DEVICE_SECRET", secret)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("agent.log")).unwrap());
        for (signal, program) in on {
            cmd.arg("--on").arg(format!("{signal}={program}"));
        }
        Agent(cmd.spawn().unwrap())
    }

    /// Stops it as a service manager would (SIGTERM) and waits for it.
    fn terminate(mut self) {
        let pid = self.0.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        assert!(self.0.wait().unwrap().success(), "the agent ends cleanly on SIGTERM");
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A siren inside `content()`'s polygon; gives its id and secret.
async fn siren(t: &TestApp, op: &Session, name: &str) -> (i64, String) {
    let body = json!({ "kind": "siren", "name": name, "lat": 48.15, "lon": 17.1, "capabilities": ["tones"] });
    let r = t.post("/api/v1/devices", Auth::Session(op), body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let v = r.json();
    (v["device"]["id"].as_i64().unwrap(), v["secret"].as_str().unwrap().to_owned())
}

/// The lines the programs wrote.
fn lines(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log).unwrap_or_default().lines().map(str::to_owned).collect()
}

/// Waits (up to 30 s) until `done` holds; panics with `what` and the agent's log otherwise.
async fn until<F: std::future::Future<Output = bool>>(dir: &Path, what: &str, mut done: impl FnMut() -> F) {
    for _ in 0..300 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let log = std::fs::read_to_string(dir.join("agent.log")).unwrap_or_default();
    panic!("{what} did not happen; the agent's log:\n{log}");
}

async fn acknowledged(t: &TestApp, s: &Session, alert: i64) -> i64 {
    let v = t.get(&format!("/api/v1/alerts/{alert}/deliveries"), Auth::Session(s)).await.json();
    v["channels"]["siren"]["acknowledged"].as_i64().unwrap_or(0)
}

async fn issue(t: &TestApp, author: &Session, approver: &Session) -> i64 {
    approve_and_issue(t, approver, &submitted(t, author, content("Actual")).await).await["id"].as_i64().unwrap()
}

/// A program that notes its start (signal, command, and the pid of the child it starts) and
/// sounds until stopped.
fn sounding(log: &Path) -> String {
    format!("sleep 600 & echo \"start $TOCSIN_SIGNAL $TOCSIN_COMMAND $!\" >> {}; wait", log.display())
}

/// Whether a process has ended (gone, or a zombie waiting for a reaper).
fn ended(pid: &str) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    stat.is_empty() || stat.rsplit_once(')').is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'))
}

on_both!(the_agent_sounds_once_keeps_a_repeat_and_stops_on_cancel, |t: TestApp| async move {
    let op = t.user("olga", &[Role::Operator]).await;
    let author = t.user("ana", &[Role::Author]).await;
    let approver = t.user("boris", &[Role::Approver]).await;
    let (device, secret) = siren(&t, &op, "Agent 1").await;
    let dir = tempfile::tempdir().unwrap();
    let log: PathBuf = dir.path().join("programs.log");
    let end = format!("echo \"end $TOCSIN_SIGNAL $TOCSIN_MSG_TYPE\" >> {}", log.display());
    let _agent =
        Agent::start(&t, &secret, dir.path(), &[("sk-general-danger", sounding(&log)), ("sk-end-of-danger", end)]);

    // Heartbeats arrive, and keep arriving.
    let health =
        || async { !t.get(&format!("/api/v1/devices/{device}"), Auth::Session(&op)).await.json()["health"].is_null() };
    until(dir.path(), "a heartbeat", health).await;
    raw_sql(&t.app, "UPDATE devices SET health = NULL").await.unwrap();
    until(dir.path(), "a second heartbeat", health).await;

    // The alert: the program runs once and the delivery is acknowledged.
    let alert = issue(&t, &author, &approver).await;
    until(dir.path(), "the program's start", || async { !lines(&log).is_empty() }).await;
    until(dir.path(), "the acknowledgement", || async { acknowledged(&t, &approver, alert).await == 1 }).await;
    let first = lines(&log);
    assert_eq!(first.len(), 1, "{first:?}");
    let parts: Vec<&str> = first[0].split(' ').collect();
    assert_eq!(parts[..2], ["start", "sk-general-danger"], "{first:?}");
    let sleeper = parts[3].to_owned();

    // An Update with the same signal: acknowledged, but the program is not restarted.
    let mut changed = content("Actual");
    changed["infos"][0]["headline"] = json!("Povodeň na Dunaji: hladina stále stúpa");
    let r =
        t.post(&format!("/api/v1/alerts/{alert}/update"), Auth::Session(&author), json!({ "content": changed })).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let update = approve_and_issue(&t, &approver, &r.json()).await["id"].as_i64().unwrap();
    until(dir.path(), "the Update's acknowledgement", || async { acknowledged(&t, &approver, update).await == 1 })
        .await;
    assert_eq!(lines(&log), first, "the repeat did not restart the program");
    assert!(!ended(&sleeper), "the program still sounds");

    // A Cancel: the program and its child are stopped, and the end signal sounds.
    let r =
        t.post(&format!("/api/v1/alerts/{update}/cancel"), Auth::Session(&approver), json!({ "kind": "cancel" })).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    until(dir.path(), "the end signal", || async { lines(&log).len() == 2 }).await;
    assert_eq!(lines(&log)[1], "end sk-end-of-danger Cancel");
    until(dir.path(), "the stop of the sounding program", || async { ended(&sleeper) }).await;
});

on_both!(a_restarted_agent_does_not_run_a_command_twice, |t: TestApp| async move {
    let op = t.user("olga", &[Role::Operator]).await;
    let author = t.user("ana", &[Role::Author]).await;
    let approver = t.user("boris", &[Role::Approver]).await;
    let (_, secret) = siren(&t, &op, "Agent 2").await;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("programs.log");
    let on = [("sk-general-danger", sounding(&log))];
    let agent = Agent::start(&t, &secret, dir.path(), &on);
    let first = issue(&t, &author, &approver).await;
    until(dir.path(), "the first alert's acknowledgement", || async { acknowledged(&t, &approver, first).await == 1 })
        .await;
    agent.terminate();

    // The first command is still listed (started, not completed); the state file says it was
    // taken on. A second alert shows that the new agent polls and runs what is new.
    let _agent = Agent::start(&t, &secret, dir.path(), &on);
    let mut other = content("Actual");
    other["infos"][0]["headline"] = json!("Iná udalosť");
    let second = approve_and_issue(&t, &approver, &submitted(&t, &author, other).await).await["id"].as_i64().unwrap();
    until(dir.path(), "the second alert's acknowledgement", || async {
        acknowledged(&t, &approver, second).await == 1
    })
    .await;
    // The second command's program writes its line after the acknowledgement may have landed;
    // a re-run of the first would have been started in the same pass over the poll's answer,
    // so a second more shows it too.
    until(dir.path(), "the second program's start", || async { lines(&log).len() >= 2 }).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let started: Vec<Vec<String>> =
        lines(&log).iter().map(|l| l.split(' ').take(3).map(str::to_owned).collect()).collect();
    assert_eq!(started.len(), 2, "one start per command, none repeated after the restart: {started:?}");
    assert!(started.iter().all(|s| s[..2] == ["start", "sk-general-danger"]), "{started:?}");
    assert_ne!(started[0][2], started[1][2], "two different commands ran: {started:?}");
});
