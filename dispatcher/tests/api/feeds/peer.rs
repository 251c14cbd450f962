//! A feed publisher on loopback for the feed tests: serves files it is given with a real
//! `ETag` and `Last-Modified`, answers conditional requests with 304, logs every request with
//! the validators it carried, and can be stopped and started again on the same port.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// One request as the peer saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub path: String,
    pub if_none_match: Option<String>,
    pub if_modified_since: Option<String>,
    pub status: u16,
}

#[derive(Default)]
struct Files {
    /// Path (with query) to body and the time it last changed, as an HTTP date.
    files: HashMap<String, (Vec<u8>, String)>,
    log: Vec<Seen>,
}

/// The running peer.
pub struct Peer {
    pub base: String,
    addr: SocketAddr,
    state: Arc<Mutex<Files>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Peer {
    /// Starts on a free loopback port.
    pub async fn start() -> Peer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut p = Peer { base: format!("http://{addr}"), addr, state: Arc::default(), task: None };
        p.serve(listener);
        p
    }

    fn serve(&mut self, listener: tokio::net::TcpListener) {
        let app = axum::Router::new().fallback(answer).with_state(self.state.clone());
        self.task = Some(tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        }));
    }

    /// Stops answering: connections are refused until [`Peer::restart`].
    pub fn stop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }

    /// Listens again on the same port.
    pub async fn restart(&mut self) {
        let listener = tokio::net::TcpListener::bind(self.addr).await.unwrap();
        self.serve(listener);
    }

    /// Serves a body at a path (with its query, if any); a new body gets a new ETag and time.
    pub fn put(&self, path: &str, body: impl Into<Vec<u8>>) {
        let mut s = self.state.lock().unwrap();
        let n = s.files.len() + s.log.len();
        let date = format!("Mon, 30 Nov 2026 10:{:02}:{:02} GMT", (n / 60) % 60, n % 60);
        s.files.insert(path.to_owned(), (body.into(), date));
    }

    /// The requests seen for a path, in order.
    pub fn seen(&self, path: &str) -> Vec<Seen> {
        self.state.lock().unwrap().log.iter().filter(|s| s.path == path).cloned().collect()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn etag_of(body: &[u8]) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    body.hash(&mut h);
    format!("\"{:016x}\"", h.finish())
}

async fn answer(State(state): State<Arc<Mutex<Files>>>, req: Request) -> Response {
    let path = req.uri().path_and_query().map_or("/".to_owned(), |p| p.as_str().to_owned());
    let h = |headers: &HeaderMap, name| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (inm, ims) = (h(req.headers(), header::IF_NONE_MATCH), h(req.headers(), header::IF_MODIFIED_SINCE));
    let mut s = state.lock().unwrap();
    let found = s.files.get(&path).cloned();
    let (status, resp) = match found {
        None => (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND.into_response()),
        Some((body, date)) => {
            let etag = etag_of(&body);
            let fresh = match (&inm, &ims) {
                (Some(i), _) => i.split(',').any(|t| t.trim() == etag),
                (None, Some(m)) => *m == date,
                _ => false,
            };
            let status = if fresh { StatusCode::NOT_MODIFIED } else { StatusCode::OK };
            let headers = [(header::ETAG, etag), (header::LAST_MODIFIED, date)];
            let resp = if fresh { (status, headers).into_response() } else { (status, headers, body).into_response() };
            (status, resp)
        }
    };
    s.log.push(Seen { path, if_none_match: inm, if_modified_since: ims, status: status.as_u16() });
    resp
}
