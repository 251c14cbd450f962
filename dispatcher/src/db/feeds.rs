//! `feed_subscriptions` and `feed_items`: external CAP feeds, who polls each (a lease claimed
//! with a conditional UPDATE), what each poll found, and the entries already handled.

use super::{Executor, now_ms};

/// A subscription as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FeedRow {
    pub id: i64,
    pub name: String,
    pub url: String,
    pub rules: String,
    pub action: String,
    pub enabled: bool,
    pub poll_seconds: i32,
    pub must_sign: bool,
    pub from_config: bool,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub next_poll_ms: i64,
    pub failures: i32,
    pub last_polled_ms: Option<i64>,
    pub last_ok_ms: Option<i64>,
    pub last_error: Option<String>,
    pub polls: i64,
    pub errors: i64,
    pub relayed: i64,
    pub drafted: i64,
    pub skipped: i64,
    pub created_ms: i64,
    pub changed_ms: i64,
    /// Who made it or last changed what it takes and where from (NULL: the configuration).
    pub changed_by: Option<i64>,
    /// The approver who confirmed it as it now stands.
    pub confirmed_by: Option<i64>,
    /// When; NULL: not confirmed since it was made or last changed, and what it would relay
    /// waits for an approver instead.
    pub confirmed_ms: Option<i64>,
}

const COLUMNS: &str = "id, name, url, rules, action, enabled, poll_seconds, must_sign, from_config, etag, last_modified, \
     next_poll_ms, failures, last_polled_ms, last_ok_ms, last_error, polls, errors, relayed, drafted, skipped, \
     created_ms, changed_ms, changed_by, confirmed_by, confirmed_ms";

/// What a subscription is made of, as given by an administrator or the configuration.
#[derive(Clone, Debug)]
pub struct NewFeed<'a> {
    pub name: &'a str,
    pub url: &'a str,
    pub rules: &'a str,
    pub action: &'a str,
    pub enabled: bool,
    pub poll_seconds: i32,
    pub must_sign: bool,
    pub from_config: bool,
    /// Who makes or changes it (None: the configuration).
    pub changed_by: Option<i64>,
    /// Whether it counts as confirmed as it is written (the configuration file's, or one
    /// that does not relay); else it waits for a second person.
    pub confirmed: bool,
}

/// Adds a subscription, due at once; gives its id.
pub async fn insert(ex: &mut impl Executor, f: &NewFeed<'_>) -> Result<i64, sqlx::Error> {
    let now = now_ms();
    scalar!(
        ex,
        i64,
        "INSERT INTO feed_subscriptions (name, url, rules, action, enabled, poll_seconds, from_config, next_poll_ms, \
         created_ms, changed_ms, must_sign, changed_by, confirmed_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $8, $9, $10, $11) RETURNING id",
        f.name,
        f.url,
        f.rules,
        f.action,
        f.enabled,
        f.poll_seconds,
        f.from_config,
        now,
        f.must_sign,
        f.changed_by,
        f.confirmed.then_some(now)
    )
}

/// Records a second person's confirmation of a subscription as it stood at `changed_ms` (what
/// the approver saw); gives how many rows changed (0: it changed meanwhile, or was confirmed).
pub async fn confirm(ex: &mut impl Executor, id: i64, changed_ms: i64, by: i64) -> Result<u64, sqlx::Error> {
    exec!(
        ex,
        "UPDATE feed_subscriptions SET confirmed_by = $3, confirmed_ms = $4 \
         WHERE id = $1 AND changed_ms = $2 AND confirmed_ms IS NULL",
        id,
        changed_ms,
        by,
        now_ms()
    )
}

/// Replaces what an administrator may change. A changed URL or rules forget the validators and
/// the entries skipped, so the next poll (due at once) looks at everything again. Unless
/// `keep_confirmation` (a change of name, interval or on/off only), the change is recorded as
/// `f.changed_by`'s and the confirmation is `f.confirmed`'s.
pub async fn update(
    ex: &mut impl Executor,
    id: i64,
    f: &NewFeed<'_>,
    reread: bool,
    keep_confirmation: bool,
) -> Result<u64, sqlx::Error> {
    let now = now_ms();
    let n = exec!(
        ex,
        "UPDATE feed_subscriptions SET name = $2, url = $3, rules = $4, action = $5, enabled = $6, poll_seconds = $7, \
         next_poll_ms = $8, failures = 0, changed_ms = $8, must_sign = $10, \
         etag = CASE WHEN $9 THEN NULL ELSE etag END, last_modified = CASE WHEN $9 THEN NULL ELSE last_modified END, \
         changed_by = CASE WHEN $12 THEN changed_by ELSE $11 END, \
         confirmed_by = CASE WHEN $12 THEN confirmed_by ELSE NULL END, \
         confirmed_ms = CASE WHEN $12 THEN confirmed_ms ELSE $13 END \
         WHERE id = $1",
        id,
        f.name,
        f.url,
        f.rules,
        f.action,
        f.enabled,
        f.poll_seconds,
        now,
        reread,
        f.must_sign,
        f.changed_by,
        keep_confirmation,
        f.confirmed.then_some(now)
    )?;
    if reread {
        exec!(ex, "DELETE FROM feed_items WHERE feed_id = $1 AND outcome = 'skipped'", id)?;
    }
    Ok(n)
}

/// Every subscription.
pub async fn list(ex: &mut impl Executor) -> Result<Vec<FeedRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM feed_subscriptions ORDER BY name");
    fetch_all!(ex, FeedRow, sqlx::AssertSqlSafe(sql))
}

