//! Findings: what validation says about an alert, each with a stable code, a severity, the path
//! of the element at fault, its place in the source where known, and a human message.

use std::fmt;

use serde::Serialize;

pub use crate::codes::Code;

/// Whether a finding makes a message invalid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The message breaks a rule of CAP 1.2 or of the chosen profile.
    Error,
    /// The message is valid but questionable, or a defect was tolerated.
    Warning,
}

impl Severity {
    /// The lowercase name used in text and JSON output.
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A line and column in the source document, both counted from 1 (columns in characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Position {
    /// Line number, from 1.
    pub line: u32,
    /// Column in characters, from 1.
    pub column: u32,
}

/// One thing validation found.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// Stable code such as `CAP-T002`; see [`Code`] for the catalogue.
    pub code: Code,
    /// Error or warning.
    pub severity: Severity,
    /// Path of the element at fault, for example `/alert/info[2]/area[1]/polygon[1]`.
    pub path: String,
    /// Where the element starts in the source, when the finding came from a parsed document.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub position: Option<Position>,
    /// What is wrong, naming the rule and, where it helps, what is allowed.
    pub message: String,
}

impl Finding {
    /// A finding with the code's usual severity and no source position.
    pub fn new(code: Code, path: impl Into<String>, message: impl Into<String>) -> Self {
        Finding { code, severity: code.severity(), path: path.into(), position: None, message: message.into() }
    }

    /// Whether this finding is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.severity.as_str(), self.code, self.path)?;
        if let Some(p) = self.position {
            write!(f, " (line {}, column {})", p.line, p.column)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Whether any of the findings is an error.
pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(Finding::is_error)
}
