//! Crash tests with the real binary: an alert to 100,000 webhook endpoints (distinct paths on
//! one loopback receiver), `tocsin` killed with SIGKILL at random points and restarted; every
//! endpoint must get the alert, and repeats stay within the in-flight window (the webhook
//! concurrency for each kill). Then two instances on one PostgreSQL database, one killed for
//! good: the other takes its leases over.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use dispatcher::app::App;
use dispatcher::domain::audit::Actor;
use dispatcher::domain::roles::Role;
use dispatcher::domain::webhooks;

use crate::engine::{caller, issue};
use crate::support::{Backend, content, drop_database, fresh_database, settings};

const RECIPIENTS: usize = 100_000;
const CONCURRENCY: u32 = 32;

/// Counts requests per path `/r/N`.
pub(crate) struct Counter {
    url: String,
    hits: Arc<Vec<AtomicU32>>,
    _task: tokio::task::JoinHandle<()>,
}

impl Counter {
    pub(crate) async fn start(n: usize) -> Counter {
        let hits: Arc<Vec<AtomicU32>> = Arc::new((0..n).map(|_| AtomicU32::new(0)).collect());
        let h = hits.clone();
        let router = axum::Router::new().route(
            "/r/{n}",
            axum::routing::post(move |axum::extract::Path(i): axum::extract::Path<usize>| {
                let h = h.clone();
                async move {
                    if let Some(c) = h.get(i) {
                        c.fetch_add(1, Ordering::Relaxed);
                    }
                    axum::http::StatusCode::NO_CONTENT
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Counter { url, hits, _task: task }
    }

    pub(crate) fn reached(&self) -> usize {
        self.hits.iter().filter(|c| c.load(Ordering::Relaxed) > 0).count()
    }

    pub(crate) fn repeats(&self) -> u64 {
        self.hits.iter().map(|c| u64::from(c.load(Ordering::Relaxed).saturating_sub(1))).sum()
    }
}

/// A small pseudo-random sequence, seeded from the clock and printed, so a failing run can be
/// repeated.
struct Dice(u64);

impl Dice {
    fn new() -> Dice {
        let seed = std::env::var("TOCSIN_TEST_CRASH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64)
        });
        eprintln!("crash schedule seed: {seed} (set TOCSIN_TEST_CRASH_SEED to repeat it)");
        Dice(seed | 1)
    }
    fn millis(&mut self, lo: u64, hi: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        lo + self.0 % (hi - lo)
    }
}

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn start(url: &str, key: &str, port: u16) -> Child {
    spawn(url, key, port, &[])
}

/// A server process of the real binary, killed (SIGKILL) when dropped, however the test ends.
pub(crate) struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The real binary serving `url` on `port`, with more settings in `extra` (`TOCSIN_*`).
pub(crate) fn start_with(url: &str, key: &str, port: u16, extra: &[(&str, &str)]) -> Server {
    Server(spawn(url, key, port, extra))
}

fn spawn(url: &str, key: &str, port: u16, extra: &[(&str, &str)]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_tocsin"))
        .arg("serve")
        .env("TOCSIN_DATABASE_URL", url)
        .env("TOCSIN_SECURITY_SECRET_KEY", key)
        .env("TOCSIN_SERVER_LISTEN", format!("127.0.0.1:{port}"))
        .env("TOCSIN_DATABASE_SQLITE_SYNCHRONOUS", "normal")
        .env("TOCSIN_FANOUT_LEASE_SECONDS", "3")
        .env("TOCSIN_FANOUT_POLL_MS", "200")
        .env("TOCSIN_CHANNELS_WEBHOOK_CONCURRENCY", CONCURRENCY.to_string())
        .env("TOCSIN_LOG_LEVEL", "warn")
        .env("TOCSIN_CHANNELS_PUSH_KEY_POOL", "0")
        // The peers are on loopback, as in `support::settings`.
        .env("TOCSIN_OUTBOUND_ALLOW_LOOPBACK", "true")
        .env("TOCSIN_CHANNELS_PUSH_ALLOWED_HOSTS", "")
        // Staff sign in with a password, as in `support::settings`.
        .env("TOCSIN_SECURITY_REQUIRE_SECOND_FACTOR", "false")
        .envs(extra.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start tocsin")
}

/// A database with 100,000 webhooks and one issued alert whose fan-out has not begun.
async fn prepare(
    backend: Backend,
    dir: &std::path::Path,
    counter: &Counter,
) -> Option<(String, String, Option<(String, String)>)> {
    prepare_n(backend, dir, counter, RECIPIENTS).await
}

/// A database with `n` webhooks (the counter's paths) and one issued alert not yet fanned out:
/// its URL, its secret key, and the PostgreSQL database to drop afterwards.
pub(crate) async fn prepare_n(
    backend: Backend,
    dir: &std::path::Path,
    counter: &Counter,
    n: usize,
) -> Option<(String, String, Option<(String, String)>)> {
    let (url, pg) = fresh_database(backend, dir).await?;
    let s = settings(&url);
    let key = s.security.secret_key.expose().to_owned();
    let app = App::open(s).await.unwrap();
    let hooks: Vec<(String, String)> =
        (0..n).map(|i| (format!("hook-{i}"), format!("{}/r/{i}", counter.url))).collect();
    webhooks::add_many(&app, &Actor::System, "test", &hooks).await.unwrap();
    let author = caller(&app, "ana", &[Role::Author]).await;
    let approver = caller(&app, "boris", &[Role::Approver]).await;
    issue(&app, &author, &approver, content("Actual")).await;
    app.db.close().await;
    Some((url, key, pg))
}

async fn wait_until_all_reached(counter: &Counter, limit: Duration) {
    let start = Instant::now();
    while counter.reached() < RECIPIENTS {
        assert!(
            start.elapsed() < limit,
            "only {} of {RECIPIENTS} endpoints reached after {limit:?}",
            counter.reached()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_again_and_again_on_sqlite_nothing_is_lost() {
    let counter = Counter::start(RECIPIENTS).await;
    let dir = tempfile::tempdir().unwrap();
    let Some((url, key, _)) = prepare(Backend::Sqlite, dir.path(), &counter).await else { return };
    let mut dice = Dice::new();
    let port = free_port();
    let mut kills = 0u64;
    for round in 0..4 {
        let mut child = start(&url, &key, port);
        // The first kill lands while planning is likely under way; later ones while sending.
        let wait = if round == 0 { dice.millis(300, 1500) } else { dice.millis(4000, 9000) };
        tokio::time::sleep(Duration::from_millis(wait)).await;
        child.kill().unwrap();
        child.wait().unwrap();
        kills += 1;
        eprintln!("killed after {wait} ms; {} endpoints reached so far", counter.reached());
    }
    let mut child = start(&url, &key, port);
    wait_until_all_reached(&counter, Duration::from_secs(600)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    child.kill().unwrap();
    child.wait().unwrap();
    let repeats = counter.repeats();
    eprintln!("every endpoint reached; {repeats} repeats after {kills} kills");
    assert!(repeats <= kills * u64::from(CONCURRENCY), "{repeats} repeats exceed the in-flight window");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_postgres_share_the_work_and_survive_one_killed() {
    let counter = Counter::start(RECIPIENTS).await;
    let dir = tempfile::tempdir().unwrap();
    let Some((url, key, pg)) = prepare(Backend::Postgres, dir.path(), &counter).await else { return };
    let mut dice = Dice::new();
    let mut a = start(&url, &key, free_port());
    let mut b = start(&url, &key, free_port());
    tokio::time::sleep(Duration::from_millis(dice.millis(1500, 4000))).await;
    a.kill().unwrap();
    a.wait().unwrap();
    eprintln!("killed one instance; {} endpoints reached so far", counter.reached());
    wait_until_all_reached(&counter, Duration::from_secs(600)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    b.kill().unwrap();
    b.wait().unwrap();
    let repeats = counter.repeats();
    eprintln!("every endpoint reached; {repeats} repeats");
    assert!(repeats <= u64::from(CONCURRENCY), "{repeats} repeats exceed the killed instance's in-flight window");
    if let Some((admin, name)) = pg {
        drop_database(admin, name);
    }
}
