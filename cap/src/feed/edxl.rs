//! EDXL-DE 1.0 distributions that carry CAP alerts in their content objects.

use super::atom::next;
use super::{EDXL_NS, Entry, Feed, FeedCtx, FeedKind};
use crate::codes::Code;
use crate::read::cursor::{Elem, Fatal, Next, Ns};

const REQUIRED: &[&str] = &[
    "distributionID",
    "senderID",
    "dateTimeSent",
    "distributionStatus",
    "distributionType",
    "combinedConfidentiality",
];

fn is_edxl(e: &Elem<'_>) -> bool {
    matches!(&e.ns, Ns::Other(ns) if ns == EDXL_NS)
}

pub(super) fn read(ctx: &mut FeedCtx<'_>, root: &Elem<'_>) -> Result<Feed, Fatal> {
    let mut feed =
        Feed { kind: FeedKind::Edxl, id: None, title: None, updated: None, entries: Vec::new(), findings: Vec::new() };
    let mut present = Vec::new();
    while let Next::Child(c) = next(ctx, "/EDXLDistribution")? {
        if !is_edxl(&c) {
            ctx.cur.skip(&c)?;
            continue;
        }
        present.push(c.local.clone());
        match c.local.as_str() {
            "distributionID" => feed.id = Some(ctx.cur.text()?.0.trim().to_owned()),
            "dateTimeSent" => feed.updated = Some(ctx.cur.text()?.0.trim().to_owned()),
            "contentObject" => {
                let path = format!("/EDXLDistribution/contentObject[{}]", feed.entries.len() + 1);
                let entry = content_object(ctx, &c, &path, feed.entries.len() + 1, feed.id.as_deref())?;
                feed.entries.push(entry);
            }
            _ => ctx.cur.skip(&c)?,
        }
    }
    for name in REQUIRED.iter().filter(|n| !present.iter().any(|p| p == *n)) {
        ctx.report(
            Code::FeedMissingElement,
            "/EDXLDistribution",
            root.start,
            format!("<EDXLDistribution> requires <{name}>"),
        );
    }
    if feed.entries.is_empty() {
        ctx.report(Code::EdxlWithoutCap, "/EDXLDistribution", root.start, "the distribution has no <contentObject>");
    }
    Ok(feed)
}

fn content_object(
    ctx: &mut FeedCtx<'_>,
    obj: &Elem<'_>,
    path: &str,
    n: usize,
    dist: Option<&str>,
) -> Result<Entry, Fatal> {
    let mut e = Entry { id: dist.map(|d| format!("{d}#{n}")), ..Entry::default() };
    descend(ctx, &mut e)?;
    if e.alerts.is_empty() {
        ctx.report(Code::EdxlWithoutCap, path, obj.start, "the content object carries no CAP alert");
    }
    Ok(e)
}

/// Walks a content object down to `embeddedXMLContent`, reading CAP alerts found there.
fn descend(ctx: &mut FeedCtx<'_>, e: &mut Entry) -> Result<(), Fatal> {
    loop {
        match ctx.cur.next_child()? {
            Next::End => return Ok(()),
            Next::StrayText(_) => {}
            Next::Child(c) if matches!(c.ns, Ns::Cap(_)) && c.local == "alert" => {
                ctx.embedded_alert(&c, e)?;
            }
            Next::Child(c) if is_edxl(&c) && c.local == "contentDescription" => {
                e.title = Some(ctx.cur.text()?.0.trim().to_owned());
            }
            Next::Child(c) if is_edxl(&c) && matches!(c.local.as_str(), "xmlContent" | "embeddedXMLContent") => {
                descend(ctx, e)?;
            }
            Next::Child(c) => ctx.cur.skip(&c)?,
        }
    }
}
