//! Rate limits on sign-ups and verification codes: fixed one-hour windows counted in the
//! database (`rate_buckets`), so they hold across instances. A request over any limit is
//! refused before anything is stored or sent: its transaction, counters included, rolls back,
//! so a refused request spends nothing.
//!
//! The budgets are kept apart so that an attack on one cannot refuse the others: Web Push
//! sign-ups have a bucket of their own per network and take from no code budget; SMS and email
//! codes each have their own total; the narrow budgets (address, number prefix, network) are
//! taken before the total, and a share of the total is kept for networks and prefixes that
//! have hardly asked this hour. `docs/security.md` gives the figures and why.

use crate::app::App;
use crate::db::{Executor, now_ms, rate_buckets};
use crate::domain::error::{Error, Result};
use crate::domain::network::Network;

const WINDOW_MS: i64 = 3_600_000;

/// A network or prefix that has asked for at most this many codes this hour, this one
/// included, may take from the reserve: a resident asks for one code, and perhaps one more.
const FRESH: i64 = 2;

/// One counter to take from, with its limit and what it protects (for the message).
pub struct Bucket {
    key: String,
    limit: u32,
    what: &'static str,
}

/// The buckets a verification code takes from, narrowest first.
pub struct CodeBudgets {
    /// Its address.
    address: Bucket,
    /// The client's network and its number's prefix (SMS): whoever has asked little from
    /// both may use the reserve.
    sources: Vec<Bucket>,
    /// The channel's total, less the reserve.
    open: Bucket,
    /// The share of the channel's total kept for fresh networks and prefixes.
    reserve: Bucket,
}

/// The keyed hash of a client's network (no address is stored in a bucket's name).
fn network_key(app: &App, ip: &str) -> String {
    app.key.lookup_hash("client-network", Network::of(ip).as_str())
}

/// The bucket of Web Push sign-ups from a client's network.
pub fn push_signups_from(app: &App, ip: &str) -> Bucket {
    Bucket {
        key: format!("signup:push:network:{}", network_key(app, ip)),
        limit: app.settings.residents.push_signups_per_network_per_hour,
        what: "too many sign-ups from this network",
    }
}

/// The budgets a verification code on `channel` (`sms` or `email`) takes from.
pub fn codes(app: &App, channel: &str, address_hash: &str, number: Option<&str>, ip: &str) -> CodeBudgets {
    let r = &app.settings.residents;
    let mut sources = vec![Bucket {
        key: format!("code:network:{channel}:{}", network_key(app, ip)),
        limit: r.codes_per_network_per_hour,
        what: "too many codes asked for from this network",
    }];
    if let Some(n) = number {
        sources.push(Bucket {
            key: format!("code:prefix:{}", prefix(n, r.prefix_digits)),
            limit: r.codes_per_prefix_per_hour,
            what: "too many codes to numbers in this range",
        });
    }
    let total = if channel == "sms" { r.sms_codes_per_hour } else { r.email_codes_per_hour };
    let reserved = reserve_of(total, r.reserve_percent);
    CodeBudgets {
        address: Bucket {
            key: format!("code:address:{channel}:{address_hash}"),
            limit: r.codes_per_address_per_hour,
            what: "too many codes to this address",
        },
        sources,
        open: Bucket {
            key: format!("code:all:{channel}"),
            limit: total - reserved,
            what: "too many codes are being sent just now",
        },
        reserve: Bucket {
            key: format!("code:reserve:{channel}"),
            limit: reserved,
            what: "too many codes are being sent just now",
        },
    }
}

/// The part of `total` kept in reserve: `percent` of it, rounded down.
fn reserve_of(total: u32, percent: u32) -> u32 {
    u32::try_from(u64::from(total) * u64::from(percent.min(100)) / 100).unwrap_or(total)
}

/// The prefix of an E.164 number: `+` and its first `digits` digits.
pub fn prefix(number: &str, digits: u32) -> String {
    let d = number.trim_start_matches('+');
    format!("+{}", &d[..d.len().min(digits as usize)])
}

/// The start of the current window and the seconds until it ends.
fn window() -> (i64, u64) {
    let now = now_ms();
    let start = now - now.rem_euclid(WINDOW_MS);
    (start, u64::try_from((start + WINDOW_MS - now + 999) / 1000).unwrap_or(1))
}

/// Counts one in `b`; gives the count, this one included.
async fn hit(ex: &mut impl Executor, b: &Bucket, window: i64) -> Result<i64> {
    Ok(rate_buckets::hit(ex, &b.key, window).await?)
}

fn refusal(b: &Bucket, retry_after_s: u64) -> Error {
    Error::TooMany { what: b.what.into(), retry_after_s }
}

/// Counts one against every bucket; refuses (naming the first limit hit) if any is over.
pub async fn take(ex: &mut impl Executor, buckets: &[Bucket]) -> Result<()> {
    let (window, retry_after_s) = window();
    for b in buckets {
        if hit(ex, b, window).await? > i64::from(b.limit) {
            return Err(refusal(b, retry_after_s));
        }
    }
    Ok(())
}

/// Counts a verification code: its address, network and prefix first (a request they refuse
/// never reaches the total), then the channel's total; once that is spent, the reserve, but
/// only for a network and prefix that have asked for at most [`FRESH`] codes this hour.
pub async fn take_code(ex: &mut impl Executor, b: &CodeBudgets) -> Result<()> {
    let (window, retry_after_s) = window();
    take(ex, std::slice::from_ref(&b.address)).await?;
    let mut fresh = true;
    for source in &b.sources {
        let n = hit(ex, source, window).await?;
        if n > i64::from(source.limit) {
            return Err(refusal(source, retry_after_s));
        }
        fresh &= n <= FRESH;
    }
    if hit(ex, &b.open, window).await? <= i64::from(b.open.limit) {
        return Ok(());
    }
    if fresh && hit(ex, &b.reserve, window).await? <= i64::from(b.reserve.limit) {
        return Ok(());
    }
    Err(refusal(&b.open, retry_after_s))
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

    #[test]
    fn the_reserve_is_a_share_of_the_total_rounded_down() {
        assert_eq!(super::reserve_of(500, 20), 100);
        assert_eq!(super::reserve_of(7, 20), 1);
        assert_eq!(super::reserve_of(500, 0), 0);
        assert_eq!(super::reserve_of(u32::MAX, 90), 3_865_470_565);
    }
}
