//! Test support: a Tocsin server on port 0 over a fresh database (a SQLite file, or a new
//! PostgreSQL database when TOCSIN_TEST_DATABASE_URL is set), and a small HTTP client.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};

use dispatcher::app::App;
use dispatcher::config::{Secret, Settings};
use dispatcher::domain::audit::Actor;
use dispatcher::domain::crypto::SecretKey;
use dispatcher::domain::roles::Role;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// Which database a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The admin URL of the PostgreSQL test server, if tests may use one. Under CI it is required.
pub fn postgres_url() -> Option<String> {
    match std::env::var("TOCSIN_TEST_DATABASE_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            if std::env::var_os("TOCSIN_CI").is_some() {
                panic!("TOCSIN_TEST_DATABASE_URL is required under CI");
            }
            eprintln!("skipping the PostgreSQL run: TOCSIN_TEST_DATABASE_URL is not set");
            None
        }
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A fresh database URL for a test, and what to drop afterwards.
pub async fn fresh_database(backend: Backend, dir: &std::path::Path) -> Option<(String, Option<(String, String)>)> {
    match backend {
        Backend::Sqlite => Some((format!("sqlite://{}", dir.join("tocsin.db").display()), None)),
        Backend::Postgres => {
            let admin = postgres_url()?;
            let name = format!(
                "tocsin_test_{}_{}_{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::SeqCst),
                dispatcher::domain::crypto::random_bytes::<4>().iter().map(|b| format!("{b:02x}")).collect::<String>()
            );
            use sqlx::Connection as _;
            let mut c = sqlx::PgConnection::connect(&admin).await.expect("PostgreSQL test server reachable");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut c)
                .await
                .expect("create test database");
            let url = match admin.rfind('/') {
                Some(i) if admin[..i].contains("://") && i > admin.find("://").unwrap_or(0) + 2 => {
                    format!("{}/{name}", &admin[..i])
                }
                _ => format!("{admin}/{name}"),
            };
            Some((url, Some((admin, name))))
        }
    }
}

/// Drops a test database (best effort, from a thread of its own so it works in Drop).
pub fn drop_database(admin: String, name: String) {
    let _ = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(async {
            use sqlx::Connection as _;
            if let Ok(mut c) = sqlx::PgConnection::connect(&admin).await {
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                    .execute(&mut c)
                    .await;
            }
        });
    })
    .join();
}

/// Settings for a test database.
pub fn settings(url: &str) -> Settings {
    let mut s = Settings::default();
    s.database.url = Secret::new(url);
    s.database.sqlite_synchronous = "normal".into();
    s.security.secret_key = Secret::new(SecretKey::generate_base64());
    s.server.public_url = "http://127.0.0.1".into();
    // Each test server would otherwise make 100,000 push keys on a thread of its own.
    s.channels.push.key_pool = 64;
    // Test users sign in with a password; the tests of the second factor turn this back on.
    s.security.require_second_factor = false;
    // SMS sign-ups keep to the instance's own country, which the tests do not name (so that a
    // national number stays incomplete); their numbers are Slovak.
    s.residents.sms_countries = vec!["421".into()];
    // The tests' push services, webhook receivers and feeds are peers on loopback; the
    // adversarial push tests set both back to their defaults.
    s.outbound.allow_loopback = true;
    s.channels.push.allowed_hosts = Vec::new();
    s
}

/// A running server.
pub struct TestApp {
    pub app: App,
    pub base: String,
    /// The in-memory channel, registered as `memory`.
    pub memory: std::sync::Arc<channels::memory::Memory>,
    /// Its runtime, for driving the outbox step by step.
    pub memory_rt: dispatcher::fanout::Runtime,
    engine: Vec<tokio::task::JoinHandle<()>>,
    client: reqwest::Client,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    pg: Option<(String, String)>,
    _dir: tempfile::TempDir,
}

/// Starts a server; `None` when the backend is not available here (the reason is printed).
pub async fn spawn(backend: Backend) -> Option<TestApp> {
    spawn_with(backend, |_| {}).await
}

/// Starts a server with adjusted settings, and the fan-out engine.
pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> Option<TestApp> {
    start(backend, adjust, true).await
}

