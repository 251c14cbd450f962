//! Confirming a code: the right one activates the subscription (or, for a claim, hands the
//! subscription to the claim's token and choices); each wrong one costs a try, and the last try
//! voids the code.

use serde_json::json;

use super::choices::{Checked, Choices};
use super::codes;
use super::manage::{self, Holder};
use super::view::VerifyResult;
use crate::app::App;
use crate::db::residents::{self, Own};
use crate::db::{Tx, now_ms, verification_codes};
use crate::domain::audit::{self, Actor, Event};
use crate::domain::crypto::constant_time_eq;
use crate::domain::error::{Error, Result};

const ASK_AGAIN: &str = "ask for a new one (POST /api/v1/residents/subscriptions/{id}/resend)";

/// Confirms a subscription's code.
pub async fn verify(app: &App, id: i64, token: Option<&str>, code: &str) -> Result<VerifyResult> {
    let (own, holder) = manage::authenticate_for_code(app, id, token).await?;
    let active = || VerifyResult { status: "active".into() };
    let stored = match holder {
        Holder::Claimant(code) => code,
        Holder::Owner if own.active && own.verified => return Ok(active()),
        Holder::Owner if !own.active => {
            return Err(Error::Conflict("this subscription has ended; sign up again".into()));
        }
        Holder::Owner => verification_codes::get(&mut app.db.read().await?, id)
            .await?
            .ok_or_else(|| Error::CodeVoid(format!("there is no open code: {ASK_AGAIN}")))?,
    };
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid("/code", "must be the 6 digits that were sent to you"));
    }
    let now = now_ms();
    if stored.tries_left <= 0 {
        return Err(Error::CodeVoid(format!("this code is void after too many wrong tries: {ASK_AGAIN}")));
    }
    if stored.expires_ms <= now {
        return Err(Error::CodeVoid(format!("this code expired: {ASK_AGAIN}")));
    }
    let claim = match (&stored.claim_token_hash, &stored.claim_choices) {
        (Some(token_hash), Some(choices)) => {
            let choices: Choices = serde_json::from_str(choices).map_err(|e| Error::Internal(e.into()))?;
            Some((token_hash.as_str(), choices.check(app).await?))
        }
        _ => None,
    };
    // The try is spent before the code is compared, in the same transaction, so that parallel
    // guesses cannot outnumber the tries (reading the tries first and counting after let
    // every request in flight compare).
    let mut tx = app.db.begin().await?;
    let Some(spent) = verification_codes::spend_try(&mut tx, id, now).await? else {
        return Err(Error::CodeVoid(format!("this code is void after too many wrong tries or expired: {ASK_AGAIN}")));
    };
    if spent.claim_token_hash != stored.claim_token_hash {
        return Err(Error::CodeVoid(format!("a newer code was sent meanwhile: {ASK_AGAIN}")));
    }
    if constant_time_eq(codes::hash(app, id, code).as_bytes(), spent.code_hash.as_bytes()) {
        confirm(&mut tx, &own, claim).await?;
        tx.commit().await?;
        return Ok(active());
    }
    tx.commit().await?;
    let left = spent.tries_left;
    if left == 0 {
        let retry_after_s = u64::try_from((stored.resend_after_ms - now + 999) / 1000).unwrap_or(0).max(1);
        return Err(Error::TooMany {
            what: format!("too many wrong codes; this code is now void: {ASK_AGAIN}"),
            retry_after_s,
        });
    }
    Err(Error::invalid("/code", format!("wrong code; {left} tries left")))
}

/// Activates a pending subscription, or hands a claimed one to the claim's token and choices.
async fn confirm(tx: &mut Tx, own: &Own, claim: Option<(&str, Checked)>) -> Result<()> {
    let id = own.id;
    let claimed = claim.is_some();
    if let Some((token_hash, checked)) = claim {
        residents::restart(tx, id, &own.address_sealed, token_hash, true).await?;
        checked.apply(tx, id).await?;
    } else {
        residents::mark_verified(tx, id).await?;
    }
    verification_codes::remove(tx, id).await?;
    let e = Event::new(&Actor::System, "resident", "resident.verify", format!("subscription:{id}"))
        .details(json!({ "channel": own.channel, "claim": claimed }));
    audit::record(tx, e).await?;
    Ok(())
}
