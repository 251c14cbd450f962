//! The device protocol (docs/device-protocol.md) as the agent speaks it: the long poll with
//! `If-None-Match`, acknowledgements and heartbeats, over HTTP with the device's bearer secret.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, ETAG, IF_NONE_MATCH};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::config::Secret;

/// The poll's answer, as far as the agent needs it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PollAnswer {
    /// How often the server expects to hear from the device.
    #[serde(default)]
    pub poll_seconds: Option<u64>,
    /// What the device should be running or about to run, the most urgent first.
    pub commands: Vec<Value>,
}

/// One command, read from its JSON (which the agent passes on unchanged to the program it runs).
#[derive(Clone, Debug, PartialEq)]
pub struct Command {
    /// The delivery id, acknowledged with.
    pub id: i64,
    /// The alert's id.
    pub alert_id: i64,
    /// The same for an alert and its Updates and Cancel.
    pub thread: String,
    /// `Alert`, `Update` or `Cancel`.
    pub msg_type: String,
    /// `live`, `exercise` or `test`.
    pub mode: String,
    /// The siren signal, if any.
    pub signal: Option<Signal>,
    /// The command's JSON as received.
    pub json: Value,
}

/// A siren signal.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Signal {
    /// The catalogue's code, such as `sk-general-danger`.
    pub code: String,
    /// How long it sounds.
    #[serde(default)]
    pub seconds: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CommandFields {
    id: i64,
    #[serde(default)]
    alert_id: i64,
    thread: String,
    msg_type: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    signal: Option<Signal>,
}

impl Command {
    /// Reads a command; `None` when the JSON lacks what the agent needs.
    pub fn parse(json: Value) -> Option<Command> {
        let f: CommandFields = serde_json::from_value(json.clone()).ok()?;
        Some(Command {
            id: f.id,
            alert_id: f.alert_id,
            thread: f.thread,
            msg_type: f.msg_type,
            mode: f.mode,
            signal: f.signal,
            json,
        })
    }

    /// Whether the command is a Cancel (a false alarm or an all-clear: stop what runs).
    pub fn is_cancel(&self) -> bool {
        self.msg_type == "Cancel"
    }

    /// The signal's code, if the command has a signal.
    pub fn signal_code(&self) -> Option<&str> {
        self.signal.as_ref().map(|s| s.code.as_str())
    }
}

/// What a poll gave.
pub enum Poll {
    /// A new answer and its ETag.
    Changed(PollAnswer, Option<String>),
    /// `304 Not Modified`: nothing new.
    Unchanged,
}

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The server does not accept the device's secret (revoked, rotated or mistyped).
    #[error("the server refused the device secret ({0})")]
    Refused(StatusCode),
    /// The server refused the request itself; repeating it will not help.
    #[error("the server refused the request ({0})")]
    Rejected(StatusCode),
    /// The server could not be reached or had trouble; try again later.
    #[error("the server is unavailable: {0}")]
    Unavailable(String),
}

/// The Tocsin server, as one device sees it.
#[derive(Clone)]
pub struct Server {
    http: reqwest::Client,
    base: String,
    secret: Secret,
}

impl Server {
    /// A client for the server at `base` (such as `https://tocsin.example`).
    pub fn new(base: &str, secret: Secret) -> anyhow::Result<Server> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder().connect_timeout(Duration::from_secs(10)).build()?;
        Ok(Server { http, base: base.trim_end_matches('/').to_string(), secret })
    }

    /// Long-polls for commands, waiting up to `wait` seconds for a change from `etag`.
    pub async fn poll(&self, etag: Option<&str>, wait: u64) -> Result<Poll, ServerError> {
        let mut req = self
            .http
            .get(format!("{}/api/v1/device/poll?wait={wait}", self.base))
            .header(AUTHORIZATION, self.bearer())
            .timeout(Duration::from_secs(wait + 20));
        if let Some(tag) = etag {
            req = req.header(IF_NONE_MATCH, tag);
        }
        let resp = req.send().await.map_err(unavailable)?;
        if resp.status() == StatusCode::NOT_MODIFIED {
            return Ok(Poll::Unchanged);
        }
        let resp = check(resp)?;
        let tag = resp.headers().get(ETAG).and_then(|v| v.to_str().ok()).map(str::to_string);
        let answer = resp.json::<PollAnswer>().await.map_err(unavailable)?;
        Ok(Poll::Changed(answer, tag))
    }

    /// Acknowledges a command: `received`, `started`, `completed` or `failed` (with a reason).
    pub async fn ack(&self, command: i64, state: &str, reason: Option<&str>) -> Result<(), ServerError> {
        let mut body = json!({ "command": command, "state": state });
        if let Some(r) = reason {
            body["reason"] = json!(r);
        }
        self.post("/api/v1/device/ack", &body).await
    }

    /// Reports the device's health.
    pub async fn heartbeat(&self, body: &Value) -> Result<(), ServerError> {
        self.post("/api/v1/device/heartbeat", body).await
    }

    async fn post(&self, path: &str, body: &Value) -> Result<(), ServerError> {
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .header(AUTHORIZATION, self.bearer())
            .json(body)
            .timeout(Duration::from_secs(20))
            .send()
            .await
            .map_err(unavailable)?;
        check(resp).map(drop)
    }

    fn bearer(&self) -> String {
        format!("Bearer {}", self.secret.expose())
    }
}

fn check(resp: reqwest::Response) -> Result<reqwest::Response, ServerError> {
    let s = resp.status();
    match s.as_u16() {
        200..=299 => Ok(resp),
        401 | 403 => Err(ServerError::Refused(s)),
        408 | 425 | 429 | 500..=599 => Err(ServerError::Unavailable(format!("it answered {s}"))),
        _ => Err(ServerError::Rejected(s)),
    }
}

fn unavailable(e: reqwest::Error) -> ServerError {
    // Without the URL: it is the operator's own server, but the error reads better short.
    ServerError::Unavailable(e.without_url().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_is_read_and_keeps_its_json() {
        let json = json!({
            "id": 4711, "alertId": 42, "thread": "Jq3", "msgType": "Update", "mode": "exercise",
            "signal": { "code": "sk-general-danger", "name": "x", "pattern": "wavering", "seconds": 120 },
            "texts": []
        });
        let c = Command::parse(json.clone()).unwrap();
        assert_eq!((c.id, c.alert_id, c.thread.as_str(), c.mode.as_str()), (4711, 42, "Jq3", "exercise"));
        assert_eq!(c.signal_code(), Some("sk-general-danger"));
        assert_eq!(c.signal.as_ref().unwrap().seconds, 120);
        assert!(!c.is_cancel());
        assert_eq!(c.json, json);
        let cancel = Command::parse(json!({"id": 1, "thread": "t", "msgType": "Cancel", "signal": null})).unwrap();
        assert!(cancel.is_cancel() && cancel.signal.is_none());
        assert_eq!(Command::parse(json!({"id": "x"})), None);
    }
}
