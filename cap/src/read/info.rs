//! Reading `<info>` and its value pairs.

use super::cursor::{Elem, Fatal};
use super::sequence::Parent;
use super::walker::Walker;
use super::{CapVersion, area};
use crate::codes::Code;
use crate::model::{AbsoluteUri, Category, Certainty, Info, Language, NamedValue, Severity, Urgency};

/// Reads the info whose start tag was just read. `None` when `event` is missing.
pub(crate) fn read_info(w: &mut Walker<'_>, elem: &Elem<'_>, path: &str, model: &str) -> Result<Option<Info>, Fatal> {
    w.map_path(model.to_owned(), path);
    let mut language = None;
    let mut categories = Vec::new();
    let mut event = None;
    let mut info = Info {
        language: None,
        categories: Vec::new(),
        event: String::new(),
        response_types: Vec::new(),
        urgency: Urgency::Unknown,
        severity: Severity::Unknown,
        certainty: Certainty::Unknown,
        audience: None,
        event_codes: Vec::new(),
        effective: None,
        onset: None,
        expires: None,
        sender_name: None,
        headline: None,
        description: None,
        instruction: None,
        web: None,
        contact: None,
        parameters: Vec::new(),
        resources: Vec::new(),
        areas: Vec::new(),
    };
    let seq = w.children(Parent::Info, path, elem.start, |w, child, name, cpath| {
        let at = child.start;
        match name {
            "language" => {
                let t = w.text(&cpath)?;
                match Language::parse(t.trim()) {
                    Ok(l) => language = Some(l),
                    Err(e) => w.report(Code::InvalidLanguage, &cpath, at, e.0),
                }
            }
            "category" => {
                let t = w.code_text(&cpath, at)?;
                categories.extend(w.enumerated::<Category>(&t, &cpath, at));
            }
            "event" => {
                event = Some(w.text(&cpath)?);
            }
            "responseType" => {
                let t = w.code_text(&cpath, at)?;
                info.response_types.extend(w.enumerated::<crate::model::ResponseType>(&t, &cpath, at));
            }
            "urgency" => {
                let t = w.code_text(&cpath, at)?;
                info.urgency = w.enumerated(&t, &cpath, at).unwrap_or(Urgency::Unknown);
            }
            "severity" => {
                let t = w.code_text(&cpath, at)?;
                info.severity = w.enumerated(&t, &cpath, at).unwrap_or(Severity::Unknown);
            }
            "certainty" => {
                let t = w.code_text(&cpath, at)?;
                info.certainty = certainty(w, &t, &cpath, at);
            }
            "eventCode" => info.event_codes.extend(pair(w, &child, &cpath)?),
            "parameter" => info.parameters.extend(pair(w, &child, &cpath)?),
            "effective" | "onset" | "expires" => {
                let t = w.text(&cpath)?;
                let v = w.date_time(&t, &cpath, at);
                *match name {
                    "effective" => &mut info.effective,
                    "onset" => &mut info.onset,
                    _ => &mut info.expires,
                } = v;
            }
            "web" => {
                let t = w.text(&cpath)?;
                if t.trim().is_empty() {
                    w.report(Code::EmptyTreatedAsAbsent, &cpath, at, "<web> is empty");
                    return Ok(());
                }
                match AbsoluteUri::parse(t.trim()) {
                    Ok(u) => info.web = Some(u),
                    Err(e) => w.report(Code::WebNotAbsolute, &cpath, at, format!("<web>: {e}")),
                }
            }
            "resource" => {
                w.map_path(format!("{model}/resource[{}]", info.resources.len() + 1), &cpath);
                info.resources.extend(area::read_resource(w, &child, &cpath)?);
            }
            "area" => {
                let model_area = format!("{model}/area[{}]", info.areas.len() + 1);
                w.map_path(model_area.clone(), &cpath);
                info.areas.push(area::read_area(w, &child, &cpath, &model_area)?);
            }
            _ => {
                let t = w.text(&cpath)?;
                let slot = match name {
                    "audience" => &mut info.audience,
                    "senderName" => &mut info.sender_name,
                    "headline" => &mut info.headline,
                    "description" => &mut info.description,
                    "instruction" => &mut info.instruction,
                    _ => &mut info.contact,
                };
                *slot = Some(t);
            }
        }
        Ok(())
    })?;
    if categories.is_empty() && seq.count("category") == 0 && w.version == CapVersion::V1_0 {
        w.upgraded("CAP-U008", &format!("{path}/category[1]"), "CAP 1.0 <info> had no <category>; Other assumed");
    }
    if categories.is_empty() {
        categories.push(Category::Other);
    }
    info.language = language;
    info.categories = categories;
    info.event = match event {
        Some(e) => e,
        None => return Ok(None),
    };
    Ok(Some(info))
}

fn certainty(w: &mut Walker<'_>, text: &str, path: &str, at: usize) -> Certainty {
    if text == "Very Likely" && w.version == CapVersion::V1_0 {
        w.upgraded("CAP-U003", path, "the CAP 1.0 certainty \"Very Likely\" became \"Likely\"");
        return Certainty::Likely;
    }
    w.enumerated(text, path, at).unwrap_or(Certainty::Unknown)
}

/// An `eventCode`, `parameter` or `geocode`: a valueName and value (CAP 1.1, 1.2) or a
/// `name=value` text (CAP 1.0).
pub(crate) fn pair(w: &mut Walker<'_>, elem: &Elem<'_>, path: &str) -> Result<Option<NamedValue>, Fatal> {
    if w.version == CapVersion::V1_0 {
        let t = w.text(path)?;
        return Ok(Some(w.legacy_pair(&t, path)));
    }
    let (mut name, mut value) = (None, None);
    w.children(Parent::ValuePair, path, elem.start, |w, _child, cname, cpath| {
        let t = w.text(&cpath)?;
        if cname == "valueName" {
            name = Some(t);
        } else {
            value = Some(t);
        }
        Ok(())
    })?;
    Ok(Some(NamedValue::new(name.unwrap_or_default(), value.unwrap_or_default())))
}
