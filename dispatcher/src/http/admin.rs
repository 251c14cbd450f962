//! The crisis-staff web app at `/admin`: the page and its files from the `admin` crate, public
//! like any static file (everything they show comes from API calls, authorized as usual), with
//! a strict Content-Security-Policy and no inline script.

use std::sync::LazyLock;

use admin::{ASSETS, Asset, PAGE};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;

use super::error::ApiError;
use super::extract::Segment;
use super::files::{PAGE_POLICY, etag, serve};
use super::routes::{Access, Endpoint};

/// The ETag of the page and of each file, computed once.
static ETAGS: LazyLock<Vec<String>> =
    LazyLock::new(|| std::iter::once(&PAGE).chain(ASSETS).map(|a| etag(a.body)).collect());

/// The admin app's routes.
pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/admin", Access::Public, "admin", "The crisis-staff web app", page),
        Endpoint::get("/admin/", Access::Public, "admin", "The crisis-staff web app", page),
        Endpoint::get("/admin/assets/{file}", Access::Public, "admin", "The web app's files", asset),
    ]
}

async fn page(headers: HeaderMap) -> Response {
    let mut resp = serve_asset(&PAGE, &ETAGS[0], &headers);
    resp.headers_mut().insert("content-security-policy", HeaderValue::from_static(PAGE_POLICY));
    resp
}

async fn asset(Segment(file): Segment, headers: HeaderMap) -> Result<Response, ApiError> {
    let i = ASSETS
        .iter()
        .position(|a| a.name == file)
        .ok_or_else(|| ApiError::new("API-006", "there is no such file of the admin app"))?;
    Ok(serve_asset(&ASSETS[i], &ETAGS[i + 1], &headers))
}

fn serve_asset(a: &Asset, etag: &str, headers: &HeaderMap) -> Response {
    serve(a.media, a.body, etag, headers)
}
