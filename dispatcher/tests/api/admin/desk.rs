//! The admin app's test desk: a browser on `/admin` at 1366x768 with the steps the tests share
//! (signing in and out, composing from a template, reading the reach and delivery tables),
//! the named area and template they start from, and the siren's side of the device protocol.

use std::time::Duration;

use dispatcher::domain::roles::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::browser::webdriver::Browser;
use crate::devices::{poll, post_as};
use crate::support::{Auth, Body, Session, TestApp, content};

const WAIT: Duration = Duration::from_secs(30);

/// A named area and a bilingual template that uses it, with a `{river}` placeholder.
pub async fn area_and_template(app: &TestApp, author: &Session) -> (i64, i64) {
    let admin = app.user("root", &[Role::Admin]).await;
    let geojson = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"Staré Mesto"},"geometry":{"type":"Polygon","coordinates":[[[17.0,48.1],[17.2,48.1],[17.2,48.2],[17.0,48.2],[17.0,48.1]]]}}]}"#;
    let r = app
        .call(
            reqwest::Method::POST,
            "/api/v1/areas",
            Auth::Session(&admin),
            Body::Raw("application/geo+json", geojson.into()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let area = r.json()["areas"][0]["id"].as_i64().unwrap();
    let mut c = content("Actual");
    c["areas"] = json!([area]);
    let sk = &mut c["infos"][0];
    sk["areas"] = json!([]);
    sk["headline"] = json!("Povodeň na rieke {river}");
    sk["instruction"] = json!("Opustite nábrežie rieky {river} a choďte na vyššie položené miesto.");
    let mut en = sk.clone();
    en["language"] = json!("en");
    en["event"] = json!("Flood");
    en["headline"] = json!("Flood on the {river}");
    en["description"] = json!("The river is rising.");
    en["instruction"] = json!("Leave the {river} riverside and go to higher ground.");
    c["infos"].as_array_mut().unwrap().push(en);
    let body = json!({ "name": "Povodeň", "description": "Rising river", "content": c });
    let r = app.post("/api/v1/templates", Auth::Session(author), body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    (area, r.json()["id"].as_i64().unwrap())
}

/// The browser and the helpers the steps share.
pub struct Desk<'a> {
    app: &'a TestApp,
    pub b: Browser,
}

impl Desk<'_> {
    pub async fn open(app: &TestApp) -> Option<Desk<'_>> {
        let b = Browser::start().await?;
        b.viewport(1366, 768).await;
        b.goto(&format!("{}/admin", app.base)).await;
        b.wait_for("the app to start", "return document.body.dataset.ready === 'yes';", WAIT).await;
        Some(Desk { app, b })
    }

    pub async fn wait(&self, what: &str, script: &str) -> Value {
        self.b.wait_for(what, script, WAIT).await
    }

    pub async fn wait_for_element(&self, css: &str) {
        let script = format!("const e = document.querySelector({css:?}); return !!e && e.offsetParent !== null;");
        self.wait(css, &script).await;
    }

    pub async fn shot(&self, name: &str) {
        self.b.screenshot(&shots().join(format!("{name}-1366x768.png"))).await;
    }

    pub async fn go(&self, hash: &str) {
        self.b.goto(&format!("{}/admin{hash}", self.app.base)).await;
    }

    pub async fn sign_in(&self, user: &str, code: Option<&[u8]>) {
        self.wait_for_element("#signin").await;
        self.b.type_into("#signin-user", user).await;
        self.b.type_into("#signin-password", &format!("{user}-password-long")).await;
        self.b.click("#signin-submit").await;
        if let Some(secret) = code {
            self.wait_for_element("#signin-totp").await;
            assert!(self.b.text("#signin-error").await.contains("authenticator app"));
            self.shot("05-second-factor").await;
            self.b.type_into("#signin-totp", &crate::support::next_totp(secret)).await;
            self.b.click("#signin-submit").await;
        }
        self.wait_for_element("#nav-alerts").await;
        assert_eq!(self.b.text("#who").await, user);
    }

    /// Creates a draft of `content` as `author` through the API, signs in as them and opens it;
    /// gives the draft's id.
    pub async fn open_draft(&self, author: &Session, user: &str, content: Value) -> i64 {
        let r = self.app.post("/api/v1/alerts", Auth::Session(author), json!({ "content": content })).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let id = r.json()["id"].as_i64().unwrap();
        self.sign_in(user, None).await;
        self.go(&format!("#/alerts/{id}")).await;
        id
    }

    pub async fn sign_out(&self) {
        self.b.click("#signout").await;
        self.wait_for_element("#signin").await;
    }

    pub async fn banner(&self) -> String {
        self.b.text("#banner").await
    }

    /// Chooses a template as the start of a new alert and fills its placeholder.
    pub async fn compose_from(&self, template: i64, river: &str) {
        self.b.click("#nav-compose").await;
        self.wait_for_element("#compose").await;
        let choose = format!(
            "const s = document.getElementById('source'); s.value = 't{template}'; \
             s.dispatchEvent(new Event('change')); return true;"
        );
        self.b.execute(&choose, json!([])).await;
        self.wait_for_element("#ph-river").await;
        self.b.type_into("#ph-river", river).await;
    }

    /// The count a dashboard or reach table shows for a channel (and status).
    pub async fn cell(&self, table: &str, channel: &str, status: Option<&str>) -> String {
        let status = status.map(|s| format!("[data-status={s}]")).unwrap_or_default();
        let script = format!(
            "const c = document.querySelector('#{table} tr[data-channel={channel}] td{status}'); \
             return c ? c.textContent : '';"
        );
        self.b.execute(&script, json!([])).await.as_str().unwrap_or_default().to_owned()
    }

    pub async fn wait_cell(&self, table: &str, channel: &str, status: Option<&str>, want: &str) {
        for _ in 0..300 {
            if self.cell(table, channel, status).await == want {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let page = self.b.execute("return document.body.innerText;", json!([])).await;
        panic!("{table} {channel} {status:?} never showed {want}; the page shows: {page}");
    }

    /// The id in the address bar (`#/alerts/{id}`).
    pub async fn alert_id(&self) -> i64 {
        let hash = self.b.execute("return location.hash;", json!([])).await;
        hash.as_str().unwrap().trim_start_matches("#/alerts/").parse().unwrap()
    }
}

/// Polls as the siren until a command of `msg_type` arrives; gives its id.
pub async fn siren_command(app: &TestApp, secret: &str, msg_type: &str) -> i64 {
    for _ in 0..30 {
        let (_, _, body) = poll(app, secret, 2, None).await;
        if let Some(c) = body["commands"].as_array().and_then(|c| c.iter().find(|c| c["msgType"] == msg_type)) {
            return c["id"].as_i64().unwrap();
        }
    }
    panic!("the siren never got a {msg_type} command");
}

pub async fn ack(app: &TestApp, secret: &str, command: i64, state: &str) {
    let r = post_as(app, secret, "/api/v1/device/ack", json!({ "command": command, "state": state })).await;
    assert_eq!(r, StatusCode::NO_CONTENT);
}

/// Where screenshots go: `test-output/admin/` at the repository root.
pub fn shots() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../test-output/admin")
}
