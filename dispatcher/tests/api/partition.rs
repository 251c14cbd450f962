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

/// What each session of `database` is doing, from a connection of the test's own: state,
/// what it waits on, how long its transaction has been open, which sessions block it, and its
/// statement. Printed at each healing and when the fan-out stalls.
async fn sessions(admin: &str, database: &str) -> String {
    use sqlx::Connection as _;
    let probe = async {
        let mut c = sqlx::PgConnection::connect(admin).await.ok()?;
        type Session = (i32, Option<String>, Option<String>, Option<f64>, Vec<i32>, Option<String>);
        let rows: Vec<Session> = sqlx::query_as(
            "SELECT pid, state, wait_event_type || ':' || wait_event, \
             CAST(EXTRACT(EPOCH FROM now() - xact_start) AS DOUBLE PRECISION), pg_blocking_pids(pid), \
             left(regexp_replace(query, '\\s+', ' ', 'g'), 110) \
             FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() ORDER BY xact_start NULLS LAST",
        )
        .bind(database)
        .fetch_all(&mut c)
        .await
        .ok()?;
        let _ = c.close().await;
        Some(rows)
    };
    let Ok(Some(rows)) = tokio::time::timeout(Duration::from_secs(10), probe).await else {
        return "  (pg_stat_activity could not be read)".to_owned();
    };
    let mut out = format!("  {} sessions", rows.len());
    for (pid, state, wait, age, blocked_by, query) in rows {
        out.push_str(&format!(
            "\n  pid {pid} {} wait={} xact={} blocked_by={blocked_by:?} {}",
            state.unwrap_or_default(),
            wait.unwrap_or_else(|| "-".into()),
            age.map_or_else(|| "-".into(), |a| format!("{a:.1}s")),
            query.unwrap_or_default()
        ));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgresql_cut_off_mid_send_is_noticed_and_the_fan_out_resumes_without_loss() {
    cut_off(false).await;
}

/// Twice within one fan-out: first while it is still being planned (small planner batches,
/// so a batch's transaction is likely open when the network goes), then while sending.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_failover_that_leaves_old_connections_silent_the_fan_out_resumes_on_new_ones() {
    cut_off(true).await;
}

async fn cut_off(forget: bool) {
    dispatcher::server::install_crypto_provider();
    let counter = Counter::start(ENDPOINTS).await;
    let dir = tempfile::tempdir().unwrap();
    let Some((url, key, pg)) = prepare_n(Backend::Postgres, dir.path(), &counter, ENDPOINTS).await else { return };
    let (admin, database) = pg.clone().unwrap_or_default();
    let (host, rest) = url.split_once('@').unwrap();
    let (server, db_name) = rest.split_once('/').unwrap();
    let partition = Partition::start(server.to_owned(), forget).await;
    let proxied = format!("{host}@{}/{db_name}", partition.addr);
    let port = free_port();
    // (reached before the cut, in thousandths; how long the cut lasts)
    let cuts: &[(usize, u64)] = if forget { &[(10, 30), (500, 15)] } else { &[(100, 30)] };
    let batch = if forget { "20" } else { "500" };
    let settings = [
        ("TOCSIN_DATABASE_QUERY_TIMEOUT_SECONDS", "5"),
        ("TOCSIN_CHANNELS_WEBHOOK_RATE_PER_SECOND", "150"),
        ("TOCSIN_FANOUT_PLANNER_BATCH", batch),
    ];
    let mut server = start_with(&proxied, &key, port, &settings);
    let started = Instant::now();
    let mut healed_at = Instant::now();
    for (i, &(at, hold)) in cuts.iter().enumerate() {
        while counter.reached() < ENDPOINTS * at / 1000 {
            assert!(started.elapsed() < Duration::from_secs(120), "the fan-out did not get to the cut");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        partition.cut();
        let cut = Instant::now();
        let before = counter.reached();
        eprintln!("cut {}: database cut off with {before} of {ENDPOINTS} endpoints reached", i + 1);
        // Noticed, promptly: readiness fails within 30 s and every answer comes.
        while ready(port).await != 503 {
            assert!(cut.elapsed() < Duration::from_secs(30), "the cut was not noticed within 30 s");
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        eprintln!("noticed after {:?}", cut.elapsed());
        tokio::time::sleep(Duration::from_secs(hold).saturating_sub(cut.elapsed())).await;
        assert!(server.0.try_wait().unwrap().is_none(), "the server died instead of waiting for the database");
        assert_eq!(ready(port).await, 503, "still cut off");
        let held = counter.reached();
        assert!(held < ENDPOINTS, "the cut came after the fan-out ended");

        partition.heal();
        healed_at = Instant::now();
        if !admin.is_empty() {
            eprintln!("healed; the sessions:\n{}", sessions(&admin, &database).await);
        }
        // Resumed: more endpoints reached within 30 s of the healing.
        while counter.reached() < (held + 50).min(ENDPOINTS) {
            if healed_at.elapsed() > Duration::from_secs(30) {
                let now = sessions(&admin, &database).await;
                panic!(
                    "the fan-out did not resume within 30 s of healing {}: {} of {ENDPOINTS} reached\n{now}",
                    i + 1,
                    counter.reached()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        eprintln!("resumed {:?} after healing {}", healed_at.elapsed(), i + 1);
    }
    while counter.reached() < ENDPOINTS {
        if healed_at.elapsed() > Duration::from_secs(120) {
            let now = sessions(&admin, &database).await;
            panic!("only {} of {ENDPOINTS} endpoints reached 120 s after the network healed\n{now}", counter.reached());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    while ready(port).await != 200 {
        assert!(healed_at.elapsed() < Duration::from_secs(150), "never ready again");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    drop(server);
    let repeats = counter.repeats();
    eprintln!("every endpoint reached {:?} after the last healing; {repeats} repeats", healed_at.elapsed());
    let window = CONCURRENCY * cuts.len() as u64;
    assert!(repeats <= window, "{repeats} repeats exceed the in-flight window ({window})");
    if let Some((admin, name)) = pg {
        drop_database(admin, name);
    }
}

/// The mechanism under the failover case, alone: a client cut off for good in the middle of a
/// transaction (it never rolls back, the server is never told) must not hold that
/// transaction's row locks beyond the client's own deadline. Without the sessions' own limits
/// the server keeps such a session `idle in transaction` for as long as its TCP connection
/// lives, and the fan-out waits behind it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_cut_off_for_good_lets_go_of_its_locks_within_the_deadline() {
    use dispatcher::db::{Conn, Executor as _};
    use sqlx::Connection as _;
    let dir = tempfile::tempdir().unwrap();
    let Some((url, Some((admin, database)))) = crate::support::fresh_database(Backend::Postgres, dir.path()).await
    else {
        return;
    };
    let mut direct = sqlx::PgConnection::connect(&url).await.unwrap();
    sqlx::query("CREATE TABLE contested (id BIGINT PRIMARY KEY, n BIGINT NOT NULL)")
        .execute(&mut direct)
        .await
        .unwrap();
    sqlx::query("INSERT INTO contested VALUES (1, 0)").execute(&mut direct).await.unwrap();

    let (host, rest) = url.split_once('@').unwrap();
    let (server, db_name) = rest.split_once('/').unwrap();
    let partition = Partition::start(server.to_owned(), true).await;
    let mut s = crate::support::settings(&format!("{host}@{}/{db_name}", partition.addr));
    s.database.query_timeout_seconds = 2;
    let db = dispatcher::db::connect(&s.database).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let Conn::Postgres(c) = tx.conn() else { unreachable!("PostgreSQL") };
    sqlx::query("UPDATE contested SET n = n + 1 WHERE id = 1").execute(&mut *c).await.unwrap();
    partition.cut();
    partition.heal();

    // Another instance wants the row (as the fan-out's next planner wants the claimed row).
    sqlx::query("SET lock_timeout = '20s'").execute(&mut direct).await.unwrap();
    let asked = Instant::now();
    let got = sqlx::query("UPDATE contested SET n = n + 10 WHERE id = 1").execute(&mut direct).await;
    let waited = asked.elapsed();
    if got.is_err() {
        panic!("the row stayed locked {waited:?} by a session cut off for good\n{}", sessions(&admin, &database).await);
    }
    eprintln!("the row was free {waited:?} after the cut");
    assert!(waited < Duration::from_secs(10), "the row was held {waited:?}");
    let n: i64 = sqlx::query_scalar("SELECT n FROM contested WHERE id = 1").fetch_one(&mut direct).await.unwrap();
    assert_eq!(n, 10, "the cut-off transaction's update was rolled back, not committed");
    drop(tx);
    let _ = direct.close().await;
    drop_database(admin, database);
}

/// An instance that claimed the fan-out and wrote part of its deliveries, uncommitted, is cut
/// off for good (its host failed over away from the database): its lease runs out, and the
/// instance that remains must take the fan-out over and reach everyone, not wait for ever on
/// the rows the lost one still has locked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_cut_off_for_good_mid_planning_does_not_hold_the_fan_out_for_ever() {
    use dispatcher::db::{deliveries, fanouts};
    use sqlx::Connection as _;
    dispatcher::server::install_crypto_provider();
    const N: usize = 300;
    let counter = Counter::start(N).await;
    let dir = tempfile::tempdir().unwrap();
    let Some((url, key, pg)) = prepare_n(Backend::Postgres, dir.path(), &counter, N).await else { return };
    let (admin, database) = pg.clone().expect("a PostgreSQL database");
    let mut direct = sqlx::PgConnection::connect(&url).await.unwrap();
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM webhooks ORDER BY id LIMIT 100").fetch_all(&mut direct).await.unwrap();
    let _ = direct.close().await;

    let (host, rest) = url.split_once('@').unwrap();
    let (server, db_name) = rest.split_once('/').unwrap();
    let partition = Partition::start(server.to_owned(), true).await;
    let mut s = crate::support::settings(&format!("{host}@{}/{db_name}", partition.addr));
    s.database.query_timeout_seconds = 2;
    let lost = dispatcher::db::connect(&s.database).await.unwrap();
    let mut tx = lost.begin().await.unwrap();
    let claimed = fanouts::claim(&mut tx, "lost-instance", 1000, i32::MAX).await.unwrap().expect("a pending fan-out");
    let webhook: std::sync::Arc<str> = "webhook".into();
    let rows: Vec<deliveries::NewDelivery> = ids
        .iter()
        .map(|&id| deliveries::NewDelivery { channel: webhook.clone(), recipient_kind: "webhook", recipient_id: id })
        .collect();
    deliveries::insert_batch(&mut tx, claimed.alert_id, claimed.priority, None, &rows).await.unwrap();
    fanouts::renew(&mut tx, claimed.alert_id, "lost-instance", 1000).await.unwrap();
    partition.cut();
    partition.heal();

    let port = free_port();
    let server = start_with(&url, &key, port, &[("TOCSIN_DATABASE_QUERY_TIMEOUT_SECONDS", "5")]);
    let started = Instant::now();
    while counter.reached() < N {
        if started.elapsed() > Duration::from_secs(60) {
            let now = sessions(&admin, &database).await;
            panic!("only {} of {N} endpoints reached in 60 s\n{now}", counter.reached());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!("every endpoint reached {:?} after the lost instance was cut off", started.elapsed());
    drop(server);
    drop(tx);
    drop_database(admin, database);
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
