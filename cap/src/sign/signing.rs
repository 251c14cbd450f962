//! Signing a CAP message: an enveloped `ds:Signature` appended as the last child of `<alert>`,
//! over the whole document (`URI=""`), with exclusive C14N, SHA-256 and RSA or ECDSA P-256.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use quick_xml::Reader as XmlReader;
use quick_xml::events::Event;
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _, RSA_PKCS1_SHA256, RsaKeyPair};

use super::algorithms::{DSIG_NS, DigestAlgorithm, ENVELOPED, SignatureAlgorithm};
use super::c14n::{Canonicalization, Subset, canonicalize};
use super::error::SigningError;
use super::signature::ds_children;
use super::tree::Tree;
use super::x509::{Certificate, PublicKey, pem_blocks};

const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const DIGEST_MARK: &str = "TOCSIN-DIGEST-VALUE";
const VALUE_MARK: &str = "TOCSIN-SIGNATURE-VALUE";

/// A private key (RSA or ECDSA P-256) with its certificate chain, signer's certificate first.
pub struct SigningKey {
    pair: Pair,
    chain: Vec<Certificate>,
}

enum Pair {
    Rsa(RsaKeyPair),
    Ecdsa(EcdsaKeyPair),
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("algorithm", &self.algorithm())
            .field("subject", &self.chain[0].subject)
            .finish()
    }
}

impl SigningKey {
    /// Loads a PKCS#8 private key (`-----BEGIN PRIVATE KEY-----`) and a PEM certificate chain
    /// whose first certificate holds the key's public half.
    pub fn from_pem(key_pem: &[u8], chain_pem: &[u8]) -> Result<SigningKey, SigningError> {
        let keys = pem_blocks(key_pem, "PRIVATE KEY")?;
        let [der] = keys.as_slice() else {
            return Err(SigningError::Key("expected exactly one PKCS#8 PRIVATE KEY block".to_owned()));
        };
        let pair = match RsaKeyPair::from_pkcs8(der) {
            Ok(k) => Pair::Rsa(k),
            Err(rsa) => EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der, &SystemRandom::new())
                .map(Pair::Ecdsa)
                .map_err(|ec| SigningError::Key(format!("neither RSA ({rsa}) nor ECDSA P-256 ({ec})")))?,
        };
        let chain = Certificate::from_pem(chain_pem)?;
        let public = match &pair {
            Pair::Rsa(k) => PublicKey::Rsa(k.public_key().as_ref().to_vec()),
            Pair::Ecdsa(k) => PublicKey::EcP256(k.public_key().as_ref().to_vec()),
        };
        if chain[0].key != public {
            return Err(SigningError::Key("the first certificate does not hold this key's public key".to_owned()));
        }
        Ok(SigningKey { pair, chain })
    }

    /// The signature algorithm this key signs with.
    pub fn algorithm(&self) -> SignatureAlgorithm {
        match self.pair {
            Pair::Rsa(_) => SignatureAlgorithm::RsaSha256,
            Pair::Ecdsa(_) => SignatureAlgorithm::EcdsaP256Sha256,
        }
    }

    /// The signer's certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.chain[0]
    }

    fn sign_bytes(&self, message: &[u8]) -> Result<Vec<u8>, SigningError> {
        let rng = SystemRandom::new();
        let failed = |_| SigningError::Key("the signing operation failed".to_owned());
        match &self.pair {
            Pair::Rsa(k) => {
                let mut out = vec![0; k.public().modulus_len()];
                k.sign(&RSA_PKCS1_SHA256, &rng, message, &mut out).map_err(failed)?;
                Ok(out)
            }
            Pair::Ecdsa(k) => Ok(k.sign(&rng, message).map_err(failed)?.as_ref().to_vec()),
        }
    }
}

