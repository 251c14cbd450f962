//! Confirming a code: the right one activates the subscription; each wrong one costs a try,
//! and the last try voids the code.

use serde_json::json;

use super::view::VerifyResult;
use super::{codes, manage};
use crate::app::App;
use crate::db::residents;
use crate::db::{now_ms, verification_codes};
use crate::domain::audit::{self, Actor, Event};
use crate::domain::crypto::constant_time_eq;
use crate::domain::error::{Error, Result};

const ASK_AGAIN: &str = "ask for a new one (POST /api/v1/residents/subscriptions/{id}/resend)";

/// Confirms a subscription's code.
pub async fn verify(app: &App, id: i64, token: Option<&str>, code: &str) -> Result<VerifyResult> {
    let own = manage::authenticate(app, id, token).await?;
    let active = || VerifyResult { status: "active".into() };
    if own.active && own.verified {
        return Ok(active());
    }
    if !own.active {
        return Err(Error::Conflict("this subscription has ended; sign up again".into()));
    }
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid("/code", "must be the 6 digits that were sent to you"));
    }
    let mut tx = app.db.begin().await?;
    let Some(stored) = verification_codes::get(&mut tx, id).await? else {
        return Err(Error::CodeVoid(format!("there is no open code: {ASK_AGAIN}")));
    };
    let now = now_ms();
    if stored.tries_left <= 0 {
        return Err(Error::CodeVoid(format!("this code is void after too many wrong tries: {ASK_AGAIN}")));
    }
    if stored.expires_ms <= now {
        return Err(Error::CodeVoid(format!("this code expired: {ASK_AGAIN}")));
    }
    if constant_time_eq(codes::hash(app, id, code).as_bytes(), stored.code_hash.as_bytes()) {
        residents::mark_verified(&mut tx, id).await?;
        verification_codes::remove(&mut tx, id).await?;
        let e = Event::new(&Actor::System, "resident", "resident.verify", format!("subscription:{id}"))
            .details(json!({ "channel": own.channel }));
        audit::record(&mut tx, e).await?;
        tx.commit().await?;
        return Ok(active());
    }
    let left = verification_codes::wrong_try(&mut tx, id).await?;
    tx.commit().await?;
    if left == 0 {
        let retry_after_s = u64::try_from((stored.resend_after_ms - now + 999) / 1000).unwrap_or(0).max(1);
        return Err(Error::TooMany {
            what: format!("too many wrong codes; this code is now void: {ASK_AGAIN}"),
            retry_after_s,
        });
    }
    Err(Error::invalid("/code", format!("wrong code; {left} tries left")))
}
