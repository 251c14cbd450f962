//! `tocsin device …`: register, list, rotate, pair and revoke sirens and displays.

use std::process::ExitCode;

use clap::Subcommand;

use crate::config::Settings;
use crate::domain::audit::Actor;
use crate::domain::devices::{self, NewDevice};

const CLI: &str = "cli";

#[derive(Subcommand, Debug)]
pub enum DeviceCommand {
    /// Register a siren or display; its secret is printed once.
    Add {
        /// A unique name.
        name: String,
        /// `siren` or `display`.
        #[arg(long)]
        kind: String,
        /// Latitude.
        #[arg(long, allow_hyphen_values = true)]
        lat: f64,
        /// Longitude.
        #[arg(long, allow_hyphen_values = true)]
        lon: f64,
        /// Groups, comma-separated.
        #[arg(long, default_value = "")]
        groups: String,
        /// Capabilities, comma-separated: tones, voice, text.
        #[arg(long, default_value = "")]
        capabilities: String,
        /// Seconds between polls (default `devices.poll_seconds`).
        #[arg(long)]
        poll_seconds: Option<u32>,
        /// Also send its commands over MQTT.
        #[arg(long)]
        mqtt: bool,
    },
    /// List devices with their state and problems.
    List,
    /// Give a device a new secret, printed once; the old one stops at once.
    Rotate {
        /// The device's id.
        id: i64,
    },
    /// A pairing code for a display page (8 characters, 10 minutes, once).
    Pair {
        /// The device's id.
        id: i64,
    },
    /// Revoke a device.
    Revoke {
        /// The device's id.
        id: i64,
    },
}

fn list(text: &str) -> Vec<String> {
    text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// Runs a device command.
pub async fn run(settings: Settings, c: &DeviceCommand) -> anyhow::Result<ExitCode> {
    let app = crate::app::App::open(settings).await?;
    match c {
        DeviceCommand::Add { name, kind, lat, lon, groups, capabilities, poll_seconds, mqtt } => {
            let d = NewDevice {
                kind: kind.clone(),
                name: name.clone(),
                lat: *lat,
                lon: *lon,
                groups: list(groups),
                capabilities: list(capabilities),
                poll_seconds: *poll_seconds,
                mqtt: *mqtt,
            };
            let (view, secret) = devices::add(&app, &Actor::System, CLI, &d).await?;
            println!("registered {} {} (id {})", view.kind, view.name, view.id);
            println!("secret (shown only now): {secret}");
        }
        DeviceCommand::List => {
            for d in devices::list(&app).await? {
                println!(
                    "{:>4}  {:<8} {:<30} {:<10} {:<20} {}",
                    d.id,
                    d.kind,
                    d.name,
                    d.state,
                    d.groups.join(","),
                    d.problems.join(",")
                );
            }
        }
        DeviceCommand::Rotate { id } => {
            let secret = devices::rotate(&app, &Actor::System, CLI, *id).await?;
            println!("new secret for device {id} (shown only now): {secret}");
        }
        DeviceCommand::Pair { id } => {
            let (code, expires) = devices::pairing_code(&app, &Actor::System, CLI, *id).await?;
            println!("pairing code for device {id}: {code} (until {expires})");
        }
        DeviceCommand::Revoke { id } => {
            devices::revoke(&app, &Actor::System, CLI, *id).await?;
            println!("revoked device {id}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
