//! The channel choice and the channel previews in the admin app, in headless Chromium: an
//! author unticks a channel and the reach says it is not chosen; each preview tab (push, SMS,
//! email, display, siren) shows what that channel sends; the approver sees the same.
//! Screenshots: `previews-*.png`.

use dispatcher::domain::roles::Role;
use reqwest::StatusCode;
use serde_json::json;

use super::desk::{Desk, shots};
use crate::devices::register;
use crate::support::{Auth, Backend, content, spawn};

#[tokio::test]
async fn an_author_chooses_channels_and_sees_what_each_sends() {
    let Some(app) = spawn(Backend::Sqlite).await else { return };
    let ana = app.user("ana", &[Role::Author]).await;
    let operator = app.user("olga", &[Role::Operator]).await;
    app.user("boris", &[Role::Approver]).await;
    let siren =
        json!({ "kind": "siren", "name": "Nábrežie", "lat": 48.15, "lon": 17.1, "capabilities": ["tones", "voice"] });
    register(&app, &operator, siren).await;
    let mut c = content("Exercise");
    let en = {
        let mut en = c["infos"][0].clone();
        en["language"] = json!("en");
        en["headline"] = json!("Flood on the Danube");
        en["instruction"] = json!("Leave the riverside.");
        en
    };
    c["infos"].as_array_mut().unwrap().push(en);
    let Some(d) = Desk::open(&app).await else { return };
    let b = &d.b;
    let id = d.open_draft(&ana, "ana", c).await;
    d.wait_for_element("#editor").await;
    d.wait_for_element("#channels").await;
    d.wait_cell("reach", "siren", None, "1").await;
    let ticked = "return [...document.querySelectorAll('#channels input[name=channel]')].filter(i => i.checked).map(i => i.value);";
    let all = b.execute(ticked, json!([])).await;
    for c in ["push", "sms", "email", "display", "siren", "webhook"] {
        assert!(all.as_array().unwrap().contains(&json!(c)), "every channel is ticked by default: {all}");
    }

    // Unticking the sirens: the reach says so, the CAP carries the choice, the siren tab goes.
    d.wait_for_element("#tab-siren").await;
    b.click("#channel-siren").await;
    d.wait_cell("reach", "siren", None, "0").await;
    let row = "const r = document.querySelector('#reach tr[data-channel=siren]'); \
               return !!r && r.dataset.chosen === 'no' && r.textContent.includes('not chosen');";
    d.wait("the reach to say sirens are not chosen", row).await;
    d.wait("the siren tab to go", "return !document.getElementById('tab-siren');").await;
    let view = app.get(&format!("/api/v1/alerts/{id}"), Auth::Session(&ana)).await.json();
    let saved = view["content"]["channels"].as_array().unwrap().clone();
    assert!(!saved.contains(&json!("siren")) && saved.contains(&json!("push")), "{saved:?}");
    assert!(b.text("#chosen-channels").await.contains("Email"));
    d.shot("previews-reach-not-chosen").await;

    // Each tab shows its channel's message, in both languages.
    for (tab, check) in [
        ("push", ".notification-title"),
        ("sms", ".sms-text"),
        ("email", "iframe.email-html"),
        ("display", ".screen-headline"),
    ] {
        b.click(&format!("#tab-{tab}")).await;
        d.wait_for_element(&format!("#panel-{tab} [data-lang=en] {check}")).await;
        let selected = format!("return document.getElementById('tab-{tab}').getAttribute('aria-selected');");
        assert_eq!(b.execute(&selected, json!([])).await, json!("true"));
        d.shot(&format!("previews-{tab}")).await;
    }
    let title = "return document.querySelector('#panel-push [data-lang=sk] .notification-title').textContent;";
    let title = b.execute(title, json!([])).await;
    assert!(title.as_str().unwrap().starts_with("CVIČENIE") && title.as_str().unwrap().contains("Povodeň"), "{title}");
    let sandbox = "return document.querySelector('#panel-email iframe').getAttribute('sandbox');";
    assert_eq!(b.execute(sandbox, json!([])).await, json!(""), "the email's HTML runs in a sandbox");
    let text = |css: &str| format!("return document.querySelector({css:?}).textContent;");
    let subject = b.execute(&text("#panel-email [data-lang=en] dd"), json!([])).await;
    let subject = subject.as_str().unwrap();
    assert!(subject.contains("EXERCISE") && subject.contains("Flood on the Danube"), "{subject}");
    let headline = b.execute(&text("#panel-display [data-lang=sk] .screen-headline"), json!([])).await;
    assert!(headline.as_str().unwrap().contains("Povodeň na Dunaji"), "{headline}");

    // The arrow keys move between the tabs; ticking the sirens again brings their tab back.
    b.click("#tab-push").await;
    b.press("\u{E014}").await;
    let focused = "return document.activeElement.id;";
    assert_eq!(b.execute(focused, json!([])).await, json!("tab-sms"));
    b.click("#channel-siren").await;
    d.wait_for_element("#tab-siren").await;
    b.click("#tab-siren").await;
    d.wait_for_element("#panel-siren [data-lang=sk] .preview-facts").await;
    let facts = b.text("#panel-siren [data-lang=sk] .preview-facts").await;
    assert!(facts.contains("sk-general-danger"), "{facts}");
    d.shot("previews-siren").await;

    // On an upright tablet the tabs wrap and nothing needs sideways scrolling.
    b.viewport(768, 1024).await;
    let wide = "return document.documentElement.scrollWidth <= window.innerWidth;";
    d.wait("the page to fit the tablet's width", wide).await;
    b.screenshot(&shots().join("previews-tablet-768x1024.png")).await;

    // The approver sees the same previews and which channels were chosen.
    b.viewport(1366, 768).await;
    b.click("#channel-display").await;
    d.wait("the displays to be left out", "return !document.getElementById('tab-display');").await;
    let r = app.post(&format!("/api/v1/alerts/{id}/submit"), Auth::Session(&ana), json!({ "confirm": [] })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    d.sign_out().await;
    d.sign_in("boris", None).await;
    d.go(&format!("#/alerts/{id}")).await;
    d.wait_for_element("#channel-previews #tab-push").await;
    let chosen = b.text("#chosen-channels").await;
    assert!(chosen.contains("Sirens") && !chosen.contains("Displays"), "{chosen}");
    d.wait_cell("reach", "display", None, "0").await;
    b.click("#tab-email").await;
    d.wait_for_element("#panel-email [data-lang=sk] iframe").await;
    d.shot("previews-review").await;
}
