//! `deliveries`: the outbox. Rows are created in bulk, leased in batches by channel workers
//! (`FOR UPDATE SKIP LOCKED` on PostgreSQL), and completed only under the fencing token of the
//! lease, so a stalled worker cannot overwrite what another took over.

use sqlx::QueryBuilder;

use super::{Conn, Executor, id_list, now_ms};

/// A delivery to create.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NewDelivery {
    pub channel: std::sync::Arc<str>,
    pub recipient_kind: &'static str,
    pub recipient_id: i64,
}

/// Creates deliveries for an alert; existing ones are left as they are (so re-planning after a
/// crash is harmless). Gives how many rows were new.
pub async fn insert_batch(
    ex: &mut impl Executor,
    alert_id: i64,
    priority: i32,
    expires_ms: Option<i64>,
    rows: &[NewDelivery],
) -> Result<u64, sqlx::Error> {
    if rows.is_empty() {
        return Ok(0);
    }
    let now = now_ms();
    match ex.conn() {
        Conn::Postgres(c) => {
            let channels: Vec<&str> = rows.iter().map(|r| &*r.channel).collect();
            let kinds: Vec<&str> = rows.iter().map(|r| r.recipient_kind).collect();
            let ids: Vec<i64> = rows.iter().map(|r| r.recipient_id).collect();
            let r = super::deadline(
                sqlx::query(
                "INSERT INTO deliveries (alert_id, channel, recipient_kind, recipient_id, priority, status, next_attempt_ms, \
                 expires_ms, created_ms, updated_ms) \
                 SELECT $1, c, k, r, $2, 'queued', $3, $4, $3, $3 FROM UNNEST($5::text[], $6::text[], $7::bigint[]) AS u(c, k, r) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(alert_id)
            .bind(priority)
            .bind(now)
            .bind(expires_ms)
            .bind(channels)
            .bind(kinds)
            .bind(ids)
            .execute(&mut *c),
            )
            .await?;
            Ok(r.rows_affected())
        }
        Conn::Sqlite(c) => {
            let mut n = 0;
            // 8 parameters a row, well under SQLite's limit of 32766 per statement.
            for chunk in rows.chunks(2000) {
                let mut q = QueryBuilder::new(
                    "INSERT INTO deliveries (alert_id, channel, recipient_kind, recipient_id, priority, status, next_attempt_ms, \
                     expires_ms, created_ms, updated_ms) ",
                );
                q.push_values(chunk, |mut b, r| {
                    b.push_bind(alert_id)
                        .push_bind(&*r.channel)
                        .push_bind(r.recipient_kind)
                        .push_bind(r.recipient_id)
                        .push_bind(priority)
                        .push("'queued'")
                        .push_bind(now)
                        .push_bind(expires_ms)
                        .push_bind(now)
                        .push_bind(now);
                });
                q.push(" ON CONFLICT DO NOTHING");
                n += super::deadline(q.build().execute(&mut *c)).await?.rows_affected();
            }
            Ok(n)
        }
    }
}

/// A leased delivery.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Leased {
    pub id: i64,
    pub alert_id: i64,
    pub channel: String,
    pub recipient_kind: String,
    pub recipient_id: i64,
    pub priority: i32,
    pub attempts: i32,
    pub fence: i64,
}

/// Leases up to `limit` due deliveries of a channel, most urgent first. Each lease raises the
/// fencing token and counts an attempt.
pub async fn claim(
    ex: &mut impl Executor,
    channel: &str,
    owner: &str,
    limit: i64,
    lease_ms: i64,
) -> Result<Vec<Leased>, sqlx::Error> {
    let now = now_ms();
    let lock = match ex.conn() {
        Conn::Postgres(_) => "FOR UPDATE SKIP LOCKED",
        Conn::Sqlite(_) => "",
    };
    let sql = format!(
        "UPDATE deliveries SET lease_owner = $2, lease_expires_ms = $3, fence = fence + 1, attempts = attempts + 1, updated_ms = $4 \
         WHERE id IN (SELECT id FROM deliveries WHERE channel = $1 AND status = 'queued' AND next_attempt_ms <= $4 \
         AND (lease_expires_ms IS NULL OR lease_expires_ms < $4) AND (expires_ms IS NULL OR expires_ms > $4) \
         AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.id = deliveries.alert_id AND a.state IN ('superseded', 'cancelled')) \
         ORDER BY priority, next_attempt_ms, id LIMIT $5 {lock}) \
         RETURNING id, alert_id, channel, recipient_kind, recipient_id, priority, attempts, fence"
    );
    let mut rows = fetch_all!(ex, Leased, sqlx::AssertSqlSafe(sql), channel, owner, now + lease_ms, now, limit)?;
    rows.sort_by_key(|r| (r.priority, r.id));
    Ok(rows)
}

/// How a leased delivery ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Completion {
    /// Handed over.
    Sent(Option<String>),
    /// Confirmed delivered.
    Delivered(Option<String>),
    /// Try again at this time.
    Retry { at_ms: i64, error: String },
    /// Given up.
    Failed(String),
}

