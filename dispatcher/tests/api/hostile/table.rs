//! Every endpoint of the route table, classified for the hostile-input suite: who may call it,
//! what body it takes (with a valid example), and where what it stores can be read back.

use dispatcher::http::routes::Endpoint;
use serde_json::{Value, json};

use super::World;

/// Who calls an endpoint in the suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Caller {
    /// No credentials.
    Anyone,
    /// The staff session with every role.
    Staff,
    /// A fresh staff session of its own, for calls that end or change it.
    Throwaway,
    /// A siren's device secret.
    Device,
    /// The SMS gateway's callback token.
    Gateway,
    /// A resident's subscription token.
    Resident,
}

/// What body an endpoint takes.
#[derive(Clone, Copy)]
pub enum Takes {
    /// None: the route table declares none.
    Nothing,
    /// JSON of the declared schema, with a valid example.
    Json(fn(&World) -> Value),
    /// The declared media type, with a valid example.
    Media(&'static str, fn(&World) -> Vec<u8>),
    /// JSON or a form, whatever its label says (gateways label loosely); the route table
    /// declares `application/json`.
    Loose(fn(&World) -> Value),
    /// A body the handler never reads (RFC 8058 one-click unsubscribe: the query carries all).
    Unread,
}

impl Takes {
    /// Whether the classification says what the route table says.
    pub fn agrees_with(&self, e: &Endpoint) -> Result<(), String> {
        let ok = match self {
            Takes::Nothing => e.request.is_none() && e.request_media.is_none(),
            Takes::Json(_) => e.request.is_some(),
            Takes::Media(m, _) => e.request_media == Some(*m),
            Takes::Loose(_) => e.request_media == Some("application/json"),
            Takes::Unread => e.request_media.is_some(),
        };
        if ok { Ok(()) } else { Err("the classified body differs from the route table's".into()) }
    }
}

/// One classified endpoint.
#[derive(Clone, Copy)]
pub struct Case {
    pub caller: Caller,
    pub takes: Takes,
    /// Where an accepted body's text can be read back: a path with `{id}` (the fixture's id)
    /// or `{new}` (the id in the answer).
    pub readback: Option<&'static str>,
}

const fn case(caller: Caller, takes: Takes) -> Option<Case> {
    Some(Case { caller, takes, readback: None })
}

const fn stored(caller: Caller, takes: Takes, readback: &'static str) -> Option<Case> {
    Some(Case { caller, takes, readback: Some(readback) })
}

/// The classification of one endpoint, or None for one this suite does not know yet.
pub fn classify(method: &str, path: &str) -> Option<Case> {
    use Caller::*;
    use Takes::*;
    match (method, path) {
        ("POST", "/api/v1/session") => {
            case(Anyone, Json(|w| json!({ "username": w.staff_name, "password": w.staff_password() })))
        }
        ("GET", "/api/v1/session") => case(Staff, Nothing),
        ("DELETE", "/api/v1/session") => case(Throwaway, Nothing),
        ("POST", "/api/v1/session/password") => case(
            Throwaway,
            Json(|w| json!({ "currentPassword": w.staff_password(), "newPassword": "a-new-password-long" })),
        ),
        ("POST", "/api/v1/session/totp") => case(Throwaway, Nothing),
        ("POST", "/api/v1/session/totp/confirm") => case(Throwaway, Json(|_| json!({ "code": "000000" }))),

        ("GET", "/api/v1/alerts") => case(Staff, Nothing),
        ("POST", "/api/v1/alerts") => stored(Staff, Json(|_| alert()), "/api/v1/alerts/{new}"),
        ("GET", "/api/v1/alerts/{id}") => case(Staff, Nothing),
        ("PUT", "/api/v1/alerts/{id}") => {
            stored(Staff, Json(|_| json!({ "version": 1, "content": content() })), "/api/v1/alerts/{id}")
        }
        (
            "GET",
            "/api/v1/alerts/{id}/cap"
            | "/api/v1/alerts/{id}/preview"
            | "/api/v1/alerts/{id}/previews"
            | "/api/v1/alerts/{id}/reach",
        ) => case(Staff, Nothing),
        ("POST", "/api/v1/alerts/{id}/submit") => case(Staff, Json(|_| json!({ "confirm": ["no-recipients"] }))),
        ("POST", "/api/v1/alerts/{id}/approve") => case(Staff, Json(|_| json!({ "capSha256": "0".repeat(64) }))),
        ("POST", "/api/v1/alerts/{id}/reject" | "/api/v1/alerts/{id}/withdraw") => {
            case(Staff, Json(|_| json!({ "reason": "wrong river" })))
        }
        ("POST", "/api/v1/alerts/{id}/issue") => case(Staff, Nothing),
        ("POST", "/api/v1/alerts/{id}/update") => {
            stored(Staff, Json(|_| json!({ "content": content() })), "/api/v1/alerts/{new}")
        }
        ("POST", "/api/v1/alerts/{id}/cancel") => case(Staff, Json(|_| json!({ "kind": "cancel", "note": "over" }))),
        ("GET", p) if p.starts_with("/api/v1/alerts/{id}/deliveries") => case(Staff, Nothing),
        ("GET", "/api/v1/alerts/{id}/cascade" | "/api/v1/cascade/children") => case(Staff, Nothing),

        ("POST", "/api/v1/webhooks") => {
            stored(Staff, Json(|_| json!({ "name": "ops desk", "url": "http://127.0.0.1:9/hook" })), "/api/v1/webhooks")
        }
        ("GET", "/api/v1/webhooks") | ("DELETE", "/api/v1/webhooks/{id}") => case(Staff, Nothing),
        ("POST", "/api/v1/feeds") => stored(Staff, Json(|_| feed("met office")), "/api/v1/feeds/{new}"),
        ("PATCH", "/api/v1/feeds/{id}") => {
            stored(Staff, Json(|_| json!({ "name": "met office 2", "pollSeconds": 60 })), "/api/v1/feeds/{id}")
        }
        ("GET", "/api/v1/feeds" | "/api/v1/feeds/{id}")
        | ("DELETE", "/api/v1/feeds/{id}")
        | ("POST", "/api/v1/feeds/{id}/poll") => case(Staff, Nothing),
        ("POST", "/api/v1/feeds/{id}/confirm") => case(Staff, Json(|_| json!({ "changedMs": 1 }))),

        ("GET", "/api/v1/push/vapid-public-key") => case(Anyone, Nothing),
        ("GET", "/api/v1/channels") => case(Staff, Nothing),
        ("POST", "/api/v1/sms/status") => case(Gateway, Loose(|_| json!({ "id": "gw-1", "status": "delivered" }))),
        ("GET", "/api/v1/unsubscribe") => case(Anyone, Nothing),
        ("POST", "/api/v1/unsubscribe") => case(Anyone, Unread),

        ("POST", "/api/v1/residents/subscriptions") => case(Anyone, Json(|_| resident())),
        ("GET", "/api/v1/residents/stats") => case(Staff, Nothing),
        ("POST", "/api/v1/residents/import") => {
            case(Staff, Media("text/csv", |_| b"phone,lat,lon,language\n+421900555123,48.15,17.1,sk\n".to_vec()))
        }
        ("POST", "/api/v1/residents/subscriptions/{id}/verify") => {
            case(Resident, Json(|_| json!({ "code": "123456" })))
        }
        ("POST", "/api/v1/residents/subscriptions/{id}/resend") => case(Resident, Nothing),
        ("GET" | "DELETE", "/api/v1/residents/subscriptions/{id}") => case(Resident, Nothing),
        ("PUT", "/api/v1/residents/subscriptions/{id}") => stored(
            Resident,
            Json(
                |_| json!({ "places": [{ "lat": 48.15, "lon": 17.1 }], "languages": ["sk"], "min_severity": "Minor" }),
            ),
            "/api/v1/residents/subscriptions/{id}",
        ),

        ("GET", "/api/v1/devices" | "/api/v1/devices/{id}") => case(Staff, Nothing),
        ("POST", "/api/v1/devices") => stored(Staff, Json(|_| device("siren", "Town hall")), "/api/v1/devices/{new}"),
        ("POST", "/api/v1/devices/{id}/rotate" | "/api/v1/devices/{id}/pairing")
        | ("DELETE", "/api/v1/devices/{id}") => case(Staff, Nothing),
        ("GET", "/api/v1/device/poll") => case(Device, Nothing),
        ("POST", "/api/v1/device/ack") => case(Device, Json(|_| json!({ "command": 1, "state": "received" }))),
        ("POST", "/api/v1/device/heartbeat") => {
            case(Device, Json(|_| json!({ "battery": 55, "faults": ["E12"], "tamper": false })))
        }
        ("POST", "/api/v1/device/pair") => case(Anyone, Json(|_| json!({ "code": "ABCD-EFGH" }))),

        ("GET", "/api/v1/siren-tests" | "/api/v1/siren-tests/{id}" | "/api/v1/siren-tests/{id}/runs") => {
            case(Staff, Nothing)
        }
        ("GET", "/api/v1/siren-tests/runs/{id}") => case(Staff, Nothing),
        ("POST", "/api/v1/siren-tests") => stored(Staff, Json(|_| schedule()), "/api/v1/siren-tests/{new}"),
        ("PUT", "/api/v1/siren-tests/{id}") => stored(
            Staff,
            Json(|_| {
                let mut s = schedule();
                s["version"] = json!(1);
                s
            }),
            "/api/v1/siren-tests/{id}",
        ),
        ("POST", "/api/v1/siren-tests/{id}/approve") => case(Staff, Json(|_| json!({ "version": 1 }))),
        (
            "POST",
            "/api/v1/siren-tests/{id}/pause" | "/api/v1/siren-tests/{id}/resume" | "/api/v1/siren-tests/{id}/run",
        )
        | ("DELETE", "/api/v1/siren-tests/{id}") => case(Staff, Nothing),

        ("GET", "/api/v1/signals") => case(Staff, Nothing),

        ("GET", "/api/v1/templates" | "/api/v1/templates/{id}") | ("DELETE", "/api/v1/templates/{id}") => {
            case(Staff, Nothing)
        }
        ("POST", "/api/v1/templates") => stored(Staff, Json(|_| template()), "/api/v1/templates/{new}"),
        ("PUT", "/api/v1/templates/{id}") => stored(Staff, Json(|_| template()), "/api/v1/templates/{id}"),

        ("GET", "/api/v1/areas" | "/api/v1/areas/{id}") | ("DELETE", "/api/v1/areas/{id}") => case(Staff, Nothing),
        ("POST", "/api/v1/areas") => {
            stored(Staff, Media("application/geo+json", |_| geojson("Staré Mesto").into_bytes()), "/api/v1/areas")
        }

        ("GET", "/api/v1/users" | "/api/v1/tokens")
        | ("DELETE", "/api/v1/tokens/{id}")
        | ("POST", "/api/v1/tokens/{id}/confirm") => case(Staff, Nothing),
        ("POST", "/api/v1/users") => stored(
            Staff,
            Json(|_| json!({ "username": "viera", "displayName": "Viera Nová", "roles": ["author"] })),
            "/api/v1/users",
        ),
        ("PATCH", "/api/v1/users/{id}") => case(Staff, Json(|_| json!({ "roles": ["author", "auditor"] }))),
        ("POST", "/api/v1/tokens") => stored(
            Staff,
            Json(|_| json!({ "name": "roc feed", "role": "author", "scopes": ["cap"] })),
            "/api/v1/tokens",
        ),

        ("GET", "/api/v1/audit" | "/api/v1/audit/verify") => case(Staff, Nothing),
        ("POST", "/api/v1/cap") => case(Staff, Media("application/cap+xml", |_| cap("ROC-EX-1").into_bytes())),
        ("GET", "/api/v1/cap/report") => case(Staff, Nothing),
        ("GET", "/cap/alerts.atom" | "/cap/alerts/{file}") => case(Anyone, Nothing),
        ("GET", "/healthz" | "/readyz" | "/api/openapi.json") => case(Anyone, Nothing),
        ("GET", "/metrics") => case(Staff, Nothing),
        ("GET", "/display/{device}" | "/display/assets/{file}") => case(Anyone, Nothing),
        ("GET", p) if p.starts_with("/api/v1/public/") => case(Anyone, Nothing),
        ("GET", "/" | "/alerts/{id}" | "/sw.js" | "/manifest.webmanifest" | "/app/{file}") => case(Anyone, Nothing),
        ("GET", "/admin" | "/admin/" | "/admin/assets/{file}") => case(Anyone, Nothing),
        _ => None,
    }
}

/// A valid CAP message from a regional centre.
pub fn cap(identifier: &str) -> String {
    let expires = (chrono::Local::now() + chrono::Duration::hours(3)).format("%Y-%m-%dT%H:%M:%S%:z");
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>{identifier}</identifier><sender>roc@region.example</sender><sent>2026-11-23T10:00:00+01:00</sent><status>Exercise</status><msgType>Alert</msgType><scope>Public</scope><info><language>sk</language><category>Met</category><event>Víchrica</event><urgency>Expected</urgency><severity>Severe</severity><certainty>Likely</certainty><expires>{expires}</expires><headline>Víchrica</headline><area><areaDesc>Kraj</areaDesc><polygon>48.0,17.0 48.5,17.0 48.5,17.5 48.0,17.0</polygon></area></info></alert>"#
    )
}

