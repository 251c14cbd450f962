//! Web Push fan-out: 100,000 subscriptions through the real `Push` channel (RFC 8291 encryption
//! with a fresh key per message, VAPID, HTTP/1.1 keep-alive) to a minimal loopback push
//! receiver in the same process, with the encryption alone measured on one thread and compared
//! with OpenSSL's ECDH rate and npm `web-push` on the same machine.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::bail;
use channels::outbound::Guard;
use channels::push::{Push, PushConfig, PushHosts, VapidKey, payload};
use channels::{AlertPayload, Channel, Message, Outcome, Recipient};
use serde_json::{Value, json};

/// Concurrent sends, as a fan-out worker would run them.
const CONCURRENCY: usize = 64;
/// Distinct subscriber keys; each message still gets its own ephemeral key.
const DISTINCT_KEYS: usize = 256;
/// Messages for the single-threaded encryption measurement and the npm baseline.
const ENCRYPT_ONLY: usize = 30_000;
const NPM_MESSAGES: usize = 5_000;

/// Subscriptions to fan out to: `TOCSIN_BENCH_PUSH_SUBSCRIBERS`, else 100,000.
pub fn subscribers() -> usize {
    std::env::var("TOCSIN_BENCH_PUSH_SUBSCRIBERS").ok().and_then(|s| s.parse().ok()).unwrap_or(100_000)
}

/// Runs the scenario and returns its figures.
pub fn run(n: usize) -> anyhow::Result<Value> {
    dispatcher::server::install_crypto_provider();
    let key = VapidKey::from_pkcs8(&VapidKey::generate()?)?;
    let channel = |key_pool| {
        let subject = "mailto:ops@tocsin.example".into();
        // The receiver is on loopback, so the guard lets loopback through, and any host.
        Push::new(PushConfig {
            vapid: key.clone(),
            subject,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
            hosts: PushHosts::default(),
            guard: Guard::new(true, Vec::new()),
            key_pool,
        })
    };
    // As the dispatcher runs it: a key pool as large as the fan-out, filled while idle.
    let push = Arc::new(channel(n)?);
    let pool_fill = fill(&push, n)?;
    let alert = Arc::new(alert()?);
    let plaintext = payload(&alert, &["sk".to_owned()]);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let port = rt.block_on(crate::peers::push_receiver(Arc::default()))?;
    let messages = Arc::new(messages(&alert, port, n)?);
    let fanout = rt.block_on(fan_out(Arc::clone(&push), Arc::clone(&messages)))?;
    drop(push);
    let sample = &messages[..ENCRYPT_ONLY.min(n)];
    let warm = channel(sample.len() + 500)?;
    fill(&warm, sample.len() + 500)?;
    let encrypt = encrypt_only(&warm, sample)?;
    drop(warm);
    let encrypt_no_pool = encrypt_only(&channel(0)?, sample)?;
    let per_core = |e: &Value| e["per_second"].as_f64().unwrap_or(0.0);
    let openssl = openssl_ecdh();
    let floor = ring_floor(ENCRYPT_ONLY)?;
    let npm = npm_baseline(&plaintext);
    let ratio = |e: &Value, x: Option<f64>| x.map(|x| round(per_core(e) / x, 2));
    let npm_rate = |k: &str| npm.as_ref().and_then(|v| v[k]["per_second"].as_f64());
    Ok(json!({
        "scenario": "push",
        "what": "Web Push fan-out through channels::push (encrypt + VAPID + POST) to a loopback receiver answering 201",
        "concurrency": CONCURRENCY,
        "payload_bytes": plaintext.len(),
        "key_pool_fill": pool_fill,
        "fanout": fanout,
        "messages": fanout["messages"],
        "seconds": fanout["seconds"],
        "messages_per_second": fanout["messages_per_second"],
        "cpu_seconds": fanout["cpu_seconds"],
        "encrypt_only_one_thread": encrypt,
        "encrypt_only_one_thread_no_key_pool": encrypt_no_pool,
        "openssl_ecdhp256_per_second": openssl,
        "ring_keygen_and_ecdh_one_thread": floor,
        "ratio_ring_floor_to_openssl_ecdh": openssl.and_then(|o| floor["per_second"].as_f64().map(|f| round(f / o, 2))),
        "ratio_encrypt_only_to_openssl_ecdh": ratio(&encrypt, openssl),
        "ratio_encrypt_only_no_key_pool_to_openssl_ecdh": ratio(&encrypt_no_pool, openssl),
        "npm_web_push": npm,
        "ratio_encrypt_only_to_npm_generate_request_details": ratio(&encrypt, npm_rate("generate_request_details")),
        "ratio_encrypt_only_to_npm_encrypt_only": ratio(&encrypt, npm_rate("encrypt_only")),
        "ratio_encrypt_only_no_key_pool_to_npm_encrypt_only": ratio(&encrypt_no_pool, npm_rate("encrypt_only")),
        "like_for_like": "encrypt_only_one_thread (payload JSON + ECDH with a fresh key + HKDF + AES-GCM + headers, \
            VAPID token cached per origin as in production) is like-for-like with npm generate_request_details \
            as production code paths, except that web-push signs a new VAPID JWT on every call; npm encrypt_only \
            (encryption alone, no JWT, no payload building) is the strict crypto-to-crypto comparison. \
            openssl ecdhp256 counts one ECDH derive per op, without generating the key. A push needs a key \
            generation and a derive: with the key pool (the default) the keys are made while the channel is \
            idle, before the alert (key_pool_fill), so a fan-out does the derive alone; without it \
            (_no_key_pool) each push makes its key at send time, which is the rate once a fan-out outruns \
            the pool. The fan-out figures include the in-process receiver on the same 2 cores.",
    }))
}

