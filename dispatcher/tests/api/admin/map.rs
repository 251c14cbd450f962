//! The alert's area drawn on the admin app's map: in a real headless Chromium (no tile server,
//! so offline, over the outlines of the named areas) an author draws a polygon by clicking
//! the map where the projection says the corners are, types a circle as coordinates, removes
//! a shape, and the reach per channel follows each change; the CAP preview carries the
//! shapes; a bad polygon's finding leads to the coordinates field; a huge area asks for the
//! territory confirmation; `pointsMap` draws device markers. And on the server: a drawn
//! polygon and circle target exactly the devices and subscriptions inside them.

use dispatcher::db::deliveries;
use dispatcher::domain::roles::Role;
use dispatcher::domain::subscriptions;
use serde_json::json;

use super::desk::{Desk, area_and_template, shots};
use crate::devices::register;
use crate::engine::{caller, issue, memory_subscription, plan_all};
use crate::support::{Auth, Backend, Receiver, TestApp, content, spawn, spawn_with};

const MAP: &str = "#map svg.map-svg";

/// Where the map shows a place, in CSS pixels from its top left corner: Web Mercator at the
/// zoom and offsets the map publishes, computed here independently of the page's code.
async fn pixel(d: &Desk<'_>, lat: f64, lon: f64) -> (f64, f64) {
    let view =
        d.b.execute(
            &format!(
                "const s = document.querySelector('{MAP}'); return [s.dataset.zoom, s.dataset.left, s.dataset.top];"
            ),
            json!([]),
        )
        .await;
    let n = |i: usize| view[i].as_str().unwrap().parse::<f64>().unwrap();
    let scale = 256.0 * 2f64.powf(n(0));
    let s = lat.to_radians().sin();
    let x = (lon + 180.0) / 360.0 * scale - n(1);
    let y = (0.5 - ((1.0 + s) / (1.0 - s)).ln() / (4.0 * std::f64::consts::PI)) * scale - n(2);
    (x, y)
}

async fn click_place(d: &Desk<'_>, lat: f64, lon: f64) {
    let (x, y) = pixel(d, lat, lon).await;
    d.b.click_at(MAP, x, y).await;
}

async fn type_coordinates(d: &Desk<'_>, text: &str) {
    d.b.execute("document.getElementById('map-coords').value = ''; return true;", json!([])).await;
    d.b.type_into("#map-coords", text).await;
    d.b.press("\u{E007}").await;
}

async fn cap_preview(d: &Desk<'_>) -> String {
    let script = "const p = document.querySelector('#cap pre'); return p ? p.textContent : '';";
    d.b.execute(script, json!([])).await.as_str().unwrap_or_default().to_owned()
}

async fn shot(d: &Desk<'_>, name: &str) {
    d.b.execute("document.getElementById('map-area').scrollIntoView({ block: 'start' }); return true;", json!([]))
        .await;
    d.shot(name).await;
}

