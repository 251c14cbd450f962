//! A resident's own subscription, reached with its management token: read, change, delete.
//! A wrong or missing token answers as if the subscription did not exist.

use serde_json::json;

use super::choices::Choices;
use super::view::{DeliveryStats, OwnView, PlaceView, rfc3339};
use crate::app::App;
use crate::db::residents::{self, Own};
use crate::db::verification_codes::Code;
use crate::db::{delivery_counts, subscriptions, verification_codes};
use crate::domain::audit::{self, Actor, Event};
use crate::domain::crypto::{constant_time_eq, sha256_hex};
use crate::domain::error::{Error, Result};
use crate::domain::subscriptions::PushAddress;

/// The subscription a token belongs to.
pub(super) async fn authenticate(app: &App, id: i64, token: Option<&str>) -> Result<Own> {
    let not_found = || Error::NotFound("subscription");
    let token = token.ok_or_else(not_found)?;
    let own = residents::own(&mut app.db.read().await?, id).await?.ok_or_else(not_found)?;
    let stored = own.token_hash.as_deref().ok_or_else(not_found)?;
    if !constant_time_eq(sha256_hex(token.as_bytes()).as_bytes(), stored.as_bytes()) {
        return Err(not_found());
    }
    Ok(own)
}

/// Whose token opened a subscription for confirming a code.
pub(super) enum Holder {
    /// The subscription's own.
    Owner,
    /// That of an open claim on it (a sign-up for an address that already gets warnings).
    Claimant(Code),
}

/// The subscription a token belongs to, or the subscription an open claim with this token is
/// on: only for confirming and resending codes.
pub(super) async fn authenticate_for_code(app: &App, id: i64, token: Option<&str>) -> Result<(Own, Holder)> {
    match authenticate(app, id, token).await {
        Ok(own) => Ok((own, Holder::Owner)),
        Err(Error::NotFound(what)) => {
            let not_found = || Error::NotFound(what);
            let token = token.ok_or_else(not_found)?;
            let mut c = app.db.read().await?;
            let code = verification_codes::get(&mut c, id).await?.ok_or_else(not_found)?;
            let claim = code.claim_token_hash.as_deref().ok_or_else(not_found)?;
            if !constant_time_eq(sha256_hex(token.as_bytes()).as_bytes(), claim.as_bytes()) {
                return Err(not_found());
            }
            let own = residents::own(&mut c, id).await?.ok_or_else(not_found)?;
            Ok((own, Holder::Claimant(code)))
        }
        Err(e) => Err(e),
    }
}

/// The address of a subscription, unsealed.
pub(super) fn unseal(app: &App, own: &Own) -> Result<String> {
    let bytes = app
        .key
        .decrypt(&own.address_sealed, &format!("address:{}", own.channel))
        .map_err(|_| Error::Internal(anyhow::anyhow!("subscription {}: the address cannot be unsealed", own.id)))?;
    String::from_utf8(bytes).map_err(|_| Error::Internal(anyhow::anyhow!("subscription {}: not UTF-8", own.id)))
}

/// What the resident sees of their address: all of it, but only the push service's origin.
fn shown_address(app: &App, own: &Own) -> Result<String> {
    let address = unseal(app, own)?;
    if own.channel != "push" {
        return Ok(address);
    }
    let endpoint = PushAddress::parse(&address).map(|p| p.endpoint).unwrap_or_default();
    let origin_end = endpoint.find("://").map_or(0, |i| i + 3);
    let host_end = endpoint[origin_end..].find('/').map_or(endpoint.len(), |i| origin_end + i);
    Ok(endpoint[..host_end].to_owned())
}

fn status(own: &Own) -> &'static str {
    match (own.active, own.verified) {
        (true, true) => "active",
        (true, false) => "pending_verification",
        _ => "unsubscribed",
    }
}

/// Everything held about a subscription, for its resident.
pub async fn get(app: &App, id: i64, token: Option<&str>) -> Result<OwnView> {
    let own = authenticate(app, id, token).await?;
    view(app, &own).await
}

async fn view(app: &App, own: &Own) -> Result<OwnView> {
    let mut c = app.db.read().await?;
    let places = subscriptions::places_of(&mut c, own.id)
        .await?
        .into_iter()
        .filter(|p| p.active)
        .map(|p| PlaceView { lat: p.lat, lon: p.lon, area: p.area_id })
        .collect();
    let (count, last) = residents::delivery_stats(&mut c, own.id).await?;
    Ok(OwnView {
        id: own.id,
        channel: own.channel.clone(),
        address: shown_address(app, own)?,
        places,
        languages: own.languages.split(',').filter(|l| !l.is_empty()).map(str::to_owned).collect(),
        min_severity: own.min_severity.clone(),
        exercises: own.exercises,
        tests: own.tests,
        status: status(own).into(),
        created_at: rfc3339(own.created_ms),
        deliveries: DeliveryStats { count, last: last.map(rfc3339) },
    })
}

/// Changes a subscription's places and preferences.
pub async fn update(app: &App, id: i64, token: Option<&str>, choices: &Choices) -> Result<OwnView> {
    let own = authenticate(app, id, token).await?;
    let c = choices.check(app).await?;
    let mut tx = app.db.begin().await?;
    c.apply(&mut tx, id).await?;
    let e = Event::new(&Actor::System, "resident", "resident.change", format!("subscription:{id}"))
        .details(json!({ "channel": own.channel }));
    audit::record(&mut tx, e).await?;
    tx.commit().await?;
    let own = residents::own(&mut app.db.read().await?, id).await?.ok_or(Error::NotFound("subscription"))?;
    view(app, &own).await
}

/// Deletes a subscription at its resident's request: address, hash, languages and places are
/// erased, and its deliveries are folded into anonymous counts per alert, channel and status.
pub async fn delete(app: &App, id: i64, token: Option<&str>) -> Result<()> {
    let own = authenticate(app, id, token).await?;
    erase(app, id, &own.channel, "resident.delete").await
}

/// Erases a subscription's personal data and its deliveries' link to it, audited as `action`.
pub(super) async fn erase(app: &App, id: i64, channel: &str, action: &str) -> Result<()> {
    let mut tx = app.db.begin().await?;
    let folded = delivery_counts::fold_subscription(&mut tx, id).await?;
    residents::erase_places(&mut tx, id).await?;
    residents::erase(&mut tx, id).await?;
    verification_codes::remove(&mut tx, id).await?;
    let e = Event::new(&Actor::System, "resident", action, format!("subscription:{id}"))
        .details(json!({ "channel": channel, "deliveries_folded": folded }));
    audit::record(&mut tx, e).await?;
    tx.commit().await?;
    Ok(())
}
