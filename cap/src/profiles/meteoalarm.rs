//! The MeteoAlarm conventions for European weather warnings.

use super::infos;
use crate::codes::Code;
use crate::findings::Finding;
use crate::model::{Alert, Severity};

/// Awareness levels: number, colour, severity word.
const LEVELS: &[(&str, &str, Severity)] = &[
    ("1", "green", Severity::Minor),
    ("2", "yellow", Severity::Moderate),
    ("3", "orange", Severity::Severe),
    ("4", "red", Severity::Extreme),
];

/// Awareness types by number (11 is not assigned; 14 and 15 are later additions).
const TYPES: &[(&str, &str)] = &[
    ("1", "Wind"),
    ("2", "snow-ice"),
    ("3", "Thunderstorm"),
    ("4", "Fog"),
    ("5", "high-temperature"),
    ("6", "low-temperature"),
    ("7", "coastalevent"),
    ("8", "forest-fire"),
    ("9", "avalanches"),
    ("10", "Rain"),
    ("12", "flooding"),
    ("13", "rain-flood"),
    ("14", "Marine-Hazard"),
    ("15", "Drought"),
];

pub(super) fn check(a: &Alert, out: &mut Vec<Finding>) {
    for (path, info) in infos(a) {
        if info.language.is_none() {
            out.push(Finding::new(Code::MeteoAlarmLanguage, format!("{path}/language"), "<language> is required"));
        }
        level(info.parameter("awareness_level"), info.severity, &path, out);
        kind(info.parameter("awareness_type"), &path, out);
        if info.onset.is_none() || info.expires.is_none() {
            out.push(Finding::new(Code::MeteoAlarmExpires, path.clone(), "<onset> and <expires> are required"));
        }
        for (j, area) in info.areas.iter().enumerate() {
            if !area.geocodes.iter().any(|g| g.value_name == "EMMA_ID") {
                out.push(Finding::new(
                    Code::MeteoAlarmEmma,
                    format!("{path}/area[{}]", j + 1),
                    "a <geocode> with valueName EMMA_ID is required",
                ));
            }
        }
    }
}

/// The parts of a MeteoAlarm value: `"2; yellow; Moderate"` gives `["2", "yellow", "Moderate"]`.
fn parts(v: &str) -> Vec<&str> {
    v.split(';').map(str::trim).collect()
}

fn level(value: Option<&str>, severity: Severity, path: &str, out: &mut Vec<Finding>) {
    let allowed = "\"1; green; Minor\", \"2; yellow; Moderate\", \"3; orange; Severe\", \"4; red; Extreme\"";
    let Some(v) = value else {
        out.push(Finding::new(
            Code::MeteoAlarmLevel,
            format!("{path}/parameter"),
            format!("the parameter awareness_level is required: one of {allowed}"),
        ));
        return;
    };
    let p = parts(v);
    let known = LEVELS
        .iter()
        .find(|(n, colour, _)| p.first() == Some(n) && p.get(1).is_some_and(|c| c.eq_ignore_ascii_case(colour)));
    match known {
        None => out.push(Finding::new(
            Code::MeteoAlarmLevel,
            format!("{path}/parameter"),
            format!("awareness_level {v:?} is not one of {allowed}"),
        )),
        Some((_, _, s)) if *s != severity => out.push(Finding::new(
            Code::MeteoAlarmSeverity,
            format!("{path}/severity"),
            format!("awareness_level {v:?} means severity {s}, but <severity> is {severity}"),
        )),
        Some(_) => {}
    }
}

fn kind(value: Option<&str>, path: &str, out: &mut Vec<Finding>) {
    let Some(v) = value else {
        out.push(Finding::new(
            Code::MeteoAlarmType,
            format!("{path}/parameter"),
            "the parameter awareness_type is required, for example \"1; Wind\"",
        ));
        return;
    };
    let p = parts(v);
    if !TYPES.iter().any(|(n, _)| p.first() == Some(n)) {
        let known: Vec<String> = TYPES.iter().map(|(n, l)| format!("{n}; {l}")).collect();
        out.push(Finding::new(
            Code::MeteoAlarmType,
            format!("{path}/parameter"),
            format!("awareness_type {v:?} is not one of: {}", known.join(", ")),
        ));
    }
}
