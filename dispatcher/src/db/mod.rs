//! All SQL lives here and in `migrations/`. One [`Db`] runs on SQLite or PostgreSQL; the same
//! statement text (with `$1` placeholders, which both drivers accept) serves both wherever the
//! dialects agree, and functions take an [`Executor`] so that the caller owns the transaction.
//!
//! Times are stored as milliseconds since the Unix epoch (`BIGINT`) and identifiers as `BIGINT`
//! on both backends, so rows decode the same way from either.

mod connect;
#[macro_use]
mod macros;

pub mod alerts;
pub mod areas;
pub mod audit;
pub mod cascade;
pub mod changes;
pub mod deliveries;
pub mod delivery_counts;
pub mod delivery_timeline;
pub mod devices;
pub mod fanouts;
pub mod feeds;
pub mod instance_keys;
pub mod key_check;
pub mod login_failures;
pub mod rate_buckets;
pub mod receipts;
pub mod resident_stats;
pub mod residents;
pub mod sessions;
pub mod siren_tests;
pub mod subscriptions;
pub mod templates;
pub mod tokens;
pub mod users;
pub mod verification_codes;
pub mod webhooks;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::postgres::PgConnection;
use sqlx::sqlite::SqliteConnection;
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool};

pub use connect::{connect, session_settings};

/// The database: a pool on one of the two backends.
#[derive(Clone, Debug)]
pub enum Db {
    /// The embedded default.
    Sqlite(SqlitePool),
    /// For several instances and larger deployments.
    Postgres(Pg),
}

/// The PostgreSQL pool, which the database watcher can replace when its connections are stuck
/// while the server answers (see `connect::pg_options`).
#[derive(Clone, Debug)]
pub struct Pg(std::sync::Arc<PgInner>);

#[derive(Debug)]
struct PgInner {
    pool: std::sync::RwLock<PgPool>,
    settings: crate::config::Database,
}

impl Pg {
    fn new(pool: PgPool, settings: crate::config::Database) -> Pg {
        Pg(std::sync::Arc::new(PgInner { pool: std::sync::RwLock::new(pool), settings }))
    }

    /// The current pool (a cheap handle).
    pub fn pool(&self) -> PgPool {
        self.0.pool.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// Whether the server answers on a connection of its own, outside the pool.
    pub async fn answers_fresh(&self, limit: Duration) -> bool {
        connect::pg_answers_fresh(&self.0.settings, limit).await
    }

    /// Replaces the pool with a new one; the old one's connections end as their holders let
    /// go of them (those stuck on a silent network are abandoned with it).
    pub fn renew(&self) -> Result<(), sqlx::Error> {
        let fresh = connect::pg_pool_lazy(&self.0.settings)?;
        let old =
            std::mem::replace(&mut *self.0.pool.write().unwrap_or_else(std::sync::PoisonError::into_inner), fresh);
        // Closing waits for connections in use; a stuck one would hold a task for ever, so
        // the old pool is closed in the background, bounded.
        tokio::spawn(async move {
            let _ = tokio::time::timeout(Duration::from_secs(60), old.close()).await;
        });
        Ok(())
    }
}

/// Which backend a database runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// An open transaction. On SQLite it began with `BEGIN IMMEDIATE`, so it holds the write lock
/// from the start and never fails later with SQLITE_BUSY.
pub enum Tx {
    /// SQLite.
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    /// PostgreSQL.
    Postgres(sqlx::Transaction<'static, Postgres>),
}

/// A pooled connection for reads outside a transaction.
pub enum PoolConn {
    /// SQLite.
    Sqlite(PoolConnection<Sqlite>),
    /// PostgreSQL.
    Postgres(PoolConnection<Postgres>),
}

/// A borrowed connection, as the query macros use it.
pub enum Conn<'a> {
    /// SQLite.
    Sqlite(&'a mut SqliteConnection),
    /// PostgreSQL.
    Postgres(&'a mut PgConnection),
}

/// Anything queries can run on: a transaction or a pooled connection.
pub trait Executor: Send {
    /// The connection underneath.
    fn conn(&mut self) -> Conn<'_>;
}

impl Executor for Tx {
    fn conn(&mut self) -> Conn<'_> {
        match self {
            Tx::Sqlite(t) => Conn::Sqlite(&mut *t),
            Tx::Postgres(t) => Conn::Postgres(&mut *t),
        }
    }
}

impl Executor for PoolConn {
    fn conn(&mut self) -> Conn<'_> {
        match self {
            PoolConn::Sqlite(c) => Conn::Sqlite(&mut *c),
            PoolConn::Postgres(c) => Conn::Postgres(&mut *c),
        }
    }
}

impl Conn<'_> {
    /// Which backend this connection is on.
    pub fn backend(&self) -> Backend {
        match self {
            Conn::Sqlite(_) => Backend::Sqlite,
            Conn::Postgres(_) => Backend::Postgres,
        }
    }
}

