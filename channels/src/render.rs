//! What every channel shows of an alert: the `info` in the recipient's language, and the plain
//! words for its severity and mode. Channels build their medium's form from these.

use cap_alerts::model::{MsgType, Severity, Status, Urgency};
use cap_alerts::{Alert, Info};

/// The `info` block to show to a reader of `languages` (preferred first): the first exact
/// language match, else the first match of the primary subtag (`sk` for `sk-SK`), else the
/// first `info` of the alert. `None` only for an alert without any `info`.
pub fn pick_info<'a>(alert: &'a Alert, languages: &[String]) -> Option<&'a Info> {
    for want in languages {
        if let Some(i) = alert.infos.iter().find(|i| i.language_or_default().eq_ignore_ascii_case(want)) {
            return Some(i);
        }
        let primary = want.split('-').next().unwrap_or_default();
        if let Some(i) = alert
            .infos
            .iter()
            .find(|i| i.language_or_default().split('-').next().unwrap_or_default().eq_ignore_ascii_case(primary))
        {
            return Some(i);
        }
    }
    alert.infos.first()
}

/// Whether the alert calls for the fastest handling: an Immediate or an Extreme info.
pub fn is_urgent(alert: &Alert) -> bool {
    alert.infos.iter().any(|i| i.urgency == Urgency::Immediate || i.severity == Severity::Extreme)
}

/// A short marker for anything that is not a live alert, in the reader's language, shown
/// before the text on every medium: nobody must take an exercise for a real warning.
pub fn mode_marker(status: Status, language: &str) -> Option<&'static str> {
    let sk = language.starts_with("sk");
    let pl = language.starts_with("pl");
    let uk = language.starts_with("uk");
    match status {
        Status::Actual => None,
        Status::Exercise => Some(if sk {
            "CVIČENIE"
        } else if pl {
            "ĆWICZENIA"
        } else if uk {
            "НАВЧАННЯ"
        } else {
            "EXERCISE"
        }),
        // Slovak and Polish write TEST too.
        Status::Test | Status::System | Status::Draft => Some(if uk { "ТЕСТ" } else { "TEST" }),
    }
}

/// The word for a correction in the reader's language: `Update` and `Cancel` tell the reader
/// that this message replaces an earlier one.
pub fn msg_type_marker(msg_type: MsgType, language: &str) -> Option<&'static str> {
    let sk = language.starts_with("sk");
    let pl = language.starts_with("pl");
    let uk = language.starts_with("uk");
    match msg_type {
        MsgType::Update => Some(if sk {
            "AKTUALIZÁCIA"
        } else if pl {
            "AKTUALIZACJA"
        } else if uk {
            "ОНОВЛЕННЯ"
        } else {
            "UPDATE"
        }),
        MsgType::Cancel => Some(if sk {
            "ODVOLANIE"
        } else if pl {
            "ODWOŁANIE"
        } else if uk {
            "СКАСУВАННЯ"
        } else {
            "CANCELLED"
        }),
        _ => None,
    }
}

/// The severity in the reader's language.
pub fn severity_word(severity: Severity, language: &str) -> &'static str {
    let l = language.split('-').next().unwrap_or_default();
    match (l, severity) {
        ("sk", Severity::Extreme) => "Extrémne nebezpečenstvo",
        ("sk", Severity::Severe) => "Vážne nebezpečenstvo",
        ("sk", Severity::Moderate) => "Stredné nebezpečenstvo",
        ("sk", Severity::Minor) => "Malé nebezpečenstvo",
        ("pl", Severity::Extreme) => "Zagrożenie ekstremalne",
        ("pl", Severity::Severe) => "Zagrożenie poważne",
        ("pl", Severity::Moderate) => "Zagrożenie umiarkowane",
        ("pl", Severity::Minor) => "Zagrożenie niewielkie",
        ("uk", Severity::Extreme) => "Надзвичайна небезпека",
        ("uk", Severity::Severe) => "Серйозна небезпека",
        ("uk", Severity::Moderate) => "Помірна небезпека",
        ("uk", Severity::Minor) => "Незначна небезпека",
        (_, Severity::Extreme) => "Extreme danger",
        (_, Severity::Severe) => "Severe danger",
        (_, Severity::Moderate) => "Moderate danger",
        (_, Severity::Minor) => "Minor danger",
        (_, Severity::Unknown) => "Warning",
    }
}

/// One alert as a reader of one language sees it: what every medium's text is made from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text {
    /// The language of the chosen `info` (`en-US` when it names none).
    pub language: String,
    /// `EXERCISE`/`TEST` and `UPDATE`/`CANCELLED` markers, joined, if any.
    pub marker: Option<String>,
    /// The severity in words.
    pub severity: String,
    /// The headline, or the event when there is none.
    pub headline: String,
    /// The description, if any.
    pub description: Option<String>,
    /// What to do, if given.
    pub instruction: Option<String>,
    /// The area's description (the areas joined).
    pub area: Option<String>,
    /// The issuing authority's name, if given.
    pub sender_name: Option<String>,
    /// The expiry as written in the CAP, if given.
    pub expires: Option<String>,
}

/// The text of `alert` for a reader of `languages`.
pub fn text(alert: &Alert, languages: &[String]) -> Text {
    let info = pick_info(alert, languages);
    let language = info.map_or("en-US", Info::language_or_default).to_owned();
    let markers: Vec<&str> = [mode_marker(alert.status, &language), msg_type_marker(alert.msg_type, &language)]
        .into_iter()
        .flatten()
        .collect();
    let headline =
        info.and_then(|i| i.headline.clone().filter(|h| !h.trim().is_empty()).or_else(|| Some(i.event.clone())));
    let areas: Vec<&str> = info.map(|i| i.areas.iter().map(|a| a.area_desc.as_str()).collect()).unwrap_or_default();
    Text {
        marker: (!markers.is_empty()).then(|| markers.join(" · ")),
        severity: severity_word(info.map_or(Severity::Unknown, |i| i.severity), &language).to_owned(),
        headline: headline.unwrap_or_default(),
        description: info.and_then(|i| i.description.clone()),
        instruction: info.and_then(|i| i.instruction.clone()),
        area: (!areas.is_empty()).then(|| areas.join(", ")),
        sender_name: info.and_then(|i| i.sender_name.clone()),
        expires: info.and_then(|i| i.expires.as_ref().map(ToString::to_string)),
        language,
    }
}
