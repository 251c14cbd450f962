//! What channels learn after a send: delivery receipts move a sent delivery to delivered or
//! failed (a receipt that arrives before its send is recorded waits in `receipts`), and a
//! resident's `STOP` by SMS unsubscribes them.

use std::time::Duration;

use channels::Event;
use tokio::sync::mpsc::Receiver;

use super::provider_id;
use crate::app::App;
use crate::db::{now_ms, receipts};
use crate::domain::{devices, subscriptions};

/// How long a receipt waits for its delivery before it is dropped as matching nothing.
const RECEIPT_PATIENCE_MS: i64 = 48 * 3600 * 1000;

/// Handles events until the queue closes. A database error is retried, so that an event
/// already taken from a channel is not lost while the database is away.
pub async fn run(app: App, mut rx: Receiver<Event>) {
    while let Some(event) = rx.recv().await {
        loop {
            match handle(&app, &event).await {
                Ok(()) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "handling a channel event failed; retrying");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }
    }
}

/// Handles one event.
pub async fn handle(app: &App, event: &Event) -> anyhow::Result<()> {
    match event {
        Event::Receipt { channel, provider_id, .. } if !provider_id::acceptable(provider_id) => {
            tracing::warn!(
                channel,
                chars = provider_id.chars().count(),
                "a receipt whose id matches nothing was dropped"
            );
        }
        Event::Receipt { channel, provider_id, delivered, detail } => {
            let mut tx = app.db.begin().await?;
            if !receipts::apply(&mut tx, channel, provider_id, *delivered, detail).await? {
                receipts::insert(&mut tx, channel, provider_id, *delivered, detail).await?;
            }
            tx.commit().await?;
        }
        Event::Inbound { channel, from, text } => {
            if subscriptions::is_stop(text) {
                let stopped = subscriptions::unsubscribe_address(app, channel, from, channel).await?;
                tracing::info!(channel, stopped, "a resident asked to stop");
            } else {
                tracing::info!(channel, "an inbound message that is not a stop word was ignored");
            }
        }
        Event::DeviceAck { device_id, command, state, reason } => {
            device_ack(app, *device_id, *command, state, reason.as_deref()).await?;
        }
    }
    Ok(())
}

/// Applies an acknowledgement a device published over MQTT, as `POST /api/v1/device/ack` would.
/// The topic names the device; the broker's ACL must let each device publish only to its own
/// topic. One that is not the device's, or not valid, is logged and dropped, not retried.
async fn device_ack(app: &App, device: i64, command: i64, state: &str, reason: Option<&str>) -> anyhow::Result<()> {
    use crate::domain::error::Error;
    let ack = devices::Ack { command, state: state.to_owned(), reason: reason.map(str::to_owned) };
    let result = match devices::get(app, device).await {
        Ok(d) if d.mqtt && d.state != "revoked" => devices::acknowledge(app, device, &ack).await,
        Ok(_) => Err(Error::NotFound("device with MQTT")),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(()),
        Err(e @ (Error::NotFound(_) | Error::Invalid { .. })) => {
            tracing::warn!(device, command, error = %e, "dropped an MQTT acknowledgement");
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// Applies waiting receipts whose deliveries have been recorded since; drops old ones.
pub async fn apply_waiting(app: &App) -> anyhow::Result<u64> {
    let waiting = receipts::waiting(&mut app.db.read().await?, 1000).await?;
    let mut applied = 0;
    let now = now_ms();
    for r in waiting {
        let mut tx = app.db.begin().await?;
        if receipts::apply(&mut tx, &r.channel, &r.provider_id, r.delivered, &r.detail).await? {
            applied += 1;
            receipts::remove(&mut tx, r.id).await?;
        } else if now - r.received_ms > RECEIPT_PATIENCE_MS {
            receipts::remove(&mut tx, r.id).await?;
        }
        tx.commit().await?;
    }
    Ok(applied)
}
