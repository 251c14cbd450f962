//! The plain-text part of an alert email: the same sections as the HTML part, for clients
//! and readers (screen readers, watches, filters) that do not show HTML.

use std::fmt::Write;

use super::content::{Content, Section, readable_time};
use super::labels::labels;

/// The whole text part.
pub(crate) fn plain(content: &Content<'_>) -> String {
    let lang = content.first().map_or("en", |s| s.text.language.as_str());
    let mut out = String::with_capacity(2048);
    for (n, section) in content.sections.iter().enumerate() {
        if n == 1 {
            let _ = write!(out, "\n----------------------------------------\n{}\n\n", labels(lang).other_languages);
        } else if n > 1 {
            out.push_str("\n----------------------------------------\n\n");
        }
        write_section(&mut out, content, section);
    }
    if let Some(url) = content.unsubscribe {
        let _ = write!(out, "\n----------------------------------------\n{}: {url}\n", labels(lang).unsubscribe);
    }
    out
}

fn write_section(out: &mut String, content: &Content<'_>, section: &Section) {
    let t = &section.text;
    let words = labels(&t.language);
    match (&section.marker, words.not_real(content.status)) {
        (Some(m), Some(sentence)) => {
            let _ = write!(out, "*** {m} ***\n{sentence}\n\n");
        }
        (Some(m), None) => {
            let _ = write!(out, "*** {m} ***\n\n");
        }
        (None, Some(sentence)) => {
            let _ = write!(out, "{sentence}\n\n");
        }
        (None, None) => {}
    }
    let _ = write!(out, "{}: {}\n\n", t.severity, t.headline);
    if let Some(d) = &t.description {
        let _ = write!(out, "{}\n\n", d.trim());
    }
    if let Some(i) = &t.instruction {
        let _ = write!(out, "{}:\n{}\n\n", words.what_to_do, i.trim());
    }
    if let Some(a) = &t.area {
        let _ = writeln!(out, "{}: {a}", words.area);
    }
    if let Some(s) = &t.sender_name {
        let _ = writeln!(out, "{}: {s}", words.issued_by);
    }
    if let Some(e) = &t.expires {
        let _ = writeln!(out, "{}: {}", words.expires, readable_time(e));
    }
    if let Some(url) = content.link {
        let _ = writeln!(out, "{}: {url}", words.read_more);
    }
}
