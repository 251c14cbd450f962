//! The management screens in headless Chromium: an administrator visits devices (a siren with
//! its faults, power and the answer to a siren test run by a second person), residents,
//! templates, areas, users and the audit log at 1366x768 and on an upright tablet (768x1024,
//! nothing scrolling sideways), uploads a GeoJSON area and a residents' CSV through the real
//! file inputs (a dry run naming the refused line, then the import, and the counts change),
//! creates a token whose value is shown once, and searches the audit log by keyboard beside
//! the chain's verdict. An author is shown neither Users nor Audit, and the server refuses
//! both. Screenshots: `test-output/admin/screens-<name>-<size>.png`.

use dispatcher::domain::roles::Role;
use reqwest::StatusCode;
use serde_json::json;

use super::desk::{Desk, ack, area_and_template, shots, siren_command};
use crate::devices::{poll, post_as, register};
use crate::support::{Auth, Backend, spawn};

const TAB: &str = "\u{E004}";
const ENTER: &str = "\u{E007}";

const AREAS: &str = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"Levice"},"geometry":{"type":"MultiPolygon","coordinates":[[[[18.5,48.2],[18.7,48.2],[18.7,48.3],[18.5,48.3],[18.5,48.2]]],[[[18.8,48.2],[18.9,48.2],[18.9,48.3],[18.8,48.3],[18.8,48.2]]]]}}]}"#;

/// Three residents (two by SMS) and a line with a number that is not one.
const RESIDENTS: &str = "phone,email,lat,lon,area,language\n\
                         +421900100200,,48.15,17.10,,sk\n\
                         +421900100300,jan@levice.example,,,Levice,sk\n\
                         0900 1,,48.15,17.10,,sk\n";

/// Whether `text` says a moment "just now" or "N min ago": the screens say "just now" for under
/// a minute, and the heartbeat or sign-in shown may be older than that by the time a slow
/// machine has opened the browser and come to its screen.
fn recently(text: &str) -> bool {
    text.contains("just now")
        || text.match_indices(" min ago").any(|(at, _)| text[..at].ends_with(|c: char| c.is_ascii_digit()))
}

impl Desk<'_> {
    /// Opens a screen from the navigation and waits for `ready`; screenshots at both sizes.
    async fn visit(&self, name: &str, ready: &str) {
        self.b.click(&format!("#nav-{name}")).await;
        self.wait_for_element(ready).await;
        self.b.screenshot(&shots().join(format!("screens-{name}-1366x768.png"))).await;
        self.b.viewport(768, 1024).await;
        let fits = "return document.documentElement.scrollWidth <= innerWidth;";
        assert_eq!(self.b.execute(fits, json!([])).await, json!(true), "{name} fits 768 pixels");
        self.b.screenshot(&shots().join(format!("screens-{name}-768x1024.png"))).await;
        self.b.viewport(1366, 768).await;
    }

    /// The text of the first element matching `css`, or "".
    async fn text_of(&self, css: &str) -> String {
        let script = format!("const e = document.querySelector({css:?}); return e ? e.textContent : '';");
        self.b.execute(&script, json!([])).await.as_str().unwrap_or_default().to_owned()
    }

    /// Presses Tab until the element with `id` has the focus.
    async fn tab_to(&self, id: &str) {
        for _ in 0..60 {
            if self.b.execute("return document.activeElement.id;", json!([])).await == json!(id) {
                return;
            }
            self.b.press(TAB).await;
        }
        panic!("Tab never reached #{id}");
    }
}

