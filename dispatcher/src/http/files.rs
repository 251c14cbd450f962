//! Static files embedded in the binary (the display page, the admin app): served with their
//! media type, an ETag from their content, `Cache-Control: no-cache` and `nosniff`, and a bare
//! 304 when the client already has them.

use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;

pub use super::etag::of as etag;

/// Every load revalidates (a cheap 304), so an upgraded server's page reaches browsers on their
/// next load and never a stale mix of old and new modules.
const CACHE: &str = "no-cache";

/// Answers with a file, or 304 when `If-None-Match` names its ETag.
pub fn serve(media: &'static str, body: &'static [u8], etag: &str, headers: &HeaderMap) -> Response {
    let mut resp = super::etag::respond_static(headers, body, etag, media, CACHE);
    resp.headers_mut().insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    resp
}

/// Scripts and styles only from this origin and no inline ones, requests only back to it, and
/// every DOM sink guarded by Trusted Types (the pages write text, never markup).
pub const PAGE_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
     img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; \
     require-trusted-types-for 'script'; trusted-types 'none'";
