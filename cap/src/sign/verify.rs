//! Verifying the enveloped signatures of a CAP message, refusing signature wrapping: every
//! `ds:Signature` must be a child of the root `<alert>`, and every reference must cover that
//! root (`URI=""`, or `#id` naming it, with the id unique in the document).

use super::algorithms::DSIG_NS;
use super::c14n::{Subset, canonicalize};
use super::error::SignatureError;
use super::signature::{self, Parsed};
use super::tree::{Tree, XML_NS, malformed};
use super::{Signer, TrustPolicy, Verified, trust};

/// The most signatures one message may carry: each costs a canonicalization of the whole
/// message, so the count is bounded.
const MAX_SIGNATURES: usize = 4;

const CAP_NAMESPACES: [&str; 3] = [
    "urn:oasis:names:tc:emergency:cap:1.2",
    "urn:oasis:names:tc:emergency:cap:1.1",
    "urn:oasis:names:tc:emergency:cap:1.0",
];

/// Verifies every signature of a CAP message at time `at` (Unix seconds). See
/// [`crate::sign`] for what is checked.
pub fn verify(cap: &[u8], policy: &TrustPolicy, at: i64) -> Result<Verified, SignatureError> {
    let text =
        crate::read::prepare::prepare(cap, policy.max_bytes).map_err(|f| SignatureError::Malformed(f.message))?;
    let tree = Tree::parse(&text)?;
    let signatures = placed_signatures(&tree)?;
    if signatures.is_empty() {
        return Err(SignatureError::Unsigned);
    }
    if signatures.len() > MAX_SIGNATURES {
        return Err(malformed(&format!("more than {MAX_SIGNATURES} signatures")));
    }
    let parsed =
        signatures.iter().map(|&s| signature::parse(&tree, s, policy.allow_sha1)).collect::<Result<Vec<_>, _>>()?;
    for p in &parsed {
        check_reference(&tree, p, &signatures)?;
    }
    let mut signers = Vec::new();
    let mut trust_error = None;
    for p in &parsed {
        match check_signature(&tree, p, policy, at) {
            Ok(s) => signers.push(s),
            Err(e) if e.is_about_trust() => {
                trust_error.get_or_insert(e);
            }
            Err(e) => return Err(e),
        }
    }
    match (signers.is_empty(), trust_error) {
        (false, _) => Ok(Verified { signers }),
        (true, e) => Err(e.unwrap_or(SignatureError::Unsigned)),
    }
}

/// The `ds:Signature` children of the root `<alert>`; a signature anywhere else, or a root
/// that is not a CAP alert, is refused.
fn placed_signatures(tree: &Tree) -> Result<Vec<usize>, SignatureError> {
    let root = &tree.elements[tree.root];
    let root_is_alert = root.local == "alert" && CAP_NAMESPACES.contains(&tree.element_namespace(tree.root));
    let mut out = Vec::new();
    for (i, e) in tree.elements.iter().enumerate() {
        if e.local != "Signature" || tree.element_namespace(i) != DSIG_NS {
            continue;
        }
        if !root_is_alert || e.parent != Some(tree.root) {
            return Err(SignatureError::Wrapped(
                "a Signature that is not a child of the root <alert> of a CAP message".to_owned(),
            ));
        }
        out.push(i);
    }
    if !root_is_alert && out.is_empty() {
        return Err(malformed("the root element is not a CAP <alert>"));
    }
    Ok(out)
}

/// Checks that the reference covers the root alert and that its digest matches. With several
/// signatures, a signature's digest may leave out only itself (a later signer countersigned
/// the earlier signatures) or all of them (signers who signed the same alert independently and
/// whose signatures were then put together, as NAADS does); the other signatures are checked
/// in their own right either way.
fn check_reference(tree: &Tree, p: &Parsed, all: &[usize]) -> Result<(), SignatureError> {
    let apex = match p.reference.uri.as_str() {
        "" => None,
        uri => {
            let id = uri
                .strip_prefix('#')
                .ok_or_else(|| SignatureError::Wrapped(format!("the reference {uri:?} is not to this document")))?;
            let holders: Vec<usize> = (0..tree.elements.len()).filter(|&i| has_id(tree, i, id)).collect();
            match holders.as_slice() {
                [only] if *only == tree.root => Some(tree.root),
                [_] | [] => {
                    return Err(SignatureError::Wrapped(format!("#{id} is not the root <alert> of the message")));
                }
                _ => return Err(SignatureError::Wrapped(format!("the Id {id:?} appears more than once"))),
            }
        }
    };
    // A same-document reference leaves comments out, whatever the transform says.
    let method = p.reference.c14n.without_comments();
    let matches = |omit: &[usize]| {
        let bytes = canonicalize(tree, &method, Subset { apex, omit });
        p.reference.digest.digest(&bytes) == p.reference.value
    };
    if matches(&[p.element]) || (all.len() > 1 && matches(all)) {
        return Ok(());
    }
    Err(SignatureError::DigestMismatch)
}

fn has_id(tree: &Tree, at: usize, id: &str) -> bool {
    tree.elements[at].attrs.iter().any(|a| {
        let is_id = match a.prefix.as_deref() {
            None => matches!(a.local.as_str(), "Id" | "ID" | "id"),
            Some(p) => a.local == "id" && tree.namespace_of(at, p) == Some(XML_NS),
        };
        is_id && a.value == id
    })
}

fn check_signature(tree: &Tree, p: &Parsed, policy: &TrustPolicy, at: i64) -> Result<Signer, SignatureError> {
    let signed_info = canonicalize(tree, &p.c14n, Subset { apex: Some(p.signed_info), omit: &[] });
    let mut signer = trust::signer(&p.key, p.method, &signed_info, &p.value, policy, at)?;
    signer.digest = p.reference.digest;
    Ok(signer)
}
