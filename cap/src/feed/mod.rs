//! CAP index feeds: Atom 1.0 and RSS 2.0 feeds that list alerts (by link or inline), and
//! EDXL-DE distributions that wrap them. The same safety rules as for CAP apply: no DOCTYPE,
//! no entities, a size limit.

mod atom;
mod edxl;
mod embed;
mod rss;

use serde::Serialize;

use crate::codes::Code;
use crate::document::{Reader, Report};
use crate::findings::Finding;
use crate::read::ReadOptions;
use crate::read::cursor::{Cursor, Ns};
use crate::read::lines::LineIndex;

const ATOM_NS: &str = "http://www.w3.org/2005/Atom";
const EDXL_NS: &str = "urn:oasis:names:tc:emergency:EDXL:DE:1.0";

/// The kind of feed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FeedKind {
    /// Atom 1.0 (RFC 4287).
    Atom,
    /// RSS 2.0.
    Rss,
    /// EDXL-DE 1.0.
    Edxl,
}

/// A link from an entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Link {
    /// The target.
    pub href: String,
    /// The relation, if given (`alternate`, `related`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rel: Option<String>,
    /// The media type, if given.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
}

/// One entry (Atom entry, RSS item, EDXL-DE content object).
#[derive(Clone, Debug, Default, Serialize)]
pub struct Entry {
    /// The entry's id (RSS: guid; EDXL-DE: the distribution id and content number).
    pub id: Option<String>,
    /// The title (EDXL-DE: the content description).
    pub title: Option<String>,
    /// When it was last updated, as written.
    pub updated: Option<String>,
    /// Its links.
    pub links: Vec<Link>,
    /// The link that most likely leads to the CAP message.
    pub cap_link: Option<String>,
    /// The CAP alerts carried inline, each read leniently with its findings.
    pub alerts: Vec<Report>,
    /// The text of each inline alert in `alerts` (same order), as a document of its own: its
    /// element as written, with the namespace declarations it inherits added to its start tag.
    /// A relay stores and forwards these bytes.
    #[serde(skip)]
    pub inline: Vec<String>,
}

/// A feed and what was found wrong with it.
#[derive(Clone, Debug, Serialize)]
pub struct Feed {
    /// Atom, RSS or EDXL-DE.
    pub kind: FeedKind,
    /// The feed's id (RSS: the channel link; EDXL-DE: the distribution id).
    pub id: Option<String>,
    /// The feed's title.
    pub title: Option<String>,
    /// When the feed was last updated, as written.
    pub updated: Option<String>,
    /// The entries.
    pub entries: Vec<Entry>,
    /// Findings about the feed itself (those of inline alerts are in each entry's reports).
    pub findings: Vec<Finding>,
}

impl Feed {
    /// Every finding, the feed's and those of inline alerts, the latter with paths prefixed by
    /// their entry's path, as in `/feed/entry[1]/content/alert/identifier`.
    pub fn all_findings(&self) -> Vec<Finding> {
        let mut out = self.findings.clone();
        let entry = match self.kind {
            FeedKind::Atom => "/feed/entry",
            FeedKind::Rss => "/rss/channel/item",
            FeedKind::Edxl => "/EDXLDistribution/contentObject",
        };
        for (i, e) in self.entries.iter().enumerate() {
            for r in &e.alerts {
                for f in &r.findings {
                    let mut f = f.clone();
                    f.path = format!("{entry}[{}]/content{}", i + 1, f.path);
                    out.push(f);
                }
            }
        }
        out
    }

    /// Whether the feed or any inline alert has an error.
    pub fn has_errors(&self) -> bool {
        self.all_findings().iter().any(Finding::is_error)
    }
}

/// Reads a feed. Fails only when the document is not a readable feed at all.
pub fn read_feed(bytes: &[u8], options: &ReadOptions) -> Result<Feed, Finding> {
    let text = crate::read::prepare_text(bytes, options.max_bytes)?;
    let lines = LineIndex::new(&text);
    let mut cur = Cursor::new(&text, options.max_depth);
    let located = |mut f: Finding, at: usize| {
        f.position = Some(lines.position(at));
        f
    };
    let root = cur.root().map_err(|f| located(f, cur.failure_offset()))?;
    let alerts = Reader::new().mode(crate::Mode::Lenient).options(*options);
    let mut ctx = FeedCtx { cur, lines: &lines, findings: Vec::new(), alerts };
    let kind = match (&root.ns, root.local.as_str()) {
        (Ns::Other(ns), "feed") if ns == ATOM_NS => FeedKind::Atom,
        (Ns::None, "rss") => FeedKind::Rss,
        (Ns::Other(ns), "EDXLDistribution") if ns == EDXL_NS => FeedKind::Edxl,
        (_, local) => {
            return Err(located(
                Finding::new(
                    Code::NotAFeed,
                    "/",
                    format!(
                        "the root element <{local}> is not an Atom <feed>, an RSS <rss> or an EDXL-DE <EDXLDistribution>"
                    ),
                ),
                root.start,
            ));
        }
    };
    let result = match kind {
        FeedKind::Atom => atom::read(&mut ctx, &root),
        FeedKind::Rss => rss::read(&mut ctx, &root),
        FeedKind::Edxl => edxl::read(&mut ctx, &root),
    };
    let mut feed =
        result.and_then(|f| ctx.cur.finish().map(|()| f)).map_err(|f| located(f, ctx.cur.failure_offset()))?;
    feed.findings.splice(0..0, ctx.findings);
    feed.findings.sort_by_key(|f| f.position.map_or((u32::MAX, u32::MAX), |p| (p.line, p.column)));
    Ok(feed)
}

/// What the feed readers share: the cursor, positions, findings, and the reader for inline
/// alerts.
struct FeedCtx<'a> {
    cur: Cursor<'a>,
    lines: &'a LineIndex<'a>,
    findings: Vec<Finding>,
    alerts: Reader,
}

impl FeedCtx<'_> {
    fn report(&mut self, code: Code, path: &str, at: usize, message: impl Into<String>) {
        let mut f = Finding::new(code, path, message);
        f.position = Some(self.lines.position(at));
        self.findings.push(f);
    }
}

/// Whether a text is an RFC 3339 date-time (`2010-08-31T00:48:10Z`, `…-04:00`, with optional
/// fractions of a second).
fn is_rfc3339(s: &str) -> bool {
    crate::model::CapDateTime::parse_lenient(s.trim()).is_ok()
}
