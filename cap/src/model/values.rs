//! Value types with the CAP text rules built in: once a value exists, it is valid.

use std::fmt;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

/// Why a text is not a valid value of a CAP type.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidValue(pub String);

macro_rules! text_newtype {
    ($(#[$m:meta])* $name:ident, $check:path) => {
        $(#[$m])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Checks the text and wraps it.
            pub fn parse(text: impl Into<String>) -> Result<Self, InvalidValue> {
                let text = text.into();
                $check(&text)?;
                Ok($name(text))
            }

            /// The text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidValue;
            fn try_from(s: String) -> Result<Self, InvalidValue> {
                Self::parse(s)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

/// Checks the identifier rule shared by `identifier` and `sender`: not empty, and no
/// whitespace, comma, `<` or `&`.
fn check_identifier_text(s: &str) -> Result<(), InvalidValue> {
    if s.is_empty() {
        return Err(InvalidValue("must not be empty".into()));
    }
    match s.chars().find(|c| c.is_whitespace() || matches!(c, ',' | '<' | '&')) {
        Some(c) => Err(InvalidValue(format!("{s:?} contains {c:?}; spaces, commas, < and & are not allowed"))),
        None => Ok(()),
    }
}

text_newtype!(
    /// `identifier`: a number or string uniquely identifying this message, assigned by the sender.
    Identifier,
    check_identifier_text
);

text_newtype!(
    /// `sender`: the identifier of the originator of the alert.
    Sender,
    check_identifier_text
);

fn check_language(s: &str) -> Result<(), InvalidValue> {
    let well_formed = !s.is_empty()
        && s.split('-').enumerate().all(|(i, part)| {
            (1..=8).contains(&part.len())
                && if i == 0 {
                    part.bytes().all(|b| b.is_ascii_alphabetic())
                } else {
                    part.bytes().all(|b| b.is_ascii_alphanumeric())
                }
        });
    if well_formed {
        Ok(())
    } else {
        Err(InvalidValue(format!("{s:?} is not an RFC 3066 language tag such as en-US, sk or uk-UA")))
    }
}

text_newtype!(
    /// `language`: an RFC 3066 language tag (xs:language). Absent means `en-US`.
    Language,
    check_language
);

impl Language {
    /// The primary language subtag in lowercase, for example `sk` for `sk-SK`.
    pub fn primary(&self) -> String {
        self.0.split('-').next().unwrap_or_default().to_ascii_lowercase()
    }
}

/// Whether a text is an absolute URI: a scheme (a letter, then letters, digits, `+`, `-`, `.`),
/// a colon, something after it, and no whitespace.
pub fn is_absolute_uri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let mut sc = scheme.bytes();
    sc.next().is_some_and(|b| b.is_ascii_alphabetic())
        && sc.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
        && !rest.is_empty()
        && !s.chars().any(char::is_whitespace)
}

fn check_absolute_uri(s: &str) -> Result<(), InvalidValue> {
    if is_absolute_uri(s) {
        Ok(())
    } else {
        Err(InvalidValue(format!("{s:?} is not a full, absolute URI such as https://example.org/alerts/123")))
    }
}

text_newtype!(
    /// A full, absolute URI (`web`).
    AbsoluteUri,
    check_absolute_uri
);

const MIME_TOP_LEVEL: &[&str] =
    &["application", "audio", "example", "font", "image", "message", "model", "multipart", "text", "video"];

fn check_mime_type(s: &str) -> Result<(), InvalidValue> {
    let token = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b));
    let essence = s.split(';').next().unwrap_or_default().trim();
    let ok = essence
        .split_once('/')
        .is_some_and(|(ty, sub)| token(ty) && token(sub) && MIME_TOP_LEVEL.contains(&ty.to_ascii_lowercase().as_str()));
    if ok {
        Ok(())
    } else {
        Err(InvalidValue(format!("{s:?} is not a MIME type/subtype such as image/png or audio/mpeg (RFC 2046)")))
    }
}

text_newtype!(
    /// `mimeType`: the MIME content type and sub-type of a resource (RFC 2046).
    MimeType,
    check_mime_type
);

fn check_digest(s: &str) -> Result<(), InvalidValue> {
    if matches!(s.len(), 40 | 64) && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(InvalidValue(format!("{s:?} is not a SHA-1 digest: 40 hexadecimal digits")))
    }
}

text_newtype!(
    /// `digest`: the SHA-1 digest of a resource as hexadecimal (a SHA-256 one is also kept).
    Digest,
    check_digest
);

impl Digest {
    /// Whether this is a 40-digit SHA-1 digest, as CAP 1.2 specifies.
    pub fn is_sha1(&self) -> bool {
        self.0.len() == 40
    }
}

fn check_base64(s: &str) -> Result<(), InvalidValue> {
    decode_base64(s).map(|_| ())
}

fn decode_base64(s: &str) -> Result<Vec<u8>, InvalidValue> {
    let compact: Vec<u8> = s.bytes().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(&compact)
        .map_err(|e| InvalidValue(format!("not base-64 data: {e}")))
}

text_newtype!(
    /// `derefUri`: the base-64 encoded content of a resource; line breaks are allowed.
    DerefUri,
    check_base64
);

impl DerefUri {
    /// The decoded content.
    pub fn decode(&self) -> Vec<u8> {
        decode_base64(&self.0).unwrap_or_default()
    }
}

/// A `valueName` and `value` pair: an `eventCode`, `parameter` or `geocode`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NamedValue {
    /// The system or name the value belongs to, for example `SAME` or `EMMA_ID`.
    pub value_name: String,
    /// The value.
    pub value: String,
}

