//! The hostile suite's world: one server with small body limits, a staff session with every
//! role, a device, an SMS gateway token, a resident, and one stored thing of each resource
//! whose id fills `{id}`; plus what every category checks at its end (nothing stored, still
//! healthy) and what every refusal must look like (4xx problem+json).

use std::sync::atomic::{AtomicU32, Ordering};

use dispatcher::config::Secret;
use dispatcher::domain::roles::Role;
use dispatcher::http::routes::{Access, endpoints};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::table::{Caller, Case, Takes, classify};
use crate::support::{Auth, Backend, Body, Resp, Session, TestApp, spawn_with};

/// The largest body the suite's server takes (JSON and CAP alike).
pub const LIMIT: usize = 64 * 1024;
/// The SMS gateway's callback token.
const GATEWAY: &str = "gateway-secret";

static THROWAWAY: AtomicU32 = AtomicU32::new(0);

/// A server with one of everything.
pub struct World {
    pub t: TestApp,
    pub staff: Session,
    pub staff_name: &'static str,
    pub device_secret: String,
    pub resident: (i64, String),
    /// Fixture ids by path prefix.
    ids: Vec<(&'static str, i64)>,
}

impl World {
    /// Starts the server and stores the fixtures; None when the backend is absent here.
    pub async fn open(backend: Backend) -> Option<World> {
        let t = spawn_with(backend, |s| {
            s.server.max_body_bytes = LIMIT;
            s.residents.import_max_bytes = LIMIT;
            s.cap.max_bytes = LIMIT;
            s.channels.sms.enabled = true;
            s.channels.sms.provider = "http".into();
            s.channels.sms.http.url = "http://127.0.0.1:9/send".into();
            s.channels.sms.http.callback_token = Secret::new(GATEWAY);
        })
        .await?;
        let staff_name = "hostile";
        let staff = t.user(staff_name, &Role::ALL).await;
        let mut w =
            World { t, staff, staff_name, device_secret: String::new(), resident: (0, String::new()), ids: vec![] };
        w.fixtures().await;
        Some(w)
    }

    pub fn staff_password(&self) -> String {
        format!("{}-password-long", self.staff_name)
    }

    async fn made(&self, path: &str, body: Body<'_>) -> Value {
        let r = self.t.call(Method::POST, path, Auth::Session(&self.staff), body).await;
        assert!(r.status.is_success(), "fixture {path}: {}", r.text());
        r.json()
    }

    async fn fixtures(&mut self) {
        let a = self.made("/api/v1/alerts", Body::Json(json!({ "content": super::table::content() }))).await;
        let tpl = self.made("/api/v1/templates", Body::Json(super::table::template())).await;
        let geo = super::table::geojson("Nábrežie").into_bytes();
        let area = self.made("/api/v1/areas", Body::Raw("application/geo+json", geo)).await;
        let siren = self.made("/api/v1/devices", Body::Json(super::table::device("siren", "Siren A"))).await;
        let display = self.made("/api/v1/devices", Body::Json(super::table::device("display", "Board B"))).await;
        let sched = self.made("/api/v1/siren-tests", Body::Json(super::table::schedule())).await;
        let user = self
            .made("/api/v1/users", Body::Json(json!({ "username": "victim", "displayName": "V", "roles": ["author"] })))
            .await;
        let token = self
            .made("/api/v1/tokens", Body::Json(json!({ "name": "roc", "role": "author", "scopes": ["cap"] })))
            .await;
        let hook =
            self.made("/api/v1/webhooks", Body::Json(json!({ "name": "ops", "url": "http://127.0.0.1:9/hook" }))).await;
        let feed = self.made("/api/v1/feeds", Body::Json(super::table::feed("weather"))).await;
        let r = self
            .t
            .post(
                "/api/v1/residents/subscriptions",
                Auth::None,
                classify_example("POST", "/api/v1/residents/subscriptions", self),
            )
            .await;
        let (rid, rtoken) = crate::signup::created(&r);
        self.device_secret = siren["secret"].as_str().expect("device secret").to_owned();
        self.resident = (rid, rtoken);
        let display_id = id_in(&display);
        self.ids = vec![
            ("/api/v1/alerts/", id_in(&a)),
            ("/api/v1/public/alerts/", id_in(&a)),
            ("/alerts/", id_in(&a)),
            ("/api/v1/templates/", id_in(&tpl)),
            ("/api/v1/areas/", id_in(&area["areas"][0])),
            ("/api/v1/devices/", display_id),
            ("/display/", display_id),
            ("/api/v1/siren-tests/runs/", 1),
            ("/api/v1/siren-tests/", id_in(&sched)),
            ("/api/v1/users/", id_in(&user)),
            ("/api/v1/tokens/", id_in(&token)),
            ("/api/v1/webhooks/", id_in(&hook)),
            ("/api/v1/feeds/", id_in(&feed)),
            ("/api/v1/residents/subscriptions/", rid),
        ];
    }

