//! Signing up (`POST /api/v1/residents/subscriptions`) and asking for another code.

use serde::Deserialize;
use serde_json::json;

use super::choices::{Checked, Choices, PlaceInput, moderate, yes};
use super::manage::Holder;
use super::phone::international;
use super::view::{Created, Verification};
use super::{Origin, codes, limits, manage};
use crate::app::App;
use crate::config::SmsCountries;
use crate::db::residents;
use crate::db::subscriptions::{self, NewSubscription};
use crate::db::{Tx, now_ms, verification_codes};
use crate::domain::audit::{self, Actor, Event};
use crate::domain::crypto::{random_token, sha256_hex};
use crate::domain::error::{Error, Result};
use crate::domain::subscriptions::{PushAddress, address_hash, normalise_address};

/// A sign-up as the form (or the PWA) sends it.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SignUp {
    /// `push`, `sms` or `email`.
    pub channel: String,
    /// The phone number (normalised to E.164) or email address, for SMS and email.
    pub address: Option<String>,
    /// The browser's `PushSubscription.toJSON()`, for Web Push.
    pub subscription: Option<serde_json::Value>,
    /// 1 to 10 places: `{"lat": 48.14, "lon": 17.1}` or `{"area": 3}`.
    pub places: Vec<PlaceInput>,
    /// 1 to 5 language tags, preferred first.
    pub languages: Vec<String>,
    /// `Minor`, `Moderate`, `Severe` or `Extreme` (default `Moderate`).
    #[serde(default = "moderate")]
    pub min_severity: String,
    /// Exercise alerts too (default true).
    #[serde(default = "yes")]
    pub exercises: bool,
    /// Test alerts too (default false).
    #[serde(default)]
    pub tests: bool,
}

impl SignUp {
    /// The channel and its normalised address (a national phone number completed with
    /// `country`, the default country code).
    fn address(&self, country: &str) -> Result<(String, String)> {
        let push = self.channel == "push";
        if push && self.address.is_some() {
            return Err(Error::invalid("/address", "Web Push takes the browser's subscription, not an address"));
        }
        if !push && self.subscription.is_some() {
            return Err(Error::invalid("/subscription", "only Web Push takes a subscription; send address"));
        }
        match self.channel.as_str() {
            "push" => {
                let json = self
                    .subscription
                    .as_ref()
                    .ok_or_else(|| Error::invalid("/subscription", "give the browser's PushSubscription"))?;
                let p = PushAddress::parse(&json.to_string()).map_err(|e| match e {
                    Error::Invalid { field, message } => {
                        Error::invalid(field.replacen("/address", "/subscription", 1), message)
                    }
                    other => other,
                })?;
                Ok(("push".into(), p.to_json()))
            }
            "sms" | "email" => {
                let raw = self.address.as_deref().ok_or_else(|| {
                    Error::invalid("/address", format!("give the {} to send warnings to", what(&self.channel)))
                })?;
                let raw = if self.channel == "sms" { international(raw, country) } else { raw.to_owned() };
                Ok((self.channel.clone(), normalise_address(&self.channel, &raw)?))
            }
            _ => Err(Error::invalid("/channel", "must be push, sms or email")),
        }
    }

    fn choices(&self) -> Choices {
        Choices {
            places: self.places.clone(),
            languages: self.languages.clone(),
            min_severity: self.min_severity.clone(),
            exercises: self.exercises,
            tests: self.tests,
        }
    }
}

fn what(channel: &str) -> &'static str {
    if channel == "sms" { "phone number" } else { "email address" }
}

/// Whether this instance sends on a channel, and (SMS) to this number's country.
fn check_offered(app: &App, channel: &str, address: &str) -> Result<()> {
    if !app.channels.running().iter().any(|(c, _)| c.name() == channel) {
        return Err(Error::invalid("/channel", format!("{channel} warnings are not offered here")));
    }
    if channel != "sms" {
        return Ok(());
    }
    let countries = app.settings.residents.sms_countries();
    match countries {
        _ if countries.allow(address) => Ok(()),
        SmsCountries::Only(codes) if !codes.is_empty() => Err(Error::invalid(
            "/address",
            format!("only numbers with these country codes can sign up: +{}", codes.join(", +")),
        )),
        _ => Err(Error::invalid(
            "/address",
            "SMS sign-ups are not open here: the instance has not named its country \
             (residents.default_country_code or residents.sms_countries)",
        )),
    }
}

/// Signs a resident up. Web Push is active at once; SMS and email get a code, and nothing else
/// is sent there before it is confirmed. Over a rate limit nothing is stored or sent.
pub async fn sign_up(app: &App, origin: &Origin<'_>, req: SignUp) -> Result<Created> {
    let (channel, address) = req.address(&app.settings.residents.default_country_code)?;
    let checked = req.choices().check(app).await?;
    let push = channel == "push";
    if !push {
        check_offered(app, &channel, &address)?;
    }
    let hash = address_hash(app, &channel, &address);
    let token = random_token();
    let sealed = app.key.encrypt(address.as_bytes(), &format!("address:{channel}"));
    let mut tx = app.db.begin().await?;
    // Web Push costs nothing to send and takes from no code budget; SMS and email sign-ups
    // are counted by the code each one sends.
    if push {
        limits::take(&mut tx, &[limits::push_signups_from(app, origin.address)]).await?;
    } else {
        let number = (channel == "sms").then_some(address.as_str());
        limits::take_code(&mut tx, &limits::codes(app, &channel, &hash, number, origin.address)).await?;
    }
    let token_hash = sha256_hex(token.as_bytes());
    let stored = Stored { channel: &channel, sealed: &sealed, hash: &hash, token_hash: &token_hash };
    let (id, claimed) = store(&mut tx, &stored, &checked, push).await?;
    let choices = serde_json::to_string(&req.choices()).map_err(|e| Error::Internal(e.into()))?;
    let claim = claimed.then_some((token_hash.as_str(), choices.as_str()));
    let issued = if push { None } else { Some(codes::issue(&mut tx, app, id, claim).await?) };
    let status = if push { "active" } else { "pending_verification" };
    let e = Event::new(&Actor::System, "resident", "resident.subscribe", format!("subscription:{id}"))
        .details(json!({ "channel": channel, "status": status, "claim": claimed }));
    audit::record(&mut tx, e).await?;
    tx.commit().await?;
    let verification = match issued {
        Some(i) => Some(deliver(app, id, &channel, &address, &checked.languages, &i).await?),
        None => None,
    };
    Ok(Created { id, token, status: status.into(), verification })
}

