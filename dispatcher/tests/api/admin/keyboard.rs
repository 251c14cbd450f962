//! The admin app by keyboard alone: from signing in to a submitted alert with Tab, arrows,
//! Space and Enter, each control reached in order and none trapping the focus.

use dispatcher::domain::roles::Role;
use serde_json::json;

use super::desk::{Desk, area_and_template};
use crate::browser::webdriver::Browser;
use crate::support::{Backend, spawn};

const TAB: &str = "\u{E004}";
const ENTER: &str = "\u{E007}";
const SHIFT: &str = "\u{E008}";
const SPACE: &str = "\u{E00D}";
const DOWN: &str = "\u{E015}";

async fn focused(b: &Browser) -> String {
    let script = "const e = document.activeElement; return e ? (e.id || e.tagName) : '';";
    b.execute(script, json!([])).await.as_str().unwrap_or_default().to_owned()
}

/// Types `text` one key at a time, as a person would.
async fn keys(b: &Browser, text: &str) {
    for key in text.chars() {
        b.press(&key.to_string()).await;
    }
}

/// Presses Tab (or Shift+Tab) until `id` has the focus; fails when it is never reached.
async fn tab_to(b: &Browser, id: &str, back: bool) {
    let mut seen = Vec::new();
    for _ in 0..80 {
        if focused(b).await == id {
            return;
        }
        if back {
            b.press_with(SHIFT, TAB).await
        } else {
            b.press(TAB).await
        }
        seen.push(focused(b).await);
    }
    panic!("#{id} never took the focus; Tab went through {seen:?}");
}

#[tokio::test]
async fn an_author_goes_from_sign_in_to_a_submitted_alert_by_keyboard_alone() {
    let Some(app) = spawn(Backend::Sqlite).await else { return };
    let ana = app.user("ana", &[Role::Author]).await;
    let (_, template) = area_and_template(&app, &ana).await;
    let Some(d) = Desk::open(&app).await else { return };
    let b = &d.b;
    d.wait_for_element("#signin").await;
    tab_to(b, "signin-user", false).await;
    keys(b, "ana").await;
    tab_to(b, "signin-password", false).await;
    keys(b, "ana-password-long").await;
    b.press(ENTER).await;
    d.wait_for_element("#nav-compose").await;

    // Back from the heading to the navigation, and into the form.
    d.wait("the heading to take the focus", "return document.activeElement.tagName === 'H1';").await;
    tab_to(b, "nav-compose", true).await;
    b.press(ENTER).await;
    d.wait_for_element("#compose").await;
    d.wait("the form's heading to take the focus", "return document.activeElement.tagName === 'H1';").await;
    // The status radios: Space chooses the first, the arrows move the choice to Test.
    tab_to(b, "status-Actual", false).await;
    b.press(SPACE).await;
    assert_eq!(d.banner().await, "LIVE: this warning goes to the public");
    b.press(DOWN).await;
    b.press(DOWN).await;
    assert_eq!(focused(b).await, "status-Test");
    assert_eq!(d.banner().await, "TEST: not a real warning");
    tab_to(b, "source", false).await;
    // The template is the first choice after the prompt.
    b.press(DOWN).await;
    let chosen = format!("return document.getElementById('source').value === 't{template}';");
    d.wait("the template chosen", &chosen).await;
    d.wait_for_element("#ph-river").await;
    tab_to(b, "ph-river", false).await;
    keys(b, "Hron").await;
    tab_to(b, "create-draft", false).await;
    assert_eq!(b.text("#create-draft").await, "Create TEST draft");
    d.shot("31-keyboard-compose").await;
    b.press(ENTER).await;

    // The editor: to the submit button; nobody is reached, so the confirmation comes first.
    d.wait_for_element("#editor").await;
    d.wait_for_element("#confirmations input").await;
    let headline = "return document.getElementById('info-0-headline').value;";
    assert_eq!(b.execute(headline, json!([])).await, "Povodeň na rieke Hron");
    let confirm = "return document.querySelector('#confirmations input').id;";
    let confirm = b.execute(confirm, json!([])).await.as_str().unwrap_or_default().to_owned();
    assert!(!confirm.is_empty(), "the confirmation has an id to be labelled by");
    tab_to(b, &confirm, false).await;
    b.press(SPACE).await;
    tab_to(b, "submit-alert", false).await;
    b.press(ENTER).await;
    d.wait_for_element("#decide").await;
    let state = "return document.getElementById('alert-title') !== null;";
    assert_eq!(b.execute(state, json!([])).await, json!(true));
    d.shot("32-keyboard-submitted").await;
    d.b.quit().await;
}
