//! VAPID (RFC 8292): the application server's P-256 key, and the ES256 JWT that identifies it to
//! each push service, signed once per push-service origin and reused until shortly before it
//! expires.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};

use super::PushError;

/// How long a token is valid: RFC 8292 allows at most 24 hours; 12 leaves room for clock skew.
pub const TOKEN_LIFETIME_SECS: u64 = 12 * 3600;
/// A cached token is replaced when less than this is left of it.
pub const RENEW_BEFORE_SECS: u64 = 3600;
/// More origins than this in the cache means something odd (real subscriptions come from a
/// handful of push services): the cache is emptied rather than allowed to grow.
const MAX_ORIGINS: usize = 1024;

/// The application server's VAPID key: a P-256 ECDSA key pair. Cheap to clone.
#[derive(Clone)]
pub struct VapidKey(Arc<KeyInner>);

struct KeyInner {
    pair: EcdsaKeyPair,
    public: String,
}

impl std::fmt::Debug for VapidKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The private key stays out of logs; the public key identifies it.
        f.debug_tuple("VapidKey").field(&self.0.public).finish()
    }
}

impl VapidKey {
    /// A new key pair as a PKCS#8 document, to be stored as a secret and loaded with
    /// [`VapidKey::from_pkcs8`].
    pub fn generate() -> Result<Vec<u8>, PushError> {
        let rng = SystemRandom::new();
        let doc =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).map_err(|_| PushError::Random)?;
        Ok(doc.as_ref().to_vec())
    }

    /// Loads a key from its PKCS#8 document.
    pub fn from_pkcs8(pkcs8: &[u8]) -> Result<VapidKey, PushError> {
        let rng = SystemRandom::new();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8, &rng)
            .map_err(|_| PushError::BadVapidKey)?;
        let public = URL_SAFE_NO_PAD.encode(pair.public_key().as_ref());
        Ok(VapidKey(Arc::new(KeyInner { pair, public })))
    }

    /// The public key as browsers take it for `applicationServerKey`: the uncompressed
    /// 65-byte point in base64url without padding.
    pub fn public_key(&self) -> String {
        self.0.public.clone()
    }

    /// A signed ES256 JWT (RFC 7515 compact form) with the claims `aud`, `exp` and `sub`.
    fn sign(&self, rng: &SystemRandom, aud: &str, exp: u64, sub: &str) -> Result<String, PushError> {
        // {"typ":"JWT","alg":"ES256"}, fixed, so encoded once by hand.
        const HEADER: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiJ9";
        let claims = serde_json::json!({ "aud": aud, "exp": exp, "sub": sub });
        let mut jwt = format!("{HEADER}.{}", URL_SAFE_NO_PAD.encode(claims.to_string()));
        let sig = self.0.pair.sign(rng, jwt.as_bytes()).map_err(|_| PushError::Signing)?;
        jwt.push('.');
        jwt.push_str(&URL_SAFE_NO_PAD.encode(sig.as_ref()));
        Ok(jwt)
    }
}

/// The `Authorization` headers in use, one per push-service origin.
pub struct Tokens {
    key: VapidKey,
    subject: String,
    cache: Mutex<HashMap<String, Token>>,
}

struct Token {
    header: Arc<str>,
    exp: u64,
}

impl Tokens {
    /// Tokens for `key`, naming `subject` as the contact.
    pub fn new(key: VapidKey, subject: String) -> Self {
        Tokens { key, subject, cache: Mutex::new(HashMap::new()) }
    }

    /// The `Authorization` header value (`vapid t=JWT, k=KEY`) for requests to `origin` at
    /// Unix time `now`: the cached one while more than an hour of it is left, else a new one.
    pub fn header(&self, rng: &SystemRandom, origin: &str, now: u64) -> Result<Arc<str>, PushError> {
        let mut cache = self.cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(t) = cache.get(origin)
            && t.exp > now + RENEW_BEFORE_SECS
        {
            return Ok(Arc::clone(&t.header));
        }
        let exp = now + TOKEN_LIFETIME_SECS;
        let jwt = self.key.sign(rng, origin, exp, &self.subject)?;
        let header: Arc<str> = Arc::from(format!("vapid t={jwt}, k={}", self.key.0.public));
        if cache.len() >= MAX_ORIGINS {
            cache.clear();
        }
        cache.insert(origin.to_owned(), Token { header: Arc::clone(&header), exp });
        Ok(header)
    }
}

