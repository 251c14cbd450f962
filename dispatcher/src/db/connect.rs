//! Opening the database named in the settings, with the SQLite options Tocsin relies on.

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::Db;
use crate::config::Database;

/// Opens the pool. SQLite runs in WAL mode with foreign keys on and a long busy timeout;
/// writes begin with `BEGIN IMMEDIATE` (see `Db::begin`), so concurrent writers wait for each
/// other instead of failing.
/// How long a pooled connection may take to answer a ping.
const RELEASE_PING: Duration = Duration::from_secs(3);

/// A ping that gives up: an error (the pool then drops the connection without a goodbye) when
/// the connection does not answer in time.
async fn bounded_ping(conn: &mut sqlx::PgConnection) -> Result<bool, sqlx::Error> {
    match tokio::time::timeout(RELEASE_PING, sqlx::Connection::ping(conn)).await {
        Ok(Ok(())) => Ok(true),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(sqlx::Error::Io(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "a pooled connection did not answer a ping",
        ))),
    }
}

pub async fn connect(settings: &Database) -> anyhow::Result<Db> {
    super::set_query_timeout(Duration::from_secs(u64::from(settings.query_timeout_seconds)));
    let url = settings.url.expose();
    if url.starts_with("sqlite:") {
        let synchronous = match settings.sqlite_synchronous.as_str() {
            "normal" => SqliteSynchronous::Normal,
            "extra" => SqliteSynchronous::Extra,
            _ => SqliteSynchronous::Full,
        };
        let options = SqliteConnectOptions::from_str(url)
            .context("database.url is not a valid sqlite: URL")?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(synchronous)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30));
        let pool = SqlitePoolOptions::new()
            .max_connections(settings.max_connections)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await
            .context("cannot open the SQLite database")?;
        Ok(Db::Sqlite(pool))
    } else {
        let pool = pg_options(settings).connect(url).await.context("cannot connect to PostgreSQL")?;
        Ok(Db::Postgres(super::Pg::new(pool, settings.clone())))
    }
}

/// The PostgreSQL pool's options.
fn pg_options(settings: &Database) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(settings.max_connections)
        .acquire_timeout(Duration::from_secs(10))
        // sqlx pings a connection on its way back to the pool and before handing it out,
        // without a time limit: on a connection the network silently dropped (a failover,
        // a forgetful NAT) that waits for ever and the pool never recovers (the partition
        // test's failover case). Our own bounded pings come first and have such a
        // connection dropped instead. sqlx 0.9 still pings once more, unbounded, after ours
        // on release; a connection silenced in between holds its pool slot for ever, which
        // `Pg::renew` (run by the server's database watcher) repairs.
        .after_release(|conn, _| Box::pin(bounded_ping(conn)))
        // Likewise before a connection is handed out (sqlx's own test would wait unbounded).
        .test_before_acquire(false)
        .before_acquire(|conn, _| Box::pin(bounded_ping(conn)))
}

/// A new pool with the same settings, connecting on demand (it does not wait for the server).
pub(super) fn pg_pool_lazy(settings: &Database) -> Result<sqlx::PgPool, sqlx::Error> {
    pg_options(settings).connect_lazy(settings.url.expose())
}

/// Whether PostgreSQL answers on a new connection of its own (outside the pool) within `limit`.
pub(super) async fn pg_answers_fresh(settings: &Database, limit: Duration) -> bool {
    let probe = async {
        let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(settings.url.expose()).await.ok()?;
        let one: i64 = sqlx::query_scalar("SELECT CAST(1 AS BIGINT)").fetch_one(&mut c).await.ok()?;
        let _ = sqlx::Connection::close(c).await;
        Some(one == 1)
    };
    tokio::time::timeout(limit, probe).await.ok().flatten().unwrap_or(false)
}
