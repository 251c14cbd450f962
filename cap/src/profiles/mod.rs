//! Profiles: the extra rules of a community of CAP users, chosen by value.
//!
//! A profile adds findings with its own codes (`IPAWS-…`, `CAPCP-…`, `CAPAU-…`, `MA-…`,
//! `TOCSIN-…`) on top of the core CAP 1.2 rules.

mod capau;
mod capcp;
mod ipaws;
mod meteoalarm;
mod tocsin;

use std::collections::BTreeSet;

pub use capau::{AuEventList, AuEventListError};
pub use tocsin::TocsinProfile;

use crate::findings::Finding;
use crate::model::{Alert, Info};

/// A set of rules beyond CAP 1.2 itself.
#[derive(Clone, Debug)]
pub enum Profile {
    /// The US IPAWS profile v1.0.
    Ipaws,
    /// The Canadian profile CAP-CP.
    CapCp,
    /// The Australian profile CAP-AU 1.0; without an event list the list checks are skipped
    /// (with a warning).
    CapAu(Option<AuEventList>),
    /// The MeteoAlarm conventions for European weather warnings.
    MeteoAlarm,
    /// What Tocsin requires of alerts its staff author.
    Tocsin(TocsinProfile),
}

impl Profile {
    /// The names accepted by [`Profile::by_name`].
    pub const NAMES: &'static [&'static str] = &["ipaws", "cap-cp", "cap-au", "meteoalarm", "tocsin"];

    /// A profile by name (case-insensitive): `ipaws`, `cap-cp`, `cap-au`, `meteoalarm`, `tocsin`.
    pub fn by_name(name: &str) -> Option<Profile> {
        match name.to_ascii_lowercase().as_str() {
            "ipaws" | "ipaws-v1.0" | "ipawsv1.0" => Some(Profile::Ipaws),
            "cap-cp" | "capcp" => Some(Profile::CapCp),
            "cap-au" | "capau" => Some(Profile::CapAu(None)),
            "meteoalarm" => Some(Profile::MeteoAlarm),
            "tocsin" => Some(Profile::Tocsin(TocsinProfile::default())),
            _ => None,
        }
    }

    /// The profile's name.
    pub fn name(&self) -> &'static str {
        match self {
            Profile::Ipaws => "ipaws",
            Profile::CapCp => "cap-cp",
            Profile::CapAu(_) => "cap-au",
            Profile::MeteoAlarm => "meteoalarm",
            Profile::Tocsin(_) => "tocsin",
        }
    }

    /// Checks an alert against this profile's rules.
    pub fn check(&self, alert: &Alert) -> Vec<Finding> {
        let mut out = Vec::new();
        match self {
            Profile::Ipaws => ipaws::check(alert, &mut out),
            Profile::CapCp => capcp::check(alert, &mut out),
            Profile::CapAu(list) => capau::check(alert, list.as_ref(), &mut out),
            Profile::MeteoAlarm => meteoalarm::check(alert, &mut out),
            Profile::Tocsin(p) => p.check(alert, &mut out),
        }
        out
    }
}

/// Each info block with its path.
fn infos(alert: &Alert) -> impl Iterator<Item = (String, &Info)> {
    alert.infos.iter().enumerate().map(|(i, info)| (format!("/alert/info[{}]", i + 1), info))
}

/// Whether every info block gives the same set of values.
fn infos_agree<T: Ord>(alert: &Alert, values: impl Fn(&Info) -> BTreeSet<T>) -> bool {
    let mut sets = alert.infos.iter().map(values);
    match sets.next() {
        Some(first) => sets.all(|s| s == first),
        None => true,
    }
}

/// The (valueName, value) pairs of an info's event codes.
fn event_code_set(info: &Info) -> BTreeSet<(String, String)> {
    info.event_codes.iter().map(|c| (c.value_name.clone(), c.value.clone())).collect()
}

/// Whether the message type carries information (anything but Ack and Error).
fn carries_info(alert: &Alert) -> bool {
    !matches!(alert.msg_type, crate::model::MsgType::Ack | crate::model::MsgType::Error)
}

/// The names of recommended elements an info block lacks: expires, senderName, responseType,
/// instruction.
fn missing_recommended(info: &Info) -> Vec<&'static str> {
    let mut m = Vec::new();
    if info.expires.is_none() {
        m.push("expires");
    }
    if info.sender_name.as_deref().is_none_or(|s| s.trim().is_empty()) {
        m.push("senderName");
    }
    if info.response_types.is_empty() {
        m.push("responseType");
    }
    if info.instruction.as_deref().is_none_or(|s| s.trim().is_empty()) {
        m.push("instruction");
    }
    m
}
