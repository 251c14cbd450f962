//! A minimal W3C WebDriver client over reqwest, and the chromedriver and headless Chromium it
//! drives (Debian's `chromium` and `chromium-driver`): sessions, navigation, scripts, element
//! text, clicks (also at a point of an element, by real pointer actions) and keys, window size, screenshots, and Chrome DevTools Protocol commands
//! (chromedriver's `goog/cdp/execute`). Enough for the display page's and the residents' app's tests.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// The flags that keep a test browser quiet, offline except for loopback, and headless.
const ARGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--lang=en-GB",
    "--window-size=1920,1080",
];

/// Where chromedriver is, if this machine has it and Chromium.
fn chromedriver() -> Option<std::path::PathBuf> {
    let driver = std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("chromedriver"))
        .find(|p| p.is_file())?;
    Path::new(CHROMIUM).is_file().then_some(driver)
}

/// chromedriver in its own process group, so that Chromium dies with it.
struct Driver {
    child: Child,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.wait();
    }
}

/// One browser session.
pub struct Browser {
    http: reqwest::Client,
    session: String,
    _driver: Driver,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium; `None` (with the reason printed) when they
    /// are not installed, which fails instead under CI.
    pub async fn start() -> Option<Browser> {
        let Some(path) = chromedriver() else {
            if std::env::var_os("TOCSIN_CI").is_some() {
                panic!("chromedriver and {CHROMIUM} are required under CI (apt-get install chromium chromium-driver)");
            }
            eprintln!("skipping a browser test: chromedriver or {CHROMIUM} is not installed");
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        use std::os::unix::process::CommandExt as _;
        let child = Command::new(path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("start chromedriver");
        let driver = Driver { child };
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        for _ in 0..200 {
            if http.get(format!("{base}/status")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": CHROMIUM, "args": ARGS },
        } } });
        let answer = send(&http, reqwest::Method::POST, &format!("{base}/session"), Some(caps)).await;
        let id = answer["sessionId"].as_str().expect("a WebDriver session id");
        Some(Browser { http, session: format!("{base}/session/{id}"), _driver: driver })
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        send(&self.http, method, &format!("{}{path}", self.session), body).await
    }

