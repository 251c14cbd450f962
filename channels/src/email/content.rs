//! What an alert email says, before it is laid out as text or HTML: the sections (one per
//! language of the alert, the reader's first), the mode, the link and the unsubscribe URL.

use cap_alerts::model::Status;

use crate::AlertPayload;
use crate::render::{self, Text};

/// The content of one alert email.
pub(crate) struct Content<'a> {
    /// Live, exercise or test: from the CAP status, or from the dispatcher's mode when the
    /// CAP says Actual but the alert is sent as an exercise or test.
    pub status: Status,
    /// One section per language, the reader's first.
    pub sections: Vec<Section>,
    /// Where to read the whole alert (its page, else its CAP document), if public.
    pub link: Option<&'a str>,
    /// The one-click unsubscribe link, if the dispatcher gave a usable one.
    pub unsubscribe: Option<&'a str>,
}

/// One language's text, with its markers settled.
pub(crate) struct Section {
    /// The text from [`render::text`].
    pub text: Text,
    /// `EXERCISE`, `UPDATE`, … in this section's language, joined.
    pub marker: Option<String>,
}

impl<'a> Content<'a> {
    /// The content of `payload` for a reader of `languages`.
    pub fn new(payload: &'a AlertPayload, languages: &[String], unsubscribe: Option<&'a str>) -> Self {
        let status = effective_status(payload);
        let sections = section_languages(payload, languages)
            .into_iter()
            .map(|langs| {
                let text = render::text(&payload.alert, &langs);
                let marker = marker(payload, status, &text);
                Section { text, marker }
            })
            .collect();
        let link =
            [payload.page_url.as_deref(), payload.cap_url.as_deref()].into_iter().flatten().find(|u| is_web_url(u));
        let unsubscribe = unsubscribe.filter(|u| {
            let ok = is_web_url(u);
            if !ok {
                // A broken unsubscribe link must not stop a warning: send it without one.
                tracing::warn!(alert = payload.id, "the unsubscribe URL is not an http(s) URL; left out");
            }
            ok
        });
        Content { status, sections, link, unsubscribe }
    }

    /// The reader's section.
    pub fn first(&self) -> Option<&Section> {
        self.sections.first()
    }
}

/// The status the reader must see: an alert sent in exercise or test mode is marked so even
/// when its CAP says Actual, because nobody may take an exercise for a real warning.
fn effective_status(payload: &AlertPayload) -> Status {
    match (payload.alert.status, payload.mode) {
        (Status::Actual, "exercise") => Status::Exercise,
        (Status::Actual, "test") => Status::Test,
        (status, _) => status,
    }
}

/// The marker of a section: `render::text`'s, unless the mode marks more than the CAP does.
fn marker(payload: &AlertPayload, status: Status, text: &Text) -> Option<String> {
    if status == payload.alert.status {
        return text.marker.clone();
    }
    let words: Vec<&str> =
        [render::mode_marker(status, &text.language), render::msg_type_marker(payload.alert.msg_type, &text.language)]
            .into_iter()
            .flatten()
            .collect();
    (!words.is_empty()).then(|| words.join(" · "))
}

/// The language preferences that select each section: the reader's own list first, then each
/// other language of the alert's infos once, in the alert's order.
fn section_languages(payload: &AlertPayload, languages: &[String]) -> Vec<Vec<String>> {
    let first = render::pick_info(&payload.alert, languages).map(|i| i.language_or_default().to_owned());
    let mut seen: Vec<String> = first.iter().cloned().collect();
    let mut out = vec![languages.to_vec()];
    for info in &payload.alert.infos {
        let lang = info.language_or_default();
        if !seen.iter().any(|s| s.eq_ignore_ascii_case(lang)) {
            seen.push(lang.to_owned());
            out.push(vec![lang.to_owned()]);
        }
    }
    out
}

/// Whether a URL may be put in a link and a header: http or https, printable ASCII, no spaces.
pub(crate) fn is_web_url(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")) && url.bytes().all(|b| b.is_ascii_graphic())
}

/// A CAP time as people read it: `2026-11-23 18:00 (+01:00)`.
pub(crate) fn readable_time(cap: &str) -> String {
    match (cap.get(..10), cap.get(11..16), cap.get(19..)) {
        (Some(date), Some(time), Some(offset)) if cap.as_bytes().get(10) == Some(&b'T') => {
            format!("{date} {time} ({offset})")
        }
        _ => cap.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_urls_are_linked() {
        assert!(is_web_url("https://x.example/a?b=c&d"));
        assert!(is_web_url("HTTP://x.example/"));
        assert!(!is_web_url("javascript:alert(1)"));
        assert!(!is_web_url("https://x.example/a b"));
        assert!(!is_web_url("https://x.example/\r\nBcc: y@z"));
    }

    #[test]
    fn times_read_as_date_time_and_offset() {
        assert_eq!(readable_time("2026-11-23T18:00:00+01:00"), "2026-11-23 18:00 (+01:00)");
        assert_eq!(readable_time("soon"), "soon");
    }
}
