//! The digest and signature algorithms, by their XML-DSig URIs.

/// The XML-DSig namespace.
pub(crate) const DSIG_NS: &str = "http://www.w3.org/2000/09/xmldsig#";
/// The namespace of exclusive canonicalization's `InclusiveNamespaces`.
pub(crate) const EXC_NS: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
/// The enveloped-signature transform.
pub(crate) const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

/// A digest algorithm for a reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DigestAlgorithm {
    /// SHA-256.
    Sha256,
    /// SHA-1: legacy, accepted only when the policy allows it.
    Sha1,
}

impl DigestAlgorithm {
    pub(crate) fn from_uri(uri: &str) -> Option<Self> {
        match uri {
            "http://www.w3.org/2001/04/xmlenc#sha256" => Some(DigestAlgorithm::Sha256),
            "http://www.w3.org/2000/09/xmldsig#sha1" => Some(DigestAlgorithm::Sha1),
            _ => None,
        }
    }

    /// The algorithm's URI.
    pub fn uri(self) -> &'static str {
        match self {
            DigestAlgorithm::Sha256 => "http://www.w3.org/2001/04/xmlenc#sha256",
            DigestAlgorithm::Sha1 => "http://www.w3.org/2000/09/xmldsig#sha1",
        }
    }

    pub(crate) fn digest(self, data: &[u8]) -> Vec<u8> {
        let alg = match self {
            DigestAlgorithm::Sha256 => &ring::digest::SHA256,
            DigestAlgorithm::Sha1 => &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
        };
        ring::digest::digest(alg, data).as_ref().to_vec()
    }
}

/// A signature algorithm over `SignedInfo`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureAlgorithm {
    /// RSA PKCS#1 v1.5 with SHA-256.
    RsaSha256,
    /// ECDSA on P-256 with SHA-256, the signature as r‖s (XML-DSig's form, not DER).
    EcdsaP256Sha256,
    /// RSA PKCS#1 v1.5 with SHA-1: legacy, accepted only when the policy allows it.
    RsaSha1,
}

impl SignatureAlgorithm {
    pub(crate) fn from_uri(uri: &str) -> Option<Self> {
        match uri {
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" => Some(SignatureAlgorithm::RsaSha256),
            "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256" => Some(SignatureAlgorithm::EcdsaP256Sha256),
            "http://www.w3.org/2000/09/xmldsig#rsa-sha1" => Some(SignatureAlgorithm::RsaSha1),
            _ => None,
        }
    }

    /// The algorithm's URI.
    pub fn uri(self) -> &'static str {
        match self {
            SignatureAlgorithm::RsaSha256 => "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            SignatureAlgorithm::EcdsaP256Sha256 => "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
            SignatureAlgorithm::RsaSha1 => "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
        }
    }

    /// A short name: `rsa-sha256`, `ecdsa-sha256` or `rsa-sha1`.
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureAlgorithm::RsaSha256 => "rsa-sha256",
            SignatureAlgorithm::EcdsaP256Sha256 => "ecdsa-sha256",
            SignatureAlgorithm::RsaSha1 => "rsa-sha1",
        }
    }

    /// Whether this is a legacy SHA-1 algorithm.
    pub(crate) fn is_legacy(self) -> bool {
        self == SignatureAlgorithm::RsaSha1
    }
}
