//! Test keys (committed, made for these tests with `openssl req`; see `cap/tests/keys/`), a
//! sample message, and helpers.

use std::path::PathBuf;

use cap_alerts::sign::{Certificate, SigningKey, TrustPolicy};

pub fn keys_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/keys")
}

pub fn read_key(name: &str) -> Vec<u8> {
    std::fs::read(keys_dir().join(name)).unwrap()
}

/// A signing key from `<name>.key` and `<name>.pem` (more PEM files appended to the chain).
pub fn signing_key(name: &str, chain_extra: &[&str]) -> SigningKey {
    let mut chain = read_key(&format!("{name}.pem"));
    for extra in chain_extra {
        chain.extend(read_key(extra));
    }
    SigningKey::from_pem(&read_key(&format!("{name}.key")), &chain).unwrap()
}

pub fn cert(name: &str) -> Certificate {
    Certificate::from_pem(&read_key(name)).unwrap().remove(0)
}

/// A policy trusting these PEM files.
pub fn trusting(names: &[&str]) -> TrustPolicy {
    TrustPolicy { trusted: names.iter().map(|n| cert(n)).collect(), ..TrustPolicy::default() }
}

/// A time inside the test certificates' validity: a day after the signer's `notBefore`.
pub fn now_for(name: &str) -> i64 {
    cert(name).not_before + 86_400
}

/// A CAP message with what canonicalization must get right: a namespace declared and unused,
/// escaped text, CR LF, a tab, a CDATA section, a comment and a processing instruction.
pub const SAMPLE: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
<?xml-stylesheet href=\"cap.xsl\" type=\"text/xsl\"?>\n\
<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\" xmlns:x=\"urn:example:x\">\n\
  <identifier>TOCSIN-SIGNED-1</identifier>\n\
  <sender>ops@example.org</sender>\n\
  <sent>2026-11-23T10:00:00-00:00</sent>\n\
  <status>Actual</status>\n\
  <msgType>Alert</msgType>\n\
  <scope>Public</scope>\n\
  <!-- a comment the signature does not cover -->\n\
  <info>\n\
    <category>Met</category>\n\
    <event>Storm &amp; flood</event>\n\
    <urgency>Immediate</urgency>\n\
    <severity>Severe</severity>\n\
    <certainty>Observed</certainty>\n\
    <headline><![CDATA[Rain > 50 mm]]></headline>\n\
    <description>Stay indoors.\r\nAvoid rivers.</description>\n\
    <parameter><valueName>x</valueName><value>a\tb</value></parameter>\n\
  </info>\n\
</alert>\n";

/// The bytes with one byte changed at `at` (to another printable character).
pub fn flip(bytes: &[u8], at: usize) -> Vec<u8> {
    let mut b = bytes.to_vec();
    b[at] = if b[at] == b'A' { b'B' } else { b'A' };
    b
}