/// Records outcomes under their fencing tokens; gives the ids whose token was stale (another
/// worker had taken them over), which are left unchanged.
pub async fn complete(ex: &mut impl Executor, done: &[(i64, i64, Completion)]) -> Result<Vec<i64>, sqlx::Error> {
    let now = now_ms();
    let mut stale = Vec::new();
    for (id, fence, c) in done {
        let (status, provider, error, next_at) = match c {
            Completion::Sent(p) => ("sent", p.clone(), None, None),
            Completion::Delivered(p) => ("delivered", p.clone(), None, None),
            Completion::Retry { at_ms, error } => ("queued", None, Some(error.clone()), Some(*at_ms)),
            Completion::Failed(e) => ("failed", None, Some(e.clone()), None),
        };
        // A send to retry whose alert was superseded or cancelled meanwhile ends here: the
        // correction's `cancel_queued` skipped it while it was leased.
        let n = exec!(
            ex,
            "UPDATE deliveries SET status = CASE WHEN $3 = 'queued' AND EXISTS (SELECT 1 FROM alerts a \
             WHERE a.id = deliveries.alert_id AND a.state IN ('superseded', 'cancelled')) THEN 'cancelled' ELSE $3 END, \
             provider_id = COALESCE($4, provider_id), last_error = $5, \
             next_attempt_ms = COALESCE($6, next_attempt_ms), \
             sent_ms = CASE WHEN $3 IN ('sent', 'delivered') THEN COALESCE(sent_ms, $7) ELSE sent_ms END, \
             delivered_ms = CASE WHEN $3 = 'delivered' THEN $7 ELSE delivered_ms END, \
             lease_owner = NULL, lease_expires_ms = NULL, updated_ms = $7 \
             WHERE id = $1 AND fence = $2 AND status = 'queued'",
            *id,
            *fence,
            status,
            provider.as_deref(),
            error.as_deref(),
            next_at,
            now
        )?;
        if n == 0 {
            stale.push(*id);
        }
    }
    Ok(stale)
}

/// Stops the queued deliveries of alerts that were superseded or cancelled. Deliveries being
/// sent right now (under a live lease) finish; `reached` counts them as reached.
pub async fn cancel_queued(ex: &mut impl Executor, alert_ids: &[i64]) -> Result<u64, sqlx::Error> {
    if alert_ids.is_empty() {
        return Ok(0);
    }
    let sql = format!(
        "UPDATE deliveries SET status = 'cancelled', lease_owner = NULL, lease_expires_ms = NULL, updated_ms = $1 \
         WHERE alert_id IN ({}) AND status = 'queued' AND (lease_expires_ms IS NULL OR lease_expires_ms < $1)",
        id_list(alert_ids)
    );
    exec!(ex, sqlx::AssertSqlSafe(sql), now_ms())
}

/// Ends the queued deliveries of alerts that an Update superseded or a Cancel ended, once no
/// worker holds them: `cancel_queued` skips a delivery that was being sent when the
/// correction was issued; `complete` ends it if that send must be retried, unless the two
/// transactions crossed, or the worker died holding it. `claim` never takes such a delivery
/// (a primary-key probe per candidate); this records that it will not go out.
pub async fn cancel_ended(ex: &mut impl Executor) -> Result<u64, sqlx::Error> {
    exec!(
        ex,
        "UPDATE deliveries SET status = 'cancelled', lease_owner = NULL, lease_expires_ms = NULL, updated_ms = $1 \
         WHERE status = 'queued' AND (lease_expires_ms IS NULL OR lease_expires_ms < $1) \
         AND EXISTS (SELECT 1 FROM alerts a WHERE a.id = deliveries.alert_id AND a.state IN ('superseded', 'cancelled'))",
        now_ms()
    )
}

/// Ends queued deliveries whose alert has expired.
pub async fn expire_due(ex: &mut impl Executor) -> Result<u64, sqlx::Error> {
    let now = now_ms();
    exec!(
        ex,
        "UPDATE deliveries SET status = 'expired', lease_owner = NULL, lease_expires_ms = NULL, updated_ms = $1 \
         WHERE status = 'queued' AND expires_ms <= $1 AND (lease_expires_ms IS NULL OR lease_expires_ms < $1)",
        now
    )
}

/// The recipients already reached by these alerts, or being reached right now (for a
/// correction to reach them too).
pub async fn reached(ex: &mut impl Executor, alert_ids: &[i64]) -> Result<Vec<NewDelivery>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Reached {
        channel: String,
        recipient_kind: String,
        recipient_id: i64,
    }
    if alert_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT DISTINCT channel, recipient_kind, recipient_id FROM deliveries WHERE alert_id IN ({}) \
         AND (status IN ('sent', 'delivered', 'acknowledged') OR (status = 'queued' AND lease_expires_ms >= $1))",
        id_list(alert_ids)
    );
    let rows = fetch_all!(ex, Reached, sqlx::AssertSqlSafe(sql), now_ms())?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let kind = match r.recipient_kind.as_str() {
                "subscription" => "subscription",
                "device" => "device",
                "webhook" => "webhook",
                "child" => "child",
                _ => return None,
            };
            Some(NewDelivery { channel: r.channel.into(), recipient_kind: kind, recipient_id: r.recipient_id })
        })
        .collect())
}

