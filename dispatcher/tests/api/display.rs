//! The public display page, `/display/{device}`, in a real headless Chromium driven over
//! WebDriver: how it is served, pairing, the idle clock, alerts in each language, exercises,
//! cancels, acknowledgements, and recovery after the server is gone or failing.

pub mod kiosk;

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::browser::proxy::Mode;
use crate::browser::webdriver::Browser;
use crate::support::{Auth, Backend, spawn};
use kiosk::{NAME, bilingual};

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
    browser.viewport(1920, 1080).await;
    browser.screenshot(&shots().join("pairing-1920x1080.png")).await;
    browser.quit().await;
}

#[tokio::test]
async fn an_alert_shows_in_each_language_is_acknowledged_and_a_cancel_returns_to_idle() {
    let Some(k) = kiosk::start(30).await else { return };
    k.open().await;
    let b = &k.browser;
    // The secret left the address bar for storage, so a reload works and no one reads it off.
    let kept = format!("return location.hash === '' && localStorage.getItem('tocsin.display.{}.secret');", k.device);
    assert_eq!(b.execute(&kept, json!([])).await, json!(k.secret));
    // A reload (a kiosk restarting its browser) finds the secret again.
    b.goto(&format!("{}/display/{}?lang=sk", k.proxy.url, k.device)).await;
    k.wait_idle().await;
    let clock = b.text("#idle-clock").await;
    assert!(
        clock.len() == 5 && clock.as_bytes()[2] == b':' && clock.replace(':', "").parse::<u32>().is_ok(),
        "{clock}"
    );
    assert_eq!(b.text("#idle-device").await, NAME);
    assert_eq!(b.text("#idle-status").await, "Žiadne platné varovania");
    k.shots("idle").await;
    crate::browser::a11y::assert_accessible(b, "the idle display").await;

    let alert = k.issue(bilingual("Actual")).await;
    let sk = k.wait_slide("sk", "Povodeň na Dunaji").await;
    assert_eq!(sk.severity.to_lowercase(), "extrémne nebezpečenstvo");
    assert_eq!(sk.instruction, "Okamžite opustite nábrežie a choďte na vyššie položené miesto.");
    assert!(sk.area.contains("Nábrežie"), "{sk:?}");
    assert!(sk.expires.starts_with("Platí do"), "{sk:?}");
    assert_eq!(sk.marker, "", "no exercise banner on a live alert");
    assert_eq!(sk.band, "rgb(139, 0, 0)", "Extreme is dark red");
    k.wait_delivery(alert, "acknowledged").await;
    k.shots("alert-sk").await;
    crate::browser::a11y::assert_accessible(b, "the display showing an alert").await;

    let en = k.wait_slide("en", "Danube flood").await;
    assert_eq!(en.severity.to_lowercase(), "extreme danger");
    assert_eq!(en.instruction, "Leave the riverside now and go to higher ground.");
    k.shots("alert-en").await;

    let cancel = k.cancel(alert).await;
    let shown = "return document.getElementById('alert').hasAttribute('data-cancel') \
                 && document.body.dataset.state === 'alert';";
    b.wait_for("the Cancel", shown, Duration::from_secs(60)).await;
    k.shots("cancel").await;
    k.wait_idle().await;
    k.wait_delivery(cancel, "acknowledged").await;
    k.wait_delivery(alert, "acknowledged").await;
    b.screenshot(&shots().join("idle-after-cancel-1920x1080.png")).await;
}

#[tokio::test]
async fn an_exercise_shows_its_banner_and_several_alerts_take_turns() {
    let Some(k) = kiosk::start(30).await else { return };
    k.open().await;
    let mut c = bilingual("Exercise");
    c["infos"][0]["severity"] = json!("Moderate");
    c["infos"][1]["severity"] = json!("Moderate");
    // A long message, to show that it shrinks to fit rather than scrolls or is cut off.
    c["infos"][0]["instruction"] = json!(
        "Okamžite opustite nábrežie Dunaja medzi Mostom SNP a Prístavným mostom, neparkujte v podzemných \
         garážach, vypnite elektrinu a plyn, vezmite si doklady, lieky a pitnú vodu a choďte na vyššie \
         položené miesto alebo do evakuačného strediska v najbližšej škole. Sledujte pokyny polície a hasičov."
    );
    c["infos"][0]["description"] = json!(
        "Hladina Dunaja v Bratislave stúpa o 10 cm za hodinu a podľa predpovede prekročí 3. stupeň \
         povodňovej aktivity dnes večer. Protipovodňové steny sú postavené, ale voda môže presakovať."
    );
    k.issue(c).await;
    let sk = k.wait_slide("sk", "Povodeň na Dunaji").await;
    assert_eq!(sk.marker, "CVIČENIE");
    assert!(sk.instruction.ends_with("polície a hasičov."), "{sk:?}");
    assert_eq!(sk.band, "rgb(255, 176, 0)", "Moderate is amber");
    k.shots("exercise-sk").await;
    assert_eq!(k.wait_slide("en", "Danube flood").await.marker, "EXERCISE");

    // A second warning: it shows at once, then the two take turns.
    let mut wind = crate::support::content("Actual");
    wind["infos"][0]["severity"] = json!("Minor");
    wind["infos"][0]["headline"] = json!("Silný vietor");
    k.issue(wind).await;
    let wind = k.wait_slide("sk", "Silný vietor").await;
    assert_eq!(wind.marker, "", "a live alert has no exercise banner");
    assert!(wind.pager.ends_with("/3"), "three slides, two languages and one: {wind:?}");
    assert_eq!(wind.band, "rgb(253, 224, 71)", "Minor is yellow");
    k.wait_slide("sk", "Povodeň na Dunaji").await;
}

