//! Rules on the alert as a whole: scope and its companions, and references.

use std::collections::HashSet;

use crate::codes::Code;
use crate::findings::Finding;
use crate::model::{Alert, Scope};

pub(super) fn check(a: &Alert, out: &mut Vec<Finding>) {
    scope(a, out);
    references(a, out);
}

fn scope(a: &Alert, out: &mut Vec<Finding>) {
    match (a.scope, &a.restriction) {
        (Scope::Restricted, None) => out.push(Finding::new(
            Code::RestrictedWithoutRestriction,
            "/alert/restriction",
            "<scope> is Restricted, so <restriction> must say who may receive the message",
        )),
        (Scope::Restricted, Some(r)) if r.trim().is_empty() => out.push(Finding::new(
            Code::RestrictedWithoutRestriction,
            "/alert/restriction",
            "<scope> is Restricted but <restriction> is empty",
        )),
        (Scope::Public | Scope::Private, Some(r)) => out.push(Finding::new(
            Code::RestrictionWithoutRestrictedScope,
            "/alert/restriction",
            format!(
                "<restriction>{} is given but <scope> is {}; restriction is used only with scope Restricted",
                if r.trim().is_empty() { " (empty)" } else { "" },
                a.scope
            ),
        )),
        _ => {}
    }
    if a.scope == Scope::Private && a.addresses.is_empty() {
        out.push(Finding::new(
            Code::PrivateWithoutAddresses,
            "/alert/addresses",
            "<scope> is Private, so <addresses> must name the recipients",
        ));
    }
}

fn references(a: &Alert, out: &mut Vec<Finding>) {
    const PATH: &str = "/alert/references";
    if a.msg_type.requires_references() && a.references.is_empty() {
        out.push(Finding::new(
            Code::MissingReferences,
            PATH,
            format!("a message of type {} must name the earlier message(s) in <references>", a.msg_type),
        ));
    }
    let mut seen = HashSet::new();
    for r in &a.references {
        if r.identifier == a.identifier && r.sender == a.sender {
            out.push(Finding::new(Code::SelfReference, PATH, format!("the reference {r} names this message itself")));
        }
        if !seen.insert((r.sender.as_str(), r.identifier.as_str())) {
            out.push(Finding::new(Code::RepeatedReference, PATH, format!("{r} is referenced more than once")));
        }
        if r.sent.to_utc() > a.sent.to_utc() {
            out.push(Finding::new(
                Code::PostdatedReference,
                PATH,
                format!("the referenced message {r} was sent after this one ({})", a.sent),
            ));
        }
    }
}
