//! Macros that run one statement on whichever backend an executor is on. Arguments are bound
//! in order to `$1`, `$2`, …; both drivers accept that placeholder style. Every statement has
//! the database's deadline (`database.query_timeout_seconds`), so a database that stops
//! answering gives an error instead of a hang.

/// Executes a statement; gives the number of rows affected.
macro_rules! exec {
    ($ex:expr, $sql:expr $(, $arg:expr)* $(,)?) => {
        match $crate::db::Executor::conn($ex) {
            $crate::db::Conn::Sqlite(c) => {
                $crate::db::deadline(sqlx::query($sql)$(.bind($arg))*.execute(&mut *c)).await.map(|r| r.rows_affected())
            }
            $crate::db::Conn::Postgres(c) => {
                $crate::db::deadline(sqlx::query($sql)$(.bind($arg))*.execute(&mut *c)).await.map(|r| r.rows_affected())
            }
        }
    };
}

/// Fetches every row as `$ty` (a `sqlx::FromRow`).
macro_rules! fetch_all {
    ($ex:expr, $ty:ty, $sql:expr $(, $arg:expr)* $(,)?) => {
        match $crate::db::Executor::conn($ex) {
            $crate::db::Conn::Sqlite(c) => $crate::db::deadline(sqlx::query_as::<_, $ty>($sql)$(.bind($arg))*.fetch_all(&mut *c)).await,
            $crate::db::Conn::Postgres(c) => $crate::db::deadline(sqlx::query_as::<_, $ty>($sql)$(.bind($arg))*.fetch_all(&mut *c)).await,
        }
    };
}

/// Fetches at most one row as `$ty`.
macro_rules! fetch_optional {
    ($ex:expr, $ty:ty, $sql:expr $(, $arg:expr)* $(,)?) => {
        match $crate::db::Executor::conn($ex) {
            $crate::db::Conn::Sqlite(c) => {
                $crate::db::deadline(sqlx::query_as::<_, $ty>($sql)$(.bind($arg))*.fetch_optional(&mut *c)).await
            }
            $crate::db::Conn::Postgres(c) => {
                $crate::db::deadline(sqlx::query_as::<_, $ty>($sql)$(.bind($arg))*.fetch_optional(&mut *c)).await
            }
        }
    };
}

/// Fetches one value of type `$ty` from the first column of exactly one row.
macro_rules! scalar {
    ($ex:expr, $ty:ty, $sql:expr $(, $arg:expr)* $(,)?) => {
        match $crate::db::Executor::conn($ex) {
            $crate::db::Conn::Sqlite(c) => $crate::db::deadline(sqlx::query_scalar::<_, $ty>($sql)$(.bind($arg))*.fetch_one(&mut *c)).await,
            $crate::db::Conn::Postgres(c) => $crate::db::deadline(sqlx::query_scalar::<_, $ty>($sql)$(.bind($arg))*.fetch_one(&mut *c)).await,
        }
    };
}
