//! The few parts of an X.509 certificate a signature needs, read from DER: subject and issuer
//! (for people), validity, and the public key. Chains are checked by `rustls-webpki`
//! (see `trust.rs`); this reader only takes out what webpki does not hand back. Also PEM.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{NaiveDate, NaiveDateTime};

/// A certificate: its DER bytes and what was read from them.
#[derive(Clone, PartialEq, Eq)]
pub struct Certificate {
    der: Vec<u8>,
    /// The subject as `CN=…, O=…, C=…` (most specific first, as RFC 4514 writes it).
    pub subject: String,
    /// The issuer in the same form.
    pub issuer: String,
    /// Not valid before this time (Unix seconds).
    pub not_before: i64,
    /// Not valid after this time (Unix seconds).
    pub not_after: i64,
    pub(crate) key: PublicKey,
}

/// A certificate's public key, as ring takes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PublicKey {
    /// The DER `RSAPublicKey`.
    Rsa(Vec<u8>),
    /// The uncompressed P-256 point.
    EcP256(Vec<u8>),
    Other,
}

/// A certificate or PEM file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a readable X.509 certificate: {0}")]
pub struct CertificateError(pub String);

const RSA_OID: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01];
const EC_OID: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
const P256_OID: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];

impl std::fmt::Debug for Certificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Certificate").field("subject", &self.subject).field("issuer", &self.issuer).finish()
    }
}

impl Certificate {
    /// Reads a DER certificate.
    pub fn from_der(der: &[u8]) -> Result<Certificate, CertificateError> {
        parse(der).ok_or_else(|| CertificateError("the DER structure is not a certificate".to_owned()))
    }

    /// Reads every certificate in a PEM text (`-----BEGIN CERTIFICATE-----` blocks).
    pub fn from_pem(pem: &[u8]) -> Result<Vec<Certificate>, CertificateError> {
        let blocks = pem_blocks(pem, "CERTIFICATE")?;
        if blocks.is_empty() {
            return Err(CertificateError("the PEM text holds no CERTIFICATE block".to_owned()));
        }
        blocks.iter().map(|der| Certificate::from_der(der)).collect()
    }

    /// The certificate's DER bytes.
    pub fn der(&self) -> &[u8] {
        &self.der
    }
}

/// The DER contents of every PEM block with this label.
pub(crate) fn pem_blocks(pem: &[u8], label: &str) -> Result<Vec<Vec<u8>>, CertificateError> {
    let text = std::str::from_utf8(pem).map_err(|_| CertificateError("the PEM text is not UTF-8".to_owned()))?;
    let (begin, end) = (format!("-----BEGIN {label}-----"), format!("-----END {label}-----"));
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(&begin) {
        let body = &rest[start + begin.len()..];
        let stop = body.find(&end).ok_or_else(|| CertificateError(format!("{begin} without {end}")))?;
        let b64: String = body[..stop].chars().filter(|c| !c.is_whitespace()).collect();
        out.push(STANDARD.decode(b64).map_err(|e| CertificateError(format!("bad base64 in PEM: {e}")))?);
        rest = &body[stop + end.len()..];
    }
    Ok(out)
}

/// A DER reader over one level of a structure.
pub(crate) struct Der<'a>(pub &'a [u8]);

impl<'a> Der<'a> {
    /// The next element as (tag, contents).
    pub(crate) fn next(&mut self) -> Option<(u8, &'a [u8])> {
        let (&tag, rest) = self.0.split_first()?;
        let (&first, mut rest) = rest.split_first()?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let n = usize::from(first & 0x7F);
            if n == 0 || n > 4 || rest.len() < n {
                return None;
            }
            let len = rest[..n].iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            rest = &rest[n..];
            len
        };
        if rest.len() < len {
            return None;
        }
        let (content, after) = rest.split_at(len);
        self.0 = after;
        Some((tag, content))
    }

    fn expect(&mut self, tag: u8) -> Option<&'a [u8]> {
        self.next().filter(|(t, _)| *t == tag).map(|(_, c)| c)
    }
}

