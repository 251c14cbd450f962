//! The Australian profile CAP-AU 1.0, with its event list (AUeventLIST 1.0) loaded from CSV.

use std::collections::{BTreeMap, BTreeSet};

use super::{carries_info, event_code_set, infos, infos_agree, missing_recommended};
use crate::codes::Code;
use crate::findings::Finding;
use crate::model::{Alert, MsgType, Status};

const CODE: &str = "urn:oasis:names:tc:emergency:cap:1.2:profile:CAP-AU:1.0";
const EVENT_LIST: &str = "https://govshare.gov.au/xmlui/handle/10772/6495";
const GEOCODES: &[&str] = &[
    "http://www.psma.com.au/?product=g-naf",
    "http://www.iso.org/iso/country_codes.html",
    "http://www.ga.gov.au/place-name/",
    "http://www.psma.com.au/?product=postcode-boundaries",
];

/// AUeventLIST 1.0: event codes and the Tier I and Tier II event names each allows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuEventList {
    events: BTreeMap<String, BTreeSet<String>>,
}

/// Why an event list could not be read.
#[derive(Debug, thiserror::Error)]
#[error("AUeventLIST line {line}: {reason}")]
pub struct AuEventListError {
    /// The line, from 1.
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

impl AuEventList {
    /// Reads the CSV as published: a header row starting `CAP-AU #`, then rows of number,
    /// Tier I event, Tier II event, event code, categories.
    pub fn from_csv(text: &str) -> Result<Self, AuEventListError> {
        let mut list = AuEventList::default();
        for (i, line) in text.lines().enumerate() {
            let cells = csv_cells(line).map_err(|reason| AuEventListError { line: i + 1, reason })?;
            if cells.first().is_none_or(|c| c.trim().is_empty() || c.trim() == "CAP-AU #") {
                continue;
            }
            let (Some(tier1), Some(tier2), Some(code)) = (cells.get(1), cells.get(2), cells.get(3)) else {
                return Err(AuEventListError { line: i + 1, reason: "fewer than four columns".into() });
            };
            let code = code.trim();
            if code.is_empty() {
                continue;
            }
            let names = list.events.entry(code.to_owned()).or_default();
            for n in [tier1, tier2].into_iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
                names.insert(n.to_owned());
            }
        }
        if list.events.is_empty() {
            return Err(AuEventListError { line: 1, reason: "no event codes".into() });
        }
        Ok(list)
    }

    /// The number of event codes.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// The event names allowed for a code, if the code is listed.
    pub fn names(&self, code: &str) -> Option<&BTreeSet<String>> {
        self.events.get(code)
    }
}

/// The cells of one CSV line (RFC 4180 quoting).
fn csv_cells(line: &str) -> Result<Vec<String>, String> {
    let mut cells = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        let cell = cells.last_mut().ok_or("no cell")?;
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            ('"', true) => quoted = false,
            ('"', false) if cell.is_empty() => quoted = true,
            (',', false) => cells.push(String::new()),
            _ => cell.push(c),
        }
    }
    if quoted { Err("unclosed quote".into()) } else { Ok(cells) }
}

