//! End to end: one Extreme alert to a whole town at once, through the real dispatcher in a
//! process of its own (`bench e2e-dispatcher`, which runs `tocsin serve` through the same
//! command line as the binary) on SQLite, to loopback peers: 100,000 Web Push subscribers,
//! 10,000 SMS recipients, 10,000 email recipients, 1,000 sirens and 100 displays
//! (`TOCSIN_BENCH_E2E_SCALE` multiplies every count). The peers are the benchmarks' minimal
//! ones (`peers.rs`) and the devices the devices scenario's load generator, each in a process
//! of its own, so neither the peers nor the devices bound what is measured.
//!
//! Figures: from the approval that issues the alert to the first and to the last message at
//! each peer, and to each device's command; the dispatcher's CPU time and peak resident
//! memory; and, for push, the CPU npm `web-push` (the baseline) would need only to encrypt and
//! sign as many messages, as a ratio to what the dispatcher spent on everything.

mod seed;

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use dispatcher::app::App;
use dispatcher::config::{Secret, Settings};
use dispatcher::domain::crypto::SecretKey;
use serde_json::{Value, json};

use crate::devices::{Load, latencies, percentiles};
use crate::measure::{Killed, stat_cpu_seconds, status_kib_of};
use crate::peers::{Arrivals, now_us};

/// How many of each recipient.
#[derive(Clone, Copy, Debug)]
pub struct Sizes {
    /// Web Push subscribers.
    pub push: usize,
    /// SMS recipients.
    pub sms: usize,
    /// Email recipients.
    pub email: usize,
    /// Sirens.
    pub sirens: usize,
    /// Displays.
    pub displays: usize,
}

