//! `/api/v1/signals`: the siren signal catalogue (`[[devices.signals]]`), so that authors can
//! pick the signal an alert sounds (its CAP parameter `TOCSIN_SIREN_SIGNAL`).

use axum::Json;
use axum::extract::State;
use serde::Serialize;

use super::routes::{Access, Endpoint, READERS};
use crate::app::App;
use crate::config::Signal;

/// The signals' route.
pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/api/v1/signals", Access::Roles(READERS), "alerts", "The siren signal catalogue", list)
            .returns::<Signals>(),
    ]
}

/// The catalogue.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Signals {
    /// The signal an alert that names none sounds.
    pub default: String,
    /// Every signal, in the settings' order.
    pub signals: Vec<Signal>,
}

async fn list(State(app): State<App>) -> Json<Signals> {
    let d = &app.settings.devices;
    Json(Signals { default: d.default_signal.clone(), signals: d.signals.clone() })
}
