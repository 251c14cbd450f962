//! XML signatures (XML-DSig) on CAP messages: [`sign`] and [`verify`].
//!
//! **Signing** appends an enveloped `ds:Signature` as the last child of `<alert>` (CAP 1.2
//! allows any namespace there): one `Reference URI=""` over the whole message, transforms
//! enveloped-signature and exclusive C14N, digest SHA-256, `SignedInfo` in exclusive C14N,
//! RSA-SHA256 or ECDSA-SHA256 (r‖s), and the certificate chain in `KeyInfo/X509Data`.
//!
//! **Verifying** checks, in this order, and stops at the first failure:
//! 1. the message is a CAP `<alert>`, and every `ds:Signature` is a child of it (a signature
//!    elsewhere is signature wrapping: [`SignatureError::Wrapped`]);
//! 2. each signature has one `Reference`, either `URI=""` or `#id` where the id belongs to the
//!    root `<alert>` and to no other element; transforms are enveloped-signature and at most one
//!    canonicalization (inclusive or exclusive C14N 1.0, C14N 1.1, with or without comments),
//!    anything else is refused ([`SignatureError::RefusedTransform`]);
//! 3. the digest (SHA-256; SHA-1 only if [`TrustPolicy::allow_sha1`]);
//! 4. the signature value over the canonical `SignedInfo` (RSA-SHA256, ECDSA-SHA256;
//!    RSA-SHA1 only if allowed), with the key from `X509Certificate`, or, when the signature
//!    only names its certificate (IPAWS's `X509SubjectName`), with a configured certificate, or
//!    from an in-band `RSAKeyValue` only if [`TrustPolicy::allow_key_value`];
//! 5. trust: the signer's certificate is one of [`TrustPolicy::trusted`], or chains to one of
//!    them through the message's other certificates (rustls-webpki), valid at the given time.
//!
//! With several signatures, each must pass 1 to 4; the message is verified when at least one
//! also passes 5, and [`Verified::signers`] lists those that did.
//!
//! ```
//! use cap_alerts::sign::{SignatureError, TrustPolicy, verify};
//! let unsigned = br#"<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>x</identifier></alert>"#;
//! assert_eq!(verify(unsigned, &TrustPolicy::default(), 0), Err(SignatureError::Unsigned));
//! ```

mod algorithms;
mod c14n;
mod error;
mod signature;
mod signing;
mod tree;
mod trust;
mod verify;
mod x509;

pub use algorithms::{DigestAlgorithm, SignatureAlgorithm};
pub use c14n::{Canonicalization, canonicalize_document};
pub use error::{SignatureError, SigningError};
pub use signing::{SigningKey, sign};
pub use verify::verify;
pub use x509::{Certificate, CertificateError};

/// What a verifier trusts.
#[derive(Clone, Debug)]
pub struct TrustPolicy {
    /// Trusted certificates: a signer's own certificate (pinned), or a CA certificate its
    /// chain must reach.
    pub trusted: Vec<Certificate>,
    /// Accept the legacy SHA-1 digest and RSA-SHA1 signature (old messages; off by default).
    pub allow_sha1: bool,
    /// Accept a key carried in the message itself (`RSAKeyValue`). Anyone can make such a
    /// signature, so it proves only that the message is intact. Off by default.
    pub allow_key_value: bool,
    /// The largest message read, in bytes.
    pub max_bytes: usize,
}

impl Default for TrustPolicy {
    fn default() -> Self {
        TrustPolicy { trusted: Vec::new(), allow_sha1: false, allow_key_value: false, max_bytes: 8 * 1024 * 1024 }
    }
}

/// A verified message: who signed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// The trusted signatures, in document order (at least one).
    pub signers: Vec<Signer>,
}

/// One verified signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signer {
    /// The signer's certificate subject (`CN=…, O=…`), or `in-band RSAKeyValue`.
    pub subject: String,
    /// The certificate's issuer, when there is a certificate.
    pub issuer: Option<String>,
    /// The signature algorithm.
    pub algorithm: SignatureAlgorithm,
    /// The reference's digest algorithm.
    pub digest: DigestAlgorithm,
    /// Why the key is trusted.
    pub trust: TrustBasis,
}

/// Why a signer's key is trusted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TrustBasis {
    /// The certificate is one of the trusted certificates.
    Pinned,
    /// The certificate chains to the trusted certificate with this subject.
    Chain(String),
    /// The key came with the message and the policy accepts such keys.
    InBandKey,
}
