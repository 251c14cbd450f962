//! Retention: deliveries to residents older than `residents.delivery_retention_days` are folded
//! into anonymous counts, sign-ups and claims unconfirmed after `residents.pending_days` are
//! erased, and ended rate-limit windows are forgotten. Run periodically by the server.

use crate::app::App;
use crate::db::{delivery_counts, now_ms, residents, verification_codes};
use crate::domain::error::Result;

/// What one purge removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Purged {
    /// Delivery rows folded into counts.
    pub deliveries: u64,
    /// Unconfirmed sign-ups erased.
    pub pending: u64,
}

/// Purges what is past its retention.
pub async fn purge(app: &App) -> Result<Purged> {
    let r = &app.settings.residents;
    let now = now_ms();
    let mut tx = app.db.begin().await?;
    let deliveries =
        delivery_counts::fold_older_than(&mut tx, now - i64::from(r.delivery_retention_days) * 86_400_000).await?;
    super::limits::purge(&mut tx).await?;
    verification_codes::purge_claims(&mut tx, now - i64::from(r.pending_days) * 86_400_000).await?;
    tx.commit().await?;
    let stale =
        residents::pending_before(&mut app.db.read().await?, now - i64::from(r.pending_days) * 86_400_000).await?;
    for id in &stale {
        let channel = residents::own(&mut app.db.read().await?, *id).await?.map(|o| o.channel).unwrap_or_default();
        super::manage::erase(app, *id, &channel, "resident.expire").await?;
    }
    Ok(Purged { deliveries, pending: stale.len() as u64 })
}
