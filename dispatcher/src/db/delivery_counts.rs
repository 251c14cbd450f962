//! `delivery_counts`: deliveries folded into anonymous counts per alert, channel and status
//! (a deleted resident's, and those older than the retention period).

use super::Executor;

/// The status a folded delivery counts as: one still queued will never be sent.
const FOLDED_STATUS: &str = "CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END";

/// Folds the deliveries of a subscription into counts and deletes them; gives how many.
pub async fn fold_subscription(ex: &mut impl Executor, subscription_id: i64) -> Result<u64, sqlx::Error> {
    let filter = "recipient_kind = 'subscription' AND recipient_id = $1";
    exec!(ex, sqlx::AssertSqlSafe(fold_sql(filter)), subscription_id)?;
    exec!(ex, sqlx::AssertSqlSafe(format!("DELETE FROM deliveries WHERE {filter}")), subscription_id)
}

/// Folds finished deliveries to residents last changed before a time into counts and deletes
/// them; gives how many.
pub async fn fold_older_than(ex: &mut impl Executor, before_ms: i64) -> Result<u64, sqlx::Error> {
    let filter = "recipient_kind = 'subscription' AND updated_ms < $1 AND status <> 'queued'";
    exec!(ex, sqlx::AssertSqlSafe(fold_sql(filter)), before_ms)?;
    exec!(ex, sqlx::AssertSqlSafe(format!("DELETE FROM deliveries WHERE {filter}")), before_ms)
}

fn fold_sql(filter: &str) -> String {
    format!(
        "INSERT INTO delivery_counts (alert_id, channel, status, n) \
         SELECT alert_id, channel, {FOLDED_STATUS}, COUNT(*) FROM deliveries WHERE {filter} \
         GROUP BY alert_id, channel, {FOLDED_STATUS} \
         ON CONFLICT (alert_id, channel, status) DO UPDATE SET n = delivery_counts.n + excluded.n"
    )
}
