//! Rate limits on sign-ups and verification codes: fixed one-hour windows counted in the
//! database (`rate_buckets`), so they hold across instances. A request over any limit is
//! refused before anything is stored or sent: its transaction, counters included, rolls back.

use crate::app::App;
use crate::db::{Executor, now_ms, rate_buckets};
use crate::domain::error::{Error, Result};

const WINDOW_MS: i64 = 3_600_000;

/// One counter to take from, with its limit and what it protects (for the message).
pub struct Bucket {
    key: String,
    limit: u32,
    what: &'static str,
}

/// The bucket of sign-ups from a client address (kept as a keyed hash).
pub fn signups_from(app: &App, ip: &str) -> Bucket {
    let key = format!("signup:ip:{}", app.key.lookup_hash("client-ip", ip));
    Bucket { key, limit: app.settings.residents.signups_per_ip_per_hour, what: "too many sign-ups from this network" }
}

/// The buckets a verification code takes from: its address, its number's prefix (SMS), the
/// client's address, and the overall cap.
pub fn codes(app: &App, channel: &str, address_hash: &str, number: Option<&str>, ip: &str) -> Vec<Bucket> {
    let r = &app.settings.residents;
    let mut out = vec![
        Bucket {
            key: format!("code:address:{channel}:{address_hash}"),
            limit: r.codes_per_address_per_hour,
            what: "too many codes to this address",
        },
        Bucket {
            key: format!("code:ip:{}", app.key.lookup_hash("client-ip", ip)),
            limit: r.codes_per_ip_per_hour,
            what: "too many codes asked for from this network",
        },
        Bucket { key: "code:all".into(), limit: r.codes_per_hour, what: "too many codes are being sent just now" },
    ];
    if let Some(n) = number {
        out.push(Bucket {
            key: format!("code:prefix:{}", prefix(n, r.prefix_digits)),
            limit: r.codes_per_prefix_per_hour,
            what: "too many codes to numbers in this range",
        });
    }
    out
}

/// The prefix of an E.164 number: `+` and its first `digits` digits.
pub fn prefix(number: &str, digits: u32) -> String {
    let d = number.trim_start_matches('+');
    format!("+{}", &d[..d.len().min(digits as usize)])
}

/// Counts one against every bucket; refuses (naming the first limit hit) if any is over.
pub async fn take(ex: &mut impl Executor, buckets: &[Bucket]) -> Result<()> {
    let now = now_ms();
    let window = now - now.rem_euclid(WINDOW_MS);
    for b in buckets {
        if rate_buckets::hit(ex, &b.key, window).await? > i64::from(b.limit) {
            let retry_after_s = u64::try_from((window + WINDOW_MS - now + 999) / 1000).unwrap_or(1);
            return Err(Error::TooMany { what: b.what.into(), retry_after_s });
        }
    }
    Ok(())
}

/// Forgets windows that ended.
pub async fn purge(ex: &mut impl Executor) -> Result<u64> {
    Ok(rate_buckets::purge(ex, now_ms() - 2 * WINDOW_MS).await?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_prefix_is_the_country_code_and_the_start_of_the_number() {
        assert_eq!(super::prefix("+421900123456", 6), "+421900");
        assert_eq!(super::prefix("+4219", 6), "+4219");
    }
}
