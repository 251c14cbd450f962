//! An alert's deliveries over time: how many were sent (handed to the peer) and delivered
//! (confirmed by a receipt or a device's acknowledgement) in each interval after issue.

use super::Executor;

/// The latest moment anything of the alert was sent or delivered.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Span {
    pub last_ms: Option<i64>,
}

/// Deliveries of one channel and kind (`sent` or `delivered`) in one interval.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Bucket {
    pub channel: String,
    pub kind: String,
    pub bucket: i64,
    pub n: i64,
}

/// When the alert's last delivery was sent or delivered, if any was.
pub async fn span(ex: &mut impl Executor, alert_id: i64) -> Result<Option<Span>, sqlx::Error> {
    fetch_optional!(
        ex,
        Span,
        "SELECT MAX(t) AS last_ms FROM (\
         SELECT MAX(sent_ms) AS t FROM deliveries WHERE alert_id = $1 \
         UNION ALL SELECT MAX(delivered_ms) FROM deliveries WHERE alert_id = $1) AS s",
        alert_id
    )
}

/// Counts per channel, kind and interval of `bucket_ms` from `start_ms` (interval 0 starts
/// at `start_ms`; anything earlier counts in interval 0).
pub async fn buckets(
    ex: &mut impl Executor,
    alert_id: i64,
    start_ms: i64,
    bucket_ms: i64,
) -> Result<Vec<Bucket>, sqlx::Error> {
    fetch_all!(
        ex,
        Bucket,
        "SELECT channel, kind, bucket, CAST(COUNT(*) AS BIGINT) AS n FROM (\
         SELECT channel, 'sent' AS kind, CAST((CASE WHEN sent_ms > $2 THEN sent_ms - $2 ELSE 0 END) / $3 AS BIGINT) AS bucket \
         FROM deliveries WHERE alert_id = $1 AND sent_ms IS NOT NULL \
         UNION ALL SELECT channel, 'delivered' AS kind, \
         CAST((CASE WHEN delivered_ms > $2 THEN delivered_ms - $2 ELSE 0 END) / $3 AS BIGINT) AS bucket \
         FROM deliveries WHERE alert_id = $1 AND delivered_ms IS NOT NULL) AS d \
         GROUP BY channel, kind, bucket ORDER BY channel, kind, bucket",
        alert_id,
        start_ms,
        bucket_ms
    )
}
