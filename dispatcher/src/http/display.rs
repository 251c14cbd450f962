//! The public display page, `/display/{device}`: plain HTML, CSS and JavaScript modules
//! embedded in the binary, which speak the device protocol from the browser. The page is public;
//! the device's secret travels in the URL fragment and then in `Authorization` headers only.

use std::sync::LazyLock;

use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;

use super::error::ApiError;
use super::extract::Segment;
use super::files::{PAGE_POLICY, etag};
use super::routes::{Access, Endpoint};

/// One embedded file.
struct Asset {
    name: &'static str,
    media: &'static str,
    body: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $media:literal) => {
        Asset { name: $name, media: $media, body: include_bytes!(concat!("../../assets/display/", $name)) }
    };
}

const PAGE: Asset = asset!("index.html", "text/html; charset=utf-8");

const ASSETS: &[Asset] = &[
    asset!("display.js", "text/javascript; charset=utf-8"),
    asset!("board.js", "text/javascript; charset=utf-8"),
    asset!("protocol.js", "text/javascript; charset=utf-8"),
    asset!("screen.js", "text/javascript; charset=utf-8"),
    asset!("words.js", "text/javascript; charset=utf-8"),
    asset!("display.css", "text/css; charset=utf-8"),
];

/// The ETag of each file, computed once.
static ETAGS: LazyLock<Vec<String>> =
    LazyLock::new(|| std::iter::once(&PAGE).chain(ASSETS).map(|a| etag(a.body)).collect());

/// The display routes.
pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/display/{device}", Access::Public, "display", "The public display page of a device", page),
        Endpoint::get("/display/assets/{file}", Access::Public, "display", "The display page's files", asset),
    ]
}

async fn page(Segment(device): Segment, headers: HeaderMap) -> Result<Response, ApiError> {
    // Digits only (`+1` parses too), a positive i64 as the device ids are.
    let id = device.bytes().all(|b| b.is_ascii_digit()).then(|| device.parse::<i64>().ok()).flatten();
    if id.is_none_or(|id| id <= 0) {
        return Err(ApiError::new("API-006", "a display page is /display/{device id}"));
    }
    let mut resp = serve(&PAGE, &ETAGS[0], &headers);
    resp.headers_mut().insert("content-security-policy", HeaderValue::from_static(PAGE_POLICY));
    Ok(resp)
}

async fn asset(Segment(file): Segment, headers: HeaderMap) -> Result<Response, ApiError> {
    let i = ASSETS
        .iter()
        .position(|a| a.name == file)
        .ok_or_else(|| ApiError::new("API-006", "there is no such display file"))?;
    Ok(serve(&ASSETS[i], &ETAGS[i + 1], &headers))
}

fn serve(a: &Asset, etag: &str, headers: &HeaderMap) -> Response {
    super::files::serve(a.media, a.body, etag, headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_the_modules_import_is_served() {
        let names: Vec<&str> = ASSETS.iter().map(|a| a.name).collect();
        for a in std::iter::once(&PAGE).chain(ASSETS) {
            let text = std::str::from_utf8(a.body).unwrap_or_default();
            for piece in text.split(['"', '\'']).filter(|p| p.starts_with("./") || p.starts_with("/display/assets/")) {
                let name = piece.trim_start_matches("./").trim_start_matches("/display/assets/");
                assert!(names.contains(&name), "{} refers to {name}, which is not served", a.name);
            }
        }
    }

    #[test]
    fn the_page_has_no_inline_script_or_style() {
        let html = std::str::from_utf8(PAGE.body).unwrap_or_default();
        assert!(!html.contains("<script>") && !html.contains("<style") && !html.contains(" style="));
        assert!(!html.contains("onclick") && !html.contains("onsubmit") && !html.contains("onload"));
    }
}
