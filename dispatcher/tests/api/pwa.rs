//! The residents' app at `/`: how it and its files are served, the public API it reads, and
//! the app itself in headless Chromium at phone size: installability, the list of warnings by
//! severity in the chosen language, one warning with its outline map, and the offline view.
//! The service worker's pushes and the sign-up form have their own files.

mod phone;
mod push;
mod signup;

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{Auth, Backend, spawn};
use phone::{Phone, bilingual};

#[tokio::test]
async fn the_app_and_its_files_are_served_with_a_strict_policy_and_etags() {
    let Some(app) = spawn(Backend::Sqlite).await else { return };
    let page = app.get("/", Auth::None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.header("content-type"), "text/html; charset=utf-8");
    assert_eq!(page.header("cache-control"), "no-cache");
    let csp = page.header("content-security-policy");
    for part in
        ["default-src 'none'", "script-src 'self'", "connect-src 'self'", "img-src 'self';", "worker-src 'self'"]
    {
        assert!(csp.contains(part), "{csp}");
    }
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{csp}");
    let again = app.call(reqwest::Method::GET, "/", Auth::None, crate::support::Body::Empty).await;
    assert_eq!(again.header("etag"), page.header("etag"));
    let conditional = reqwest::Client::new()
        .get(format!("{}/app/app.js", app.base))
        .header("if-none-match", app.get("/app/app.js", Auth::None).await.header("etag"))
        .send()
        .await
        .unwrap();
    assert_eq!(conditional.status(), StatusCode::NOT_MODIFIED);

    let alert_page = app.get("/alerts/42", Auth::None).await;
    assert_eq!(alert_page.status, StatusCode::OK);
    assert_eq!(alert_page.body, page.body, "an alert's address opens the same app");
    assert_eq!(app.get("/alerts/x", Auth::None).await.status, StatusCode::NOT_FOUND);

    let sw = app.get("/sw.js", Auth::None).await;
    assert_eq!(sw.status, StatusCode::OK);
    assert_eq!(sw.header("content-type"), "text/javascript; charset=utf-8");
    assert_eq!(sw.header("service-worker-allowed"), "/");
    assert!(!sw.text().contains("__VERSION__") && sw.text().contains("tocsin-shell-"));

    let m = app.get("/manifest.webmanifest", Auth::None).await;
    assert_eq!(m.header("content-type"), "application/manifest+json");
    let m = m.json();
    assert_eq!((m["start_url"].as_str(), m["display"].as_str()), (Some("/"), Some("standalone")));
    for icon in m["icons"].as_array().unwrap() {
        let r = app.get(icon["src"].as_str().unwrap(), Auth::None).await;
        assert_eq!(r.status, StatusCode::OK, "{icon}");
        assert_eq!(r.header("content-type"), icon["type"].as_str().unwrap(), "{icon}");
    }
    assert_eq!(app.get("/app/nothing.js", Auth::None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/app/..%2Fsw.js", Auth::None).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_tile_server_is_allowed_for_images_and_named_in_the_config() {
    let tiles = "https://tiles.example.org/{z}/{x}/{y}.png";
    let Some(app) = crate::support::spawn_quiet(Backend::Sqlite, |s| s.pwa.tile_url = tiles.into()).await else {
        return;
    };
    let csp = app.get("/", Auth::None).await.header("content-security-policy");
    assert!(csp.contains("img-src 'self' https://tiles.example.org;"), "{csp}");
    let config = app.get("/api/v1/public/config", Auth::None).await.json();
    assert_eq!(config["tileUrl"], tiles);
    assert_eq!(config["name"], "Public warnings");
    assert!(config["vapidPublicKey"].as_str().is_some_and(|k| k.len() > 80), "{config}");
    assert_eq!(config["channels"], json!({ "push": true, "sms": false, "email": false }));
}

#[tokio::test]
async fn the_public_api_lists_active_alerts_by_severity_and_keeps_one_that_is_over() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(app) = crate::support::spawn_quiet(backend, |_| {}).await else { continue };
        public_api(app).await;
    }
}

