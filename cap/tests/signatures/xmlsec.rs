//! xmlsec1 (libxmlsec1 on libxml2 and OpenSSL, from Debian) verifies what Tocsin signs, with
//! RSA and with ECDSA, and refuses it once a byte changes. Skipped with a message when xmlsec1
//! is not installed, unless `TOCSIN_CI` is set.

use std::path::Path;
use std::process::Command;

use cap_alerts::sign::sign;

use crate::support::{SAMPLE, keys_dir, signing_key};

fn xmlsec1() -> bool {
    if Command::new("xmlsec1").arg("--version").output().is_ok_and(|o| o.status.success()) {
        return true;
    }
    if std::env::var_os("TOCSIN_CI").is_some() {
        panic!("xmlsec1 is required under CI (apt-get install xmlsec1)");
    }
    eprintln!("skipping: xmlsec1 is not installed (apt-get install xmlsec1)");
    false
}

/// Runs `xmlsec1 --verify` trusting one PEM certificate (or CA); Ok or xmlsec1's complaint.
pub fn xmlsec_verify(signed: &[u8], trusted_pem: &Path) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("signed.xml");
    std::fs::write(&file, signed).unwrap();
    let out = Command::new("xmlsec1")
        .args(["--verify", "--enabled-reference-uris", "empty", "--trusted-pem"])
        .arg(trusted_pem)
        .arg(&file)
        .output()
        .unwrap();
    if out.status.success() { Ok(()) } else { Err(String::from_utf8_lossy(&out.stderr).into_owned()) }
}

#[test]
fn xmlsec1_verifies_what_tocsin_signs() {
    if !xmlsec1() {
        return;
    }
    for (name, extra) in [("rsa", None), ("ec", None), ("leaf", Some("ca.pem"))] {
        let key = signing_key(name, extra.as_slice());
        let signed = sign(SAMPLE.as_bytes(), &key).unwrap();
        let trusted = keys_dir().join(extra.unwrap_or(&format!("{name}.pem")));
        xmlsec_verify(&signed, &trusted).unwrap_or_else(|e| panic!("{name}: xmlsec1 refused: {e}"));
        let at = signed.windows(5).position(|w| w == b"Storm").unwrap();
        let tampered = crate::support::flip(&signed, at);
        assert!(xmlsec_verify(&tampered, &trusted).is_err(), "{name}: xmlsec1 accepted a changed message");
    }
}

const C14N10: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
const C14N10_COMMENTS: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments";
const C14N11: &str = "http://www.w3.org/2006/12/xml-c14n11";
const EXC: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const RSA: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const ECDSA: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";

/// A signature template for xmlsec1: `SignedInfo` canonicalization (and its prefix list), the
/// method, the reference URI and its transforms after enveloped-signature.
fn template(c14n: (&str, &str), method: &str, uri: &str, transform: (&str, &str)) -> String {
    let list = |l: &str| match l {
        "" => String::new(),
        l => format!("<ec:InclusiveNamespaces xmlns:ec=\"{EXC}\" PrefixList=\"{l}\"/>"),
    };
    let transform = match transform.0 {
        "" => String::new(),
        alg => format!("<ds:Transform Algorithm=\"{alg}\">{}</ds:Transform>", list(transform.1)),
    };
    format!(
        "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo>\
         <ds:CanonicalizationMethod Algorithm=\"{}\">{}</ds:CanonicalizationMethod>\
         <ds:SignatureMethod Algorithm=\"{method}\"/><ds:Reference URI=\"{uri}\"><ds:Transforms>\
         <ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>{transform}\
         </ds:Transforms><ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>\
         <ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/>\
         <ds:KeyInfo><ds:X509Data/></ds:KeyInfo></ds:Signature>",
        c14n.0,
        list(c14n.1),
    )
}

/// Signs with `xmlsec1 --sign`.
fn xmlsec_sign(unsigned: &str, key: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("in.xml"), dir.path().join("out.xml"));
    std::fs::write(&input, unsigned).unwrap();
    let keys = format!(
        "{},{}",
        keys_dir().join(format!("{key}.key")).display(),
        keys_dir().join(format!("{key}.pem")).display()
    );
    let out = Command::new("xmlsec1")
        .args([
            "--sign",
            "--privkey-pem",
            &keys,
            "--id-attr:Id",
            "urn:oasis:names:tc:emergency:cap:1.2:alert",
            "--output",
        ])
        .arg(&output)
        .arg(&input)
        .output()
        .unwrap();
    assert!(out.status.success(), "xmlsec1 --sign: {}", String::from_utf8_lossy(&out.stderr));
    std::fs::read(&output).unwrap()
}

/// What xmlsec1 signs, in each canonicalization, both key types and both reference forms,
/// Tocsin's verifier accepts; changed, it refuses.
#[test]
fn tocsin_verifies_what_xmlsec1_signs() {
    if !xmlsec1() {
        return;
    }
    let cases = [
        ("rsa", template((C14N10, ""), RSA, "", ("", ""))),
        ("rsa", template((C14N10_COMMENTS, ""), RSA, "", (C14N10_COMMENTS, ""))),
        ("ec", template((C14N11, ""), ECDSA, "#a1", (C14N11, ""))),
        ("ec", template((EXC, "#default x"), ECDSA, "", (EXC, "x"))),
        ("rsa", template((EXC, ""), RSA, "#a1", (EXC, "#default"))),
    ];
    for (i, (key, sig)) in cases.iter().enumerate() {
        let unsigned =
            SAMPLE.replacen("<alert ", "<alert Id=\"a1\" ", 1).replace("</alert>", &format!("{sig}</alert>"));
        let signed = xmlsec_sign(&unsigned, key);
        let policy = crate::support::trusting(&[&format!("{key}.pem")]);
        let now = crate::support::now_for(&format!("{key}.pem"));
        let verified = cap_alerts::sign::verify(&signed, &policy, now);
        assert!(verified.is_ok(), "case {i}: {verified:?}\n{}", String::from_utf8_lossy(&signed));
        let at = signed.windows(5).position(|w| w == b"Storm").unwrap();
        let tampered = crate::support::flip(&signed, at);
        assert!(cap_alerts::sign::verify(&tampered, &policy, now).is_err(), "case {i}: a changed message verified");
    }
}