    /// Opens a URL and waits for the page to load.
    pub async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({ "url": url }))).await;
    }

    /// Runs a script (a function body; `arguments` holds `args`) and gives what it returns.
    pub async fn execute(&self, script: &str, args: Value) -> Value {
        self.call(reqwest::Method::POST, "/execute/sync", Some(json!({ "script": script, "args": args }))).await
    }

    async fn element(&self, css: &str) -> String {
        let found =
            self.call(reqwest::Method::POST, "/element", Some(json!({ "using": "css selector", "value": css }))).await;
        found[ELEMENT].as_str().unwrap_or_else(|| panic!("no element {css}: {found}")).to_owned()
    }

    /// The rendered text of the element `css` (empty when hidden).
    pub async fn text(&self, css: &str) -> String {
        let id = self.element(css).await;
        self.call(reqwest::Method::GET, &format!("/element/{id}/text"), None).await.as_str().unwrap_or("").to_owned()
    }

    /// Clicks the element `css`.
    pub async fn click(&self, css: &str) {
        let id = self.element(css).await;
        self.call(reqwest::Method::POST, &format!("/element/{id}/click"), Some(json!({}))).await;
    }

    /// Clicks with the mouse at (`x`, `y`) CSS pixels from the top left corner of the element
    /// `css` (scrolled into view first), as a user would: a real pointer move, press and
    /// release, so the page sees pointer and mouse events at that point.
    pub async fn click_at(&self, css: &str, x: f64, y: f64) {
        let script = "const r = document.querySelector(arguments[0]).getBoundingClientRect(); \
                      return [r.left, r.top, r.width, r.height];";
        self.execute(
            "document.querySelector(arguments[0]).scrollIntoView({ block: 'center' }); return true;",
            json!([css]),
        )
        .await;
        let r = self.execute(script, json!([css])).await;
        let (left, top, w, h) =
            (r[0].as_f64().unwrap(), r[1].as_f64().unwrap(), r[2].as_f64().unwrap(), r[3].as_f64().unwrap());
        assert!((0.0..=w).contains(&x) && (0.0..=h).contains(&y), "({x}, {y}) is outside {css} ({w}x{h})");
        let (vx, vy) = ((left + x).round() as i64, (top + y).round() as i64);
        let actions = json!({ "actions": [{ "type": "pointer", "id": "mouse", "parameters": { "pointerType": "mouse" }, "actions": [
            { "type": "pointerMove", "duration": 0, "origin": "viewport", "x": vx, "y": vy },
            { "type": "pointerDown", "button": 0 },
            { "type": "pointerUp", "button": 0 },
        ] }] });
        self.call(reqwest::Method::POST, "/actions", Some(actions)).await;
    }

    /// Types `text` into the element `css`.
    pub async fn type_into(&self, css: &str, text: &str) {
        let id = self.element(css).await;
        self.call(reqwest::Method::POST, &format!("/element/{id}/value"), Some(json!({ "text": text }))).await;
    }

    /// Sizes the window so that the page's viewport is `width` x `height` CSS pixels (the
    /// window is larger by the browser's frame, which is measured rather than assumed).
    pub async fn viewport(&self, width: i64, height: i64) {
        let (mut w, mut h) = (width, height);
        let mut inner = (0, 0);
        for _ in 0..10 {
            self.call(reqwest::Method::POST, "/window/rect", Some(json!({ "width": w, "height": h }))).await;
            inner = self.settled_size().await;
            if inner == (width, height) {
                return;
            }
            w += width - inner.0;
            h += height - inner.1;
        }
        panic!("could not size the viewport to {width}x{height}; it stays {inner:?}");
    }

    /// The viewport's size once a resize has taken effect (the same twice in a row).
    async fn settled_size(&self) -> (i64, i64) {
        let mut last = (-1, -1);
        for _ in 0..20 {
            let v = self.execute("return [innerWidth, innerHeight];", json!([])).await;
            let now = (v[0].as_i64().unwrap_or(0), v[1].as_i64().unwrap_or(0));
            if now == last {
                return now;
            }
            last = now;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        last
    }

    /// Saves a PNG of the viewport.
    pub async fn screenshot(&self, file: &Path) {
        let b64 = self.call(reqwest::Method::GET, "/screenshot", None).await;
        let png = base64::engine::general_purpose::STANDARD.decode(b64.as_str().unwrap_or("")).expect("PNG in base64");
        std::fs::create_dir_all(file.parent().expect("a directory")).expect("screenshot directory");
        std::fs::write(file, png).expect("write screenshot");
    }

    /// Evaluates `condition` (a script returning a value) until it is truthy, and gives that
    /// value; fails with `what` after `limit`.
    pub async fn wait_for(&self, what: &str, condition: &str, limit: Duration) -> Value {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let v = self.execute(condition, json!([])).await;
            if !(v.is_null() || v == json!(false) || v == json!("") || v == json!(0)) {
                return v;
            }
            if tokio::time::Instant::now() > deadline {
                let state = self.execute("return document.body.innerText;", json!([])).await;
                panic!("waited {limit:?} for {what}; the page shows: {state}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Runs a Chrome DevTools Protocol command on the page's target and gives its result;
    /// fails on a protocol error.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.call(reqwest::Method::POST, "/goog/cdp/execute", Some(json!({ "cmd": cmd, "params": params }))).await
    }

    /// As [`Browser::cdp`], giving the error message instead of failing.
    pub async fn try_cdp(&self, cmd: &str, params: Value) -> Result<Value, String> {
        let url = format!("{}/goog/cdp/execute", self.session);
        let body = json!({ "cmd": cmd, "params": params }).to_string();
        let resp = self.http.post(&url).header("content-type", "application/json").body(body).send().await;
        let resp = resp.map_err(|e| e.to_string())?;
        let answer: Value =
            serde_json::from_slice(&resp.bytes().await.map_err(|e| e.to_string())?).unwrap_or(Value::Null);
        let value = answer["value"].clone();
        match value.get("error") {
            Some(e) => Err(format!("{e}: {}", value["message"])),
            None => Ok(value),
        }
    }

    /// Presses and releases one key (a WebDriver key code such as `"\u{E004}"` for Tab) in
    /// the focused element.
    pub async fn press(&self, key: &str) {
        let actions = json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": [
            { "type": "keyDown", "value": key }, { "type": "keyUp", "value": key },
        ] }] });
        self.call(reqwest::Method::POST, "/actions", Some(actions)).await;
    }

    /// Presses `key` while `modifier` (Shift `\u{E008}`, Control `\u{E009}`) is held.
    pub async fn press_with(&self, modifier: &str, key: &str) {
        let actions = json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": [
            { "type": "keyDown", "value": modifier }, { "type": "keyDown", "value": key },
            { "type": "keyUp", "value": key }, { "type": "keyUp", "value": modifier },
        ] }] });
        self.call(reqwest::Method::POST, "/actions", Some(actions)).await;
    }

    /// Ends the session (closing Chromium).
    pub async fn quit(self) {
        self.call(reqwest::Method::DELETE, "", None).await;
    }
}

/// One WebDriver command; gives its `value`, and fails on a WebDriver error.
async fn send(http: &reqwest::Client, method: reqwest::Method, url: &str, body: Option<Value>) -> Value {
    let mut req = http.request(method, url);
    if let Some(b) = body {
        req = req.header("content-type", "application/json").body(b.to_string());
    }
    let resp = req.send().await.unwrap_or_else(|e| panic!("WebDriver {url}: {e}"));
    let answer: Value = serde_json::from_slice(&resp.bytes().await.expect("WebDriver answer")).unwrap_or(Value::Null);
    let value = answer["value"].clone();
    if let Some(error) = value.get("error") {
        panic!("WebDriver {url}: {error}: {}", value["message"]);
    }
    value
}
