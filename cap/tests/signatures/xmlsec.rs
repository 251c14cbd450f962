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
