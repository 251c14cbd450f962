//! The words of an SMS alert: marker, severity, headline, instruction and link, short enough
//! for the segment limit, with the link kept whole when the words must be cut.

use super::{SmsOptions, segment, translit};
use crate::{AlertPayload, render};

/// The SMS text of an alert for a reader of `languages`: the exercise/test and update/cancel
/// markers first (nobody must take an exercise for a real warning), the severity in words,
/// the headline, what to do, and the alert's page (or its CAP document) last. When it would
/// exceed the segment limit the words are shortened, never the link.
pub fn compose(alert: &AlertPayload, languages: &[String], options: &SmsOptions) -> String {
    let t = render::text(&alert.alert, languages);
    let mut body = String::new();
    if let Some(marker) = &t.marker {
        // The shared marker joins with a middle dot, which GSM 03.38 lacks.
        body.push_str(&marker.replace(" · ", " "));
        body.push_str(": ");
    }
    body.push_str(&t.severity);
    if !t.headline.trim().is_empty() {
        body.push_str(": ");
        body.push_str(&sentence(&t.headline));
    }
    if let Some(instruction) = t.instruction.as_deref().filter(|i| !i.trim().is_empty()) {
        body.push(' ');
        body.push_str(&sentence(instruction));
    }
    let body = if options.transliterate { translit::transliterate(&body) } else { body };
    let link = alert.page_url.as_deref().or(alert.cap_url.as_deref());
    let suffix = link.map(|l| format!(" {l}")).unwrap_or_default();
    segment::fit(&body, &suffix, options.segment_limit).0
}

/// Text on one line with single spaces, ending with a full stop unless it has its own.
fn sentence(text: &str) -> String {
    let mut s = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if !s.ends_with(['.', '!', '?', '…']) {
        s.push('.');
    }
    s
}
