//! Reading one `ds:Signature` element: `SignedInfo` (canonicalization, signature method, the
//! reference with its transforms and digest), the signature value and `KeyInfo`. Anything
//! outside the small profile CAP needs is refused here, before any cryptography.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::algorithms::{DSIG_NS, DigestAlgorithm, ENVELOPED, EXC_NS, SignatureAlgorithm};
use super::c14n::Canonicalization;
use super::error::SignatureError;
use super::tree::{Tree, malformed};

/// A `Signature` element, read.
#[derive(Debug)]
pub(crate) struct Parsed {
    pub element: usize,
    pub signed_info: usize,
    pub c14n: Canonicalization,
    pub method: SignatureAlgorithm,
    pub reference: Reference,
    pub value: Vec<u8>,
    pub key: KeyInfo,
}

/// The one `Reference` of `SignedInfo`.
#[derive(Debug)]
pub(crate) struct Reference {
    pub uri: String,
    pub c14n: Canonicalization,
    pub digest: DigestAlgorithm,
    pub value: Vec<u8>,
}

/// What `KeyInfo` offers.
#[derive(Debug, Default)]
pub(crate) struct KeyInfo {
    pub certificates: Vec<Vec<u8>>,
    pub subject_names: Vec<String>,
    /// An in-band RSA key as (modulus, exponent).
    pub rsa: Option<(Vec<u8>, Vec<u8>)>,
}

/// The child elements of `at` in the XML-DSig namespace with this local name.
pub(crate) fn ds_children<'t>(tree: &'t Tree, at: usize, local: &'t str) -> impl Iterator<Item = usize> + 't {
    tree.child_elements(at).filter(move |&c| tree.elements[c].local == local && tree.element_namespace(c) == DSIG_NS)
}

fn one(tree: &Tree, at: usize, local: &str) -> Result<usize, SignatureError> {
    let mut found = ds_children(tree, at, local);
    match (found.next(), found.next()) {
        (Some(c), None) => Ok(c),
        (None, _) => Err(malformed(&format!("{} has no {local}", tree.elements[at].local))),
        (Some(_), Some(_)) => Err(malformed(&format!("{} has more than one {local}", tree.elements[at].local))),
    }
}

fn algorithm(tree: &Tree, at: usize) -> Result<&str, SignatureError> {
    tree.attr(at, "Algorithm").ok_or_else(|| malformed(&format!("{} has no Algorithm", tree.elements[at].local)))
}

pub(crate) fn base64(text: &str) -> Result<Vec<u8>, SignatureError> {
    let clean: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    STANDARD.decode(clean).map_err(|e| malformed(&format!("bad base64: {e}")))
}

/// Reads a `Signature` element; `allow_sha1` admits the legacy algorithms.
pub(crate) fn parse(tree: &Tree, element: usize, allow_sha1: bool) -> Result<Parsed, SignatureError> {
    let signed_info = one(tree, element, "SignedInfo")?;
    for c in tree.child_elements(signed_info) {
        let local = tree.elements[c].local.as_str();
        let known = matches!(local, "CanonicalizationMethod" | "SignatureMethod" | "Reference");
        if !known || tree.element_namespace(c) != DSIG_NS {
            return Err(malformed(&format!("unexpected element {local} in SignedInfo")));
        }
    }
    let c14n = canonicalization(tree, one(tree, signed_info, "CanonicalizationMethod")?)?;
    let method_uri = algorithm(tree, one(tree, signed_info, "SignatureMethod")?)?;
    let method = SignatureAlgorithm::from_uri(method_uri)
        .ok_or_else(|| SignatureError::UnsupportedAlgorithm(format!("signature method {method_uri}")))?;
    if method.is_legacy() && !allow_sha1 {
        return Err(SignatureError::UnsupportedAlgorithm(format!(
            "{} is legacy and not allowed (SHA-1)",
            method.as_str()
        )));
    }
    let reference = reference(tree, one(tree, signed_info, "Reference")?, allow_sha1)?;
    // Base64 that is not canonical (stray bits in the last character) is not the value signed.
    let value = base64(&tree.text(one(tree, element, "SignatureValue")?)).map_err(|_| SignatureError::BadSignature)?;
    let key = match ds_children(tree, element, "KeyInfo").next() {
        Some(k) => key_info(tree, k)?,
        None => KeyInfo::default(),
    };
    Ok(Parsed { element, signed_info, c14n, method, reference, value, key })
}

