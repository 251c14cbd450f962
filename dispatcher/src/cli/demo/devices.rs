//! The demo's simulated sirens and displays: registered as `tocsin device add` registers them
//! (the displays then paired over the device API, as a display page pairs with a code), and
//! each run by the reference device agent in this process, polling the demo server over
//! loopback and acknowledging its commands (received, started, completed) as a real controller
//! does. A siren "sounds" for a few seconds (a `sleep`), whatever length its signal has.

use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::town::{AREAS, ORIGIN};
use crate::agent::{self, AgentConfig, Handlers};
use crate::app::App;
use crate::config::Secret;
use crate::domain::audit::Actor;
use crate::domain::devices::{self, NewDevice};

/// How long a simulated siren or display "runs" a command before it reports it completed.
pub const RUN_SECONDS: u32 = 4;

/// A registered device.
pub struct Device {
    /// Its id.
    pub id: i64,
    /// `siren` or `display`.
    pub kind: &'static str,
    /// Its name.
    pub name: String,
    /// Its secret (`tdv_…`): a display page takes it in the URL's fragment.
    pub secret: String,
}

/// The sirens: two by the river, one in each other area (kind, area, place in the area).
const PLACES: &[(&str, usize, f64, f64)] = &[
    ("siren", 0, 0.25, 0.5),
    ("siren", 0, 0.75, 0.5),
    ("siren", 1, 0.5, 0.5),
    ("siren", 2, 0.5, 0.4),
    ("siren", 3, 0.3, 0.6),
    ("siren", 3, 0.8, 0.3),
    ("display", 1, 0.4, 0.2),
    ("display", 0, 0.6, 0.8),
];

/// Registers the sirens and displays.
pub async fn register(app: &App) -> anyhow::Result<Vec<Device>> {
    let mut out = Vec::new();
    for &(kind, area, u, v) in PLACES {
        let area = &AREAS[area];
        let (lat, lon) = area.point(u, v);
        let number = out.iter().filter(|d: &&Device| d.kind == kind).count() + 1;
        let name = format!("{} {number}, {}", if kind == "siren" { "Siréna" } else { "Tabuľa" }, area.name);
        let capabilities = if kind == "siren" { vec!["tones".into()] } else { vec!["text".into()] };
        let d = NewDevice {
            kind: kind.into(),
            name: name.clone(),
            lat,
            lon,
            groups: vec!["dolna-lehota".into()],
            capabilities,
            poll_seconds: None,
            mqtt: false,
        };
        let (view, secret) = devices::add(app, &Actor::System, ORIGIN, &d).await?;
        out.push(Device { id: view.id, kind, name, secret });
    }
    Ok(out)
}

/// Pairs each display as a display page does: a pairing code made as an operator makes one,
/// traded at `POST /api/v1/device/pair` for the display's new secret.
pub async fn pair_displays(app: &App, server: &str, devices: &mut [Device]) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    for d in devices.iter_mut().filter(|d| d.kind == "display") {
        let (code, _) = devices::pairing_code(app, &Actor::System, ORIGIN, d.id).await?;
        let paired: serde_json::Value = client
            .post(format!("{server}/api/v1/device/pair"))
            .json(&serde_json::json!({ "code": code }))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let secret = paired["secret"].as_str().ok_or_else(|| anyhow::anyhow!("pairing {} gave no secret", d.name))?;
        d.secret = secret.to_owned();
    }
    Ok(())
}

/// What a simulated device runs: the same short program for every signal and for displays.
fn handlers(app: &App) -> Handlers {
    let program = format!("sleep {RUN_SECONDS}");
    Handlers {
        signals: app.settings.devices.signals.iter().map(|s| (s.code.clone(), program.clone())).collect(),
        display: Some(program),
    }
}

/// Starts an agent for every device; each stops when `stop` turns true.
pub fn run_agents(app: &App, server: &str, devices: &[Device], stop: &watch::Receiver<bool>) -> Vec<JoinHandle<()>> {
    devices
        .iter()
        .map(|d| {
            let config = AgentConfig {
                server: server.to_owned(),
                secret: Secret::new(&d.secret),
                handlers: handlers(app),
                heartbeat: Duration::from_secs(10),
                wait_seconds: 25,
                state_file: None,
            };
            let mut stop = stop.clone();
            let name = d.name.clone();
            tokio::spawn(async move {
                let stopped = async move {
                    let _ = stop.wait_for(|s| *s).await;
                };
                if let Err(e) = agent::run_until(config, stopped).await {
                    tracing::error!(device = %name, error = %format!("{e:#}"), "a simulated device stopped");
                }
            })
        })
        .collect()
}
