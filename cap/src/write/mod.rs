//! The writer: the model out as canonical CAP 1.2 XML.
//!
//! Canonical here means: UTF-8, the CAP 1.2 namespace as the default namespace, elements in the
//! schema's order, two-space indentation, times in CAP form (UTC as `-00:00`), and signatures
//! copied byte for byte at the end of `<alert>`.

use std::fmt::Write as _;

use crate::model::{Alert, Area, Info, NamedValue, Resource, join_group};
use crate::read::CapVersion;

/// Writes an alert as CAP 1.2 XML.
pub fn write(alert: &Alert) -> String {
    let mut w = Xml { out: String::with_capacity(4096), depth: 0 };
    w.out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    w.out.push_str("<alert xmlns=\"");
    w.out.push_str(CapVersion::V1_2.namespace());
    w.out.push('"');
    let mut declared = Vec::new();
    for (prefix, uri) in alert.signatures.iter().flat_map(|s| &s.inherited_namespaces) {
        if !declared.contains(&prefix) {
            declared.push(prefix);
            let _ = write!(w.out, " xmlns:{prefix}=\"{}\"", escape(uri, true));
        }
    }
    w.out.push_str(">\n");
    w.depth = 1;
    alert_body(&mut w, alert);
    for s in &alert.signatures {
        w.indent();
        w.out.push_str(&s.xml);
        w.out.push('\n');
    }
    w.out.push_str("</alert>\n");
    w.out
}

fn alert_body(w: &mut Xml, a: &Alert) {
    w.text("identifier", a.identifier.as_str());
    w.text("sender", a.sender.as_str());
    w.text("sent", &a.sent.to_string());
    w.text("status", a.status.as_str());
    w.text("msgType", a.msg_type.as_str());
    w.opt("source", a.source.as_deref());
    w.text("scope", a.scope.as_str());
    w.opt("restriction", a.restriction.as_deref());
    if !a.addresses.is_empty() {
        w.text("addresses", &join_group(&a.addresses));
    }
    a.codes.iter().for_each(|c| w.text("code", c));
    w.opt("note", a.note.as_deref());
    if !a.references.is_empty() {
        let refs: Vec<String> = a.references.iter().map(ToString::to_string).collect();
        w.text("references", &refs.join(" "));
    }
    if !a.incidents.is_empty() {
        w.text("incidents", &join_group(&a.incidents));
    }
    for i in &a.infos {
        w.open("info");
        info(w, i);
        w.close("info");
    }
}

fn info(w: &mut Xml, i: &Info) {
    w.opt("language", i.language.as_ref().map(|l| l.as_str()));
    i.categories.iter().for_each(|c| w.text("category", c.as_str()));
    w.text("event", &i.event);
    i.response_types.iter().for_each(|r| w.text("responseType", r.as_str()));
    w.text("urgency", i.urgency.as_str());
    w.text("severity", i.severity.as_str());
    w.text("certainty", i.certainty.as_str());
    w.opt("audience", i.audience.as_deref());
    i.event_codes.iter().for_each(|p| w.pair("eventCode", p));
    for (name, t) in [("effective", i.effective), ("onset", i.onset), ("expires", i.expires)] {
        w.opt(name, t.map(|t| t.to_string()).as_deref());
    }
    w.opt("senderName", i.sender_name.as_deref());
    w.opt("headline", i.headline.as_deref());
    w.opt("description", i.description.as_deref());
    w.opt("instruction", i.instruction.as_deref());
    w.opt("web", i.web.as_ref().map(|u| u.as_str()));
    w.opt("contact", i.contact.as_deref());
    i.parameters.iter().for_each(|p| w.pair("parameter", p));
    i.resources.iter().for_each(|r| resource(w, r));
    i.areas.iter().for_each(|a| area(w, a));
}

fn resource(w: &mut Xml, r: &Resource) {
    w.open("resource");
    w.text("resourceDesc", &r.resource_desc);
    w.text("mimeType", r.mime_type.as_str());
    w.opt("size", r.size.map(|s| s.to_string()).as_deref());
    w.opt("uri", r.uri.as_deref());
    w.opt("derefUri", r.deref_uri.as_ref().map(|d| d.as_str()));
    w.opt("digest", r.digest.as_ref().map(|d| d.as_str()));
    w.close("resource");
}

fn area(w: &mut Xml, a: &Area) {
    w.open("area");
    w.text("areaDesc", &a.area_desc);
    a.polygons.iter().for_each(|p| w.text("polygon", &p.to_cap_text()));
    a.circles.iter().for_each(|c| w.text("circle", &c.to_cap_text()));
    a.geocodes.iter().for_each(|g| w.pair("geocode", g));
    w.opt("altitude", a.altitude.map(|v| v.to_string()).as_deref());
    w.opt("ceiling", a.ceiling.map(|v| v.to_string()).as_deref());
    w.close("area");
}

struct Xml {
    out: String,
    depth: usize,
}

impl Xml {
    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }

    fn open(&mut self, name: &str) {
        self.indent();
        let _ = writeln!(self.out, "<{name}>");
        self.depth += 1;
    }

    fn close(&mut self, name: &str) {
        self.depth -= 1;
        self.indent();
        let _ = writeln!(self.out, "</{name}>");
    }

    fn text(&mut self, name: &str, value: &str) {
        self.indent();
        let _ = writeln!(self.out, "<{name}>{}</{name}>", escape(value, false));
    }

    fn opt(&mut self, name: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.text(name, v);
        }
    }

    fn pair(&mut self, name: &str, p: &NamedValue) {
        self.open(name);
        self.text("valueName", &p.value_name);
        self.text("value", &p.value);
        self.close(name);
    }
}

/// Escapes text for XML content (and, with `attribute`, for a double-quoted attribute).
/// Carriage returns are written as references so that a reader's line-end handling keeps them.
pub(crate) fn escape(s: &str, attribute: bool) -> std::borrow::Cow<'_, str> {
    if !s.contains(['&', '<', '>', '\r', '"']) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            '"' if attribute => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}
