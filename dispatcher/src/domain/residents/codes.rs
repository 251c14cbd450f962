//! Verification codes: six random digits, stored as a keyed hash with an expiry, a number of
//! tries and the earliest time of another; sent as a notice through the SMS or email channel.

use std::time::Duration;

use channels::{Notice, Outcome, Recipient};

use super::view::{Verification, rfc3339};
use crate::app::App;
use crate::db::verification_codes::Claim;
use crate::db::{Executor, now_ms, verification_codes};
use crate::domain::crypto::random_bytes;
use crate::domain::error::Result;

/// A code just made.
pub struct Issued {
    /// The six digits (only in memory, to send them).
    pub code: String,
    /// When it stops working.
    pub expires_ms: i64,
    /// When another may be sent.
    pub resend_after_ms: i64,
}

impl Issued {
    /// The code as the resident is told of it.
    pub fn verification(&self, channel: &str) -> Verification {
        Verification {
            channel: channel.to_owned(),
            expires_at: rfc3339(self.expires_ms),
            resend_after: rfc3339(self.resend_after_ms),
        }
    }
}

/// Six uniformly random digits.
fn new_code() -> String {
    loop {
        let n = u32::from_be_bytes(random_bytes::<4>());
        // Rejecting the top of the range keeps every code equally likely.
        if n < 4_294_000_000 {
            return format!("{:06}", n % 1_000_000);
        }
    }
}

/// The keyed hash a code is stored as (bound to its subscription).
pub fn hash(app: &App, subscription: i64, code: &str) -> String {
    app.key.lookup_hash(&format!("verification:{subscription}"), code)
}

/// Makes a subscription's code (replacing any earlier one), for a claim when one is given.
pub async fn issue(ex: &mut impl Executor, app: &App, subscription: i64, claim: Claim<'_>) -> Result<Issued> {
    let r = &app.settings.residents;
    let now = now_ms();
    let code = new_code();
    let issued = Issued {
        expires_ms: now + i64::from(r.code_minutes) * 60_000,
        resend_after_ms: now + i64::from(r.resend_seconds) * 1000,
        code,
    };
    let tries = i32::try_from(r.code_tries).unwrap_or(5);
    let h = hash(app, subscription, &issued.code);
    verification_codes::put(ex, subscription, &h, issued.expires_ms, tries, issued.resend_after_ms, claim).await?;
    Ok(issued)
}

/// Sends a code to an address through its channel. Gives whether the channel took it; a
/// failure is logged (without the address) and the resident may ask again at once.
pub async fn send(
    app: &App,
    subscription: i64,
    channel: &str,
    address: &str,
    languages: &[String],
    code: &str,
) -> bool {
    let Some((ch, _)) = app.channels.running().into_iter().find(|(c, _)| c.name() == channel) else {
        tracing::warn!(subscription, channel, "no running channel to send a verification code with");
        return false;
    };
    let recipient = match channel {
        "sms" => Recipient::Sms { number: address.to_owned(), languages: languages.to_vec() },
        _ => Recipient::Email { address: address.to_owned(), languages: languages.to_vec(), unsubscribe_url: None },
    };
    let (subject, text) = wording(app, channel, languages, code);
    let notice = Notice { id: now_ms(), recipient, subject, text };
    let outcome = tokio::time::timeout(Duration::from_secs(15), ch.send_notice(&notice)).await;
    match outcome {
        Ok(Outcome::Sent { .. } | Outcome::Delivered { .. }) => true,
        Ok(Outcome::Retry { error, .. } | Outcome::Failed { error } | Outcome::DropAddress { error }) => {
            tracing::warn!(subscription, channel, %error, "a verification code was not sent");
            false
        }
        Err(_) => {
            tracing::warn!(subscription, channel, "sending a verification code timed out");
            false
        }
    }
}

/// The subject and text of a code, in Slovak or English. An SMS keeps to one GSM 03.38
/// segment (no diacritics): a code costs one message, never more.
fn wording(app: &App, channel: &str, languages: &[String], code: &str) -> (String, String) {
    let sender = &app.settings.cap.sender_name;
    let minutes = app.settings.residents.code_minutes;
    let slovak = languages.first().is_some_and(|l| l.to_ascii_lowercase().starts_with("sk"));
    let text = match (channel, slovak) {
        ("sms", true) => format!("{sender}: kod {code} potvrdzuje varovania na toto cislo. Plati {minutes} min."),
        ("sms", false) => format!("{sender}: code {code} confirms warnings to this number. Valid {minutes} min."),
        (_, true) => format!(
            "{sender}: váš kód je {code}. Potvrdzuje varovania na túto adresu a platí {minutes} minút. \
             Ak ste oň nežiadali, správu ignorujte."
        ),
        (_, false) => format!(
            "{sender}: your code is {code}. It confirms public warnings to this address and is valid for \
             {minutes} minutes. If you did not ask for it, ignore this message."
        ),
    };
    let subject = if slovak { format!("{sender}: overovací kód") } else { format!("{sender}: confirmation code") };
    (subject, text)
}

#[cfg(test)]
mod tests {
    #[test]
    fn codes_are_six_digits() {
        for _ in 0..100 {
            let c = super::new_code();
            assert!(c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit()), "{c}");
        }
    }
}
