//! The HTML part of an alert email, written for every mail client and every reader: one
//! column without tables or images, `lang` on the document and on each language's section,
//! real headings, dark text on light backgrounds (contrast above 7:1), a worded banner for
//! exercises and tests (never colour alone), and every piece of alert text escaped.

use std::fmt::Write;

use super::content::{Content, Section, readable_time};
use super::labels::labels;

const BODY: &str = "margin:0;padding:16px;background:#ffffff;color:#1a1a1a;\
                    font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5";
const BANNER: &str = "margin:0 0 16px;padding:12px;background:#fff3b0;color:#000000;\
                      border:3px solid #000000;font-weight:bold;font-size:18px";
const LINK: &str = "color:#0645ad;text-decoration:underline";
const RULE: &str = "border:0;border-top:1px solid #5c5c5c;margin:24px 0";

/// The whole HTML document.
pub(crate) fn html(content: &Content<'_>, subject: &str) -> String {
    let lang = content.first().map_or("en", |s| s.text.language.as_str());
    let mut out = String::with_capacity(4096);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{l}\" dir=\"auto\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{t}</title>\n</head>\n\
         <body style=\"{BODY}\">\n<div role=\"article\" aria-label=\"{t}\" lang=\"{l}\" style=\"max-width:640px;margin:0 auto\">\n",
        l = escape(lang),
        t = escape(subject),
    );
    for (n, section) in content.sections.iter().enumerate() {
        if n == 1 {
            let heading = labels(lang).other_languages;
            let _ = write!(out, "<hr style=\"{RULE}\">\n<p style=\"margin:0;color:#3d3d3d\">{}</p>\n", escape(heading));
        } else if n > 1 {
            let _ = writeln!(out, "<hr style=\"{RULE}\">");
        }
        write_section(&mut out, content, section, n == 0);
    }
    if let Some(url) = content.unsubscribe {
        let _ = write!(
            out,
            "<hr style=\"{RULE}\">\n<p style=\"font-size:14px;color:#3d3d3d\"><a href=\"{u}\" style=\"{LINK}\">{w}</a></p>\n",
            u = escape(url),
            w = escape(labels(lang).unsubscribe),
        );
    }
    out.push_str("</div>\n</body>\n</html>\n");
    out
}

/// One language's section: the reader's gets the `h1`, the others `h2`.
fn write_section(out: &mut String, content: &Content<'_>, section: &Section, first: bool) {
    let t = &section.text;
    let words = labels(&t.language);
    let (h, sub) = if first { ("h1", "h2") } else { ("h2", "h3") };
    let _ = writeln!(out, "<section lang=\"{}\">", escape(&t.language));
    if let Some(sentence) = words.not_real(content.status) {
        let marker = section.marker.as_deref().unwrap_or_default();
        let _ = writeln!(out, "<p style=\"{BANNER}\">{}: {}</p>", escape(marker), escape(sentence));
    } else if let Some(marker) = &section.marker {
        let _ = writeln!(out, "<p style=\"{BANNER}\">{}</p>", escape(marker));
    }
    let _ = writeln!(
        out,
        "<{h} style=\"margin:0 0 12px;font-size:{}px;line-height:1.3\">{}: {}</{h}>",
        if first { 26 } else { 22 },
        escape(&t.severity),
        escape(&t.headline)
    );
    if let Some(d) = &t.description {
        paragraphs(out, d);
    }
    if let Some(i) = &t.instruction {
        let _ = writeln!(out, "<{sub} style=\"margin:16px 0 8px;font-size:20px\">{}</{sub}>", escape(words.what_to_do));
        paragraphs(out, i);
    }
    let facts = [
        (words.area, t.area.clone()),
        (words.issued_by, t.sender_name.clone()),
        (words.expires, t.expires.as_deref().map(readable_time)),
    ];
    for (label, value) in facts {
        if let Some(v) = value {
            let _ = writeln!(out, "<p style=\"margin:8px 0\"><strong>{}:</strong> {}</p>", escape(label), escape(&v));
        }
    }
    if let Some(url) = content.link {
        let _ = writeln!(
            out,
            "<p style=\"margin:16px 0\"><a href=\"{}\" style=\"{LINK}\">{}</a></p>",
            escape(url),
            escape(words.read_more)
        );
    }
    out.push_str("</section>\n");
}

/// Text as paragraphs: blank lines separate paragraphs, single line breaks stay breaks.
fn paragraphs(out: &mut String, text: &str) {
    let normalised = text.replace("\r\n", "\n");
    for para in normalised.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        let lines: Vec<String> = para.lines().map(escape).collect();
        let _ = writeln!(out, "<p style=\"margin:0 0 12px\">{}</p>", lines.join("<br>\n"));
    }
}

/// Text made safe for HTML content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<script>a("x" & 'y')</script>"#),
            "&lt;script&gt;a(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;"
        );
    }

    #[test]
    fn blank_lines_make_paragraphs() {
        let mut out = String::new();
        paragraphs(&mut out, "one\ntwo\r\n\r\nthree <b>");
        assert_eq!(
            out,
            "<p style=\"margin:0 0 12px\">one<br>\ntwo</p>\n<p style=\"margin:0 0 12px\">three &lt;b&gt;</p>\n"
        );
    }
}
