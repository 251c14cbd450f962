//! Alerts as the API shows them: every response says whether the alert is live or an
//! exercise or test, and carries the CAP that will go out and the findings about it.

use cap_alerts::model::{MsgType, Status};
use cap_alerts::{Finding, Mode, Reader};
use serde::Serialize;

use super::build::{authoring_profile, marking, preview_findings};
use super::content::AlertContent;
use super::state::mode;
use crate::app::App;
use crate::db::alerts::AlertRow;
use crate::domain::areas;
use crate::domain::error::{Error, Result};

/// One alert, in full: its summary and everything else.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AlertView {
    /// What lists show.
    #[serde(flatten)]
    pub summary: AlertSummary,
    /// `authored` or `ingested`.
    pub origin: String,
    /// The authored content.
    #[schemars(with = "serde_json::Value")]
    pub content: serde_json::Value,
    /// The CAP sender, once submitted.
    pub sender: Option<String>,
    /// The CAP XML that is approved and issued, byte for byte, once submitted.
    pub cap_xml: Option<String>,
    /// Its SHA-256, which an approval must name.
    pub cap_sha256: Option<String>,
    /// Times in milliseconds since the epoch.
    pub sent_ms: Option<i64>,
    pub submitted_ms: Option<i64>,
    pub approved_ms: Option<i64>,
    /// Users by id.
    pub approved_by: Option<i64>,
    pub issued_by: Option<i64>,
    pub decided_by: Option<i64>,
    /// Why it was rejected or withdrawn.
    pub reason: Option<String>,
    /// What validation says (the Tocsin authoring profile for authored alerts).
    #[schemars(with = "Vec<serde_json::Value>")]
    pub findings: Vec<Finding>,
}

/// One alert in a list. Every answer about an alert says whether it is live or an exercise or
/// test (`mode`, `marking`), so that no one mistakes one for the other.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AlertSummary {
    /// Id.
    pub id: i64,
    /// The id of the thread's first message.
    pub thread_id: i64,
    /// `Alert`, `Update` or `Cancel`.
    pub msg_type: String,
    /// The CAP status: `Actual`, `Exercise`, `Test`, …
    pub status: String,
    /// `live`, `exercise` or `test`.
    pub mode: &'static str,
    /// For anything but a live alert, the words that mark it (`EXERCISE - this is not a real warning`).
    pub marking: Option<&'static str>,
    /// Where the alert is in its life.
    pub state: String,
    /// Grows with every edit of a draft.
    pub version: i64,
    /// The CAP identifier, once submitted.
    pub identifier: Option<String>,
    /// The first info block's headline.
    pub headline: Option<String>,
    /// The first info block's severity and urgency.
    pub severity: Option<String>,
    pub urgency: Option<String>,
    /// Times in milliseconds since the epoch.
    pub expires_ms: Option<i64>,
    pub created_ms: i64,
    pub issued_ms: Option<i64>,
    /// The author's user id.
    pub author_id: Option<i64>,
}

fn status_of(row: &AlertRow) -> Status {
    row.cap_status.parse().unwrap_or(Status::Actual)
}

impl AlertSummary {
    /// The summary of a row.
    pub fn of(row: &AlertRow) -> Self {
        let status = status_of(row);
        AlertSummary {
            id: row.id,
            thread_id: row.thread_id,
            msg_type: row.msg_type.clone(),
            status: row.cap_status.clone(),
            mode: mode(status),
            marking: marking(status),
            state: row.state.clone(),
            version: row.version,
            identifier: row.identifier.clone(),
            headline: row.headline.clone().or_else(|| first_headline(row)),
            severity: row.severity.clone(),
            urgency: row.urgency.clone(),
            expires_ms: row.expires_ms,
            author_id: row.author_id,
            created_ms: row.created_ms,
            issued_ms: row.issued_ms,
        }
    }
}

fn first_headline(row: &AlertRow) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(&row.content).ok()?;
    v.pointer("/infos/0/headline").and_then(|h| h.as_str()).map(str::to_owned)
}

/// The full view of a row, with its findings.
pub async fn view(app: &App, row: &AlertRow) -> Result<AlertView> {
    let content: serde_json::Value = serde_json::from_str(&row.content).map_err(|e| Error::Internal(e.into()))?;
    let mut conn = app.db.read().await?;
    let all = areas::all(&mut conn).await?;
    let findings = match &row.cap_xml {
        Some(xml) if row.origin == "authored" => {
            Reader::new().mode(Mode::Lenient).profile(authoring_profile(&all)).check(xml).findings
        }
        Some(xml) => Reader::new().mode(Mode::Lenient).check(xml).findings,
        None => match AlertContent::from_json(content.clone()) {
            Ok(c) => {
                let named = areas::load(&mut conn, &c.areas).await.unwrap_or_default();
                let msg_type: MsgType = row.msg_type.parse().unwrap_or(MsgType::Alert);
                let sender = cap_alerts::model::Sender::parse(app.settings.cap.sender.as_str())
                    .map_err(|e| Error::Internal(e.into()))?;
                preview_findings(&c, msg_type, &named, &sender, &app.settings.cap.sender_name)
            }
            Err(_) => Vec::new(),
        },
    };
    Ok(AlertView {
        summary: AlertSummary::of(row),
        origin: row.origin.clone(),
        content,
        sender: row.sender.clone(),
        cap_xml: row.cap_xml.as_ref().map(|x| String::from_utf8_lossy(x).into_owned()),
        cap_sha256: row.cap_sha256.clone(),
        sent_ms: row.sent_ms,
        submitted_ms: row.submitted_ms,
        approved_ms: row.approved_ms,
        approved_by: row.approved_by,
        issued_by: row.issued_by,
        decided_by: row.decided_by,
        reason: row.reason.clone(),
        findings,
    })
}
