//! What several scenarios measure or need alike: CPU time and memory from `/proc` (Linux), and
//! the staff members that create and approve a benchmark's alert.

use anyhow::Context;
use dispatcher::app::App;
use dispatcher::domain::accounts;
use dispatcher::domain::audit::Actor;
use dispatcher::domain::caller::{Caller, Via};
use dispatcher::domain::roles::Role;

/// utime plus stime from a `/proc/…/stat` file (`/proc/self/stat`, `/proc/thread-self/stat`,
/// `/proc/PID/stat`), in seconds (clock ticks of 1/100 s).
pub fn stat_cpu_seconds(path: &str) -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string(path)?;
    // The fields after the command name, which ends with the last ')': utime and stime, fields
    // 14 and 15 of the file, are 11 and 12 here.
    let after = stat.rsplit_once(')').with_context(|| format!("unexpected {path}"))?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 =
        fields.get(11).context("utime")?.parse::<f64>()? + fields.get(12).context("stime")?.parse::<f64>()?;
    Ok(ticks / 100.0)
}

/// A field of `/proc/self/status` in KiB: `VmRSS` (resident now), `VmHWM` (the peak).
pub fn status_kib(field: &str) -> Option<f64> {
    status_kib_of("self", field)
}

/// A field of `/proc/PID/status` in KiB.
pub fn status_kib_of(pid: &str, field: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.strip_prefix(field).is_some_and(|r| r.starts_with(':')))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A signed-in staff member with one role, made for the benchmark.
pub async fn caller(app: &App, name: &str, role: Role) -> anyhow::Result<Caller> {
    let (u, _) = accounts::add(app, &Actor::System, "bench", name, name, &[role], Some("a long enough password"))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let via = Via::Session {
        id_hash: "bench".into(),
        csrf: "bench".into(),
        second_factor: true,
        must_change_password: false,
        expires_ms: i64::MAX,
    };
    Ok(Caller {
        actor: Actor::User { id: u.id, username: u.username },
        roles: vec![role],
        address: "bench".into(),
        via,
    })
}

/// The benchmarks' alert: Actual, Extreme, Immediate, a flood over the polygon `ring`
/// (latitude, longitude), expiring in two hours.
pub fn flood(ring: &[[f64; 2]]) -> serde_json::Value {
    let expires = (chrono::Local::now() + chrono::Duration::hours(2)).format("%Y-%m-%dT%H:%M:%S%:z").to_string();
    serde_json::json!({
        "status": "Actual",
        "infos": [{
            "language": "sk", "categories": ["Met"], "event": "Povodeň", "urgency": "Immediate",
            "severity": "Extreme", "certainty": "Observed", "expires": expires,
            "headline": "Povodeň", "description": "Hladina Dunaja stúpa.", "instruction": "Opustite nábrežie.",
            "areas": [{ "areaDesc": "Bratislavský kraj", "polygons": [ring] }]
        }]
    })
}

/// A child process killed when dropped, however the scenario ends.
pub struct Killed(pub std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
