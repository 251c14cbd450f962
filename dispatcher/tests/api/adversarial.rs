//! The adversarial suite (issue 18): each test acts as an attacker would against the running
//! server over HTTP, an insider holding one role or an outsider holding a feed or a token,
//! and checks that the attack fails and changes nothing. One module per item of the issue;
//! `docs/security.md` maps each threat to its defence and to the test here.

mod ops;
mod push;
mod relays;
mod second_factor;
mod signals;
mod signin;
mod signup;

use dispatcher::domain::roles::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::feeds::flow::{atom, poll, subscribe};
use crate::feeds::peer::Peer;
use crate::lifecycle::{approve_and_issue, submitted};
use crate::on_both;
use crate::support::{Auth, Body, Session, TestApp, content};

/// Posts CAP as `auth`; gives the stored alert's view.
async fn post_cap(t: &TestApp, auth: Auth<'_>, xml: &str) -> Value {
    let r = t.call(Method::POST, "/api/v1/cap", auth, Body::Raw("application/cap+xml", xml.as_bytes().to_vec())).await;
    assert!(r.status.is_success(), "{}", r.text());
    r.json()["alert"].clone()
}

/// Approves `alert` as `who`, asking to issue it; gives the response.
async fn try_approve(t: &TestApp, who: &Session, alert: &Value) -> crate::support::Resp {
    let id = alert["id"].as_i64().unwrap();
    let view = t.get(&format!("/api/v1/alerts/{id}"), Auth::Session(who)).await.json();
    t.post(
        &format!("/api/v1/alerts/{id}/approve"),
        Auth::Session(who),
        json!({ "capSha256": view["capSha256"], "issue": true }),
    )
    .await
}

async fn state(t: &TestApp, who: &Session, id: i64) -> Value {
    t.get(&format!("/api/v1/alerts/{id}"), Auth::Session(who)).await.json()
}

fn sent_now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S+00:00").to_string()
}

/// A CAP alert from `sender`, with `references` (already formatted) when given.
fn outside(identifier: &str, sender: &str, msg_type: &str, references: Option<&str>) -> String {
    let expires = (chrono::Utc::now() + chrono::Duration::hours(2)).format("%Y-%m-%dT%H:%M:%S+00:00");
    let refs = references.map(|r| format!("<references>{r}</references>")).unwrap_or_default();
    format!(
        r#"<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>{identifier}</identifier><sender>{sender}</sender><sent>{}</sent><status>Actual</status><msgType>{msg_type}</msgType><scope>Public</scope>{refs}<info><category>Geo</category><event>Volcano</event><urgency>Immediate</urgency><severity>Extreme</severity><certainty>Observed</certainty><expires>{expires}</expires><headline>Volcano: all clear, go home</headline><area><areaDesc>Nábrežie</areaDesc><polygon>48.1,17.0 48.2,17.0 48.2,17.2 48.1,17.2 48.1,17.0</polygon></area></info></alert>"#,
        sent_now()
    )
}

/// A reference to a stored alert, as CAP writes it.
fn reference_to(view: &Value) -> String {
    let sent = chrono::DateTime::from_timestamp_millis(view["sentMs"].as_i64().unwrap()).unwrap();
    format!(
        "{},{},{}",
        view["sender"].as_str().unwrap(),
        view["identifier"].as_str().unwrap(),
        sent.format("%Y-%m-%dT%H:%M:%S+00:00")
    )
}

// Item 1: an approver posts a live alert with their session and approves it themselves.
on_both!(one_approver_cannot_post_cap_and_approve_it, |t: TestApp| async move {
    let mallory = t.user("mallory", &[Role::Author, Role::Approver]).await;
    let other = t.user("boris", &[Role::Approver]).await;
    let posted = post_cap(&t, Auth::Session(&mallory), &outside("SELF-1", "roc@region.example", "Alert", None)).await;
    assert_eq!(posted["state"], "submitted", "a session's CAP waits for an approver: {posted}");
    let r = try_approve(&t, &mallory, &posted).await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::FORBIDDEN, "API-008"), "{}", r.text());
    let id = posted["id"].as_i64().unwrap();
    assert_eq!(state(&t, &other, id).await["state"], "submitted", "nothing changed");
    let r = try_approve(&t, &other, &posted).await;
    assert_eq!(r.json()["state"], "issued", "a second person may: {}", r.text());
});

