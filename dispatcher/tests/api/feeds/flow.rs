//! The feed tests' steps: subscribing and polling over the API, the alerts stored, and the
//! documents served (feeds made of CAP alerts, the corpus's with their expiry moved on).

use reqwest::StatusCode;
use serde_json::Value;

use crate::support::{Auth, Session, TestApp};

/// Subscribes; gives the id. A relaying subscription is confirmed by a second person, an
/// approver made for it (the adversarial suite tries one that is not).
pub async fn subscribe(t: &TestApp, s: &Session, body: Value) -> i64 {
    let r = t.post("/api/v1/feeds", Auth::Session(s), body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let feed = r.json();
    if feed["awaitingConfirmation"] == true {
        confirm(t, &feed).await;
    }
    feed["id"].as_i64().unwrap()
}

/// Confirms a subscription as it stands, as a second person made for it.
pub async fn confirm(t: &TestApp, feed: &Value) -> Value {
    let id = feed["id"].as_i64().unwrap();
    let second =
        t.user(&format!("second-{id}-{}", feed["changedMs"]), &[dispatcher::domain::roles::Role::Approver]).await;
    let r = t
        .post(
            &format!("/api/v1/feeds/{id}/confirm"),
            Auth::Session(&second),
            serde_json::json!({ "changedMs": feed["changedMs"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

/// Polls now; gives the subscription afterwards.
pub async fn poll(t: &TestApp, s: &Session, id: i64) -> Value {
    let r = t.post(&format!("/api/v1/feeds/{id}/poll"), Auth::Session(s), Value::Null).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

/// Changes a subscription, confirmed again by a second person when the change needs one;
/// gives it afterwards.
pub async fn change(t: &TestApp, s: &Session, id: i64, patch: Value) -> Value {
    let path = format!("/api/v1/feeds/{id}");
    let r = t.call(reqwest::Method::PATCH, &path, Auth::Session(s), crate::support::Body::Json(patch)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let feed = r.json();
    if feed["awaitingConfirmation"] == true { confirm(t, &feed).await } else { feed }
}

/// Every alert stored, newest first.
pub async fn alerts(t: &TestApp, s: &Session) -> Vec<Value> {
    let r = t.get("/api/v1/alerts?limit=200", Auth::Session(s)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json().as_array().unwrap().clone()
}

fn in_minutes(m: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::minutes(m)).format("%Y-%m-%dT%H:%M:%S+00:00").to_string()
}

fn in_hours(h: i64) -> String {
    in_minutes(h * 60)
}

/// The text with every `<expires>` two hours from now, so that an old corpus alert is still
/// current (and relayed) when the test runs.
pub fn fresh(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("<expires>") {
        let Some(j) = rest[i..].find("</expires>") else { break };
        out.push_str(&rest[..i]);
        out.push_str(&format!("<expires>{}</expires>", in_hours(2)));
        rest = &rest[i + j + "</expires>".len()..];
    }
    out.push_str(rest);
    out
}

/// A CAP 1.2 alert from `met@example.org`, sent ten minutes ago (an Update or Cancel: now);
/// `references` names earlier identifiers of the same sender.
pub fn cap(
    identifier: &str,
    msg_type: &str,
    severity: &str,
    event: &str,
    polygon: &str,
    references: &[&str],
) -> String {
    let refs: Vec<String> = references.iter().map(|r| format!("met@example.org,{r},{}", in_hours(-1))).collect();
    let refs = if refs.is_empty() { String::new() } else { format!("<references>{}</references>", refs.join(" ")) };
    format!(
        r#"<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>{identifier}</identifier><sender>met@example.org</sender><sent>{}</sent><status>Actual</status><msgType>{msg_type}</msgType><scope>Public</scope>{refs}<info><category>Met</category><event>{event}</event><urgency>Expected</urgency><severity>{severity}</severity><certainty>Likely</certainty><expires>{}</expires><headline>{event} warning</headline><area><areaDesc>The valley</areaDesc><polygon>{polygon}</polygon></area></info></alert>"#,
        if msg_type == "Alert" { in_minutes(-10) } else { in_minutes(0) },
        in_hours(2)
    )
}

/// An Atom feed with the alerts inline.
pub fn atom(alerts: &[&str]) -> String {
    let entries: String = alerts
        .iter()
        .enumerate()
        .map(|(i, a)| {
            format!(
                r#"<entry><id>urn:test:entry:{i}</id><title>Warning {i}</title><updated>2026-11-30T10:00:00Z</updated><content type="text/xml">{a}</content></entry>"#
            )
        })
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom"><id>urn:test:feed</id><title>Met warnings</title><updated>2026-11-30T10:00:00Z</updated><author><name>Met</name></author>{entries}</feed>"#
    )
}

/// An Atom index whose entries link to CAP documents.
pub fn index(links: &[String]) -> String {
    let entries: String = links
        .iter()
        .enumerate()
        .map(|(i, l)| {
            format!(
                r#"<entry><id>urn:test:{i}</id><title>W {i}</title><updated>2026-11-30T10:00:00Z</updated><link rel="related" type="application/cap+xml" href="{l}"/></entry>"#
            )
        })
        .collect();
    format!(
        r#"<feed xmlns="http://www.w3.org/2005/Atom"><id>urn:test</id><title>Index</title><updated>2026-11-30T10:00:00Z</updated><author><name>Met</name></author>{entries}</feed>"#
    )
}
