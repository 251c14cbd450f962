//! Cryptographic helpers on ring: random tokens, SHA-256, constant-time comparison, and
//! authenticated encryption of stored secrets.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::aead::{self, Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

/// `n` random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    // The system random source does not fail on supported platforms; if it ever did, a zero
    // token would be rejected by `token_from_parts` callers as not random enough, so panic
    // early rather than hand out predictable secrets.
    #[allow(clippy::expect_used)]
    SystemRandom::new().fill(&mut buf).expect("the system random source failed");
    buf
}

/// A random token of 32 bytes as URL-safe base64 (43 characters).
pub fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

/// SHA-256 of bytes, as lowercase hex.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, data))
}

/// Whether two byte strings are equal, in time that does not depend on where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The key that encrypts secrets at rest (ChaCha20-Poly1305), and a lookup key derived from it
/// for keyed hashes of personal data (HMAC-SHA256).
#[derive(Clone)]
pub struct SecretKey(LessSafeKey, ring::hmac::Key);

/// A key or ciphertext that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// The key is not 32 bytes of base64.
    #[error("the key must be 32 random bytes in base64 (for example from `openssl rand -base64 32`)")]
    BadKey,
    /// The ciphertext was altered or encrypted with another key.
    #[error("a stored secret could not be decrypted: it was altered or encrypted with another key")]
    Undecryptable,
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey([redacted])")
    }
}

impl SecretKey {
    /// A new random key, as base64 for its file or setting.
    pub fn generate_base64() -> String {
        STANDARD.encode(random_bytes::<32>())
    }

    /// The key from base64.
    pub fn from_base64(text: &str) -> Result<Self, CryptoError> {
        let bytes = STANDARD.decode(text.trim()).map_err(|_| CryptoError::BadKey)?;
        Self::from_bytes(&bytes)
    }

    fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        if bytes.len() != 32 {
            return Err(CryptoError::BadKey);
        }
        let key = UnboundKey::new(&CHACHA20_POLY1305, bytes).map_err(|_| CryptoError::BadKey)?;
        let derive = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, bytes);
        let lookup = ring::hmac::sign(&derive, b"tocsin lookup key v1");
        Ok(SecretKey(LessSafeKey::new(key), ring::hmac::Key::new(ring::hmac::HMAC_SHA256, lookup.as_ref())))
    }

    /// Encrypts a secret; `context` binds it to where it is stored (for example `totp:42`).
    pub fn encrypt(&self, plaintext: &[u8], context: &str) -> String {
        let nonce_bytes = random_bytes::<12>();
        let mut buf = plaintext.to_vec();
        let nonce = Nonce::assume_unique_for_key(nonce_bytes);
        // Sealing cannot fail for inputs under ChaCha20-Poly1305's 256 GiB limit.
        if self.0.seal_in_place_append_tag(nonce, Aad::from(context.as_bytes()), &mut buf).is_err() {
            return String::new();
        }
        let mut out = nonce_bytes.to_vec();
        out.extend_from_slice(&buf);
        STANDARD.encode(out)
    }

    /// A keyed hash (hex) for finding personal data again without storing it in the clear.
    pub fn lookup_hash(&self, context: &str, value: &str) -> String {
        let mut ctx = ring::hmac::Context::with_key(&self.1);
        ctx.update(context.as_bytes());
        ctx.update(b"\0");
        ctx.update(value.as_bytes());
        hex::encode(ctx.sign().as_ref())
    }

    /// Decrypts what [`SecretKey::encrypt`] made with the same context.
    pub fn decrypt(&self, ciphertext: &str, context: &str) -> Result<Vec<u8>, CryptoError> {
        let raw = STANDARD.decode(ciphertext).map_err(|_| CryptoError::Undecryptable)?;
        if raw.len() < 12 + aead::CHACHA20_POLY1305.tag_len() {
            return Err(CryptoError::Undecryptable);
        }
        let (nonce, sealed) = raw.split_at(12);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| CryptoError::Undecryptable)?;
        let mut buf = sealed.to_vec();
        let plain = self
            .0
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut buf)
            .map_err(|_| CryptoError::Undecryptable)?;
        Ok(plain.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_round_trip_and_are_bound_to_their_context() {
        let k = SecretKey::from_base64(&SecretKey::generate_base64()).unwrap();
        let c = k.encrypt(b"JBSWY3DPEHPK3PXP", "totp:1");
        assert_eq!(k.decrypt(&c, "totp:1").unwrap(), b"JBSWY3DPEHPK3PXP");
        assert!(k.decrypt(&c, "totp:2").is_err(), "moved to another row");
        assert!(
            SecretKey::from_base64(&SecretKey::generate_base64()).unwrap().decrypt(&c, "totp:1").is_err(),
            "another key"
        );
        assert_ne!(c, k.encrypt(b"JBSWY3DPEHPK3PXP", "totp:1"), "a fresh nonce each time");
        assert!(SecretKey::from_base64("short").is_err());
    }

    #[test]
    fn hashes_and_tokens() {
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_ne!(random_token(), random_token());
        assert_eq!(random_token().len(), 43);
        assert!(
            constant_time_eq(b"abc", b"abc") && !constant_time_eq(b"abc", b"abd") && !constant_time_eq(b"a", b"ab")
        );
    }
}