/// A canonicalization method or transform, with its `InclusiveNamespaces` prefix list.
fn canonicalization(tree: &Tree, at: usize) -> Result<Canonicalization, SignatureError> {
    let uri = algorithm(tree, at)?;
    let mut c14n = Canonicalization::from_uri(uri)
        .ok_or_else(|| SignatureError::UnsupportedAlgorithm(format!("canonicalization {uri}")))?;
    for c in tree.child_elements(at) {
        let e = &tree.elements[c];
        let is_list = e.local == "InclusiveNamespaces" && tree.element_namespace(c) == EXC_NS;
        match (&mut c14n, is_list) {
            (Canonicalization::Exclusive { prefixes, .. }, true) => {
                let list = tree.attr(c, "PrefixList").unwrap_or("");
                prefixes.extend(list.split_ascii_whitespace().map(str::to_owned));
            }
            _ => return Err(malformed(&format!("unexpected element {} in a canonicalization method", e.local))),
        }
    }
    Ok(c14n)
}

fn reference(tree: &Tree, at: usize, allow_sha1: bool) -> Result<Reference, SignatureError> {
    let uri = tree
        .attr(at, "URI")
        .ok_or_else(|| SignatureError::Wrapped("a Reference without URI points at nothing definite".to_owned()))?
        .to_owned();
    let mut enveloped = false;
    let mut c14n = None;
    if let Some(transforms) = ds_children(tree, at, "Transforms").next() {
        for t in tree.child_elements(transforms) {
            let alg = algorithm(tree, t)?;
            if c14n.is_some() {
                return Err(SignatureError::RefusedTransform(format!("{alg} after canonicalization")));
            }
            if alg == ENVELOPED && !enveloped {
                enveloped = true;
            } else if Canonicalization::from_uri(alg).is_some() {
                c14n = Some(canonicalization(tree, t)?);
            } else {
                return Err(SignatureError::RefusedTransform(alg.to_owned()));
            }
        }
    }
    if !enveloped {
        return Err(SignatureError::RefusedTransform("the enveloped-signature transform is missing".to_owned()));
    }
    let digest_uri = algorithm(tree, one(tree, at, "DigestMethod")?)?;
    let digest = DigestAlgorithm::from_uri(digest_uri)
        .ok_or_else(|| SignatureError::UnsupportedAlgorithm(format!("digest method {digest_uri}")))?;
    if digest == DigestAlgorithm::Sha1 && !allow_sha1 {
        return Err(SignatureError::UnsupportedAlgorithm("the SHA-1 digest is legacy and not allowed".to_owned()));
    }
    let value = base64(&tree.text(one(tree, at, "DigestValue")?)).map_err(|_| SignatureError::DigestMismatch)?;
    // Without a canonicalization transform, a node-set becomes octets by inclusive C14N 1.0.
    let c14n = c14n.unwrap_or(Canonicalization::Inclusive { v11: false, comments: false });
    Ok(Reference { uri, c14n, digest, value })
}

fn key_info(tree: &Tree, at: usize) -> Result<KeyInfo, SignatureError> {
    let mut key = KeyInfo::default();
    for data in ds_children(tree, at, "X509Data") {
        for c in ds_children(tree, data, "X509Certificate") {
            let der = base64(&tree.text(c))
                .map_err(|e| SignatureError::Untrusted(format!("an X509Certificate cannot be read: {e}")))?;
            key.certificates.push(der);
        }
        for c in ds_children(tree, data, "X509SubjectName") {
            key.subject_names.push(tree.text(c).trim().to_owned());
        }
    }
    for kv in ds_children(tree, at, "KeyValue") {
        if let Some(rsa) = ds_children(tree, kv, "RSAKeyValue").next() {
            let modulus = base64(&tree.text(one(tree, rsa, "Modulus")?))?;
            let exponent = base64(&tree.text(one(tree, rsa, "Exponent")?))?;
            key.rsa = Some((modulus, exponent));
        }
    }
    Ok(key)
}
