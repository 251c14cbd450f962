//! `admin`: the crisis-staff web app (plain HTML, CSS and JavaScript modules with no build
//! step), embedded in the binary. The dispatcher serves these files at `/admin`; the app talks
//! to the JSON API with the session cookie and CSRF header like any other client.

/// One embedded file of the app.
#[derive(Clone, Copy, Debug)]
pub struct Asset {
    /// The file name under `/admin/assets/`.
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
    ($name:literal) => {
        asset!($name, "text/javascript; charset=utf-8")
    };
}

/// The page every route of the app loads (`/admin`).
pub const PAGE: Asset = asset!("index.html", "text/html; charset=utf-8");

/// The files the page loads from `/admin/assets/`.
pub const ASSETS: &[Asset] = &[
    asset!("admin.css", "text/css; charset=utf-8"),
    asset!("app.js"),
    asset!("api.js"),
    asset!("dom.js"),
    asset!("words.js"),
    asset!("signin.js"),
    asset!("list.js"),
    asset!("compose.js"),
    asset!("editor.js"),
    asset!("review.js"),
    asset!("dashboard.js"),
    asset!("diff.js"),
    asset!("previews.js"),
    asset!("expiry.js"),
    asset!("chart.js"),
    asset!("map.js"),
    asset!("draw.js"),
    asset!("shapes.js"),
    asset!("words-map.js"),
    asset!("manage.css", "text/css; charset=utf-8"),
    asset!("words-manage.js"),
    asset!("screens.js"),
    asset!("manage.js"),
    asset!("devices.js"),
    asset!("residents.js"),
    asset!("templates.js"),
    asset!("areas.js"),
    asset!("users.js"),
    asset!("audit.js"),
    asset!("channels.js"),
    asset!("words-previews.js"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_the_modules_import_is_embedded() {
        let names: Vec<&str> = ASSETS.iter().map(|a| a.name).collect();
        for a in std::iter::once(&PAGE).chain(ASSETS) {
            let text = std::str::from_utf8(a.body).unwrap_or_default();
            for piece in text.split(['"', '\'']).filter(|p| p.starts_with("./") || p.starts_with("/admin/assets/")) {
                let name = piece.trim_start_matches("./").trim_start_matches("/admin/assets/");
                assert!(names.contains(&name), "{} refers to {name}, which is not embedded", a.name);
            }
        }
    }

    #[test]
    fn the_page_has_no_inline_script_or_style() {
        let html = std::str::from_utf8(PAGE.body).unwrap_or_default();
        assert!(!html.contains("<script>") && !html.contains("<style") && !html.contains(" style="));
        assert!(!html.contains("onclick") && !html.contains("onsubmit") && !html.contains("onload"));
    }

    #[test]
    fn both_languages_have_the_same_words() {
        let files: Vec<&Asset> = ASSETS.iter().filter(|a| a.name.starts_with("words")).collect();
        assert!(!files.is_empty());
        for file in files {
            let words = std::str::from_utf8(file.body).unwrap_or_default();
            let keys = |lang: &str| -> Vec<String> {
                let head = format!("\n  {lang}: {{\n");
                let start = words.find(&head).map_or(words.len(), |s| s + head.len());
                let end = words[start..].find("\n  },").map_or(words.len(), |e| start + e);
                let mut k: Vec<String> = words[start..end]
                    .lines()
                    .filter_map(|l| l.trim().split_once(':').map(|(k, _)| k.trim().to_owned()))
                    .filter(|k| !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
                    .collect();
                k.sort();
                k
            };
            assert!(!keys("en").is_empty(), "{} has no English words", file.name);
            assert_eq!(keys("en"), keys("sk"), "{} differs between the languages", file.name);
        }
    }
}
