//! SMTP messages per second through the real email channel (rendering, pool, SMTP) at a
//! loopback server: aiosmtpd as a sink (the tests' peer, one Python process), and a minimal
//! SMTP sink in Rust here, which shows what the channel does when the server keeps up.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use channels::email::{Email, EmailConfig, Security};
use channels::{AlertPayload, Channel, Message, Outcome, Recipient};
use serde_json::{Value, json};

/// How many messages: `TOCSIN_BENCH_EMAILS`, else 10,000.
pub fn messages() -> usize {
    std::env::var("TOCSIN_BENCH_EMAILS").ok().and_then(|s| s.parse().ok()).unwrap_or(10_000)
}

/// Runs the scenario against both peers; aiosmtpd is skipped (with a note) if Python or the
/// module is missing.
pub fn run(n: usize) -> anyhow::Result<Vec<Value>> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let mut out = Vec::new();
    match AioSmtpd::start() {
        Ok(peer) => out.push(rt.block_on(measure("aiosmtpd 1.4 sink (Python, one process)", peer.port, n))?),
        Err(e) => eprintln!("email against aiosmtpd skipped: {e:#}"),
    }
    let port = rt.block_on(crate::peers::smtp_sink(Arc::default()))?;
    out.push(rt.block_on(measure("minimal SMTP sink in Rust (tokio, in the bench process)", port, n))?);
    Ok(out)
}

async fn measure(peer: &str, port: u16, n: usize) -> anyhow::Result<Value> {
    let config = EmailConfig { port, ..EmailConfig::new("127.0.0.1", Security::None, "Bench <warn@town.example>") };
    let pool_size = config.pool_size;
    let email = Arc::new(Email::new(config)?);
    email.check().await.context("the SMTP peer does not answer")?;
    let alert = payload()?;
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    // Four senders per connection keep every connection busy while others render.
    let workers: Vec<_> = (0..pool_size as usize * 4)
        .map(|_| tokio::spawn(sender(email.clone(), alert.clone(), next.clone(), n)))
        .collect();
    let mut sent = 0;
    for w in workers {
        sent += w.await??;
    }
    let seconds = start.elapsed().as_secs_f64();
    if sent != n {
        bail!("only {sent} of {n} messages were accepted by {peer}");
    }
    Ok(json!({
        "scenario": "email",
        "what": "alert emails (sk, en, uk; text and HTML) sent through channels::email::Email to a loopback SMTP server",
        "peer": peer,
        "messages": n,
        "seconds": (seconds * 1000.0).round() / 1000.0,
        "messages_per_second": (n as f64 / seconds).round(),
        "pool_size": pool_size,
    }))
}

/// Sends messages until `n` have been taken; returns how many were accepted.
async fn sender(
    email: Arc<Email>,
    alert: Arc<AlertPayload>,
    next: Arc<AtomicUsize>,
    n: usize,
) -> anyhow::Result<usize> {
    let mut sent = 0;
    loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        if i >= n {
            return Ok(sent);
        }
        let m = Message {
            delivery_id: i as i64,
            attempt: 1,
            alert: alert.clone(),
            recipient: Recipient::Email {
                address: format!("resident{i}@town.example"),
                languages: vec!["sk".into()],
                unsubscribe_url: Some(format!("https://town.example/unsubscribe/{i}")),
            },
        };
        match email.send(&m).await {
            Outcome::Sent { .. } => sent += 1,
            other => bail!("message {i}: {other:?}"),
        }
    }
}

/// aiosmtpd running the tests' server script without a folder: it accepts and discards.
struct AioSmtpd {
    child: Child,
    port: u16,
}

impl AioSmtpd {
    fn start() -> anyhow::Result<Self> {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../channels/tests/peers/smtp_server.py");
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let child = Command::new("python3")
            .args([script, "--port", &port.to_string()])
            .stdout(Stdio::null())
            .spawn()
            .context("starting python3")?;
        let peer = AioSmtpd { child, port };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(peer);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        bail!("aiosmtpd did not start (is the Python module aiosmtpd installed?)")
    }
}

impl Drop for AioSmtpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const CAP: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>TOCSIN-BENCH-EMAIL</identifier><sender>ops@town.example</sender>
  <sent>2026-11-23T10:00:00+01:00</sent><status>Exercise</status><msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <language>sk</language><category>Met</category><event>Povodeň</event>
    <urgency>Immediate</urgency><severity>Extreme</severity><certainty>Likely</certainty>
    <senderName>Mesto</senderName><headline>Povodeň na Hrone</headline>
    <description>Hladina Hrona stúpa. Očakáva sa vyliatie z koryta v dolnej časti mesta.</description>
    <instruction>Presuňte sa na vyššie položené miesto a sledujte pokyny.</instruction>
    <area><areaDesc>Dolná časť mesta</areaDesc></area>
  </info>
  <info>
    <language>en</language><category>Met</category><event>Flood</event>
    <urgency>Immediate</urgency><severity>Extreme</severity><certainty>Likely</certainty>
    <senderName>Town</senderName><headline>Flood on the Hron</headline>
    <description>The Hron is rising and expected to flood the lower town.</description>
    <instruction>Move to higher ground and follow instructions.</instruction>
    <area><areaDesc>Lower town</areaDesc></area>
  </info>
  <info>
    <language>uk</language><category>Met</category><event>Повінь</event>
    <urgency>Immediate</urgency><severity>Extreme</severity><certainty>Likely</certainty>
    <headline>Повінь на річці Грон</headline>
    <area><areaDesc>Нижня частина міста</areaDesc></area>
  </info>
</alert>"#;

fn payload() -> anyhow::Result<Arc<AlertPayload>> {
    let doc = cap_alerts::Reader::new().read(CAP.as_bytes()).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let p = AlertPayload::new(1, doc.alert, Arc::from(CAP.as_bytes()), "exercise", None)
        .with_page_url(Some("https://town.example/a/1".into()));
    Ok(Arc::new(p))
}
