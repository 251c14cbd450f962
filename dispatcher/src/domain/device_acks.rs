//! Device acknowledgements written in batches: each ack waits in a queue, one writer task
//! stores whatever has queued in one transaction, and every caller is answered only after that
//! transaction has committed. Ten thousand sirens acknowledging an alert at once cost a few
//! dozen transactions instead of ten thousand, and none is answered before it is stored.

use std::sync::OnceLock;

use tokio::sync::{mpsc, oneshot};

use super::error::{Error, Result};
use crate::app::{App, WeakApp};
use crate::db::{devices, now_ms};

/// The most acknowledgements one transaction stores.
const BATCH: usize = 512;

/// The queue of one application: started on its first acknowledgement.
#[derive(Debug, Default)]
pub struct AckQueue(OnceLock<mpsc::Sender<Pending>>);

#[derive(Debug)]
struct Pending {
    device: i64,
    command: i64,
    state: String,
    reason: Option<String>,
    reply: oneshot::Sender<Result<bool>>,
}

/// Stores an acknowledgement with the others queued at the same time; gives false when the
/// command is not the device's.
pub async fn store(app: &App, device: i64, command: i64, state: &str, reason: Option<String>) -> Result<bool> {
    let queue = app.acks.0.get_or_init(|| {
        let (tx, rx) = mpsc::channel(4 * BATCH);
        tokio::spawn(writer(app.downgrade(), rx));
        tx
    });
    let (reply, answer) = oneshot::channel();
    let pending = Pending { device, command, state: state.to_owned(), reason, reply };
    let gone = || Error::Internal(anyhow::anyhow!("the acknowledgement writer has stopped"));
    queue.send(pending).await.map_err(|_| gone())?;
    answer.await.map_err(|_| gone())?
}

/// Stores batches until the application is gone.
async fn writer(app: WeakApp, mut rx: mpsc::Receiver<Pending>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match rx.try_recv() {
                Ok(p) => batch.push(p),
                Err(_) => break,
            }
        }
        let Some(app) = app.upgrade() else { return };
        match write(&app, &batch).await {
            Ok(found) => {
                for (p, f) in batch.into_iter().zip(found) {
                    let _ = p.reply.send(Ok(f));
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, acks = batch.len(), "storing acknowledgements failed; the devices will retry");
                for p in batch {
                    let _ = p.reply.send(Err(Error::Internal(anyhow::anyhow!("storing the acknowledgement failed"))));
                }
            }
        }
    }
}

async fn write(app: &App, batch: &[Pending]) -> std::result::Result<Vec<bool>, sqlx::Error> {
    let mut tx = app.db.begin().await?;
    let now = now_ms();
    let mut found = Vec::with_capacity(batch.len());
    for p in batch {
        found.push(devices::acknowledge(&mut tx, p.device, p.command, &p.state, p.reason.as_deref(), now).await?);
    }
    tx.commit().await?;
    Ok(found)
}
