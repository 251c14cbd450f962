//! Roles: what a user or an API token may do.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A role. A user may hold several; an API token holds one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Writes alerts, templates and submits them.
    Author,
    /// Approves or rejects alerts written by others; may cancel.
    Approver,
    /// Runs devices and channels.
    Operator,
    /// Manages users, tokens and settings.
    Admin,
    /// Reads everything, changes nothing.
    Auditor,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 5] = [Role::Author, Role::Approver, Role::Operator, Role::Admin, Role::Auditor];

    /// The role's name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Author => "author",
            Role::Approver => "approver",
            Role::Operator => "operator",
            Role::Admin => "admin",
            Role::Auditor => "auditor",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role name that is not one.
#[derive(Debug, thiserror::Error)]
#[error("{0:?} is not a role; roles are author, approver, operator, admin, auditor")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, UnknownRole> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim()).ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// Parses a comma-separated list of roles.
pub fn parse_roles(text: &str) -> Result<Vec<Role>, UnknownRole> {
    let mut roles: Vec<Role> =
        text.split(',').filter(|s| !s.trim().is_empty()).map(str::parse).collect::<Result<_, _>>()?;
    roles.sort();
    roles.dedup();
    Ok(roles)
}

/// Joins roles for storage.
pub fn join_roles(roles: &[Role]) -> String {
    roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",")
}
