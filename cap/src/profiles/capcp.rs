//! The Canadian profile CAP-CP.

use super::{carries_info, event_code_set, infos, infos_agree, missing_recommended};
use crate::codes::Code;
use crate::findings::Finding;
use crate::model::Alert;

const CODE_PREFIX: &str = "profile:CAP-CP:";
const EVENT_PREFIX: &str = "profile:CAP-CP:Event:";
const LOCATION_PREFIX: &str = "profile:CAP-CP:Location";

pub(super) fn check(a: &Alert, out: &mut Vec<Finding>) {
    if !a.codes.iter().any(|c| c.trim().starts_with(CODE_PREFIX)) {
        out.push(Finding::new(
            Code::CapCpCode,
            "/alert",
            "a <code> naming the profile (profile:CAP-CP:0.4) is required",
        ));
    }
    if carries_info(a) && a.infos.is_empty() {
        out.push(Finding::new(Code::CapCpInfoRequired, "/alert", "at least one <info> is required"));
    }
    if !infos_agree(a, event_code_set) {
        out.push(Finding::new(
            Code::CapCpEventCodesMatch,
            "/alert",
            "all <info> blocks must carry the same <eventCode> values",
        ));
    }
    for (path, info) in infos(a) {
        if !info.event_codes.iter().any(|c| c.value_name.starts_with(EVENT_PREFIX)) {
            out.push(Finding::new(
                Code::CapCpEventCode,
                format!("{path}/eventCode"),
                "an <eventCode> with valueName profile:CAP-CP:Event:0.4 is required",
            ));
        }
        if info.areas.is_empty() {
            out.push(Finding::new(Code::CapCpAreaRequired, format!("{path}/area"), "at least one <area> is required"));
        }
        for (j, area) in info.areas.iter().enumerate() {
            if !area.geocodes.iter().any(|g| g.value_name.starts_with(LOCATION_PREFIX)) {
                out.push(Finding::new(
                    Code::CapCpLocation,
                    format!("{path}/area[{}]", j + 1),
                    "a <geocode> with valueName profile:CAP-CP:Location:0.3 is required",
                ));
            }
        }
        let missing = missing_recommended(info);
        if !missing.is_empty() {
            out.push(Finding::new(
                Code::CapCpRecommended,
                path.clone(),
                format!("strongly recommended: {}", missing.join(", ")),
            ));
        }
        if !info.areas.is_empty() && !info.areas.iter().any(|a| a.has_shape()) {
            out.push(Finding::new(
                Code::CapCpGeometry,
                format!("{path}/area[1]"),
                "a <polygon> or <circle> is encouraged",
            ));
        }
    }
    let langs: Vec<&str> = a.infos.iter().map(|i| i.language_or_default()).collect();
    let english = langs.iter().any(|l| l.eq_ignore_ascii_case("en-CA") || l.eq_ignore_ascii_case("en-US"));
    let french = langs.iter().any(|l| l.eq_ignore_ascii_case("fr-CA"));
    if !(a.infos.is_empty() || english && french) {
        out.push(Finding::new(
            Code::CapCpLanguages,
            "/alert",
            "info blocks in English (en-CA) and French (fr-CA) are recommended",
        ));
    }
}
