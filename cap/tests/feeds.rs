//! CAP index feeds from the corpus: valid ones read cleanly, invalid ones get the errors their
//! labels name.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use cap_alerts::feed::{FeedKind, read_feed};
use cap_alerts::{Code, ReadOptions};

fn feed(name: &str) -> Option<cap_alerts::feed::Feed> {
    let corpus = common::corpus()?;
    let bytes = std::fs::read(corpus.join("feeds").join(name)).unwrap();
    Some(read_feed(&bytes, &ReadOptions::default()).unwrap_or_else(|f| panic!("{name}: {f}")))
}

#[test]
fn valid_feeds_read_without_feed_errors() {
    let Some(corpus) = common::corpus() else { return };
    let files = common::files(&corpus.join("feeds/valid"), &["atom", "rss"]);
    assert_eq!(files.len(), 8);
    for file in files {
        let name = common::rel(&corpus.join("feeds"), &file);
        let f = feed(&name).unwrap();
        let errors: Vec<_> = f.findings.iter().filter(|x| x.is_error()).collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
    }
    let weather = feed("valid/weather.atom").unwrap();
    assert_eq!(weather.kind, FeedKind::Atom);
    assert!(weather.entries.iter().all(|e| !e.alerts.is_empty() && e.alerts.iter().all(|a| a.alert.is_some())));
    let index = feed("valid/earthquake_index.atom").unwrap();
    assert_eq!(
        index.entries[0].cap_link.as_deref(),
        Some("http://earthquake.usgs.gov/earthquakes/catalogs/cap/us2010apcd"),
        "the link typed application/cap+xml is the CAP link"
    );
    let rss = feed("valid/ny_index.rss").unwrap();
    assert_eq!((rss.kind, rss.entries.len()), (FeedKind::Rss, 2));
    assert!(
        feed("valid/no_entries.atom").unwrap().entries.is_empty(),
        "a CAP alert outside an entry is foreign markup"
    );
}

fn has(f: &cap_alerts::feed::Feed, code: Code, path: &str) -> bool {
    f.all_findings().iter().any(|x| x.code == code && x.path == path)
}

#[test]
fn invalid_feeds_get_the_errors_their_labels_name() {
    if common::corpus().is_none() {
        return;
    }
    let cases: &[(&str, &[(Code, &str)])] = &[
        ("invalid/no_id.atom", &[(Code::FeedMissingElement, "/feed"), (Code::EntryMissingElement, "/feed/entry[1]")]),
        ("invalid/no_title.atom", &[(Code::EntryMissingElement, "/feed/entry[1]")]),
        ("invalid/no_link.atom", &[(Code::EntryWithoutCap, "/feed/entry[1]")]),
        ("invalid/invalid_element.atom", &[(Code::FeedUnexpectedElement, "/feed/foo")]),
        (
            "invalid/invalid.rss",
            &[
                (Code::EntryWithoutCap, "/rss/channel/item[1]"),
                (Code::ItemWithoutTitle, "/rss/channel/item[1]"),
                (Code::RssItemWithoutGuid, "/rss/channel/item[1]"),
            ],
        ),
        ("invalid/weather_invalid.atom", &[(Code::ForbiddenInIdentifier, "/feed/entry[1]/content/alert/identifier")]),
    ];
    for (name, expected) in cases {
        let f = feed(name).unwrap();
        assert!(f.has_errors(), "{name}");
        for (code, path) in *expected {
            assert!(has(&f, *code, path), "{name}: expected {code} at {path}, got {:#?}", f.all_findings());
        }
    }
    let missing = feed("invalid/no_id.atom").unwrap();
    let message = &missing.findings.iter().find(|f| f.path == "/feed").unwrap().message;
    assert!(message.contains("<id>"), "the message names the missing element: {message}");
}

#[test]
fn edxl_distributions_carry_their_alerts() {
    let Some(valid) = feed("edxl/bushfire_valid.edxlde") else { return };
    assert_eq!(valid.kind, FeedKind::Edxl);
    assert_eq!(valid.entries.len(), 7);
    assert!(valid.entries.iter().all(|e| e.alerts.len() == 1 && e.alerts[0].alert.is_some()));
    assert!(!valid.has_errors(), "{:#?}", valid.all_findings());

    let invalid = feed("edxl/bushfire_invalid.edxlde").unwrap();
    let all = invalid.all_findings();
    assert!(
        all.iter().any(|f| f.code == Code::MissingElement && f.path.starts_with("/EDXLDistribution/contentObject[2]")),
        "{all:#?}"
    );
    assert!(all.iter().any(|f| f.code == Code::NotInEnumeration && f.path.ends_with("/urgency")), "{all:#?}");
    assert!(all.iter().any(|f| f.position.is_some_and(|p| p.line == 115)), "positions point into the feed");

    let rfs = feed("edxl/rfs.xml").unwrap();
    assert!(!rfs.entries.is_empty());
}

#[test]
fn inline_alerts_keep_their_own_text_as_a_document() {
    let Some(weather) = feed("valid/weather.atom") else { return };
    let e = &weather.entries[0];
    assert_eq!(e.inline.len(), e.alerts.len());
    let text = &e.inline[0];
    assert!(text.contains("<!-- http-date = Mon, 30 Aug 2012 10:07:00 GMT -->"), "the element as written: {text}");
    let doc = cap_alerts::Reader::new().read(text.as_bytes()).unwrap_or_else(|r| panic!("{:?}", r.findings));
    assert_eq!(Some(&doc.alert), e.alerts[0].alert.as_ref(), "the same alert as the report's");
    assert!(feed("valid/earthquake_index.atom").unwrap().entries[0].inline.is_empty());
}
