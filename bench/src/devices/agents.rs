//! The reference device agent as the load: `AGENTS` real `tocsin device-agent` processes (the
//! binary beside this one) poll as sirens, run a program for the alert's signal and acknowledge
//! `completed` when it ends. Measured: issue to each agent's `received` and `completed`, from
//! the delivery rows.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;
use dispatcher::app::App;
use dispatcher::domain::caller::Caller;
use dispatcher::domain::devices;
use serde_json::{Value, json};

/// Agents started: each is a process of its own.
pub const AGENTS: usize = 50;
/// Where they stand: north of the main scenario's area, covered by their own alert.
const LAT: f64 = 49.2;

/// Runs the agents' phase against the running server at `addr`.
pub async fn run(app: &App, addr: &str, author: &Caller, approver: &Caller) -> anyhow::Result<Value> {
    let exe = std::env::current_exe()?.with_file_name("tocsin");
    if !exe.exists() {
        return Ok(json!({ "skipped": "no tocsin binary beside the bench: cargo build --release -p dispatcher" }));
    }
    let dir = std::env::temp_dir().join(format!("tocsin-bench-agents-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let mut agents = Vec::with_capacity(AGENTS);
    for i in 0..AGENTS {
        let (lat, lon) = (LAT + (i % 10) as f64 * 0.002, 17.05 + (i / 10) as f64 * 0.002);
        let secret = super::add_siren(app, format!("agent {i}"), lat, lon).await?;
        agents.push(Agents::start(&exe, addr, &secret, &dir.join(format!("agent-{i}.json")))?);
    }
    // Every agent has polled once (and so holds its next poll).
    let seen = wait(Duration::from_secs(60), || async {
        let list = devices::list(app).await.ok()?;
        let n = list.iter().filter(|d| d.name.starts_with("agent ") && d.last_seen.is_some()).count();
        (n == AGENTS).then_some(())
    })
    .await;
    seen.context("not every agent polled within 60 s")?;
    let issued_ms = dispatcher::db::now_ms();
    let started = Instant::now();
    let ring = [[49.1, 17.0], [49.1, 17.1], [49.3, 17.1], [49.3, 17.0], [49.1, 17.0]];
    let alert = super::issue_over(app, author, approver, ring).await?;
    let answers = wait(Duration::from_secs(120), || async {
        let a = dispatcher::db::siren_tests::answers(&mut app.db.read().await.ok()?, alert).await.ok()?;
        (a.len() == AGENTS && a.iter().all(|a| a.device_state.as_deref() == Some("completed"))).then_some(a)
    })
    .await;
    let seconds = started.elapsed().as_secs_f64();
    drop(agents);
    let _ = std::fs::remove_dir_all(&dir);
    let Some(answers) = answers else {
        return Ok(json!({ "agents": AGENTS, "error": "not every agent completed within 120 s" }));
    };
    let ms = |f: fn(&dispatcher::db::siren_tests::Answer) -> Option<i64>| -> Vec<f64> {
        let mut v: Vec<f64> = answers.iter().filter_map(f).map(|t| (t - issued_ms) as f64).collect();
        v.sort_by(f64::total_cmp);
        v
    };
    Ok(json!({
        "agents": AGENTS,
        "program": "true (the signal's program ends at once)",
        "issue_to_received_ms": super::percentiles(&ms(|a| a.delivered_ms)),
        "issue_to_completed_ms": super::percentiles(&ms(|a| Some(a.updated_ms))),
        "seconds_until_all_completed": (seconds * 1000.0).round() / 1000.0,
    }))
}

/// Polls `check` every 100 ms until it gives something or `limit` passes.
async fn wait<T, F, Fut>(limit: Duration, mut check: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let until = Instant::now() + limit;
    while Instant::now() < until {
        if let Some(v) = check().await {
            return Some(v);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}

/// One agent process, killed when dropped.
struct Agents(Child);

impl Agents {
    fn start(exe: &std::path::Path, addr: &str, secret: &str, state: &std::path::Path) -> anyhow::Result<Agents> {
        let child = Command::new(exe)
            .args(["device-agent", "--server", &format!("http://{addr}"), "--on", "sk-general-danger=true"])
            .arg("--state-file")
            .arg(state)
            .env("TOCSIN_DEVICE_SECRET", secret)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting tocsin device-agent")?;
        Ok(Agents(child))
    }
}

impl Drop for Agents {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
