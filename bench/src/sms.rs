//! SMPP submits per second through the real `Smpp` channel (compose, plan, encode, window,
//! binds) at a loopback SMSC. The main figure is against a minimal SMSC inside this bench
//! (raw SMPP PDUs: bind_transceiver_resp, submit_sm_resp, enquire_link_resp), so that the
//! peer is not the bottleneck; a second figure is against the test SMSC on npm `smpp`'s
//! server when Node.js and the test peers are installed.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use channels::sms::SmsOptions;
use channels::sms::smpp::{Smpp, SmppConfig};
use channels::{AlertPayload, Channel, Message, Outcome, Recipient};
use serde_json::{Value, json};

use crate::measure::Killed;
use tokio::net::TcpStream;

const BINDS: u32 = 4;
const WINDOW: u32 = 32;

/// How many messages each run sends (`TOCSIN_BENCH_SMS_MESSAGES`, default 20,000).
pub fn messages() -> usize {
    std::env::var("TOCSIN_BENCH_SMS_MESSAGES").ok().and_then(|s| s.parse().ok()).unwrap_or(20_000)
}

/// Runs the scenario against the in-bench SMSC and, when available, the npm one.
pub fn run(n: usize) -> anyhow::Result<Vec<Value>> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async {
        let port = crate::peers::smsc(Arc::default()).await?;
        let mut results = vec![send_all(port, n, "minimal SMSC in the bench (raw SMPP over tokio, loopback)").await?];
        if let Some(npm) = npm_smsc().await? {
            results.push(send_all(npm.1, n.min(5_000), "npm smpp 0.5.1 server (channels/tests/peers/smsc.js)").await?);
        }
        Ok(results)
    })
}

/// Sends `n` single-segment messages with as many in flight as the binds' windows hold.
async fn send_all(port: u16, n: usize, peer: &str) -> anyhow::Result<Value> {
    let (events, mut rx) = tokio::sync::mpsc::channel(16);
    tokio::spawn(async move { while rx.recv().await.is_some() {} });
    let smpp = Arc::new(Smpp::start(config(port), events)?);
    let deadline = Instant::now() + Duration::from_secs(20);
    while smpp.health().state != channels::HealthState::Up {
        if Instant::now() > deadline {
            bail!("the binds did not come up: {}", smpp.health().detail);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let alert = Arc::new(alert()?);
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let workers = (BINDS * WINDOW) as usize;
    let mut tasks = Vec::with_capacity(workers);
    for _ in 0..workers {
        let (smpp, alert, next) = (smpp.clone(), alert.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut failed = 0u64;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n as u64 {
                    return failed;
                }
                let m = Message {
                    delivery_id: i as i64,
                    attempt: 1,
                    alert: alert.clone(),
                    recipient: Recipient::Sms { number: format!("+4219{:08}", i), languages: vec!["en".into()] },
                };
                if !matches!(smpp.send(&m).await, Outcome::Sent { .. }) {
                    failed += 1;
                }
            }
        }));
    }
    let mut failed = 0;
    for t in tasks {
        failed += t.await?;
    }
    let seconds = started.elapsed().as_secs_f64();
    if failed > 0 {
        bail!("{failed} of {n} messages were not sent");
    }
    Ok(json!({
        "scenario": "sms",
        "messages": n,
        "seconds": seconds,
        "messages_per_second": n as f64 / seconds,
        "binds": BINDS,
        "window": WINDOW,
        "segments_per_message": 1,
        "peer": peer,
    }))
}

fn config(port: u16) -> SmppConfig {
    SmppConfig {
        host: "127.0.0.1".into(),
        port,
        tls: false,
        system_id: "tocsin".into(),
        password: "secret".into(),
        system_type: String::new(),
        source_addr: "Tocsin".into(),
        source_ton: 5,
        source_npi: 0,
        binds: BINDS,
        window: WINDOW,
        rate_per_second: 0.0,
        enquire_link: Duration::from_secs(30),
        request_receipts: true,
        sms: SmsOptions::default(),
        timeout: Duration::from_secs(10),
    }
}

fn alert() -> anyhow::Result<AlertPayload> {
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>BENCH-SMS</identifier><sender>ops@example.org</sender>
  <sent>2026-11-23T10:00:00+01:00</sent><status>Actual</status><msgType>Alert</msgType>
  <scope>Public</scope>
  <info><language>en-GB</language><category>Met</category><event>Flood</event>
    <urgency>Immediate</urgency><severity>Severe</severity><certainty>Observed</certainty>
    <headline>Flood on the Hron</headline><instruction>Move to higher ground now.</instruction>
    <area><areaDesc>Hron</areaDesc></area></info>
</alert>"#;
    let doc = cap_alerts::Reader::new().read(xml.as_bytes())?;
    Ok(AlertPayload::new(1, doc.alert, Arc::from(xml.as_bytes()), "live", None)
        .with_page_url(Some("https://tocsin.example/a/1".into())))
}

/// The npm SMSC of the channel tests, when Node.js and `npm ci` have been run there.
async fn npm_smsc() -> anyhow::Result<Option<(Killed, u16)>> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../channels/tests/peers"));
    if !dir.join("node_modules/smpp").is_dir() {
        return Ok(None);
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let child = std::process::Command::new("node")
        .arg(dir.join("smsc.js"))
        .args([&port.to_string(), "tocsin", "secret"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn();
    let Ok(child) = child else { return Ok(None) };
    let child = Killed(child);
    for _ in 0..100 {
        if TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return Ok(Some((child, port)));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(anyhow::anyhow!("the npm SMSC did not start")).context("starting channels/tests/peers/smsc.js")
}
