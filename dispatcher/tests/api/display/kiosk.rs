//! A display as a kiosk runs it: a Tocsin server with the engine, a registered display inside
//! the test polygon, a switchable proxy in front of the server, and Chromium showing the page.

use std::time::Duration;

use dispatcher::domain::roles::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::browser::proxy::Proxy;
use crate::browser::webdriver::Browser;
use crate::lifecycle::{approve_and_issue, submitted};
use crate::support::{Auth, Backend, Session, TestApp, spawn};

/// The display's name, shown on its idle screen.
pub const NAME: &str = "Hlavná stanica, nástupište 1";

/// What one alert slide shows, as the page renders it (a hidden element reads as ""), all read
/// at the same moment.
#[derive(Debug, serde::Deserialize)]
pub struct Slide {
    pub severity: String,
    pub instruction: String,
    pub area: String,
    pub expires: String,
    /// The EXERCISE/TEST banner; "" on a live alert.
    pub marker: String,
    /// "SK 1/3" when several slides take turns; "" for a single slide.
    pub pager: String,
    /// The severity band's background colour, as CSS computes it ("rgb(139, 0, 0)").
    pub band: String,
}

/// Everything a display test needs.
pub struct Kiosk {
    pub app: TestApp,
    pub operator: Session,
    pub author: Session,
    pub approver: Session,
    pub device: i64,
    pub secret: String,
    pub proxy: Proxy,
    pub browser: Browser,
}

