//! Reading `<alert>`: the message-level elements, references, and signatures.

use super::cursor::{Elem, Fatal};
use super::sequence::{Parent, SIGNATURE};
use super::walker::Walker;
use super::{CapVersion, info};
use crate::codes::Code;
use crate::model::{Alert, Identifier, Info, MsgType, Reference, Scope, Sender, Signature, Status, split_group};

/// The parts of an alert as they are read; the alert exists only if the required ones did.
#[derive(Default)]
struct Parts {
    identifier: Option<Identifier>,
    sender: Option<Sender>,
    sent: Option<crate::model::CapDateTime>,
    status: Option<Status>,
    msg_type: Option<MsgType>,
    source: Option<String>,
    scope: Option<Scope>,
    restriction: Option<String>,
    addresses: Vec<String>,
    codes: Vec<String>,
    note: Option<String>,
    references: Vec<Reference>,
    incidents: Vec<String>,
    infos: Vec<Info>,
    signatures: Vec<Signature>,
}

/// Reads the alert whose start tag was just read. `None` when a required element is missing
/// or unusable: the findings say why.
pub(crate) fn read_alert(w: &mut Walker<'_>, root: &Elem<'_>) -> Result<Option<Alert>, Fatal> {
    let mut p = Parts::default();
    let root_prefixes = w.cur.prefixes_in_scope();
    w.children(Parent::Alert, "/alert", root.start, |w, elem, name, path| {
        let at = elem.start;
        match name {
            SIGNATURE => {
                let xml = w.cur.capture(&elem)?.to_owned();
                let inherited_namespaces = root_prefixes
                    .iter()
                    .filter(|(prefix, _)| xml.contains(&format!("{prefix}:")))
                    .filter(|(prefix, _)| !xml.contains(&format!("xmlns:{prefix}=")))
                    .cloned()
                    .collect();
                p.signatures.push(Signature { xml, inherited_namespaces });
            }
            "info" => {
                let model = format!("/alert/info[{}]", p.infos.len() + 1);
                if let Some(i) = info::read_info(w, &elem, &path, &model)? {
                    p.infos.push(i);
                }
            }
            _ => simple(w, &mut p, name, &path, at)?,
        }
        Ok(())
    })?;
    Ok(finish(w, p))
}

fn simple(w: &mut Walker<'_>, p: &mut Parts, name: &str, path: &str, at: usize) -> Result<(), Fatal> {
    match name {
        "identifier" | "sender" => {
            let t = w.text(path)?;
            if name == "identifier" {
                match Identifier::parse(t) {
                    Ok(v) => p.identifier = Some(v),
                    Err(e) => w.report(Code::ForbiddenInIdentifier, path, at, format!("<identifier>: {e}")),
                }
            } else {
                match Sender::parse(t) {
                    Ok(v) => p.sender = Some(v),
                    Err(e) => w.report(Code::ForbiddenInSender, path, at, format!("<sender>: {e}")),
                }
            }
        }
        "sent" => {
            let t = w.text(path)?;
            p.sent = w.date_time(&t, path, at);
        }
        "status" => {
            let t = w.code_text(path, at)?;
            p.status = w.enumerated(&t, path, at);
        }
        "msgType" => {
            let t = w.code_text(path, at)?;
            p.msg_type = w.enumerated(&t, path, at);
        }
        "scope" => {
            let t = w.code_text(path, at)?;
            p.scope = w.enumerated(&t, path, at);
        }
        "password" => {
            w.text(path)?;
            w.upgraded("CAP-U002", path, "<password> (CAP 1.0, deprecated) was removed");
        }
        "source" => p.source = Some(w.text(path)?),
        "restriction" => p.restriction = Some(w.text(path)?),
        "note" => p.note = Some(w.text(path)?),
        "code" => p.codes.push(w.text(path)?),
        "addresses" => p.addresses = group(w, path, at)?,
        "incidents" => p.incidents = group(w, path, at)?,
        "references" => p.references = references(w, path, at)?,
        _ => {}
    }
    Ok(())
}

fn group(w: &mut Walker<'_>, path: &str, at: usize) -> Result<Vec<String>, Fatal> {
    let t = w.text(path)?;
    match split_group(&t) {
        Ok(items) if items.is_empty() => {
            w.report(Code::EmptyTreatedAsAbsent, path, at, format!("<{}> is empty", super::walker::leaf(path)));
            Ok(items)
        }
        Ok(items) => Ok(items),
        Err(e) => {
            w.report(Code::UnbalancedQuotes, path, at, e.0);
            Ok(t.split_whitespace().map(str::to_owned).collect())
        }
    }
}

fn references(w: &mut Walker<'_>, path: &str, at: usize) -> Result<Vec<Reference>, Fatal> {
    let t = w.text(path)?;
    if t.trim().is_empty() {
        w.report(
            Code::EmptyReferences,
            path,
            at,
            "<references> is empty; name each earlier message as sender,identifier,sent or leave the element out",
        );
        return Ok(Vec::new());
    }
    let mut refs = Vec::new();
    for triple in t.split_whitespace() {
        match Reference::parse(triple) {
            Ok((r, d)) => {
                if let Some(d) = d {
                    w.deviation(d, triple, path, at);
                }
                refs.push(r);
            }
            Err(_) if w.version == CapVersion::V1_0 => w.upgraded(
                "CAP-U010",
                path,
                format!("the CAP 1.0 reference {triple:?} has no sent time and was dropped"),
            ),
            Err(e) => w.report(Code::MalformedReference, path, at, e.0),
        }
    }
    Ok(refs)
}

fn finish(w: &mut Walker<'_>, p: Parts) -> Option<Alert> {
    let scope = match (p.scope, w.version) {
        (Some(s), _) => Some(s),
        (None, CapVersion::V1_0) => {
            w.upgraded("CAP-U007", "/alert/scope", "CAP 1.0 <scope> was absent; Public assumed");
            Some(Scope::Public)
        }
        (None, _) => None,
    };
    Some(Alert {
        identifier: p.identifier?,
        sender: p.sender?,
        sent: p.sent?,
        status: p.status?,
        msg_type: p.msg_type?,
        source: p.source,
        scope: scope?,
        restriction: p.restriction,
        addresses: p.addresses,
        codes: p.codes,
        note: p.note,
        references: p.references,
        incidents: p.incidents,
        infos: p.infos,
        signatures: p.signatures,
    })
}
