//! `[signing]` and `[trust]`: the key Tocsin signs its CAP messages with, and the certificates
//! it trusts when it verifies the signatures of CAP it receives.

use serde::{Deserialize, Serialize};

use super::Secret;

/// `[signing]`. With no key, messages go out unsigned.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Signing {
    /// A PKCS#8 private key in PEM (`-----BEGIN PRIVATE KEY-----`), RSA or ECDSA P-256.
    pub key_file: String,
    /// The same key as PEM text (for an environment variable, `TOCSIN_SIGNING_KEY`); a secret.
    /// Used when `key_file` is empty.
    pub key: Secret,
    /// The signer's certificate in PEM, followed by any intermediate CA certificates.
    pub certificate_file: String,
}

impl Signing {
    /// Whether a key is configured.
    pub fn is_configured(&self) -> bool {
        !self.key_file.is_empty() || !self.key.is_empty()
    }
}

/// `[trust]`
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Trust {
    /// PEM files of trusted certificates: a signer's own certificate, or a CA certificate
    /// that signers' certificates must chain to.
    pub certificates: Vec<String>,
    /// Accept the legacy SHA-1 digest and RSA-SHA1 signatures of old messages.
    pub allow_legacy_sha1: bool,
}
