//! RSS 2.0 index feeds.

use super::atom::next;
use super::{Entry, Feed, FeedCtx, FeedKind, Link};
use crate::codes::Code;
use crate::read::cursor::{Elem, Fatal, Next, Ns};

pub(super) fn read(ctx: &mut FeedCtx<'_>, root: &Elem<'_>) -> Result<Feed, Fatal> {
    let mut feed =
        Feed { kind: FeedKind::Rss, id: None, title: None, updated: None, entries: Vec::new(), findings: Vec::new() };
    let mut channel = false;
    while let Next::Child(c) = next(ctx, "/rss")? {
        if c.ns == Ns::None && c.local == "channel" && !channel {
            channel = true;
            read_channel(ctx, &c, &mut feed)?;
        } else {
            ctx.cur.skip(&c)?;
        }
    }
    if !channel {
        ctx.report(Code::FeedMissingElement, "/rss", root.start, "<rss> requires <channel>");
    }
    Ok(feed)
}

fn read_channel(ctx: &mut FeedCtx<'_>, channel: &Elem<'_>, feed: &mut Feed) -> Result<(), Fatal> {
    let mut description = None;
    while let Next::Child(c) = next(ctx, "/rss/channel")? {
        if c.ns != Ns::None {
            ctx.cur.skip(&c)?;
            continue;
        }
        match c.local.as_str() {
            "title" => feed.title = Some(ctx.cur.text()?.0.trim().to_owned()),
            "link" => feed.id = Some(ctx.cur.text()?.0.trim().to_owned()),
            "description" => description = Some(ctx.cur.text()?.0),
            "lastBuildDate" | "pubDate" => {
                let d = ctx.cur.text()?.0.trim().to_owned();
                if c.local == "lastBuildDate" || feed.updated.is_none() {
                    feed.updated = Some(d);
                }
            }
            "item" => {
                let path = format!("/rss/channel/item[{}]", feed.entries.len() + 1);
                let item = read_item(ctx, &c, &path)?;
                feed.entries.push(item);
            }
            _ => ctx.cur.skip(&c)?,
        }
    }
    for (name, missing) in
        [("title", feed.title.is_none()), ("link", feed.id.is_none()), ("description", description.is_none())]
    {
        if missing {
            ctx.report(Code::FeedMissingElement, "/rss/channel", channel.start, format!("<channel> requires <{name}>"));
        }
    }
    Ok(())
}

fn read_item(ctx: &mut FeedCtx<'_>, item: &Elem<'_>, path: &str) -> Result<Entry, Fatal> {
    let mut e = Entry::default();
    let mut description = None;
    while let Next::Child(c) = next(ctx, path)? {
        if c.ns != Ns::None {
            ctx.cur.skip(&c)?;
            continue;
        }
        match c.local.as_str() {
            "title" => e.title = Some(ctx.cur.text()?.0.trim().to_owned()),
            "description" => description = Some(ctx.cur.text()?.0.trim().to_owned()),
            "guid" => e.id = Some(ctx.cur.text()?.0.trim().to_owned()),
            "pubDate" => e.updated = Some(ctx.cur.text()?.0.trim().to_owned()),
            "link" => {
                let href = ctx.cur.text()?.0.trim().to_owned();
                if !href.is_empty() {
                    e.links.push(Link { href, rel: None, media_type: None });
                }
            }
            "enclosure" => {
                if let Some(href) = c.attr("url") {
                    e.links.push(Link { href, rel: Some("enclosure".into()), media_type: c.attr("type") });
                }
                ctx.cur.skip(&c)?;
            }
            _ => ctx.cur.skip(&c)?,
        }
    }
    let blank = |v: &Option<String>| v.as_deref().is_none_or(str::is_empty);
    if blank(&e.title) && blank(&description) {
        ctx.report(Code::ItemWithoutTitle, path, item.start, "an item needs a <title> or a <description>");
    }
    e.cap_link = e.links.first().map(|l| l.href.clone());
    if e.cap_link.is_none() {
        ctx.report(Code::EntryWithoutCap, path, item.start, "the item has no <link> to its CAP message");
    }
    if blank(&e.id) {
        ctx.report(Code::RssItemWithoutGuid, path, item.start, "the item has no <guid>");
    }
    Ok(e)
}
