//! `subscriptions` as residents manage them: their management token, their preferences,
//! verification, and erasure (the row stays as a tombstone without personal data).

use super::changes::stamp;
use super::{Executor, now_ms};

/// A subscription as its resident sees it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Own {
    pub id: i64,
    pub channel: String,
    pub address_sealed: String,
    pub token_hash: Option<String>,
    pub languages: String,
    pub min_severity: String,
    pub exercises: bool,
    pub tests: bool,
    pub verified: bool,
    pub active: bool,
    pub created_ms: i64,
    pub deleted_ms: Option<i64>,
}

const OWN: &str = "SELECT id, channel, address_sealed, token_hash, languages, min_severity, exercises, tests, \
                   verified, active, created_ms, deleted_ms FROM subscriptions";

/// A subscription by id.
pub async fn own(ex: &mut impl Executor, id: i64) -> Result<Option<Own>, sqlx::Error> {
    fetch_optional!(ex, Own, sqlx::AssertSqlSafe(format!("{OWN} WHERE id = $1")), id)
}

/// The subscription of an address on a channel, in any state.
pub async fn by_address(ex: &mut impl Executor, channel: &str, hash: &str) -> Result<Option<Own>, sqlx::Error> {
    fetch_optional!(
        ex,
        Own,
        sqlx::AssertSqlSafe(format!("{OWN} WHERE channel = $1 AND address_hash = $2")),
        channel,
        hash
    )
}

/// What a resident chose.
#[derive(Clone, Debug)]
pub struct Preferences<'a> {
    pub languages: &'a str,
    pub min_severity: &'a str,
    pub exercises: bool,
    pub tests: bool,
}

/// Changes a subscription's preferences.
pub async fn set_preferences(ex: &mut impl Executor, id: i64, p: &Preferences<'_>) -> Result<u64, sqlx::Error> {
    let seq = stamp(ex).await?;
    exec!(
        ex,
        "UPDATE subscriptions SET languages = $2, min_severity = $3, exercises = $4, tests = $5, changed_ms = $6, \
         change_seq = $7 WHERE id = $1 AND deleted_ms IS NULL",
        id,
        p.languages,
        p.min_severity,
        p.exercises,
        p.tests,
        now_ms(),
        seq
    )
}

/// Gives a subscription a new management token (its SHA-256), a fresh address seal, and the
/// state of a new sign-up: active, verified or not.
pub async fn restart(
    ex: &mut impl Executor,
    id: i64,
    address_sealed: &str,
    token_hash: &str,
    verified: bool,
) -> Result<u64, sqlx::Error> {
    let seq = stamp(ex).await?;
    exec!(
        ex,
        "UPDATE subscriptions SET address_sealed = $2, token_hash = $3, verified = $4, active = TRUE, \
         deleted_ms = NULL, changed_ms = $5, change_seq = $6 WHERE id = $1",
        id,
        address_sealed,
        token_hash,
        verified,
        now_ms(),
        seq
    )
}

/// Marks a pending subscription verified; gives whether it was pending.
pub async fn mark_verified(ex: &mut impl Executor, id: i64) -> Result<bool, sqlx::Error> {
    let seq = stamp(ex).await?;
    let n = exec!(
        ex,
        "UPDATE subscriptions SET verified = TRUE, changed_ms = $2, change_seq = $3 \
         WHERE id = $1 AND active AND NOT verified AND deleted_ms IS NULL",
        id,
        now_ms(),
        seq
    )?;
    Ok(n > 0)
}

/// Ends a subscription's places (their coordinates erased too), so that targeting drops them.
pub async fn erase_places(ex: &mut impl Executor, id: i64) -> Result<u64, sqlx::Error> {
    let seq = stamp(ex).await?;
    exec!(
        ex,
        "UPDATE places SET active = FALSE, lat = NULL, lon = NULL, area_id = NULL, changed_ms = $2, change_seq = $3 \
         WHERE subscription_id = $1 AND (active OR lat IS NOT NULL OR area_id IS NOT NULL)",
        id,
        now_ms(),
        seq
    )
}

/// Erases a subscription's personal data: address, its hash, languages, token. The row stays
/// (inactive, `deleted_ms` set) so the targeting index sees the change.
pub async fn erase(ex: &mut impl Executor, id: i64) -> Result<u64, sqlx::Error> {
    let now = now_ms();
    let seq = stamp(ex).await?;
    exec!(
        ex,
        "UPDATE subscriptions SET address_sealed = '', address_hash = $2, languages = '', token_hash = NULL, \
         active = FALSE, deleted_ms = $3, changed_ms = $3, change_seq = $4 WHERE id = $1 AND deleted_ms IS NULL",
        id,
        format!("erased:{id}"),
        now,
        seq
    )
}

/// Sign-ups still unconfirmed that were made before a time.
pub async fn pending_before(ex: &mut impl Executor, before_ms: i64) -> Result<Vec<i64>, sqlx::Error> {
    let rows: Vec<(i64,)> = fetch_all!(
        ex,
        (i64,),
        "SELECT id FROM subscriptions WHERE NOT verified AND deleted_ms IS NULL AND token_hash IS NOT NULL \
         AND created_ms < $1",
        before_ms
    )?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// How many deliveries a subscription has on record, and when the last was sent.
pub async fn delivery_stats(ex: &mut impl Executor, id: i64) -> Result<(i64, Option<i64>), sqlx::Error> {
    let n = scalar!(
        ex,
        i64,
        "SELECT COUNT(*) FROM deliveries WHERE recipient_kind = 'subscription' AND recipient_id = $1",
        id
    )?;
    let last = scalar!(
        ex,
        Option<i64>,
        "SELECT MAX(COALESCE(sent_ms, updated_ms)) FROM deliveries WHERE recipient_kind = 'subscription' \
         AND recipient_id = $1",
        id
    )?;
    Ok((n, last))
}