/// Starts a server whose outbox the test drives itself (no planners or workers running).
pub async fn spawn_quiet(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> Option<TestApp> {
    start(backend, adjust, false).await
}

async fn start(backend: Backend, adjust: impl FnOnce(&mut Settings), engine: bool) -> Option<TestApp> {
    dispatcher::server::install_crypto_provider();
    let dir = tempfile::tempdir().expect("temp dir");
    let (url, pg) = fresh_database(backend, dir.path()).await?;
    let mut s = settings(&url);
    adjust(&mut s);
    let app = App::open(s).await.expect("open app");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr: SocketAddr = listener.local_addr().expect("addr");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(dispatcher::server::run(app.clone(), listener, async {
        let _ = rx.await;
    }));
    let memory = std::sync::Arc::new(channels::memory::Memory::new());
    let memory_rt = dispatcher::fanout::Runtime {
        channel: memory.clone(),
        settings: dispatcher::config::ChannelSettings::default(),
    };
    let engine = if engine {
        let mut runtimes = dispatcher::fanout::configured_channels(&app).await.expect("channels");
        runtimes.push(memory_rt.clone());
        dispatcher::fanout::spawn(&app, runtimes)
    } else {
        Vec::new()
    };
    Some(TestApp {
        app,
        base: format!("http://{addr}"),
        memory,
        memory_rt,
        engine,
        client: reqwest::Client::new(),
        shutdown: Some(tx),
        pg,
        _dir: dir,
    })
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.engine.iter().for_each(tokio::task::JoinHandle::abort);
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some((admin, name)) = self.pg.take() {
            drop_database(admin, name);
        }
    }
}

/// How a request authenticates.
#[derive(Clone, Copy, Debug)]
pub enum Auth<'a> {
    None,
    Session(&'a Session),
    /// A session cookie without the CSRF header.
    SessionNoCsrf(&'a Session),
    Token(&'a str),
}

/// A signed-in user.
#[derive(Clone, Debug)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
    pub user_id: i64,
}

/// A response.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: &str) -> String {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
    }
    /// The problem code of a problem+json answer.
    pub fn code(&self) -> String {
        self.json()["code"].as_str().unwrap_or_default().to_owned()
    }
}

/// A request body.
pub enum Body<'a> {
    Empty,
    Json(Value),
    Raw(&'a str, Vec<u8>),
}

/// Sends a request to the server at `base` (a test app, or a `tocsin` process).
pub async fn send(
    client: &reqwest::Client,
    base: &str,
    method: Method,
    path: &str,
    auth: Auth<'_>,
    body: Body<'_>,
) -> Resp {
    let mut req = client.request(method, format!("{base}{path}"));
    match auth {
        Auth::None => {}
        Auth::Session(s) => {
            req = req.header("cookie", format!("__Host-tocsin_session={}", s.cookie)).header("x-csrf-token", &s.csrf)
        }
        Auth::SessionNoCsrf(s) => req = req.header("cookie", format!("__Host-tocsin_session={}", s.cookie)),
        Auth::Token(t) => req = req.bearer_auth(t),
    }
    req = match body {
        Body::Empty => req,
        Body::Json(v) => req.header("content-type", "application/json").body(v.to_string()),
        Body::Raw(media, bytes) => req.header("content-type", media).body(bytes),
    };
    let r = req.send().await.expect("request sent");
    let status = r.status();
    let headers = r.headers().clone();
    let body = r.bytes().await.expect("body").to_vec();
    Resp { status, headers, body }
}

/// Signs in at the server at `base`.
pub async fn sign_in(client: &reqwest::Client, base: &str, name: &str, password: &str) -> Session {
    let body = Body::Json(serde_json::json!({ "username": name, "password": password }));
    let r = send(client, base, Method::POST, "/api/v1/session", Auth::None, body).await;
    assert_eq!(r.status, StatusCode::OK, "login of {name}: {}", r.text());
    let set = r.header("set-cookie");
    let cookie =
        set.split(';').next().and_then(|c| c.split_once('=')).map(|(_, v)| v.to_owned()).expect("session cookie");
    let j = r.json();
    Session {
        cookie,
        csrf: j["csrfToken"].as_str().expect("csrf").to_owned(),
        user_id: j["userId"].as_i64().expect("id"),
    }
}

impl TestApp {
    /// Sends a request.
    pub async fn call(&self, method: Method, path: &str, auth: Auth<'_>, body: Body<'_>) -> Resp {
        send(&self.client, &self.base, method, path, auth, body).await
    }

    pub async fn get(&self, path: &str, auth: Auth<'_>) -> Resp {
        self.call(Method::GET, path, auth, Body::Empty).await
    }

    pub async fn post(&self, path: &str, auth: Auth<'_>, json: Value) -> Resp {
        self.call(Method::POST, path, auth, Body::Json(json)).await
    }

