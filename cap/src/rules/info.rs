//! Rules on one info block: required content, the order of its times, and resources.

use crate::codes::Code;
use crate::findings::Finding;
use crate::model::{Alert, Info, Resource, is_absolute_uri};

pub(super) fn check(a: &Alert, info: &Info, path: &str, out: &mut Vec<Finding>) {
    if info.categories.is_empty() {
        out.push(Finding::new(
            Code::MissingElement,
            format!("{path}/category"),
            "<info> requires at least one <category>",
        ));
    }
    if info.event.trim().is_empty() {
        out.push(Finding::new(Code::EmptyEvent, format!("{path}/event"), "<event> is empty; name the type of event"));
    }
    for (name, pairs) in [("eventCode", &info.event_codes), ("parameter", &info.parameters)] {
        for (i, p) in pairs.iter().enumerate() {
            if p.value_name.trim().is_empty() || p.value.trim().is_empty() {
                out.push(Finding::new(
                    Code::EmptyValueName,
                    format!("{path}/{name}[{}]", i + 1),
                    format!("<{name}> has an empty <valueName> or <value>"),
                ));
            }
        }
    }
    times(a, info, path, out);
    for (i, r) in info.resources.iter().enumerate() {
        resource(r, &format!("{path}/resource[{}]", i + 1), out);
    }
}

fn times(a: &Alert, info: &Info, path: &str, out: &mut Vec<Finding>) {
    let Some(expires) = info.expires else { return };
    let at = format!("{path}/expires");
    if let Some(effective) = info.effective
        && expires.to_utc() < effective.to_utc()
    {
        out.push(Finding::new(
            Code::ExpiresBeforeEffective,
            at.clone(),
            format!("<expires> {expires} is before <effective> {effective}"),
        ));
    }
    if let Some(onset) = info.onset
        && expires.to_utc() < onset.to_utc()
    {
        out.push(Finding::new(
            Code::ExpiresBeforeOnset,
            at.clone(),
            format!("<expires> {expires} is before <onset> {onset}"),
        ));
    }
    if expires.to_utc() <= a.sent.to_utc() {
        out.push(Finding::new(
            Code::ExpiredWhenSent,
            at,
            format!("<expires> {expires} is not after <sent> {}", a.sent),
        ));
    }
}

fn resource(r: &Resource, path: &str, out: &mut Vec<Finding>) {
    if let Some(uri) = &r.uri
        && !is_absolute_uri(uri)
        && r.deref_uri.is_none()
    {
        out.push(Finding::new(
            Code::ResourceUriInvalid,
            format!("{path}/uri"),
            format!("<uri> {uri:?} is not a full absolute URI, and there is no <derefUri> for it to name"),
        ));
    }
    if let Some(d) = &r.digest
        && !d.is_sha1()
    {
        out.push(Finding::new(
            Code::DigestNotSha1,
            format!("{path}/digest"),
            "<digest> has 64 digits (SHA-256); CAP 1.2 specifies SHA-1 (40 digits)",
        ));
    }
    let Some(deref) = &r.deref_uri else { return };
    let content = deref.decode();
    if let Some(d) = r.digest.as_ref().filter(|d| d.is_sha1()) {
        let actual = sha1_smol::Sha1::from(&content).digest().to_string();
        if !actual.eq_ignore_ascii_case(d.as_str()) {
            out.push(Finding::new(
                Code::DigestMismatch,
                format!("{path}/digest"),
                format!("<digest> is {d} but the SHA-1 of the <derefUri> content is {actual}"),
            ));
        }
    }
    if let Some(size) = r.size
        && size != content.len() as u64
    {
        out.push(Finding::new(
            Code::SizeMismatch,
            format!("{path}/size"),
            format!("<size> is {size} but the <derefUri> content has {} bytes", content.len()),
        ));
    }
}
