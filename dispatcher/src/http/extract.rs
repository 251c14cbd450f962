//! Request extractors that answer bad input with problem+json naming the field: JSON bodies and
//! raw bodies (both held to `server.max_body_bytes`), path segments, query strings, and the
//! caller.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::app::App;
use crate::domain::caller::Caller;

/// A JSON body; its fields are named in errors as JSON pointers.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

/// Whether the request says its body is of one of these media types.
pub fn has_media_type(req: &Request, types: &[&str]) -> bool {
    req.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
        .is_some_and(|v| types.iter().any(|t| *t == v))
}

/// The body, refused with 413 beyond `limit` bytes.
pub async fn body_bytes(req: Request, limit: usize) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(req.into_body(), limit)
        .await
        .map_err(|_| ApiError::new("API-011", format!("the body is larger than {limit} bytes")))
}

/// Parses JSON, naming the field at fault.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let inner = e.inner();
        if inner.is_syntax() || inner.is_eof() || inner.is_io() {
            return ApiError::new("API-001", format!("the body is not valid JSON: {inner}"));
        }
        let path = e.path().to_string();
        let field = if path == "." { String::new() } else { crate::domain::alerts::content::json_pointer(&path) };
        let detail = if field.is_empty() { inner.to_string() } else { format!("{field}: {inner}") };
        ApiError::new("API-002", detail).with_field(field)
    })
}

impl<T: DeserializeOwned> FromRequest<App> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, app: &App) -> Result<Self, ApiError> {
        if !has_media_type(&req, &["application/json"]) {
            return Err(ApiError::new("API-012", "send the body as application/json"));
        }
        let bytes = body_bytes(req, app.settings.server.max_body_bytes).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// A raw body of at most `server.max_body_bytes`, for handlers that check a peer's secret
/// before they parse it; beyond the limit it is refused with 413 problem+json.
#[derive(Debug)]
pub struct LimitedBody(pub Bytes);

impl FromRequest<App> for LimitedBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, app: &App) -> Result<Self, ApiError> {
        body_bytes(req, app.settings.server.max_body_bytes).await.map(LimitedBody)
    }
}

/// A `{name}` path segment of a static file or a page; a segment that is not UTF-8 once
/// percent-decoded is a resource that does not exist, answered as problem+json.
#[derive(Clone, Debug)]
pub struct Segment(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Segment {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<String>::from_request_parts(parts, state)
            .await
            .map(|p| Segment(p.0))
            .map_err(|_| ApiError::new("API-006", "there is no such resource"))
    }
}

/// Whether a query string is UTF-8 once percent-decoded. Decoders replace what is not with
/// U+FFFD, so a handler would otherwise see a value other than the one sent.
pub fn query_is_utf8(query: &str) -> bool {
    let raw = query.as_bytes();
    let mut bytes = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let hex = raw.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (raw[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(b)) => {
                bytes.push(b);
                i += 3;
            }
            (b, _) => {
                bytes.push(b);
                i += 1;
            }
        }
    }
    std::str::from_utf8(&bytes).is_ok()
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or_else(|| ApiError::new("API-003", "sign in or send an API token"))
    }
}

/// The client's address, set by the authorization layer for every route.
#[derive(Clone, Debug)]
pub struct ClientAddress(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        Ok(parts.extensions.get::<ClientAddress>().cloned().unwrap_or(ClientAddress("unknown".into())))
    }
}

/// A numeric `{id}` path segment; anything else is a resource that does not exist.
#[derive(Clone, Copy, Debug)]
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let axum::extract::Path(raw) = axum::extract::Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::new("API-006", "there is no such resource"))?;
        raw.parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .map(Id)
            .ok_or_else(|| ApiError::new("API-006", "there is no such resource"))
    }
}

/// Query parameters; a bad one is named.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|e| ApiError::new("API-002", format!("query: {}", e.body_text())).with_field("query"))
    }
}
