//! The fan-out engine. Issuing an alert writes a `fanouts` row in the same transaction; planners
//! lease it, target the alert's recipients and create their deliveries in batches; one worker
//! per channel leases due deliveries, sends them through the channel, and records each outcome
//! under its lease's fencing token. Every step is durable and safe to repeat, so a crash or a
//! killed instance delays deliveries but loses none.

pub mod adapters;
pub mod choice;
pub mod device_channel;
pub mod device_hub;
pub mod events;
pub mod lanes;
pub mod mqtt_publish;
pub mod payloads;
pub mod planner;
pub mod previews;
pub mod priority;
pub mod provider_id;
pub mod reach;
pub mod recipients;
pub mod registry;
pub mod targeting;
pub mod wake;
pub mod worker;

use std::sync::Arc;

use channels::Channel;
use tokio::task::JoinHandle;

use crate::app::App;
use crate::config::ChannelSettings;

/// A channel this instance sends on, with its limits.
#[derive(Clone)]
pub struct Runtime {
    /// The adapter.
    pub channel: Arc<dyn Channel>,
    /// Its limits.
    pub settings: ChannelSettings,
}

/// The channels configured in the settings (see [`adapters::configured`]).
pub async fn configured_channels(app: &App) -> anyhow::Result<Vec<Runtime>> {
    adapters::configured(app).await
}

/// Starts the planners, one worker per channel, the wake-up listener, the targeting index's
/// catch-up and housekeeping.
pub fn spawn(app: &App, channels: Vec<Runtime>) -> Vec<JoinHandle<()>> {
    let names: Vec<&'static str> = channels.iter().map(|r| r.channel.name()).collect();
    app.channels.set_running(&channels);
    let mut tasks = vec![
        tokio::spawn(wake::listen(app.db.clone(), app.wake.clone())),
        tokio::spawn(targeting::keep_in_step(app.clone())),
        tokio::spawn(planner::run(app.clone(), names.clone(), i32::MAX, "planner-1")),
        tokio::spawn(planner::run(app.clone(), names.clone(), i32::MAX, "planner-2")),
        tokio::spawn(planner::run(app.clone(), names, 0, "planner-urgent")),
        tokio::spawn(worker::housekeeping(app.clone())),
    ];
    tasks.push(tokio::spawn(device_hub::run(app.clone())));
    if let Some(mqtt) = app.channels.mqtt() {
        tasks.push(tokio::spawn(mqtt_publish::keep_published(app.clone(), mqtt)));
    }
    if let Some(rx) = app.channels.take_receiver() {
        tasks.push(tokio::spawn(events::run(app.clone(), rx)));
    }
    for rt in channels {
        tasks.push(tokio::spawn(worker::run(app.clone(), rt)));
    }
    tasks
}
