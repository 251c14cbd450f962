//! The delivery dashboard of a region's alert shows the towns it was handed to: here one town
//! that is away, whose hand-over waits and is retried, with the reason, in English and Slovak,
//! and passes the accessibility audit.

use dispatcher::config::{ChildSpec, Secret};
use dispatcher::domain::roles::Role;
use reqwest::StatusCode;
use serde_json::json;

use super::desk::Desk;
use crate::browser::a11y::assert_accessible;
use crate::support::{Auth, Backend, content, spawn_with};

#[tokio::test]
async fn the_dashboard_shows_a_town_that_has_not_taken_the_warning_and_why() {
    let dir = tempfile::tempdir().unwrap();
    let territory = dir.path().join("levice.geojson");
    let ring = json!([[16.9, 48.0], [17.15, 48.0], [17.15, 48.25], [16.9, 48.25], [16.9, 48.0]]);
    std::fs::write(&territory, json!({ "type": "Polygon", "coordinates": [ring] }).to_string()).unwrap();
    let away = crate::crash::free_port();
    let Some(app) = spawn_with(Backend::Sqlite, |s| {
        s.cascade.children = vec![ChildSpec {
            name: "levice".into(),
            url: format!("https://127.0.0.1:{away}"),
            token: Secret::new("tok"),
            geojson_file: territory.display().to_string(),
            ..ChildSpec::default()
        }];
    })
    .await
    else {
        return;
    };
    let ana = app.user("ana", &[Role::Author]).await;
    let boris = app.user("boris", &[Role::Approver]).await;
    let r = app.post("/api/v1/alerts", Auth::Session(&ana), json!({ "content": content("Actual") })).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_i64().unwrap();
    let r = app
        .post(&format!("/api/v1/alerts/{id}/submit"), Auth::Session(&ana), json!({ "confirm": ["no-recipients"] }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    crate::lifecycle::approve_and_issue(&app, &boris, &r.json()).await;

    let Some(d) = Desk::open(&app).await else { return };
    d.sign_in("ana", None).await;
    d.go(&format!("#/alerts/{id}")).await;
    let town = "#cascade tr[data-child=levice] td.hand-over";
    let shown = d
        .wait(
            "the town's hand-over with its reason",
            &format!(
                "const c = document.querySelector('{town}'); \
                 return c && c.dataset.status === 'queued' && c.textContent.includes('connection failed') ? c.textContent : null;"
            ),
        )
        .await;
    assert!(shown.as_str().unwrap().starts_with("Not yet: retrying"), "{shown}");
    assert_eq!(d.b.text("#cascade tr[data-child=levice] td.there").await, "No report yet");
    d.shot("40-cascade-town-away").await;
    assert_accessible(&d.b, "the dashboard with a town that is away").await;
    let slovak =
        "const s = document.getElementById('lang'); s.value = 'sk'; s.dispatchEvent(new Event('change')); return true;";
    d.b.execute(slovak, json!([])).await;
    d.wait(
        "the same in Slovak",
        &format!("const c = document.querySelector('{town}'); return c && c.textContent.startsWith('Zatiaľ nie') ? true : null;"),
    )
    .await;
    assert_accessible(&d.b, "the dashboard with a town that is away, in Slovak").await;
    d.b.quit().await;
}
