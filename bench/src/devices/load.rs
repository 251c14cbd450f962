//! The devices benchmark's load generator, run as a child process (`bench devices-load`): 10,000
//! loopback connections need 20,000 descriptors in one process, more than the hard limit of
//! many machines (20,000 on the one measured), so the simulated devices live here and the
//! server in the parent. Each device is a task with one keep-alive HTTP/1.1 connection, written
//! by hand so that the client costs little next to the server it measures.
//!
//! The parent drives it over stdin, one command a line, and reads JSON lines on stdout:
//! `connected` once every device has its first answer; `idle S` counts `304`s for S seconds;
//! `wait W` sets the poll's wait; `collect T` waits up to T seconds until every device has
//! acknowledged a command and prints when each one received and acknowledged it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::{Semaphore, mpsc};

/// Shared counters of all devices.
struct Shared {
    addr: String,
    wait: AtomicU64,
    answered: AtomicUsize,
    not_modified: AtomicU64,
    errors: AtomicU64,
    connecting: Semaphore,
}

/// When one device received its first command and when its `received` ack was answered
/// (microseconds since the epoch: the parent issued the alert in another process).
struct Acked {
    received_us: u64,
    acked_us: u64,
}

/// Runs the load generator: `devices-load ADDR SECRETS_FILE`.
pub fn main(args: &[String]) -> anyhow::Result<()> {
    let [addr, secrets] = args else { bail!("usage: devices-load ADDR SECRETS_FILE") };
    let secrets: Vec<String> = std::fs::read_to_string(secrets)?.lines().map(str::to_string).collect();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(drive(addr.clone(), secrets))
}

async fn drive(addr: String, secrets: Vec<String>) -> anyhow::Result<()> {
    let n = secrets.len();
    let shared = Arc::new(Shared {
        addr,
        wait: AtomicU64::new(1),
        answered: AtomicUsize::new(0),
        not_modified: AtomicU64::new(0),
        errors: AtomicU64::new(0),
        // A burst of 10,000 connects overflows the listen backlog; SYN retries cost a second.
        connecting: Semaphore::new(256),
    });
    let (acks_tx, mut acks) = mpsc::unbounded_channel();
    for secret in secrets {
        tokio::spawn(device(shared.clone(), secret, acks_tx.clone()));
    }
    while shared.answered.load(Ordering::Relaxed) < n {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    say(json!({ "event": "connected", "errors": shared.errors.load(Ordering::Relaxed) }));
    let mut lines = stdin_lines();
    while let Some(line) = lines.recv().await {
        let (verb, arg) = line.split_once(' ').unwrap_or((&line, "0"));
        let arg: u64 = arg.trim().parse().context("a number")?;
        match verb {
            "idle" => {
                let before = shared.not_modified.load(Ordering::Relaxed);
                tokio::time::sleep(Duration::from_secs(arg)).await;
                let count = shared.not_modified.load(Ordering::Relaxed) - before;
                say(json!({ "event": "idle", "not_modified": count, "seconds": arg }));
            }
            "wait" => {
                shared.wait.store(arg, Ordering::Relaxed);
                say(json!({ "event": "wait", "seconds": arg }));
            }
            "collect" => {
                let mut received = Vec::with_capacity(n);
                let mut acked = Vec::with_capacity(n);
                let deadline = tokio::time::Instant::now() + Duration::from_secs(arg);
                while received.len() < n {
                    match tokio::time::timeout_at(deadline, acks.recv()).await {
                        Ok(Some(Acked { received_us, acked_us })) => {
                            received.push(received_us);
                            acked.push(acked_us);
                        }
                        _ => break,
                    }
                }
                let errors = shared.errors.load(Ordering::Relaxed);
                say(json!({ "event": "acks", "received_us": received, "acked_us": acked, "errors": errors }));
                return Ok(());
            }
            other => bail!("unknown command {other:?}"),
        }
    }
    Ok(())
}

/// The parent's commands, read on a thread of their own (blocking reads).
fn stdin_lines() -> mpsc::UnboundedReceiver<String> {
    let (tx, rx) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

fn say(v: Value) {
    println!("{v}");
}

fn now_us() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros() as u64)
}

/// One device: polls for ever, acknowledges its first command once.
async fn device(shared: Arc<Shared>, secret: String, acks: mpsc::UnboundedSender<Acked>) {
    let mut first = true;
    let mut acked = false;
    let mut etag: Option<String> = None;
    loop {
        let mut conn = match connect(&shared).await {
            Ok(c) => c,
            Err(_) => {
                shared.errors.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        loop {
            let wait = shared.wait.load(Ordering::Relaxed);
            let inm = etag.as_ref().map(|t| format!("If-None-Match: {t}\r\n")).unwrap_or_default();
            let head = format!(
                "GET /api/v1/device/poll?wait={wait} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {secret}\r\n{inm}\r\n"
            );
            let Ok(resp) = conn.exchange(head.as_bytes()).await else { break };
            match resp.status {
                304 => {
                    shared.not_modified.fetch_add(1, Ordering::Relaxed);
                }
                200 => {
                    if std::mem::take(&mut first) {
                        shared.answered.fetch_add(1, Ordering::Relaxed);
                    }
                    etag = resp.etag;
                    if !acked && let Some(id) = first_command(&resp.body) {
                        let received_us = now_us();
                        let body = format!(r#"{{"command":{id},"state":"received"}}"#);
                        let head = format!(
                            "POST /api/v1/device/ack HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {secret}\r\n\
                             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                            body.len()
                        );
                        let Ok(r) = conn.exchange(head.as_bytes()).await else { break };
                        if r.status == 204 {
                            acked = true;
                            let _ = acks.send(Acked { received_us, acked_us: now_us() });
                        } else {
                            shared.errors.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                _ => {
                    shared.errors.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
        shared.errors.fetch_add(1, Ordering::Relaxed);
    }
}

fn first_command(body: &[u8]) -> Option<i64> {
    let v: Value = serde_json::from_slice(body).ok()?;
    v.get("commands")?.as_array()?.first()?.get("id")?.as_i64()
}

async fn connect(shared: &Shared) -> std::io::Result<Conn> {
    let _permit = shared.connecting.acquire().await;
    let stream = TcpStream::connect(&shared.addr).await?;
    stream.set_nodelay(true)?;
    Ok(Conn(BufReader::new(stream)))
}

/// A keep-alive HTTP/1.1 connection.
struct Conn(BufReader<TcpStream>);

struct Response {
    status: u16,
    etag: Option<String>,
    body: Vec<u8>,
}

impl Conn {
    /// Writes one request and reads its response (Content-Length bodies only, as axum sends).
    async fn exchange(&mut self, request: &[u8]) -> anyhow::Result<Response> {
        self.0.get_mut().write_all(request).await?;
        let mut line = String::new();
        self.0.read_line(&mut line).await?;
        let status = line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).context("no status line")?;
        let (mut length, mut etag) = (0, None);
        loop {
            line.clear();
            if self.0.read_line(&mut line).await? == 0 {
                bail!("the connection closed");
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            let (name, value) = l.split_once(':').context("a bad header")?;
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.trim().parse()?,
                "etag" => etag = Some(value.trim().to_string()),
                "transfer-encoding" => bail!("chunked answers are not read here"),
                _ => {}
            }
        }
        let mut body = vec![0; length];
        self.0.read_exact(&mut body).await?;
        Ok(Response { status, etag, body })
    }
}
