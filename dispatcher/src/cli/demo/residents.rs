//! The demo's simulated residents: half on Web Push, three in ten on SMS, two in ten on email,
//! spread over the town's areas, one in three reading English, stored verified (as an imported
//! municipal list is). Their push subscriptions carry real P-256 keys and auth secrets, so the
//! push channel encrypts for them as for a browser; every address leads to the demo's receivers.

use cap_alerts::model::Severity;
use ring::agreement::{ECDH_P256, EphemeralPrivateKey};
use ring::rand::{SecureRandom, SystemRandom};

use super::receivers::Peers;
use super::town::AREAS;
use crate::app::App;
use crate::domain::subscriptions::{self, Place, PushAddress, PushKeys, Subscription};

/// How many residents are on each channel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Subscribed {
    /// On Web Push.
    pub push: usize,
    /// On SMS.
    pub sms: usize,
    /// On email.
    pub email: usize,
}

/// The channel of resident `n`: 5 in 10 push, 3 in 10 SMS, 2 in 10 email.
fn channel(n: usize) -> &'static str {
    match n % 10 {
        0..=4 => "push",
        5..=7 => "sms",
        _ => "email",
    }
}

/// A spread of numbers from 0 to 1 (the golden ratio's), so that residents do not line up.
fn spread(n: usize, k: f64) -> f64 {
    (n as f64 * k * 0.618_033_988_75).fract()
}

/// Resident `n`'s subscription.
fn resident(n: usize, peers: &Peers, rng: &SystemRandom) -> anyhow::Result<Subscription> {
    let area = &AREAS[n % AREAS.len()];
    let (lat, lon) = area.point(spread(n, 1.0), spread(n, 2.0));
    let language = if n % 3 == 2 { "en" } else { "sk" };
    let channel = channel(n);
    let address = match channel {
        "push" => push_address(peers.push_endpoint(n), rng)?,
        // Invented numbers: they only ever reach the demo's own SMS receiver.
        "sms" => format!("+42190{n:07}"),
        _ => format!("obyvatel{n}@dolna-lehota.example"),
    };
    Ok(Subscription {
        channel: channel.into(),
        address,
        languages: vec![language.into()],
        min_severity: Severity::Minor,
        exercises: true,
        tests: false,
        verified: true,
        places: vec![Place::Point { lat, lon }],
    })
}

/// A push subscription as a browser would make it: a fresh P-256 public key (its private half
/// is dropped: the demo's push service counts messages and does not read them) and 16 random
/// bytes of auth secret.
fn push_address(endpoint: String, rng: &SystemRandom) -> anyhow::Result<String> {
    use base64::Engine as _;
    let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    let key = EphemeralPrivateKey::generate(&ECDH_P256, rng).map_err(|_| anyhow::anyhow!("making a P-256 key"))?;
    let public = key.compute_public_key().map_err(|_| anyhow::anyhow!("making a P-256 key"))?;
    let mut auth = [0u8; 16];
    rng.fill(&mut auth).map_err(|_| anyhow::anyhow!("drawing random bytes"))?;
    let keys = PushKeys { p256dh: b64(public.as_ref()), auth: b64(&auth) };
    Ok(PushAddress { endpoint, keys }.to_json())
}

/// Stores `count` residents.
pub async fn add(app: &App, count: usize, peers: &Peers) -> anyhow::Result<Subscribed> {
    let rng = SystemRandom::new();
    let subs = (0..count).map(|n| resident(n, peers, &rng)).collect::<anyhow::Result<Vec<_>>>()?;
    subscriptions::add(app, &subs).await?;
    let on = |c: &str| subs.iter().filter(|s| s.channel == c).count();
    Ok(Subscribed { push: on("push"), sms: on("sms"), email: on("email") })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peers() -> Peers {
        let addr = "127.0.0.1:9".parse().unwrap();
        Peers { http: addr, smtp: addr }
    }

    #[test]
    fn every_area_has_residents_of_every_channel_and_both_languages() {
        let rng = SystemRandom::new();
        let subs: Vec<Subscription> = (0..120).map(|n| resident(n, &peers(), &rng).unwrap()).collect();
        for (i, _) in AREAS.iter().enumerate() {
            let here: Vec<&Subscription> = subs.iter().skip(i).step_by(AREAS.len()).collect();
            for c in ["push", "sms", "email"] {
                for l in ["sk", "en"] {
                    assert!(here.iter().any(|s| s.channel == c && s.languages == [l]), "area {i}: {c} {l}");
                }
            }
        }
    }

    #[test]
    fn addresses_are_valid_for_their_channel() {
        let rng = SystemRandom::new();
        for n in 0..10 {
            let s = resident(n, &peers(), &rng).unwrap();
            subscriptions::normalise_address(&s.channel, &s.address).unwrap();
        }
    }
}
