//! `rate_buckets`: fixed-window counters for rate limits, shared by every instance.

use super::Executor;

/// Counts one more in a bucket's window; gives the count including this one.
pub async fn hit(ex: &mut impl Executor, bucket: &str, window_start_ms: i64) -> Result<i64, sqlx::Error> {
    let n = scalar!(
        ex,
        i32,
        "INSERT INTO rate_buckets (bucket, window_start_ms, n) VALUES ($1, $2, 1) \
         ON CONFLICT (bucket, window_start_ms) DO UPDATE SET n = rate_buckets.n + 1 RETURNING n",
        bucket,
        window_start_ms
    )?;
    Ok(i64::from(n))
}

/// Removes windows that started before a time.
pub async fn purge(ex: &mut impl Executor, before_ms: i64) -> Result<u64, sqlx::Error> {
    exec!(ex, "DELETE FROM rate_buckets WHERE window_start_ms < $1", before_ms)
}
