//! Telling staff that a device went offline or came back: a signed event to every active
//! webhook (the same signature as alerts, `type` says what it is) and an email to the
//! addresses in `devices.notify_emails`, besides the audit log, the device list and the
//! `offline` problem operators see. Best effort: each webhook and address gets three tries;
//! what is missed stays visible in the device list.

use std::time::Duration;

use serde_json::json;

use crate::app::App;
use crate::db::webhooks;
use channels::webhook::Webhook;

/// Posts `device.offline` or `device.online` for these devices to every active webhook.
pub async fn notify(app: &App, kind: &str, devices: &[(i64, String)]) {
    if devices.is_empty() {
        return;
    }
    email(app, kind, devices).await;
    let hooks = match load(app).await {
        Ok(h) => h,
        Err(e) => {
            tracing::warn!(error = %e, "could not read the webhooks for a device notice");
            return;
        }
    };
    let body = json!({
        "type": kind,
        "at": crate::domain::feed::rfc3339(crate::db::now_ms()),
        "devices": devices.iter().map(|(id, name)| json!({ "id": id, "name": name })).collect::<Vec<_>>(),
    })
    .to_string();
    let Ok(webhook) = Webhook::new(Duration::from_secs(10), app.settings.outbound.guard()) else { return };
    // The same delivery id on every attempt, as for alerts, so a receiver can drop a repeat.
    let delivery = format!("{kind}-{}", crate::db::now_ms());
    for (id, url, secret) in hooks {
        for attempt in 0..3u64 {
            let sent = webhook.post_signed(&url, &secret, &delivery, body.clone().into_bytes()).await;
            if sent.is_ok_and(|r| r.status().is_success()) {
                break;
            }
            tracing::info!(webhook = id, attempt, "a device notice was not accepted; trying again");
            tokio::time::sleep(Duration::from_secs(1 + attempt * 2)).await;
        }
    }
}

/// Emails the notice to each configured staff address, through the running email channel.
async fn email(app: &App, kind: &str, devices: &[(i64, String)]) {
    let to = &app.settings.devices.notify_emails;
    if to.is_empty() {
        return;
    }
    let Some((email, _)) = app.channels.running().into_iter().find(|(c, _)| c.name() == "email") else {
        tracing::warn!("no running email channel to send a device notice with");
        return;
    };
    let gone = kind == "device.offline";
    let names: Vec<String> = devices.iter().map(|(id, name)| format!("{name} (device {id})")).collect();
    let subject = if gone {
        format!("Tocsin: {} device(s) offline: {}", devices.len(), names.join(", "))
    } else {
        format!("Tocsin: {} device(s) back online", devices.len())
    };
    let text = format!(
        "{}\n\n{}\n\nAt {}. See the device list: {}/api/v1/devices\n",
        if gone {
            "These sirens or displays missed three polls and may not sound or show a warning:"
        } else {
            "These sirens or displays are polling again:"
        },
        names.iter().map(|n| format!("- {n}")).collect::<Vec<_>>().join("\n"),
        crate::domain::feed::rfc3339(crate::db::now_ms()),
        app.settings.server.public_url.trim_end_matches('/'),
    );
    for (i, address) in to.iter().enumerate() {
        for attempt in 0..3u64 {
            let recipient =
                channels::Recipient::Email { address: address.clone(), languages: Vec::new(), unsubscribe_url: None };
            let notice =
                channels::Notice { id: crate::db::now_ms(), recipient, subject: subject.clone(), text: text.clone() };
            match email.send_notice(&notice).await {
                channels::Outcome::Sent { .. } | channels::Outcome::Delivered { .. } => break,
                channels::Outcome::Retry { .. } if attempt < 2 => {
                    tracing::info!(recipient = i, attempt, "a device notice email was not accepted; trying again");
                    tokio::time::sleep(Duration::from_secs(1 + attempt * 2)).await;
                }
                _ => {
                    tracing::warn!(recipient = i, "a device notice email could not be sent");
                    break;
                }
            }
        }
    }
}

async fn load(app: &App) -> anyhow::Result<Vec<(i64, String, Vec<u8>)>> {
    let mut c = app.db.read().await?;
    let ids: Vec<i64> = webhooks::active(&mut c).await?.into_iter().map(|(id, _)| id).collect();
    let rows = webhooks::by_ids(&mut c, &ids).await?;
    Ok(rows
        .into_iter()
        .filter_map(|w| {
            let secret = app.key.decrypt(&w.secret_sealed, &crate::domain::webhooks::seal_context(&w.name)).ok()?;
            Some((w.id, w.url, secret))
        })
        .collect())
}