async fn public_api(app: crate::support::TestApp) {
    use dispatcher::domain::roles::Role;
    let author = app.user("ana", &[Role::Author]).await;
    let approver = app.user("boris", &[Role::Approver]).await;
    let mut minor = crate::support::content("Actual");
    minor["infos"][0]["severity"] = json!("Minor");
    minor["infos"][0]["headline"] = json!("Silný vietor");
    minor["infos"][0]["areas"][0]["circles"] = json!([[[48.15, 17.1], 2.5]]);
    let wind = phone::issue(&app, &author, &approver, minor).await;
    let flood = phone::issue(&app, &author, &approver, bilingual("Actual")).await;

    let list = app.get("/api/v1/public/alerts", Auth::None).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text());
    let list = list.json();
    let ids: Vec<i64> = list.as_array().unwrap().iter().map(|a| a["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![flood, wind], "Extreme before Minor");
    let f = &list[0];
    assert_eq!(
        (f["status"].as_str(), f["msgType"].as_str(), f["state"].as_str()),
        (Some("Actual"), Some("Alert"), Some("active"))
    );
    assert_eq!(f["infos"][1]["language"], "en");
    assert_eq!(f["infos"][1]["headline"], "Danube flood");
    assert_eq!(f["infos"][0]["senderName"], "Okresný úrad Bratislava");
    assert_eq!(f["infos"][0]["areas"][0]["geometry"]["type"], "MultiPolygon");
    assert_eq!(f["infos"][0]["areas"][0]["geometry"]["coordinates"][0][0][0], json!([17.0, 48.1]), "[lon, lat]");
    assert_eq!(list[1]["infos"][0]["areas"][0]["circles"][0], json!({ "center": [17.1, 48.15], "radiusKm": 2.5 }));
    for personal in ["authorId", "approvedBy", "issuedBy", "author", "content"] {
        assert!(f.get(personal).is_none(), "{personal} is not public");
    }

    let r = app
        .post(&format!("/api/v1/alerts/{flood}/cancel"), Auth::Session(&approver), json!({ "kind": "cancel" }))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let cancel = r.json()["id"].as_i64().unwrap();
    let list = app.get("/api/v1/public/alerts", Auth::None).await.json();
    let ids: Vec<i64> = list.as_array().unwrap().iter().map(|a| a["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![wind], "neither the cancelled alert nor its Cancel is listed as a danger");
    let over = app.get(&format!("/api/v1/public/alerts/{flood}"), Auth::None).await.json();
    assert_eq!(over["state"], "cancelled", "{over}");
    assert_eq!(over["latestId"], cancel);
    let c = app.get(&format!("/api/v1/public/alerts/{cancel}"), Auth::None).await.json();
    assert_eq!(c["msgType"], "Cancel");

    let draft = app
        .post("/api/v1/alerts", Auth::Session(&author), json!({ "content": crate::support::content("Actual") }))
        .await;
    let draft = draft.json()["id"].as_i64().unwrap();
    assert_eq!(app.get(&format!("/api/v1/public/alerts/{draft}"), Auth::None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/api/v1/public/alerts/999999", Auth::None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/api/v1/public/areas", Auth::None).await.json(), json!([]));
}

#[tokio::test]
async fn without_exercises_in_the_feed_an_exercise_is_unlisted_but_opens_by_its_address() {
    use dispatcher::domain::roles::Role;
    let Some(app) = crate::support::spawn_quiet(Backend::Sqlite, |s| s.feed.include_exercises = false).await else {
        return;
    };
    let author = app.user("ana", &[Role::Author]).await;
    let approver = app.user("boris", &[Role::Approver]).await;
    let drill = phone::issue(&app, &author, &approver, bilingual("Exercise")).await;
    assert_eq!(app.get("/api/v1/public/alerts", Auth::None).await.json(), json!([]));
    let one = app.get(&format!("/api/v1/public/alerts/{drill}"), Auth::None).await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.text());
    assert_eq!(one.json()["status"], "Exercise");
}

#[tokio::test]
async fn the_app_installs_lists_alerts_by_severity_in_the_chosen_language_and_works_offline() {
    let Some(p) = phone::start().await else { return };
    let mut minor = crate::support::content("Exercise");
    minor["infos"][0]["severity"] = json!("Minor");
    minor["infos"][0]["headline"] = json!("Silný vietor");
    p.issue(minor).await;
    let flood = p.issue(bilingual("Actual")).await;

    slow_network(&p, true).await;
    p.open("/").await;
    slow_network(&p, false).await;
    transfer_size(&p).await;
    p.wait_worker().await;
    installable(&p).await;
    p.language("sk").await;
    let rows = "return [...document.querySelectorAll('#alert-list .alert-link')]\
                .map(a => [a.querySelector('.severity').textContent, a.querySelector('.headline').textContent, \
                a.querySelector('.marker') ? a.querySelector('.marker').textContent : '']);";
    let shown = p.browser.execute(rows, json!([])).await;
    assert_eq!(
        shown,
        json!([
            ["Extrémne nebezpečenstvo", "Povodeň na Dunaji", ""],
            ["Malé nebezpečenstvo", "Silný vietor", "CVIČENIE"]
        ])
    );
    assert_eq!(p.browser.text("#app-name").await, phone::NAME);
    p.shot("list-sk").await;
    p.check_contrast("the list").await;
    p.language("en").await;
    let first = p.browser.execute(rows, json!([])).await;
    assert_eq!(first[0], json!(["Extreme danger", "Danube flood", ""]), "the English info of the alert");
    assert_eq!(first[1][2], "EXERCISE");
    p.shot("list-en").await;

    p.browser.click(&format!("a[data-id='{flood}']")).await;
    alert_view(&p, flood).await;
    p.shot("alert-en").await;
    p.check_contrast("the alert view").await;

    offline(&p, flood).await;
}

#[tokio::test]
async fn a_configured_tile_server_draws_tiles_under_the_outline_with_its_attribution() {
    let tiles = phone::Tiles::start().await;
    let template = format!("{}/tiles/{{z}}/{{x}}/{{y}}.png", tiles.url);
    let Some(p) = phone::start_with(|s| {
        s.pwa.tile_url = template;
        s.pwa.tile_attribution = "© Test tiles".into();
    })
    .await
    else {
        return;
    };
    let flood = p.issue(bilingual("Actual")).await;
    p.open(&format!("/alerts/{flood}")).await;
    let b = &p.browser;
    let map = "const f = document.querySelector('figure.map'); return f && [f.dataset.tiles, \
               f.querySelectorAll('image').length > 0, f.querySelector('figcaption').textContent];";
    assert_eq!(b.execute(map, json!([])).await, json!(["yes", true, "© Test tiles"]));
    let loaded = format!(
        "return performance.getEntriesByType('resource').filter(e => e.name.startsWith({:?})).length;",
        tiles.url
    );
    b.wait_for("tiles loaded past the page's image policy", &loaded, Duration::from_secs(10)).await;
    assert!(tiles.served.load(std::sync::atomic::Ordering::SeqCst) > 0);
    p.shot("alert-tiles-en").await;
}

/// A slow mobile network (400 ms round trip, 400 kbit/s each way, as DevTools' "Slow 3G"), or
/// none.
async fn slow_network(p: &Phone, slow: bool) {
    let (latency, throughput) = if slow { (400, 50_000) } else { (0, -1) };
    let conditions = json!({ "offline": false, "latency": latency, "downloadThroughput": throughput,
                             "uploadThroughput": throughput });
    p.browser.cdp("Network.enable", json!({})).await;
    p.browser.cdp("Network.emulateNetworkConditions", conditions).await;
}

/// What the first load cost, as the browser counted it (before the worker kept anything; Tocsin
/// serves the app's files and public JSON gzipped), and what the browser's own gzip
/// (CompressionStream) makes of the same bodies, for comparison.
async fn transfer_size(p: &Phone) {
    let script = "const es = performance.getEntries().filter(e => e.transferSize !== undefined); \
                  const gz = (u) => fetch(u, { cache: 'no-store' }).then(r => new Response(r.body.pipeThrough(\
                  new CompressionStream('gzip'))).arrayBuffer()).then(b => b.byteLength); \
                  return Promise.all(es.map(e => gz(e.name).then(g => [e.name.replace(location.origin, ''), \
                  e.transferSize, e.encodedBodySize, g])));";
    let entries = p.browser.execute(script, json!([])).await;
    let entries = entries.as_array().unwrap();
    let sum = |i: usize| -> i64 { entries.iter().map(|e| e[i].as_i64().unwrap_or(0)).sum() };
    let (total, bodies, gzip) = (sum(1), sum(2), sum(3));
    println!(
        "first load of the residents' app: {total} bytes transferred ({bodies} bytes of bodies, {gzip} gzipped) in {} requests",
        entries.len()
    );
    for e in entries {
        println!("  {:>6} {:>6} {}", e[1], e[3], e[0].as_str().unwrap_or(""));
    }
    let ready = "return Math.round(performance.getEntriesByName('tocsin-ready')[0].startTime);";
    let ready = p.browser.execute(ready, json!([])).await.as_i64().unwrap_or(0);
    println!("on a slow network (400 ms round trip, 400 kbit/s): the list was shown after {ready} ms");
    assert!(ready > 0 && ready < 20_000, "{ready} ms");
    assert!(total > 10_000 && total < 60_000, "first load {total} bytes, served compressed");
    assert!(gzip < 60_000, "first load {gzip} bytes gzipped");
}

/// The install prompt's needs: a manifest with name, start URL, display and icons of 192 and
/// 512 pixels that load, and an active service worker.
async fn installable(p: &Phone) {
    let script = "return fetch(document.querySelector('link[rel=manifest]').href).then(r => r.json()).then(m => \
                  Promise.all(m.icons.map(i => new Promise(ok => { const img = new Image(); \
                  img.onload = () => ok([i.sizes, img.naturalWidth]); img.onerror = () => ok([i.sizes, 0]); img.src = i.src; }))) \
                  .then(sizes => ({ name: m.name, start: m.start_url, display: m.display, sizes })));";
    let m = p.browser.execute(script, json!([])).await;
    assert_eq!(m["name"], phone::NAME);
    assert_eq!((m["start"].as_str(), m["display"].as_str()), (Some("/"), Some("standalone")));
    let sizes = m["sizes"].as_array().unwrap();
    assert!(sizes.contains(&json!(["192x192", 192])) && sizes.contains(&json!(["512x512", 512])), "{m}");
    assert!(sizes.iter().all(|s| s[1].as_i64().unwrap_or(0) > 0), "every icon loads: {m}");
}

async fn alert_view(p: &Phone, id: i64) {
    let b = &p.browser;
    let ready = format!(
        "return location.pathname === '/alerts/{id}' && !!document.getElementById('alert-headline') \
                         && document.activeElement === document.getElementById('alert-headline');"
    );
    b.wait_for("the alert view with its headline focused", &ready, Duration::from_secs(10)).await;
    assert_eq!(b.text("#alert-headline").await, "Danube flood");
    assert_eq!(b.text(".severity-band").await, "Extreme danger");
    assert_eq!(b.text(".instruction p").await, "Leave the riverside now and go to higher ground.");
    let facts = b.text(".facts").await;
    assert!(facts.contains("District Office Bratislava") && facts.contains("Until"), "{facts}");
    let map = "const f = document.querySelector('figure.map'); return f && [f.dataset.tiles, \
               f.querySelectorAll('path.area').length, f.querySelectorAll('image').length, \
               f.querySelector('svg').getAttribute('aria-label'), f.querySelector('figcaption').textContent];";
    let m = b.execute(map, json!([])).await;
    assert_eq!(m, json!(["no", 1, 0, "Map of the area: Riverside", "Outline of the area (no map background)."]));
    b.click(".alert-langs button[lang='sk']").await;
    assert_eq!(b.text("#alert-headline").await, "Povodeň na Dunaji", "the other language of the CAP");
}

/// The server goes away: a reload is answered by the worker, with the last alerts and a note.
async fn offline(p: &Phone, flood: i64) {
    p.open("/").await;
    p.proxy.set(crate::browser::proxy::Mode::Down);
    p.open("/").await;
    let b = &p.browser;
    let note = b
        .wait_for(
            "the offline note",
            "return document.getElementById('offline').hidden ? '' : \
                          document.getElementById('offline').textContent;",
            Duration::from_secs(10),
        )
        .await;
    assert!(note.as_str().unwrap().starts_with("Offline: showing what was last loaded, at "), "{note}");
    let first = b.execute("return document.querySelector('#alert-list .headline').textContent;", json!([])).await;
    assert_eq!(first, "Danube flood");
    p.shot("offline-en").await;
    // The alert read before is there offline too.
    p.open(&format!("/alerts/{flood}")).await;
    assert_eq!(b.text("#alert-headline").await, "Danube flood");
    p.proxy.set(crate::browser::proxy::Mode::Up);
    p.open("/").await;
    b.wait_for("the note to go", "return document.getElementById('offline').hidden;", Duration::from_secs(10)).await;
}
