//! Targeting and enqueueing: `N` resident subscriptions (1,000,000 unless `TOCSIN_BENCH_SUBSCRIBERS`
//! says otherwise) at points inside a polygon, an Actual alert for that polygon, and the
//! planner's work on it: select the subscribers from the in-memory index, then write one
//! `queued` delivery per subscriber. Runs on SQLite (a fresh file) and, when
//! `TOCSIN_BENCH_DATABASE_URL` or `TOCSIN_TEST_DATABASE_URL` names a PostgreSQL server it may
//! create databases on, on PostgreSQL.
//!
//! Figures: seconds to load the index from the database (an instance's cold start), to select
//! (targeting alone), and to plan (targeting and enqueueing, as the engine does on issue), the
//! rows per second of planning, and the process's peak resident memory after each phase.

use std::collections::HashSet;
use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use cap_alerts::geo::{Coverage, Polygon};
use cap_alerts::model::{Severity, Status};
use dispatcher::app::App;
use dispatcher::config::{Secret, Settings};
use dispatcher::domain::alerts::lifecycle::{self, CreateRequest};
use dispatcher::domain::caller::Caller;
use dispatcher::domain::crypto::SecretKey;
use dispatcher::domain::roles::Role;
use dispatcher::domain::subscriptions::{self, Place, Subscription};
use dispatcher::fanout::{planner, targeting};
use serde_json::{Value, json};

use crate::measure::caller;

/// The polygon the subscribers live in: an irregular octagon around Bratislava, as CAP text.
const POLYGON: &str =
    "48.00,17.00 47.95,17.25 48.05,17.50 48.25,17.60 48.45,17.45 48.50,17.15 48.35,16.90 48.15,16.85 48.00,17.00";

/// How many subscribers: `TOCSIN_BENCH_SUBSCRIBERS` or a million.
pub fn subscribers() -> usize {
    std::env::var("TOCSIN_BENCH_SUBSCRIBERS").ok().and_then(|s| s.parse().ok()).unwrap_or(1_000_000)
}

/// The PostgreSQL server to create a database on, if any.
pub fn postgres_url() -> Option<String> {
    std::env::var("TOCSIN_BENCH_DATABASE_URL")
        .or_else(|_| std::env::var("TOCSIN_TEST_DATABASE_URL"))
        .ok()
        .filter(|u| u.starts_with("postgres"))
}

/// Runs the scenario on SQLite and, if a server is named, on PostgreSQL.
pub fn run(n: usize) -> anyhow::Result<Vec<Value>> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let mut out = Vec::new();
    let dir = std::env::temp_dir().join(format!("tocsin-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let r = rt.block_on(on_sqlite(&dir, n));
    let _ = std::fs::remove_dir_all(&dir);
    out.push(r?);
    match postgres_url() {
        Some(admin) => out.push(rt.block_on(on_postgres(&admin, n))?),
        None => eprintln!(
            "fanout on PostgreSQL skipped: set TOCSIN_BENCH_DATABASE_URL (or TOCSIN_TEST_DATABASE_URL) to a server \
             the benchmark may create a database on"
        ),
    }
    Ok(out)
}

async fn on_sqlite(dir: &Path, n: usize) -> anyhow::Result<Value> {
    let url = format!("sqlite://{}", dir.join("bench.db").display());
    scenario("sqlite", &url, n).await
}

async fn on_postgres(admin: &str, n: usize) -> anyhow::Result<Value> {
    use sqlx::Connection as _;
    let name = format!("tocsin_bench_{}", std::process::id());
    let mut c = sqlx::PgConnection::connect(admin).await.context("connecting to the PostgreSQL server")?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut c).await?;
    let url = match admin.rfind('/') {
        Some(i) if i > admin.find("://").map_or(0, |j| j + 2) => format!("{}/{name}", &admin[..i]),
        _ => format!("{admin}/{name}"),
    };
    let r = scenario("postgres", &url, n).await;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))).execute(&mut c).await?;
    r
}

