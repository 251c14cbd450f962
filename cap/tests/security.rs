//! Hostile input: the attack payloads of the corpus and the classic XML attacks are refused
//! without any network access, file access or expansion, in bounded time and memory.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::TcpListener;

use cap_alerts::feed::read_feed;
use cap_alerts::{Code, Mode, ReadOptions, Reader};

/// Runs `f` with a loopback listener standing in for the attacker's server, and returns how
/// many connections reached it.
fn connections_during(f: impl FnOnce(u16)) -> usize {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    f(port);
    std::thread::sleep(std::time::Duration::from_millis(100));
    listener.incoming().take_while(Result::is_ok).count()
}

#[test]
fn the_corpus_attack_payloads_are_refused_without_network_access() {
    let Some(corpus) = common::corpus() else { return };
    for (name, host, is_feed) in
        [("security/xee.cap", "localhost:8080", false), ("security/xee.atom", "googleusercontent.com", true)]
    {
        let payload = std::fs::read_to_string(corpus.join(name)).unwrap();
        assert!(payload.contains(host), "{name} points at its attacker's server");
        let hits = connections_during(|port| {
            let aimed = payload.replace(host, &format!("127.0.0.1:{port}"));
            let code = if is_feed {
                read_feed(aimed.as_bytes(), &ReadOptions::default()).expect_err(name).code
            } else {
                let report = Reader::new().mode(Mode::Lenient).check(aimed.as_bytes());
                assert!(report.alert.is_none(), "{name}: no model even in lenient mode");
                assert!(!format!("{report:?}").contains("root:"), "{name}: /etc/passwd was not read");
                report.findings[0].code
            };
            assert_eq!(code, Code::DoctypeRefused, "{name}");
        });
        assert_eq!(hits, 0, "{name}: nothing was fetched");
    }
}

const HEAD: &str = r#"<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>X</identifier><sender>s</sender><sent>2026-01-01T00:00:00-00:00</sent><status>Actual</status><msgType>Alert</msgType><scope>Public</scope>"#;

fn codes(xml: &str) -> Vec<Code> {
    Reader::new().mode(Mode::Lenient).check(xml.as_bytes()).findings.iter().map(|f| f.code).collect()
}

#[test]
fn entity_expansion_attacks_are_refused() {
    let billion_laughs = format!(
        "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]>{HEAD}<note>&lol2;</note></alert>"
    );
    assert_eq!(codes(&billion_laughs), vec![Code::DoctypeRefused]);
    let undeclared = format!("{HEAD}<note>&xxe;</note></alert>");
    assert_eq!(codes(&undeclared), vec![Code::UndefinedEntity]);
    let predefined = format!("{HEAD}<note>a &lt; b &amp; c &#x263A; &#9731;</note></alert>");
    let doc = Reader::new().read(predefined.as_bytes()).unwrap();
    assert_eq!(doc.alert.note.as_deref(), Some("a < b & c ☺ ☃"));
    let bad_char_ref = format!("{HEAD}<note>&#0;</note></alert>");
    assert_eq!(codes(&bad_char_ref), vec![Code::NotWellFormed]);
}

#[test]
fn size_and_depth_are_bounded() {
    let big = format!("{HEAD}<note>{}</note></alert>", "x".repeat(2 * 1024 * 1024));
    let report = Reader::new().check(big.as_bytes());
    assert_eq!(report.findings.iter().map(|f| f.code).collect::<Vec<_>>(), vec![Code::TooLarge]);
    assert!(report.findings[0].message.contains("1048576"), "{}", report.findings[0].message);
    assert!(Reader::new().max_bytes(4 * 1024 * 1024).read(big.as_bytes()).is_ok(), "the limit is configurable");

    let deep = format!("{HEAD}{}{}</alert>", "<x>".repeat(500_000), "</x>".repeat(500_000));
    assert!(deep.len() < 1024 * 1024 * 4);
    let report = Reader::new().mode(Mode::Lenient).max_bytes(8 * 1024 * 1024).check(deep.as_bytes());
    assert_eq!(report.findings.last().map(|f| f.code), Some(Code::TooDeep), "{:?}", report.findings);
    assert!(report.alert.is_none(), "reading stopped at the depth limit");
}

#[test]
fn a_polygon_built_to_exhaust_the_crossing_check_is_reported_not_checked_forever() {
    // 20,000 edges that all overlap in longitude: every pair would have to be compared.
    let mut pts = Vec::new();
    for i in 0..20_000 {
        let lon = if i % 2 == 0 { -170.0 } else { 170.0 };
        pts.push(format!("{:.5},{lon}", i as f64 * 0.004));
    }
    pts.push("85,179".into());
    pts.push("-5,179".into());
    pts.push(pts[0].clone());
    let xml = format!(
        "{HEAD}<info><category>Met</category><event>e</event><urgency>Past</urgency><severity>Minor</severity><certainty>Observed</certainty><area><areaDesc>a</areaDesc><polygon>{}</polygon></area></info></alert>",
        pts.join(" ")
    );
    assert!(xml.len() < 1024 * 1024);
    let report = Reader::new().check(xml.as_bytes());
    let codes: Vec<Code> = report.findings.iter().map(|f| f.code).collect();
    assert!(codes.contains(&Code::PolygonTooComplex), "{codes:?}");
    assert!(!report.has_errors(), "not checked is a warning, not a verdict: {codes:?}");
}

#[test]
fn malformed_documents_are_refused_with_a_position() {
    for (xml, code) in [
        (format!("{HEAD}<note>unclosed</alert>"), Code::NotWellFormed),
        (format!("{HEAD}</alert><alert/>"), Code::NotWellFormed),
        (format!("{HEAD}</alert>trailing"), Code::NotWellFormed),
        ("".to_owned(), Code::NotWellFormed),
        ("<feed xmlns=\"http://www.w3.org/2005/Atom\"/>".to_owned(), Code::NotCap),
        (HEAD.replace("cap:1.2", "cap:9.9") + "</alert>", Code::NotCap),
        (format!("{HEAD}<note>\u{1}</note></alert>"), Code::InvalidCharacter),
    ] {
        let report = Reader::new().mode(Mode::Lenient).check(xml.as_bytes());
        assert_eq!(report.findings.len(), 1, "{xml:.80}: {:?}", report.findings);
        assert_eq!(report.findings[0].code, code, "{xml:.80}");
        assert!(report.alert.is_none());
        if !xml.is_empty() && code != Code::NotCap {
            assert!(report.findings[0].position.is_some(), "{xml:.80}: the position is given");
        }
    }
}
