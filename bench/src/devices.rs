//! Sirens and displays long-polling one Tocsin instance on SQLite: `N` devices (10,000 unless
//! `TOCSIN_BENCH_DEVICES` says otherwise) connect and poll; one alert covers them all.
//!
//! Figures: the server's polls per second at idle with `wait=1` (each a `304`), and its CPU
//! while doing that; the server's resident memory per held long poll (`wait=30`); and the time
//! from issuing the alert to each device's command and `received` acknowledgement: p50, p99,
//! max. The devices run in a child process (`devices/load.rs`), so the server's figures are its
//! own, and because one process cannot hold 20,000 loopback descriptors where the hard limit is
//! 20,000.

mod agents;
mod load;

use std::io::{BufRead, BufReader, Write};
use std::process::{ChildStdin, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use dispatcher::app::App;
use dispatcher::config::{Secret, Settings};
use dispatcher::domain::alerts::lifecycle::{self, CreateRequest};
use dispatcher::domain::audit::Actor;
use dispatcher::domain::caller::Caller;
use dispatcher::domain::crypto::SecretKey;
use dispatcher::domain::devices::{self, NewDevice};
use dispatcher::domain::roles::Role;
use serde_json::{Value, json};

use crate::measure::caller;

pub use load::main as load_main;

/// Seconds of idle polling counted.
const IDLE_SECONDS: u64 = 10;

/// How many devices: `TOCSIN_BENCH_DEVICES` or 10,000.
pub fn devices() -> usize {
    std::env::var("TOCSIN_BENCH_DEVICES").ok().and_then(|s| s.parse().ok()).unwrap_or(10_000)
}

/// Runs the scenario.
pub fn run(n: usize) -> anyhow::Result<Value> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let dir = tempfile_dir()?;
    let r = rt.block_on(scenario(&dir, n));
    let _ = std::fs::remove_dir_all(&dir);
    r
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("tocsin-bench-devices-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

async fn scenario(dir: &std::path::Path, n: usize) -> anyhow::Result<Value> {
    dispatcher::server::install_crypto_provider();
    let mut s = Settings::default();
    s.database.url = Secret::new(format!("sqlite://{}", dir.join("bench.db").display()));
    s.security.secret_key = Secret::new(SecretKey::generate_base64());
    s.server.public_url = "http://127.0.0.1".into();
    let app = App::open(s).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?.to_string();
    tokio::spawn(dispatcher::server::run(app.clone(), listener, std::future::pending()));
    let _engine = dispatcher::fanout::spawn(&app, dispatcher::fanout::configured_channels(&app).await?);

    let t = Instant::now();
    let secrets = register(&app, n).await?;
    let register_seconds = t.elapsed().as_secs_f64();
    let secrets_file = dir.join("secrets");
    std::fs::write(&secrets_file, secrets.join("\n"))?;
    let author = caller(&app, "ana", Role::Author).await?;
    let approver = caller(&app, "boris", Role::Approver).await?;
    let rss_before = rss_kib();

    let mut load = Load::start(&addr, &secrets_file)?;
    let t = Instant::now();
    load.expect("connected", 300)?;
    let connect_seconds = t.elapsed().as_secs_f64();
    let (cpu0, load_cpu0) = (cpu_seconds("self"), cpu_seconds(&load.child.id().to_string()));
    let idle = load.ask(&format!("idle {IDLE_SECONDS}"), "idle", IDLE_SECONDS + 60)?;
    let idle_cpu = (cpu_seconds("self") - cpu0) / IDLE_SECONDS as f64;
    let load_cpu = (cpu_seconds(&load.child.id().to_string()) - load_cpu0) / IDLE_SECONDS as f64;
    let polls = idle["not_modified"].as_f64().unwrap_or(0.0) / IDLE_SECONDS as f64;
    load.ask("wait 30", "wait", 10)?;
    // Every poll of one second has ended and become a held poll of thirty.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let rss_holding = rss_kib();

    let issued_us = now_us();
    let alert = issue(&app, &author, &approver).await?;
    let acks = load.ask("collect 300", "acks", 360)?;
    let (received, acked) = (latencies(&acks, "received_us", issued_us), latencies(&acks, "acked_us", issued_us));
    if acked.len() < n {
        eprintln!("only {} of {n} devices acknowledged", acked.len());
    }
    let states = delivery_states(&app, alert).await?;
    drop(load);
    let agents = agents::run(&app, &addr, &author, &approver).await?;

    Ok(json!({
        "scenario": "devices",
        "backend": "sqlite",
        "devices": n,
        "register_seconds": round(register_seconds),
        "connect_seconds": round(connect_seconds),
        "idle": {
            "wait_seconds": 1,
            "polls_per_second": polls.round(),
            "server_cpu_cores": round(idle_cpu),
            "load_generator_cpu_cores": round(load_cpu),
        },
        "memory": {
            "server_rss_mib_before": mib(rss_before),
            "server_rss_mib_holding": mib(rss_holding),
            "kib_per_held_poll": rss_holding.zip(rss_before).map(|(a, b)| round((a - b) / n as f64)),
        },
        "issue_to_command_ms": percentiles(&received),
        "issue_to_received_ack_ms": percentiles(&acked),
        "acknowledged": acked.len(),
        "delivery_states": states,
        "client_errors": acks["errors"],
        "reference_agents": agents,
        "note": "one process serves (SQLite, fan-out engine running), a child process simulates the devices with \
                 keep-alive HTTP/1.1 connections; both on the same 2 cores. Times are from just before the \
                 alert's approval (issue) to the device reading its command and to the 204 of its `received` \
                 ack; the last one is `max`. Memory is the server's VmRSS with every device holding a 30 s poll, \
                 less VmRSS before they connected, per device (kernel socket buffers not included). \
                 reference_agents: afterwards, real `tocsin device-agent` processes as sirens under an alert \
                 of their own, each running `true` for the signal and acknowledging it completed.",
    }))
}

/// Registers `n` sirens in the alert's area; gives their secrets.
async fn register(app: &App, n: usize) -> anyhow::Result<Vec<String>> {
    let mut secrets = Vec::with_capacity(n);
    for i in 0..n {
        let (lat, lon) = (48.10 + (i % 100) as f64 * 0.002, 17.05 + (i / 100 % 100) as f64 * 0.002);
        secrets.push(add_siren(app, format!("siren {i}"), lat, lon).await?);
    }
    Ok(secrets)
}

/// Registers one siren; gives its secret.
async fn add_siren(app: &App, name: String, lat: f64, lon: f64) -> anyhow::Result<String> {
    let d = NewDevice {
        kind: "siren".into(),
        name,
        lat,
        lon,
        groups: vec![],
        capabilities: vec!["tones".into()],
        poll_seconds: None,
        mqtt: false,
    };
    let (_, secret) =
        devices::add(app, &Actor::System, "bench", &d).await.map_err(|e| anyhow::anyhow!("adding a device: {e}"))?;
    Ok(secret)
}

/// The load generator, this same binary as `devices-load`.
pub(crate) struct Load {
    child: std::process::Child,
    stdin: ChildStdin,
    lines: std::sync::mpsc::Receiver<String>,
}

impl Load {
    pub(crate) fn start(addr: &str, secrets: &std::path::Path) -> anyhow::Result<Load> {
        let mut child = Command::new(std::env::current_exe()?)
            .arg("devices-load")
            .arg(addr)
            .arg(secrets)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .context("starting the load generator")?;
        let stdin = child.stdin.take().context("no stdin")?;
        let stdout = child.stdout.take().context("no stdout")?;
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Ok(Load { child, stdin, lines })
    }

    /// Waits for the next line, which must be the named event.
    pub(crate) fn expect(&mut self, event: &str, seconds: u64) -> anyhow::Result<Value> {
        let line = self
            .lines
            .recv_timeout(Duration::from_secs(seconds))
            .with_context(|| format!("the load generator did not report {event:?}"))?;
        let v: Value = serde_json::from_str(&line)?;
        if v["event"] != event {
            bail!("the load generator said {line} instead of {event:?}");
        }
        Ok(v)
    }

    pub(crate) fn ask(&mut self, command: &str, event: &str, seconds: u64) -> anyhow::Result<Value> {
        writeln!(self.stdin, "{command}")?;
        self.stdin.flush()?;
        self.expect(event, seconds)
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Creates, submits, approves and so issues an alert over the sirens' area.
async fn issue(app: &App, author: &Caller, approver: &Caller) -> anyhow::Result<i64> {
    let ring = [[48.0, 17.0], [48.0, 17.4], [48.4, 17.4], [48.4, 17.0], [48.0, 17.0]];
    issue_over(app, author, approver, ring).await
}

/// Creates, submits, approves and so issues an alert over a polygon (latitude, longitude).
async fn issue_over(app: &App, author: &Caller, approver: &Caller, ring: [[f64; 2]; 5]) -> anyhow::Result<i64> {
    let content = crate::measure::flood(&ring);
    let e = |e: dispatcher::domain::error::Error| anyhow::anyhow!("{e}");
    let row = lifecycle::create(app, author, CreateRequest { content: Some(content), ..Default::default() })
        .await
        .map_err(e)?;
    let row = lifecycle::submit(app, author, row.id, &[]).await.map_err(e)?;
    let sha = row.cap_sha256.clone().context("submitted without a hash")?;
    Ok(lifecycle::approve(app, approver, row.id, &sha, true).await.map_err(e)?.id)
}

async fn delivery_states(app: &App, alert: i64) -> anyhow::Result<Value> {
    let summary = dispatcher::db::deliveries::summary(&mut app.db.read().await?, alert).await?;
    Ok(summary.iter().map(|c| (format!("{}/{}", c.channel, c.status), json!(c.n))).collect())
}

/// The load generator's times under `key` (microseconds since the epoch), as milliseconds
/// after `issued_us`, sorted.
pub(crate) fn latencies(acks: &Value, key: &str, issued_us: u64) -> Vec<f64> {
    let mut v: Vec<f64> = acks[key]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_u64)
        .map(|us| us.saturating_sub(issued_us) as f64 / 1000.0)
        .collect();
    v.sort_by(f64::total_cmp);
    v
}

pub(crate) fn percentiles(sorted: &[f64]) -> Value {
    let at = |q: f64| sorted.get(((sorted.len() as f64 * q).ceil() as usize).saturating_sub(1)).copied();
    json!({
        "p50": at(0.50).map(round),
        "p99": at(0.99).map(round),
        "max": sorted.last().copied().map(round),
    })
}

fn now_us() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros() as u64)
}

/// The process's resident memory in KiB (Linux).
fn rss_kib() -> Option<f64> {
    crate::measure::status_kib("VmRSS")
}

/// A process's CPU time so far (user and system), in seconds (Linux); 0 when unreadable.
fn cpu_seconds(pid: &str) -> f64 {
    crate::measure::stat_cpu_seconds(&format!("/proc/{pid}/stat")).unwrap_or(0.0)
}

fn mib(kib: Option<f64>) -> Value {
    kib.map_or(Value::Null, |k| json!((k / 1024.0).round()))
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