async fn scenario(backend: &str, url: &str, n: usize) -> anyhow::Result<Value> {
    let mut s = Settings::default();
    s.database.url = Secret::new(url);
    s.security.secret_key = Secret::new(SecretKey::generate_base64());
    s.server.public_url = "http://127.0.0.1".into();
    // Peak memory counts from here (Linux: writing 5 to clear_refs resets VmHWM).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let app = App::open(s.clone()).await?;
    let polygon = Polygon::parse(POLYGON).map_err(|e| anyhow::anyhow!("{e}"))?;

    let t = Instant::now();
    seed(&app, &polygon, n).await?;
    let seed_seconds = t.elapsed().as_secs_f64();
    let author = caller(&app, "ana", Role::Author).await?;
    let approver = caller(&app, "boris", Role::Approver).await?;
    app.db.close().await;
    let before = peak_rss_mib();

    // A fresh instance on the seeded database: the index starts empty.
    let app = App::open(s).await?;
    let t = Instant::now();
    app.targeting.sync(&app.db).await?;
    let load_seconds = t.elapsed().as_secs_f64();
    let after_load = peak_rss_mib();

    let mut coverage = Coverage::new();
    coverage.add_polygon(polygon.clone());
    let audience = targeting::Audience { severity: Severity::Extreme, status: Status::Actual };
    let t = Instant::now();
    let selected = app.targeting.select(&coverage, &HashSet::new(), audience).subscriptions.len();
    let select_seconds = t.elapsed().as_secs_f64();
    anyhow::ensure!(selected == n, "the polygon selected {selected} of {n} subscribers");

    let id = issue(&app, &author, &approver).await?;
    let t = Instant::now();
    let planned = planner::plan_one(&app, &["push", "sms", "email"], "bench", i32::MAX).await?;
    let plan_seconds = t.elapsed().as_secs_f64();
    anyhow::ensure!(planned, "the alert's fan-out was not planned");
    let summary = dispatcher::db::deliveries::summary(&mut app.db.read().await?, id).await?;
    let rows: i64 = summary.iter().map(|c| c.n).sum();
    anyhow::ensure!(rows == n as i64, "{rows} deliveries were queued for {n} subscribers");
    let after_plan = peak_rss_mib();
    app.db.close().await;

    Ok(json!({
        "scenario": "fanout",
        "backend": backend,
        "subscribers": n,
        "seed_seconds": round(seed_seconds),
        "index_load_seconds": round(load_seconds),
        "select_seconds": round(select_seconds),
        "plan_seconds": round(plan_seconds),
        "deliveries_queued": rows,
        "plan_rows_per_second": (rows as f64 / plan_seconds).round(),
        "peak_rss_mib": {
            "after_seeding": before,
            "after_index_load": after_load,
            "after_planning": after_plan,
        },
        "note": "plan = targeting (index select and exact polygon test) + writing one queued delivery per \
                 subscriber in committed batches of fanout.planner_batch; peak RSS is the process's high-water \
                 mark (VmHWM) and includes seeding",
    }))
}

/// `n` push subscriptions at pseudo-random points inside the polygon, added 50,000 at a time.
async fn seed(app: &App, polygon: &Polygon, n: usize) -> anyhow::Result<()> {
    let bbox = polygon.bbox();
    let (lat0, lat1, lon0, lon1) = (bbox.min_lat, bbox.max_lat, bbox.min_lon, bbox.max_lon);
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x >> 11) as f64 / (1u64 << 53) as f64
    };
    // Push subscriptions as browsers give them; the keys are only checked for their lengths
    // here, since nothing is sent.
    let keys = json!({ "p256dh": format!("B{}", "A".repeat(86)), "auth": "A".repeat(22) });
    let mut made = 0;
    while made < n {
        let mut batch = Vec::with_capacity(50_000.min(n - made));
        while batch.len() < batch.capacity() {
            let (lat, lon) = (lat0 + next() * (lat1 - lat0), lon0 + next() * (lon1 - lon0));
            if !polygon.contains(lat, lon) {
                continue;
            }
            batch.push(Subscription {
                channel: "push".into(),
                address:
                    json!({ "endpoint": format!("https://push.example/endpoint/{}", made + batch.len()), "keys": keys })
                        .to_string(),
                languages: vec!["sk".into()],
                min_severity: Severity::Minor,
                exercises: false,
                tests: false,
                verified: true,
                places: vec![Place::Point { lat, lon }],
            });
        }
        made += batch.len();
        subscriptions::add(app, &batch).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    Ok(())
}

/// Creates, submits, approves and issues the alert (its fan-out waits for the planner).
async fn issue(app: &App, author: &Caller, approver: &Caller) -> anyhow::Result<i64> {
    let ring: Vec<[f64; 2]> = Polygon::parse(POLYGON)
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .points()
        .iter()
        .map(|p| [p.lat(), p.lon()])
        .collect();
    let content = crate::measure::flood(&ring);
    let e = |e: dispatcher::domain::error::Error| anyhow::anyhow!("{e}");
    let row = lifecycle::create(app, author, CreateRequest { content: Some(content), ..Default::default() })
        .await
        .map_err(e)?;
    let row = lifecycle::submit(app, author, row.id, &["outside-territory".into()]).await.map_err(e)?;
    let sha = row.cap_sha256.clone().context("submitted without a hash")?;
    Ok(lifecycle::approve(app, approver, row.id, &sha, true).await.map_err(e)?.id)
}

/// The process's peak resident memory in MiB (Linux), or null.
fn peak_rss_mib() -> Value {
    crate::measure::status_kib("VmHWM").map_or(Value::Null, |kb| json!((kb / 1024.0).round()))
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
