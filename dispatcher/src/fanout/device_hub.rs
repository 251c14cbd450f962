//! Wake-ups per device: a held long poll waits on its own device's signal, and one task per
//! instance, woken with the device channels (in process, or by `NOTIFY` from another instance),
//! reads which devices got new commands and wakes only those. Ten thousand held polls then cost
//! one query per wake-up, not ten thousand.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;

use crate::app::App;
use crate::db::{devices, now_ms};

/// How far back each read looks again: a batch of deliveries committed later than the time
/// written in its rows is still seen.
const OVERLAP_MS: i64 = 15_000;

/// The per-device signals.
#[derive(Debug, Default)]
pub struct DeviceHub {
    signals: Mutex<HashMap<i64, Arc<Notify>>>,
}

impl DeviceHub {
    /// The signal a device's poll waits on.
    pub fn signal(&self, device: i64) -> Arc<Notify> {
        let mut m = self.signals.lock().unwrap_or_else(|e| e.into_inner());
        m.entry(device).or_default().clone()
    }

    /// Wakes the polls of these devices.
    pub fn wake(&self, ids: &[i64]) {
        let m = self.signals.lock().unwrap_or_else(|e| e.into_inner());
        for id in ids {
            if let Some(n) = m.get(id) {
                n.notify_waiters();
            }
        }
    }
}

/// Wakes the devices that got new commands, whenever the device channels are woken (and every
/// two seconds).
pub async fn run(app: App) {
    let mut since = now_ms() - OVERLAP_MS;
    let mut woken: HashSet<i64> = HashSet::new();
    loop {
        let now = now_ms();
        let rows = app.wake.after_device_wakeup(read(&app, since - OVERLAP_MS), Duration::from_secs(2)).await;
        match rows {
            Ok(rows) => {
                // Wake a device once per new delivery, however often the overlap reads it. A
                // cleared set only wakes some devices once more, which costs one read each.
                if woken.len() > 200_000 {
                    woken.clear();
                }
                let fresh: Vec<i64> = rows.iter().filter(|(d, _)| woken.insert(*d)).map(|(_, dev)| *dev).collect();
                app.channels.devices.wake(&fresh);
                since = now;
            }
            Err(e) => tracing::warn!(error = %e, "reading new device commands failed; will retry"),
        }
    }
}

async fn read(app: &App, since: i64) -> anyhow::Result<Vec<(i64, i64)>> {
    Ok(devices::created_since(&mut app.db.read().await?, since).await?)
}
