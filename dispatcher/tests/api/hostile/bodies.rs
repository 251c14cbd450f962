//! Bodies that are too large, of the wrong media type or not UTF-8, to every endpoint that
//! takes a body, and broken UTF-8 in the query string of every endpoint: each refused with
//! 4xx problem+json, nothing stored, the server still healthy.

use reqwest::StatusCode;
use serde_json::Value;

use super::World;
use super::table::Takes;
use super::world::{LIMIT, refused};
use crate::on_both_worlds;
use crate::support::Body;

/// Bytes that are not UTF-8: a lone continuation byte, an overlong `/`, a surrogate half.
pub const BROKEN: &[u8] = b"\xff\xfe\xc0\xaf\xed\xa0\x80";

/// The example with its first string replaced by bytes that are not UTF-8.
pub fn broken_json(example: &Value) -> Vec<u8> {
    let mut v = example.clone();
    let marked = super::world::strings(&v).first().map(|p| {
        *v.pointer_mut(p).expect("the pointer") = Value::String("BROKEN-UTF8".into());
    });
    let text = v.to_string().into_bytes();
    match marked {
        Some(()) => replace(&text, b"BROKEN-UTF8", BROKEN),
        None => [b"{\"".as_slice(), BROKEN, b"\": 1}"].concat(),
    }
}

fn replace(hay: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    let at = hay.windows(needle.len()).position(|w| w == needle).expect("the marker");
    [&hay[..at], with, &hay[at + needle.len()..]].concat()
}

on_both_worlds!(bodies_too_large_mistyped_or_not_utf8_are_refused, crate::hostile::bodies::bodies);

pub async fn bodies(w: World) {
    let before = w.stored().await;
    let mut tried = 0;
    for (method, template, case) in World::cases() {
        let path = w.concrete(template, None);
        let what = |kind: &str| format!("{kind} to {method} {template}");
        let (media, example): (&str, Vec<u8>) = match case.takes {
            Takes::Nothing | Takes::Unread => continue,
            Takes::Json(f) => ("application/json", f(&w).to_string().into_bytes()),
            Takes::Loose(f) => ("application/json", f(&w).to_string().into_bytes()),
            Takes::Media(m, f) => (m, f(&w)),
        };
        tried += 1;

        let big = vec![b' '; LIMIT + 1];
        let r = w.call(method.clone(), &path, case.caller, Body::Raw(media, big)).await;
        assert_eq!((r.status, refused(&r, &what("too large")).as_str()), (StatusCode::PAYLOAD_TOO_LARGE, "API-011"));

        let (wrong, body) = match case.takes {
            // A gateway's body is read as JSON whatever its label; one that is not JSON is refused.
            Takes::Loose(_) => ("text/xml", b"<status>delivered</status>".to_vec()),
            _ => ("text/plain", example.clone()),
        };
        let r = w.call(method.clone(), &path, case.caller, Body::Raw(wrong, body)).await;
        let code = refused(&r, &what("a wrong media type"));
        if !matches!(case.takes, Takes::Loose(_)) {
            assert_eq!((r.status, code.as_str()), (StatusCode::UNSUPPORTED_MEDIA_TYPE, "API-012"), "{}", what(wrong));
        }

        let broken = match case.takes {
            Takes::Media(..) => [b"{\"type\": \"".as_slice(), BROKEN, b"\"}"].concat(),
            Takes::Json(f) | Takes::Loose(f) => broken_json(&f(&w)),
            _ => unreachable!(),
        };
        let r = w.call(method.clone(), &path, case.caller, Body::Raw(media, broken)).await;
        let code = refused(&r, &what("broken UTF-8"));
        if media != "application/cap+xml" {
            // CAP answers 422 with the XML reader's finding, as every bad CAP message.
            assert_eq!((r.status, code.as_str()), (StatusCode::BAD_REQUEST, "API-001"), "{}", what("broken UTF-8"));
        }
    }
    assert!(tried >= 25, "only {tried} endpoints take a body");
    assert_eq!(w.stored().await, before, "nothing was stored");
    w.healthy().await;
}

on_both_worlds!(queries_that_are_not_utf8_are_refused, crate::hostile::bodies::queries);

pub async fn queries(w: World) {
    let before = w.stored().await;
    for (method, template, case) in World::cases() {
        let path = format!("{}?q=%FF%FE&t=a%C0%AF&s=%ED%A0%80", w.concrete(template, None));
        let body = match case.takes {
            Takes::Json(f) | Takes::Loose(f) => Body::Json(f(&w)),
            _ => Body::Empty,
        };
        let r = w.call(method.clone(), &path, case.caller, body).await;
        let what = format!("broken UTF-8 in the query of {method} {template}");
        assert_eq!((r.status, refused(&r, &what).as_str()), (StatusCode::BAD_REQUEST, "API-020"), "{what}");
    }
    let r = w.t.get("/api/v1/alerts?state=%C3%A9", crate::support::Auth::Session(&w.staff)).await;
    assert_eq!(r.code(), "API-002", "UTF-8 that is merely wrong is the handler's to judge: {}", r.text());
    assert_eq!(w.stored().await, before, "nothing was stored");
    w.healthy().await;
}