/// Checks a VAPID subject: a `mailto:` or `https:` URI (RFC 8292 section 2.1).
pub fn check_subject(subject: &str) -> Result<(), PushError> {
    let ok = |rest: &str| !rest.trim().is_empty() && !rest.chars().any(char::is_whitespace);
    match (subject.strip_prefix("mailto:"), subject.strip_prefix("https://")) {
        (Some(addr), _) if ok(addr) && addr.contains('@') => Ok(()),
        (_, Some(rest)) if ok(rest) => Ok(()),
        _ => Err(PushError::BadSubject),
    }
}

#[cfg(test)]
mod tests {
    use ring::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};

    use super::*;

    fn key() -> VapidKey {
        VapidKey::from_pkcs8(&VapidKey::generate().unwrap()).unwrap()
    }

    fn claims(header: &str) -> serde_json::Value {
        let jwt = header.strip_prefix("vapid t=").unwrap().split(',').next().unwrap();
        let claims = jwt.split('.').nth(1).unwrap();
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).unwrap()).unwrap()
    }

    #[test]
    fn tokens_are_signed_for_the_origin_and_verify() {
        let k = key();
        let tokens = Tokens::new(k.clone(), "mailto:ops@example.org".into());
        let h = tokens.header(&SystemRandom::new(), "https://push.example:8443", 1_000).unwrap();
        assert!(h.ends_with(&format!(", k={}", k.public_key())));
        let c = claims(&h);
        assert_eq!(c["aud"], "https://push.example:8443");
        assert_eq!(c["exp"], 1_000 + TOKEN_LIFETIME_SECS);
        assert_eq!(c["sub"], "mailto:ops@example.org");
        let jwt = h.strip_prefix("vapid t=").unwrap().split(',').next().unwrap();
        let (input, sig) = jwt.rsplit_once('.').unwrap();
        let public = URL_SAFE_NO_PAD.decode(k.public_key()).unwrap();
        assert_eq!(public.len(), 65);
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, public)
            .verify(input.as_bytes(), &URL_SAFE_NO_PAD.decode(sig).unwrap())
            .unwrap();
    }

    #[test]
    fn tokens_are_reused_per_origin_until_an_hour_before_expiry() {
        let tokens = Tokens::new(key(), "https://example.org/contact".into());
        let rng = SystemRandom::new();
        let first = tokens.header(&rng, "https://a.example", 0).unwrap();
        assert_eq!(
            first,
            tokens.header(&rng, "https://a.example", TOKEN_LIFETIME_SECS - RENEW_BEFORE_SECS - 1).unwrap()
        );
        assert_ne!(first, tokens.header(&rng, "https://b.example", 0).unwrap());
        let renewed = tokens.header(&rng, "https://a.example", TOKEN_LIFETIME_SECS - RENEW_BEFORE_SECS).unwrap();
        assert_ne!(first, renewed);
        assert_eq!(claims(&renewed)["exp"], 2 * TOKEN_LIFETIME_SECS - RENEW_BEFORE_SECS);
    }

    #[test]
    fn keys_round_trip_and_bad_ones_are_refused() {
        let doc = VapidKey::generate().unwrap();
        assert_eq!(VapidKey::from_pkcs8(&doc).unwrap().public_key(), VapidKey::from_pkcs8(&doc).unwrap().public_key());
        assert_eq!(VapidKey::from_pkcs8(b"not a key").unwrap_err(), PushError::BadVapidKey);
        assert!(!format!("{:?}", VapidKey::from_pkcs8(&doc).unwrap()).contains("Pair"));
    }

    #[test]
    fn subjects_are_contacts() {
        assert!(check_subject("mailto:ops@example.org").is_ok());
        assert!(check_subject("https://example.org/").is_ok());
        for bad in ["", "ops@example.org", "mailto:", "mailto:nobody", "http://example.org", "https:// x"] {
            assert_eq!(check_subject(bad), Err(PushError::BadSubject), "{bad}");
        }
    }
}
