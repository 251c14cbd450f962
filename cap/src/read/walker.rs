//! The walker: reads one complex element's children against its XSD sequence, reports what is
//! out of place, and hands each child to the caller. It also collects findings with their
//! positions and the position of every element, for findings made later on the model.

use std::collections::HashMap;

use super::cursor::{Cursor, Elem, Fatal, Next, Ns};
use super::lines::LineIndex;
use super::sequence::{Parent, SIGNATURE, Sequence, Verdict};
use super::{CapVersion, UpgradeNote};
use crate::codes::Code;
use crate::findings::{Finding, Position};

pub(crate) struct Walker<'a> {
    pub cur: Cursor<'a>,
    pub version: CapVersion,
    pub findings: Vec<Finding>,
    pub upgrades: Vec<UpgradeNote>,
    pub positions: HashMap<String, Position>,
    /// Model paths that differ from source paths because lenient reading left out an element
    /// (an unreadable polygon, say): model path to source path.
    pub source_paths: HashMap<String, String>,
    lines: LineIndex<'a>,
}

impl<'a> Walker<'a> {
    pub(crate) fn new(cur: Cursor<'a>, text: &'a str, version: CapVersion) -> Self {
        Walker {
            cur,
            version,
            findings: Vec::new(),
            upgrades: Vec::new(),
            positions: HashMap::new(),
            source_paths: HashMap::new(),
            lines: LineIndex::new(text),
        }
    }

    pub(crate) fn position(&self, offset: usize) -> Position {
        self.lines.position(offset)
    }

    /// Records a finding at a path and source offset.
    pub(crate) fn report(&mut self, code: Code, path: &str, offset: usize, message: impl Into<String>) {
        let mut f = Finding::new(code, path, message);
        f.position = Some(self.position(offset));
        self.findings.push(f);
    }

    /// Notes the source path of an element whose model path differs.
    pub(crate) fn map_path(&mut self, model: String, source: &str) {
        if model != source {
            self.source_paths.insert(model, source.to_owned());
        }
    }

    /// Records how reading an older CAP version changed the message.
    pub(crate) fn upgraded(&mut self, code: &'static str, path: &str, message: impl Into<String>) {
        self.upgrades.push(UpgradeNote { code, path: path.to_owned(), message: message.into() });
    }