impl NamedValue {
    /// A pair from its two texts.
    pub fn new(value_name: impl Into<String>, value: impl Into<String>) -> Self {
        NamedValue { value_name: value_name.into(), value: value.into() }
    }
}

/// An XML signature (`<Signature>` in the xmldsig namespace), kept byte for byte.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Signature {
    /// The element exactly as it appeared in the source, from `<` to the closing `>`.
    pub xml: String,
    /// Namespace prefixes the element uses but declares on an ancestor, as (prefix, URI);
    /// the writer declares them on `<alert>` so that the copied bytes stay well-formed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inherited_namespaces: Vec<(String, String)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifier_rules() {
        assert!(Identifier::parse("KSTO1055887203").is_ok());
        assert!(Identifier::parse("2.49.0.1.124.6bddbc91.2012").is_ok());
        assert!(Identifier::parse("urn:oid:2.49.0.1.703").is_ok());
        for bad in ["", "a b", "a,b", "a<b", "a&b", "INVALID, ", "tab\there"] {
            assert!(Identifier::parse(bad).is_err(), "{bad:?}");
            assert!(Sender::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn language_tags() {
        for good in ["en", "en-US", "sk", "uk-UA", "zh-Hant-TW", "x-klingon", "i-navajo"] {
            assert!(Language::parse(good).is_ok(), "{good}");
        }
        for bad in ["", "en_US", "englishlanguage", "en-", "-en", "e1", "en-toolongsubtag"] {
            assert!(Language::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Language::parse("SK-sk").unwrap().primary(), "sk");
    }

    #[test]
    fn absolute_uris() {
        for good in ["http://example.org/", "https://a.b/c?d=e", "urn:oid:2.49", "mailto:a@b.c"] {
            assert!(AbsoluteUri::parse(good).is_ok(), "{good}");
        }
        for bad in ["", "www.example.org", "/relative/path", "http://a b", "1http://x", "http:"] {
            assert!(AbsoluteUri::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn mime_types() {
        for good in ["image/gif", "audio/x-ipaws-audio-mp3", "application/pdf", "text/plain; charset=utf-8"] {
            assert!(MimeType::parse(good).is_ok(), "{good}");
        }
        for bad in ["", "gif", "image/", "/gif", "picture/gif", "image/g if"] {
            assert!(MimeType::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn digests_and_base64() {
        assert!(Digest::parse("2da39a3ee5e6b4b0d3255bfef95601890afd8070").unwrap().is_sha1());
        assert!(!Digest::parse("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855").unwrap().is_sha1());
        for bad in ["", "xyz", "2da39a3ee5e6b4b0d3255bfef95601890afd807", "md5:abc"] {
            assert!(Digest::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(DerefUri::parse("aGVs\nbG8=").unwrap().decode(), b"hello");
        assert!(DerefUri::parse("not base64!").is_err());
    }
}
