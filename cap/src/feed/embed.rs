//! CAP alerts carried inline in a feed: cut out of the feed with the namespace declarations
//! they inherit, then read as documents of their own.

use super::{Entry, FeedCtx};
use crate::findings::Position;
use crate::read::cursor::{Elem, Fatal};

impl<'a> FeedCtx<'a> {
    /// Reads the inline CAP alert whose start tag was just read into the entry: its report,
    /// and its text as a document of its own.
    pub(super) fn embedded_alert(&mut self, elem: &Elem<'a>, entry: &mut Entry) -> Result<(), Fatal> {
        let inherited = self.cur.prefixes_in_scope();
        let raw = self.cur.capture(elem)?;
        let ns = match &elem.ns {
            crate::read::cursor::Ns::Cap(v) => v.namespace(),
            _ => "",
        };
        let standalone = with_namespaces(raw, &inherited, ns);
        let mut report = self.alerts.check(standalone.as_bytes());
        let origin = self.lines.position(elem.start);
        for f in &mut report.findings {
            f.position = Some(shift(f.position, origin));
        }
        entry.alerts.push(report);
        entry.inline.push(standalone);
        Ok(())
    }
}

/// The element's text with the namespace declarations it inherits added to its start tag.
fn with_namespaces(raw: &str, inherited: &[(String, String)], default_ns: &str) -> String {
    let name_end = raw[1..].find(|c: char| c.is_whitespace() || c == '>' || c == '/').map_or(raw.len(), |i| i + 1);
    let tag_end = raw.find('>').unwrap_or(raw.len());
    let start_tag = &raw[..tag_end];
    let mut decls = String::new();
    for (prefix, uri) in inherited {
        if !start_tag.contains(&format!("xmlns:{prefix}")) {
            decls.push_str(&format!(" xmlns:{prefix}=\"{}\"", crate::write::escape(uri, true)));
        }
    }
    let unprefixed = !raw[1..name_end].contains(':');
    if unprefixed && !start_tag.contains("xmlns=") && !start_tag.contains("xmlns =") && !default_ns.is_empty() {
        decls.push_str(&format!(" xmlns=\"{default_ns}\""));
    }
    format!("{}{decls}{}", &raw[..name_end], &raw[name_end..])
}

/// A position inside an inline alert as a position in the feed.
fn shift(p: Option<Position>, origin: Position) -> Position {
    match p {
        Some(p) if p.line == 1 => Position { line: origin.line, column: origin.column + p.column - 1 },
        Some(p) => Position { line: origin.line + p.line - 1, column: p.column },
        None => origin,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_only_missing_declarations() {
        let raw = "<cap:alert xmlns:x=\"u\"><cap:identifier>1</cap:identifier></cap:alert>";
        let out = with_namespaces(raw, &[("cap".into(), "urn:c".into()), ("x".into(), "u".into())], "urn:c");
        assert!(out.starts_with("<cap:alert xmlns:cap=\"urn:c\" xmlns:x=\"u\">"), "{out}");
        let plain = with_namespaces("<alert><a/></alert>", &[], "urn:c");
        assert_eq!(plain, "<alert xmlns=\"urn:c\"><a/></alert>");
    }
}
