//! The public Atom index feed of active alerts, as CAP aggregators read it: one entry per
//! message, linking to its CAP document (`application/cap+xml`), with the CAP index fields.

use std::fmt::Write as _;

use cap_alerts::model::Status;
use cap_alerts::{Mode, Reader};
use chrono::{SecondsFormat, TimeZone, Utc};

use super::alerts::build::marking;
use crate::config::Settings;
use crate::db::alerts::AlertRow;

/// Escapes text for XML content and attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(c),
        }
    }
    out
}

pub fn rfc3339(ms: i64) -> String {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default().to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The URL of an alert's CAP document.
pub fn cap_url(settings: &Settings, id: i64) -> String {
    format!("{}/cap/alerts/{id}.xml", settings.server.public_url.trim_end_matches('/'))
}

/// Where residents read an alert: the resident app's page of it.
pub fn page_url(settings: &Settings, id: i64) -> String {
    format!("{}/alerts/{id}", settings.server.public_url.trim_end_matches('/'))
}

/// The feed for the given issued public alerts.
pub fn atom(settings: &Settings, rows: &[AlertRow], now_ms: i64) -> String {
    let base = settings.server.public_url.trim_end_matches('/');
    let updated = rows.iter().filter_map(|r| r.issued_ms).max().unwrap_or(now_ms);
    let mut out = String::with_capacity(1024 + rows.len() * 1024);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\" xmlns:cap=\"urn:oasis:names:tc:emergency:cap:1.2\">\n");
    let _ = writeln!(out, "  <id>{}</id>", escape(&format!("{base}/cap/alerts.atom")));
    let _ = writeln!(out, "  <title>{}</title>", escape(&settings.feed.title));
    let _ = writeln!(out, "  <updated>{}</updated>", rfc3339(updated));
    let _ = writeln!(out, "  <author><name>{}</name></author>", escape(&settings.cap.sender_name));
    let _ = writeln!(
        out,
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>",
        escape(&format!("{base}/cap/alerts.atom"))
    );
    for row in rows {
        entry(&mut out, settings, row);
    }
    out.push_str("</feed>\n");
    out
}

fn entry(out: &mut String, settings: &Settings, row: &AlertRow) {
    let Some(doc) = row.cap_xml.as_deref().and_then(|x| Reader::new().mode(Mode::Lenient).read(x).ok()) else {
        return;
    };
    let a = &doc.alert;
    let info = a.infos.first();
    let status: Status = a.status;
    let mark = marking(status).map(|m| format!("[{}] ", m.split(' ').next().unwrap_or(m))).unwrap_or_default();
    let headline = info
        .and_then(|i| i.headline.clone())
        .or_else(|| info.map(|i| i.event.clone()))
        .unwrap_or_else(|| format!("{} {}", a.msg_type, a.identifier));
    let url = cap_url(settings, row.id);
    let sent = a.sent.to_utc().timestamp_millis();
    out.push_str("  <entry>\n");
    let _ = writeln!(out, "    <id>{}</id>", escape(&url));
    let _ = writeln!(out, "    <title>{}</title>", escape(&format!("{mark}{headline}")));
    let _ = writeln!(out, "    <updated>{}</updated>", rfc3339(row.issued_ms.unwrap_or(sent)));
    let _ = writeln!(out, "    <published>{}</published>", rfc3339(sent));
    let sender = info.and_then(|i| i.sender_name.clone()).unwrap_or_else(|| settings.cap.sender_name.clone());
    let _ = writeln!(out, "    <author><name>{}</name></author>", escape(&sender));
    let _ = writeln!(out, "    <link rel=\"alternate\" type=\"application/cap+xml\" href=\"{}\"/>", escape(&url));
    if let Some(d) = info.and_then(|i| i.description.as_deref()) {
        let summary: String = d.chars().take(500).collect();
        let _ = writeln!(out, "    <summary>{}</summary>", escape(&format!("{mark}{summary}")));
    }
    let mut cap = |name: &str, value: &str| {
        let _ = writeln!(out, "    <cap:{name}>{}</cap:{name}>", escape(value));
    };
    cap("identifier", a.identifier.as_str());
    cap("sender", a.sender.as_str());
    cap("sent", &a.sent.to_string());
    cap("status", a.status.as_str());
    cap("msgType", a.msg_type.as_str());
    cap("scope", a.scope.as_str());
    if let Some(i) = info {
        cap("event", &i.event);
        cap("urgency", i.urgency.as_str());
        cap("severity", i.severity.as_str());
        cap("certainty", i.certainty.as_str());
        if let Some(e) = i.expires {
            cap("expires", &e.to_string());
        }
        let areas: Vec<&str> = i.areas.iter().map(|a| a.area_desc.as_str()).collect();
        if !areas.is_empty() {
            cap("areaDesc", &areas.join("; "));
        }
    }
    out.push_str("  </entry>\n");
}
