//! Opening the database named in the settings, with the SQLite options Tocsin relies on.

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::Db;
use crate::config::Database;

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

/// The limits each PostgreSQL session sets on itself, as `(name, value)`: the server ends what
/// its client no longer can.
///
/// A failover or a forgetful network can cut a client off in the middle of a transaction
/// without the server hearing of it. That session then sits `idle in transaction` holding its
/// row locks for as long as the server keeps the TCP connection (hours), and every statement
/// that needs those rows waits behind it: the fan-out planner's claim skips its locked
/// `fanouts` row, and a re-insert of its uncommitted `deliveries` waits on them (the failover
/// partition test's stall). So: a transaction left idle longer than the client's own deadline
/// is ended by the server (`idle_in_transaction_session_timeout`), a statement cannot outrun
/// the deadline (`statement_timeout`, one second longer so the client's error comes first),
/// and TCP keepalives, a user timeout and the client-connection check make the server notice a
/// vanished peer within minutes even mid-statement.
pub fn session_settings(query_timeout_seconds: u32) -> Vec<(&'static str, String)> {
    let deadline_ms = u64::from(query_timeout_seconds.max(1)) * 1000;
    vec![
        ("statement_timeout", (deadline_ms + 1000).to_string()),
        ("idle_in_transaction_session_timeout", deadline_ms.to_string()),
        ("tcp_keepalives_idle", "60".to_owned()),
        ("tcp_keepalives_interval", "10".to_owned()),
        ("tcp_keepalives_count", "6".to_owned()),
    ]
}

/// Sets [`session_settings`] on a new connection, and where the server is new enough the TCP
/// user timeout (PostgreSQL 12) and the client-connection check (PostgreSQL 14). Bounded like
/// a ping: a connection that does not answer is refused.
async fn set_session(conn: &mut sqlx::PgConnection, query_timeout_seconds: u32) -> Result<(), sqlx::Error> {
    let mut sets = session_settings(query_timeout_seconds);
    let set = async {
        let version: i32 = sqlx::query_scalar("SELECT CAST(current_setting('server_version_num') AS INTEGER)")
            .fetch_one(&mut *conn)
            .await?;
        if version >= 120_000 {
            sets.push(("tcp_user_timeout", "120000".to_owned()));
        }
        if version >= 140_000 {
            sets.push(("client_connection_check_interval", "5000".to_owned()));
        }
        let mut q = String::from("SELECT ");
        for (i, _) in sets.iter().enumerate() {
            if i > 0 {
                q.push_str(", ");
            }
            q.push_str(&format!("set_config(${}, ${}, false)", 2 * i + 1, 2 * i + 2));
        }
        // Only placeholders are spliced in; the names and values are bound.
        let mut query = sqlx::query(sqlx::AssertSqlSafe(q));
        for (name, value) in &sets {
            query = query.bind(*name).bind(value.as_str());
        }
        query.execute(&mut *conn).await.map(|_| ())
    };
    match tokio::time::timeout(RELEASE_PING, set).await {
        Ok(r) => r,
        Err(_) => Err(sqlx::Error::Io(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "a new connection did not answer while setting its limits",
        ))),
    }
}

/// Opens the pool. SQLite runs in WAL mode with foreign keys on and a long busy timeout;
/// writes begin with `BEGIN IMMEDIATE` (see `Db::begin`), so concurrent writers wait for each
/// other instead of failing. PostgreSQL sessions set their own limits ([`session_settings`]).
/// The process's client-side deadline (`db::set_query_timeout`) is the caller's to set.
pub async fn connect(settings: &Database) -> anyhow::Result<Db> {
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
        if !(url.contains(":memory:") || url.contains("mode=memory") || url.contains("mode=ro")) {
            create_private(options.get_filename());
        }
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

/// Creates the SQLite database file readable and writable by its owner only (0600) before
/// SQLite would create it under the process's umask (0644 with the usual 022): it holds
/// password hashes, sealed secrets and residents' addresses. SQLite gives the `-wal` and
/// `-shm` files it makes beside it the database file's own permissions. A file that exists is
/// left as it is, with a warning if other users may read it; any other failure is SQLite's to
/// report when it opens the file.
#[cfg(unix)]
fn create_private(path: &std::path::Path) {
    use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
    let created = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path);
    if created.is_err()
        && let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(
            path = %path.display(),
            mode = format!("{:o}", meta.permissions().mode() & 0o777),
            "other users of this host may read the SQLite database: chmod 600 it and its -wal and -shm files"
        );
    }
}

#[cfg(not(unix))]
fn create_private(_path: &std::path::Path) {}

/// The PostgreSQL pool's options.
fn pg_options(settings: &Database) -> PgPoolOptions {
    let limit = settings.query_timeout_seconds;
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
        .after_connect(move |conn, _| Box::pin(set_session(conn, limit)))
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
