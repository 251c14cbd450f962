//! Traversal and junk in every path parameter, sent byte for byte: each answered 400 or 404
//! problem+json, never a 5xx, never a file, never a header made of what was sent.

use reqwest::StatusCode;

use super::World;
use super::raw;
use super::table::{Caller, Takes};
use super::world::refused;
use crate::on_both_worlds;

/// Path segments as sent on the wire.
pub const JUNK: &[&str] = &[
    "../../../../etc/passwd",
    "..%2F..%2F..%2F..%2Fetc%2Fpasswd",
    "%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "..%5c..%5c..%5cwindows%5cwin.ini",
    "%2e%2e",
    "..",
    "-1",
    "0",
    "99999999999999999999999999",
    "9223372036854775808",
    "1e3",
    "0x10",
    "1.5",
    "abc",
    "%20",
    "1%00",
    "%C3%A9",
    "%F0%9F%92%A3",
    "%FF",
    "1%0d%0aX-Injected:%20yes",
    "1;DROP%20TABLE%20alerts",
];

on_both_worlds!(junk_in_path_parameters_is_not_found, crate::hostile::paths::junk);

pub async fn junk(w: World) {
    let before = w.stored().await;
    let mut tried = 0;
    for (method, template, case) in World::cases() {
        if !template.contains('{') {
            continue;
        }
        let body = match case.takes {
            Takes::Json(f) | Takes::Loose(f) => Some(f(&w).to_string().into_bytes()),
            _ => None,
        };
        for junk in JUNK {
            let target = w.concrete(template, Some(junk));
            let r = raw::send(&w.t.base, method.as_str(), &target, w.auth(case.caller), body.as_deref()).await;
            let what = format!("{method} {target}");
            refused(&r, &what);
            let allowed: &[StatusCode] = match case.caller {
                // A resident's token is bound to its subscription: another id is not theirs.
                Caller::Resident => &[StatusCode::BAD_REQUEST, StatusCode::NOT_FOUND, StatusCode::UNAUTHORIZED],
                _ => &[StatusCode::BAD_REQUEST, StatusCode::NOT_FOUND],
            };
            assert!(allowed.contains(&r.status), "{what}: {} {}", r.status, r.text());
            assert!(!r.text().contains("root:x:0:0") && !r.text().contains("[fonts]"), "{what} served a file");
            assert!(!r.headers.contains_key("x-injected"), "{what} made a header: {:?}", r.headers);
            tried += 1;
        }
    }
    assert!(tried > 500, "only {tried} requests");
    assert_eq!(w.stored().await, before, "nothing was stored");
    w.healthy().await;
}
