//! The documented forms: the JSON form in `docs/cap-json.md` is what serde reads and writes, JSON
//! cannot carry a value the CAP rules forbid, and `docs/cap-findings.md` lists every code.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use cap_alerts::{Alert, Reader};

/// The example in docs/cap-json.md, between its ```json fences.
fn documented_example() -> String {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/cap-json.md")).unwrap();
    let start = doc.find("```json\n").unwrap() + 8;
    let end = start + doc[start..].find("```").unwrap();
    doc[start..end].to_owned()
}

#[test]
fn the_documented_example_reads_and_writes_back_unchanged() {
    let json = documented_example();
    let alert: Alert = serde_json::from_str(&json).unwrap();
    let back = serde_json::to_string_pretty(&alert).unwrap();
    assert_eq!(back.trim(), json.trim(), "the documentation shows the exact JSON form");
    let xml = cap_alerts::write(&alert);
    let read = Reader::new().read(xml.as_bytes()).unwrap_or_else(|r| panic!("{r}"));
    assert_eq!(read.alert, alert, "JSON and XML carry the same model");
}

#[test]
fn json_cannot_carry_what_cap_forbids() {
    let example: serde_json::Value = serde_json::from_str(&documented_example()).unwrap();
    let polygon = "/infos/0/areas/0/polygons/0";
    for (pointer, value, expect) in [
        ("/identifier", serde_json::json!("TOCSIN 2026"), "spaces, commas"),
        ("/sent", serde_json::json!("2026-11-23T10:00:00.5+01:00"), "not a date and time"),
        ("/status", serde_json::json!("Live"), "unknown variant"),
        (polygon, serde_json::json!([[48.1, 17.0], [48.2, 17.0], [48.2, 17.2], [48.1, 17.2]]), "not closed"),
        (polygon, serde_json::json!([[48.1, 17.0], [48.2, 17.0], [48.1, 17.0]]), "at least 4"),
        ("/infos/0/areas/0/polygons/0/0/0", serde_json::json!(91.0), "outside -90..90"),
        ("/infos/0/areas/0/circles/0/radiusKm", serde_json::json!(-5.0), "negative"),
        ("/infos/0/language", serde_json::json!("sk_SK"), "RFC 3066"),
        ("/infos/0/web", serde_json::json!("/relative"), "absolute URI"),
    ] {
        let mut bad = example.clone();
        *bad.pointer_mut(pointer).unwrap_or_else(|| panic!("the example has {pointer}")) = value;
        let err = serde_json::from_value::<Alert>(bad).expect_err(pointer).to_string();
        assert!(err.contains(expect), "{pointer}: {err}");
    }
}

#[test]
fn catalogue_is_documented() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/cap-findings.md")).unwrap();
    let marker = "<!-- generated: the rest of this file is `tocsin validate --codes` -->\n";
    let generated = &doc[doc.find(marker).unwrap() + marker.len()..];
    assert_eq!(
        generated,
        cap_alerts::catalogue_markdown(),
        "regenerate docs/cap-findings.md with `tocsin validate --codes`"
    );
    let sources = [
        include_str!("../src/read/alert.rs"),
        include_str!("../src/read/info.rs"),
        include_str!("../src/read/area.rs"),
        include_str!("../src/read/values.rs"),
        include_str!("../src/read/mod.rs"),
    ];
    for source in sources {
        for (i, _) in source.match_indices("\"CAP-U0") {
            let code = &source[i + 1..i + 9];
            assert!(cap_alerts::read::UPGRADE_CODES.iter().any(|(c, _)| *c == code), "{code} is not documented");
        }
    }
}
