//! Keeps each MQTT device's retained command message in step with what its poll would answer:
//! after every wake-up of the device channels (and every five seconds, for expiries and
//! acknowledgements), each active MQTT device's commands are built and published when they
//! changed; an empty retained message clears a device that has none left.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use channels::mqtt::Mqtt;

use crate::app::App;
use crate::db::devices;
use crate::domain::device_commands;

/// Runs until the process ends.
pub async fn keep_published(app: App, mqtt: Arc<Mqtt>) {
    let mut published: HashMap<i64, String> = HashMap::new();
    loop {
        let done = app.wake.after_device_wakeup(publish_changed(&app, &mqtt, &mut published), Duration::from_secs(5));
        if let Err(e) = done.await {
            tracing::warn!(error = %e, "publishing device commands over MQTT failed; will retry");
        }
    }
}

async fn publish_changed(app: &App, mqtt: &Mqtt, published: &mut HashMap<i64, String>) -> anyhow::Result<()> {
    let rows = devices::active_mqtt(&mut app.db.read().await?).await?;
    for d in &rows {
        let commands = device_commands::commands(app, d).await?;
        let etag = device_commands::etag(&commands);
        if published.get(&d.id) == Some(&etag) {
            continue;
        }
        let body = if commands.is_empty() {
            Vec::new()
        } else {
            device_commands::answer(d, commands).to_string().into_bytes()
        };
        mqtt.publish_command(d.id, body).await?;
        published.insert(d.id, etag);
    }
    // A device revoked or taken off MQTT keeps no retained command.
    let gone: Vec<i64> = published.keys().copied().filter(|id| !rows.iter().any(|d| d.id == *id)).collect();
    for id in gone {
        mqtt.publish_command(id, Vec::new()).await?;
        published.remove(&id);
    }
    Ok(())
}
