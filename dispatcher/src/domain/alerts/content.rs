//! What staff author: the content of an alert without the fields the dispatcher fills
//! (identifier, sender, sent, msgType, references), and template placeholders.

use std::collections::BTreeMap;

use cap_alerts::Info;
use cap_alerts::model::{Scope, Status};
use serde::{Deserialize, Serialize};

use crate::domain::error::{Error, Result};

/// The authored content of an alert. `infos` are CAP info blocks in their JSON form
/// (`docs/cap-json.md`); `areas` are ids of named areas, added to every info block when the
/// alert is submitted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AlertContent {
    /// `Actual`, `Exercise` or `Test`.
    #[schemars(with = "String")]
    pub status: Status,
    /// `Public` (default), `Restricted` or `Private`.
    #[serde(default = "public")]
    #[schemars(with = "String")]
    pub scope: Scope,
    /// Who may receive a Restricted alert.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restriction: Option<String>,
    /// Recipients of a Private alert.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<String>,
    /// A note to recipients and systems (not shown to residents).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Incident names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub incidents: Vec<String>,
    /// One info block per language.
    #[serde(default)]
    #[schemars(with = "Vec<serde_json::Value>")]
    pub infos: Vec<Info>,
    /// The channels it goes out on (`push`, `sms`, `email`, `display`, `siren`, `webhook`);
    /// empty, every channel. Written into every info block as `TOCSIN_CHANNELS`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<String>,
    /// Named areas (by id) that every info block covers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub areas: Vec<i64>,
    /// The template the alert was started from, by id. Not part of the CAP message: it lets an
    /// approver see what changed from the standard wording.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<i64>,
    /// The earlier alert it was started from, by id (likewise only for showing the changes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<i64>,
}

fn public() -> Scope {
    Scope::Public
}

impl AlertContent {
    /// Checks what the model cannot: the status an author may choose.
    pub fn check(&self) -> Result<()> {
        if !matches!(self.status, Status::Actual | Status::Exercise | Status::Test) {
            return Err(Error::invalid("/status", "must be Actual, Exercise or Test"));
        }
        Ok(())
    }

    /// Parses stored or posted JSON, naming the field at fault.
    pub fn from_json(value: serde_json::Value) -> Result<Self> {
        let c: AlertContent = serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            Error::invalid(if path == "." { String::new() } else { json_pointer(&path) }, e.inner().to_string())
        })?;
        c.check()?;
        Ok(c)
    }

    /// Fills `{placeholders}` in every text of the info blocks and the note; `{{` and `}}`
    /// stand for braces. Fails naming every placeholder without a value.
    pub fn fill(&mut self, values: &BTreeMap<String, String>) -> Result<()> {
        let mut missing = Vec::new();
        self.fill_collecting(values, &mut missing);
        if missing.is_empty() {
            Ok(())
        } else {
            Err(Error::invalid("/values", format!("no value for the placeholder(s): {}", missing.join(", "))))
        }
    }

    /// The placeholders the texts use, sorted.
    pub fn placeholders(&self) -> Vec<String> {
        let mut missing = Vec::new();
        self.clone().fill_collecting(&BTreeMap::new(), &mut missing);
        missing
    }

    fn fill_collecting(&mut self, values: &BTreeMap<String, String>, missing: &mut Vec<String>) {
        let mut f = |s: &mut String| *s = fill_text(s, values, missing);
        if let Some(n) = &mut self.note {
            f(n);
        }
        for info in &mut self.infos {
            f(&mut info.event);
            for t in [
                &mut info.headline,
                &mut info.description,
                &mut info.instruction,
                &mut info.sender_name,
                &mut info.contact,
            ]
            .into_iter()
            .flatten()
            {
                f(t);
            }
            for p in &mut info.parameters {
                f(&mut p.value);
            }
            for a in &mut info.areas {
                f(&mut a.area_desc);
            }
        }
        missing.sort();
        missing.dedup();
    }
}

/// Replaces `{name}` with its value; collects names without a value.
pub fn fill_text(text: &str, values: &BTreeMap<String, String>, missing: &mut Vec<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
        } else if let (true, Some(end)) = (tail.starts_with('{'), tail.find('}')) {
            let name = tail[1..end].trim();
            match values.get(name) {
                Some(v) => out.push_str(v),
                None => {
                    missing.push(name.to_owned());
                    out.push_str(&tail[..=end]);
                }
            }
            rest = &tail[end + 1..];
        } else {
            out.push_str(&tail[..1]);
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

/// serde_path_to_error's `infos[0].headline` as a JSON pointer `/infos/0/headline`.
pub fn json_pointer(path: &str) -> String {
    let mut out = String::new();
    for part in path.split('.') {
        let mut p = part;
        while let Some(i) = p.find('[') {
            if i > 0 {
                out.push('/');
                out.push_str(&p[..i]);
            }
            let end = p[i..].find(']').map_or(p.len(), |e| i + e);
            out.push('/');
            out.push_str(&p[i + 1..end]);
            p = &p[(end + 1).min(p.len())..];
        }
        if !p.is_empty() {
            out.push('/');
            out.push_str(p);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders() {
        let values: BTreeMap<String, String> = [("river".to_owned(), "Dunaj".to_owned())].into();
        let mut missing = Vec::new();
        assert_eq!(
            fill_text("{river} rises {{not a placeholder}}", &values, &mut missing),
            "Dunaj rises {not a placeholder}"
        );
        assert!(missing.is_empty());
        assert_eq!(fill_text("{level} m", &values, &mut missing), "{level} m");
        assert_eq!(missing, ["level"]);
        assert_eq!(fill_text("a } b {", &values, &mut missing), "a } b {");
    }

    #[test]
    fn pointers() {
        assert_eq!(json_pointer("infos[0].areas[2].polygons"), "/infos/0/areas/2/polygons");
        assert_eq!(json_pointer("status"), "/status");
    }
}
