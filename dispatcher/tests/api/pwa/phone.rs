//! A resident's phone: a Tocsin server (with SMS and email sign-up offered and two named
//! areas), a switchable proxy in front of it, and headless Chromium at phone size showing the app.

use std::time::Duration;

use dispatcher::config::Settings;
use dispatcher::domain::roles::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::browser::proxy::Proxy;
use crate::browser::webdriver::Browser;
pub use crate::display::kiosk::bilingual;
use crate::lifecycle::approve_and_issue;
use crate::support::{Auth, Backend, Body, Receiver, Session, TestApp, spawn_with};

/// The app's title in these tests.
pub const NAME: &str = "Varovania Bratislava";

/// Everything a browser test of the app needs.
pub struct Phone {
    pub app: TestApp,
    pub author: Session,
    pub approver: Session,
    pub proxy: Proxy,
    pub browser: Browser,
    /// The SMS gateway: what the server sent by SMS.
    pub sms: Receiver,
}

/// Two districts over the test polygon (which spans 48.1–48.2 N, 17.0–17.2 E).
const AREAS: &str = r#"{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"name":"Staré Mesto"},"geometry":{"type":"Polygon","coordinates":[[[17.0,48.1],[17.1,48.1],[17.1,48.2],[17.0,48.2],[17.0,48.1]]]}},
 {"type":"Feature","properties":{"name":"Petržalka"},"geometry":{"type":"Polygon","coordinates":[[[17.1,48.1],[17.2,48.1],[17.2,48.15],[17.1,48.15],[17.1,48.1]]]}}]}"#;

