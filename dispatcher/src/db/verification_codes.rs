//! `verification_codes`: the open code of a pending subscription or of a claim on a confirmed
//! one (a keyed hash of it, with the claim's token hash and choices).

use super::{Executor, now_ms};

/// A code as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Code {
    pub subscription_id: i64,
    pub code_hash: String,
    pub expires_ms: i64,
    pub tries_left: i32,
    pub resend_after_ms: i64,
    pub claim_token_hash: Option<String>,
    pub claim_choices: Option<String>,
}

/// A claim's token hash and choices (JSON).
pub type Claim<'a> = Option<(&'a str, &'a str)>;

/// Replaces a subscription's code.
pub async fn put(
    ex: &mut impl Executor,
    subscription_id: i64,
    code_hash: &str,
    expires_ms: i64,
    tries: i32,
    resend_after_ms: i64,
    claim: Claim<'_>,
) -> Result<(), sqlx::Error> {
    exec!(ex, "DELETE FROM verification_codes WHERE subscription_id = $1", subscription_id)?;
    exec!(
        ex,
        "INSERT INTO verification_codes (subscription_id, code_hash, expires_ms, tries_left, resend_after_ms, created_ms, \
         claim_token_hash, claim_choices) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        subscription_id,
        code_hash,
        expires_ms,
        tries,
        resend_after_ms,
        now_ms(),
        claim.map(|c| c.0),
        claim.map(|c| c.1)
    )?;
    Ok(())
}

/// A subscription's code.
pub async fn get(ex: &mut impl Executor, subscription_id: i64) -> Result<Option<Code>, sqlx::Error> {
    fetch_optional!(
        ex,
        Code,
        "SELECT subscription_id, code_hash, expires_ms, tries_left, resend_after_ms, claim_token_hash, claim_choices \
         FROM verification_codes WHERE subscription_id = $1",
        subscription_id
    )
}

/// Spends one try of a subscription's code that is still open (tries left, not expired), in
/// one statement, before the code is compared: parallel guesses cannot outnumber the tries.
/// Gives the code as it is after the try was spent, or None when no try is left.
pub async fn spend_try(ex: &mut impl Executor, subscription_id: i64, now_ms: i64) -> Result<Option<Code>, sqlx::Error> {
    fetch_optional!(
        ex,
        Code,
        "UPDATE verification_codes SET tries_left = tries_left - 1 \
         WHERE subscription_id = $1 AND tries_left > 0 AND expires_ms > $2 \
         RETURNING subscription_id, code_hash, expires_ms, tries_left, resend_after_ms, claim_token_hash, claim_choices",
        subscription_id,
        now_ms
    )
}

/// Removes a subscription's code (used, or the subscription is gone).
pub async fn remove(ex: &mut impl Executor, subscription_id: i64) -> Result<u64, sqlx::Error> {
    exec!(ex, "DELETE FROM verification_codes WHERE subscription_id = $1", subscription_id)
}

/// Lets another code be sent from a time on (the last one did not go out).
pub async fn allow_resend(ex: &mut impl Executor, subscription_id: i64, at_ms: i64) -> Result<u64, sqlx::Error> {
    exec!(ex, "UPDATE verification_codes SET resend_after_ms = $2 WHERE subscription_id = $1", subscription_id, at_ms)
}

/// Removes claims whose code expired before a time (their token hash and choices with them).
pub async fn purge_claims(ex: &mut impl Executor, before_ms: i64) -> Result<u64, sqlx::Error> {
    exec!(ex, "DELETE FROM verification_codes WHERE claim_token_hash IS NOT NULL AND expires_ms < $1", before_ms)
}
