//! Residents' subscriptions: a channel address (sealed with the instance key, found again by a
//! keyed hash), the places they watch, their languages and the least severity they want.

use cap_alerts::model::Severity;

use super::error::{Error, Result};
use crate::app::App;
use crate::db::subscriptions::{self, NewSubscription};

/// A place a resident watches.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Place {
    /// A point they chose.
    Point {
        /// Latitude.
        lat: f64,
        /// Longitude.
        lon: f64,
    },
    /// A named area, by id.
    Area(i64),
}

/// A subscription to add.
#[derive(Clone, Debug)]
pub struct Subscription {
    /// `push`, `sms`, `email` (or `memory` in engine tests).
    pub channel: String,
    /// The address on that channel.
    pub address: String,
    /// Languages in order of preference.
    pub languages: Vec<String>,
    /// The least severity wanted.
    pub min_severity: Severity,
    /// Whether Exercise alerts are wanted.
    pub exercises: bool,
    /// Whether Test alerts are wanted.
    pub tests: bool,
    /// Whether the address was verified (nothing is sent before).
    pub verified: bool,
    /// Where.
    pub places: Vec<Place>,
}

/// The keyed hash that finds an address again. A push subscription is known by its endpoint
/// (its keys may change when the browser renews them).
pub fn address_hash(app: &App, channel: &str, address: &str) -> String {
    let identity = match channel {
        "push" => PushAddress::parse(address).map(|p| p.endpoint).unwrap_or_else(|_| address.to_owned()),
        _ => address.to_owned(),
    };
    app.key.lookup_hash(&format!("address:{channel}"), &identity)
}

/// A Web Push subscription as a browser gives it (`PushSubscription.toJSON()`), stored as the
/// subscription's address.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PushAddress {
    /// The push service URL.
    pub endpoint: String,
    /// The browser's keys.
    pub keys: PushKeys,
}

/// `keys` of a push subscription, base64url as browsers give them.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PushKeys {
    /// The P-256 public key, uncompressed (65 bytes).
    pub p256dh: String,
    /// The authentication secret (16 bytes).
    pub auth: String,
}

impl PushAddress {
    /// Reads and checks a push subscription's JSON: an https endpoint (http only on loopback,
    /// for tests), a 65-byte uncompressed P-256 key and a 16-byte secret.
    pub fn parse(json: &str) -> Result<PushAddress> {
        let p: PushAddress = serde_json::from_str(json)
            .map_err(|e| Error::invalid("/address", format!("not a push subscription (endpoint, keys): {e}")))?;
        p.check()?;
        Ok(p)
    }

    fn check(&self) -> Result<()> {
        let loopback = ["http://127.0.0.1:", "http://localhost:", "http://[::1]:"];
        if !(self.endpoint.starts_with("https://") || loopback.iter().any(|l| self.endpoint.starts_with(l))) {
            return Err(Error::invalid("/address/endpoint", "must be an https:// URL of a push service"));
        }
        let (key, auth) = self.decoded()?;
        if key.len() != 65 || key[0] != 4 {
            return Err(Error::invalid("/address/keys/p256dh", "must be an uncompressed P-256 key (65 bytes)"));
        }
        if auth.len() != 16 {
            return Err(Error::invalid("/address/keys/auth", "must be 16 bytes"));
        }
        Ok(())
    }

    /// The keys as bytes.
    pub fn decoded(&self) -> Result<(Vec<u8>, Vec<u8>)> {
        use base64::Engine as _;
        let b64 = |s: &str, at: &str| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(s.trim_end_matches('='))
                .map_err(|_| Error::invalid(at, "must be base64url"))
        };
        Ok((b64(&self.keys.p256dh, "/address/keys/p256dh")?, b64(&self.keys.auth, "/address/keys/auth")?))
    }

    /// The canonical JSON stored as the address.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Normalises and checks an address for its channel: an E.164 number for SMS, an email
/// address, a push subscription's JSON.
pub fn normalise_address(channel: &str, address: &str) -> Result<String> {
    match channel {
        "push" => Ok(PushAddress::parse(address)?.to_json()),
        "sms" => {
            let digits: String = address.chars().filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.')).collect();
            // The international call prefix 00 is how many people write a country code.
            let digits = match digits.strip_prefix("00") {
                Some(rest) => format!("+{rest}"),
                None => digits,
            };
            let ok = digits.starts_with('+')
                && (8..=16).contains(&digits.len())
                && digits[1..].chars().all(|c| c.is_ascii_digit())
                && !digits[1..].starts_with('0');
            if !ok {
                return Err(Error::invalid("/address", "must be a phone number in E.164 form, such as +421900123456"));
            }
            Ok(digits)
        }
        "email" => {
            let a = address.trim();
            let ok = a.len() <= 254
                && a.split_once('@').is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.contains('@'))
                && !a.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';'));
            if !ok {
                return Err(Error::invalid("/address", "must be an email address such as name@example.org"));
            }
            Ok(a.to_owned())
        }
        _ => Ok(address.to_owned()),
    }
}

/// The token of a subscription's one-click unsubscribe link.
pub fn unsubscribe_token(app: &App, id: i64) -> String {
    app.key.lookup_hash("unsubscribe", &id.to_string())
}