    /// The path with each `{param}` filled from the fixtures, or with `value` when given.
    pub fn concrete(&self, template: &str, value: Option<&str>) -> String {
        let Some(open) = template.find('{') else { return template.to_owned() };
        let close = template[open..].find('}').map_or(template.len(), |c| open + c + 1);
        let prefix = &template[..open];
        let fill = match value {
            Some(v) => v.to_owned(),
            None if template[open..close].contains("file") => {
                if prefix == "/cap/alerts/" {
                    format!("{}.xml", self.id_for(prefix))
                } else {
                    "x.js".into()
                }
            }
            None => self.id_for(prefix).to_string(),
        };
        format!("{prefix}{fill}{}", &template[close..])
    }

    fn id_for(&self, prefix: &str) -> i64 {
        self.ids.iter().find(|(p, _)| prefix.starts_with(p)).map_or(1, |(_, id)| *id)
    }

    /// Sends a request as a caller.
    pub async fn call(&self, method: Method, path: &str, caller: Caller, body: Body<'_>) -> Resp {
        match caller {
            Caller::Throwaway => {
                let n = THROWAWAY.fetch_add(1, Ordering::SeqCst);
                let s = self.t.user(&format!("throwaway{n}"), &Role::ALL).await;
                self.t.call(method, path, Auth::Session(&s), body).await
            }
            _ => self.t.call(method, path, self.auth(caller), body).await,
        }
    }

    /// How a caller authenticates (Throwaway: as the staff, for raw requests that end nothing).
    pub fn auth(&self, caller: Caller) -> Auth<'_> {
        match caller {
            Caller::Anyone => Auth::None,
            Caller::Staff | Caller::Throwaway => Auth::Session(&self.staff),
            Caller::Device => Auth::Token(&self.device_secret),
            Caller::Gateway => Auth::Token(GATEWAY),
            Caller::Resident => Auth::Token(&self.resident.1),
        }
    }

    /// Every endpoint with its classification.
    pub fn cases() -> Vec<(Method, &'static str, Case)> {
        endpoints()
            .into_iter()
            .map(|e| {
                let case = classify(e.method.as_str(), e.path)
                    .unwrap_or_else(|| panic!("{} {} is not classified", e.method, e.path));
                (e.method, e.path, case)
            })
            .collect()
    }

    /// How much is stored: the length of every list the staff can read (the audit log aside,
    /// which records refusals on purpose; a posted alert's report is one alert, not a list),
    /// and the residents' subscriptions.
    pub async fn stored(&self) -> Vec<(String, usize)> {
        let mut out = Vec::new();
        for e in endpoints() {
            let listable = e.method == Method::GET
                && e.path.starts_with("/api/v1/")
                && !e.path.contains('{')
                && e.path != "/api/v1/audit"
                && e.path != "/api/v1/cap/report"
                && matches!(e.meta.access, Access::Roles(_));
            if !listable {
                continue;
            }
            let r = self.t.get(e.path, Auth::Session(&self.staff)).await;
            assert_eq!(r.status, StatusCode::OK, "{}: {}", e.path, r.text());
            if let Some(list) = r.json().as_array() {
                // The suite's own throwaway sessions are users too.
                let ours = |u: &&Value| u["username"].as_str().is_some_and(|n| n.starts_with("throwaway"));
                out.push((e.path.to_owned(), list.iter().filter(|u| !ours(u)).count()));
            }
        }
        out.push(("subscriptions".into(), crate::signup::subscriptions_stored(&self.t).await));
        out
    }

    /// The server still answers: alive, ready, and a normal request succeeds.
    pub async fn healthy(&self) {
        for path in ["/healthz", "/readyz"] {
            assert_eq!(self.t.get(path, Auth::None).await.status, StatusCode::OK, "{path}");
        }
        let r = self.t.get("/api/v1/alerts", Auth::Session(&self.staff)).await;
        assert_eq!(r.status, StatusCode::OK, "a normal request: {}", r.text());
    }
}

/// A valid example body of an endpoint.
pub fn classify_example(method: &str, path: &str, w: &World) -> Value {
    match classify(method, path).map(|c| c.takes) {
        Some(Takes::Json(f) | Takes::Loose(f)) => f(w),
        _ => panic!("{method} {path} takes no JSON"),
    }
}

/// The JSON pointers of every string in a value.
pub fn strings(v: &Value) -> Vec<String> {
    fn walk(v: &Value, at: String, out: &mut Vec<String>) {
        match v {
            Value::String(_) => out.push(at),
            Value::Array(a) => a.iter().enumerate().for_each(|(i, x)| walk(x, format!("{at}/{i}"), out)),
            Value::Object(o) => {
                o.iter().for_each(|(k, x)| walk(x, format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")), out))
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, String::new(), &mut out);
    out
}

/// The id in an answer: its own, or that of the object it wraps.
pub fn id_in(v: &Value) -> i64 {
    v["id"]
        .as_i64()
        .or_else(|| v.as_object().and_then(|o| o.values().find_map(|x| x["id"].as_i64())))
        .unwrap_or_else(|| panic!("no id in {v}"))
}

/// Asserts a refusal: 4xx, problem+json, a code; gives the code.
pub fn refused(r: &Resp, what: &str) -> String {
    assert!(r.status.is_client_error(), "{what}: expected 4xx, got {}: {}", r.status, r.text());
    assert!(
        r.header("content-type").starts_with("application/problem+json"),
        "{what}: {} is not problem+json: {}",
        r.header("content-type"),
        r.text()
    );
    let code = r.code();
    assert!(code.starts_with("API-"), "{what}: no code in {}", r.text());
    code
}
