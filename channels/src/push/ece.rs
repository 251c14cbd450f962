//! Message encryption for Web Push (RFC 8291) in the `aes128gcm` content coding (RFC 8188):
//! one record, a fresh ephemeral P-256 key and a random salt for every message.

use ring::aead::{AES_128_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::agreement::{ECDH_P256, UnparsedPublicKey, agree_ephemeral};
use ring::hkdf::{HKDF_SHA256, KeyType, Salt};
use ring::rand::{SecureRandom, SystemRandom};

use super::PushError;
use super::keys::EphemeralKey;

/// The record size written in the header; RFC 8291 section 4 limits a push message to one
/// record of 4096 octets.
pub const RECORD_SIZE: usize = 4096;
/// The header: salt (16), record size (4), key id length (1), key id (the 65-byte public key).
pub const HEADER_LEN: usize = 16 + 4 + 1 + 65;
/// The AES-GCM tag.
const TAG_LEN: usize = 16;
/// The most plaintext one record holds: the record less header, tag and the 0x02 delimiter.
pub const MAX_PLAINTEXT: usize = RECORD_SIZE - HEADER_LEN - TAG_LEN - 1;

/// An output length for HKDF-Expand: ring takes lengths as a type.
struct Len(usize);

impl KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

/// Encrypts `plaintext` for a subscription: its `p256dh` key (`ua_public`) and `auth` secret.
/// `ephemeral` is a key pair never used before (it is consumed here), and the salt is drawn
/// for this call, as RFC 8291 section 3.1 requires; a shared secret is never kept.
pub fn encrypt(
    rng: &SystemRandom,
    ephemeral: EphemeralKey,
    ua_public: &[u8],
    auth: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, PushError> {
    check_subscription(ua_public, auth)?;
    if plaintext.len() > MAX_PLAINTEXT {
        return Err(PushError::PayloadTooLarge(plaintext.len()));
    }
    let EphemeralKey { private, public: as_public } = ephemeral;
    let mut salt = [0u8; 16];
    rng.fill(&mut salt).map_err(|_| PushError::Random)?;
    let peer = UnparsedPublicKey::new(&ECDH_P256, ua_public);
    agree_ephemeral(private, &peer, |ecdh_secret| seal(ecdh_secret, &as_public, ua_public, auth, &salt, plaintext))
        .map_err(|_| PushError::BadSubscriptionKey)?
}

/// Checks the subscription's keys before any work is done with them.
fn check_subscription(ua_public: &[u8], auth: &[u8]) -> Result<(), PushError> {
    if ua_public.len() != 65 || ua_public[0] != 0x04 {
        return Err(PushError::BadSubscriptionKey);
    }
    if auth.len() != 16 {
        return Err(PushError::BadAuthSecret);
    }
    Ok(())
}

/// The content-encryption key and nonce of RFC 8291 section 3.4, from the ECDH secret.
/// Separate from [`encrypt`] because ring cannot import a fixed private key, so the RFC's
/// example is checked from its ECDH secret onwards.
fn derive(
    ecdh_secret: &[u8],
    as_public: &[u8],
    ua_public: &[u8],
    auth: &[u8],
    salt: &[u8],
) -> Result<([u8; 16], [u8; 12]), PushError> {
    let err = |_| PushError::Encryption;
    // IKM = HKDF(auth_secret, ecdh_secret, "WebPush: info" || 0x00 || ua_public || as_public, 32).
    let key_info: [&[u8]; 3] = [b"WebPush: info\0", ua_public, as_public];
    let mut ikm = [0u8; 32];
    Salt::new(HKDF_SHA256, auth)
        .extract(ecdh_secret)
        .expand(&key_info, Len(32))
        .map_err(err)?
        .fill(&mut ikm)
        .map_err(err)?;
    let prk = Salt::new(HKDF_SHA256, salt).extract(&ikm);
    let mut cek = [0u8; 16];
    prk.expand(&[b"Content-Encoding: aes128gcm\0"], Len(16)).map_err(err)?.fill(&mut cek).map_err(err)?;
    let mut nonce = [0u8; 12];
    prk.expand(&[b"Content-Encoding: nonce\0"], Len(12)).map_err(err)?.fill(&mut nonce).map_err(err)?;
    Ok((cek, nonce))
}

/// The whole `aes128gcm` body for one record: header, then the sealed plaintext with its
/// 0x02 last-record delimiter (no padding).
fn seal(
    ecdh_secret: &[u8],
    as_public: &[u8],
    ua_public: &[u8],
    auth: &[u8],
    salt: &[u8; 16],
    plaintext: &[u8],
) -> Result<Vec<u8>, PushError> {
    let (cek, nonce) = derive(ecdh_secret, as_public, ua_public, auth, salt)?;
    let key = LessSafeKey::new(UnboundKey::new(&AES_128_GCM, &cek).map_err(|_| PushError::Encryption)?);
    let mut body = Vec::with_capacity(HEADER_LEN + plaintext.len() + 1 + TAG_LEN);
    body.extend_from_slice(salt);
    body.extend_from_slice(&(RECORD_SIZE as u32).to_be_bytes());
    body.push(65);
    body.extend_from_slice(as_public);
    let mut record = Vec::with_capacity(plaintext.len() + 1 + TAG_LEN);
    record.extend_from_slice(plaintext);
    record.push(0x02);
    key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut record)
        .map_err(|_| PushError::Encryption)?;
    body.extend_from_slice(&record);
    Ok(body)
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;

    fn fresh(rng: &SystemRandom) -> EphemeralKey {
        EphemeralKey::generate(rng).unwrap()
    }

    fn b(s: &str) -> Vec<u8> {
        URL_SAFE_NO_PAD.decode(s).unwrap()
    }

    // RFC 8291 section 5, the example's values.
    const AS_PUBLIC: &str = "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
    const UA_PUBLIC: &str = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
    const SALT: &str = "DGv6ra1nlYgDCS1FRnbzlw";
    const AUTH: &str = "BTBZMqHH6r4Tts7J_aSIgg";
    const ECDH_SECRET: &str = "kyrL1jIIOHEzg3sM2ZWRHDRB62YACZhhSlknJ672kSs";
    const CEK: &str = "oIhVW04MRdy2XN9CiKLxTg";
    const NONCE: &str = "4h_95klXJ5E_qnoN";
    const BODY: &str = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN";

    #[test]
    fn the_rfc_8291_example_derives_its_key_and_nonce() {
        let (cek, nonce) = derive(&b(ECDH_SECRET), &b(AS_PUBLIC), &b(UA_PUBLIC), &b(AUTH), &b(SALT)).unwrap();
        assert_eq!(cek.to_vec(), b(CEK));
        assert_eq!(nonce.to_vec(), b(NONCE));
    }

    #[test]
    fn the_rfc_8291_example_encrypts_to_its_body() {
        let salt: [u8; 16] = b(SALT).try_into().unwrap();
        let body = seal(
            &b(ECDH_SECRET),
            &b(AS_PUBLIC),
            &b(UA_PUBLIC),
            &b(AUTH),
            &salt,
            b"When I grow up, I want to be a watermelon",
        )
        .unwrap();
        assert_eq!(URL_SAFE_NO_PAD.encode(&body), BODY);
    }

    #[test]
    fn each_message_has_its_own_key_and_salt_and_fits_one_record() {
        let rng = SystemRandom::new();
        let ua = b(UA_PUBLIC);
        let a = encrypt(&rng, fresh(&rng), &ua, &b(AUTH), b"hello").unwrap();
        let c = encrypt(&rng, fresh(&rng), &ua, &b(AUTH), b"hello").unwrap();
        assert_ne!(a[..16], c[..16], "salt");
        assert_ne!(a[21..86], c[21..86], "ephemeral key");
        assert_eq!(a.len(), HEADER_LEN + 5 + 1 + TAG_LEN);
        let full = encrypt(&rng, fresh(&rng), &ua, &b(AUTH), &[b'x'; MAX_PLAINTEXT]).unwrap();
        assert_eq!(full.len(), RECORD_SIZE);
        assert_eq!(
            encrypt(&rng, fresh(&rng), &ua, &b(AUTH), &[b'x'; MAX_PLAINTEXT + 1]),
            Err(PushError::PayloadTooLarge(3994))
        );
    }

    #[test]
    fn malformed_subscription_keys_are_refused() {
        let rng = SystemRandom::new();
        assert_eq!(encrypt(&rng, fresh(&rng), &[4; 64], &b(AUTH), b"x"), Err(PushError::BadSubscriptionKey));
        assert_eq!(encrypt(&rng, fresh(&rng), &b(UA_PUBLIC), &[0; 15], b"x"), Err(PushError::BadAuthSecret));
        let mut off_curve = b(UA_PUBLIC);
        off_curve[64] ^= 1;
        assert_eq!(encrypt(&rng, fresh(&rng), &off_curve, &b(AUTH), b"x"), Err(PushError::BadSubscriptionKey));
    }
}