/// Starts a server, registers a display (polling every `poll_seconds`) and opens a browser;
/// `None` when Chromium is not installed here.
pub async fn start(poll_seconds: u32) -> Option<Kiosk> {
    let app = spawn(Backend::Sqlite).await?;
    let browser = Browser::start().await?;
    let operator = app.user("olga", &[Role::Operator]).await;
    let author = app.user("ana", &[Role::Author]).await;
    let approver = app.user("boris", &[Role::Approver]).await;
    let body = json!({ "kind": "display", "name": NAME, "lat": 48.15, "lon": 17.1, "pollSeconds": poll_seconds });
    let r = app.post("/api/v1/devices", Auth::Session(&operator), body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let v = r.json();
    let device = v["device"]["id"].as_i64().unwrap();
    let secret = v["secret"].as_str().unwrap().to_owned();
    let proxy = Proxy::start(&app.base).await;
    Some(Kiosk { app, operator, author, approver, device, secret, proxy, browser })
}

impl Kiosk {
    /// Opens the page with the secret in the fragment and waits for the first answer.
    pub async fn open(&self) {
        let url = format!("{}/display/{}?lang=sk#secret={}", self.proxy.url, self.device, self.secret);
        self.browser.goto(&url).await;
        self.wait_idle().await;
    }

    /// Waits for the idle screen after an answer from the server ("no warnings").
    pub async fn wait_idle(&self) {
        let idle = "return document.body.dataset.state === 'idle' \
                    && document.getElementById('idle-status').textContent !== '';";
        self.browser.wait_for("the idle screen", idle, Duration::from_secs(60)).await;
    }

    /// Waits until the page shows command text in `lang` whose headline is `headline`, and gives
    /// what that slide shows, read in the same script that found it: slides rotate every 10 s,
    /// so fields read one by one afterwards could come from the next slide. A new command shows
    /// at once (the server wakes a waiting poll); a slide already in rotation comes round again
    /// within one turn of at most three slides.
    pub async fn wait_slide(&self, lang: &str, headline: &str) -> Slide {
        let script = format!(
            "const a = document.getElementById('alert'); \
             if (document.body.dataset.state !== 'alert' || a.lang !== {lang:?} \
                 || document.getElementById('alert-headline').textContent !== {headline:?}) return null; \
             const shown = (id) => {{ const e = document.getElementById(id); \
                                    return e.getClientRects().length ? e.innerText.trim() : ''; }}; \
             return {{ severity: shown('alert-severity'), instruction: shown('alert-instruction'), \
                      area: shown('alert-area'), expires: shown('alert-expires'), marker: shown('alert-marker'), \
                      pager: shown('alert-pager'), \
                      band: getComputedStyle(document.getElementById('alert-band')).backgroundColor }};"
        );
        let what = format!("the {lang} slide \"{headline}\"");
        let slide = self.browser.wait_for(&what, &script, Duration::from_secs(60)).await;
        serde_json::from_value(slide.clone()).unwrap_or_else(|e| panic!("{what}: {e}: {slide}"))
    }

    /// Issues an alert and gives its id.
    pub async fn issue(&self, content: Value) -> i64 {
        approve_and_issue(&self.app, &self.approver, &submitted(&self.app, &self.author, content).await).await["id"]
            .as_i64()
            .unwrap()
    }

    /// Cancels an alert; gives the Cancel's id.
    pub async fn cancel(&self, alert: i64) -> i64 {
        let r = self
            .app
            .post(&format!("/api/v1/alerts/{alert}/cancel"), Auth::Session(&self.approver), json!({ "kind": "cancel" }))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        r.json()["id"].as_i64().unwrap()
    }

    /// The display channel's delivery counts of an alert, by status.
    pub async fn deliveries(&self, alert: i64) -> Value {
        let r = self.app.get(&format!("/api/v1/alerts/{alert}/deliveries"), Auth::Session(&self.approver)).await;
        r.json()["channels"]["display"].clone()
    }

    /// Waits until the display's delivery of `alert` has `status`.
    pub async fn wait_delivery(&self, alert: i64, status: &str) {
        for _ in 0..300 {
            if self.deliveries(alert).await[status] == 1 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the display's delivery of alert {alert} never became {status}: {}", self.deliveries(alert).await);
    }

    /// Takes a screenshot at `width` x `height` into test-output/display/NAME-WxH.png.
    pub async fn shot(&self, name: &str, width: i64, height: i64) {
        self.browser.viewport(width, height).await;
        // The page redraws on resize; give it a frame.
        self.browser.execute("return new Promise(r => requestAnimationFrame(() => r(true)));", json!([])).await;
        let fits = "const b = document.getElementById('alert-body'); \
                    return document.documentElement.scrollHeight <= innerHeight && b.scrollHeight <= b.clientHeight + 1;";
        assert_eq!(self.browser.execute(fits, json!([])).await, json!(true), "{name} fits {width}x{height}");
        let headline = "return document.body.dataset.state !== 'alert' || \
                        parseFloat(getComputedStyle(document.getElementById('alert-headline')).fontSize) \
                        >= 0.05 * innerHeight - 1;";
        let large = self.browser.execute(headline, json!([])).await;
        assert_eq!(large, json!(true), "{name}: the headline is at least 5 % of the height at {width}x{height}");
        self.browser.screenshot(&super::shots().join(format!("{name}-{width}x{height}.png"))).await;
    }

    /// Screenshots in landscape and portrait.
    pub async fn shots(&self, name: &str) {
        self.shot(name, 1080, 1920).await;
        self.shot(name, 1920, 1080).await;
    }
}

/// Alert content in Slovak and English, Extreme, over the test polygon.
pub fn bilingual(status: &str) -> Value {
    let mut c = crate::support::content(status);
    let sk = &mut c["infos"][0];
    sk["severity"] = json!("Extreme");
    sk["headline"] = json!("Povodeň na Dunaji");
    sk["instruction"] = json!("Okamžite opustite nábrežie a choďte na vyššie položené miesto.");
    sk["senderName"] = json!("Okresný úrad Bratislava");
    let mut en = sk.clone();
    en["language"] = json!("en");
    en["event"] = json!("Flood");
    en["headline"] = json!("Danube flood");
    en["description"] = json!("The Danube is rising fast.");
    en["instruction"] = json!("Leave the riverside now and go to higher ground.");
    en["senderName"] = json!("District Office Bratislava");
    en["areas"][0]["areaDesc"] = json!("Riverside");
    c["infos"].as_array_mut().unwrap().push(en);
    c
}
