//! Tocsin's authoring profile: what the dispatcher requires of alerts its staff write.

use std::collections::{BTreeSet, HashSet};

use super::infos;
use crate::codes::Code;
use crate::findings::Finding;
use crate::model::{Alert, Area, Info, MsgType};

/// The authoring rules, with the geocodes the dispatcher can resolve to shapes.
#[derive(Clone, Debug, Default)]
pub struct TocsinProfile {
    /// Geocodes (valueName, value) that name areas the dispatcher knows, for example its
    /// named areas' codes. An area with only other geocodes cannot be targeted.
    pub known_geocodes: BTreeSet<(String, String)>,
}

impl TocsinProfile {
    /// A profile that knows these geocodes.
    pub fn with_geocodes(known: impl IntoIterator<Item = (String, String)>) -> Self {
        TocsinProfile { known_geocodes: known.into_iter().collect() }
    }

    fn targetable(&self, area: &Area) -> bool {
        area.has_shape()
            || area.geocodes.iter().any(|g| self.known_geocodes.contains(&(g.value_name.clone(), g.value.clone())))
    }

    pub(super) fn check(&self, a: &Alert, out: &mut Vec<Finding>) {
        if a.infos.is_empty() && matches!(a.msg_type, MsgType::Alert | MsgType::Update) {
            out.push(Finding::new(
                Code::TocsinInfoRequired,
                "/alert",
                format!("an {} must have at least one <info>", a.msg_type),
            ));
        }
        let mut languages = HashSet::new();
        for (path, info) in infos(a) {
            match &info.language {
                None => out.push(Finding::new(
                    Code::TocsinOneInfoPerLanguage,
                    format!("{path}/language"),
                    "<language> must be given",
                )),
                Some(l) if !languages.insert(l.as_str().to_ascii_lowercase()) => out.push(Finding::new(
                    Code::TocsinOneInfoPerLanguage,
                    format!("{path}/language"),
                    format!("a second <info> in {l}; write one info block per language"),
                )),
                Some(_) => {}
            }
            self.check_info(info, &path, out);
        }
        if let Some(first) = a.infos.first() {
            for (path, info) in infos(a).skip(1) {
                let differs = differences(first, info);
                if !differs.is_empty() {
                    out.push(Finding::new(
                        Code::TocsinTranslationsDiffer,
                        path,
                        format!("differs from the first info block in: {}", differs.join(", ")),
                    ));
                }
            }
        }
    }

    fn check_info(&self, info: &Info, path: &str, out: &mut Vec<Finding>) {
        if info.expires.is_none() {
            out.push(Finding::new(Code::TocsinExpires, format!("{path}/expires"), "<expires> must be set"));
        }
        if info.headline.as_deref().is_none_or(|h| h.trim().is_empty()) {
            out.push(Finding::new(Code::TocsinHeadline, format!("{path}/headline"), "<headline> must be given"));
        }
        if info.instruction.as_deref().is_none_or(|h| h.trim().is_empty()) {
            out.push(Finding::new(
                Code::TocsinInstruction,
                format!("{path}/instruction"),
                "<instruction> should tell residents what to do",
            ));
        }
        if !info.areas.iter().any(|a| self.targetable(a)) {
            out.push(Finding::new(
                Code::TocsinArea,
                format!("{path}/area"),
                "no <area> has a polygon, a circle or a known geocode, so nobody could be targeted",
            ));
        }
    }
}

/// The technical fields in which a translation differs from the first info block.
fn differences(a: &Info, b: &Info) -> Vec<&'static str> {
    let mut d = Vec::new();
    let set = |i: &Info| i.categories.iter().map(|c| c.as_str()).collect::<BTreeSet<_>>();
    if set(a) != set(b) {
        d.push("category");
    }
    if (a.urgency, a.severity, a.certainty) != (b.urgency, b.severity, b.certainty) {
        d.push("urgency, severity or certainty");
    }
    if a.event_codes != b.event_codes {
        d.push("eventCode");
    }
    if (a.effective, a.onset, a.expires) != (b.effective, b.onset, b.expires) {
        d.push("effective, onset or expires");
    }
    let same_areas = a.areas.len() == b.areas.len()
        && a.areas
            .iter()
            .zip(&b.areas)
            .all(|(x, y)| (&x.polygons, &x.circles, &x.geocodes) == (&y.polygons, &y.circles, &y.geocodes));
    if !same_areas {
        d.push("area");
    }
    d
}
