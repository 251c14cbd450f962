//! Atom 1.0 index feeds (RFC 4287).

use std::collections::HashSet;

use super::{ATOM_NS, Entry, Feed, FeedCtx, FeedKind, Link, is_rfc3339};
use crate::codes::Code;
use crate::read::cursor::{Elem, Fatal, Next, Ns};

const FEED_ELEMENTS: &[&str] =
    &["author", "category", "contributor", "generator", "icon", "logo", "rights", "subtitle", "link"];
const ENTRY_ELEMENTS: &[&str] = &["author", "category", "contributor", "published", "rights", "source", "summary"];
const CAP_TYPES: &[&str] = &["application/cap+xml", "application/common-alerting-protocol+xml"];

fn is_atom(e: &Elem<'_>) -> bool {
    matches!(&e.ns, Ns::Other(ns) if ns == ATOM_NS)
}

pub(super) fn read(ctx: &mut FeedCtx<'_>, root: &Elem<'_>) -> Result<Feed, Fatal> {
    let mut feed =
        Feed { kind: FeedKind::Atom, id: None, title: None, updated: None, entries: Vec::new(), findings: Vec::new() };
    let mut updated_at = root.start;
    while let Next::Child(e) = next(ctx, "/feed")? {
        if !is_atom(&e) {
            ctx.cur.skip(&e)?;
            continue;
        }
        match e.local.as_str() {
            "id" => feed.id = Some(ctx.cur.text()?.0.trim().to_owned()),
            "title" => feed.title = Some(ctx.cur.text()?.0.trim().to_owned()),
            "updated" => {
                updated_at = e.start;
                feed.updated = Some(ctx.cur.text()?.0.trim().to_owned());
            }
            "entry" => {
                let path = format!("/feed/entry[{}]", feed.entries.len() + 1);
                let entry = read_entry(ctx, &e, &path)?;
                feed.entries.push(entry);
            }
            name if FEED_ELEMENTS.contains(&name) => ctx.cur.skip(&e)?,
            name => {
                ctx.report(
                    Code::FeedUnexpectedElement,
                    &format!("/feed/{name}"),
                    e.start,
                    format!("<{name}> is not an Atom feed element"),
                );
                ctx.cur.skip(&e)?;
            }
        }
    }
    for (name, v) in [("id", &feed.id), ("title", &feed.title), ("updated", &feed.updated)] {
        if v.as_deref().is_none_or(str::is_empty) {
            ctx.report(Code::FeedMissingElement, "/feed", root.start, format!("<feed> requires <{name}>"));
        }
    }
    if feed.updated.as_deref().is_some_and(|u| !u.is_empty() && !is_rfc3339(u)) {
        ctx.report(Code::FeedDateInvalid, "/feed/updated", updated_at, "<updated> is not an RFC 3339 date-time");
    }
    let mut seen = HashSet::new();
    for (i, e) in feed.entries.iter().enumerate() {
        if let Some(id) = &e.id
            && !seen.insert(id.clone())
        {
            ctx.report(
                Code::DuplicateEntryId,
                &format!("/feed/entry[{}]/id", i + 1),
                root.start,
                format!("the entry id {id} is used twice"),
            );
        }
    }
    Ok(feed)
}

/// The next child element; stray text is reported.
pub(super) fn next<'a>(ctx: &mut FeedCtx<'a>, path: &str) -> Result<Next<'a>, Fatal> {
    loop {
        match ctx.cur.next_child()? {
            Next::StrayText(at) => {
                ctx.report(Code::TextNotAllowed, path, at, "character data where only elements belong")
            }
            other => return Ok(other),
        }
    }
}

fn read_entry(ctx: &mut FeedCtx<'_>, entry: &Elem<'_>, path: &str) -> Result<Entry, Fatal> {
    let mut e = Entry::default();
    let mut content_src = None;
    while let Next::Child(c) = next(ctx, path)? {
        if !is_atom(&c) {
            ctx.cur.skip(&c)?;
            continue;
        }
        match c.local.as_str() {
            "id" => e.id = Some(ctx.cur.text()?.0.trim().to_owned()),
            "title" => e.title = Some(ctx.cur.text()?.0.trim().to_owned()),
            "updated" => {
                let u = ctx.cur.text()?.0.trim().to_owned();
                if !is_rfc3339(&u) {
                    ctx.report(
                        Code::FeedDateInvalid,
                        &format!("{path}/updated"),
                        c.start,
                        "<updated> is not an RFC 3339 date-time",
                    );
                }
                e.updated = Some(u);
            }
            "link" => {
                if let Some(href) = c.attr("href") {
                    e.links.push(Link { href, rel: c.attr("rel"), media_type: c.attr("type") });
                }
                ctx.cur.skip(&c)?;
            }
            "content" => {
                content_src = c.attr("src");
                content(ctx, &mut e, &format!("{path}/content"))?;
            }
            name if ENTRY_ELEMENTS.contains(&name) => ctx.cur.skip(&c)?,
            name => {
                ctx.report(
                    Code::FeedUnexpectedElement,
                    &format!("{path}/{name}"),
                    c.start,
                    format!("<{name}> is not an Atom entry element"),
                );
                ctx.cur.skip(&c)?;
            }
        }
    }
    for (name, v) in [("id", &e.id), ("title", &e.title), ("updated", &e.updated)] {
        if v.as_deref().is_none_or(str::is_empty) {
            ctx.report(Code::EntryMissingElement, path, entry.start, format!("<entry> requires <{name}>"));
        }
    }
    e.cap_link = content_src.or_else(|| cap_link(&e.links));
    if e.cap_link.is_none() && e.alerts.is_empty() {
        ctx.report(
            Code::EntryWithoutCap,
            path,
            entry.start,
            "the entry has no link to a CAP message and no CAP message as content",
        );
    }
    Ok(e)
}

fn content(ctx: &mut FeedCtx<'_>, e: &mut Entry, path: &str) -> Result<(), Fatal> {
    loop {
        match ctx.cur.next_child()? {
            Next::End => return Ok(()),
            Next::StrayText(_) => {}
            Next::Child(c) if matches!(c.ns, Ns::Cap(_)) && c.local == "alert" => {
                ctx.embedded_alert(&c, e)?;
            }
            Next::Child(c) => {
                let _ = path;
                ctx.cur.skip(&c)?;
            }
        }
    }
}

/// The link most likely to lead to the CAP message: one typed as CAP; else the only
/// alternate link; else the only link that is not an image, audio or video.
fn cap_link(links: &[Link]) -> Option<String> {
    if let Some(l) = links.iter().find(|l| l.media_type.as_deref().is_some_and(|t| CAP_TYPES.contains(&t))) {
        return Some(l.href.clone());
    }
    let alternates: Vec<&Link> = links.iter().filter(|l| l.rel.as_deref().is_none_or(|r| r == "alternate")).collect();
    if let [only] = alternates[..] {
        return Some(only.href.clone());
    }
    let plain: Vec<&Link> = links
        .iter()
        .filter(|l| {
            !l.media_type
                .as_deref()
                .is_some_and(|t| t.starts_with("image/") || t.starts_with("audio/") || t.starts_with("video/"))
        })
        .collect();
    match plain[..] {
        [only] => Some(only.href.clone()),
        _ => None,
    }
}
