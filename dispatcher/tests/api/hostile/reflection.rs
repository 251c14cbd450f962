//! No answer reflects input unescaped: markers sent in every path parameter, query parameter and
//! body text of every endpoint, and stored in an issued alert that every page, feed and API
//! answer then shows, never come back as markup (HTML, XML, Atom, CSV, text), only as JSON
//! strings, and never in a header.

use reqwest::Method;
use serde_json::Value;

use super::World;
use super::injection::url_encode;
use super::table::{Takes, streams};
use crate::on_both_worlds;
use crate::support::{Auth, Body, Resp};

/// Markup, an attribute break-out and an entity; each must come back escaped or not at all.
const MARKER: &str = "hostile\"'><svg/onload=alert(1)>&hostile;<script>alert(2)</script>";
/// The pieces of the marker that are markup when unescaped.
const RAW: &[&str] = &["<svg/onload=alert(1)>", "<script>alert(2)</script>", "&hostile;", "\"'>"];

/// Asserts that an answer carries the marker only escaped.
fn escaped(r: &Resp, what: &str) {
    let ct = r.header("content-type");
    for (name, value) in &r.headers {
        let v = String::from_utf8_lossy(value.as_bytes());
        assert!(name.as_str() != "x-injected", "{what}: a header was injected");
        assert!(!RAW.iter().any(|m| v.contains(m)), "{what}: the header {name} reflects input: {v}");
    }
    if !r.status.is_success() {
        assert!(!ct.contains("html"), "{what}: an error answered as {ct}: {}", r.text());
    }
    if ct.contains("json") {
        let parsed: Result<Value, _> = serde_json::from_slice(&r.body);
        assert!(parsed.is_ok() || r.body.is_empty(), "{what}: {ct} that is not JSON: {}", r.text());
        return;
    }
    let text = r.text();
    for m in RAW {
        assert!(!text.contains(m), "{what}: {ct} reflects {m:?} unescaped: {text}");
    }
}

/// The example with every string replaced by the marker.
fn marked(example: &Value) -> Value {
    let mut v = example.clone();
    for p in super::world::strings(example) {
        *v.pointer_mut(&p).expect("pointer") = Value::String(MARKER.to_owned());
    }
    v
}

on_both_worlds!(no_answer_reflects_input_unescaped, crate::hostile::reflection::reflected);

pub async fn reflected(w: World) {
    let m = url_encode(MARKER);
    let query = format!("q={m}&t={m}&s=1&state={m}&action={m}&channel={m}&wait={m}");
    for (method, template, case) in World::cases() {
        let body = |w: &World| match case.takes {
            Takes::Json(f) | Takes::Loose(f) => Body::Raw("application/json", marked(&f(w)).to_string().into_bytes()),
            Takes::Media(media, _) => Body::Raw(media, MARKER.as_bytes().to_vec()),
            Takes::Nothing | Takes::Unread => Body::Empty,
        };
        let mut targets = vec![format!("{}?{query}", w.concrete(template, None))];
        if template.contains('{') {
            targets.push(format!("{}?{query}", w.concrete(template, Some(&m))));
        }
        for target in targets {
            if streams(template) && !target.split('?').next().unwrap_or_default().contains("hostile") {
                continue;
            }
            let r = w.call(method.clone(), &target, case.caller, body(&w)).await;
            escaped(&r, &format!("{method} {target}"));
        }
    }
    stored_text_is_escaped_everywhere(&w).await;
    w.healthy().await;
}

/// An issued public alert whose every text is the marker, then every page, feed and API answer
/// that shows it.
async fn stored_text_is_escaped_everywhere(w: &World) {
    let mut c = crate::support::content("Actual");
    for key in ["headline", "description", "instruction", "event"] {
        c["infos"][0][key] = Value::String(MARKER.to_owned());
    }
    c["infos"][0]["areas"][0]["areaDesc"] = Value::String(MARKER.to_owned());
    let a = crate::lifecycle::submitted(&w.t, &w.staff, c).await;
    let approver = w.t.user("reflection-approver", &[dispatcher::domain::roles::Role::Approver]).await;
    let issued = crate::lifecycle::approve_and_issue(&w.t, &approver, &a).await;
    assert_eq!(issued["state"], "issued", "{issued}");
    let id = issued["id"].as_i64().expect("id").to_string();
    for (method, template, case) in World::cases() {
        if method != Method::GET || streams(template) {
            continue;
        }
        let path = match template {
            t if t.contains("alerts/{id}") => t.replace("{id}", &id),
            "/cap/alerts/{file}" => format!("/cap/alerts/{id}.xml"),
            t => w.concrete(t, None),
        };
        let r = w.call(method.clone(), &path, case.caller, Body::Empty).await;
        escaped(&r, &format!("the stored marker in GET {path}"));
    }
    let feed = w.t.get("/cap/alerts.atom", Auth::None).await;
    assert!(
        feed.text().contains("&lt;svg/onload=alert(1)&gt;"),
        "the feed shows the headline, escaped: {}",
        feed.text()
    );
}