fn parse(der: &[u8]) -> Option<Certificate> {
    let mut outer = Der(der);
    let cert = outer.expect(0x30)?;
    let mut tbs = Der(Der(cert).expect(0x30)?);
    let mut first = tbs.next()?;
    if first.0 == 0xA0 {
        first = tbs.next()?; // the version; the serial number follows
    }
    let _serial = first;
    tbs.expect(0x30)?; // the signature algorithm, repeated outside
    let issuer = name(tbs.expect(0x30)?)?;
    let mut validity = Der(tbs.expect(0x30)?);
    let not_before = time(validity.next()?)?;
    let not_after = time(validity.next()?)?;
    let subject = name(tbs.expect(0x30)?)?;
    let key = public_key(tbs.expect(0x30)?)?;
    Some(Certificate { der: der.to_vec(), subject, issuer, not_before, not_after, key })
}

fn public_key(spki: &[u8]) -> Option<PublicKey> {
    let mut spki = Der(spki);
    let mut alg = Der(spki.expect(0x30)?);
    let oid = alg.expect(0x06)?;
    let params = alg.next();
    let bits = spki.expect(0x03)?.split_first().filter(|(unused, _)| **unused == 0)?.1.to_vec();
    Some(match oid {
        RSA_OID => PublicKey::Rsa(bits),
        EC_OID if params.is_some_and(|(t, p)| t == 0x06 && p == P256_OID) => PublicKey::EcP256(bits),
        _ => PublicKey::Other,
    })
}

fn time((tag, content): (u8, &[u8])) -> Option<i64> {
    let s = std::str::from_utf8(content).ok()?.strip_suffix('Z')?;
    let full = match tag {
        0x17 => format!("{}{s}", if s.get(..2)? < "50" { "20" } else { "19" }),
        0x18 => s.to_owned(),
        _ => return None,
    };
    let t = NaiveDateTime::parse_from_str(&full, "%Y%m%d%H%M%S").ok()?;
    let _: NaiveDate = t.date();
    Some(t.and_utc().timestamp())
}

/// A distinguished name as `CN=…, OU=…, O=…, C=…`.
fn name(seq: &[u8]) -> Option<String> {
    let mut rdns = Der(seq);
    let mut parts = Vec::new();
    while let Some((_, set)) = rdns.next() {
        let mut set = Der(set);
        while let Some((_, atv)) = set.next() {
            let mut atv = Der(atv);
            let oid = atv.expect(0x06)?;
            let (tag, value) = atv.next()?;
            parts.push(format!("{}={}", attribute_name(oid), string(tag, value)));
        }
    }
    parts.reverse();
    Some(parts.join(", "))
}

fn attribute_name(oid: &[u8]) -> String {
    match oid {
        [0x55, 0x04, 0x03] => "CN".to_owned(),
        [0x55, 0x04, 0x06] => "C".to_owned(),
        [0x55, 0x04, 0x07] => "L".to_owned(),
        [0x55, 0x04, 0x08] => "ST".to_owned(),
        [0x55, 0x04, 0x0A] => "O".to_owned(),
        [0x55, 0x04, 0x0B] => "OU".to_owned(),
        [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x01] => "emailAddress".to_owned(),
        _ => dotted(oid),
    }
}

fn dotted(oid: &[u8]) -> String {
    let mut arcs: Vec<u64> = Vec::new();
    let mut acc = 0u64;
    for &b in oid {
        acc = (acc << 7) | u64::from(b & 0x7F);
        if b & 0x80 == 0 {
            arcs.push(acc);
            acc = 0;
        }
    }
    let mut out = match arcs.first() {
        Some(&f) => format!("{}.{}", f.min(80) / 40, f - f.min(80) / 40 * 40),
        None => String::new(),
    };
    for a in arcs.iter().skip(1) {
        out.push_str(&format!(".{a}"));
    }
    out
}

fn string(tag: u8, value: &[u8]) -> String {
    match tag {
        0x1E => {
            let units: Vec<u16> =
                value.chunks(2).map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])).collect();
            String::from_utf16_lossy(&units)
        }
        0x14 => value.iter().map(|&b| char::from(b)).collect(),
        _ => String::from_utf8_lossy(value).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_identifiers_print_dotted() {
        assert_eq!(dotted(&[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01]), "1.2.840.113549.1.1.1");
        assert_eq!(dotted(&[0x55, 0x1D, 0x0F]), "2.5.29.15");
    }

    #[test]
    fn garbage_is_not_a_certificate() {
        assert!(Certificate::from_der(b"\x30\x03\x02\x01\x00").is_err());
        assert!(Certificate::from_pem(b"nothing here").is_err());
    }
}
