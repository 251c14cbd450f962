//! Fetching feeds and the CAP documents they link to: http and https only, through the
//! outbound guard (no address inside the network, no redirect followed), conditional
//! requests, a deadline and a size limit, and errors with stable codes (`FEED-…`) that name
//! the URL without its query string.

use std::time::Duration;

use channels::outbound::{Guard, Schemes};
use reqwest::StatusCode;
use reqwest::header::{ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, LOCATION};
use serde::{Deserialize, Serialize};

use crate::config::Feeds;

/// The codes of what can go wrong in a poll, with their meaning, as listed in
/// `docs/api-errors.md`.
pub const CODES: &[(&str, &str)] = &[
    ("FEED-001", "the server could not be reached, did not answer in time, or broke off"),
    ("FEED-002", "the server answered an HTTP error status"),
    ("FEED-003", "the document is larger than `feeds.max_document_bytes`"),
    ("FEED-004", "not a readable Atom, RSS or EDXL-DE feed"),
    ("FEED-005", "the feed breaks the feed format (its valid alerts are still taken)"),
    ("FEED-006", "a CAP message in the feed has errors and is not taken"),
    ("FEED-007", "a link is not an http:// or https:// URL, or names an address Tocsin does not fetch (`outbound`)"),
    ("FEED-008", "a required signature is missing or does not verify"),
    ("FEED-009", "Tocsin could not decide or store (database, `territory.areas`)"),
];

/// The codes as a Markdown table, as kept in `docs/api-errors.md`.
pub fn codes_markdown() -> String {
    let mut out = String::from("| code | meaning |\n|---|---|\n");
    for (code, meaning) in CODES {
        out.push_str(&format!("| `{code}` | {meaning} |\n"));
    }
    out
}

/// A failure of one poll, as recorded on the subscription.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FeedError {
    /// The stable code, listed in `docs/feeds.md`.
    pub code: String,
    /// What happened.
    pub message: String,
}

impl FeedError {
    /// An error with a code.
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        FeedError { code: code.into(), message: message.into() }
    }
}

/// What a GET answered.
#[derive(Debug)]
pub enum Fetched {
    /// 304: nothing changed since the validators sent.
    NotModified,
    /// A new body and its validators.
    Body {
        /// The body, at most `feeds.max_document_bytes`.
        bytes: Vec<u8>,
        /// The `ETag` answered.
        etag: Option<String>,
        /// The `Last-Modified` answered.
        last_modified: Option<String>,
    },
}

/// The HTTP client for feeds and the guard its URLs pass: a feed's publisher chooses the
/// links inside it, so every one is checked like a URL staff typed.
#[derive(Clone)]
pub struct FeedClient {
    http: reqwest::Client,
    guard: Guard,
}

/// The HTTP client for feeds: the settings' deadline, the outbound guard, no redirects (a
/// redirect is a URL nobody checked), no cookies.
pub fn client(settings: &Feeds, guard: Guard) -> Result<FeedClient, FeedError> {
    let timeout = Duration::from_secs(u64::from(settings.timeout_seconds));
    let http = guard
        .builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .user_agent(concat!("Tocsin/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| FeedError::new("FEED-001", format!("the HTTP client could not be made: {e}")))?;
    Ok(FeedClient { http, guard })
}

/// The URL as logs and errors show it: no user information, query or fragment (they may
/// hold a key).
pub fn shown(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) => format!("{}://{}{}", u.scheme(), u.host_str().unwrap_or(""), port(&u)) + u.path(),
        Err(_) => url.split(['?', '#']).next().unwrap_or("").chars().take(200).collect(),
    }
}

fn port(u: &reqwest::Url) -> String {
    u.port().map(|p| format!(":{p}")).unwrap_or_default()
}

/// Whether a URL may be fetched: absolute http or https with a host.
pub fn fetchable(url: &str) -> bool {
    reqwest::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
}

/// GETs a URL, sending the validators given; the body is cut off at the size limit.
pub async fn get(
    client: &FeedClient,
    settings: &Feeds,
    url: &str,
    etag: Option<&str>,
    last_modified: Option<&str>,
) -> Result<Fetched, FeedError> {
    let checked = client.guard.check_url(url, Schemes::HttpOrHttps);
    let url = checked.map_err(|why| FeedError::new("FEED-007", format!("{} {why}", shown(url))))?;
    let mut req = client.http.get(url.clone());
    let url = url.as_str();
    if let Some(e) = etag {
        req = req.header(IF_NONE_MATCH, e);
    }
    if let Some(m) = last_modified {
        req = req.header(IF_MODIFIED_SINCE, m);
    }
    let mut resp = req.send().await.map_err(|e| unreachable(url, &e))?;
    if resp.status() == StatusCode::NOT_MODIFIED {
        return Ok(Fetched::NotModified);
    }
    if resp.status().is_redirection() {
        let to = resp.headers().get(LOCATION).and_then(|v| v.to_str().ok()).map(shown).unwrap_or_default();
        let why =
            format!("{} answered {}: redirects are not followed; subscribe to {to} itself", shown(url), resp.status());
        return Err(FeedError::new("FEED-002", why));
    }
    if !resp.status().is_success() {
        return Err(FeedError::new("FEED-002", format!("{} answered {}", shown(url), resp.status())));
    }
    let header = |r: &reqwest::Response, h| r.headers().get(h).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (etag, last_modified) = (header(&resp, ETAG), header(&resp, LAST_MODIFIED));
    let max = settings.max_document_bytes;
    if resp.content_length().is_some_and(|n| n > max as u64) {
        return Err(too_large(url, max));
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| unreachable(url, &e))? {
        if bytes.len() + chunk.len() > max {
            return Err(too_large(url, max));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Fetched::Body { bytes, etag, last_modified })
}

fn unreachable(url: &str, e: &reqwest::Error) -> FeedError {
    let what = if e.is_timeout() {
        "did not answer in time"
    } else if e.is_connect() {
        "could not be reached"
    } else {
        "failed mid-answer"
    };
    FeedError::new("FEED-001", format!("{} {what}", shown(url)))
}

fn too_large(url: &str, max: usize) -> FeedError {
    FeedError::new("FEED-003", format!("{} is larger than feeds.max_document_bytes ({max} bytes)", shown(url)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_documented() {
        let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/api-errors.md")).unwrap();
        assert!(doc.contains(&codes_markdown()), "update the table in docs/api-errors.md:\n{}", codes_markdown());
    }

    #[test]
    fn urls_are_shown_without_secrets() {
        assert_eq!(
            shown("https://user:pw@example.org:8443/cap/feed.atom?key=s3cret#x"),
            "https://example.org:8443/cap/feed.atom"
        );
        assert_eq!(shown("not a url?key=1"), "not a url");
        assert!(fetchable("http://127.0.0.1:9/feed"));
        assert!(!fetchable("file:///etc/passwd"));
        assert!(!fetchable("ftp://example.org/a"));
    }
}
