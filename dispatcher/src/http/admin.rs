//! The crisis-staff web app at `/admin`: the page and its files from the `admin` crate, public
//! like any static file (everything they show comes from API calls, authorized as usual), with
//! a strict Content-Security-Policy and no inline script. The map shows tiles from the tile
//! server configured for the residents' app (`[pwa] tile_url`), so images may also come from
//! that one origin.

use std::sync::LazyLock;

use admin::{ASSETS, Asset, PAGE};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;

use super::error::ApiError;
use super::extract::Segment;
use super::files::{etag, serve};
use super::routes::{Access, Endpoint};
use crate::app::App;
use crate::config::Pwa;

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

async fn page(State(app): State<App>, headers: HeaderMap) -> Response {
    let mut resp = serve_asset(&PAGE, &ETAGS[0], &headers);
    if let Ok(v) = HeaderValue::from_str(&policy(&app.settings.pwa)) {
        resp.headers_mut().insert("content-security-policy", v);
    }
    resp
}

/// The page policy, with images also from the tile server's origin when one is configured
/// (nothing wider: the origin is checked to be a plain host when the settings load).
pub fn policy(pwa: &Pwa) -> String {
    match pwa.tile_origin() {
        Some(origin) => ADMIN_POLICY.replacen("img-src 'self'", &format!("img-src 'self' {origin}"), 1),
        None => ADMIN_POLICY.to_owned(),
    }
}

/// The pages' policy with one Trusted Types policy allowed, `email-preview`: the admin app
/// puts an email's HTML into a `sandbox=""` frame's `srcdoc` with it (no script runs there).
const ADMIN_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
     img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; \
     require-trusted-types-for 'script'; trusted-types email-preview";

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_come_from_this_origin_and_the_tile_server_only() {
        let none = policy(&Pwa::default());
        assert_eq!(none, ADMIN_POLICY);
        let tiles = Pwa { tile_url: "https://tile.example.org/{z}/{x}/{y}.png".into(), ..Pwa::default() };
        let with = policy(&tiles);
        assert!(with.contains("img-src 'self' https://tile.example.org;"), "{with}");
        assert_eq!(with.matches("tile.example.org").count(), 1, "{with}");
        assert!(with.contains("default-src 'none'") && with.contains("connect-src 'self';"), "{with}");
    }
}
