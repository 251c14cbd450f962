//! Static files embedded in the binary (the display page, the admin app): served with their
//! media type, an ETag from their content, `Cache-Control: no-cache` and `nosniff`, and a bare
//! 304 when the client already has them.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::domain::crypto::sha256_hex;

/// Every load revalidates (a cheap 304), so an upgraded server's page reaches browsers on their
/// next load and never a stale mix of old and new modules.
const CACHE: &str = "no-cache";

/// The ETag of a file's bytes.
pub fn etag(body: &[u8]) -> String {
    format!("\"{}\"", &sha256_hex(body)[..32])
}

/// Answers with a file, or 304 when `If-None-Match` names its ETag.
pub fn serve(media: &'static str, body: &'static [u8], etag: &str, headers: &HeaderMap) -> Response {
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut resp = if fresh { StatusCode::NOT_MODIFIED.into_response() } else { body.into_response() };
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE));
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    if let Ok(v) = HeaderValue::from_str(etag) {
        h.insert(header::ETAG, v);
    }
    resp
}

/// Scripts and styles only from this origin and no inline ones, requests only back to it, and
/// every DOM sink guarded by Trusted Types (the pages write text, never markup).
pub const PAGE_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
     img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; \
     require-trusted-types-for 'script'; trusted-types 'none'";
