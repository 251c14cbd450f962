//! The entry point: read a CAP document, validate it against the core rules and a profile, and
//! get a model with its findings, strictly or leniently.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use crate::findings::{Finding, has_errors};
use crate::model::Alert;
use crate::profiles::Profile;
use crate::read::{self, CapVersion, ReadOptions, UpgradeNote};

/// How errors affect the result.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// Any error finding means no model: the message is refused.
    #[default]
    Strict,
    /// The same findings, and a model whenever one could be built, so that real messages with
    /// known defects (an empty `<restriction/>` or `<polygon>`) can still be relayed. Defective
    /// optional content is left out of the model; the original bytes stay available.
    Lenient,
}

/// Reads and validates CAP documents. Cheap to clone and reuse.
#[derive(Clone, Debug, Default)]
pub struct Reader {
    options: ReadOptions,
    mode: Mode,
    profile: Option<Profile>,
}

/// A message that was read: the model, what was said about it, and its original bytes.
#[derive(Clone, Debug)]
pub struct Document {
    /// The message as a CAP 1.2 model.
    pub alert: Alert,
    /// The version it was written in.
    pub version: CapVersion,
    /// What upgrading from CAP 1.0 or 1.1 changed.
    pub upgrades: Vec<UpgradeNote>,
    /// The findings: warnings only in strict mode, errors too in lenient mode.
    pub findings: Vec<Finding>,
    original: Arc<[u8]>,
}

impl Document {
    /// The bytes as received, for relaying a signed message unchanged.
    pub fn original(&self) -> &[u8] {
        &self.original
    }

    /// Shared ownership of the original bytes.
    pub fn original_shared(&self) -> Arc<[u8]> {
        Arc::clone(&self.original)
    }
}

/// Everything known about a document, whether or not it was accepted.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// All findings, ordered by their place in the source.
    pub findings: Vec<Finding>,
    /// The version the document was written in, if it was a CAP alert at all.
    pub version: Option<CapVersion>,
    /// What upgrading changed.
    pub upgrades: Vec<UpgradeNote>,
    /// The model: in strict mode only if there is no error; in lenient mode whenever the
    /// required elements could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alert: Option<Alert>,
}

impl Report {
    /// Whether any finding is an error.
    pub fn has_errors(&self) -> bool {
        has_errors(&self.findings)
    }
}

/// A refused document, with every finding.
#[derive(Clone, Debug)]
pub struct Rejection {
    /// The findings; at least one is an error.
    pub findings: Vec<Finding>,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let errors: Vec<String> = self.findings.iter().filter(|x| x.is_error()).map(ToString::to_string).collect();
        write!(f, "the CAP message was refused: {}", errors.join("; "))
    }
}

impl std::error::Error for Rejection {}

impl Reader {
    /// A strict reader with default limits and no profile.
    pub fn new() -> Self {
        Reader::default()
    }

    /// Sets strict or lenient mode.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// Adds a profile's rules.
    pub fn profile(mut self, profile: Profile) -> Self {
        self.profile = Some(profile);
        self
    }

    /// Sets the size limit in bytes.
    pub fn max_bytes(mut self, max: usize) -> Self {
        self.options.max_bytes = max;
        self
    }

    /// Sets the limits.
    pub fn options(mut self, options: ReadOptions) -> Self {
        self.options = options;
        self
    }

    /// Reads a document: the model, or the findings that refused it.
    pub fn read(&self, bytes: &[u8]) -> Result<Document, Rejection> {
        let (report, version) = self.run(bytes);
        match (report.alert, version) {
            (Some(alert), Some(version)) => Ok(Document {
                alert,
                version,
                upgrades: report.upgrades,
                findings: report.findings,
                original: Arc::from(bytes),
            }),
            _ => Err(Rejection { findings: report.findings }),
        }
    }

    /// Reads and validates a document and reports everything, accepted or not.
    pub fn check(&self, bytes: &[u8]) -> Report {
        self.run(bytes).0
    }

    fn run(&self, bytes: &[u8]) -> (Report, Option<CapVersion>) {
        let parsed = read::parse(bytes, &self.options);
        let mut findings = parsed.findings.clone();
        if let Some(alert) = &parsed.alert {
            let mut more = crate::rules::validate(alert);
            if let Some(p) = &self.profile {
                more.extend(p.check(alert));
            }
            for f in &mut more {
                parsed.locate(f);
            }
            findings.extend(more);
        }
        findings.sort_by_key(|f| f.position.map_or((u32::MAX, u32::MAX), |p| (p.line, p.column)));
        let accepted = match self.mode {
            Mode::Strict => !has_errors(&findings),
            Mode::Lenient => true,
        };
        let report = Report {
            findings,
            version: parsed.version,
            upgrades: parsed.upgrades,
            alert: parsed.alert.filter(|_| accepted),
        };
        (report, parsed.version)
    }
}

/// Checks an alert built in code (not read from XML) against the core rules and a profile.
pub fn validate(alert: &Alert, profile: Option<&Profile>) -> Vec<Finding> {
    let mut findings = crate::rules::validate(alert);
    if let Some(p) = profile {
        findings.extend(p.check(alert));
    }
    findings
}
