//! Parse plus validate of every alert in the CAP corpus: alerts per second on one core.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use cap_alerts::{Mode, Reader};
use serde_json::{Value, json};

/// The alerts of the corpus (`valid/` and `invalid/`), as bytes.
pub fn corpus_alerts(corpus: &Path) -> anyhow::Result<Vec<Vec<u8>>> {
    let mut files = Vec::new();
    let mut stack = vec![corpus.join("valid"), corpus.join("invalid")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "xml" || e == "cap") {
                files.push(std::fs::read(&path)?);
            }
        }
    }
    if files.is_empty() {
        bail!("no CAP files under {}", corpus.display());
    }
    Ok(files)
}

/// Reads and validates each alert (lenient mode, so that every file yields its model and all
/// its findings), and returns the number of findings so the work cannot be optimised away.
pub fn parse_and_validate(alerts: &[Vec<u8>]) -> usize {
    let reader = Reader::new().mode(Mode::Lenient);
    alerts.iter().map(|a| reader.check(a).findings.len()).sum()
}

/// Runs parse plus validate over the corpus repeatedly for about `budget` and reports the rate,
/// for the whole corpus and for its typical alerts (under 200 KB; the six largest files are
/// 880 KB each, most of it one 41,000-point polygon, and dominate the whole-corpus rate).
pub fn run(corpus: &Path, budget: Duration) -> anyhow::Result<Value> {
    let alerts = corpus_alerts(corpus)?;
    let typical: Vec<Vec<u8>> = alerts.iter().filter(|a| a.len() < 200 * 1024).cloned().collect();
    let whole = measure(&alerts, budget / 2);
    let small = measure(&typical, budget / 2);
    Ok(json!({
        "scenario": "cap-parse-validate",
        "what": "read and validate (lenient, core rules) every alert of the CAP corpus, one thread",
        "corpus": whole,
        "typical_alerts": small,
    }))
}

fn measure(alerts: &[Vec<u8>], budget: Duration) -> Value {
    let bytes: usize = alerts.iter().map(Vec::len).sum();
    parse_and_validate(alerts);
    let start = Instant::now();
    let mut rounds = 0u64;
    let mut findings = 0usize;
    while start.elapsed() < budget {
        findings += parse_and_validate(alerts);
        rounds += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    json!({
        "alerts": alerts.len(),
        "bytes": bytes,
        "rounds": rounds,
        "seconds": round(secs),
        "alerts_per_second": round(alerts.len() as f64 * rounds as f64 / secs),
        "mib_per_second": round(bytes as f64 * rounds as f64 / secs / 1_048_576.0),
        "findings_per_round": findings as u64 / rounds.max(1),
    })
}

fn round(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}
