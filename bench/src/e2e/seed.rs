//! The end-to-end scenario's town, written straight into a fresh database before the dispatcher
//! starts on it: residents on every channel, sirens and displays, two API tokens, and the alert
//! submitted and waiting for its approval.

use anyhow::Context;
use cap_alerts::model::Severity;
use dispatcher::app::App;
use dispatcher::domain::accounts;
use dispatcher::domain::alerts::lifecycle::{self, CreateRequest};
use dispatcher::domain::audit::Actor;
use dispatcher::domain::devices::{self, NewDevice};
use dispatcher::domain::roles::Role;
use dispatcher::domain::subscriptions::{self, Place, Subscription};
use serde_json::json;

use super::Sizes;

/// The alert's area, as latitude and longitude: everyone of the town lives inside it.
pub const AREA: [[f64; 2]; 5] = [[48.0, 17.0], [48.0, 17.4], [48.4, 17.4], [48.4, 17.0], [48.0, 17.0]];

/// What the scenario needs after seeding.
pub struct Town {
    /// The sirens' device secrets.
    pub sirens: Vec<String>,
    /// The displays' device secrets.
    pub displays: Vec<String>,
    /// The submitted alert and the hash its approver confirms.
    pub alert: (i64, String),
    /// An approver's user name and password (approvals are made by people, in a session).
    pub approver: (String, String),
}

/// The `i`th point in the area (latitude, longitude), spread on a grid.
fn point(i: usize) -> (f64, f64) {
    (48.05 + (i % 300) as f64 * 0.001, 17.05 + (i / 300 % 300) as f64 * 0.001)
}

fn resident(channel: &str, address: String, i: usize) -> Subscription {
    Subscription {
        channel: channel.into(),
        address,
        languages: vec!["sk".into()],
        min_severity: Severity::Minor,
        exercises: true,
        tests: false,
        verified: true,
        places: vec![{
            let (lat, lon) = point(i);
            Place::Point { lat, lon }
        }],
    }
}

/// Seeds the town; `push_keys` is a browser's `keys` object (`p256dh`, `auth`) every push
/// subscription shares, and `push_url` the receiver's base URL.
pub async fn town(app: &App, sizes: &Sizes, push_url: &str, push_keys: &serde_json::Value) -> anyhow::Result<Town> {
    let mut all = Vec::with_capacity(sizes.push + sizes.sms + sizes.email);
    for i in 0..sizes.push {
        let address = json!({ "endpoint": format!("{push_url}/push/{i}"), "keys": push_keys }).to_string();
        all.push(resident("push", address, i));
    }
    for i in 0..sizes.sms {
        all.push(resident("sms", format!("+421 9{i:08}"), i));
    }
    for i in 0..sizes.email {
        all.push(resident("email", format!("r{i}@town.example"), i));
    }
    for batch in all.chunks(20_000) {
        subscriptions::add(app, batch).await.map_err(|e| anyhow::anyhow!("adding residents: {e}"))?;
    }
    let sirens = add_devices(app, "siren", sizes.sirens).await?;
    let displays = add_devices(app, "display", sizes.displays).await?;
    let author = crate::measure::caller(app, "ana", Role::Author).await?;
    let approver = ("boris".to_owned(), "a long enough password for boris".to_owned());
    accounts::add(app, &Actor::System, "bench", &approver.0, "Boris", &[Role::Approver], Some(&approver.1))
        .await
        .map_err(|e| anyhow::anyhow!("adding the approver: {e}"))?;
    let alert = submit(app, &author).await?;
    Ok(Town { sirens, displays, alert, approver })
}

async fn add_devices(app: &App, kind: &str, n: usize) -> anyhow::Result<Vec<String>> {
    let mut secrets = Vec::with_capacity(n);
    for i in 0..n {
        let (lat, lon) = point(i * 7);
        let d = NewDevice {
            kind: kind.into(),
            name: format!("{kind} {i}"),
            lat,
            lon,
            groups: vec![],
            capabilities: if kind == "siren" { vec!["tones".into()] } else { vec!["text".into()] },
            poll_seconds: None,
            mqtt: false,
        };
        let (_, secret) = devices::add(app, &Actor::System, "bench", &d)
            .await
            .map_err(|e| anyhow::anyhow!("adding a {kind}: {e}"))?;
        secrets.push(secret);
    }
    Ok(secrets)
}

/// Creates and submits the alert: Actual, Extreme, over the whole area, on every channel.
async fn submit(app: &App, author: &dispatcher::domain::caller::Caller) -> anyhow::Result<(i64, String)> {
    let content = crate::measure::flood(&AREA);
    let e = |e: dispatcher::domain::error::Error| anyhow::anyhow!("{e}");
    let row = lifecycle::create(app, author, CreateRequest { content: Some(content), ..Default::default() })
        .await
        .map_err(e)?;
    let row = lifecycle::submit(app, author, row.id, &["outside-territory".into()]).await.map_err(e)?;
    Ok((row.id, row.cap_sha256.context("submitted without a hash")?))
}
