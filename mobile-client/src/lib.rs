//! `mobile-client`: the residents' PWA (manifest, service worker, Web Push), embedded in the
//! binary. Plain HTML, CSS and JavaScript modules with no build step; the dispatcher serves
//! them at `/`, `/alerts/{id}`, `/sw.js`, `/manifest.webmanifest` and `/app/{file}`.

/// One embedded file.
#[derive(Debug)]
pub struct Asset {
    /// Its name: `index.html`, `sw.js`, `manifest.webmanifest`, or a file under `/app/`.
    pub name: &'static str,
    /// Its media type.
    pub media: &'static str,
    /// Its bytes.
    pub body: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $media:literal) => {
        Asset { name: $name, media: $media, body: include_bytes!(concat!("../assets/", $name)) }
    };
}

/// The page, for `/` and `/alerts/{id}`.
pub const PAGE: Asset = asset!("index.html", "text/html; charset=utf-8");

/// The service worker, at `/sw.js` so that its scope is the whole app. Its text holds
/// `__VERSION__`, which the server replaces with a digest of every file.
pub const SERVICE_WORKER: Asset = asset!("sw.js", "text/javascript; charset=utf-8");

/// The web app manifest; the server sets its `name` and `short_name` from the settings.
pub const MANIFEST: Asset = asset!("manifest.webmanifest", "application/manifest+json");

/// The files under `/app/`.
pub const FILES: &[Asset] = &[
    asset!("app.js", "text/javascript; charset=utf-8"),
    asset!("api.js", "text/javascript; charset=utf-8"),
    asset!("dom.js", "text/javascript; charset=utf-8"),
    asset!("i18n.js", "text/javascript; charset=utf-8"),
    asset!("alerts.js", "text/javascript; charset=utf-8"),
    asset!("map.js", "text/javascript; charset=utf-8"),
    asset!("places.js", "text/javascript; charset=utf-8"),
    asset!("signup.js", "text/javascript; charset=utf-8"),
    asset!("store.js", "text/javascript; charset=utf-8"),
    asset!("notice.js", "text/javascript; charset=utf-8"),
    asset!("app.css", "text/css; charset=utf-8"),
    asset!("lang-sk.json", "application/json"),
    asset!("lang-pl.json", "application/json"),
    asset!("lang-en.json", "application/json"),
    asset!("lang-uk.json", "application/json"),
    asset!("icon.svg", "image/svg+xml"),
    asset!("icon-192.png", "image/png"),
    asset!("icon-512.png", "image/png"),
];

/// A file under `/app/` by name.
pub fn asset(name: &str) -> Option<&'static Asset> {
    FILES.iter().find(|a| a.name == name)
}

/// Every file, the page, worker and manifest included.
pub fn all() -> impl Iterator<Item = &'static Asset> {
    [&PAGE, &SERVICE_WORKER, &MANIFEST].into_iter().chain(FILES)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(a: &Asset) -> &str {
        std::str::from_utf8(a.body).unwrap_or_default()
    }

    #[test]
    fn every_file_the_app_refers_to_is_embedded() {
        for a in all() {
            for piece in text(a).split(['"', '\'', '`']).filter(|p| p.starts_with("/app/") || p.starts_with("./")) {
                let name = piece.trim_start_matches("/app/").trim_start_matches("./");
                if !name.contains('.') || name.contains('{') {
                    continue;
                }
                let known = asset(name).is_some() || name == "sw.js";
                assert!(known, "{} refers to {name}, which is not embedded", a.name);
            }
        }
    }

    #[test]
    fn the_page_has_no_inline_script_or_style() {
        let html = text(&PAGE);
        assert!(!html.contains("<script>") && !html.contains("<style") && !html.contains(" style="));
        assert!(!html.contains("onclick") && !html.contains("onsubmit") && !html.contains("onload"));
    }

    #[test]
    fn the_translations_have_the_same_keys() {
        let keys = |name: &str| -> Vec<String> {
            let t = asset(name).map(text).unwrap_or_default();
            let mut k: Vec<String> = t
                .lines()
                .filter_map(|l| l.trim().strip_prefix('"').and_then(|l| l.split('"').next()).map(str::to_owned))
                .collect();
            k.sort();
            k
        };
        let en = keys("lang-en.json");
        assert!(en.len() > 50, "{}", en.len());
        for lang in ["sk", "pl", "uk"] {
            assert_eq!(keys(&format!("lang-{lang}.json")), en, "lang-{lang}.json");
        }
    }

    #[test]
    fn the_worker_keeps_every_file_the_page_needs_offline() {
        let worker = text(&SERVICE_WORKER);
        for a in FILES.iter().filter(|a| !a.name.ends_with("512.png")) {
            assert!(worker.contains(&format!("'/app/{}'", a.name)), "sw.js does not cache {}", a.name);
        }
    }

    #[test]
    fn the_worker_is_versioned() {
        assert!(text(&SERVICE_WORKER).contains("__VERSION__"));
    }
}
