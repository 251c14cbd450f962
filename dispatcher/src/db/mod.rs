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

pub use connect::connect;

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

    /// Applies the embedded migrations of this backend.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match self {
            Db::Sqlite(p) => sqlx::migrate!("migrations/sqlite").run(p).await,
            Db::Postgres(p) => sqlx::migrate!("migrations/postgres").run(&p.pool()).await,
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
