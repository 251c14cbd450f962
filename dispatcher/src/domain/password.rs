//! Passwords: argon2id hashes (PHC strings) and the rule a new password must meet.

use argon2::password_hash::phc::PasswordHash;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};

/// Why a password was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PasswordError {
    /// Too short.
    #[error("the password must have at least {0} characters")]
    TooShort(usize),
    /// Hashing failed.
    #[error("the password could not be hashed")]
    Hashing,
}

/// The shortest password accepted.
pub const MIN_LENGTH: usize = 12;

/// The argon2id hash of a password, with a fresh random salt. Private, like [`verify`]: the
/// rest of the code can only reach argon2 through the `_off_thread` forms (issue 18, item 17).
fn hash(password: &str) -> Result<String, PasswordError> {
    if password.chars().count() < MIN_LENGTH {
        return Err(PasswordError::TooShort(MIN_LENGTH));
    }
    Argon2::default().hash_password(password.as_bytes()).map(|h| h.to_string()).map_err(|_| PasswordError::Hashing)
}

/// Whether the password matches the stored hash.
fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// [`verify`] on a blocking thread: argon2 takes tens of milliseconds of CPU, which on the async
/// workers would hold up every other request (`/healthz` reached 453 ms during a login flood).
pub async fn verify_off_thread(password: &str, stored: &str) -> bool {
    let (password, stored) = (password.to_owned(), stored.to_owned());
    tokio::task::spawn_blocking(move || verify(&password, &stored)).await.unwrap_or(false)
}

/// [`hash`] on a blocking thread.
pub async fn hash_off_thread(password: &str) -> Result<String, PasswordError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || hash(&password)).await.unwrap_or(Err(PasswordError::Hashing))
}

/// Compares a password with a hash of no password, on a blocking thread (the decoy is made
/// there too, the first time): a sign-in for an unknown user takes as long as one for a known
/// user.
pub async fn verify_decoy_off_thread(password: &str) {
    let password = password.to_owned();
    let _ = tokio::task::spawn_blocking(move || verify(&password, decoy_hash())).await;
}

/// A hash of no password, compared against when the account does not exist.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash(&crate::domain::crypto::random_token()).unwrap_or_default())
}

/// A random password to hand out once (for the first administrator, `tocsin user add`).
pub fn generate() -> String {
    crate::domain::crypto::random_token()[..20].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_are_salted() {
        let h = hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &h));
        assert!(!verify("correct horse batterY", &h));
        assert_ne!(h, hash("correct horse battery").unwrap());
        assert_eq!(hash("short"), Err(PasswordError::TooShort(MIN_LENGTH)));
        assert!(!verify("x", "not a hash"));
    }
}
