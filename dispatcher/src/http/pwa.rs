//! The residents' app (crate `mobile-client`): the page at `/` and `/alerts/{id}`, its service
//! worker at `/sw.js` (scope `/`), the manifest, and its files under `/app/`. Every answer has
//! an ETag and `no-cache`, so a phone revalidates cheaply and an upgraded server's files reach
//! it; the worker's text carries a digest of every file, so a changed file installs a new
//! worker, which caches the new files.

use std::sync::LazyLock;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use mobile_client::{Asset, FILES, MANIFEST, PAGE, SERVICE_WORKER};

use super::error::ApiError;
use super::etag;
use super::extract::{Id, Segment};
use super::routes::{Access, Endpoint};
use crate::app::App;
use crate::config::Pwa;
use crate::domain::crypto::sha256_hex;

/// Revalidate on every use: a 304 costs headers only, and an update is never missed.
const CACHE: &str = "no-cache";

/// A digest of every file, which names the worker's cache.
static VERSION: LazyLock<String> = LazyLock::new(|| {
    let all: Vec<u8> = mobile_client::all().flat_map(|a| a.body.iter().copied()).collect();
    sha256_hex(&all)[..16].to_owned()
});

/// The worker with its version filled in.
static WORKER: LazyLock<String> =
    LazyLock::new(|| String::from_utf8_lossy(SERVICE_WORKER.body).replace("__VERSION__", &VERSION));

/// The ETag of each file under `/app/`, computed once.
static ETAGS: LazyLock<Vec<String>> = LazyLock::new(|| FILES.iter().map(|a| etag::of(a.body)).collect());

static PAGE_ETAG: LazyLock<String> = LazyLock::new(|| etag::of(PAGE.body));

/// The app's routes.
pub fn endpoints() -> Vec<Endpoint> {
    let p = Access::Public;
    vec![
        Endpoint::get("/", p, "pwa", "The residents' app", page).compressed(),
        Endpoint::get("/alerts/{id}", p, "pwa", "The residents' app, opening one alert", alert_page).compressed(),
        Endpoint::get("/sw.js", p, "pwa", "The residents' app's service worker", worker).compressed(),
        Endpoint::get("/manifest.webmanifest", p, "pwa", "The residents' app's web app manifest", manifest)
            .compressed(),
        Endpoint::get("/app/{file}", p, "pwa", "The residents' app's files", file).compressed(),
    ]
}

/// Scripts, styles and requests only from this origin, images also from the tile server, and
/// every DOM sink guarded by Trusted Types: the app writes text and elements, never markup, and
/// its one policy, `tocsin`, lets through only the service worker's URL.
pub fn policy(pwa: &Pwa) -> String {
    let tiles = pwa.tile_origin().map(|o| format!(" {o}")).unwrap_or_default();
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'{tiles}; \
         manifest-src 'self'; worker-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; \
         require-trusted-types-for 'script'; trusted-types tocsin"
    )
}

fn with_policy(mut resp: Response, pwa: &Pwa) -> Response {
    if let Ok(v) = HeaderValue::from_str(&policy(pwa)) {
        resp.headers_mut().insert("content-security-policy", v);
    }
    resp
}

async fn page(State(app): State<App>, headers: HeaderMap) -> Response {
    with_policy(etag::respond_static(&headers, PAGE.body, &PAGE_ETAG, PAGE.media, CACHE), &app.settings.pwa)
}

async fn alert_page(State(app): State<App>, _id: Id, headers: HeaderMap) -> Response {
    page(State(app), headers).await
}

/// The worker's own policy: it imports `notice.js` and fetches only from this origin. Trusted
/// Types are left out here because `importScripts` with a plain URL is one of their sinks.
const WORKER_POLICY: &str = "default-src 'none'; script-src 'self'; connect-src 'self'; img-src 'self'";

async fn worker(headers: HeaderMap) -> Response {
    let body = WORKER.as_bytes().to_vec();
    let mut resp = etag::respond(&headers, body, SERVICE_WORKER.media, CACHE);
    let h = resp.headers_mut();
    h.insert("content-security-policy", HeaderValue::from_static(WORKER_POLICY));
    h.insert("service-worker-allowed", HeaderValue::from_static("/"));
    resp
}

async fn manifest(State(app): State<App>, headers: HeaderMap) -> Response {
    etag::respond(&headers, manifest_for(&app.settings.pwa), MANIFEST.media, CACHE)
}

/// The manifest with the configured name.
fn manifest_for(pwa: &Pwa) -> Vec<u8> {
    let mut m: serde_json::Value = serde_json::from_slice(MANIFEST.body).unwrap_or_default();
    if let Some(o) = m.as_object_mut() {
        let short: String = pwa.name.chars().take(12).collect();
        o.insert("name".into(), pwa.name.clone().into());
        o.insert("short_name".into(), short.into());
    }
    serde_json::to_vec(&m).unwrap_or_default()
}

async fn file(Segment(name): Segment, headers: HeaderMap) -> Result<Response, ApiError> {
    let i = FILES
        .iter()
        .position(|a: &Asset| a.name == name)
        .ok_or_else(|| ApiError::new("API-006", "there is no such file of the app"))?;
    Ok(etag::respond_static(&headers, FILES[i].body, &ETAGS[i], FILES[i].media, CACHE))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_allows_the_tile_server_for_images_only() {
        let pwa = Pwa { tile_url: "https://tiles.example.org/{z}/{x}/{y}.png".into(), ..Pwa::default() };
        let p = policy(&pwa);
        assert!(p.contains("img-src 'self' https://tiles.example.org;"), "{p}");
        assert!(p.contains("connect-src 'self';") && !p.contains("unsafe"), "{p}");
        assert!(policy(&Pwa::default()).contains("img-src 'self';"));
    }

    #[test]
    fn the_manifest_is_valid_json_with_the_name_and_icons() {
        let m: serde_json::Value = serde_json::from_slice(&manifest_for(&Pwa::default())).unwrap_or_default();
        assert_eq!(m["name"], "Public warnings");
        assert_eq!(m["start_url"], "/");
        let sizes: Vec<&str> =
            m["icons"].as_array().into_iter().flatten().filter_map(|i| i["sizes"].as_str()).collect();
        assert!(sizes.contains(&"192x192") && sizes.contains(&"512x512"), "{sizes:?}");
    }

    #[test]
    fn the_worker_carries_the_version() {
        assert!(!WORKER.contains("__VERSION__") && WORKER.contains(VERSION.as_str()));
    }
}
