//! A provider's message id, as a channel's peer answered it, checked before it is stored. It
//! comes from outside: a resident's own push service chooses the `Location` its pushes are
//! answered with, an SMS gateway its ids and its receipts. Staff see it in the delivery list
//! and the CSV export (whose cells are escaped there), and receipts are matched on it.

/// The longest id kept, in characters. Mozilla's autopush answers with a URL of about 230
/// (an encrypted Fernet token after its origin), FCM with about 80; SMPP message ids are at
/// most 65 octets. Twice autopush's leaves room for a topic; an id longer than this is no
/// push service's or gateway's.
pub const MAX_CHARS: usize = 500;

/// The id if it has 1 to [`MAX_CHARS`] characters and no control character; otherwise none,
/// and a warning that names the channel and the length only (the id may hold anything).
pub fn checked(channel: &str, id: Option<&str>) -> Option<String> {
    let id = id?;
    if acceptable(id) {
        return Some(id.to_owned());
    }
    tracing::warn!(
        channel,
        chars = id.chars().count(),
        "a provider id that is empty, too long or not printable was not kept"
    );
    None
}

/// Whether an id may be stored or matched.
pub fn acceptable(id: &str) -> bool {
    !id.trim().is_empty() && id.chars().count() <= MAX_CHARS && !id.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_short_printable_ids_are_kept() {
        let fcm = "https://fcm.googleapis.com/0:1700000000000000%25abcdef0123456789abcdef";
        assert_eq!(checked("push", Some(fcm)).as_deref(), Some(fcm));
        assert_eq!(checked("sms", Some("=1+1")).as_deref(), Some("=1+1"), "formulas are the export's to escape");
        assert_eq!(checked("push", Some(&"x".repeat(MAX_CHARS))).map(|s| s.len()), Some(MAX_CHARS));
        for bad in [String::new(), " ".into(), "x".repeat(MAX_CHARS + 1), "a\nb".into(), "a\u{1b}[31m".into()] {
            assert_eq!(checked("push", Some(&bad)), None, "{bad:?}");
        }
        assert_eq!(checked("push", None), None);
    }
}