/// One subscription.
pub async fn by_id(ex: &mut impl Executor, id: i64) -> Result<Option<FeedRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM feed_subscriptions WHERE id = $1");
    fetch_optional!(ex, FeedRow, sqlx::AssertSqlSafe(sql), id)
}

/// One subscription, by name.
pub async fn by_name(ex: &mut impl Executor, name: &str) -> Result<Option<FeedRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM feed_subscriptions WHERE name = $1");
    fetch_optional!(ex, FeedRow, sqlx::AssertSqlSafe(sql), name)
}

/// Removes a subscription and what it remembers (the alerts it stored stay).
pub async fn delete(ex: &mut impl Executor, id: i64) -> Result<u64, sqlx::Error> {
    exec!(ex, "DELETE FROM feed_items WHERE feed_id = $1", id)?;
    exec!(ex, "DELETE FROM feed_subscriptions WHERE id = $1", id)
}

/// The enabled subscriptions due now and not leased by anyone.
pub async fn due(ex: &mut impl Executor, now: i64) -> Result<Vec<i64>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Id {
        id: i64,
    }
    let rows = fetch_all!(
        ex,
        Id,
        "SELECT id FROM feed_subscriptions WHERE enabled = TRUE AND next_poll_ms <= $1 AND lease_until_ms <= $1 ORDER BY next_poll_ms",
        now
    )?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// Claims a subscription for `owner` until `until`, unless another instance holds it; `force`
/// claims it even when not due (a poll asked for by an administrator).
pub async fn claim(ex: &mut impl Executor, id: i64, owner: &str, until: i64, force: bool) -> Result<bool, sqlx::Error> {
    let n = exec!(
        ex,
        "UPDATE feed_subscriptions SET lease_owner = $2, lease_until_ms = $3 \
         WHERE id = $1 AND lease_until_ms <= $4 AND ($5 OR (enabled = TRUE AND next_poll_ms <= $4))",
        id,
        owner,
        until,
        now_ms(),
        force
    )?;
    Ok(n == 1)
}

/// What one poll came to.
#[derive(Clone, Debug, Default)]
pub struct PollOutcome {
    /// The validators to send next time (kept when the answer was 304).
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// The failure, as JSON (code and message), or None.
    pub error: Option<String>,
    /// How many alerts were relayed, drafted and skipped.
    pub relayed: i64,
    pub drafted: i64,
    pub skipped: i64,
}

/// Records a poll and releases the lease; the next poll is due at `next_ms`. Only the lease's
/// owner records, so a poll that outlived its lease changes nothing.
pub async fn finish(
    ex: &mut impl Executor,
    id: i64,
    owner: &str,
    o: &PollOutcome,
    next_ms: i64,
) -> Result<u64, sqlx::Error> {
    let now = now_ms();
    let failed = o.error.is_some();
    exec!(
        ex,
        "UPDATE feed_subscriptions SET lease_owner = NULL, lease_until_ms = 0, next_poll_ms = $3, last_polled_ms = $4, \
         polls = polls + 1, etag = $5, last_modified = $6, last_error = $7, \
         errors = errors + CASE WHEN $8 THEN 1 ELSE 0 END, failures = CASE WHEN $8 THEN failures + 1 ELSE 0 END, \
         last_ok_ms = CASE WHEN $8 THEN last_ok_ms ELSE $4 END, \
         relayed = relayed + $9, drafted = drafted + $10, skipped = skipped + $11 \
         WHERE id = $1 AND lease_owner = $2",
        id,
        owner,
        next_ms,
        now,
        o.etag.as_deref(),
        o.last_modified.as_deref(),
        o.error.as_deref(),
        failed,
        o.relayed,
        o.drafted,
        o.skipped
    )
}

/// Whether a subscription handled an entry already.
pub async fn item_seen(ex: &mut impl Executor, feed_id: i64, key: &str) -> Result<bool, sqlx::Error> {
    let n = scalar!(ex, i64, "SELECT COUNT(*) FROM feed_items WHERE feed_id = $1 AND item_key = $2", feed_id, key)?;
    Ok(n > 0)
}

/// An entry handled, and what became of it.
#[derive(Clone, Debug)]
pub struct Item<'a> {
    pub key: &'a str,
    pub sender: Option<&'a str>,
    pub identifier: Option<&'a str>,
    pub outcome: &'a str,
    pub alert_id: Option<i64>,
}

/// Remembers an entry (once; a second time changes nothing).
pub async fn remember(ex: &mut impl Executor, feed_id: i64, item: &Item<'_>) -> Result<u64, sqlx::Error> {
    exec!(
        ex,
        "INSERT INTO feed_items (feed_id, item_key, sender, identifier, outcome, alert_id, seen_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (feed_id, item_key) DO NOTHING",
        feed_id,
        item.key,
        item.sender,
        item.identifier,
        item.outcome,
        item.alert_id,
        now_ms()
    )
}

/// The subscription an alert was read from (its entry's row, written with it), if any.
pub async fn feed_of_alert(ex: &mut impl Executor, alert_id: i64) -> Result<Option<i64>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        feed_id: i64,
    }
    let r = fetch_optional!(
        ex,
        Row,
        "SELECT feed_id FROM feed_items WHERE alert_id = $1 ORDER BY seen_ms LIMIT 1",
        alert_id
    )?;
    Ok(r.map(|r| r.feed_id))
}