#[tokio::test]
async fn an_author_draws_the_area_on_the_map_and_the_reach_follows() {
    let Some(app) = spawn(Backend::Sqlite).await else { return };
    let ana = app.user("ana", &[Role::Author]).await;
    let olga = app.user("olga", &[Role::Operator]).await;
    // The named area (17.0-17.2 E, 48.1-48.2 N) is the territory; the draft does not tick it.
    area_and_template(&app, &ana).await;
    for (kind, name, lat, lon) in
        [("siren", "Inside 1", 48.13, 17.05), ("display", "Inside 2", 48.135, 17.06), ("siren", "East", 48.18, 17.17)]
    {
        register(&app, &olga, json!({ "kind": kind, "name": name, "lat": lat, "lon": lon })).await;
    }
    let mut c = content("Exercise");
    c["infos"][0]["areas"] = json!([]);
    let Some(d) = Desk::open(&app).await else { return };
    let b = &d.b;
    d.open_draft(&ana, "ana", c).await;
    d.wait_for_element(MAP).await;
    d.wait_cell("reach", "siren", None, "0").await;
    let outlines = "return document.querySelectorAll('#map .layer.outline path').length;";
    assert_eq!(b.execute(outlines, json!([])).await, json!(1), "the named area's outline is drawn");
    assert_eq!(b.execute("return document.querySelector('#map').dataset.tiles;", json!([])).await, "no");

    // A polygon by real clicks: a corner, a slip taken back with Backspace, three more
    // corners, and a click on the first corner closes it.
    b.click("#draw-polygon").await;
    let corners = [(48.12, 17.04), (48.12, 17.07), (48.145, 17.07), (48.145, 17.04)];
    click_place(&d, corners[0].0, corners[0].1).await;
    click_place(&d, 48.11, 17.15).await;
    assert!(b.text("#draw-status").await.starts_with("Polygon, points so far: 2."));
    b.press("\u{E003}").await;
    assert!(b.text("#draw-status").await.starts_with("Polygon, points so far: 1."));
    for (lat, lon) in &corners[1..] {
        click_place(&d, *lat, *lon).await;
    }
    assert!(b.text("#draw-status").await.contains("Click the first point or press Enter"));
    click_place(&d, corners[0].0, corners[0].1).await;
    d.wait_cell("reach", "siren", None, "1").await;
    d.wait_cell("reach", "display", None, "1").await;
    // Each corner is where it was clicked, to within a pixel at this zoom.
    let text = b.text("#drawn-shapes li[data-index='0'] code").await;
    let points: Vec<(f64, f64)> = text
        .split_whitespace()
        .map(|p| {
            let (lat, lon) = p.split_once(',').unwrap();
            (lat.parse().unwrap(), lon.parse().unwrap())
        })
        .collect();
    assert_eq!(points.len(), 5, "closed: {text}");
    assert_eq!(points[0], points[4], "{text}");
    for ((lat, lon), (want_lat, want_lon)) in points.iter().zip(corners) {
        assert!((lat - want_lat).abs() < 0.001 && (lon - want_lon).abs() < 0.001, "{text}");
    }

    // A circle typed as coordinates: a bad one is explained, a good one reaches the east siren.
    type_coordinates(&d, "48.18,17.17 0").await;
    assert!(b.text("#map-coords-error").await.contains("radius"), "{}", b.text("#map-coords-error").await);
    type_coordinates(&d, "48.18,17.17 1.5").await;
    assert_eq!(b.text("#map-coords-error").await, "");
    d.wait_cell("reach", "siren", None, "2").await;
    d.wait("the CAP preview with both shapes", "const p = document.querySelector('#cap pre'); return !!p && p.textContent.includes('<circle>48.18,17.17 1.5</circle>');").await;
    let cap = cap_preview(&d).await;
    assert!(cap.contains("<areaDesc>Územie nakreslené na mape</areaDesc>"), "suggested in the info's language: {cap}");
    assert!(cap.contains("<polygon>") && cap.contains("<circle>48.18,17.17 1.5</circle>"), "{cap}");
    // The drawn area needs a name; the author gives their own.
    let clear = "const n = document.getElementById('map-area-name'); n.value = ''; n.dispatchEvent(new Event('change')); return true;";
    b.execute(clear, json!([])).await;
    d.wait(
        "the missing name explained",
        "return document.getElementById('map-area-name-error').textContent.includes('name');",
    )
    .await;
    assert_eq!(b.execute("return document.activeElement.id;", json!([])).await, "map-area-name");
    b.type_into("#map-area-name", "Nábrežie Dunaja").await;
    b.press("\u{E004}").await;
    d.wait(
        "the new name in the CAP preview",
        "return document.querySelector('#cap pre').textContent.includes('<areaDesc>Nábrežie Dunaja</areaDesc>');",
    )
    .await;
    shot(&d, "map-01-polygon-and-circle").await;

    // A circle by two clicks (the centre, then a point 1 km east of it), one cancelled with
    // Escape, and one whose radius is typed in km; then both go again.
    b.click("#draw-circle").await;
    click_place(&d, 48.16, 17.12).await;
    click_place(&d, 48.16, 17.12 + 1.0 / (111.32 * 48.16f64.to_radians().cos())).await;
    let circle = b.text("#drawn-shapes li[data-index='2'] code").await;
    let numbers: Vec<f64> = circle.split([',', ' ']).map(|n| n.parse().unwrap()).collect();
    let near = |got: f64, want: f64, by: f64| (got - want).abs() < by;
    assert!(
        near(numbers[0], 48.16, 0.001) && near(numbers[1], 17.12, 0.001) && near(numbers[2], 1.0, 0.05),
        "{circle}"
    );
    b.click("#draw-circle").await;
    click_place(&d, 48.11, 17.18).await;
    b.press("\u{E00C}").await;
    assert_eq!(
        b.execute("return document.getElementById('draw-circle').getAttribute('aria-pressed');", json!([])).await,
        "false"
    );
    b.click("#draw-circle").await;
    click_place(&d, 48.11, 17.18).await;
    d.wait_for_element("#circle-radius").await;
    b.execute("document.getElementById('circle-radius').value = ''; return true;", json!([])).await;
    b.type_into("#circle-radius", "0.5").await;
    b.press("\u{E007}").await;
    let circle = b.text("#drawn-shapes li[data-index='3'] code").await;
    assert!(circle.ends_with(" 0.5"), "{circle}");
    assert!(b.text("#draw-status").await.starts_with("Drawn shapes: 4."));
    b.click("#drawn-shapes li[data-index='3'] .remove-shape").await;
    b.click("#drawn-shapes li[data-index='2'] .remove-shape").await;

    // Removing the polygon: only the circle's siren is left.
    b.click("#drawn-shapes li[data-index='0'] .remove-shape").await;
    d.wait_cell("reach", "display", None, "0").await;
    d.wait_cell("reach", "siren", None, "1").await;
    d.wait(
        "the preview without the polygon",
        "return !document.querySelector('#cap pre').textContent.includes('<polygon>');",
    )
    .await;
    assert!(cap_preview(&d).await.contains("<circle>"));

    // A circle far larger than the territory asks for the confirmation, also under the map.
    type_coordinates(&d, "48.15,17.1 60").await;
    d.wait_for_element("#map-outside").await;
    d.wait_for_element("#confirmations input[value=outside-territory]").await;
    shot(&d, "map-02-outside-territory").await;
    b.click("#drawn-shapes li[data-index='1'] .remove-shape").await;
    d.wait("the confirmation to go", "return document.getElementById('map-outside').hidden;").await;

    // A polygon whose edges cross comes back as a finding that leads to the coordinates.
    type_coordinates(&d, "48.12,17.04 48.145,17.07 48.12,17.07 48.145,17.04").await;
    let link = "return [...document.querySelectorAll('#findings button.link')].find((l) => l.textContent.startsWith('CAP-G005'));";
    d.wait("the crossing polygon's finding", link).await;
    b.execute(&link.replace("));", ")).click(); return true;"), json!([])).await;
    assert_eq!(b.execute("return document.activeElement.id;", json!([])).await, "map-coords");

    // Keys and buttons move and zoom the map; 0 and Fit frame the alert's area again.
    let view = "const s = document.querySelector('#map svg.map-svg'); return [Number(s.dataset.zoom), Number(s.dataset.left)];";
    let before = b.execute(view, json!([])).await;
    b.execute("document.querySelector('#map svg.map-svg').focus(); return true;", json!([])).await;
    b.press("+").await;
    let zoomed = b.execute(view, json!([])).await;
    assert_eq!(zoomed[0].as_i64(), before[0].as_i64().map(|z| z + 1), "{before} {zoomed}");
    b.press("\u{E012}").await;
    let panned = b.execute(view, json!([])).await;
    assert!(panned[1].as_f64() < zoomed[1].as_f64(), "the left arrow shows more of the west: {zoomed} {panned}");
    b.click("#map-zoom-out").await;
    b.click("#map-zoom-out").await;
    assert_eq!(b.execute(view, json!([])).await[0].as_i64(), before[0].as_i64().map(|z| z - 1));
    b.click("#map-fit").await;
    let framed = "const s = document.querySelector('#map svg.map-svg').getBoundingClientRect(); \
        const drawn = [...document.querySelectorAll('#map .layer.drawn path')].map((p) => p.getBoundingClientRect()); \
        return drawn.length > 0 && drawn.every((r) => r.left >= s.left && r.right <= s.right && r.top >= s.top && r.bottom <= s.bottom);";
    assert_eq!(b.execute(framed, json!([])).await, json!(true), "fitted to the drawn area again");
    assert!(b.execute(view, json!([])).await[0].as_i64() >= before[0].as_i64());

    // The read-only device map another screen uses: two markers with labels and colours.
    let render = "return import('/admin/assets/map.js').then((m) => { \
        const box = document.createElement('div'); box.id = 'points-check'; \
        document.getElementById('map-area').append(box); \
        m.pointsMap(box, {}, [{ lat: 48.13, lon: 17.05, label: 'Siren 1', status: 'ok' }, \
                              { lat: 48.18, lon: 17.17, label: 'Display 2', status: 'failed' }]); \
        return [...box.querySelectorAll('.marker')].map((g) => `${g.dataset.label} ${[...g.classList].find((c) => c.startsWith('status-'))}`); });";
    let markers = b.execute(render, json!([])).await;
    assert_eq!(markers, json!(["Siren 1 status-ok", "Display 2 status-failed"]));

    // On a tablet the map takes the width of the page.
    b.viewport(768, 1024).await;
    d.wait(
        "the map to follow the width",
        &format!("return document.querySelector('{MAP}').getBoundingClientRect().width > 600;"),
    )
    .await;
    b.execute("document.getElementById('map-area').scrollIntoView({ block: 'start' }); return true;", json!([])).await;
    b.screenshot(&shots().join("map-03-tablet-768x1024.png")).await;
}

