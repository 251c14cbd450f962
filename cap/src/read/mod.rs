//! The reader: CAP XML in, a model and located findings out.
//!
//! Reading is streaming, on quick-xml. It enforces the XSD's element order, refuses any
//! DOCTYPE, never resolves an entity beyond the five predefined ones, and refuses input over a
//! size limit before parsing, so time and memory stay proportional to that limit. CAP 1.0 and
//! 1.1 are read and upgraded to the 1.2 model, with notes of what changed.

mod alert;
mod area;
pub(crate) mod cursor;
mod info;
pub(crate) mod lines;
pub(crate) mod prepare;
mod sequence;
mod values;
mod walker;

use std::collections::HashMap;

use serde::Serialize;

use crate::codes::Code;
use crate::findings::{Finding, Position};
use crate::model::Alert;

/// The CAP versions the reader understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum CapVersion {
    /// CAP 1.0 (2004), namespace `http://www.incident.com/cap/1.0`.
    #[serde(rename = "1.0")]
    V1_0,
    /// CAP 1.1 (2005), namespace `urn:oasis:names:tc:emergency:cap:1.1`.
    #[serde(rename = "1.1")]
    V1_1,
    /// CAP 1.2 (2010), namespace `urn:oasis:names:tc:emergency:cap:1.2`.
    #[serde(rename = "1.2")]
    V1_2,
}

impl CapVersion {
    /// The XML namespace of this version.
    pub const fn namespace(self) -> &'static str {
        match self {
            CapVersion::V1_0 => "http://www.incident.com/cap/1.0",
            CapVersion::V1_1 => "urn:oasis:names:tc:emergency:cap:1.1",
            CapVersion::V1_2 => "urn:oasis:names:tc:emergency:cap:1.2",
        }
    }

    /// The version for a namespace URI.
    pub fn from_namespace(uri: &str) -> Option<Self> {
        [CapVersion::V1_0, CapVersion::V1_1, CapVersion::V1_2].into_iter().find(|v| v.namespace() == uri)
    }

    /// `1.0`, `1.1` or `1.2`.
    pub const fn as_str(self) -> &'static str {
        match self {
            CapVersion::V1_0 => "1.0",
            CapVersion::V1_1 => "1.1",
            CapVersion::V1_2 => "1.2",
        }
    }
}

/// One change made while upgrading a CAP 1.0 or 1.1 message to the 1.2 model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UpgradeNote {
    /// A stable code, `CAP-U001` to `CAP-U010` (see `docs/cap-findings.md`).
    pub code: &'static str,
    /// The element concerned.
    pub path: String,
    /// What changed.
    pub message: String,
}

/// The upgrade notes' codes and what each means.
pub const UPGRADE_CODES: &[(&str, &str)] = &[
    ("CAP-U001", "the message was read as CAP 1.0 or 1.1 and upgraded to the CAP 1.2 model"),
    ("CAP-U002", "the CAP 1.0 <password> element (deprecated) was removed"),
    ("CAP-U003", "the CAP 1.0 certainty \"Very Likely\" became \"Likely\""),
    ("CAP-U004", "a CAP 1.0 name=value text (eventCode, parameter, geocode) became a valueName and value"),
    ("CAP-U005", "a time in UTC written with \"Z\" is written -00:00"),
    ("CAP-U006", "fractions of a second in a time were dropped"),
    ("CAP-U007", "a CAP 1.0 message without <scope> was given scope Public"),
    ("CAP-U008", "a CAP 1.0 <info> without <category> was given category Other"),
    ("CAP-U009", "a resource without <mimeType> (optional before 1.2) was given application/octet-stream"),
    ("CAP-U010", "a CAP 1.0 reference without a sent time was dropped"),
];

/// Limits on what the reader accepts.
#[derive(Clone, Copy, Debug)]
pub struct ReadOptions {
    /// The largest document accepted, in bytes (default 1 MiB).
    pub max_bytes: usize,
    /// The deepest element nesting accepted (default 32; CAP itself needs 5).
    pub max_depth: usize,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions { max_bytes: 1024 * 1024, max_depth: 32 }
    }
}

/// What parsing produced, before validation rules run on the model.
pub(crate) struct Parsed {
    pub alert: Option<Alert>,
    pub version: Option<CapVersion>,
    pub upgrades: Vec<UpgradeNote>,
    pub findings: Vec<Finding>,
    positions: HashMap<String, Position>,
    source_paths: HashMap<String, String>,
}

