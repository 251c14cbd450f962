//! The audit log: who did what, when, from where, to which alert version. Rows are appended in
//! the transaction of the action they record and chained by SHA-256, so a changed, inserted or
//! deleted row breaks the chain that `tocsin audit verify` walks.

use serde_json::Value;

use crate::db::audit::{self, AuditRow};
use crate::db::{Db, Executor, now_ms};
use crate::domain::crypto::sha256_hex;

/// The hash before the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who acted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in user.
    User {
        /// The user's id.
        id: i64,
        /// The user's name.
        username: String,
    },
    /// An integration's API token.
    Token {
        /// The token's id.
        id: i64,
        /// The token's name.
        name: String,
    },
    /// Tocsin itself (expiry, first start) or the command line.
    System,
}

impl Actor {
    /// The actor as written in the log: `user:ana`, `token:roc`, `system`.
    pub fn label(&self) -> String {
        match self {
            Actor::User { username, .. } => format!("user:{username}"),
            Actor::Token { name, .. } => format!("token:{name}"),
            Actor::System => "system".into(),
        }
    }

    /// The user id, if a user acted.
    pub fn user_id(&self) -> Option<i64> {
        match self {
            Actor::User { id, .. } => Some(*id),
            _ => None,
        }
    }
}

/// One action to record.
#[derive(Clone, Debug)]
pub struct Event<'a> {
    /// Who.
    pub actor: &'a Actor,
    /// From where (the client's address, or `cli`).
    pub address: &'a str,
    /// What, for example `alert.approve`.
    pub action: &'a str,
    /// On what, for example `alert:42`.
    pub target: String,
    /// The alert and its version, when the action concerns one.
    pub alert: Option<(i64, i64)>,
    /// Anything else worth keeping (never personal data beyond staff names).
    pub details: Value,
}

impl<'a> Event<'a> {
    /// An event about something other than an alert, with no details yet.
    pub fn new(actor: &'a Actor, address: &'a str, action: &'a str, target: impl Into<String>) -> Self {
        Event { actor, address, action, target: target.into(), alert: None, details: Value::Object(Default::default()) }
    }

    /// The same event with details.
    pub fn details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }
}

/// The hash of a row: SHA-256 over the previous hash and every column, each length-prefixed so
/// that no two different rows give the same input.
pub fn row_hash(r: &AuditRow) -> String {
    let fields = [
        r.prev_hash.clone(),
        r.seq.to_string(),
        r.at_ms.to_string(),
        r.actor.clone(),
        r.action.clone(),
        r.target.clone(),
        r.alert_id.map(|v| v.to_string()).unwrap_or_default(),
        r.alert_version.map(|v| v.to_string()).unwrap_or_default(),
        r.address.clone(),
        r.details.clone(),
    ];
    let mut input = Vec::new();
    for f in fields {
        input.extend_from_slice(&(f.len() as u64).to_be_bytes());
        input.extend_from_slice(f.as_bytes());
    }
    sha256_hex(&input)
}

/// Appends an event in the caller's transaction, each field bounded (see [`bounded`]).
pub async fn record(tx: &mut impl Executor, e: Event<'_>) -> Result<(), sqlx::Error> {
    audit::lock(tx).await?;
    let (prev_seq, prev_hash) = audit::last(tx).await?.unwrap_or((0, GENESIS.to_owned()));
    let mut row = AuditRow {
        seq: prev_seq + 1,
        at_ms: now_ms(),
        actor: bounded(&e.actor.label(), MAX_TEXT_CHARS),
        action: bounded(e.action, MAX_TEXT_CHARS),
        target: bounded(&e.target, MAX_TEXT_CHARS),
        alert_id: e.alert.map(|a| a.0),
        alert_version: e.alert.map(|a| a.1),
        address: bounded(e.address, MAX_TEXT_CHARS),
        details: bounded_details(e.details),
        prev_hash,
        hash: String::new(),
    };
    row.hash = row_hash(&row);
    audit::insert(tx, &row).await?;
    Ok(())
}

/// The most characters the actor, action, target and address keep. The log is append-only
/// and kept for years: what an outsider can put in it (the username of a failed sign-in, a
/// CAP identifier, a feed's text) must not grow it by megabytes a request.
const MAX_TEXT_CHARS: usize = 200;
/// The most characters a string inside the details keeps (a URL, a reason).
const MAX_DETAIL_CHARS: usize = 1000;
/// The most items a list or object inside the details keeps.
const MAX_DETAIL_ITEMS: usize = 100;
/// The most bytes the details take as JSON; larger ones are replaced by a note and a preview.
pub const MAX_DETAILS_BYTES: usize = 16 * 1024;

