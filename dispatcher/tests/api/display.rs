//! The public display page, `/display/{device}`, in a real headless Chromium driven over
//! WebDriver: how it is served, pairing, the idle clock, alerts in each language, exercises,
//! cancels, acknowledgements, and recovery after the server is gone or failing.

mod proxy;
mod webdriver;

use reqwest::StatusCode;

use crate::support::{Auth, Backend, spawn};
use webdriver::Browser;

#[tokio::test]
async fn the_page_and_its_files_are_served_with_a_strict_policy() {
    let Some(app) = spawn(Backend::Sqlite).await else { return };
    let page = app.get("/display/12", Auth::None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.header("content-type"), "text/html; charset=utf-8");
    assert_eq!(page.header("x-content-type-options"), "nosniff");
    assert_eq!(page.header("cache-control"), "no-cache");
    let csp = page.header("content-security-policy");
    for part in ["default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"] {
        assert!(csp.contains(part), "{csp}");
    }
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{csp}");
    assert!(page.text().contains("/display/assets/display.js"));
    let etag = page.header("etag");
    let again = app.call(reqwest::Method::GET, "/display/12", Auth::None, crate::support::Body::Empty).await;
    assert_eq!(again.header("etag"), etag);

    let js = app.get("/display/assets/display.js", Auth::None).await;
    assert_eq!(js.status, StatusCode::OK);
    assert_eq!(js.header("content-type"), "text/javascript; charset=utf-8");
    assert_eq!(js.header("x-content-type-options"), "nosniff");
    let css = app.get("/display/assets/display.css", Auth::None).await;
    assert_eq!(css.header("content-type"), "text/css; charset=utf-8");

    assert_eq!(app.get("/display/assets/nothing.js", Auth::None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/display/assets/..%2Fdisplay.rs", Auth::None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/display/twelve", Auth::None).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn without_a_secret_the_page_asks_for_a_pairing_code() {
    let Some(app) = spawn(Backend::Sqlite).await else { return };
    let Some(browser) = Browser::start().await else { return };
    browser.goto(&format!("{}/display/7", app.base)).await;
    browser
        .wait_for(
            "the pairing form",
            "return document.body.dataset.state === 'pairing';",
            std::time::Duration::from_secs(10),
        )
        .await;
    assert!(browser.text("#pairing-reason").await.contains("not paired"));
    browser.screenshot(&crate::display::shots().join("pairing-1920x1080.png")).await;
    browser.quit().await;
}

/// Where screenshots go: `test-output/display/` at the repository root.
fn shots() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../test-output/display")
}
