//! What an SMTP server's answer means for the delivery: accepted (Sent, with the server's
//! queue id), refused for good (Failed), or not now (Retry), with the server's words but never
//! an email address.

use std::time::Duration;

use lettre::transport::smtp::Error as SmtpError;
use lettre::transport::smtp::response::Response;

use super::pool::PoolError;
use crate::Outcome;

/// How a send went, for the channel's health: a refused message says nothing bad about the
/// server, a 4xx or a connection failure does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The server took the message.
    Accepted,
    /// The server refused this message for good; it is working.
    Refused,
    /// The server could not be reached, timed out, or asked to try later.
    Trouble,
}

/// The outcome of an accepted message.
pub(crate) fn accepted(response: &Response) -> Outcome {
    Outcome::Sent { provider_id: response.first_line().and_then(queue_id) }
}

/// The outcome of a failed send, and what it says about the server.
pub(crate) fn failed(e: &PoolError, timeout: Duration) -> (Outcome, Verdict) {
    let retry = |error: String| (Outcome::Retry { not_before: None, error }, Verdict::Trouble);
    let e = match e {
        PoolError::Timeout => {
            return retry(format!("the SMTP server did not answer within {} s", timeout.as_secs_f32()));
        }
        PoolError::NoStartTls => return retry("the SMTP server does not offer STARTTLS, which is required".into()),
        PoolError::Closed => return retry("the SMTP server closed the connection".into()),
        PoolError::Connect(e) => return retry(format!("could not connect to the SMTP server: {e}")),
        PoolError::Smtp(e) if e.is_timeout() => {
            return retry(format!("the SMTP server did not answer within {} s", timeout.as_secs_f32()));
        }
        PoolError::Smtp(e) => e,
    };
    let Some(code) = e.status() else {
        return retry(format!("could not talk to the SMTP server: {}", without_addresses(&e.to_string())));
    };
    let code = u16::from(code);
    let said = server_text(e);
    match code {
        // Authentication refused or required: the settings are wrong, not the message.
        530 | 534 | 535 | 538 => retry(format!("the SMTP server refused our credentials: {code} {said}")),
        500..=599 => {
            (Outcome::Failed { error: format!("the SMTP server refused the message: {code} {said}") }, Verdict::Refused)
        }
        _ => retry(format!("the SMTP server asked to try later: {code} {said}")),
    }
}

/// The server's words from an error, without addresses, on one line and not too long.
fn server_text(e: &SmtpError) -> String {
    let text = std::error::Error::source(e).map(ToString::to_string).unwrap_or_default();
    without_addresses(&text)
}

/// Text with every word that holds an `@` replaced, since servers echo the recipient back
/// ("<jane@x.example>: Recipient address rejected"), and cut to 300 characters.
pub(crate) fn without_addresses(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().map(|w| if w.contains('@') { "[address]" } else { w }).collect();
    let line = words.join(" ");
    match line.char_indices().nth(300) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

/// The queue id in a 250 reply: `queued as ID` (Postfix, aiosmtpd peers), `id=ID` (Exim), else
/// a last word that looks like an id (at least 8 characters with a digit, as SES and Gmail give).
fn queue_id(line: &str) -> Option<String> {
    let trim = |s: &str| s.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '_').to_owned();
    let lower = line.to_ascii_lowercase();
    if let Some(at) = lower.find("queued as ") {
        return line[at + 10..].split_whitespace().next().map(trim).filter(|s| !s.is_empty());
    }
    if let Some(word) = line.split_whitespace().find_map(|w| w.strip_prefix("id=")) {
        return Some(trim(word)).filter(|s| !s.is_empty());
    }
    let words: Vec<&str> = line.split_whitespace().collect();
    let last = trim(words.last()?);
    let is_status = last.split('.').count() == 3 && last.chars().all(|c| c.is_ascii_digit() || c == '.');
    let looks_like_id = words.len() > 1 && last.len() >= 8 && last.chars().any(|c| c.is_ascii_digit());
    (looks_like_id && !is_status && !last.contains('@')).then_some(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_ids_from_common_servers() {
        assert_eq!(queue_id("2.0.0 Ok: queued as 4Xyz12AbC").as_deref(), Some("4Xyz12AbC"));
        assert_eq!(queue_id("OK id=1rAbCd-000123-Xy").as_deref(), Some("1rAbCd-000123-Xy"));
        assert_eq!(queue_id("Ok 0100018c2f3e4a5b-aaaa").as_deref(), Some("0100018c2f3e4a5b-aaaa"));
        assert_eq!(queue_id("OK"), None);
        assert_eq!(queue_id("2.0.0 OK"), None);
        assert_eq!(queue_id("Ok <jane@x.example>"), None);
    }

    #[test]
    fn addresses_never_reach_the_error() {
        let t = without_addresses("5.1.1 <Jane.Doe@X.example>: Recipient address rejected:\r\n user unknown");
        assert_eq!(t, "5.1.1 [address] Recipient address rejected: user unknown");
        assert_eq!(without_addresses(&"a".repeat(400)).chars().count(), 301);
    }
}