/// A valid alert content.
pub fn content() -> Value {
    crate::support::content("Exercise")
}

fn alert() -> Value {
    json!({ "content": content() })
}

fn resident() -> Value {
    json!({
        "channel": "push",
        "subscription": {
            "endpoint": "http://127.0.0.1:9/push/hostile",
            "keys": { "p256dh": format!("BA{}", "A".repeat(85)), "auth": "AAAAAAAAAAAAAAAAAAAAAA" }
        },
        "places": [{ "lat": 48.15, "lon": 17.1 }],
        "languages": ["sk"]
    })
}

/// A device registration.
pub fn device(kind: &str, name: &str) -> Value {
    json!({ "kind": kind, "name": name, "lat": 48.15, "lon": 17.1, "groups": ["town"], "capabilities": ["tones"] })
}

/// A monthly siren test schedule.
pub fn schedule() -> Value {
    json!({ "name": "Monthly test", "signal": "sk-audible-test", "groups": ["town"], "every": "month",
            "weekday": 5, "weekOfMonth": 2, "at": "12:00" })
}

/// A template.
pub fn template() -> Value {
    json!({ "name": "Povodeň", "description": "Flood on the Danube", "content": content() })
}

/// A GeoJSON collection of one named area.
pub fn geojson(name: &str) -> String {
    json!({ "type": "FeatureCollection", "features": [{ "type": "Feature",
        "properties": { "name": name, "geocodes": { "LAU": "SK0101" } },
        "geometry": { "type": "Polygon", "coordinates": [[[17.0, 48.1], [17.2, 48.1], [17.2, 48.2], [17.0, 48.2], [17.0, 48.1]]] } }] })
    .to_string()
}

/// The query parameters an endpoint reads.
pub fn query_parameters(method: &str, path: &str) -> &'static [&'static str] {
    match (method, path) {
        ("GET", "/api/v1/alerts") => &["state", "status", "msgType", "thread", "before", "limit"],
        ("GET", "/api/v1/audit") => &["actor", "action", "alert", "before", "limit"],
        ("GET", "/api/v1/alerts/{id}/deliveries/list") => &["channel", "status", "after", "limit"],
        ("GET", "/api/v1/device/poll") => &["wait"],
        (_, "/api/v1/unsubscribe") => &["s", "t"],
        _ => &[],
    }
}

/// Whether an endpoint answers a stream that stays open (read only where it is refused).
pub fn streams(path: &str) -> bool {
    path.ends_with("/stream")
}

/// A feed subscription to a port where nothing listens, not polled by itself.
pub fn feed(name: &str) -> Value {
    json!({ "name": name, "url": "http://127.0.0.1:9/feed.atom", "action": "draft", "enabled": false,
            "rules": { "minSeverity": "Severe", "events": ["Flood"] } })
}