#[tokio::test]
async fn the_page_recovers_after_the_server_is_unreachable_and_after_errors() {
    let Some(k) = kiosk::start(30).await else { return };
    k.open().await;
    let b = &k.browser;
    let offline = "return document.body.dataset.online === 'no' && !document.getElementById('connection').hidden;";
    let online = "return document.body.dataset.online === 'yes' && document.getElementById('connection').hidden;";

    k.proxy.set(Mode::Down);
    b.wait_for("the connection-lost line", offline, Duration::from_secs(20)).await;
    assert_eq!(b.text("#connection").await, "Spojenie stratené, skúšam znova…");
    assert_eq!(b.text("#idle-status").await, "", "no \"no warnings\" while it cannot know");
    k.shot("offline", 1920, 1080).await;
    // A few failed retries, so the backoff has grown.
    tokio::time::sleep(Duration::from_secs(4)).await;
    k.proxy.set(Mode::Up);
    b.wait_for("the page to reconnect", online, Duration::from_secs(30)).await;
    assert_eq!(b.text("#idle-status").await, "Žiadne platné varovania");
    k.issue(bilingual("Actual")).await;
    k.wait_slide("sk", "Povodeň na Dunaji").await;

    k.proxy.set(Mode::Failing);
    b.wait_for("the connection-lost line after 503s", offline, Duration::from_secs(20)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    k.proxy.set(Mode::Up);
    b.wait_for("the page to reconnect after 503s", online, Duration::from_secs(30)).await;
}

#[tokio::test]
async fn a_pairing_code_pairs_the_page_and_a_refused_secret_asks_again() {
    let Some(k) = kiosk::start(5).await else { return };
    let b = &k.browser;
    b.goto(&format!("{}/display/{}?lang=en", k.proxy.url, k.device)).await;
    b.wait_for("the pairing form", "return document.body.dataset.state === 'pairing';", Duration::from_secs(10)).await;

    b.type_into("#pairing-code", "ZZZZZZZZ").await;
    b.click("#pairing-submit").await;
    let error = "return document.getElementById('pairing-error').textContent;";
    let said = b.wait_for("a refused code", error, Duration::from_secs(10)).await;
    assert!(said.as_str().unwrap().contains("not accepted"), "{said}");

    let r = k.app.post(&format!("/api/v1/devices/{}/pairing", k.device), Auth::Session(&k.operator), json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let code = r.json()["code"].as_str().unwrap().to_owned();
    b.execute("document.getElementById('pairing-code').value = '';", json!([])).await;
    b.type_into("#pairing-code", &code.to_lowercase()).await;
    b.click("#pairing-submit").await;
    k.wait_idle().await;
    assert_eq!(b.text("#idle-device").await, NAME);
    let stored = format!("return localStorage.getItem('tocsin.display.{}.secret');", k.device);
    let secret = b.execute(&stored, json!([])).await;
    assert!(secret.as_str().unwrap().starts_with(&format!("tdv_{}_", k.device)), "{secret}");
    assert_ne!(secret, json!(k.secret), "pairing gave a new secret");

    // An operator rotates the secret: the page says it is no longer paired and asks again.
    let r = k.app.post(&format!("/api/v1/devices/{}/rotate", k.device), Auth::Session(&k.operator), json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    b.wait_for("the pairing form again", "return document.body.dataset.state === 'pairing';", Duration::from_secs(30))
        .await;
    assert!(b.text("#pairing-reason").await.contains("no longer paired"));
    assert_eq!(b.execute(&stored, json!([])).await, json!(null), "the refused secret is forgotten");
}

/// Where screenshots go: `test-output/display/` at the repository root.
fn shots() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../test-output/display")
}
