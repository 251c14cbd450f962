//! Conditional GETs: a strong ETag over the body, and 304 Not Modified when the client already
//! holds it, so a phone or a kiosk that polls pays for headers only.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::domain::crypto::sha256_hex;
use crate::domain::error::Error;

/// The ETag of a body: 128 bits of its SHA-256, quoted.
pub fn of(body: &[u8]) -> String {
    format!("\"{}\"", &sha256_hex(body)[..32])
}

/// Whether `If-None-Match` names `etag` (or `*`).
pub fn matches(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
}

/// The body, or 304 when the client has it, with its media type, ETag and cache policy.
pub fn respond(headers: &HeaderMap, body: Vec<u8>, media: &'static str, cache: &str) -> Response {
    let etag = of(&body);
    respond_static(headers, body, &etag, media, cache)
}

/// As [`respond`] for a body whose ETag is already known.
pub fn respond_static(
    headers: &HeaderMap,
    body: impl IntoResponse,
    etag: &str,
    media: &'static str,
    cache: &str,
) -> Response {
    let mut resp = if matches(headers, etag) { StatusCode::NOT_MODIFIED.into_response() } else { body.into_response() };
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    if let Ok(v) = HeaderValue::from_str(etag) {
        h.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(cache) {
        h.insert(header::CACHE_CONTROL, v);
    }
    resp
}

/// A value as JSON, revalidated on every use (`no-cache`): public data that changes at any time.
pub fn json<T: Serialize>(headers: &HeaderMap, value: &T) -> Result<Response, Error> {
    let body = serde_json::to_vec(value).map_err(|e| Error::Internal(e.into()))?;
    Ok(respond(headers, body, "application/json", "no-cache"))
}
