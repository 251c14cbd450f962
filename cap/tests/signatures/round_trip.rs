//! Sign with RSA and with ECDSA, verify with our verifier; any changed byte of the alert
//! fails; trust, time and key checks say why.

use cap_alerts::sign::{
    SignatureAlgorithm, SignatureError, SigningError, SigningKey, TrustBasis, TrustPolicy, sign, verify,
};

use crate::support::{SAMPLE, flip, now_for, read_key, signing_key, trusting};

#[test]
fn rsa_and_ecdsa_signatures_verify() {
    for (name, alg) in [("rsa", SignatureAlgorithm::RsaSha256), ("ec", SignatureAlgorithm::EcdsaP256Sha256)] {
        let key = signing_key(name, &[]);
        assert_eq!(key.algorithm(), alg);
        let signed = sign(SAMPLE.as_bytes(), &key).unwrap();
        let text = String::from_utf8(signed.clone()).unwrap();
        assert!(text.starts_with(&SAMPLE[..SAMPLE.find("</alert>").unwrap()]), "the message is kept byte for byte");
        assert!(text.ends_with("</ds:Signature>\n</alert>\n"), "the signature is the last child of alert");
        let verified = verify(&signed, &trusting(&[&format!("{name}.pem")]), now_for(&format!("{name}.pem"))).unwrap();
        assert_eq!(verified.signers[0].algorithm, alg);
        assert_eq!(verified.signers[0].trust, TrustBasis::Pinned);
        assert!(verified.signers[0].subject.contains("CN=Tocsin test"), "{:?}", verified.signers[0]);
        let read = cap_alerts::Reader::new().read(&signed);
        assert!(read.is_ok(), "the signed message is still valid CAP: {:?}", read.err());
    }
}

#[test]
fn any_changed_byte_of_the_alert_fails() {
    let key = signing_key("ec", &[]);
    let signed = sign(SAMPLE.as_bytes(), &key).unwrap();
    let policy = trusting(&["ec.pem"]);
    let now = now_for("ec.pem");
    let sig_start = signed.windows(13).position(|w| w == b"<ds:Signature").unwrap();
    let comment = SAMPLE.find("<!--").unwrap()..SAMPLE.find("-->").unwrap() + 3;
    // Exclusive C14N leaves out a namespace declaration nothing uses, so it is not signed.
    let unused = SAMPLE.find(" xmlns:x").unwrap()..SAMPLE.find("example:x\"").unwrap() + 10;
    let declaration = SAMPLE.find("?>").unwrap() + 2; // the XML declaration is not signed (C14N)
    let mut refused = 0;
    for at in declaration..sig_start {
        if comment.contains(&at) || unused.contains(&at) {
            continue; // comments are outside what a same-document reference covers
        }
        match verify(&flip(&signed, at), &policy, now) {
            Ok(_) => panic!("changing byte {at} ({:?}) went unnoticed", char::from(signed[at])),
            Err(_) => refused += 1,
        }
    }
    assert!(refused > 500, "{refused}");
    let in_comment = flip(&signed, comment.start + 6);
    assert!(verify(&in_comment, &policy, now).is_ok(), "comments are not signed (XML-DSig, URI=\"\")");
}

#[test]
fn the_signature_value_and_key_are_checked() {
    let signed = String::from_utf8(sign(SAMPLE.as_bytes(), &signing_key("rsa", &[])).unwrap()).unwrap();
    let policy = trusting(&["rsa.pem"]);
    let now = now_for("rsa.pem");
    let value_at = signed.find("<ds:SignatureValue>").unwrap() + 30;
    assert_eq!(verify(&flip(signed.as_bytes(), value_at), &policy, now), Err(SignatureError::BadSignature));
    let ec_cert = String::from_utf8(read_key("ec.pem")).unwrap();
    let ec_b64: String = ec_cert.lines().filter(|l| !l.starts_with("-----")).collect();
    let start = signed.find("<ds:X509Certificate>").unwrap() + 20;
    let end = signed.find("</ds:X509Certificate>").unwrap();
    let swapped = format!("{}{ec_b64}{}", &signed[..start], &signed[end..]);
    assert_eq!(verify(swapped.as_bytes(), &trusting(&["ec.pem"]), now), Err(SignatureError::BadSignature));
}