#[tokio::test]
async fn with_a_tile_server_the_map_loads_its_tiles_and_the_policy_allows_that_origin_only() {
    let tiles = Receiver::start().await;
    let url = format!("{}/tiles/{{z}}/{{x}}/{{y}}.png", tiles.url);
    let Some(app) = spawn_with(Backend::Sqlite, move |s| s.pwa.tile_url = url).await else { return };
    let csp = app.get("/admin", Auth::None).await.header("content-security-policy");
    assert!(csp.contains(&format!("img-src 'self' {};", tiles.url)), "{csp}");
    let ana = app.user("ana", &[Role::Author]).await;
    area_and_template(&app, &ana).await;
    let Some(d) = Desk::open(&app).await else { return };
    d.open_draft(&ana, "ana", content("Exercise")).await;
    d.wait_for_element(MAP).await;
    assert_eq!(d.b.execute("return document.querySelector('#map').dataset.tiles;", json!([])).await, "yes");
    let got = tiles.wait_for(1).await;
    assert!(got.iter().all(|r| r.path.starts_with("/tiles/") && r.path.ends_with(".png")), "{:?}", got[0].path);
}

async fn subscribe_at(t: &TestApp, key: &str, lat: f64, lon: f64) -> i64 {
    subscriptions::add(&t.app, &[memory_subscription(key, true, lat, lon)]).await.unwrap()[0]
}

