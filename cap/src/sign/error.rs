//! Why a signature was refused or a message could not be signed, each with a stable reason.

use super::x509::CertificateError;

/// Why verification failed. [`SignatureError::reason`] gives a stable short name for each.
///
/// Checks run in this order, so an error also says the earlier checks passed: the message's
/// structure and the placement of every `Signature`; each reference's transforms and digest;
/// the key and the signature value over `SignedInfo`; then the signer's certificate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The message has no `Signature` child of `<alert>`.
    #[error("the message is not signed")]
    Unsigned,
    /// The XML or the `Signature` element cannot be read.
    #[error("the signature cannot be read: {0}")]
    Malformed(String),
    /// An algorithm Tocsin does not implement, or a legacy one (SHA-1) the policy does not allow.
    #[error("unsupported algorithm: {0}")]
    UnsupportedAlgorithm(String),
    /// A transform other than enveloped-signature and canonicalization.
    #[error("refused transform: {0}")]
    RefusedTransform(String),
    /// The signature does not cover the `<alert>` that is processed (signature wrapping).
    #[error("signature wrapping refused: {0}")]
    Wrapped(String),
    /// The digest of the signed content differs: the message changed after signing.
    #[error("the digest of the signed content does not match: the message was changed after it was signed")]
    DigestMismatch,
    /// The signature value does not verify with the signer's key.
    #[error("the signature value does not verify with the signer's key")]
    BadSignature,
    /// No key to check the signature with (a certificate named but not configured, or an
    /// in-band key value the policy does not accept).
    #[error("unknown key: {0}")]
    UnknownKey(String),
    /// The signer's certificate does not lead to a trusted certificate.
    #[error("the signer's certificate is not trusted: {0}")]
    Untrusted(String),
    /// The signer's certificate (or one in its chain) has expired at the time of checking.
    #[error("the signer's certificate has expired: {0}")]
    Expired(String),
    /// The signer's certificate (or one in its chain) is not valid yet at the time of checking.
    #[error("the signer's certificate is not valid yet: {0}")]
    NotYetValid(String),
}

impl SignatureError {
    /// A stable short name for the reason, for logs, audit records and API errors.
    pub fn reason(&self) -> &'static str {
        match self {
            SignatureError::Unsigned => "unsigned",
            SignatureError::Malformed(_) => "malformed",
            SignatureError::UnsupportedAlgorithm(_) => "unsupported-algorithm",
            SignatureError::RefusedTransform(_) => "refused-transform",
            SignatureError::Wrapped(_) => "wrapped-reference",
            SignatureError::DigestMismatch => "digest-mismatch",
            SignatureError::BadSignature => "bad-signature",
            SignatureError::UnknownKey(_) => "unknown-key",
            SignatureError::Untrusted(_) => "untrusted-certificate",
            SignatureError::Expired(_) => "expired-certificate",
            SignatureError::NotYetValid(_) => "certificate-not-yet-valid",
        }
    }

    /// Whether the failure is about trust in the key rather than the message: the signature
    /// itself was checked and is intact.
    pub fn is_about_trust(&self) -> bool {
        matches!(
            self,
            SignatureError::UnknownKey(_)
                | SignatureError::Untrusted(_)
                | SignatureError::Expired(_)
                | SignatureError::NotYetValid(_)
        )
    }
}

/// Why a message could not be signed or a signing key could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigningError {
    /// The private key cannot be used.
    #[error("the private key cannot be used: {0}")]
    Key(String),
    /// The certificate chain cannot be read or does not match the key.
    #[error(transparent)]
    Certificate(#[from] CertificateError),
    /// The message cannot be signed as it is.
    #[error("the message cannot be signed: {0}")]
    Document(String),
}