/// The sizes, times `TOCSIN_BENCH_E2E_SCALE` (default 1).
pub fn sizes() -> Sizes {
    let scale: f64 = std::env::var("TOCSIN_BENCH_E2E_SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(1.0);
    let n = |x: f64| ((x * scale).round() as usize).max(1);
    Sizes { push: n(100_000.0), sms: n(10_000.0), email: n(10_000.0), sirens: n(1_000.0), displays: n(100.0) }
}

/// How long the whole fan-out may take before the scenario gives up.
const LIMIT: Duration = Duration::from_secs(600);

/// Runs the scenario.
pub fn run(sizes: Sizes) -> anyhow::Result<Value> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let dir = std::env::temp_dir().join(format!("tocsin-bench-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let r = rt.block_on(scenario(&dir, sizes));
    let _ = std::fs::remove_dir_all(&dir);
    r
}

/// The dispatcher's process: `bench e2e-dispatcher`, configured by `TOCSIN_*` variables.
pub fn dispatcher_main() -> std::process::ExitCode {
    dispatcher::cli::run_from(["tocsin", "serve"])
}

/// The three peers and what arrived at each.
struct Peers {
    push: Arc<Arrivals>,
    sms: Arc<Arrivals>,
    email: Arc<Arrivals>,
    ports: [u16; 3],
}

impl Peers {
    async fn start() -> anyhow::Result<Peers> {
        let (push, sms, email) = (Arc::<Arrivals>::default(), Arc::<Arrivals>::default(), Arc::<Arrivals>::default());
        let ports = [
            crate::peers::push_receiver(push.clone()).await?,
            crate::peers::smsc(sms.clone()).await?,
            crate::peers::smtp_sink(email.clone()).await?,
        ];
        Ok(Peers { push, sms, email, ports })
    }

    fn all_reached(&self, s: &Sizes) -> bool {
        self.push.recipients() >= s.push && self.sms.recipients() >= s.sms && self.email.recipients() >= s.email
    }
}

async fn scenario(dir: &std::path::Path, sizes: Sizes) -> anyhow::Result<Value> {
    dispatcher::server::install_crypto_provider();
    let peers = Peers::start().await?;
    let url = format!("sqlite://{}", dir.join("e2e.db").display());
    let key = SecretKey::generate_base64();
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let base = format!("http://127.0.0.1:{port}");

    let t = Instant::now();
    let mut s = Settings::default();
    s.database.url = Secret::new(url.clone());
    s.security.secret_key = Secret::new(key.clone());
    s.server.public_url = base.clone();
    let app = App::open(s).await?;
    let push_keys = browser_keys()?;
    let town = seed::town(&app, &sizes, &format!("http://127.0.0.1:{}", peers.ports[0]), &push_keys).await?;
    app.db.close().await;
    let seed_seconds = t.elapsed().as_secs_f64();

    let server = Server::start(&url, &key, port, &peers.ports)?;
    let pid = server.0.0.id().to_string();
    wait_ready(&base).await?;
    let mut loads = Vec::new();
    for (kind, secrets) in [("sirens", &town.sirens), ("displays", &town.displays)] {
        let file = dir.join(kind);
        std::fs::write(&file, secrets.join("\n"))?;
        let mut load = Load::start(&format!("127.0.0.1:{port}"), &file)?;
        load.expect("connected", 300)?;
        load.ask("wait 30", "wait", 10)?;
        loads.push(load);
    }
    let settle_seconds = settle(&pid).await;

    let session = sign_in(&base, &town).await?;
    let cpu0 = stat_cpu_seconds(&format!("/proc/{pid}/stat"))?;
    let issued_us = now_us();
    approve(&base, &town, &session).await?;
    let started = Instant::now();
    while !peers.all_reached(&sizes) {
        if started.elapsed() > LIMIT {
            bail!(
                "after {LIMIT:?} only {} push, {} SMS and {} email recipients were reached",
                peers.push.recipients(),
                peers.sms.recipients(),
                peers.email.recipients()
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut devices = Vec::new();
    for load in &mut loads {
        devices.push(load.ask("collect 300", "acks", 360)?);
    }
    let cpu = stat_cpu_seconds(&format!("/proc/{pid}/stat"))? - cpu0;
    let peak_mib = status_kib_of(&pid, "VmHWM").map(|k| (k / 1024.0).round());
    drop(loads);
    drop(server);

    let channel = |a: &Arrivals| {
        let (first, last) = a.first_and_last_us().unwrap_or_default();
        json!({
            "recipients": a.recipients(),
            "messages": a.messages(),
            "first_ms": ms(first.saturating_sub(issued_us)),
            "last_ms": ms(last.saturating_sub(issued_us)),
        })
    };
    let device = |v: &Value, n: usize| {
        let t = latencies(v, "received_us", issued_us);
        json!({ "devices": n, "commands_received": t.len(), "first_ms": t.first(), "issue_to_command_ms": percentiles(&t) })
    };
    Ok(json!({
        "scenario": "e2e",
        "backend": "sqlite",
        "sizes": { "push": sizes.push, "sms": sizes.sms, "email": sizes.email, "sirens": sizes.sirens, "displays": sizes.displays },
        "seed_seconds": round(seed_seconds),
        "settle_seconds": round(settle_seconds),
        "push": channel(&peers.push),
        "sms": channel(&peers.sms),
        "email": channel(&peers.email),
        "sirens": device(&devices[0], sizes.sirens),
        "displays": device(&devices[1], sizes.displays),
        "dispatcher": { "cpu_seconds": round(cpu), "peak_rss_mib": peak_mib },
        "baseline": baseline(sizes.push, cpu),
        "note": "the dispatcher (tocsin serve, SQLite, default settings but for the peers' addresses) runs in \
                 a process of its own; the peers run in the bench's process and the devices in two load \
                 generator processes, all on the same 2 cores. Times are from just before the approval \
                 request that issues the alert to the peer reading each message (push: the request; SMS: \
                 the submit_sm; email: the end of DATA) and to each device reading its command. The \
                 dispatcher's CPU is its user and system time from the approval until every recipient was \
                 reached and every device acknowledged its command; its peak memory is VmHWM over its whole life, \
                 including loading the targeting index and the push key pool at start.",
    }))
}

/// A browser's push subscription keys (a real P-256 public key and an auth secret), shared by
/// every subscriber: the receiver does not decrypt, but the dispatcher must encrypt.
fn browser_keys() -> anyhow::Result<Value> {
    use channels::push::VapidKey;
    let public = VapidKey::from_pkcs8(&VapidKey::generate()?)?.public_key();
    use base64::Engine as _;
    let auth = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([7u8; 16]);
    Ok(json!({ "p256dh": public, "auth": auth }))
}

/// The dispatcher's process, killed when dropped.
struct Server(Killed);

impl Server {
    fn start(url: &str, key: &str, port: u16, peers: &[u16; 3]) -> anyhow::Result<Server> {
        let [_, smsc, smtp] = peers.map(|p| p.to_string());
        let child = Command::new(std::env::current_exe()?)
            .arg("e2e-dispatcher")
            .env("TOCSIN_DATABASE_URL", url)
            .env("TOCSIN_SECURITY_SECRET_KEY", key)
            .env("TOCSIN_SERVER_LISTEN", format!("127.0.0.1:{port}"))
            .env("TOCSIN_SERVER_PUBLIC_URL", format!("http://127.0.0.1:{port}"))
            .env("TOCSIN_LOG_LEVEL", std::env::var("TOCSIN_BENCH_E2E_LOG").unwrap_or_else(|_| "warn".into()))
            .env("TOCSIN_CHANNELS_SMS_ENABLED", "true")
            .env("TOCSIN_CHANNELS_SMS_SMPP_HOST", "127.0.0.1")
            .env("TOCSIN_CHANNELS_SMS_SMPP_PORT", smsc)
            .env("TOCSIN_CHANNELS_SMS_SMPP_SYSTEM_ID", "tocsin")
            .env("TOCSIN_CHANNELS_SMS_SMPP_PASSWORD", "secret")
            .env("TOCSIN_CHANNELS_SMS_SMPP_SOURCE_ADDR", "Mesto")
            .env("TOCSIN_CHANNELS_EMAIL_ENABLED", "true")
            .env("TOCSIN_CHANNELS_EMAIL_HOST", "127.0.0.1")
            .env("TOCSIN_CHANNELS_EMAIL_PORT", smtp)
            .env("TOCSIN_CHANNELS_EMAIL_SECURITY", "none")
            .env("TOCSIN_CHANNELS_EMAIL_FROM", "Mesto <varovanie@town.example>")
            .stdout(Stdio::null())
            .spawn()
            .context("starting the dispatcher")?;
        Ok(Server(Killed(child)))
    }
}

async fn wait_ready(base: &str) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    for _ in 0..600 {
        if client.get(format!("{base}/readyz")).send().await.is_ok_and(|r| r.status().is_success()) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("the dispatcher was not ready within a minute")
}

/// Waits until the dispatcher is idle (under 0.05 CPU seconds in a second: its push key pool
/// is made and its index loaded), at most a minute; gives how long that took.
async fn settle(pid: &str) -> f64 {
    let start = Instant::now();
    let cpu = || stat_cpu_seconds(&format!("/proc/{pid}/stat")).unwrap_or(0.0);
    let mut before = cpu();
    while start.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = cpu();
        if now - before < 0.05 {
            break;
        }
        before = now;
    }
    start.elapsed().as_secs_f64()
}

/// The approver's session: its cookie and CSRF token.
struct Session {
    cookie: String,
    csrf: String,
}

/// Signs the approver in, as the admin app does.
async fn sign_in(base: &str, town: &seed::Town) -> anyhow::Result<Session> {
    let (name, password) = &town.approver;
    let r = reqwest::Client::new()
        .post(format!("{base}/api/v1/session"))
        .json(&json!({ "username": name, "password": password }))
        .send()
        .await?;
    if !r.status().is_success() {
        bail!("signing in answered {}: {}", r.status(), r.text().await.unwrap_or_default());
    }
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.split(';').next().filter(|c| c.starts_with("__Host-tocsin_session=")))
        .context("no session cookie")?
        .to_owned();
    let v: Value = r.json().await?;
    Ok(Session { cookie, csrf: v["csrfToken"].as_str().context("no CSRF token")?.to_owned() })
}

/// Approves the submitted alert and issues it, as its approver does in the admin app.
async fn approve(base: &str, town: &seed::Town, session: &Session) -> anyhow::Result<()> {
    let (id, sha) = &town.alert;
    let r = reqwest::Client::new()
        .post(format!("{base}/api/v1/alerts/{id}/approve"))
        .header("cookie", &session.cookie)
        .header("x-csrf-token", &session.csrf)
        .json(&json!({ "capSha256": sha, "issue": true }))
        .send()
        .await?;
    if !r.status().is_success() {
        bail!("approving answered {}: {}", r.status(), r.text().await.unwrap_or_default());
    }
    Ok(())
}

/// npm `web-push` encrypting and signing as many pushes, one thread, in CPU seconds, against
/// the dispatcher's CPU for the whole fan-out on every channel.
fn baseline(pushes: usize, dispatcher_cpu: f64) -> Value {
    let plaintext = match crate::push::alert() {
        Ok(a) => channels::push::payload(&a, &["sk".to_owned()]),
        Err(e) => return json!({ "skipped": e.to_string() }),
    };
    let Some(npm) = crate::push::npm_baseline(&plaintext) else {
        return json!({ "skipped": "Node.js or channels/tests/peers/node_modules missing (npm ci there)" });
    };
    let Some(rate) = npm["generate_request_details"]["per_second"].as_f64().filter(|r| *r > 0.0) else {
        return json!({ "skipped": "the npm baseline printed no rate", "npm": npm });
    };
    let npm_cpu = pushes as f64 / rate;
    json!({
        "npm_web_push_generate_request_details_per_cpu_second": rate.round(),
        "npm_cpu_seconds_for_the_pushes_alone": round(npm_cpu),
        "ratio_npm_pushes_alone_to_dispatcher_everything": round(npm_cpu / dispatcher_cpu.max(0.01)),
        "what": "npm web-push 3.6.7 generateRequestDetails() (encrypt + VAPID, no sending) measured in this run \
                 on one thread; the dispatcher's figure covers push, SMS, email, devices, targeting and the \
                 database. SMS, email and devices have no comparable baseline package to run here.",
    })
}

fn ms(us: u64) -> f64 {
    round(us as f64 / 1000.0)
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