/// The one-click unsubscribe link of a subscription (for email's List-Unsubscribe).
pub fn unsubscribe_url(app: &App, id: i64) -> String {
    format!(
        "{}/api/v1/unsubscribe?s={id}&t={}",
        app.settings.server.public_url.trim_end_matches('/'),
        unsubscribe_token(app, id)
    )
}

/// Unsubscribes through a link: the token must be the subscription's. Gives whether it was
/// active.
pub async fn unsubscribe_by_link(app: &App, id: i64, token: &str) -> Result<bool> {
    let expected = unsubscribe_token(app, id);
    if !crate::domain::crypto::constant_time_eq(expected.as_bytes(), token.as_bytes()) {
        return Err(Error::invalid("/t", "this unsubscribe link is not valid"));
    }
    stop(app, id, "link").await
}

/// Unsubscribes the address that sent a stop word (SMS `STOP`). Gives whether a subscription
/// was found and stopped.
pub async fn unsubscribe_address(app: &App, channel: &str, address: &str, via: &str) -> Result<bool> {
    let Ok(address) = normalise_address(channel, address) else { return Ok(false) };
    let hash = address_hash(app, channel, &address);
    let Some(id) = subscriptions::active_by_hash(&mut app.db.read().await?, channel, &hash).await? else {
        return Ok(false);
    };
    stop(app, id, via).await
}

async fn stop(app: &App, id: i64, via: &str) -> Result<bool> {
    use super::audit::{self, Actor, Event};
    let mut tx = app.db.begin().await?;
    let n = subscriptions::deactivate(&mut tx, id).await?;
    if n > 0 {
        let e = Event::new(&Actor::System, via, "subscription.unsubscribe", format!("subscription:{id}"))
            .details(serde_json::json!({ "via": via }));
        audit::record(&mut tx, e).await?;
    }
    tx.commit().await?;
    Ok(n > 0)
}

/// Words that unsubscribe when a resident sends them by SMS (any case, alone).
pub const STOP_WORDS: &[&str] = &["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "ODHLASIT", "KONIEC"];

/// Whether an inbound text asks to stop.
pub fn is_stop(text: &str) -> bool {
    let t = text.trim().trim_end_matches(['.', '!']).to_uppercase();
    let t = t.replace('Á', "A").replace('Í', "I");
    STOP_WORDS.contains(&t.as_str())
}

/// Adds subscriptions in one transaction, a thousand rows a statement; gives their ids in the
/// order given. The targeting index picks them up at its next catch-up.
pub async fn add(app: &App, subs: &[Subscription]) -> Result<Vec<i64>> {
    if let Some(i) = subs.iter().position(|s| s.places.is_empty()) {
        return Err(Error::invalid(format!("/{i}/places"), "at least one place"));
    }
    let normalised: Vec<String> = subs
        .iter()
        .enumerate()
        .map(|(i, s)| {
            normalise_address(&s.channel, &s.address).map_err(|e| match e {
                Error::Invalid { field, message } => Error::invalid(format!("/{i}{field}"), message),
                other => other,
            })
        })
        .collect::<Result<_>>()?;
    let mut tx = app.db.begin().await?;
    let mut ids = Vec::with_capacity(subs.len());
    for (chunk, addresses) in subs.chunks(1000).zip(normalised.chunks(1000)) {
        let sealed: Vec<(String, String, String)> = chunk
            .iter()
            .zip(addresses)
            .map(|(s, address)| {
                (
                    app.key.encrypt(address.as_bytes(), &format!("address:{}", s.channel)),
                    address_hash(app, &s.channel, address),
                    s.languages.join(","),
                )
            })
            .collect();
        let rows: Vec<NewSubscription<'_>> = chunk
            .iter()
            .zip(&sealed)
            .map(|(s, (sealed, hash, languages))| NewSubscription {
                channel: &s.channel,
                address_sealed: sealed,
                address_hash: hash,
                languages,
                min_severity: s.min_severity.as_str(),
                exercises: s.exercises,
                tests: s.tests,
                verified: s.verified,
            })
            .collect();
        let inserted = match subscriptions::insert_many(&mut tx, &rows).await {
            Ok(v) => v,
            Err(e) if crate::db::is_unique_violation(&e) => {
                return Err(Error::Conflict("an address is already subscribed".into()));
            }
            Err(e) => return Err(e.into()),
        };
        // Hashes are unique per channel; the chunk's (channel, hash) pairs name its rows.
        let by_hash: std::collections::HashMap<&str, i64> =
            inserted.iter().map(|(id, hash)| (hash.as_str(), *id)).collect();
        let mut places = Vec::new();
        for (s, (_, hash, _)) in chunk.iter().zip(&sealed) {
            let id =
                *by_hash.get(hash.as_str()).ok_or_else(|| Error::Internal(anyhow::anyhow!("a row went missing")))?;
            ids.push(id);
            for p in &s.places {
                places.push(match *p {
                    Place::Point { lat, lon } => (id, Some((lat, lon)), None),
                    Place::Area(a) => (id, None, Some(a)),
                });
            }
        }
        subscriptions::insert_places_many(&mut tx, &places).await?;
    }
    tx.commit().await?;
    Ok(ids)
}
