//! Our canonicalization against libxml2's (`xmllint --c14n`, `--c14n11`, `--exc-c14n`, each
//! with comments) on every XML file of the shared corpus. Skipped with a message when xmllint
//! is not installed, unless `TOCSIN_CI` is set.

use std::process::Command;

use cap_alerts::sign::{Canonicalization, canonicalize_document};

use crate::common::{corpus, files, rel};

fn xmllint() -> bool {
    if Command::new("xmllint").arg("--version").output().is_ok_and(|o| o.status.success()) {
        return true;
    }
    assert!(std::env::var_os("TOCSIN_CI").is_none(), "xmllint is required under CI (apt-get install libxml2-utils)");
    eprintln!("skipping: xmllint is not installed (apt-get install libxml2-utils)");
    false
}

#[test]
fn canonical_forms_match_libxml2_on_the_corpus() {
    let Some(dir) = corpus() else { return };
    if !xmllint() {
        return;
    }
    let methods = [
        ("--c14n", Canonicalization::Inclusive { v11: false, comments: true }),
        ("--c14n11", Canonicalization::Inclusive { v11: true, comments: true }),
        ("--exc-c14n", Canonicalization::Exclusive { comments: true, prefixes: Vec::new() }),
    ];
    let mut compared = 0;
    for path in files(&dir, &["xml", "cap", "atom", "rss", "edxlde", "xsd"]) {
        let bytes = std::fs::read(&path).unwrap();
        for (flag, method) in &methods {
            // Files we refuse (a DOCTYPE, an encoding we do not read) have nothing to compare.
            let Ok(ours) = canonicalize_document(&bytes, method) else { continue };
            let theirs = Command::new("xmllint").args(["--nonet", flag]).arg(&path).output().unwrap();
            assert!(theirs.status.success(), "{}: xmllint {flag} failed", rel(&dir, &path));
            assert!(
                ours == theirs.stdout,
                "{} {flag}: ours differs from libxml2's\nours:   {}\nlibxml2: {}",
                rel(&dir, &path),
                first_difference(&ours, &theirs.stdout).0,
                first_difference(&ours, &theirs.stdout).1,
            );
            compared += 1;
        }
    }
    assert!(compared > 150, "only {compared} comparisons");
}

/// The two texts around where they first differ.
fn first_difference(a: &[u8], b: &[u8]) -> (String, String) {
    let at = a.iter().zip(b).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()));
    let around = |t: &[u8]| String::from_utf8_lossy(&t[at.saturating_sub(60)..(at + 60).min(t.len())]).into_owned();
    (around(a), around(b))
}