#[tokio::test]
async fn an_administrator_manages_devices_residents_templates_areas_users_and_the_audit_log() {
    let Some(app) = spawn(Backend::Sqlite).await else { return };
    let adela = app.user("adela", &[Role::Admin]).await;
    let ana = app.user("ana", &[Role::Author]).await;
    area_and_template(&app, &ana).await;
    let siren = register(
        &app,
        &adela,
        json!({ "kind": "siren", "name": "Siréna Radnica", "lat": 48.15, "lon": 17.1, "groups": ["centrum"] }),
    )
    .await;
    poll(&app, &siren.secret, 0, None).await;
    let health = json!({ "mains": false, "battery": 64, "faults": ["E12"] });
    assert_eq!(post_as(&app, &siren.secret, "/api/v1/device/heartbeat", health).await, StatusCode::NO_CONTENT);
    // A siren test, approved and run by a second person; the siren says it sounded.
    let boris = app.user("boris", &[Role::Approver]).await;
    let schedule = json!({ "name": "Monthly test", "signal": "silent-test", "groups": ["centrum"], "every": "month",
                           "weekday": 5, "weekOfMonth": 2, "at": "12:00" });
    let id = app.post("/api/v1/siren-tests", Auth::Session(&adela), schedule).await.json()["id"].as_i64().unwrap();
    let path = format!("/api/v1/siren-tests/{id}");
    let r = app.post(&format!("{path}/approve"), Auth::Session(&boris), json!({ "version": 1 })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = app.post(&format!("{path}/run"), Auth::Session(&boris), json!({})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let command = siren_command(&app, &siren.secret, "Alert").await;
    ack(&app, &siren.secret, command, "completed").await;
    let Some(d) = Desk::open(&app).await else { return };
    let b = &d.b;
    d.sign_in("adela", None).await;

    d.visit("devices", "#devices tr[data-name='Siréna Radnica']").await;
    let row = d.text_of("#devices tr[data-name='Siréna Radnica']").await;
    for shown in ["Siren", "centrum", "Online", "fault E12", "On battery", "battery 64 %", "Sounded"] {
        assert!(row.contains(shown), "{shown:?} in {row}");
    }
    assert!(recently(&row), "last seen \"just now\" or some minutes ago: {row}");
    // The map marks the siren where it stands, green: online, though with a fault it is amber.
    let markers = "return [...document.querySelectorAll('#devices-map .marker')].map(m => m.getAttribute('class'));";
    let marked = d
        .wait(
            "the siren on the map",
            &markers.replace("return ", "const m = ").replace(";", "; return m.length ? m : null;"),
        )
        .await;
    assert_eq!(marked.as_array().map(Vec::len), Some(1), "one siren: {marked}");
    assert!(marked[0].as_str().unwrap().contains("status-warning"), "online with a fault: {marked}");
    // Register a display: its secret is shown once, with a warning.
    b.execute("document.getElementById('dv-kind').value = 'display'; return true;", json!([])).await;
    b.type_into("#dv-name", "Displej Námestie").await;
    b.type_into("#dv-lat", "48.2").await;
    b.type_into("#dv-lon", "18.6").await;
    b.click("#dv-submit").await;
    d.wait_for_element("#dv-secret-value").await;
    let secret = b.execute("return document.getElementById('dv-secret-value').value;", json!([])).await;
    assert!(secret.as_str().unwrap().starts_with("tdv_"), "{secret}");
    assert!(b.text("#dv-secret").await.contains("shown only once"));
    d.wait_for_element("#devices tr[data-name='Displej Námestie']").await;
    // Revoking asks first, naming the device.
    b.click("#devices tr[data-name='Displej Námestie'] .danger-outline").await;
    let yes = "#devices tr[data-name='Displej Námestie'] .confirm-yes";
    d.wait_for_element(yes).await;
    assert_eq!(b.text(yes).await, "Revoke Displej Námestie");
    d.shot("screens-devices-revoke").await;
    b.click(yes).await;
    d.wait_for_element("#devices tr[data-name='Displej Námestie'][data-state=revoked]").await;

    d.visit("templates", "#templates tr[data-name='Povodeň']").await;
    assert!(d.text_of("#templates tr[data-name='Povodeň']").await.contains("sk, en"));
    // The English headline changed in the form is what the server keeps.
    b.click("#templates tr[data-name='Povodeň'] th a").await;
    d.wait_for_element("#template-edit").await;
    let headline = "#template-edit fieldset[data-language=en] [data-key=headline]";
    b.execute(&format!("document.querySelector({headline:?}).value = ''; return true;"), json!([])).await;
    b.type_into(headline, "Flood warning on the {river}").await;
    b.click("#tp-save").await;
    d.wait("the template to be saved", "return document.getElementById('tp-edit-status').textContent !== '';").await;
    let saved = app.get("/api/v1/templates", Auth::Session(&ana)).await.json();
    assert_eq!(saved[0]["content"]["infos"][1]["headline"], "Flood warning on the {river}", "{saved}");
    d.shot("screens-template-edit").await;

    d.visit("areas", "#areas tr[data-name='Staré Mesto']").await;
    let dir = tempfile::tempdir().unwrap();
    // What the server refuses is shown for the feature at fault.
    let unnamed = dir.path().join("unnamed.geojson");
    std::fs::write(&unnamed, AREAS.replace(r#""name":"Levice""#, r#""title":"Levice""#)).unwrap();
    b.type_into("#area-file", unnamed.to_str().unwrap()).await;
    b.click("#area-submit").await;
    d.wait("the refusal", "return document.getElementById('area-error').textContent !== '';").await;
    let refusal = b.text("#area-error").await;
    assert!(refusal.starts_with("Feature 1 ()") && refusal.contains("every feature needs a name"), "{refusal}");
    let geojson = dir.path().join("levice.geojson");
    std::fs::write(&geojson, AREAS).unwrap();
    // WebDriver chooses a file by typing its path into the file input.
    b.type_into("#area-file", geojson.to_str().unwrap()).await;
    b.click("#area-submit").await;
    d.wait_for_element("#areas tr[data-name='Levice']").await;
    assert!(b.text("#area-imported").await.contains("Levice"));
    let levice = d.text_of("#areas tr[data-name='Levice']").await;
    assert!(levice.contains("km²") && levice.contains('2'), "two polygons: {levice}");
    d.shot("screens-areas-uploaded").await;

    d.visit("residents", "#residents-channels").await;
    let sms = "#residents-channels tr[data-channel=sms] td[data-count=verified]";
    assert_eq!(d.text_of(sms).await, "0");
    let csv = dir.path().join("residents.csv");
    std::fs::write(&csv, RESIDENTS).unwrap();
    b.type_into("#import-file", csv.to_str().unwrap()).await;
    b.click("#import-check").await;
    d.wait_for_element("#import-bad li[data-line='4']").await;
    assert!(b.text("#import-summary").await.contains("1 of 3 rows are refused"));
    assert!(b.text("#import-bad").await.contains("Line 4, phone"), "{}", b.text("#import-bad").await);
    d.shot("screens-residents-dry-run").await;
    b.click("#import-skip").await;
    b.click("#import-check").await;
    d.wait("the import to be offered", "const c = document.getElementById('import-confirm'); return c && !c.disabled;")
        .await;
    assert_eq!(b.text("#import-confirm").await, "Import 3 residents");
    assert_eq!(d.text_of(sms).await, "0", "a dry run stores nothing");
    b.click("#import-confirm").await;
    d.wait("the counts to change", &format!("return document.querySelector({sms:?}).textContent === '2';")).await;
    assert_eq!(d.text_of("#residents-areas tr[data-area='Levice'] td[data-count=verified]").await, "2");
    assert!(b.text("#import-summary").await.contains("Imported 3 subscriptions"));
    d.shot("screens-residents-imported").await;

    d.visit("users", "#users tr[data-name='adela']").await;
    let adela = d.text_of("#users tr[data-name='adela']").await;
    assert!(recently(&adela), "the last sign-in is shown: {adela}");
    // A new user gets a one-time password, shown once.
    b.type_into("#us-new-username", "eva").await;
    b.type_into("#us-new-display", "Eva Malá").await;
    b.click("#user-add input[value=approver]").await;
    b.click("#us-add-submit").await;
    d.wait_for_element("#us-password").await;
    d.wait_for_element("#users tr[data-name='eva']").await;
    assert!(d.text_of("#users tr[data-name='eva']").await.contains("Must change password"));
    b.type_into("#tk-name", "roc-gateway").await;
    b.click("#token-create input[value=cap]").await;
    b.click("#tk-submit").await;
    d.wait_for_element("#token-value").await;
    let value = b.execute("return document.getElementById('token-value').value;", json!([])).await;
    let value = value.as_str().unwrap().to_owned();
    assert!(value.len() > 20, "{value}");
    d.wait_for_element("#tokens tr[data-name='roc-gateway']").await;
    d.shot("screens-users-token").await;
    let anywhere = "return document.body.innerText.includes(arguments[0]) \
                    || [...document.querySelectorAll('input')].some((i) => i.value === arguments[0]);";
    assert_eq!(b.execute(anywhere, json!([value])).await, json!(true), "shown now");
    let r = app.get("/api/v1/templates", Auth::Token(&value)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "the token has the cap scope only");
    // Shown once: the screen opened again does not have it.
    b.click("#nav-alerts").await;
    d.wait_for_element("#alerts").await;
    b.click("#nav-users").await;
    d.wait_for_element("#tokens tr[data-name='roc-gateway']").await;
    assert_eq!(b.execute(anywhere, json!([value])).await, json!(false), "the token's value is not shown again");
    // In Slovak.
    b.execute(
        "const s = document.getElementById('lang'); s.value = 'sk'; s.dispatchEvent(new Event('change')); return true;",
        json!([]),
    )
    .await;
    d.wait("the Slovak words", "return document.querySelector('h1').textContent === 'Používatelia a tokeny API';")
        .await;
    b.screenshot(&shots().join("screens-users-sk-1366x768.png")).await;
    b.execute(
        "const s = document.getElementById('lang'); s.value = 'en'; s.dispatchEvent(new Event('change')); return true;",
        json!([]),
    )
    .await;

    d.visit("audit", "#audit-verify[data-intact=yes]").await;
    assert!(b.text("#audit-verify").await.contains("Verified: the hash chain holds for all"));
    // By keyboard only: from the heading to the words field, then Enter searches.
    d.wait("the heading to take the focus", "return document.activeElement.tagName === 'H1';").await;
    d.tab_to("audit-q").await;
    for key in "token.create".chars() {
        b.press(&key.to_string()).await;
    }
    b.press(ENTER).await;
    d.wait("one entry", "return document.querySelectorAll('#audit tr[data-seq]').length === 1;").await;
    assert_eq!(d.text_of("#audit tr[data-seq] td:nth-child(4)").await, "token.create");
    assert!(d.text_of("#audit tr[data-seq]").await.contains("user:adela"));
    d.shot("screens-audit-searched").await;
    d.b.quit().await;
}

#[tokio::test]
async fn an_author_is_shown_neither_users_nor_audit_and_the_server_refuses_both() {
    let Some(app) = spawn(Backend::Sqlite).await else { return };
    let ana = app.user("ana", &[Role::Author]).await;
    let (_, template) = area_and_template(&app, &ana).await;
    let Some(d) = Desk::open(&app).await else { return };
    let b = &d.b;
    d.sign_in("ana", None).await;
    // A template starts a new alert with its placeholders asked for.
    b.click("#nav-templates").await;
    let start = format!("#templates tr[data-id='{template}'] a.button");
    d.wait_for_element(&start).await;
    b.click(&start).await;
    d.wait_for_element("#ph-river").await;
    assert_eq!(
        b.execute("return document.getElementById('source').value;", json!([])).await,
        json!(format!("t{template}"))
    );
    let shown = |id: &str| format!("return !!document.getElementById('{id}');");
    for present in ["nav-residents", "nav-templates", "nav-areas"] {
        assert_eq!(b.execute(&shown(present), json!([])).await, json!(true), "{present}");
    }
    for absent in ["nav-users", "nav-audit", "nav-devices"] {
        assert_eq!(b.execute(&shown(absent), json!([])).await, json!(false), "{absent}");
    }
    // Typing the address does not open them either: the router falls back to the alerts.
    d.wait_for_element("#ph-river").await;
    d.go("#/users").await;
    d.wait_for_element("#alerts").await;
    assert_eq!(b.execute(&shown("users"), json!([])).await, json!(false));
    d.b.quit().await;
    for path in ["/api/v1/users", "/api/v1/tokens", "/api/v1/audit", "/api/v1/audit/verify", "/api/v1/devices"] {
        assert_eq!(app.get(path, Auth::Session(&ana)).await.status, StatusCode::FORBIDDEN, "{path}");
    }
}