impl Db {
    /// Which backend.
    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Begins a write transaction.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(deadline(p.begin_with("BEGIN IMMEDIATE")).await?),
            Db::Postgres(p) => Tx::Postgres(deadline(p.pool().begin()).await?),
        })
    }

    /// A connection for reads.
    pub async fn read(&self) -> Result<PoolConn, sqlx::Error> {
        Ok(match self {
            Db::Sqlite(p) => PoolConn::Sqlite(deadline(p.acquire()).await?),
            Db::Postgres(p) => PoolConn::Postgres(deadline(p.pool().acquire()).await?),
        })
    }

    /// Applies the embedded migrations of this backend. On PostgreSQL they run on a connection
    /// of their own without the sessions' statement limit (a migration may rewrite a large
    /// table), which is closed afterwards rather than returned to the pool.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match self {
            Db::Sqlite(p) => sqlx::migrate!("migrations/sqlite").run(p).await,
            Db::Postgres(p) => {
                let mut c = deadline(p.pool().acquire()).await?.detach();
                deadline(sqlx::query("SET statement_timeout = 0").execute(&mut c)).await?;
                let r = sqlx::migrate!("migrations/postgres").run(&mut c).await;
                let _ = sqlx::Connection::close(c).await;
                r
            }
        }
    }

    /// Whether the database answers within `limit`.
    pub async fn ping(&self, limit: Duration) -> bool {
        let probe = async {
            match self.read().await {
                Ok(mut c) => scalar!(&mut c, i64, "SELECT CAST(1 AS BIGINT)").is_ok(),
                Err(_) => false,
            }
        };
        tokio::time::timeout(limit, probe).await.unwrap_or(false)
    }

    /// Closes the pool.
    pub async fn close(&self) {
        match self {
            Db::Sqlite(p) => p.close().await,
            Db::Postgres(p) => p.pool().close().await,
        }
    }
}

impl Tx {
    /// Commits.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(t) => deadline(t.commit()).await,
            Tx::Postgres(t) => deadline(t.commit()).await,
        }
    }
}

/// The longest any statement, acquisition or commit may take, in milliseconds; set from
/// `database.query_timeout_seconds` when the process opens its database.
static QUERY_TIMEOUT_MS: AtomicU64 = AtomicU64::new(60_000);

/// Sets the deadline of every database operation of this process.
pub fn set_query_timeout(limit: Duration) {
    QUERY_TIMEOUT_MS.store(limit.as_millis().max(1) as u64, Ordering::Relaxed);
}

/// Runs a database operation under the deadline. A database that stops answering (a cut
/// network, not a closed connection, leaves a read waiting for ever: neither sqlx nor the
/// kernel would notice for many minutes) then gives a timed-out error the caller retries.
pub async fn deadline<T>(op: impl Future<Output = Result<T, sqlx::Error>>) -> Result<T, sqlx::Error> {
    let limit = Duration::from_millis(QUERY_TIMEOUT_MS.load(Ordering::Relaxed));
    match tokio::time::timeout(limit, op).await {
        Ok(result) => result,
        Err(_) => Err(sqlx::Error::Io(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            format!("the database did not answer within {} s", limit.as_secs_f64()),
        ))),
    }
}

/// Whether an error is a unique-constraint violation.
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error().is_some_and(|d| d.is_unique_violation())
}

/// Ids as a comma-separated SQL list. Only integers are written, so the text is safe to splice.
pub fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    /// Every statement the dispatcher sends runs under a time limit: `deadline` (or, in
    /// `connect.rs`, the connection checks' own bounded timeouts). A statement without one
    /// waits for ever on a database the network cut off (the failover partition test's
    /// stall began with the bulk insert of deliveries, which had none).
    #[test]
    fn every_statement_runs_under_a_deadline() {
        let mut missing = Vec::new();
        let mut files = vec![std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/src"))];
        let mut seen = 0;
        while let Some(path) = files.pop() {
            if path.is_dir() {
                files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            // Its statements check a connection within `RELEASE_PING` or the probe's limit.
            if path.ends_with("db/connect.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for call in [".execute", ".fetch_one", ".fetch_all", ".fetch_optional", ".fetch"] {
                for (at, _) in text.match_indices(&format!("{call}(&mut")) {
                    seen += 1;
                    // The statement the call ends: back to the previous `;`, `{` or `}`.
                    let start = text[..at].rfind([';', '{', '}']).map_or(0, |i| i + 1);
                    let statement = &text[start..at];
                    if !(statement.contains("deadline(") || statement.contains("timeout(")) {
                        let line = text[..at].lines().count();
                        missing.push(format!("{}:{line}", path.display()));
                    }
                }
            }
        }
        assert!(seen > 10, "the check found only {seen} statements: has the code moved?");
        assert!(missing.is_empty(), "statements without a deadline: {missing:#?}");
    }
}
