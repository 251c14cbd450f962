//! SQL and HTML injection in every text field of every JSON body and in every query parameter:
//! either stored verbatim (and then read back unchanged, the database intact) or refused with
//! 4xx problem+json, never a 5xx.

use reqwest::Method;
use serde_json::Value;

use super::World;
use super::table::{Caller, Takes, query_parameters};
use super::world::{id_in, refused, strings};
use crate::on_both_worlds;
use crate::support::{Body, Resp};

/// Strings that break SQL built by concatenation, and markup that runs where it is not escaped.
pub const PAYLOADS: &[&str] = &[
    "Robert'); DROP TABLE alerts;--",
    "' OR '1'='1' UNION SELECT password_hash FROM users --",
    "<script>alert(1)</script>",
    "\"'><svg/onload=alert(1)>&amp;",
];

/// Whether a string in the value contains the text.
pub fn holds(v: &Value, text: &str) -> bool {
    match v {
        Value::String(s) => s.contains(text),
        Value::Array(a) => a.iter().any(|x| holds(x, text)),
        Value::Object(o) => o.values().any(|x| holds(x, text)),
        _ => false,
    }
}

/// The example of an endpoint as JSON with its media type, when its body is JSON.
fn json_example(w: &World, takes: Takes) -> Option<(&'static str, Value)> {
    match takes {
        Takes::Json(f) | Takes::Loose(f) => Some(("application/json", f(w))),
        Takes::Media(m, f) if m.ends_with("json") => serde_json::from_slice(&f(w)).ok().map(|v| (m, v)),
        _ => None,
    }
}

on_both_worlds!(injection_is_stored_verbatim_or_refused, crate::hostile::injection::bodies);

pub async fn bodies(w: World) {
    let (mut fields, mut read) = (0, 0);
    for (method, template, case) in World::cases() {
        let Some((media, example)) = json_example(&w, case.takes) else { continue };
        let path = w.concrete(template, None);
        for pointer in strings(&example) {
            fields += 1;
            for payload in PAYLOADS {
                let mut body = example.clone();
                *body.pointer_mut(&pointer).expect("pointer") = Value::String((*payload).to_owned());
                let what = format!("{payload:?} in {pointer} of {method} {template}");
                let r =
                    w.call(method.clone(), &path, case.caller, Body::Raw(media, body.to_string().into_bytes())).await;
                if r.status.is_success() {
                    if let Some(rb) = case.readback {
                        read_back(&w, rb, case.caller, &r, payload, &what).await;
                        read += 1;
                    }
                } else {
                    judged(&r, &what);
                }
            }
        }
    }
    assert!(fields >= 60, "only {fields} text fields were tried");
    assert!(read >= 40, "only {read} accepted texts were read back");
    w.stored().await;
    w.healthy().await;
}

/// A refusal: 4xx problem+json, and a 422 names its field (or carries the CAP findings).
fn judged(r: &Resp, what: &str) {
    let code = refused(r, what);
    if r.status.as_u16() == 422 {
        let j = r.json();
        let named = j["field"].as_str().is_some_and(|f| !f.is_empty())
            || j["findings"].as_array().is_some_and(|f| !f.is_empty());
        assert!(named, "{what}: a 422 ({code}) names the field: {}", r.text());
    }
}

async fn read_back(w: &World, readback: &str, caller: Caller, answer: &Resp, payload: &str, what: &str) {
    let path = if readback.contains("{new}") {
        readback.replace("{new}", &id_in(&answer.json()).to_string())
    } else {
        w.concrete(readback, None)
    };
    let caller = if caller == Caller::Throwaway { Caller::Staff } else { caller };
    let r = w.call(Method::GET, &path, caller, Body::Empty).await;
    assert!(r.status.is_success(), "{what}: reading back {path}: {}", r.text());
    assert!(holds(&r.json(), payload), "{what}: {path} shows the text unchanged: {}", r.text());
}

on_both_worlds!(injection_in_queries_is_refused_or_harmless, crate::hostile::injection::queries);

pub async fn queries(w: World) {
    let before = w.stored().await;
    for (method, template, case) in World::cases() {
        let names = query_parameters(method.as_str(), template);
        for payload in PAYLOADS {
            for name in names {
                let q = url_encode(payload);
                let path = format!("{}?{name}={q}", w.concrete(template, None));
                let r = w.call(method.clone(), &path, case.caller, Body::Empty).await;
                let what = format!("{payload:?} in the query parameter {name} of {method} {template}");
                if !r.status.is_success() {
                    judged(&r, &what);
                }
            }
        }
    }
    assert_eq!(w.stored().await, before, "nothing was stored");
    w.healthy().await;
}

/// Percent-encodes every byte outside the unreserved set.
pub fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