/// Counts by channel and status for an alert.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Count {
    pub channel: String,
    pub status: String,
    pub n: i64,
}

/// How an alert's deliveries stand, by channel and status: the rows, and those folded into
/// anonymous counts (deleted residents, past the retention period).
pub async fn summary(ex: &mut impl Executor, alert_id: i64) -> Result<Vec<Count>, sqlx::Error> {
    fetch_all!(
        ex,
        Count,
        "SELECT channel, status, CAST(SUM(n) AS BIGINT) AS n FROM (\
         SELECT channel, status, COUNT(*) AS n FROM deliveries WHERE alert_id = $1 GROUP BY channel, status \
         UNION ALL SELECT channel, status, n FROM delivery_counts WHERE alert_id = $1) AS c \
         GROUP BY channel, status ORDER BY channel, status",
        alert_id
    )
}

/// Queued deliveries by channel (status `queued` shown as the channel's queue depth).
pub async fn queue_depth(ex: &mut impl Executor) -> Result<Vec<Count>, sqlx::Error> {
    fetch_all!(
        ex,
        Count,
        "SELECT channel, status, COUNT(*) AS n FROM deliveries WHERE status = 'queued' GROUP BY channel, status"
    )
}

/// A delivery as listed.
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryRow {
    pub id: i64,
    pub channel: String,
    pub recipient_kind: String,
    pub recipient_id: i64,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_ms: i64,
    pub provider_id: Option<String>,
    pub last_error: Option<String>,
    pub created_ms: i64,
    pub sent_ms: Option<i64>,
    pub delivered_ms: Option<i64>,
}

/// A page of an alert's deliveries, by id, with optional channel and status filters.
pub async fn list(
    ex: &mut impl Executor,
    alert_id: i64,
    channel: Option<&str>,
    status: Option<&str>,
    after_id: i64,
    limit: i64,
) -> Result<Vec<DeliveryRow>, sqlx::Error> {
    fetch_all!(
        ex,
        DeliveryRow,
        "SELECT id, channel, recipient_kind, recipient_id, status, attempts, next_attempt_ms, provider_id, last_error, \
         created_ms, sent_ms, delivered_ms FROM deliveries WHERE alert_id = $1 AND ($2 IS NULL OR channel = $2) \
         AND ($3 IS NULL OR status = $3) AND id > $4 ORDER BY id LIMIT $5",
        alert_id,
        channel,
        status,
        after_id,
        limit
    )
}

/// First and last delivery times of an alert on a channel, when none is left queued.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Timing {
    pub alert_id: i64,
    pub channel: String,
    pub first_ms: Option<i64>,
    pub last_ms: Option<i64>,
}

/// The channels deliveries can be on, for the per-channel checks below.
pub const CHANNELS: &[&str] = &["webhook", "push", "sms", "email", "siren", "display", "memory"];

/// Per alert and channel whose deliveries are all finished (fan-out planned in the last day,
/// nothing queued, no timing recorded yet): the first and last time one was sent. Each check
/// is an index lookup, so an alert still in progress costs nothing however large it is; the
/// deliveries are scanned once, when the channel has finished.
pub async fn finished_untimed(ex: &mut impl Executor, since_ms: i64) -> Result<Vec<Timing>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Candidate {
        alert_id: i64,
        channel: String,
    }
    let list = CHANNELS.iter().map(|c| format!("('{c}')")).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "WITH c(channel) AS (VALUES {list}) \
         SELECT f.alert_id, c.channel FROM fanouts f CROSS JOIN c \
         WHERE f.state = 'done' AND f.done_ms >= $1 \
         AND NOT EXISTS (SELECT 1 FROM fanout_timings t WHERE t.alert_id = f.alert_id AND t.channel = c.channel) \
         AND EXISTS (SELECT 1 FROM deliveries d WHERE d.alert_id = f.alert_id AND d.channel = c.channel) \
         AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.alert_id = f.alert_id AND d.channel = c.channel AND d.status = 'queued')"
    );
    let candidates = fetch_all!(ex, Candidate, sqlx::AssertSqlSafe(sql), since_ms)?;
    let mut out = Vec::with_capacity(candidates.len());
    for c in candidates {
        out.extend(fetch_optional!(
            ex,
            Timing,
            "SELECT alert_id, channel, MIN(sent_ms) AS first_ms, MAX(sent_ms) AS last_ms FROM deliveries \
             WHERE alert_id = $1 AND channel = $2 GROUP BY alert_id, channel",
            c.alert_id,
            &c.channel
        )?);
    }
    Ok(out)
}

/// Records a timing once; gives whether this call recorded it.
pub async fn record_timing(ex: &mut impl Executor, t: &Timing) -> Result<bool, sqlx::Error> {
    let n = exec!(
        ex,
        "INSERT INTO fanout_timings (alert_id, channel, first_ms, last_ms) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        t.alert_id,
        &t.channel,
        t.first_ms,
        t.last_ms
    )?;
    Ok(n == 1)
}
