//! The states of an alert and the approval rules between them.

use std::fmt;
use std::str::FromStr;

use cap_alerts::model::Status;
use serde::{Deserialize, Serialize};

use crate::config::{Approval, ApprovalRule};

/// Where an alert is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Being written; only its author sees it change.
    Draft,
    /// Frozen as CAP, waiting for an approver.
    Submitted,
    /// Approved, ready to issue.
    Approved,
    /// Sent to every channel and published.
    Issued,
    /// Refused by an approver, with a reason.
    Rejected,
    /// Taken back before it was issued.
    Withdrawn,
    /// Replaced by an issued Update.
    Superseded,
    /// Ended by an issued Cancel.
    Cancelled,
    /// Past its expiry.
    Expired,
}

impl State {
    /// Every state.
    pub const ALL: [State; 9] = [
        State::Draft,
        State::Submitted,
        State::Approved,
        State::Issued,
        State::Rejected,
        State::Withdrawn,
        State::Superseded,
        State::Cancelled,
        State::Expired,
    ];

    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::Submitted => "submitted",
            State::Approved => "approved",
            State::Issued => "issued",
            State::Rejected => "rejected",
            State::Withdrawn => "withdrawn",
            State::Superseded => "superseded",
            State::Cancelled => "cancelled",
            State::Expired => "expired",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for State {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        State::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| format!("{s:?} is not a state; states are {}", State::ALL.map(State::as_str).join(", ")))
    }
}

/// The rule that decides who approves an alert of this status. Actual alerts always need a
/// second person.
pub fn approval_rule(settings: &Approval, status: Status) -> ApprovalRule {
    match status {
        Status::Exercise => settings.exercise,
        Status::Test => settings.test,
        _ => ApprovalRule::TwoPerson,
    }
}

/// The mode shown with every alert: `live`, `exercise`, `test`, `system` or `draft`.
pub fn mode(status: Status) -> &'static str {
    match status {
        Status::Actual => "live",
        Status::Exercise => "exercise",
        Status::Test => "test",
        Status::System => "system",
        Status::Draft => "draft",
    }
}