    /// Reads the children of an element, checking them against the parent's sequence, and calls
    /// `each` with every child that belongs there (in order or not) and its path.
    pub(crate) fn children(
        &mut self,
        parent: Parent,
        path: &str,
        parent_offset: usize,
        mut each: impl FnMut(&mut Self, Elem<'a>, &str, String) -> Result<(), Fatal>,
    ) -> Result<Sequence, Fatal> {
        let mut seq = Sequence::new(parent, self.version);
        loop {
            let elem = match self.cur.next_child()? {
                Next::End => break,
                Next::StrayText(at) => {
                    self.report(
                        Code::TextNotAllowed,
                        path,
                        at,
                        format!("character data inside <{}> where only elements belong", leaf(path)),
                    );
                    continue;
                }
                Next::Child(elem) => elem,
            };
            let Some(name) = self.name_in_sequence(&elem, parent, path)? else { continue };
            let verdict = seq.accept(&name);
            let child_path = match verdict {
                Verdict::InOrder { n, repeats: true } | Verdict::OutOfOrder { n, repeats: true, .. } => {
                    format!("{path}/{name}[{n}]")
                }
                _ => format!("{path}/{name}"),
            };
            match verdict {
                Verdict::Unknown => {
                    let allowed: Vec<&str> = parent.slots(self.version).iter().map(|s| s.name).collect();
                    self.report(
                        Code::UnexpectedElement,
                        &child_path,
                        elem.start,
                        format!("<{name}> is not an element of <{}>; allowed: {}", leaf(path), allowed.join(", ")),
                    );
                    self.cur.skip(&elem)?;
                    continue;
                }
                Verdict::Repeated => {
                    self.report(
                        Code::RepeatedElement,
                        &child_path,
                        elem.start,
                        format!("<{name}> may occur only once in <{}>; the first one is kept", leaf(path)),
                    );
                    self.cur.skip(&elem)?;
                    continue;
                }
                Verdict::OutOfOrder { after, .. } => self.report(
                    Code::OutOfOrder,
                    &child_path,
                    elem.start,
                    format!("<{name}> must come before <{after}> in <{}>", leaf(path)),
                ),
                Verdict::InOrder { .. } => {}
            }
            if !elem.foreign_attributes.is_empty() && name != SIGNATURE {
                let attrs = elem.foreign_attributes.join(", ");
                self.report(
                    Code::UnexpectedAttribute,
                    &child_path,
                    elem.start,
                    format!("<{name}> has attributes ({attrs}); CAP elements have none"),
                );
            }
            let pos = self.position(elem.start);
            self.positions.insert(child_path.clone(), pos);
            each(self, elem, &name, child_path)?;
        }
        let missing: Vec<&str> = seq.missing().collect();
        for m in missing {
            self.report(
                Code::MissingElement,
                &format!("{path}/{m}"),
                parent_offset,
                format!("<{}> requires <{m}>", leaf(path)),
            );
        }
        Ok(seq)
    }

    /// The element's name in the parent's sequence, or `None` after reporting and skipping an
    /// element from a foreign namespace.
    fn name_in_sequence(&mut self, elem: &Elem<'a>, parent: Parent, path: &str) -> Result<Option<String>, Fatal> {
        match &elem.ns {
            Ns::Cap(v) if *v == self.version => Ok(Some(elem.local.clone())),
            Ns::Cap(v) => {
                let at = format!("{path}/{}", elem.local);
                self.report(
                    Code::MixedVersions,
                    &at,
                    elem.start,
                    format!(
                        "<{}> is in the CAP {} namespace inside a CAP {} message",
                        elem.local,
                        v.as_str(),
                        self.version.as_str()
                    ),
                );
                Ok(Some(elem.local.clone()))
            }
            Ns::Dsig if matches!(parent, Parent::Alert) && elem.local == SIGNATURE => Ok(Some(SIGNATURE.to_owned())),
            other => {
                let ns = match other {
                    Ns::Other(uri) => format!("namespace {uri}"),
                    Ns::Dsig => "the XML signature namespace".to_owned(),
                    _ => "no namespace".to_owned(),
                };
                let at = format!("{path}/{}", elem.local);
                self.report(
                    Code::UnexpectedElement,
                    &at,
                    elem.start,
                    format!("<{}> in {ns} is not allowed in <{}>", elem.local, leaf(path)),
                );
                self.cur.skip(elem)?;
                Ok(None)
            }
        }
    }

    /// The text of a simple element; child elements inside it are reported and skipped.
    pub(crate) fn text(&mut self, path: &str) -> Result<String, Fatal> {
        let (text, children) = self.cur.text()?;
        for (name, at) in children {
            self.report(
                Code::UnexpectedElement,
                &format!("{path}/{name}"),
                at,
                format!("<{}> holds text only, not <{name}>", leaf(path)),
            );
        }
        Ok(text)
    }

    /// The text of a simple code value: surrounding whitespace is reported and removed.
    pub(crate) fn code_text(&mut self, path: &str, offset: usize) -> Result<String, Fatal> {
        let raw = self.text(path)?;
        let trimmed = raw.trim();
        if trimmed.len() != raw.len() && !trimmed.is_empty() {
            self.report(
                Code::SurroundingWhitespace,
                path,
                offset,
                format!("<{}> has whitespace around {trimmed:?}", leaf(path)),
            );
        }
        Ok(trimmed.to_owned())
    }
}

/// The last step of a path without its index: `area` for `/alert/info[1]/area[2]`.
pub(crate) fn leaf(path: &str) -> &str {
    let last = path.rsplit('/').next().unwrap_or(path);
    last.split('[').next().unwrap_or(last)
}
