//! Signature wrapping: a valid signature moved so that it covers something other than the
//! alert that is processed is refused, and so are extra transforms and duplicate ids.

use cap_alerts::sign::{SignatureError, sign, verify};

use crate::support::{SAMPLE, now_for, signing_key, trusting};

fn signed() -> String {
    String::from_utf8(sign(SAMPLE.as_bytes(), &signing_key("ec", &[])).unwrap()).unwrap()
}

fn check(xml: &str) -> Result<cap_alerts::sign::Verified, SignatureError> {
    verify(xml.as_bytes(), &trusting(&["ec.pem"]), now_for("ec.pem"))
}

fn body(xml: &str) -> &str {
    let start = xml.find("<alert").unwrap();
    &xml[start..xml.rfind("</alert>").unwrap() + 8]
}

fn wrapped(result: Result<cap_alerts::sign::Verified, SignatureError>) -> bool {
    matches!(result, Err(SignatureError::Wrapped(_)))
}

#[test]
fn the_signed_alert_moved_inside_another_element_is_refused() {
    let s = signed();
    let moved = format!("<wrapper>{}</wrapper>", body(&s));
    assert!(wrapped(check(&moved)), "{:?}", check(&moved));
    let forged = SAMPLE.replace("Storm &amp; flood", "All clear");
    let in_extension = forged.replace("</alert>", &format!("<x:orig>{}</x:orig></alert>", body(&s)));
    assert!(wrapped(check(&in_extension)), "{:?}", check(&in_extension));
}

#[test]
fn a_signature_lifted_into_another_alert_does_not_verify() {
    let s = signed();
    let sig = &s[s.find("<ds:Signature").unwrap()..s.find("</ds:Signature>").unwrap() + 15];
    let forged = SAMPLE.replace("Storm &amp; flood", "All clear").replace("</alert>", &format!("{sig}</alert>"));
    assert_eq!(check(&forged), Err(SignatureError::DigestMismatch));
}

#[test]
fn id_references_must_name_the_root_alert_once() {
    let s = signed();
    // The signature made with URI="" does not survive a change of URI (SignedInfo is signed),
    // so these check the reference before the signature value: the refusal comes first.
    let with_id = s.replacen("<alert ", "<alert Id=\"a1\" ", 1).replace("URI=\"\"", "URI=\"#a1\"");
    assert_eq!(check(&with_id), Err(SignatureError::DigestMismatch), "the reference is followed");
    let other = with_id.replace("<identifier>", "<identifier Id=\"i1\">").replace("URI=\"#a1\"", "URI=\"#i1\"");
    assert!(wrapped(check(&other)), "{:?}", check(&other));
    let twice = with_id.replace("<identifier>", "<identifier Id=\"a1\">");
    assert!(wrapped(check(&twice)), "{:?}", check(&twice));
    let elsewhere = s.replace("URI=\"\"", "URI=\"http://example.org/alert.xml\"");
    assert!(wrapped(check(&elsewhere)), "{:?}", check(&elsewhere));
    let none = s.replace(" URI=\"\"", "");
    assert!(wrapped(check(&none)), "{:?}", check(&none));
}

#[test]
fn a_second_alert_copy_with_an_id_does_not_help() {
    let s = signed();
    let original = body(&s).replacen("<alert ", "<alert Id=\"real\" ", 1);
    let forged = SAMPLE
        .replace("Storm &amp; flood", "All clear")
        .replace("</alert>", &format!("<x:copy>{original}</x:copy></alert>"));
    assert!(wrapped(check(&forged)), "{:?}", check(&forged));
}

#[test]
fn transforms_beyond_enveloped_and_canonicalization_are_refused() {
    let s = signed();
    let xpath = "<ds:Transform Algorithm=\"http://www.w3.org/TR/1999/REC-xpath-19991116\"/>";
    let with_xpath = s.replacen("<ds:Transforms>", &format!("<ds:Transforms>{xpath}"), 1);
    assert!(matches!(check(&with_xpath), Err(SignatureError::RefusedTransform(_))));
    let without_enveloped =
        s.replace("<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>", "");
    assert!(matches!(check(&without_enveloped), Err(SignatureError::RefusedTransform(_))));
    let sha512 = s.replace("http://www.w3.org/2001/04/xmlenc#sha256", "http://www.w3.org/2001/04/xmlenc#sha512");
    assert!(matches!(check(&sha512), Err(SignatureError::UnsupportedAlgorithm(_))));
}

#[test]
fn a_doctype_is_refused_before_anything_else() {
    let s = signed();
    let with_doctype = s.replacen("<alert ", "<!DOCTYPE alert [<!ENTITY e \"x\">]>\n<alert ", 1);
    assert!(matches!(check(&with_doctype), Err(SignatureError::Malformed(_))));
}

#[test]
fn signatures_beyond_four_are_refused_before_any_work() {
    let s = signed();
    let sig = &s[s.find("<ds:Signature").unwrap()..s.find("</ds:Signature>").unwrap() + 15];
    let five = s.replace("</alert>", &format!("{}</alert>", sig.repeat(4)));
    assert!(matches!(check(&five), Err(SignatureError::Malformed(_))), "{:?}", check(&five));
}
