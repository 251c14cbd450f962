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
    _child: Child,
    stdin: ChildStdin,
    reports: mpsc::UnboundedReceiver<Value>,
}

impl Smsc {
    pub async fn start(dir: &std::path::Path) -> Smsc {
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

/// Every residents' peer running: a push receiver, an aiosmtpd server writing to a folder,
/// and the SMSC.
pub struct Peers {
    pub dir: PathBuf,
    pub push_port: u16,
    pub smtp_port: u16,
    pub smsc: Smsc,
    pub maildir: tempfile::TempDir,
    _push: Child,
    _smtp: Child,
}

impl Peers {
    /// Starts them; `None` (a skip) when they are not installed.
    pub async fn start() -> Option<Peers> {
        let dir = peers()?;
        let (push_port, smtp_port) = (free_port(), free_port());
        let maildir = tempfile::tempdir().unwrap();
        let _push = python(&dir, &["push_receiver.py", &push_port.to_string()]);
        let smtp_args = ["smtp_server.py", "--port", &smtp_port.to_string(), "--dir", maildir.path().to_str().unwrap()];
        let _smtp = python(&dir, &smtp_args);
        let smsc = Smsc::start(&dir).await;
        wait_for_port(push_port).await;
        wait_for_port(smtp_port).await;
        Some(Peers { dir, push_port, smtp_port, smsc, maildir, _push, _smtp })
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