pub(super) fn check(a: &Alert, list: Option<&AuEventList>, out: &mut Vec<Finding>) {
    let f = |code, path: String, msg: String| Finding::new(code, path, msg);
    if !a.codes.iter().any(|c| c.trim() == CODE) {
        out.push(f(Code::CapAuCode, "/alert".into(), format!("<code>{CODE}</code> is required")));
    }
    if carries_info(a) && a.infos.is_empty() {
        out.push(f(Code::CapAuInfoRequired, "/alert".into(), "at least one <info> is required".into()));
    }
    let categories_agree = infos_agree(a, |i| i.categories.iter().map(|c| c.as_str()).collect());
    if !categories_agree || !infos_agree(a, event_code_set) {
        out.push(f(
            Code::CapAuInfosMustMatch,
            "/alert".into(),
            "all <info> blocks must carry the same <category> and <eventCode> values".into(),
        ));
    }
    if !a.sender.as_str().contains('@') {
        out.push(f(
            Code::CapAuSenderEmail,
            "/alert/sender".into(),
            format!("<sender> {} is not an email-style address", a.sender),
        ));
    }
    if a.status == Status::Test {
        out.push(f(Code::CapAuTest, "/alert/status".into(), "status Test messages will not be broadcast".into()));
    }
    if list.is_none() {
        out.push(f(
            Code::CapAuNoEventList,
            "/alert".into(),
            "no AUeventLIST was given; event codes were not checked against it".into(),
        ));
    }
    event_codes(a, list, out);
    for (path, info) in infos(a) {
        if a.msg_type == MsgType::Cancel && info.effective.is_some() {
            out.push(f(
                Code::CapAuCancelEffective,
                format!("{path}/effective"),
                "<effective> is not used with msgType Cancel".into(),
            ));
        }
        if info.areas.is_empty() {
            out.push(f(Code::CapAuAreaRequired, format!("{path}/area"), "at least one <area> is required".into()));
        }
        let missing = missing_recommended(info);
        if !missing.is_empty() {
            out.push(f(Code::CapAuRecommended, path.clone(), format!("strongly recommended: {}", missing.join(", "))));
        }
        for (j, area) in info.areas.iter().enumerate() {
            if !area.geocodes.iter().any(|g| GEOCODES.contains(&g.value_name.as_str())) {
                out.push(f(
                    Code::CapAuGeocode,
                    format!("{path}/area[{}]", j + 1),
                    format!("a <geocode> from a recognised gazetteer is recommended: {}", GEOCODES.join(", ")),
                ));
            }
        }
        if !info.areas.is_empty() && !info.areas.iter().any(|a| a.has_shape()) {
            out.push(f(Code::CapAuGeometry, format!("{path}/area[1]"), "a <polygon> or <circle> is encouraged".into()));
        }
    }
    let mut by_language: BTreeMap<&str, &str> = BTreeMap::new();
    for (path, info) in infos(a) {
        let lang = info.language_or_default();
        match by_language.get(lang) {
            Some(e) if *e != info.event => out.push(f(
                Code::CapAuSameLanguageEvent,
                format!("{path}/event"),
                format!("<event> {:?} differs from {e:?} in another info block in {lang}", info.event),
            )),
            _ => {
                by_language.insert(lang, &info.event);
            }
        }
    }
}

fn event_codes(a: &Alert, list: Option<&AuEventList>, out: &mut Vec<Finding>) {
    let mut authorised: Option<&str> = None;
    for (path, info) in infos(a) {
        let codes: Vec<&str> =
            info.event_codes.iter().filter(|c| c.value_name == EVENT_LIST).map(|c| c.value.as_str()).collect();
        let Some(&code) = codes.first() else {
            out.push(Finding::new(
                Code::CapAuEventCode,
                format!("{path}/eventCode"),
                format!("an <eventCode> with valueName {EVENT_LIST} is required"),
            ));
            continue;
        };
        match authorised {
            Some(first) if codes.iter().any(|c| *c != first) => out.push(Finding::new(
                Code::CapAuEventCode,
                format!("{path}/eventCode"),
                format!("the alert's AUeventLIST code is {first:?}; this info block gives {codes:?}"),
            )),
            Some(_) => {}
            None => authorised = Some(code),
        }
        let Some(list) = list else { continue };
        match list.names(code) {
            None => out.push(Finding::new(
                Code::CapAuUnknownEvent,
                format!("{path}/eventCode"),
                format!("{code:?} is not in AUeventLIST 1.0"),
            )),
            Some(names) if !names.iter().any(|n| n.eq_ignore_ascii_case(info.event.trim())) => out.push(Finding::new(
                Code::CapAuEventMismatch,
                format!("{path}/event"),
                format!("<event> {:?} does not match the event code {code:?}; expected one of {names:?}", info.event),
            )),
            Some(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_published_layout() {
        let csv = "CAP-AU #,TIER I EVENTS,TIER II EVENTS,EVENT CODE,CAP CATEGORY VALUE\n\
                   1,Administration,,admin,Other\n\
                   43,Fire,Fire Weather,fireWeather,\"Fire, Met\"\n";
        let list = AuEventList::from_csv(csv).unwrap();
        assert_eq!(list.len(), 2);
        assert!(list.names("fireWeather").unwrap().contains("Fire Weather"));
        assert!(AuEventList::from_csv("CAP-AU #,x\n1,\"open\n").is_err());
    }
}
