//! Every screen of the admin app audited for WCAG 2.2 AA with axe-core, in English and Slovak,
//! at the size of a duty officer's laptop and of a tablet.

use dispatcher::domain::roles::Role;
use serde_json::json;

use super::desk::{Desk, area_and_template};
use crate::browser::a11y::assert_accessible;
use crate::support::{Auth, Backend, spawn};

#[tokio::test]
async fn every_screen_passes_the_wcag_audit() {
    let Some(app) = spawn(Backend::Sqlite).await else { return };
    let ana = app.user("ana", &[Role::Author, Role::Approver, Role::Admin, Role::Operator]).await;
    let boris = app.user("boris", &[Role::Approver]).await;
    let (_, template) = area_and_template(&app, &ana).await;
    let Some(d) = Desk::open(&app).await else { return };
    let b = &d.b;
    d.wait_for_element("#signin").await;
    assert_accessible(b, "sign-in").await;
    d.sign_in("ana", None).await;
    assert_accessible(b, "the alert list").await;

    d.compose_from(template, "Dunaj").await;
    b.click("#status-Actual").await;
    assert_accessible(b, "compose").await;
    b.click("#create-draft").await;
    d.wait_for_element("#editor").await;
    d.wait_cell("reach", "siren", None, "0").await;
    assert_accessible(b, "the editor").await;
    // What each channel sends, tab by tab.
    for tab in ["push", "sms", "email", "display", "siren"] {
        let css = format!("#tab-{tab}");
        d.wait_for_element(&css).await;
        b.click(&css).await;
        assert_accessible(b, &format!("the editor's {tab} preview")).await;
    }
    b.viewport(768, 1024).await;
    assert_accessible(b, "the editor on a tablet").await;
    b.viewport(1366, 768).await;
    // Nobody lives in the area yet: submitting needs that confirmed.
    d.wait_for_element("#confirmations input").await;
    b.execute("document.querySelectorAll('#confirmations input').forEach(i => i.click()); return true;", json!([]))
        .await;
    b.click("#submit-alert").await;
    d.wait_for_element("#decide").await;
    let id = d.alert_id().await;
    assert_accessible(b, "a submitted alert").await;

    let view = app.get(&format!("/api/v1/alerts/{id}"), Auth::Session(&boris)).await.json();
    crate::lifecycle::approve_and_issue(&app, &boris, &view).await;
    d.go("#/alerts").await;
    d.wait_for_element(&format!("tr[data-id='{id}']")).await;
    d.go(&format!("#/alerts/{id}")).await;
    d.wait_for_element("#deliveries").await;
    assert_accessible(b, "the delivery dashboard").await;
    // The management screens, each once it has loaded.
    for (screen, ready) in [
        ("devices", "#devices"),
        ("residents", "#residents-channels"),
        ("templates", "#templates"),
        ("areas", "#areas"),
        ("users", "#users"),
        ("audit", "#audit-verify"),
    ] {
        b.click(&format!("#nav-{screen}")).await;
        d.wait_for_element(ready).await;
        assert_accessible(b, &format!("the {screen} screen")).await;
    }
    d.go(&format!("#/alerts/{id}")).await;
    d.wait_for_element("#deliveries").await;

    let slovak =
        "const s = document.getElementById('lang'); s.value = 'sk'; s.dispatchEvent(new Event('change')); return true;";
    b.execute(slovak, json!([])).await;
    d.wait(
        "the dashboard in Slovak",
        "return document.documentElement.lang === 'sk' && !!document.getElementById('deliveries');",
    )
    .await;
    assert_accessible(b, "the delivery dashboard in Slovak").await;
    d.b.quit().await;
}
