//! The loopback peers the demo's residents are reached through: a Web Push service (one
//! endpoint per resident, answering 201 as push services do) and an SMS gateway (the shape
//! `[channels.sms.http]` posts by default, answering with a message id) on one HTTP listener,
//! and the SMTP server of `smtp.rs`. They count what arrives and keep the latest texts, for the
//! tally the demo prints; nothing is forwarded anywhere.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError};

use anyhow::Context;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use tokio::net::TcpListener;

/// How many latest texts are kept per channel.
const KEEP: usize = 5;

/// What the receivers got.
#[derive(Debug, Default)]
pub struct Tally {
    push: AtomicU64,
    sms: AtomicU64,
    email: AtomicU64,
    /// The latest texts: SMS bodies and email subjects (alert wording, no addresses).
    latest: Mutex<VecDeque<String>>,
}

/// The counts at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Pushes received.
    pub push: u64,
    /// SMS received.
    pub sms: u64,
    /// Emails received.
    pub email: u64,
}

impl Tally {
    /// Counts a push.
    pub fn push(&self) {
        self.push.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts an SMS and keeps its text.
    pub fn sms(&self, text: &str) {
        self.sms.fetch_add(1, Ordering::Relaxed);
        self.keep(format!("SMS: {text}"));
    }

    /// Counts an email and keeps its subject.
    pub fn email(&self, subject: &str) {
        self.email.fetch_add(1, Ordering::Relaxed);
        self.keep(format!("email: {subject}"));
    }

    fn keep(&self, text: String) {
        let mut latest = self.latest.lock().unwrap_or_else(PoisonError::into_inner);
        // One alert sends the same words to many: each text is kept once.
        if latest.contains(&text) {
            return;
        }
        if latest.len() == KEEP {
            latest.pop_front();
        }
        latest.push_back(text);
    }

    /// The counts now.
    pub fn counts(&self) -> Counts {
        Counts {
            push: self.push.load(Ordering::Relaxed),
            sms: self.sms.load(Ordering::Relaxed),
            email: self.email.load(Ordering::Relaxed),
        }
    }

    /// Takes the different texts kept since the last call, oldest first.
    pub fn take_latest(&self) -> Vec<String> {
        self.latest.lock().unwrap_or_else(PoisonError::into_inner).drain(..).collect()
    }
}

/// Where the receivers listen.
#[derive(Clone, Copy, Debug)]
pub struct Peers {
    /// The push service and SMS gateway.
    pub http: SocketAddr,
    /// The SMTP server.
    pub smtp: SocketAddr,
}

impl Peers {
    /// A resident's push endpoint.
    pub fn push_endpoint(&self, n: usize) -> String {
        format!("http://{}/push/{n}", self.http)
    }

    /// The SMS gateway's send URL.
    pub fn sms_url(&self) -> String {
        format!("http://{}/sms", self.http)
    }
}

/// Starts the receivers on loopback ports of their own.
pub async fn start(tally: Arc<Tally>) -> anyhow::Result<Peers> {
    let http = TcpListener::bind("127.0.0.1:0").await.context("starting the demo's push and SMS receiver")?;
    let smtp = TcpListener::bind("127.0.0.1:0").await.context("starting the demo's SMTP receiver")?;
    let peers = Peers { http: http.local_addr()?, smtp: smtp.local_addr()? };
    let router =
        axum::Router::new().route("/push/{resident}", post(push)).route("/sms", post(sms)).with_state(tally.clone());
    tokio::spawn(async move {
        if let Err(e) = axum::serve(http, router).await {
            tracing::error!(error = %e, "the demo's push and SMS receiver stopped");
        }
    });
    tokio::spawn(super::smtp::serve(smtp, tally));
    Ok(peers)
}

/// A push service takes an encrypted message and answers 201 Created (RFC 8030, section 5).
async fn push(State(tally): State<Arc<Tally>>) -> StatusCode {
    tally.push();
    StatusCode::CREATED
}

/// What `[channels.sms.http]` posts with its default body template.
#[derive(serde::Deserialize)]
struct Sms {
    text: String,
    reference: String,
}

/// A gateway accepts the message and gives its own id for it.
async fn sms(State(tally): State<Arc<Tally>>, Json(m): Json<Sms>) -> (StatusCode, Json<serde_json::Value>) {
    tally.sms(&m.text);
    (StatusCode::OK, Json(serde_json::json!({ "id": format!("demo-{}", m.reference), "status": "accepted" })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tally_counts_and_keeps_the_latest_texts() {
        let t = Tally::default();
        t.push();
        for i in 0..7 {
            t.sms(&format!("text {i}"));
            t.sms(&format!("text {i}"));
        }
        t.email("subject");
        assert_eq!(t.counts(), Counts { push: 1, sms: 14, email: 1 });
        let latest = t.take_latest();
        assert_eq!(latest.len(), KEEP);
        assert_eq!(latest.last().map(String::as_str), Some("email: subject"));
        assert!(t.take_latest().is_empty());
    }
}