/// Signs a CAP message (UTF-8): returns the same bytes with an enveloped `ds:Signature`
/// inserted just before `</alert>`. A message that is signed already is refused.
pub fn sign(cap: &[u8], key: &SigningKey) -> Result<Vec<u8>, SigningError> {
    let text = std::str::from_utf8(cap).map_err(|_| doc("the message is not UTF-8"))?;
    let tree = Tree::parse(text).map_err(|e| doc(&e.to_string()))?;
    if tree.elements[tree.root].local != "alert" {
        return Err(doc("the root element is not <alert>"));
    }
    if ds_children(&tree, tree.root, "Signature").next().is_some() {
        return Err(doc("the message is signed already"));
    }
    let end = root_end_tag(text)?;
    let indent = if text[..end].ends_with('\n') { "  " } else { "" };
    let with = format!("{}{indent}{}\n{}", &text[..end], template(key), &text[end..]);

    let tree = Tree::parse(&with).map_err(|e| doc(&e.to_string()))?;
    let Some(sig) = ds_children(&tree, tree.root, "Signature").next() else {
        return Err(doc("the signature was not placed"));
    };
    let exc = Canonicalization::Exclusive { comments: false, prefixes: Vec::new() };
    let digest = DigestAlgorithm::Sha256.digest(&canonicalize(&tree, &exc, Subset { apex: None, omit: &[sig] }));
    let with = fill(&with, end, DIGEST_MARK, &STANDARD.encode(digest));

    let tree = Tree::parse(&with).map_err(|e| doc(&e.to_string()))?;
    let signed_info = ds_children(&tree, tree.root, "Signature")
        .next()
        .and_then(|s| ds_children(&tree, s, "SignedInfo").next())
        .ok_or_else(|| doc("the signature was not placed"))?;
    let value = key.sign_bytes(&canonicalize(&tree, &exc, Subset { apex: Some(signed_info), omit: &[] }))?;
    Ok(fill(&with, end, VALUE_MARK, &STANDARD.encode(value)).into_bytes())
}

/// Replaces a mark of the template (which starts at `from`, so text of the message before it,
/// however it reads, is never touched).
fn fill(text: &str, from: usize, mark: &str, value: &str) -> String {
    match text[from..].find(mark) {
        Some(i) => format!("{}{value}{}", &text[..from + i], &text[from + i + mark.len()..]),
        None => text.to_owned(),
    }
}

fn doc(what: &str) -> SigningError {
    SigningError::Document(what.to_owned())
}

/// The byte offset of the root element's end tag.
fn root_end_tag(text: &str) -> Result<usize, SigningError> {
    let mut xml = XmlReader::from_str(text);
    let mut depth = 0usize;
    loop {
        let before = usize::try_from(xml.buffer_position()).unwrap_or(usize::MAX);
        match xml.read_event().map_err(|e| doc(&e.to_string()))? {
            Event::Start(_) => depth += 1,
            Event::End(_) if depth == 1 => return Ok(before),
            Event::End(_) => depth -= 1,
            Event::Empty(_) if depth == 0 => return Err(doc("the <alert> element is empty")),
            Event::Eof => return Err(doc("the document ends before </alert>")),
            _ => {}
        }
    }
}

fn template(key: &SigningKey) -> String {
    let certs: String = key
        .chain
        .iter()
        .map(|c| format!("<ds:X509Certificate>{}</ds:X509Certificate>", STANDARD.encode(c.der())))
        .collect();
    format!(
        "<ds:Signature xmlns:ds=\"{DSIG_NS}\"><ds:SignedInfo>\
         <ds:CanonicalizationMethod Algorithm=\"{EXC_C14N}\"/>\
         <ds:SignatureMethod Algorithm=\"{method}\"/>\
         <ds:Reference URI=\"\"><ds:Transforms>\
         <ds:Transform Algorithm=\"{ENVELOPED}\"/><ds:Transform Algorithm=\"{EXC_C14N}\"/>\
         </ds:Transforms><ds:DigestMethod Algorithm=\"{digest}\"/>\
         <ds:DigestValue>{DIGEST_MARK}</ds:DigestValue></ds:Reference></ds:SignedInfo>\
         <ds:SignatureValue>{VALUE_MARK}</ds:SignatureValue>\
         <ds:KeyInfo><ds:X509Data>{certs}</ds:X509Data></ds:KeyInfo></ds:Signature>",
        method = key.algorithm().uri(),
        digest = DigestAlgorithm::Sha256.uri(),
    )
}
