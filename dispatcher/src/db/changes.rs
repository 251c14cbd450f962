//! Change stamps for the rows the targeting index holds (subscriptions, places, devices): a
//! writing transaction stamps what it changes, and a reader learns where to start next time
//! without missing a transaction that committed late. See the migration
//! `20261123000003_change_stamps.sql` for why each backend does it its way.

use super::{Conn, Executor};

/// The stamp for rows this transaction changes. On SQLite it bumps the counter, which also
/// takes the write lock, so call it inside the writing transaction.
pub async fn stamp(ex: &mut impl Executor) -> Result<i64, sqlx::Error> {
    match ex.conn() {
        Conn::Sqlite(c) => {
            super::deadline(
                sqlx::query_scalar("UPDATE change_counter SET seq = seq + 1 WHERE id = 1 RETURNING seq")
                    .fetch_one(&mut *c),
            )
            .await
        }
        Conn::Postgres(c) => {
            super::deadline(sqlx::query_scalar("SELECT pg_current_xact_id()::text::bigint").fetch_one(&mut *c)).await
        }
    }
}

/// Where a reader starts: rows with a stamp at or above this may be new to it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cursor(pub i64);

/// Taken just before a read: on PostgreSQL the oldest transaction still running (everything
/// older has ended and will be visible to the read). On SQLite `None`: the next cursor is one
/// above the highest stamp the read saw.
pub async fn before_read(ex: &mut impl Executor) -> Result<Option<Cursor>, sqlx::Error> {
    match ex.conn() {
        Conn::Sqlite(_) => Ok(None),
        Conn::Postgres(c) => {
            let x: i64 = super::deadline(
                sqlx::query_scalar("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint").fetch_one(&mut *c),
            )
            .await?;
            Ok(Some(Cursor(x)))
        }
    }
}

/// The cursor after a read: what `before_read` gave, or one above the highest stamp seen, or
/// the old cursor if nothing was read.
pub fn after_read(old: Cursor, before: Option<Cursor>, highest_seen: Option<i64>) -> Cursor {
    match (before, highest_seen) {
        (Some(b), _) => Cursor(b.0.max(old.0)),
        (None, Some(h)) => Cursor((h + 1).max(old.0)),
        (None, None) => old,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_never_go_back() {
        assert_eq!(after_read(Cursor(5), None, Some(9)), Cursor(10));
        assert_eq!(after_read(Cursor(5), None, None), Cursor(5));
        assert_eq!(after_read(Cursor(5), Some(Cursor(7)), Some(20)), Cursor(7), "PostgreSQL rereads from xmin");
        assert_eq!(after_read(Cursor(8), Some(Cursor(7)), None), Cursor(8));
    }
}