    /// Adds a user with these roles and a known password, and signs them in.
    pub async fn user(&self, name: &str, roles: &[Role]) -> Session {
        let pw = format!("{name}-password-long");
        dispatcher::domain::accounts::add(&self.app, &Actor::System, "test", name, name, roles, Some(&pw))
            .await
            .expect("add user");
        self.login(name, &pw).await
    }

    /// Signs in.
    pub async fn login(&self, name: &str, password: &str) -> Session {
        sign_in(&self.client, &self.base, name, password).await
    }

    /// Creates an API token.
    pub async fn token(&self, name: &str, role: Role, scopes: &[&str]) -> String {
        let scopes: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
        dispatcher::domain::tokens::create(&self.app, &Actor::System, "test", name, role, &scopes, None)
            .await
            .expect("token")
            .1
    }
}

/// Runs a test body on SQLite and, when available, on PostgreSQL.
#[macro_export]
macro_rules! on_both {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test]
            async fn sqlite() {
                if let Some(app) = $crate::support::spawn($crate::support::Backend::Sqlite).await {
                    ($body)(app).await;
                }
            }
            #[tokio::test]
            async fn postgres() {
                if let Some(app) = $crate::support::spawn($crate::support::Backend::Postgres).await {
                    ($body)(app).await;
                }
            }
        }
    };
}

/// A valid alert content: one Slovak info block over a polygon, expiring in two hours.
pub fn content(status: &str) -> Value {
    let expires = (chrono::Local::now() + chrono::Duration::hours(2)).format("%Y-%m-%dT%H:%M:%S%:z").to_string();
    serde_json::json!({
        "status": status,
        "infos": [{
            "language": "sk",
            "categories": ["Met"],
            "event": "Povodeň",
            "urgency": "Immediate",
            "severity": "Severe",
            "certainty": "Observed",
            "expires": expires,
            "headline": "Povodeň na Dunaji",
            "description": "Hladina Dunaja stúpa.",
            "instruction": "Opustite nábrežie.",
            "areas": [{ "areaDesc": "Nábrežie", "polygons": [[[48.1, 17.0], [48.2, 17.0], [48.2, 17.2], [48.1, 17.2], [48.1, 17.0]]] }]
        }]
    })
}

/// Runs one SQL statement on the test database (to age rows or break guards).
pub async fn raw_sql(app: &App, sql: &'static str) -> Result<u64, sqlx::Error> {
    use dispatcher::db::{Conn, Executor as _};
    let mut tx = app.db.begin().await?;
    let n = match tx.conn() {
        Conn::Sqlite(c) => sqlx::query(sql).execute(&mut *c).await?.rows_affected(),
        Conn::Postgres(c) => sqlx::query(sql).execute(&mut *c).await?.rows_affected(),
    };
    tx.commit().await?;
    Ok(n)
}

/// One request a receiver got.
#[derive(Clone, Debug)]
pub struct Received {
    pub path: String,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

/// A loopback HTTP receiver that records requests and answers by path: `/status/NNN/...`
/// answers NNN (with `Retry-After: 60` for 429), anything else 200.
pub struct Receiver {
    pub url: String,
    pub got: std::sync::Arc<std::sync::Mutex<Vec<Received>>>,
    _task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let got = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let store = got.clone();
        let handler = move |uri: axum::http::Uri, headers: axum::http::HeaderMap, body: axum::body::Bytes| {
            let store = store.clone();
            async move {
                let path = uri.path().to_owned();
                store.lock().unwrap().push(Received { path: path.clone(), headers, body: body.to_vec() });
                let status = path
                    .strip_prefix("/status/")
                    .and_then(|s| s.get(..3))
                    .and_then(|s| s.parse::<u16>().ok())
                    .unwrap_or(200);
                let mut resp =
                    axum::response::IntoResponse::into_response(axum::http::StatusCode::from_u16(status).unwrap());
                if status == 429 {
                    resp.headers_mut().insert("retry-after", axum::http::HeaderValue::from_static("60"));
                }
                resp
            }
        };
        let router = axum::Router::new().fallback(handler);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Receiver { url, got, _task: task }
    }

    pub fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits until `n` requests arrived (at most 20 s).
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..400 {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("only {} of {n} requests arrived", self.received().len());
    }
}

/// A TOTP code not used yet: the next time step's (valid now, with one step of skew), since
/// enrolling just used the current step's and each step is accepted once.
pub fn next_totp(secret: &[u8]) -> String {
    dispatcher::domain::totp::code_at(secret, dispatcher::domain::totp::now_step() + 1)
}