crate::on_both_quiet!(a_drawn_polygon_and_circle_target_exactly_what_is_inside, |t: TestApp| async move {
    let olga = t.user("olga", &[Role::Operator]).await;
    let device = |kind: &str, lat: f64, lon: f64| json!({ "kind": kind, "name": format!("{kind} {lat}"), "lat": lat, "lon": lon });
    let in_polygon = register(&t, &olga, device("siren", 48.145, 17.095)).await.id;
    let in_circle = register(&t, &olga, device("display", 48.305, 17.405)).await.id;
    register(&t, &olga, device("siren", 48.5, 17.8)).await;
    register(&t, &olga, device("display", 48.16, 17.12)).await;
    let subs_inside = [subscribe_at(&t, "a", 48.15, 17.1).await, subscribe_at(&t, "b", 48.29, 17.39).await];
    subscribe_at(&t, "c", 48.0, 16.9).await;

    let mut c = content("Exercise");
    c["infos"][0]["areas"] = json!([{
        "areaDesc": "Drawn",
        "polygons": [[[48.14, 17.09], [48.14, 17.11], [48.16, 17.11], [48.16, 17.09], [48.14, 17.09]]],
        "circles": [{ "center": [48.3, 17.4], "radiusKm": 2.0 }],
    }]);
    let ana = t.user("ana", &[Role::Author]).await;
    let r = t.post("/api/v1/alerts", Auth::Session(&ana), json!({ "content": c.clone() })).await;
    let draft = r.json()["id"].as_i64().unwrap();
    let reach = t.get(&format!("/api/v1/alerts/{draft}/reach"), Auth::Session(&ana)).await.json();
    assert_eq!((reach["sirens"].clone(), reach["displays"].clone()), (json!(1), json!(1)), "{reach}");
    assert_eq!(reach["subscriptions"], json!({ "memory": 2 }), "{reach}");

    // Its author approves this Exercise alone: it may sound only a test signal.
    c["infos"][0]["parameters"] = json!([{ "valueName": "TOCSIN_SIREN_SIGNAL", "value": "sk-audible-test" }]);
    let author = caller(&t.app, "ann", &[Role::Author, Role::Approver]).await;
    let alert = issue(&t.app, &author, &author, c).await;
    plan_all(&t.app).await;
    let rows = deliveries::list(&mut t.app.db.read().await.unwrap(), alert, None, None, 0, 100).await.unwrap();
    let mut got: Vec<(String, i64)> = rows.into_iter().map(|r| (r.channel, r.recipient_id)).collect();
    got.sort();
    let mut want = vec![
        ("display".to_owned(), in_circle),
        ("memory".to_owned(), subs_inside[0]),
        ("memory".to_owned(), subs_inside[1]),
        ("siren".to_owned(), in_polygon),
    ];
    want.sort();
    assert_eq!(got, want);
});