// Item 1: with `ingest.policy = issue` a session's CAP is still not issued at once.
#[tokio::test]
async fn a_session_never_issues_posted_cap_at_once() {
    for backend in [crate::support::Backend::Sqlite, crate::support::Backend::Postgres] {
        let Some(t) =
            crate::support::spawn_with(backend, |s| s.ingest.policy = dispatcher::config::IngestPolicy::Issue).await
        else {
            continue;
        };
        let mallory = t.user("mallory", &[Role::Author]).await;
        let posted =
            post_cap(&t, Auth::Session(&mallory), &outside("SELF-2", "roc@region.example", "Alert", None)).await;
        assert_eq!(posted["state"], "submitted", "{posted}");
        assert_eq!(posted["authorId"], mallory.user_id, "the poster is recorded");
    }
}

// Item 1: an administrator who is also an approver creates a token, posts live CAP with it
// and approves what the token brought in.
on_both!(the_creator_of_a_token_cannot_approve_what_it_posted, |t: TestApp| async move {
    let mallory = t.user("mallory", &[Role::Admin, Role::Approver]).await;
    let other = t.user("boris", &[Role::Approver]).await;
    let r = t
        .post(
            "/api/v1/tokens",
            Auth::Session(&mallory),
            json!({ "name": "my-roc", "role": "author", "scopes": ["cap"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let token = r.json()["value"].as_str().unwrap().to_owned();
    let posted = post_cap(&t, Auth::Token(&token), &outside("TOKEN-1", "roc@region.example", "Alert", None)).await;
    let r = try_approve(&t, &mallory, &posted).await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::FORBIDDEN, "API-008"), "{}", r.text());
    assert!(r.text().contains("token"), "the refusal says why: {}", r.text());
    assert_eq!(try_approve(&t, &other, &posted).await.json()["state"], "issued");
});

// Item 3: a live alert superseded by a self-approved Exercise Update.
on_both!(a_live_thread_is_not_corrected_by_a_self_approved_exercise, |t: TestApp| async move {
    let mallory = t.user("mallory", &[Role::Author, Role::Approver]).await;
    let other = t.user("boris", &[Role::Approver]).await;
    let live = approve_and_issue(&t, &other, &submitted(&t, &mallory, content("Actual")).await).await;
    let id = live["id"].as_i64().unwrap();
    let r = t
        .post(
            &format!("/api/v1/alerts/{id}/update"),
            Auth::Session(&mallory),
            json!({ "content": content("Exercise"), "confirm": ["no-recipients"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let update = r.json();
    assert_eq!(update["state"], "submitted");
    let r = try_approve(&t, &mallory, &update).await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::FORBIDDEN, "API-008"), "{}", r.text());
    assert_eq!(state(&t, &other, id).await["state"], "issued", "the live alert stands");
    // A fresh Exercise (no live thread) keeps the configured self-approval.
    let drill = submitted(&t, &mallory, content("Exercise")).await;
    assert_eq!(try_approve(&t, &mallory, &drill).await.json()["state"], "issued");
});

// Item 5: a token cancels a local, two-person-approved live alert by naming it.
on_both!(a_token_cannot_cancel_a_local_warning, |t: TestApp| async move {
    let author = t.user("ana", &[Role::Author]).await;
    let approver = t.user("boris", &[Role::Approver]).await;
    let live = approve_and_issue(&t, &approver, &submitted(&t, &author, content("Actual")).await).await;
    let id = live["id"].as_i64().unwrap();
    let live = state(&t, &approver, id).await;
    let token = t.token("roc", Role::Author, &["cap"]).await;
    // Even spoofing our sender, it does not join the local thread.
    let sender = live["sender"].as_str().unwrap().to_owned();
    let cancel =
        post_cap(&t, Auth::Token(&token), &outside("EVIL-1", &sender, "Cancel", Some(&reference_to(&live)))).await;
    assert_ne!(cancel["threadId"], live["threadId"], "kept out of the local thread");
    let cancel = state(&t, &approver, cancel["id"].as_i64().unwrap()).await;
    assert_eq!(cancel["state"], "submitted", "held for an approver: {cancel}");
    assert!(cancel["reason"].as_str().unwrap_or_default().contains("another route"), "flagged: {cancel}");
    assert_eq!(state(&t, &approver, id).await["state"], "issued", "the local warning stands");
});

// Item 5: with `ingest.policy = issue`, a token's own Update still follows its own alert, and
// another token's Cancel of it does not.
#[tokio::test]
async fn a_token_corrects_its_own_thread_only() {
    for backend in [crate::support::Backend::Sqlite, crate::support::Backend::Postgres] {
        let Some(t) =
            crate::support::spawn_with(backend, |s| s.ingest.policy = dispatcher::config::IngestPolicy::Issue).await
        else {
            continue;
        };
        let approver = t.user("boris", &[Role::Approver]).await;
        let roc = t.token("roc", Role::Author, &["cap"]).await;
        let stranger = t.token("stranger", Role::Author, &["cap"]).await;
        let first = post_cap(&t, Auth::Token(&roc), &outside("ROC-1", "roc@region.example", "Alert", None)).await;
        assert_eq!(first["state"], "issued");
        let first = state(&t, &approver, first["id"].as_i64().unwrap()).await;
        let evil = outside("ROC-EVIL", "roc@region.example", "Cancel", Some(&reference_to(&first)));
        let evil = post_cap(&t, Auth::Token(&stranger), &evil).await;
        assert_eq!(evil["state"], "submitted", "another token's Cancel is held: {evil}");
        assert_eq!(state(&t, &approver, first["id"].as_i64().unwrap()).await["state"], "issued");
        let own = outside("ROC-2", "roc@region.example", "Cancel", Some(&reference_to(&first)));
        let own = post_cap(&t, Auth::Token(&roc), &own).await;
        assert_eq!((own["state"].as_str(), &own["threadId"]), (Some("issued"), &first["threadId"]), "{own}");
        assert_eq!(state(&t, &approver, first["id"].as_i64().unwrap()).await["state"], "cancelled");
    }
}

// Item 5: a feed limited to Extreme volcano warnings cancels a local flood warning by
// naming it (the sender spoofed to ours), and an Update outside its rules rides on its own
// earlier alert.
on_both!(a_feed_cannot_cancel_a_local_warning_nor_escape_its_rules, |t: TestApp| async move {
    let admin = t.user("feeds-admin", &[Role::Admin, Role::Approver]).await;
    let author = t.user("ana", &[Role::Author]).await;
    let live = approve_and_issue(&t, &admin, &submitted(&t, &author, content("Actual")).await).await;
    let id = live["id"].as_i64().unwrap();
    let live = state(&t, &admin, id).await;
    let peer = Peer::start().await;
    let sender = live["sender"].as_str().unwrap().to_owned();
    let evil = outside("FEED-EVIL", &sender, "Cancel", Some(&reference_to(&live)));
    peer.put("/volcano.atom", atom(&[&evil]));
    let rules = json!({ "minSeverity": "Extreme", "events": ["Volcano"] });
    let body =
        json!({ "name": "Volcanoes", "url": format!("{}/volcano.atom", peer.base), "action": "relay", "rules": rules });
    let feed = subscribe(&t, &admin, body).await;
    let v = poll(&t, &admin, feed).await;
    assert_eq!((v["relayed"].as_i64(), v["skipped"].as_i64()), (Some(0), Some(1)), "{v}");
    assert_eq!(state(&t, &admin, id).await["state"], "issued", "the local warning stands");

    // Its own volcano alert, then an Update of it about something else: not taken.
    let own = outside("VOLC-1", "volcano@example.org", "Alert", None);
    peer.put("/volcano.atom", atom(&[&evil, &own]));
    assert_eq!(poll(&t, &admin, feed).await["relayed"], 1);
    let all = t.get("/api/v1/alerts?limit=50", Auth::Session(&admin)).await.json();
    let volc = all.as_array().unwrap().iter().find(|a| a["identifier"] == "VOLC-1").cloned().expect("relayed");
    let volc = state(&t, &admin, volc["id"].as_i64().unwrap()).await;
    let other = outside("VOLC-2", "volcano@example.org", "Update", Some(&reference_to(&volc)))
        .replace("<event>Volcano</event>", "<event>Nuclear</event>");
    peer.put("/volcano.atom", atom(&[&evil, &own, &other]));
    let v = poll(&t, &admin, feed).await;
    assert_eq!((v["relayed"].as_i64(), v["skipped"].as_i64()), (Some(1), Some(2)), "{v}");
    assert_eq!(state(&t, &admin, volc["id"].as_i64().unwrap()).await["state"], "issued");
});

/// `outside`'s alert with a Tocsin control parameter in its info.
fn with_control_parameter(xml: &str, name: &str, value: &str) -> String {
    xml.replace("<area>", &format!("<parameter><valueName>{name}</valueName><value>{value}</value></parameter><area>"))
}

// Item 6: outside CAP names device groups (sirens anywhere) or a siren signal.
#[tokio::test]
async fn outside_cap_cannot_carry_control_parameters() {
    let Some(t) = crate::support::spawn_with(crate::support::Backend::Sqlite, |s| {
        s.ingest.control_parameters_from = vec!["trusted-parent".into()];
    })
    .await
    else {
        return;
    };
    let admin = t.user("feeds-admin", &[Role::Admin, Role::Approver]).await;
    let roc = t.token("roc", Role::Author, &["cap"]).await;
    let evil = with_control_parameter(
        &outside("CTRL-1", "roc@region.example", "Alert", None),
        "TOCSIN_DEVICE_GROUPS",
        "everywhere",
    );
    let r = t
        .call(
            Method::POST,
            "/api/v1/cap",
            Auth::Token(&roc),
            Body::Raw("application/cap+xml", evil.clone().into_bytes()),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("TOCSIN_DEVICE_GROUPS") && r.text().contains("control_parameters_from"), "{}", r.text());
    let listed = t.get("/api/v1/alerts?limit=50", Auth::Session(&admin)).await.json();
    assert_eq!(listed.as_array().map(Vec::len), Some(0), "nothing stored");
    // A route trusted for them by name may.
    let parent = t.token("trusted-parent", Role::Author, &["cap"]).await;
    let ok = t
        .call(Method::POST, "/api/v1/cap", Auth::Token(&parent), Body::Raw("application/cap+xml", evil.into_bytes()))
        .await;
    assert!(ok.status.is_success(), "{}", ok.text());
    // A feed's alert carrying one is skipped.
    let peer = Peer::start().await;
    let signal = with_control_parameter(
        &outside("CTRL-2", "met@example.org", "Alert", None),
        "TOCSIN_SIREN_SIGNAL",
        "sk-water-danger",
    );
    peer.put("/met.atom", atom(&[&signal]));
    let feed =
        subscribe(&t, &admin, json!({ "name": "Met", "url": format!("{}/met.atom", peer.base), "action": "relay" }))
            .await;
    let v = poll(&t, &admin, feed).await;
    assert_eq!((v["relayed"].as_i64(), v["skipped"].as_i64()), (Some(0), Some(1)), "{v}");
}

// Item 22: one display's secret holds hundreds of long polls open, and anyone tries pairing
// codes as fast as they like.
on_both!(a_device_secret_cannot_hold_many_polls_nor_anyone_guess_pairing_codes, |t: TestApp| async move {
    let op = t.user("olga", &[Role::Operator]).await;
    let body = json!({ "kind": "display", "name": "Hall", "lat": 48.15, "lon": 17.1, "groups": [] });
    let device = crate::devices::register(&t, &op, body).await;
    // A first poll learns the ETag, so the next ones wait.
    let (_, etag, _) = crate::devices::poll(&t, &device.secret, 1, None).await;
    let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(30)).build().unwrap();
    let polls = (0..40).map(|_| {
        let req = client
            .get(format!("{}/api/v1/device/poll?wait=3", t.base))
            .bearer_auth(&device.secret)
            .header("if-none-match", &etag);
        async move { req.send().await.map(|r| r.status()).ok() }
    });
    let answers = futures_util::future::join_all(polls).await;
    let held = answers.iter().filter(|s| **s == Some(StatusCode::NOT_MODIFIED)).count();
    let refused = answers.iter().filter(|s| **s == Some(StatusCode::TOO_MANY_REQUESTS)).count();
    assert!(held <= 2, "{held} of 40 polls on one secret were held");
    assert_eq!(held + refused, 40, "{answers:?}");
    // The device still polls normally afterwards.
    assert_eq!(crate::devices::poll(&t, &device.secret, 1, Some(&etag)).await.0, StatusCode::NOT_MODIFIED);

    let tries = (0..30).map(|i| t.post("/api/v1/device/pair", Auth::None, json!({ "code": format!("WRONG{i:03}") })));
    let answers = futures_util::future::join_all(tries).await;
    let checked = answers.iter().filter(|r| r.status == StatusCode::UNPROCESSABLE_ENTITY).count();
    let limited = answers.iter().filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS).count();
    assert!(checked <= 10 && checked + limited == 30, "{checked} pairing tries checked, {limited} limited");
});
