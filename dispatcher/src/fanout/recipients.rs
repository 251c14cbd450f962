//! Recipients as channels need them: addresses unsealed, secrets decrypted, for a batch at once.

use std::collections::HashMap;

use channels::Recipient;

use crate::app::App;
use crate::db::deliveries::Leased;
use crate::db::{subscriptions, webhooks};
use crate::domain::subscriptions::{PushAddress, unsubscribe_url};

/// The recipients of a batch of deliveries, by delivery id. A recipient that cannot be
/// resolved is missing from the map (the worker fails that delivery).
pub async fn resolve(app: &App, batch: &[Leased]) -> anyhow::Result<HashMap<i64, Recipient>> {
    let ids = |kind: &str| -> Vec<i64> {
        batch.iter().filter(|d| d.recipient_kind == kind).map(|d| d.recipient_id).collect()
    };
    let mut c = app.db.read().await?;
    let hooks: HashMap<i64, Recipient> = webhooks::by_ids(&mut c, &ids("webhook"))
        .await?
        .into_iter()
        .filter(|w| w.active)
        .filter_map(|w| {
            let secret = app.key.decrypt(&w.secret_sealed, &crate::domain::webhooks::seal_context(&w.name)).ok()?;
            Some((w.id, Recipient::Webhook { url: w.url, secret }))
        })
        .collect();
    let subs: HashMap<i64, Recipient> = subscriptions::addresses(&mut c, &ids("subscription"))
        .await?
        .into_iter()
        .filter_map(|s| {
            let address = app.key.decrypt(&s.address_sealed, &format!("address:{}", s.channel)).ok()?;
            let address = String::from_utf8(address).ok()?;
            Some((s.id, subscription_recipient(app, s.id, &s.channel, address, &s.languages)?))
        })
        .collect();
    Ok(batch
        .iter()
        .filter_map(|d| {
            let r = match d.recipient_kind.as_str() {
                "webhook" => hooks.get(&d.recipient_id),
                "subscription" => subs.get(&d.recipient_id),
                "device" => return Some((d.id, Recipient::Device { id: d.recipient_id })),
                "child" => return Some((d.id, Recipient::Child { id: d.recipient_id })),
                _ => None,
            };
            r.map(|r| (d.id, r.clone()))
        })
        .collect())
}

/// A subscription's recipient for its channel; `None` when its stored address is unusable.
fn subscription_recipient(app: &App, id: i64, channel: &str, address: String, languages: &str) -> Option<Recipient> {
    let languages: Vec<String> = languages.split(',').filter(|l| !l.is_empty()).map(str::to_owned).collect();
    Some(match channel {
        "push" => {
            let p = PushAddress::parse(&address).ok()?;
            let (p256dh, auth) = p.decoded().ok()?;
            Recipient::Push { endpoint: p.endpoint, p256dh, auth, languages }
        }
        "sms" => Recipient::Sms { number: address, languages },
        "email" => Recipient::Email { address, languages, unsubscribe_url: Some(unsubscribe_url(app, id)) },
        "memory" => Recipient::Memory { key: address },
        _ => return None,
    })
}
