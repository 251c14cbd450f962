//! PostgreSQL cut off by the network in the middle of a fan-out: not a closed connection but
//! silence (a proxy that stops passing bytes either way and holds new connections), as a
//! partition or a dead switch would leave it. When the network heals, the connections resume,
//! or in the harder case they stay silent for ever, as after a failover or with a NAT table
//! that forgot them: then only new connections work, and the pool must let the old ones go. The real binary must notice within 30 seconds
//! (`/readyz` says so, promptly), hang nowhere, and when the network heals, finish the fan-out
//! with every endpoint reached and repeats within the in-flight window.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::crash::{Counter, free_port, prepare_n, start_with};
use crate::support::{Backend, drop_database};

const ENDPOINTS: usize = 3000;
const CONCURRENCY: u64 = 32;

/// A TCP proxy that can go silent: while cut, it reads nothing and forwards nothing (the
/// bytes wait in the sockets' buffers, no FIN or RST is sent) and new connections wait. When
/// it heals, the connections made before the cut resume, or with `forget` stay silent for
/// ever: only new connections get through.
struct Partition {
    addr: SocketAddr,
    cut: watch::Sender<u32>,
    _task: tokio::task::JoinHandle<()>,
}

impl Partition {
    async fn start(target: String, forget: bool) -> Partition {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // Odd: cut; each cut and each healing counts one up.
        let (cut, watching) = watch::channel(0u32);
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(connect(client, target.clone(), watching.clone(), forget));
            }
        });
        Partition { addr, cut, _task: task }
    }

    fn cut(&self) {
        self.cut.send_modify(|n| *n |= 1);
    }

    fn heal(&self) {
        self.cut.send_modify(|n| *n += 1);
    }
}

/// Waits until the link is up for a connection of era `born` (any even era when `born` is
/// none: it survives cuts).
async fn passing(w: &mut watch::Receiver<u32>, born: Option<u32>) {
    let _ = w.wait_for(|n| born.map_or(n % 2 == 0, |b| *n == b)).await;
}

async fn connect(client: TcpStream, target: String, mut w: watch::Receiver<u32>, forget: bool) {
    let _ = w.wait_for(|n| n % 2 == 0).await;
    let born = forget.then(|| *w.borrow());
    let Ok(server) = TcpStream::connect(&target).await else { return };
    let (cr, cw) = client.into_split();
    let (sr, sw) = server.into_split();
    // The halves stay open (silent) once their era is over; they end with the test.
    tokio::join!(pump(cr, sw, w.clone(), born), pump(sr, cw, w, born));
}

async fn pump(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, mut w: watch::Receiver<u32>, born: Option<u32>) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        passing(&mut w, born).await;
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        // A cut that began while this read waited holds what it read, too.
        passing(&mut w, born).await;
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

/// `/readyz`'s status, failing the test if the server takes more than 10 s to answer.
async fn ready(port: u16) -> u16 {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
    match client.get(format!("http://127.0.0.1:{port}/readyz")).send().await {
        Ok(r) => r.status().as_u16(),
        Err(e) if e.is_timeout() => panic!("/readyz hung for 10 s with the database cut off"),
        Err(_) => 0,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgresql_cut_off_mid_send_is_noticed_and_the_fan_out_resumes_without_loss() {
    cut_off(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_failover_that_leaves_old_connections_silent_the_fan_out_resumes_on_new_ones() {
    cut_off(true).await;
}

async fn cut_off(forget: bool) {
    dispatcher::server::install_crypto_provider();
    let counter = Counter::start(ENDPOINTS).await;
    let dir = tempfile::tempdir().unwrap();
    let Some((url, key, pg)) = prepare_n(Backend::Postgres, dir.path(), &counter, ENDPOINTS).await else { return };
    let (host, rest) = url.split_once('@').unwrap();
    let (server, database) = rest.split_once('/').unwrap();
    let partition = Partition::start(server.to_owned(), forget).await;
    let proxied = format!("{host}@{}/{database}", partition.addr);
    let port = free_port();
    let settings = [
        ("TOCSIN_DATABASE_QUERY_TIMEOUT_SECONDS", "5"),
        ("TOCSIN_CHANNELS_WEBHOOK_RATE_PER_SECOND", "150"),
        ("TOCSIN_FANOUT_PLANNER_BATCH", "500"),
    ];
    let mut server = start_with(&proxied, &key, port, &settings);
    let started = Instant::now();
    while counter.reached() < ENDPOINTS / 10 {
        assert!(started.elapsed() < Duration::from_secs(60), "the fan-out never got going");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    partition.cut();
    let cut = Instant::now();
    let before = counter.reached();
    eprintln!("database cut off with {before} of {ENDPOINTS} endpoints reached");
    // Noticed, promptly: readiness fails within 30 s and every answer comes.
    while ready(port).await != 503 {
        assert!(cut.elapsed() < Duration::from_secs(30), "the cut was not noticed within 30 s");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    eprintln!("noticed after {:?}", cut.elapsed());
    tokio::time::sleep(Duration::from_secs(30).saturating_sub(cut.elapsed())).await;
    assert!(server.0.try_wait().unwrap().is_none(), "the server died instead of waiting for the database");
    assert_eq!(ready(port).await, 503, "still cut off");
    assert!(counter.reached() < ENDPOINTS, "the cut came after the fan-out ended");

    partition.heal();
    let healed_at = Instant::now();
    while counter.reached() < ENDPOINTS {
        assert!(
            healed_at.elapsed() < Duration::from_secs(180),
            "only {} of {ENDPOINTS} endpoints reached 180 s after the network healed",
            counter.reached()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    while ready(port).await != 200 {
        assert!(healed_at.elapsed() < Duration::from_secs(200), "never ready again");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    drop(server);
    let repeats = counter.repeats();
    eprintln!("every endpoint reached {:?} after healing; {repeats} repeats", healed_at.elapsed());
    assert!(repeats <= CONCURRENCY, "{repeats} repeats exceed the in-flight window");
    if let Some((admin, name)) = pg {
        drop_database(admin, name);
    }
}

/// A pool whose every connection is held for ever, as sqlx's unbounded ping on release can
/// hold one after the network went silent, answers nothing though the server does: the
/// watcher's test (a connection of its own) sees the difference, and renewing the pool brings
/// the work back.
#[tokio::test]
async fn a_pool_whose_connections_are_all_stuck_is_renewed() {
    let dir = tempfile::tempdir().unwrap();
    let Some((url, pg)) = crate::support::fresh_database(Backend::Postgres, dir.path()).await else { return };
    let mut s = crate::support::settings(&url);
    s.database.max_connections = 3;
    let app = dispatcher::app::App::open(s).await.unwrap();
    let dispatcher::db::Db::Postgres(pool) = &app.db else { unreachable!("a PostgreSQL database") };
    let mut stuck = Vec::new();
    for _ in 0..3 {
        stuck.push(app.db.read().await.unwrap());
    }
    assert!(!app.db.ping(Duration::from_secs(2)).await, "no connection is free");
    assert!(pool.answers_fresh(Duration::from_secs(5)).await, "the server answers a connection of its own");
    pool.renew().unwrap();
    assert!(app.db.ping(Duration::from_secs(5)).await, "the new pool answers");
    let mut tx = app.db.begin().await.unwrap();
    dispatcher::db::audit::last(&mut tx).await.unwrap();
    tx.commit().await.unwrap();
    drop(stuck);
    app.db.close().await;
    if let Some((admin, name)) = pg {
        drop_database(admin, name);
    }
}