struct Stored<'a> {
    channel: &'a str,
    sealed: &'a str,
    hash: &'a str,
    token_hash: &'a str,
}

/// A push endpoint that an active subscription already has.
const PUSH_TAKEN: &str = "this browser's push subscription is already signed up; to sign up \
    again, unsubscribe it in the browser and subscribe afresh (the app does this by itself), or \
    change the existing sign-up with its token";

/// Stores a sign-up: a new row, or the address's earlier one started again (after STOP, or a
/// sign-up never confirmed). A confirmed SMS or email subscription is left as it is: the
/// sign-up becomes a claim on it (`true`), which takes over only once its code is confirmed.
/// An active push subscription is refused instead: nothing proves that whoever sends its
/// endpoint holds the browser (an endpoint is seen by the push service, the browser's
/// extensions and whoever had the device), and handing them a new token would give them the
/// resident's places and the power to change or end the warnings that browser receives.
async fn store(tx: &mut Tx, s: &Stored<'_>, c: &Checked, push: bool) -> Result<(i64, bool)> {
    let id = match residents::by_address(tx, s.channel, s.hash).await? {
        Some(old) if old.active && push => return Err(Error::PushTaken(PUSH_TAKEN.into())),
        Some(old) if old.active && old.verified => return Ok((old.id, true)),
        Some(old) => old.id,
        None => {
            let row = NewSubscription {
                channel: s.channel,
                address_sealed: s.sealed,
                address_hash: s.hash,
                languages: &c.languages.join(","),
                min_severity: c.min_severity.as_str(),
                exercises: c.exercises,
                tests: c.tests,
                verified: push,
            };
            subscriptions::insert(tx, &row).await.map_err(|e| {
                if crate::db::is_unique_violation(&e) {
                    Error::Conflict("this address is being signed up just now; try again".into())
                } else {
                    e.into()
                }
            })?
        }
    };
    residents::restart(tx, id, s.sealed, s.token_hash, push).await?;
    c.apply(tx, id).await?;
    Ok((id, false))
}

/// Sends a code; when the channel did not take it, another may be asked for at once.
async fn deliver(
    app: &App,
    id: i64,
    channel: &str,
    address: &str,
    languages: &[String],
    issued: &codes::Issued,
) -> Result<Verification> {
    let mut v = issued.verification(channel);
    if !codes::send(app, id, channel, address, languages, &issued.code).await {
        let now = now_ms();
        let mut tx = app.db.begin().await?;
        verification_codes::allow_resend(&mut tx, id, now).await?;
        tx.commit().await?;
        v.resend_after = super::view::rfc3339(now);
    }
    Ok(v)
}

/// Sends another code to a pending subscription or claim, within the resend interval and rate
/// limits.
pub async fn resend(app: &App, origin: &Origin<'_>, id: i64, token: Option<&str>) -> Result<Verification> {
    let (own, holder) = manage::authenticate_for_code(app, id, token).await?;
    let claim = match &holder {
        Holder::Claimant(code) => code.claim_token_hash.as_deref().zip(code.claim_choices.as_deref()),
        Holder::Owner => None,
    };
    let pending = own.active && !own.verified && matches!(own.channel.as_str(), "sms" | "email");
    if claim.is_none() && !pending {
        return Err(Error::Conflict("this subscription is not waiting for a code".into()));
    }
    let now = now_ms();
    if let Some(c) = verification_codes::get(&mut app.db.read().await?, id).await?
        && c.resend_after_ms > now
    {
        let retry_after_s = u64::try_from((c.resend_after_ms - now + 999) / 1000).unwrap_or(1);
        return Err(Error::TooMany { what: "a code was sent just now".into(), retry_after_s });
    }
    let address = manage::unseal(app, &own)?;
    let hash = address_hash(app, &own.channel, &address);
    let mut tx = app.db.begin().await?;
    let number = (own.channel == "sms").then_some(address.as_str());
    limits::take_code(&mut tx, &limits::codes(app, &own.channel, &hash, number, origin.address)).await?;
    let issued = codes::issue(&mut tx, app, id, claim).await?;
    let e = Event::new(&Actor::System, "resident", "resident.resend", format!("subscription:{id}"))
        .details(json!({ "channel": own.channel }));
    audit::record(&mut tx, e).await?;
    tx.commit().await?;
    let languages: Vec<String> = own.languages.split(',').map(str::to_owned).collect();
    deliver(app, id, &own.channel, &address, &languages, &issued).await
}
