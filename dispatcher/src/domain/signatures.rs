//! XML signatures on CAP for the dispatcher: the signing key and trust policy loaded from
//! `[signing]` and `[trust]` at start, [`sign`] for every message Tocsin freezes, and
//! [`verify`] / [`check`] for CAP that comes in (posted, and later feeds and cascades).

use anyhow::Context;
use cap_alerts::sign::{self as dsig, Certificate, SignatureError, Signer, SigningKey, TrustPolicy};

use crate::app::App;
use crate::config::Settings;
use crate::domain::error::{Error, Result};

/// The loaded key and trust policy.
#[derive(Debug)]
pub struct Signatures {
    key: Option<SigningKey>,
    trust: TrustPolicy,
}

impl Signatures {
    /// Loads `[signing]` and `[trust]`; a file that cannot be read or a key that does not
    /// match its certificate stops the start.
    pub fn load(settings: &Settings) -> anyhow::Result<Signatures> {
        let s = &settings.signing;
        let key = if s.is_configured() {
            let pem = match s.key_file.as_str() {
                "" => s.key.expose().as_bytes().to_vec(),
                file => std::fs::read(file).with_context(|| format!("reading signing.key_file {file}"))?,
            };
            let chain = std::fs::read(&s.certificate_file)
                .with_context(|| format!("reading signing.certificate_file {:?}", s.certificate_file))?;
            Some(SigningKey::from_pem(&pem, &chain).context("loading the [signing] key and certificate")?)
        } else {
            None
        };
        let mut trusted = Vec::new();
        for file in &settings.trust.certificates {
            let pem = std::fs::read(file).with_context(|| format!("reading trust.certificates {file}"))?;
            trusted.extend(Certificate::from_pem(&pem).with_context(|| format!("trust.certificates {file}"))?);
        }
        let trust = TrustPolicy {
            trusted,
            allow_sha1: settings.trust.allow_legacy_sha1,
            allow_key_value: false,
            max_bytes: settings.cap.max_bytes,
        };
        Ok(Signatures { key, trust })
    }

    /// Says once, at start, whether messages are signed and by whom, and warns when the
    /// signing certificate has expired or expires within 30 days (receivers would refuse).
    pub fn log_start(&self) {
        let Some(k) = &self.key else {
            tracing::info!("CAP messages are not signed: no [signing] key is configured");
            return;
        };
        let cert = k.certificate();
        tracing::info!(algorithm = k.algorithm().as_str(), subject = %cert.subject, "CAP messages are signed");
        let days_left = (cert.not_after - chrono::Utc::now().timestamp()) / 86_400;
        if days_left < 30 {
            tracing::warn!(subject = %cert.subject, days_left, "the signing certificate expires soon or has expired");
        }
    }
}

/// Signs a CAP message Tocsin made, if a key is configured; otherwise gives it back.
pub fn sign(app: &App, xml: &[u8]) -> Result<Vec<u8>> {
    match &app.signatures.key {
        Some(key) => dsig::sign(xml, key).map_err(|e| Error::Internal(anyhow::anyhow!("signing the CAP message: {e}"))),
        None => Ok(xml.to_vec()),
    }
}

/// What checking a message's signature found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    /// The message has no signature.
    Unsigned,
    /// Signed, intact, by a trusted signer.
    Verified(Signer),
    /// Signed and intact, but the signer is not trusted (unknown key, untrusted or expired
    /// certificate): as good as unsigned.
    Untrusted(SignatureError),
}

/// Checks a message's signature now. A broken signature (changed message, bad value,
/// wrapping, unsupported algorithm, malformed) is an error; whether an untrusted or missing
/// signature is acceptable is the caller's decision (see [`verify`]).
pub fn check(app: &App, bytes: &[u8]) -> Result<Checked> {
    match dsig::verify(bytes, &app.signatures.trust, chrono::Utc::now().timestamp()) {
        Ok(v) => Ok(v.signers.into_iter().next().map_or(Checked::Unsigned, Checked::Verified)),
        Err(SignatureError::Unsigned) => Ok(Checked::Unsigned),
        Err(e) if e.is_about_trust() => Ok(Checked::Untrusted(e)),
        Err(e) => Err(Error::Signature(e)),
    }
}

impl Checked {
    /// The outcome if a signature is required (`must_sign`): unsigned and untrusted become
    /// errors.
    pub fn required(self, must_sign: bool) -> Result<Checked> {
        match self {
            Checked::Unsigned if must_sign => Err(Error::Signature(SignatureError::Unsigned)),
            Checked::Untrusted(e) if must_sign => Err(Error::Signature(e)),
            other => Ok(other),
        }
    }

    /// What the audit record says of the signature.
    pub fn audit(&self) -> serde_json::Value {
        match self {
            Checked::Verified(s) => serde_json::json!({
                "verified": true, "signer": s.subject, "issuer": s.issuer, "algorithm": s.algorithm.as_str()
            }),
            Checked::Unsigned => serde_json::json!({ "verified": false, "reason": "unsigned" }),
            Checked::Untrusted(e) => {
                serde_json::json!({ "verified": false, "reason": e.reason(), "detail": e.to_string() })
            }
        }
    }
}

/// Verifies a message: `Some(signer)` when a trusted signer signed it, `None` when it is
/// unsigned or its signer is not trusted and `must_sign` is false. A broken signature is
/// always refused; with `must_sign`, so are unsigned and untrusted messages.
pub fn verify(app: &App, bytes: &[u8], must_sign: bool) -> Result<Option<Signer>> {
    match check(app, bytes)?.required(must_sign)? {
        Checked::Verified(s) => Ok(Some(s)),
        Checked::Unsigned | Checked::Untrusted(_) => Ok(None),
    }
}