/// Waits until the channel's key pool holds `n` keys (made on its own thread while idle) and
/// reports how long that took.
fn fill(push: &Push, n: usize) -> anyhow::Result<Value> {
    let start = Instant::now();
    while push.keys_ready() < n {
        if start.elapsed() > Duration::from_secs(600) {
            bail!("the key pool holds only {} of {n} keys after 10 minutes", push.keys_ready());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(json!({ "keys": n, "seconds": round(start.elapsed().as_secs_f64(), 2) }))
}

/// The benchmark alert: Slovak and English, of a realistic length.
pub(crate) fn alert() -> anyhow::Result<AlertPayload> {
    let info = |lang: &str, headline: &str, text: &str| {
        format!(
            "<info><language>{lang}</language><category>Met</category><event>Flood</event>\
             <urgency>Immediate</urgency><severity>Extreme</severity><certainty>Observed</certainty>\
             <expires>2099-12-31T23:00:00+01:00</expires><senderName>Krízový štáb Bratislava</senderName>\
             <headline>{headline}</headline><description>{text}</description><instruction>{text}</instruction>\
             <area><areaDesc>Bratislava - Petržalka, Staré Mesto</areaDesc></area></info>"
        )
    };
    let sk = "Hladina Dunaja stúpa nad kritickú úroveň. Opustite nábrežie a presuňte sa do vyšších poschodí. \
              Sledujte pokyny záchranných zložiek.";
    let en = "The Danube is rising above the critical level. Leave the riverbank and move to upper floors. \
              Follow the instructions of the emergency services.";
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">\
         <identifier>BENCH-PUSH-1</identifier><sender>cmd@tocsin.example</sender>\
         <sent>2026-11-30T10:00:00+01:00</sent><status>Actual</status><msgType>Alert</msgType>\
         <scope>Public</scope>{}{}</alert>",
        info("sk-SK", "Povodeň: opustite nábrežie", sk),
        info("en-GB", "Flood: leave the riverbank", en)
    );
    let doc = cap_alerts::Reader::new().read(xml.as_bytes()).map_err(|e| anyhow::anyhow!("{e}"))?;
    let p = AlertPayload::new(1, doc.alert, Arc::from(xml.into_bytes()), "live", None);
    Ok(p.with_page_url(Some("https://tocsin.example/alerts/1".into())))
}

/// One message per subscription; subscriber keys are P-256 public keys (made as VAPID keys,
/// which are the same kind of point), a few hundred distinct ones reused.
fn messages(alert: &Arc<AlertPayload>, port: u16, n: usize) -> anyhow::Result<Vec<Message>> {
    let mut keys = Vec::with_capacity(DISTINCT_KEYS);
    for i in 0..DISTINCT_KEYS {
        let public = VapidKey::from_pkcs8(&VapidKey::generate()?)?.public_key();
        let auth: Vec<u8> = (0..16).map(|b| (i * 31 + b * 7) as u8).collect();
        keys.push((base64url(&public)?, auth));
    }
    Ok((0..n)
        .map(|i| {
            let (p256dh, auth) = keys[i % DISTINCT_KEYS].clone();
            Message {
                delivery_id: i as i64,
                attempt: 1,
                alert: Arc::clone(alert),
                recipient: Recipient::Push {
                    endpoint: format!("http://127.0.0.1:{port}/push/{i}"),
                    p256dh,
                    auth,
                    languages: vec!["sk".to_owned()],
                },
            }
        })
        .collect())
}

/// Sends every message with `CONCURRENCY` workers and reports the rate and the CPU used.
async fn fan_out(push: Arc<Push>, messages: Arc<Vec<Message>>) -> anyhow::Result<Value> {
    let next = Arc::new(AtomicUsize::new(0));
    let sent = Arc::new(AtomicUsize::new(0));
    let cpu0 = cpu_seconds()?;
    let start = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..CONCURRENCY {
        let (push, messages, next, sent) = (push.clone(), messages.clone(), next.clone(), sent.clone());
        workers.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(m) = messages.get(i) else { return };
                if matches!(push.send(m).await, Outcome::Sent { .. }) {
                    sent.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
    }
    while let Some(r) = workers.join_next().await {
        r?;
    }
    let seconds = start.elapsed().as_secs_f64();
    let cpu = cpu_seconds()? - cpu0;
    let sent = sent.load(Ordering::Relaxed);
    if sent != messages.len() {
        bail!("only {sent} of {} pushes were accepted", messages.len());
    }
    Ok(json!({
        "messages": messages.len(),
        "seconds": round(seconds, 2),
        "messages_per_second": round(messages.len() as f64 / seconds, 0),
        "cpu_seconds": round(cpu, 2),
        "cpu_micros_per_message": round(cpu * 1e6 / messages.len() as f64, 1),
    }))
}

/// Builds (payload, encryption, headers) without sending, on this one thread.
fn encrypt_only(push: &Push, messages: &[Message]) -> anyhow::Result<Value> {
    for m in messages.iter().take(500) {
        push.prepare(m)?;
    }
    let start = Instant::now();
    let cpu0 = thread_cpu_seconds()?;
    let mut bytes = 0;
    for m in messages {
        bytes += push.prepare(m)?.body.len();
    }
    let seconds = start.elapsed().as_secs_f64();
    let cpu = thread_cpu_seconds()? - cpu0;
    // Rates per CPU second of this thread, as `openssl speed` counts (user time), so that other
    // work on the machine does not skew the comparison.
    Ok(json!({
        "messages": messages.len(),
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu, 3),
        "per_second": round(messages.len() as f64 / cpu.max(0.01), 0),
        "micros_per_message": round(cpu * 1e6 / messages.len() as f64, 1),
        "body_bytes": bytes / messages.len().max(1),
    }))
}

/// This process's user plus system CPU time (clock ticks of 1/100 s).
fn cpu_seconds() -> anyhow::Result<f64> {
    crate::measure::stat_cpu_seconds("/proc/self/stat")
}

/// This thread's user plus system CPU time (clock ticks of 1/100 s).
fn thread_cpu_seconds() -> anyhow::Result<f64> {
    crate::measure::stat_cpu_seconds("/proc/thread-self/stat")
}

/// What RFC 8291 cannot do without on ring: a fresh P-256 key and one ECDH per message, on this
/// thread, per CPU second. Our whole encrypt path can be at most this fast.
fn ring_floor(n: usize) -> anyhow::Result<Value> {
    use ring::agreement::{ECDH_P256, EphemeralPrivateKey, UnparsedPublicKey, agree_ephemeral};
    let rng = ring::rand::SystemRandom::new();
    let peer = EphemeralPrivateKey::generate(&ECDH_P256, &rng).map_err(|_| anyhow::anyhow!("keygen"))?;
    let peer_public = peer.compute_public_key().map_err(|_| anyhow::anyhow!("public key"))?;
    let peer_public = peer_public.as_ref().to_vec();
    let cpu0 = thread_cpu_seconds()?;
    let mut acc = 0u8;
    for _ in 0..n {
        let mine = EphemeralPrivateKey::generate(&ECDH_P256, &rng).map_err(|_| anyhow::anyhow!("keygen"))?;
        let _public = mine.compute_public_key().map_err(|_| anyhow::anyhow!("public key"))?;
        acc ^= agree_ephemeral(mine, &UnparsedPublicKey::new(&ECDH_P256, &peer_public), |s| s[0])
            .map_err(|_| anyhow::anyhow!("ecdh"))?;
    }
    let cpu = thread_cpu_seconds()? - cpu0;
    std::hint::black_box(acc);
    Ok(json!({
        "messages": n,
        "cpu_seconds": round(cpu, 3),
        "per_second": round(n as f64 / cpu.max(0.01), 0),
        "micros_per_message": round(cpu * 1e6 / n as f64, 1),
    }))
}

/// `openssl speed -seconds 2 ecdhp256`: ECDH derives per second on one core (the last line's
/// last figure, "op/s").
fn openssl_ecdh() -> Option<f64> {
    let out = Command::new("openssl").args(["speed", "-seconds", "2", "ecdhp256"]).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines().rev().find(|l| !l.trim().is_empty())?.split_whitespace().last()?.parse().ok()
}

/// npm `web-push` on the same payload, one Node.js thread: `channels/tests/peers/push_baseline.js`.
pub(crate) fn npm_baseline(plaintext: &[u8]) -> Option<Value> {
    let peers = Path::new(env!("CARGO_MANIFEST_DIR")).join("../channels/tests/peers");
    let file = std::env::temp_dir().join(format!("tocsin-push-bench-{}.json", std::process::id()));
    std::fs::write(&file, plaintext).ok()?;
    let out = Command::new("node")
        .arg(peers.join("push_baseline.js"))
        .arg(NPM_MESSAGES.to_string())
        .arg(&file)
        .current_dir(&peers)
        .output();
    let _ = std::fs::remove_file(&file);
    let out = out.ok().filter(|o| o.status.success())?;
    serde_json::from_slice(&out.stdout).ok()
}

/// base64url without padding, decoded (the bench has no base64 crate of its own).
fn base64url(text: &str) -> anyhow::Result<Vec<u8>> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Ok(c - b'A'),
        b'a'..=b'z' => Ok(c - b'a' + 26),
        b'0'..=b'9' => Ok(c - b'0' + 52),
        b'-' => Ok(62),
        b'_' => Ok(63),
        _ => bail!("not base64url: {c}"),
    };
    let (mut out, mut acc, mut bits) = (Vec::new(), 0u32, 0);
    for c in text.bytes() {
        acc = (acc << 6) | u32::from(value(c)?);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Ok(out)
}

fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}
