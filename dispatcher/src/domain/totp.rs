//! TOTP second factor (RFC 6238 over RFC 4226: HMAC-SHA1, 6 digits, 30-second steps), with one
//! step of clock skew either way. HMAC comes from ring; the rest is the RFC's arithmetic.

use ring::hmac;

use super::crypto::constant_time_eq;

const STEP_SECONDS: u64 = 30;

/// A new random TOTP secret (160 bits).
pub fn new_secret() -> Vec<u8> {
    crate::domain::crypto::random_bytes::<20>().to_vec()
}

/// The code for a time step (RFC 4226 dynamic truncation).
pub fn code_at(secret: &[u8], step: u64) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret);
    let tag = hmac::sign(&key, &step.to_be_bytes());
    let h = tag.as_ref();
    let off = usize::from(h[h.len() - 1] & 0x0f);
    let bin = (u32::from(h[off] & 0x7f) << 24)
        | (u32::from(h[off + 1]) << 16)
        | (u32::from(h[off + 2]) << 8)
        | u32::from(h[off + 3]);
    format!("{:06}", bin % 1_000_000)
}

/// The current time step.
pub fn now_step() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs()) / STEP_SECONDS
}

/// Whether a code is valid now (or one step before or after).
pub fn check(secret: &[u8], code: &str) -> bool {
    check_step(secret, code).is_some()
}

/// The time step a code is valid for (now, or one step before or after), if any. A caller that
/// accepts the code records the step, so that each step is accepted once per user.
pub fn check_step(secret: &[u8], code: &str) -> Option<u64> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let step = now_step();
    [step.saturating_sub(1), step, step + 1]
        .into_iter()
        .find(|s| constant_time_eq(code_at(secret, *s).as_bytes(), code.as_bytes()))
}

/// The current code.
pub fn current(secret: &[u8]) -> String {
    code_at(secret, now_step())
}

/// The secret in base32 (RFC 4648, no padding), as authenticator apps want it typed.
pub fn base32(secret: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in secret {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            out.push(char::from(ALPHABET[((buffer >> (bits - 5)) & 31) as usize]));
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Decodes base32 (RFC 4648, padding and case ignored); `None` for other characters.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let (mut buffer, mut bits, mut out) = (0u32, 0u32, Vec::new());
    for c in text.trim_end_matches('=').chars() {
        let v = match c.to_ascii_uppercase() {
            'A'..='Z' => c.to_ascii_uppercase() as u32 - 'A' as u32,
            '2'..='7' => c as u32 - '2' as u32 + 26,
            _ => return None,
        };
        buffer = (buffer << 5) | v;
        bits += 5;
        if bits >= 8 {
            out.push((buffer >> (bits - 8)) as u8);
            bits -= 8;
        }
    }
    Some(out)
}

/// An `otpauth://` URI for an authenticator app's QR code.
pub fn otpauth_uri(secret: &[u8], account: &str, issuer: &str) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits=6&period=30",
        enc(issuer),
        enc(account),
        base32(secret),
        enc(issuer)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_test_vectors() {
        let secret = b"12345678901234567890";
        assert_eq!(code_at(secret, 59 / 30), "287082");
        assert_eq!(code_at(secret, 1_111_111_109 / 30), "081804");
        assert_eq!(code_at(secret, 1_234_567_890 / 30), "005924");
    }

    #[test]
    fn codes_check_within_one_step() {
        let s = new_secret();
        assert!(check(&s, &current(&s)));
        assert!(check(&s, &code_at(&s, now_step() - 1)));
        assert!(!check(&s, &code_at(&s, now_step() - 3)));
        assert!(!check(&s, "12345") && !check(&s, "abcdef"));
    }

    #[test]
    fn base32_and_uri() {
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32(b"12345678901234567890"), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(base32_decode("MZXW6YTBOI").unwrap(), b"foobar");
        assert_eq!(base32_decode("mzxw6ytboi======").unwrap(), b"foobar");
        assert!(base32_decode("M1").is_none());
        assert!(
            otpauth_uri(b"x", "ana@city", "Tocsin Town")
                .starts_with("otpauth://totp/Tocsin%20Town:ana%40city?secret=PA&")
        );
    }
}
