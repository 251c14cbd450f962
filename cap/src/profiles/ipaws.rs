//! The US IPAWS profile v1.0.

use super::{event_code_set, infos, infos_agree};
use crate::codes::Code;
use crate::findings::Finding;
use crate::model::{Alert, CapDateTime, Info, MsgType};

const CODE: &str = "IPAWSv1.0";
const BLOCKCHANNELS: &[&str] = &["CMAS", "EAS", "NWEM", "PUBLIC", "CAPEXCH"];
const EAS_ORGS: &[&str] = &["EAS", "CIV", "WXR", "PEP"];

pub(super) fn check(a: &Alert, out: &mut Vec<Finding>) {
    if !a.codes.iter().any(|c| c.trim() == CODE) {
        out.push(Finding::new(Code::IpawsCode, "/alert", format!("<code>{CODE}</code> is required")));
    }
    local_time(&a.sent, "/alert/sent", out);
    if a.infos.is_empty() && matches!(a.msg_type, MsgType::Alert | MsgType::Update) {
        out.push(Finding::new(
            Code::IpawsInfoRequired,
            "/alert",
            format!("an {} requires at least one <info>", a.msg_type),
        ));
    }
    let categories_agree = infos_agree(a, |i| i.categories.iter().map(|c| c.as_str()).collect());
    if !categories_agree || !infos_agree(a, event_code_set) {
        out.push(Finding::new(
            Code::IpawsInfosMustMatch,
            "/alert",
            "all <info> blocks must carry the same <category> and <eventCode> values",
        ));
    }
    for (path, info) in infos(a) {
        check_info(info, &path, out);
    }
}

fn local_time(t: &CapDateTime, path: &str, out: &mut Vec<Finding>) {
    if t.as_datetime().offset().local_minus_utc() == 0 {
        out.push(Finding::new(
            Code::IpawsLocalTime,
            path,
            format!("{t} has a zero offset; IPAWS requires the local time-zone offset"),
        ));
    }
}

fn check_info(info: &Info, path: &str, out: &mut Vec<Finding>) {
    match &info.expires {
        None => out.push(Finding::new(Code::IpawsExpiresRequired, format!("{path}/expires"), "<expires> is required")),
        Some(t) => local_time(t, &format!("{path}/expires"), out),
    }
    let same: Vec<&str> =
        info.event_codes.iter().filter(|c| c.value_name == "SAME").map(|c| c.value.as_str()).collect();
    if same.len() != 1 || same.iter().any(|v| v.chars().count() != 3) {
        out.push(Finding::new(
            Code::IpawsSameEventCode,
            format!("{path}/eventCode"),
            format!("exactly one <eventCode> with valueName SAME and a three-letter value is required; found {same:?}"),
        ));
    }
    if info.areas.is_empty() {
        out.push(Finding::new(Code::IpawsAreaRequired, format!("{path}/area"), "at least one <area> is required"));
    }
    for name in ["effective", "onset"] {
        let present = if name == "effective" { info.effective.is_some() } else { info.onset.is_some() };
        if present {
            out.push(Finding::new(Code::IpawsIgnored, format!("{path}/{name}"), format!("IPAWS ignores <{name}>")));
        }
    }
    for (name, v) in [("description", &info.description), ("instruction", &info.instruction)] {
        if v.as_deref().is_none_or(|s| s.trim().is_empty()) {
            out.push(Finding::new(
                Code::IpawsRecommended,
                format!("{path}/{name}"),
                format!("<{name}> is recommended"),
            ));
        }
    }
    for (j, area) in info.areas.iter().enumerate() {
        let six = area.geocodes.iter().any(|g| g.value_name == "SAME" && g.value.chars().count() == 6);
        if !six {
            out.push(Finding::new(
                Code::IpawsSameGeocode,
                format!("{path}/area[{}]", j + 1),
                "a <geocode> with valueName SAME and a six-digit value is recommended",
            ));
        }
    }
    parameters(info, path, out);
}

fn parameters(info: &Info, path: &str, out: &mut Vec<Finding>) {
    for (k, p) in info.parameters.iter().enumerate() {
        let at = format!("{path}/parameter[{}]", k + 1);
        let problem = match p.value_name.as_str() {
            "CMAMtext" if p.value.chars().count() > 90 => {
                Some(format!("CMAMtext has {} characters; at most 90", p.value.chars().count()))
            }
            "CMAMlongtext" if p.value.chars().count() > 360 => {
                Some(format!("CMAMlongtext has {} characters; at most 360", p.value.chars().count()))
            }
            "BLOCKCHANNEL" if !BLOCKCHANNELS.contains(&p.value.as_str()) => {
                Some(format!("BLOCKCHANNEL {:?} is not one of {}", p.value, BLOCKCHANNELS.join(", ")))
            }
            "EAS-ORG" if !EAS_ORGS.contains(&p.value.as_str()) => {
                Some(format!("EAS-ORG {:?} is not one of {}", p.value, EAS_ORGS.join(", ")))
            }
            _ => None,
        };
        if let Some(m) = problem {
            out.push(Finding::new(Code::IpawsParameter, at, m));
        }
    }
}