/// A server with the fan-out engine, offering push, SMS (through an HTTP gateway on loopback,
/// `gateway`, where verification codes arrive) and email.
pub async fn server(gateway: &Receiver, adjust: impl FnOnce(&mut Settings)) -> Option<(TestApp, Session, Session)> {
    let app = spawn_with(Backend::Sqlite, |s| {
        adjust(s);
        s.pwa.name = NAME.into();
        s.channels.sms.enabled = true;
        s.channels.sms.provider = "http".into();
        s.channels.sms.http.url = format!("{}/sms", gateway.url);
        s.channels.email.enabled = true;
        s.channels.email.host = "127.0.0.1".into();
        s.channels.email.from = "warnings@tocsin.example".into();
    })
    .await?;
    let admin = app.user("adam", &[Role::Admin]).await;
    let r = app
        .call(
            reqwest::Method::POST,
            "/api/v1/areas",
            Auth::Session(&admin),
            Body::Raw("application/geo+json", AREAS.into()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let author = app.user("ana", &[Role::Author]).await;
    let approver = app.user("boris", &[Role::Approver]).await;
    Some((app, author, approver))
}

/// Starts a server and a browser with a 412x915 viewport; `None` when Chromium is absent.
pub async fn start() -> Option<Phone> {
    start_with(|_| {}).await
}

/// As [`start`], with adjusted settings.
pub async fn start_with(adjust: impl FnOnce(&mut Settings)) -> Option<Phone> {
    let sms = Receiver::start().await;
    let (app, author, approver) = server(&sms, adjust).await?;
    let browser = Browser::start().await?;
    let proxy = Proxy::start(&app.base).await;
    browser.viewport(412, 915).await;
    Some(Phone { app, author, approver, proxy, browser, sms })
}

/// Issues an alert and gives its id. Nobody is subscribed, and the test alerts reach past the
/// named areas (the instance's territory), which the author confirms.
pub async fn issue(app: &TestApp, author: &Session, approver: &Session, content: Value) -> i64 {
    let r = app.post("/api/v1/alerts", Auth::Session(author), json!({ "content": content })).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_i64().unwrap();
    let confirm = json!({ "confirm": ["no-recipients", "outside-territory"] });
    let r = app.post(&format!("/api/v1/alerts/{id}/submit"), Auth::Session(author), confirm).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    approve_and_issue(app, approver, &r.json()).await["id"].as_i64().unwrap()
}

impl Phone {
    /// Issues an alert and gives its id.
    pub async fn issue(&self, content: Value) -> i64 {
        issue(&self.app, &self.author, &self.approver, content).await
    }

    /// Opens a path of the app (through the proxy) and waits until it has shown its data.
    pub async fn open(&self, path: &str) {
        self.browser.goto(&format!("{}{path}", self.proxy.url)).await;
        self.wait_ready().await;
    }

    /// Waits until the app has drawn its view.
    pub async fn wait_ready(&self) {
        let ready = "return document.body.dataset.ready === 'yes';";
        self.browser.wait_for("the app to be ready", ready, Duration::from_secs(20)).await;
    }

    /// Waits until the service worker is active and controls the page.
    pub async fn wait_worker(&self) {
        let active = "return navigator.serviceWorker.getRegistration().then(r => !!(r && r.active));";
        self.browser.wait_for("an active service worker", active, Duration::from_secs(20)).await;
        let controlled = "return !!navigator.serviceWorker.controller;";
        self.browser.wait_for("the worker to control the page", controlled, Duration::from_secs(20)).await;
    }

    /// Chooses the interface language and waits for the page to be redrawn in it.
    pub async fn language(&self, lang: &str) {
        let script = format!(
            "const s = document.getElementById('ui-lang'); s.value = {lang:?}; \
             s.dispatchEvent(new Event('change')); return true;"
        );
        self.browser.execute(&script, json!([])).await;
        let done =
            format!("return document.documentElement.lang === {lang:?} && document.body.dataset.ready === 'yes';");
        self.browser.wait_for(&format!("the page in {lang}"), &done, Duration::from_secs(10)).await;
        // One more frame, so that everything written after the words arrived is drawn.
        self.browser.execute("return new Promise(r => requestAnimationFrame(() => r(true)));", json!([])).await;
    }

    /// A screenshot of the viewport into test-output/pwa/NAME-412x915.png.
    pub async fn shot(&self, name: &str) {
        self.browser.execute("return new Promise(r => requestAnimationFrame(() => r(true)));", json!([])).await;
        self.browser.screenshot(&shots().join(format!("{name}-412x915.png"))).await;
    }
}

/// The WCAG 2.2 contrast check (1.4.3): every visible element with text of its own whose colour
/// against its first opaque background is below 4.5:1, or 3:1 for large text. Gives a list of
/// `[id or tag, text, ratio]`.
const LOW_CONTRAST: &str = r#"
const lum = (c) => { const [r, g, b] = c.match(/[\d.]+/g).slice(0, 3).map(v => { v = v / 255;
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
const opaque = (c) => { const m = c.match(/[\d.]+/g); return m && (m.length < 4 || parseFloat(m[3]) === 1); };
const back = (e) => { for (; e; e = e.parentElement) { const c = getComputedStyle(e).backgroundColor;
  if (opaque(c)) return c; } return 'rgb(255, 255, 255)'; };
const bad = [];
for (const e of document.querySelectorAll('body *')) {
  const own = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  if (!own || !e.getClientRects().length || e.closest('[hidden]')) continue;
  const s = getComputedStyle(e); if (s.visibility !== 'visible') continue;
  const [a, b] = [lum(s.color), lum(back(e))]; const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  const size = parseFloat(s.fontSize); const large = size >= 24 || (size >= 18.66 && parseInt(s.fontWeight, 10) >= 700);
  if (ratio < (large ? 3 : 4.5)) bad.push([e.id || e.tagName, e.textContent.trim().slice(0, 30), ratio.toFixed(2)]);
}
return bad;"#;

impl Phone {
    /// Fails when any visible text has too little contrast, or the view breaks any other WCAG
    /// 2.2 A or AA rule that axe-core checks.
    pub async fn check_contrast(&self, view: &str) {
        let bad = self.browser.execute(LOW_CONTRAST, json!([])).await;
        assert_eq!(bad, json!([]), "text below WCAG AA contrast in {view}");
        crate::browser::a11y::assert_accessible(&self.browser, view).await;
    }
}

/// A tile server on loopback that answers every request with the app's 192-pixel icon, and
/// counts the requests.
pub struct Tiles {
    pub url: String,
    pub served: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    _task: tokio::task::JoinHandle<()>,
}

impl Tiles {
    pub async fn start() -> Tiles {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let served = std::sync::Arc::new(AtomicUsize::new(0));
        let count = served.clone();
        let png = mobile_client::asset("icon-192.png").unwrap().body;
        let tile = move || {
            count.fetch_add(1, Ordering::SeqCst);
            async move { ([("content-type", "image/png")], png) }
        };
        let router = axum::Router::new().fallback(tile);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Tiles { url, served, _task: task }
    }
}

/// Where screenshots go: `test-output/pwa/` at the repository root.
pub fn shots() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../test-output/pwa")
}
