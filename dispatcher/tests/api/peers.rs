//! The channels' real peers on loopback, shared by the residents' tests: an SMSC on npm `smpp`
//! (its reports as JSON lines, commands on stdin), and Python's aiosmtpd and push receiver.
//! Absent peers are a skip on a user's machine and a failure under CI.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::mpsc;

pub const PATIENCE: Duration = Duration::from_secs(20);

/// The channels' peers (`channels/tests/peers`), when `npm ci` was run there and Python has
/// aiosmtpd and http_ece; a skip on a user's machine, a failure under CI.
pub fn peers() -> Option<PathBuf> {
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

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub async fn wait_for_port(port: u16) {
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("nothing listens on {port}");
}

/// The SMSC: its reports (JSON lines) and its command input.
pub struct Smsc {
    pub port: u16,
    child: Child,
    stdin: ChildStdin,
    reports: mpsc::UnboundedReceiver<Value>,
}

impl Smsc {
    pub async fn start(dir: &std::path::Path) -> Smsc {
        Smsc::start_on(dir, free_port()).await
    }

    /// An SMSC on a given port (a restarted one where the first was).
    pub async fn start_on(dir: &std::path::Path, port: u16) -> Smsc {
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
        let mut smsc = Smsc { port, child, stdin, reports };
        smsc.next("listening").await;
        smsc
    }

    pub async fn next(&mut self, event: &str) -> Value {
        loop {
            let report = tokio::time::timeout(PATIENCE, self.reports.recv()).await.unwrap().unwrap();
            if report["event"] == event {
                return report;
            }
        }
    }

    /// Whether no report of this event comes within a time.
    pub async fn none_within(&mut self, event: &str, wait: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + wait;
        while let Ok(Some(report)) = tokio::time::timeout_at(deadline, self.reports.recv()).await {
            if report["event"] == event {
                return false;
            }
        }
        true
    }

    /// The reports received so far, without waiting.
    pub fn drain(&mut self) -> Vec<Value> {
        let mut out = Vec::new();
        while let Ok(report) = self.reports.try_recv() {
            out.push(report);
        }
        out
    }

    /// Kills the SMSC at once (SIGKILL), as a crash would; gives the reports it had sent.
    pub async fn kill(&mut self) -> Vec<Value> {
        let _ = self.child.kill().await;
        // Its output up to the kill is still in the pipe.
        let mut out = Vec::new();
        while let Ok(Some(report)) = tokio::time::timeout(Duration::from_secs(2), self.reports.recv()).await {
            out.push(report);
        }
        out
    }

    pub async fn command(&mut self, command: Value) {
        self.stdin.write_all(format!("{command}\n").as_bytes()).await.unwrap();
        assert_eq!(self.next("ok").await["cmd"], command["cmd"]);
    }
}

pub fn python(dir: &std::path::Path, args: &[&str]) -> Child {
    Command::new("python3")
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

fn start_push(dir: &std::path::Path, port: u16, state: &std::path::Path) -> Child {
    python(dir, &["push_receiver.py", &port.to_string(), state.to_str().unwrap()])
}

fn start_smtp(dir: &std::path::Path, port: u16, maildir: &std::path::Path) -> Child {
    python(dir, &["smtp_server.py", "--port", &port.to_string(), "--dir", maildir.to_str().unwrap()])
}

/// The numbers the SMSC's `reports` show messages sent to. A long text arrives in parts (UDH
/// 05 00 03 ref total seq); a message counts once, by its first part; a refused submission
/// does not count.
pub fn sms_numbers(reports: &[Value]) -> Vec<String> {
    reports
        .iter()
        .filter(|r| r["event"] == "submit_sm" && r["answered"].is_null())
        .filter(|r| r["udh_hex"].as_str().is_none_or(|u| u.ends_with("01")))
        .filter_map(|r| r["destination_addr"].as_str().map(str::to_owned))
        .collect()
}

/// Every residents' peer running: a push receiver, an aiosmtpd server writing to a folder,
/// and the SMSC.
pub struct Peers {
    pub dir: PathBuf,
    pub push_port: u16,
    pub smtp_port: u16,
    pub smsc: Smsc,
    pub maildir: tempfile::TempDir,
    /// Where the push receiver keeps its keys and appends what it receives.
    pub push_state: tempfile::TempDir,
    push: Child,
    smtp: Child,
}

impl Peers {
    /// Starts them; `None` (a skip) when they are not installed.
    pub async fn start() -> Option<Peers> {
        let dir = peers()?;
        let (push_port, smtp_port) = (free_port(), free_port());
        let (maildir, push_state) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let push = start_push(&dir, push_port, push_state.path());
        let smtp = start_smtp(&dir, smtp_port, maildir.path());
        let smsc = Smsc::start(&dir).await;
        wait_for_port(push_port).await;
        wait_for_port(smtp_port).await;
        Some(Peers { dir, push_port, smtp_port, smsc, maildir, push_state, push, smtp })
    }

    /// Kills the SMSC at once (SIGKILL); gives the reports it had sent.
    pub async fn kill_smsc(&mut self) -> Vec<Value> {
        self.smsc.kill().await
    }

    /// Starts the SMSC again where it was.
    pub async fn restart_smsc(&mut self) {
        self.smsc = Smsc::start_on(&self.dir, self.smsc.port).await;
    }

    /// Kills the push service at once (SIGKILL).
    pub async fn kill_push(&mut self) {
        let _ = self.push.kill().await;
    }

    /// Starts the push service again where it was, with the same subscription keys.
    pub async fn restart_push(&mut self) {
        self.push = start_push(&self.dir, self.push_port, self.push_state.path());
        wait_for_port(self.push_port).await;
    }

    /// Kills the SMTP server at once (SIGKILL).
    pub async fn kill_smtp(&mut self) {
        let _ = self.smtp.kill().await;
    }

    /// Starts the SMTP server again where it was, writing to the same folder.
    pub async fn restart_smtp(&mut self) {
        self.smtp = start_smtp(&self.dir, self.smtp_port, self.maildir.path());
        wait_for_port(self.smtp_port).await;
    }

    /// `n` verified residents on each of push (`/push/r{i}` on this push service), SMS
    /// (+421 900 00000i) and email (`r{i}@levice.example`).
    pub async fn residents(&self, n: usize) -> Vec<dispatcher::domain::subscriptions::Subscription> {
        let url = format!("http://127.0.0.1:{}", self.push_port);
        let keys: Value = reqwest::get(format!("{url}/subscription")).await.unwrap().json().await.unwrap();
        let mut out = Vec::new();
        for i in 0..n {
            let endpoint = format!("{url}/push/r{i}");
            out.push(crate::residents::resident(
                "push",
                serde_json::json!({ "endpoint": endpoint, "keys": keys }).to_string(),
            ));
            out.push(crate::residents::resident("sms", format!("+421 900 {i:06}")));
            out.push(crate::residents::resident("email", format!("r{i}@levice.example")));
        }
        out
    }

    /// The recipients of every mail the SMTP server stored (across its restarts).
    pub fn mail_recipients(&self) -> Vec<String> {
        self.mails()
            .iter()
            .flat_map(|m| m["meta"]["rcpt_tos"].as_array().cloned().unwrap_or_default())
            .filter_map(|r| r.as_str().map(str::to_owned))
            .collect()
    }

    /// The paths every push arrived at, across restarts of the push service.
    pub fn push_paths(&self) -> Vec<String> {
        let text = std::fs::read_to_string(self.push_state.path().join("records.jsonl")).unwrap_or_default();
        text.lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|r| r["decryptError"].is_null())
            .filter_map(|r| r["path"].as_str().map(str::to_owned))
            .collect()
    }

    /// Settings that send SMS to the SMSC and email to the SMTP server.
    pub fn configure(&self) -> impl FnOnce(&mut dispatcher::config::Settings) + use<> {
        let (smsc_port, smtp_port) = (self.smsc.port, self.smtp_port);
        move |s| {
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
        }
    }

    /// The mails the SMTP server got, parsed by Python's email package.
    pub fn mails(&self) -> Vec<Value> {
        let out = std::process::Command::new("python3")
            .arg(self.dir.join("smtp_parse.py"))
            .arg(self.maildir.path())
            .output()
            .unwrap();
        serde_json::from_slice::<Vec<Value>>(&out.stdout).unwrap_or_default()
    }
}