/// `text` cut to `max` characters (on a character boundary), with a note of its whole length.
pub fn bounded(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some((cut, _)) => format!("{}…(truncated, {} bytes)", &text[..cut], text.len()),
    }
}

/// The details as stored: every string and list bounded, and the whole at most
/// [`MAX_DETAILS_BYTES`], still JSON.
fn bounded_details(details: Value) -> String {
    let text = bound_value(details).to_string();
    if text.len() <= MAX_DETAILS_BYTES {
        return text;
    }
    serde_json::json!({
        "truncated": format!("the details took {} bytes", text.len()),
        "preview": bounded(&text, MAX_DETAIL_CHARS),
    })
    .to_string()
}

fn bound_value(v: Value) -> Value {
    match v {
        Value::String(s) => Value::String(bounded(&s, MAX_DETAIL_CHARS)),
        Value::Array(items) => {
            let more = items.len().saturating_sub(MAX_DETAIL_ITEMS);
            let mut kept: Vec<Value> = items.into_iter().take(MAX_DETAIL_ITEMS).map(bound_value).collect();
            if more > 0 {
                kept.push(Value::String(format!("…({more} more)")));
            }
            Value::Array(kept)
        }
        Value::Object(fields) => Value::Object(
            fields
                .into_iter()
                .take(MAX_DETAIL_ITEMS)
                .map(|(k, v)| (bounded(&k, MAX_TEXT_CHARS), bound_value(v)))
                .collect(),
        ),
        other => other,
    }
}

/// What verifying the chain found.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Verification {
    /// Rows checked.
    pub rows: i64,
    /// Whether the whole chain holds.
    pub intact: bool,
    /// The first row where it breaks, and why.
    pub broken_at: Option<i64>,
    /// Why it breaks there.
    pub problem: Option<String>,
    /// The hash of the last row (keep it elsewhere to detect removal of the newest rows).
    pub head: String,
}

/// Walks the whole chain.
pub async fn verify(db: &Db) -> Result<Verification, sqlx::Error> {
    let mut conn = db.read().await?;
    let (mut expected_seq, mut prev) = (1i64, GENESIS.to_owned());
    let mut rows = 0;
    loop {
        let page = audit::after(&mut conn, expected_seq - 1, 1000).await?;
        if page.is_empty() {
            return Ok(Verification { rows, intact: true, broken_at: None, problem: None, head: prev });
        }
        for r in page {
            let problem = if r.seq != expected_seq {
                Some(format!("row {expected_seq} is missing (the next row is {})", r.seq))
            } else if r.prev_hash != prev {
                Some("it does not follow from the row before it".to_owned())
            } else if row_hash(&r) != r.hash {
                Some("its content does not match its hash: it was changed".to_owned())
            } else {
                None
            };
            if let Some(problem) = problem {
                return Ok(Verification {
                    rows,
                    intact: false,
                    broken_at: Some(expected_seq),
                    problem: Some(problem),
                    head: prev,
                });
            }
            rows += 1;
            expected_seq += 1;
            prev = r.hash;
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    #[test]
    fn long_fields_are_cut_on_a_character_boundary() {
        assert_eq!(bounded("short", 200), "short");
        let name = "ž".repeat(300);
        let cut = bounded(&name, 200);
        assert!(cut.starts_with(&"ž".repeat(200)) && cut.ends_with("…(truncated, 600 bytes)"), "{cut}");
        assert_eq!(cut.chars().filter(|c| *c == 'ž').count(), 200);
    }

    #[test]
    fn details_stay_json_and_small() {
        let small = json!({ "roles": "author", "n": 3 });
        assert_eq!(bounded_details(small.clone()), small.to_string());
        let long = bounded_details(json!({ "identifier": "I".repeat(5000), "names": vec!["a"; 150] }));
        let v: Value = serde_json::from_str(&long).unwrap();
        assert!(v["identifier"].as_str().unwrap().ends_with("…(truncated, 5000 bytes)"));
        assert_eq!((v["names"].as_array().unwrap().len(), v["names"][100].as_str()), (101, Some("…(50 more)")));
        let huge = bounded_details(json!({ "a": vec!["x".repeat(900); 100] }));
        assert!(huge.len() <= MAX_DETAILS_BYTES, "{}", huge.len());
        let v: Value = serde_json::from_str(&huge).unwrap();
        assert!(v["truncated"].as_str().unwrap().starts_with("the details took "), "{v}");
    }
}
