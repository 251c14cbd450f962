//! Which key made a signature, and whether to trust it: the signature value checked with ring,
//! then the signer's certificate matched against the configured certificates or chained to
//! them with rustls-webpki, at a given time.

use std::time::Duration;

use ring::signature::{self as sig, UnparsedPublicKey};
use rustls_pki_types::{CertificateDer, TrustAnchor, UnixTime};
use webpki::{EndEntityCert, KeyUsage};

use super::algorithms::{DigestAlgorithm, SignatureAlgorithm};
use super::error::SignatureError;
use super::signature::KeyInfo;
use super::x509::{Certificate, PublicKey};
use super::{Signer, TrustBasis, TrustPolicy};

/// Extended key usages a signing certificate may carry (any one will do; none at all is fine).
const USAGES: [&[u8]; 4] = [
    &[0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x04], // emailProtection
    &[0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x03], // codeSigning
    &[0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02], // clientAuth
    &[0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01], // serverAuth
];

/// Whether a certificate's key made `signature` over `message`.
fn verifies(key: &PublicKey, alg: SignatureAlgorithm, message: &[u8], signature: &[u8]) -> bool {
    let (params, bytes): (&dyn sig::VerificationAlgorithm, &[u8]) = match (key, alg) {
        (PublicKey::Rsa(k), SignatureAlgorithm::RsaSha256) => (&sig::RSA_PKCS1_2048_8192_SHA256, k),
        (PublicKey::Rsa(k), SignatureAlgorithm::RsaSha1) => (&sig::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY, k),
        (PublicKey::EcP256(k), SignatureAlgorithm::EcdsaP256Sha256) => (&sig::ECDSA_P256_SHA256_FIXED, k),
        _ => return false,
    };
    UnparsedPublicKey::new(params, bytes).verify(message, signature).is_ok()
}

/// Finds the key that made the signature and decides whether to trust it.
pub(crate) fn signer(
    key: &KeyInfo,
    alg: SignatureAlgorithm,
    message: &[u8],
    signature: &[u8],
    policy: &TrustPolicy,
    at: i64,
) -> Result<Signer, SignatureError> {
    let signer = |subject: String, issuer: Option<String>, trust| Signer {
        subject,
        issuer,
        algorithm: alg,
        digest: DigestAlgorithm::Sha256,
        trust,
    };
    if !key.certificates.is_empty() {
        let certs = key
            .certificates
            .iter()
            .map(|der| Certificate::from_der(der).map_err(|e| SignatureError::Untrusted(e.to_string())))
            .collect::<Result<Vec<_>, _>>()?;
        let Some(pos) = certs.iter().position(|c| verifies(&c.key, alg, message, signature)) else {
            return Err(SignatureError::BadSignature);
        };
        let trust = trust(&certs[pos], &certs, policy, at)?;
        return Ok(signer(certs[pos].subject.clone(), Some(certs[pos].issuer.clone()), trust));
    }
    if let Some((modulus, exponent)) = &key.rsa {
        if !policy.allow_key_value {
            return Err(SignatureError::UnknownKey(
                "the signature carries only an RSAKeyValue, and in-band keys are not accepted".to_owned(),
            ));
        }
        let params = match alg {
            SignatureAlgorithm::RsaSha256 => &sig::RSA_PKCS1_2048_8192_SHA256,
            SignatureAlgorithm::RsaSha1 => &sig::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
            SignatureAlgorithm::EcdsaP256Sha256 => return Err(SignatureError::BadSignature),
        };
        let n = strip_zeros(modulus);
        let components = sig::RsaPublicKeyComponents { n, e: strip_zeros(exponent) };
        components.verify(params, message, signature).map_err(|_| SignatureError::BadSignature)?;
        return Ok(signer("in-band RSAKeyValue".to_owned(), None, TrustBasis::InBandKey));
    }
    // Only a name (IPAWS sends X509SubjectName): the key must be one of the configured certificates.
    for c in &policy.trusted {
        if verifies(&c.key, alg, message, signature) {
            check_validity(c, at)?;
            return Ok(signer(c.subject.clone(), Some(c.issuer.clone()), TrustBasis::Pinned));
        }
    }
    let named = key.subject_names.first().map(|n| format!(" (it names {n})")).unwrap_or_default();
    Err(SignatureError::UnknownKey(format!(
        "the signature carries no certificate or key, and no configured certificate's key verifies it{named}"
    )))
}