#[test]
fn trust_comes_from_the_configured_certificates_at_the_given_time() {
    let signed = sign(SAMPLE.as_bytes(), &signing_key("leaf", &["ca.pem"])).unwrap();
    let now = now_for("leaf.pem");
    let verified = verify(&signed, &trusting(&["ca.pem"]), now).unwrap();
    assert_eq!(verified.signers[0].trust, TrustBasis::Chain("O=Tocsin tests, CN=Tocsin test CA".to_owned()));
    assert!(matches!(verify(&signed, &TrustPolicy::default(), now), Err(SignatureError::Untrusted(_))));
    assert!(matches!(verify(&signed, &trusting(&["rsa.pem"]), now), Err(SignatureError::Untrusted(_))));
    let leaf = crate::support::cert("leaf.pem");
    assert!(matches!(verify(&signed, &trusting(&["ca.pem"]), leaf.not_after + 1), Err(SignatureError::Expired(_))));
    assert!(matches!(
        verify(&signed, &trusting(&["leaf.pem"]), leaf.not_before - 1),
        Err(SignatureError::NotYetValid(_))
    ));
}

#[test]
fn keys_and_messages_that_cannot_be_signed_are_refused() {
    let mismatched = SigningKey::from_pem(&read_key("rsa.key"), &read_key("ec.pem"));
    assert!(matches!(mismatched, Err(SigningError::Key(_))));
    assert!(SigningKey::from_pem(b"no key", &read_key("ec.pem")).is_err());
    let key = signing_key("ec", &[]);
    let signed = sign(SAMPLE.as_bytes(), &key).unwrap();
    assert!(matches!(sign(&signed, &key), Err(SigningError::Document(_))), "signed already");
    assert!(matches!(sign(b"<feed/>", &key), Err(SigningError::Document(_))));
    assert!(format!("{key:?}").contains("EcdsaP256Sha256"), "Debug shows no key material");
}

/// A small fuzz in every run: each byte of a signed message replaced by markup characters, and
/// the message cut at every byte before the end of `</alert>`, never makes verification panic,
/// nor succeed once the change is in the signature.
#[test]
fn no_changed_or_cut_message_panics_or_verifies() {
    let signed = sign(SAMPLE.as_bytes(), &signing_key("ec", &[])).unwrap();
    let policy = trusting(&["ec.pem"]);
    let now = now_for("ec.pem");
    let signature = signed.windows(13).position(|w| w == b"<ds:Signature").unwrap();
    let root_end = signed.windows(8).rposition(|w| w == b"</alert>").unwrap() + 8;
    for at in 0..signed.len() {
        for b in [b'<', b'>', b'"', b'&', b':', b'=', b'/', 0xC3] {
            let mut changed = signed.clone();
            if changed[at] == b {
                continue;
            }
            changed[at] = b;
            let result = verify(&changed, &policy, now);
            // Only the XML declaration and whitespace between attributes are outside what is
            // signed; within the signature and the alert every such change fails.
            if at > SAMPLE.find("?>").unwrap() && at >= signature {
                assert!(result.is_err(), "byte {at} set to {b:#x} verified");
            }
        }
        if at < root_end {
            assert!(verify(&signed[..at], &policy, now).is_err(), "cut at {at} verified");
        }
    }
}

/// A signature that only names its certificate (as IPAWS sends) is checked with the
/// configured certificates' keys; with none that fits, the key is unknown.
#[test]
fn a_signature_naming_its_certificate_uses_the_configured_one() {
    let signed = String::from_utf8(sign(SAMPLE.as_bytes(), &signing_key("ec", &[])).unwrap()).unwrap();
    let start = signed.find("<ds:X509Certificate>").unwrap();
    let end = signed.find("</ds:X509Data>").unwrap();
    let named = format!(
        "{}<ds:X509SubjectName>CN=Tocsin test ECDSA signer,O=Tocsin tests</ds:X509SubjectName>{}",
        &signed[..start],
        &signed[end..]
    );
    let now = now_for("ec.pem");
    let verified = verify(named.as_bytes(), &trusting(&["rsa.pem", "ec.pem"]), now).unwrap();
    assert_eq!(verified.signers[0].trust, TrustBasis::Pinned);
    for policy in [trusting(&["rsa.pem"]), TrustPolicy::default()] {
        match verify(named.as_bytes(), &policy, now) {
            Err(SignatureError::UnknownKey(why)) => assert!(why.contains("Tocsin test ECDSA signer"), "{why}"),
            other => panic!("{other:?}"),
        }
    }
    let expired = crate::support::cert("ec.pem").not_after + 1;
    assert!(matches!(verify(named.as_bytes(), &trusting(&["ec.pem"]), expired), Err(SignatureError::Expired(_))));
}
