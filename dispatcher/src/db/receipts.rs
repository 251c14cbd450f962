//! `receipts`: delivery receipts waiting for the delivery they confirm to be marked sent.

use super::{Executor, now_ms};

/// A receipt as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Receipt {
    pub id: i64,
    pub channel: String,
    pub provider_id: String,
    pub delivered: bool,
    pub detail: String,
    pub received_ms: i64,
}

/// Applies a receipt to the sent delivery with this provider id; gives whether one was found.
/// A delivery still in flight (queued under a lease) is left alone: its worker records the send
/// first, and the receipt is applied after.
pub async fn apply(
    ex: &mut impl Executor,
    channel: &str,
    provider_id: &str,
    delivered: bool,
    detail: &str,
) -> Result<bool, sqlx::Error> {
    let error = (!delivered).then(|| format!("the provider reported it undelivered: {detail}"));
    let n = exec!(
        ex,
        "UPDATE deliveries SET status = CASE WHEN $3 THEN 'delivered' ELSE 'failed' END, \
         delivered_ms = CASE WHEN $3 THEN $5 ELSE delivered_ms END, \
         last_error = COALESCE($4, last_error), updated_ms = $5 \
         WHERE channel = $1 AND provider_id = $2 AND status = 'sent'",
        channel,
        provider_id,
        delivered,
        error,
        now_ms()
    )?;
    Ok(n > 0)
}

/// Keeps a receipt that found no sent delivery yet.
pub async fn insert(
    ex: &mut impl Executor,
    channel: &str,
    provider_id: &str,
    delivered: bool,
    detail: &str,
) -> Result<u64, sqlx::Error> {
    exec!(
        ex,
        "INSERT INTO receipts (channel, provider_id, delivered, detail, received_ms) VALUES ($1, $2, $3, $4, $5)",
        channel,
        provider_id,
        delivered,
        detail,
        now_ms()
    )
}

/// The oldest waiting receipts.
pub async fn waiting(ex: &mut impl Executor, limit: i64) -> Result<Vec<Receipt>, sqlx::Error> {
    fetch_all!(
        ex,
        Receipt,
        "SELECT id, channel, provider_id, delivered, detail, received_ms FROM receipts ORDER BY id LIMIT $1",
        limit
    )
}

/// Forgets a receipt (applied, or too old to match anything).
pub async fn remove(ex: &mut impl Executor, id: i64) -> Result<u64, sqlx::Error> {
    exec!(ex, "DELETE FROM receipts WHERE id = $1", id)
}