fn strip_zeros(b: &[u8]) -> &[u8] {
    let first = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    &b[first..]
}

fn check_validity(c: &Certificate, at: i64) -> Result<(), SignatureError> {
    let when = |t: i64| chrono::DateTime::from_timestamp(t, 0).map(|d| d.to_rfc3339()).unwrap_or_default();
    if at < c.not_before {
        return Err(SignatureError::NotYetValid(format!("{} is valid from {}", c.subject, when(c.not_before))));
    }
    if at > c.not_after {
        return Err(SignatureError::Expired(format!("{} was valid until {}", c.subject, when(c.not_after))));
    }
    Ok(())
}

/// Trusts the signer's certificate if it is one of the configured certificates (and valid at
/// `at`), or if it chains to one of them through the message's other certificates.
fn trust(cert: &Certificate, all: &[Certificate], policy: &TrustPolicy, at: i64) -> Result<TrustBasis, SignatureError> {
    if policy.trusted.iter().any(|t| t.der() == cert.der()) {
        check_validity(cert, at)?;
        return Ok(TrustBasis::Pinned);
    }
    let anchor_ders: Vec<CertificateDer<'_>> = policy.trusted.iter().map(|c| CertificateDer::from(c.der())).collect();
    let (anchors, names): (Vec<TrustAnchor<'_>>, Vec<&str>) = anchor_ders
        .iter()
        .zip(&policy.trusted)
        .filter_map(|(d, c)| webpki::anchor_from_trusted_cert(d).ok().map(|a| (a, c.subject.as_str())))
        .unzip();
    let intermediates: Vec<CertificateDer<'_>> =
        all.iter().filter(|c| c.der() != cert.der()).map(|c| CertificateDer::from(c.der())).collect();
    let ee_der = CertificateDer::from(cert.der());
    let ee = EndEntityCert::try_from(&ee_der).map_err(|e| SignatureError::Untrusted(format!("{e}")))?;
    let time = UnixTime::since_unix_epoch(Duration::from_secs(u64::try_from(at).unwrap_or(0)));
    let algs = webpki::ALL_VERIFICATION_ALGS;
    let mut error = None;
    for usage in USAGES {
        match ee.verify_for_usage(
            algs,
            &anchors,
            &intermediates,
            time,
            KeyUsage::required_if_present(usage),
            None,
            None,
        ) {
            Ok(path) => {
                let anchor = anchors.iter().position(|a| std::ptr::eq(a, path.anchor()));
                return Ok(TrustBasis::Chain(anchor.map(|i| names[i].to_owned()).unwrap_or_default()));
            }
            // An unmet key usage matters only if nothing else is wrong.
            Err(e @ webpki::Error::RequiredEkuNotFoundContext(_)) => {
                error.get_or_insert(e);
            }
            Err(e) => error = Some(e),
        }
    }
    Err(map_webpki(cert, error))
}

fn map_webpki(cert: &Certificate, e: Option<webpki::Error>) -> SignatureError {
    match e {
        Some(webpki::Error::CertExpired { .. }) => SignatureError::Expired(format!("{} or its chain", cert.subject)),
        Some(webpki::Error::CertNotValidYet { .. }) => {
            SignatureError::NotYetValid(format!("{} or its chain", cert.subject))
        }
        Some(webpki::Error::UnknownIssuer) => SignatureError::Untrusted(format!(
            "{} (issued by {}) does not chain to a configured certificate",
            cert.subject, cert.issuer
        )),
        Some(other) => SignatureError::Untrusted(format!("{}: {other}", cert.subject)),
        None => SignatureError::Untrusted(cert.subject.clone()),
    }
}