impl Parsed {
    /// Gives a finding made on the model the source path and position of its element (or of
    /// its nearest ancestor that has one).
    pub(crate) fn locate(&self, f: &mut Finding) {
        let mapped =
            ancestors(&f.path).find_map(|p| self.source_paths.get(p).map(|s| format!("{s}{}", &f.path[p.len()..])));
        if let Some(path) = mapped {
            f.path = path;
        }
        f.position = ancestors(&f.path).find_map(|p| self.positions.get(p).copied());
    }
}

/// A path and its ancestors, longest first: `/a/b[1]/c`, `/a/b[1]`, `/a`.
fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    let mut next = Some(path);
    std::iter::from_fn(move || {
        let cur = next?;
        next = cur.rfind('/').filter(|&i| i > 0).map(|i| &cur[..i]);
        Some(cur)
    })
}

/// The document as UTF-8 text, after the size, encoding and character checks.
pub(crate) fn prepare_text(bytes: &[u8], max_bytes: usize) -> Result<std::borrow::Cow<'_, str>, Finding> {
    prepare::prepare(bytes, max_bytes)
}

/// Parses a document into the model, leniently: defects that can be left out are reported and
/// left out; a missing or unusable required element means no model.
pub(crate) fn parse(bytes: &[u8], options: &ReadOptions) -> Parsed {
    let mut parsed = Parsed {
        alert: None,
        version: None,
        upgrades: Vec::new(),
        findings: Vec::new(),
        positions: HashMap::new(),
        source_paths: HashMap::new(),
    };
    let text = match prepare::prepare(bytes, options.max_bytes) {
        Ok(t) => t,
        Err(f) => {
            parsed.findings.push(f);
            return parsed;
        }
    };
    let mut cur = cursor::Cursor::new(&text, options.max_depth);
    let root = match cur.root() {
        Ok(r) => r,
        Err(mut f) => {
            f.position = Some(lines::LineIndex::new(&text).position(cur.failure_offset()));
            parsed.findings.push(f);
            return parsed;
        }
    };
    let version = match (&root.ns, root.local.as_str()) {
        (cursor::Ns::Cap(v), "alert") => *v,
        (ns, local) => {
            let what = match ns {
                cursor::Ns::None => format!("<{local}> in no namespace"),
                cursor::Ns::Other(uri) => format!("<{local}> in namespace {uri}"),
                _ => format!("<{local}>"),
            };
            parsed.findings.push(Finding::new(
                Code::NotCap,
                "/",
                format!(
                    "the root element is {what}, not <alert> in the CAP 1.2 namespace {}",
                    CapVersion::V1_2.namespace()
                ),
            ));
            return parsed;
        }
    };
    parsed.version = Some(version);
    let mut w = walker::Walker::new(cur, &text, version);
    w.positions.insert("/alert".to_owned(), w.position(root.start));
    if !root.foreign_attributes.is_empty() {
        let attrs = root.foreign_attributes.join(", ");
        w.report(
            Code::UnexpectedAttribute,
            "/alert",
            root.start,
            format!("<alert> has attributes ({attrs}); CAP elements have none"),
        );
    }
    if version != CapVersion::V1_2 {
        w.upgraded("CAP-U001", "/alert", format!("read as CAP {} and upgraded to CAP 1.2", version.as_str()));
    }
    let result = alert::read_alert(&mut w, &root).and_then(|a| w.cur.finish().map(|()| a));
    match result {
        Ok(a) => parsed.alert = a,
        Err(mut f) => {
            f.position = Some(w.position(w.cur.failure_offset()));
            w.findings.push(f);
        }
    }
    parsed.findings = w.findings;
    parsed.upgrades = w.upgrades;
    parsed.positions = w.positions;
    parsed.source_paths = w.source_paths;
    if parsed.findings.iter().any(|f| f.severity == crate::findings::Severity::Error && is_fatal(f.code)) {
        parsed.alert = None;
    }
    parsed
}

/// Findings after which no model is given, even if one was built.
fn is_fatal(code: Code) -> bool {
    matches!(
        code,
        Code::NotWellFormed
            | Code::DoctypeRefused
            | Code::TooLarge
            | Code::UnsupportedEncoding
            | Code::TooDeep
            | Code::NotCap
            | Code::UndefinedEntity
            | Code::InvalidCharacter
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ancestors_longest_first() {
        let a: Vec<&str> = ancestors("/alert/info[1]/area[2]").collect();
        assert_eq!(a, ["/alert/info[1]/area[2]", "/alert/info[1]", "/alert"]);
    }
}
