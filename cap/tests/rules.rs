//! Each CAP 1.2 rule, positive and negative: a clean template alert has no findings at all; each
//! row changes one thing and must get its finding at the right path, and each "still clean" row
//! changes something that looks suspicious but is allowed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use cap_alerts::{Code, Mode, Reader};

const TEMPLATE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>TOCSIN-2026-0001</identifier>
  <sender>ops@example.org</sender>
  <sent>2026-11-23T10:00:00+01:00</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <code>TOCSIN</code>
  <info>
    <language>sk-SK</language>
    <category>Met</category>
    <event>Flood</event>
    <responseType>Evacuate</responseType>
    <urgency>Immediate</urgency>
    <severity>Severe</severity>
    <certainty>Observed</certainty>
    <eventCode><valueName>TOCSIN</valueName><value>flood</value></eventCode>
    <effective>2026-11-23T10:00:00+01:00</effective>
    <onset>2026-11-23T11:00:00+01:00</onset>
    <expires>2026-11-23T18:00:00+01:00</expires>
    <headline>Flood warning</headline>
    <web>https://example.org/alerts/1</web>
    <parameter><valueName>level</valueName><value>3</value></parameter>
    <resource>
      <resourceDesc>Map</resourceDesc>
      <mimeType>text/plain</mimeType>
      <size>5</size>
      <uri>map.txt</uri>
      <derefUri>aGVsbG8=</derefUri>
      <digest>aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d</digest>
    </resource>
    <area>
      <areaDesc>Bratislava</areaDesc>
      <polygon>48.1,17.0 48.2,17.0 48.2,17.2 48.1,17.2 48.1,17.0</polygon>
      <circle>48.15,17.1 5</circle>
      <geocode><valueName>LAU</valueName><value>SK0101</value></geocode>
      <altitude>100</altitude>
      <ceiling>200</ceiling>
    </area>
  </info>
</alert>
"#;

const POLY: &str = "<polygon>48.1,17.0 48.2,17.0 48.2,17.2 48.1,17.2 48.1,17.0</polygon>";

fn with(changes: &[(&str, &str)]) -> String {
    let mut xml = TEMPLATE.to_owned();
    for (from, to) in changes {
        assert!(xml.contains(from), "the template has no {from:?}");
        xml = xml.replacen(from, to, 1);
    }
    xml
}

fn findings(xml: &str) -> Vec<cap_alerts::Finding> {
    Reader::new().mode(Mode::Lenient).check(xml.as_bytes()).findings
}

#[test]
fn the_template_is_clean() {
    let f = findings(TEMPLATE);
    assert!(f.is_empty(), "{f:#?}");
    assert!(Reader::new().read(TEMPLATE.as_bytes()).is_ok());
}

/// (what, changes, code, path)
type Row = (&'static str, &'static [(&'static str, &'static str)], Code, &'static str);

const VIOLATIONS: &[Row] = &[
    ("space in identifier", &[("TOCSIN-2026-0001", "TOCSIN 2026")], Code::ForbiddenInIdentifier, "/alert/identifier"),
    ("comma in identifier", &[("TOCSIN-2026-0001", "TOCSIN,2026")], Code::ForbiddenInIdentifier, "/alert/identifier"),
    ("< in identifier", &[("TOCSIN-2026-0001", "TOCSIN&lt;2026")], Code::ForbiddenInIdentifier, "/alert/identifier"),
    ("& in sender", &[("ops@example.org", "ops&amp;co")], Code::ForbiddenInSender, "/alert/sender"),
    ("empty sender", &[("ops@example.org", "")], Code::ForbiddenInSender, "/alert/sender"),
    (
        "Z time zone",
        &[("<sent>2026-11-23T10:00:00+01:00", "<sent>2026-11-23T09:00:00Z")],
        Code::ZuluTimeZone,
        "/alert/sent",
    ),
    (
        "fractional seconds",
        &[("<onset>2026-11-23T11:00:00+01:00", "<onset>2026-11-23T11:00:00.5+01:00")],
        Code::FractionalSeconds,
        "/alert/info[1]/onset",
    ),
    (
        "malformed time",
        &[("<onset>2026-11-23T11:00:00+01:00", "<onset>23.11.2026 11:00")],
        Code::MalformedDateTime,
        "/alert/info[1]/onset",
    ),
    (
        "expires before effective",
        &[("<expires>2026-11-23T18:00:00+01:00", "<expires>2026-11-23T09:30:00+01:00")],
        Code::ExpiresBeforeEffective,
        "/alert/info[1]/expires",
    ),
    (
        "expires before onset",
        &[("<expires>2026-11-23T18:00:00+01:00", "<expires>2026-11-23T10:30:00+01:00")],
        Code::ExpiresBeforeOnset,
        "/alert/info[1]/expires",
    ),
    (
        "expires before sent",
        &[("<expires>2026-11-23T18:00:00+01:00", "<expires>2026-11-23T08:00:00+01:00")],
        Code::ExpiredWhenSent,
        "/alert/info[1]/expires",
    ),
    (
        "restriction with Public",
        &[("<code>", "<restriction>staff only</restriction><code>")],
        Code::RestrictionWithoutRestrictedScope,
        "/alert/restriction",
    ),
    (
        "empty restriction",
        &[("<code>", "<restriction/><code>")],
        Code::RestrictionWithoutRestrictedScope,
        "/alert/restriction",
    ),
    (
        "Restricted without restriction",
        &[("<scope>Public", "<scope>Restricted")],
        Code::RestrictedWithoutRestriction,
        "/alert/restriction",
    ),
    (
        "Private without addresses",
        &[("<scope>Public", "<scope>Private")],
        Code::PrivateWithoutAddresses,
        "/alert/addresses",
    ),
    (
        "unbalanced quotes",
        &[("<scope>Public</scope>", "<scope>Private</scope><addresses>\"town hall</addresses>")],
        Code::UnbalancedQuotes,
        "/alert/addresses",
    ),
    ("empty references", &[("<info>", "<references> </references><info>")], Code::EmptyReferences, "/alert/references"),
    (
        "reference not a triple",
        &[("<info>", "<references>ops@example.org,TOCSIN-1</references><info>")],
        Code::MalformedReference,
        "/alert/references",
    ),
    (
        "reference to itself",
        &[("<info>", "<references>ops@example.org,TOCSIN-2026-0001,2026-11-23T10:00:00+01:00</references><info>")],
        Code::SelfReference,
        "/alert/references",
    ),
    (
        "Update without references",
        &[("<msgType>Alert", "<msgType>Update")],
        Code::MissingReferences,
        "/alert/references",
    ),
    (
        "Cancel without references",
        &[("<msgType>Alert", "<msgType>Cancel")],
        Code::MissingReferences,
        "/alert/references",
    ),
    (
        "reference repeated",
        &[("<info>", "<references>a,b,2026-11-22T10:00:00+01:00 a,b,2026-11-22T10:00:00+01:00</references><info>")],
        Code::RepeatedReference,
        "/alert/references",
    ),
    (
        "reference sent later",
        &[("<info>", "<references>a,b,2026-11-24T10:00:00+01:00</references><info>")],
        Code::PostdatedReference,
        "/alert/references",
    ),
    ("language tag", &[("<language>sk-SK", "<language>sk_SK")], Code::InvalidLanguage, "/alert/info[1]/language"),
    ("web relative", &[("https://example.org/alerts/1", "/alerts/1")], Code::WebNotAbsolute, "/alert/info[1]/web"),
    (
        "relative uri without derefUri",
        &[
            ("<derefUri>aGVsbG8=</derefUri>", ""),
            ("<size>5</size>", ""),
            ("<digest>aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d</digest>", ""),
        ],
        Code::ResourceUriInvalid,
        "/alert/info[1]/resource[1]/uri",
    ),
    (
        "derefUri not base64",
        &[("aGVsbG8=", "not base64!")],
        Code::DerefUriNotBase64,
        "/alert/info[1]/resource[1]/derefUri",
    ),
    (
        "digest not hex",
        &[("aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d", "sha1:aaf4")],
        Code::DigestMalformed,
        "/alert/info[1]/resource[1]/digest",
    ),
    (
        "digest mismatch",
        &[("aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d", "0000c61ddcc5e8a2dabede0f3b482cd9aea9434d")],
        Code::DigestMismatch,
        "/alert/info[1]/resource[1]/digest",
    ),
    (
        "sha-256 digest",
        &[(
            "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d",
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
        )],
        Code::DigestNotSha1,
        "/alert/info[1]/resource[1]/digest",
    ),
    (
        "mimeType",
        &[("<mimeType>text/plain", "<mimeType>plain text")],
        Code::MimeTypeInvalid,
        "/alert/info[1]/resource[1]/mimeType",
    ),
    ("size mismatch", &[("<size>5</size>", "<size>6</size>")], Code::SizeMismatch, "/alert/info[1]/resource[1]/size"),
    (
        "size not a number",
        &[("<size>5</size>", "<size>five</size>")],
        Code::NotANumber,
        "/alert/info[1]/resource[1]/size",
    ),
    (
        "polygon pairs",
        &[(POLY, "<polygon>48.1 17.0 48.2 17.0 48.2 17.2 48.1 17.0</polygon>")],
        Code::PolygonMalformed,
        "/alert/info[1]/area[1]/polygon[1]",
    ),
    (
        "polygon of three points",
        &[(POLY, "<polygon>48.1,17.0 48.2,17.0 48.1,17.0</polygon>")],
        Code::PolygonTooFewPoints,
        "/alert/info[1]/area[1]/polygon[1]",
    ),
    (
        "polygon not closed",
        &[(POLY, "<polygon>48.1,17.0 48.2,17.0 48.2,17.2 48.1,17.2</polygon>")],
        Code::PolygonNotClosed,
        "/alert/info[1]/area[1]/polygon[1]",
    ),
    (
        "latitude out of range",
        &[(POLY, "<polygon>98.1,17.0 48.2,17.0 48.2,17.2 98.1,17.0</polygon>")],
        Code::CoordinateOutOfRange,
        "/alert/info[1]/area[1]/polygon[1]",
    ),
    (
        "polygon crossing itself",
        &[(POLY, "<polygon>48.1,17.0 48.2,17.2 48.2,17.0 48.1,17.2 48.1,17.0</polygon>")],
        Code::PolygonSelfCrossing,
        "/alert/info[1]/area[1]/polygon[1]",
    ),
    ("empty polygon", &[(POLY, "<polygon/>")], Code::PolygonEmpty, "/alert/info[1]/area[1]/polygon[1]"),
    (
        "polygon across the antimeridian",
        &[(POLY, "<polygon>10,-179 10,179 11,179 11,-179 10,-179</polygon>")],
        Code::PolygonWide,
        "/alert/info[1]/area[1]/polygon[1]",
    ),
    (
        "circle without radius",
        &[("<circle>48.15,17.1 5", "<circle>48.15,17.1")],
        Code::CircleMalformed,
        "/alert/info[1]/area[1]/circle[1]",
    ),
    (
        "negative radius",
        &[("<circle>48.15,17.1 5", "<circle>48.15,17.1 -5")],
        Code::CircleNegativeRadius,
        "/alert/info[1]/area[1]/circle[1]",
    ),
    (
        "ceiling without altitude",
        &[("<altitude>100</altitude>", "")],
        Code::CeilingWithoutAltitude,
        "/alert/info[1]/area[1]/ceiling",
    ),
    (
        "ceiling below altitude",
        &[("<ceiling>200", "<ceiling>50")],
        Code::CeilingBelowAltitude,
        "/alert/info[1]/area[1]/ceiling",
    ),
    ("missing event", &[("<event>Flood</event>", "")], Code::MissingElement, "/alert/info[1]/event"),
    (
        "out of order",
        &[("<msgType>Alert</msgType>", ""), ("<scope>Public</scope>", "<scope>Public</scope><msgType>Alert</msgType>")],
        Code::OutOfOrder,
        "/alert/msgType",
    ),
    ("unknown element", &[("<code>", "<priority>1</priority><code>")], Code::UnexpectedElement, "/alert/priority"),
    (
        "repeated element",
        &[("<scope>Public</scope>", "<scope>Public</scope><scope>Public</scope>")],
        Code::RepeatedElement,
        "/alert/scope",
    ),
    ("enumeration", &[("<urgency>Immediate", "<urgency>Now")], Code::NotInEnumeration, "/alert/info[1]/urgency"),
    (
        "whitespace around a code",
        &[("<status>Actual", "<status> Actual ")],
        Code::SurroundingWhitespace,
        "/alert/status",
    ),
    ("empty addresses", &[("<code>", "<addresses/><code>")], Code::EmptyTreatedAsAbsent, "/alert/addresses"),
    (
        "element of CAP 1.1",
        &[("<code>", "<x:note xmlns:x=\"urn:oasis:names:tc:emergency:cap:1.1\">n</x:note><code>")],
        Code::MixedVersions,
        "/alert/note",
    ),
    ("text between elements", &[("<code>", "stray words<code>")], Code::TextNotAllowed, "/alert"),
    ("attribute on an element", &[("<status>", "<status lang=\"en\">")], Code::UnexpectedAttribute, "/alert/status"),
    ("empty event", &[("<event>Flood", "<event>")], Code::EmptyEvent, "/alert/info[1]/event"),
    ("empty value", &[("<value>3</value>", "<value></value>")], Code::EmptyValueName, "/alert/info[1]/parameter[1]"),
];

#[test]
fn each_rule_reports_its_violation_at_its_path() {
    for (what, changes, code, path) in VIOLATIONS {
        let xml = with(changes);
        let f = findings(&xml);
        let hit = f.iter().find(|x| x.code == *code && x.path == *path);
        let hit = hit.unwrap_or_else(|| panic!("{what}: expected {code} at {path}, got {f:#?}"));
        assert!(hit.position.is_some(), "{what}: the position is given");
        assert!(!hit.message.is_empty());
    }
}

const STILL_CLEAN: &[(&str, &[(&str, &str)])] = &[
    (
        "Restricted with restriction",
        &[("<scope>Public</scope>", "<scope>Restricted</scope><restriction>staff only</restriction>")],
    ),
    (
        "Private with addresses",
        &[("<scope>Public</scope>", "<scope>Private</scope><addresses>ops \"town hall\"</addresses>")],
    ),
    (
        "Update with references",
        &[
            ("<msgType>Alert", "<msgType>Update"),
            ("<info>", "<references>ops@example.org,TOCSIN-2026-0000,2026-11-23T09:00:00+01:00</references><info>"),
        ],
    ),
    ("UTC as -00:00", &[("<sent>2026-11-23T10:00:00+01:00", "<sent>2026-11-23T09:00:00-00:00")]),
    (
        "absolute uri without derefUri",
        &[
            ("<uri>map.txt", "<uri>https://example.org/map.txt"),
            ("<derefUri>aGVsbG8=</derefUri>", ""),
            ("<size>5</size>", ""),
            ("<digest>aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d</digest>", ""),
        ],
    ),
    ("a concave polygon", &[(POLY, "<polygon>48.1,17.0 48.3,17.0 48.3,17.3 48.2,17.1 48.1,17.3 48.1,17.0</polygon>")]),
    ("a repeated point", &[(POLY, "<polygon>48.1,17.0 48.2,17.0 48.2,17.0 48.2,17.2 48.1,17.2 48.1,17.0</polygon>")]),
    ("a zero radius", &[("<circle>48.15,17.1 5", "<circle>48.15,17.1 0")]),
    ("no language (en-US)", &[("<language>sk-SK</language>", "")]),
    ("whitespace around a time", &[("<sent>2026-11-23T10:00:00+01:00", "<sent> 2026-11-23T10:00:00+01:00 ")]),
    (
        "a cap: prefix",
        &[
            (
                "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">",
                "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\" xmlns:cap=\"urn:oasis:names:tc:emergency:cap:1.2\">",
            ),
            ("<status>Actual</status>", "<cap:status>Actual</cap:status>"),
        ],
    ),
    (
        "schema location",
        &[(
            "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">",
            "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"urn:oasis:names:tc:emergency:cap:1.2 cap.xsd\">",
        )],
    ),
    (
        "comments and a stylesheet",
        &[
            ("<alert xmlns", "<?xml-stylesheet href=\"x.xsl\" type=\"text/xsl\"?><!-- c --><alert xmlns"),
            ("<code>", "<!-- note --><code>"),
        ],
    ),
    ("CDATA text", &[("<headline>Flood warning", "<headline><![CDATA[Flood <warning>]]>")]),
];

#[test]
fn allowed_variants_stay_clean() {
    for (what, changes) in STILL_CLEAN {
        let f = findings(&with(changes));
        assert!(f.is_empty(), "{what}: {f:#?}");
    }
}

#[test]
fn required_values_that_cannot_be_read_leave_no_model() {
    for (what, changes) in [
        ("bad identifier", &[("TOCSIN-2026-0001", "A B")][..]),
        ("bad sent", &[("<sent>2026-11-23T10:00:00+01:00", "<sent>yesterday")]),
        ("bad status", &[("<status>Actual", "<status>Live")]),
        ("no msgType", &[("<msgType>Alert</msgType>", "")]),
    ] {
        let report = Reader::new().mode(Mode::Lenient).check(with(changes).as_bytes());
        assert!(report.has_errors(), "{what}");
        assert!(report.alert.is_none(), "{what}: no model even in lenient mode");
    }
}

#[test]
fn lenient_reading_leaves_out_what_it_cannot_read_and_says_so() {
    let xml = with(&[(POLY, &format!("<polygon/>{POLY}")), ("<urgency>Immediate", "<urgency>")]);
    assert!(Reader::new().read(xml.as_bytes()).is_err(), "strict refuses");
    let doc = Reader::new().mode(Mode::Lenient).read(xml.as_bytes()).unwrap();
    assert_eq!(doc.alert.infos[0].areas[0].polygons.len(), 1, "the empty polygon was left out");
    assert_eq!(doc.alert.infos[0].urgency, cap_alerts::model::Urgency::Unknown, "an empty urgency reads as Unknown");
    let codes: Vec<Code> = doc.findings.iter().map(|f| f.code).collect();
    assert_eq!(codes, [Code::NotInEnumeration, Code::PolygonEmpty]);
}

#[test]
fn findings_on_the_model_point_at_the_source_element_even_after_lenient_omissions() {
    // The crossing polygon is the second in the source, the first in the model.
    let xml = with(&[(POLY, "<polygon/><polygon>48.1,17.0 48.2,17.2 48.2,17.0 48.1,17.2 48.1,17.0</polygon>")]);
    let f = findings(&xml);
    let crossing = f.iter().find(|x| x.code == Code::PolygonSelfCrossing).unwrap();
    assert_eq!(crossing.path, "/alert/info[1]/area[1]/polygon[2]");
    let line = xml.lines().position(|l| l.contains("48.2,17.2 48.2,17.0")).unwrap() + 1;
    assert_eq!(crossing.position.map(|p| p.line), Some(line as u32));
}

#[test]
fn cap_1_0_and_1_1_are_upgraded_with_notes() {
    let v10 = TEMPLATE
        .replace("urn:oasis:names:tc:emergency:cap:1.2", "http://www.incident.com/cap/1.0")
        .replace("<responseType>Evacuate</responseType>", "")
        .replace(
            "<eventCode><valueName>TOCSIN</valueName><value>flood</value></eventCode>",
            "<eventCode>TOCSIN=flood</eventCode>",
        )
        .replace(
            "<parameter><valueName>level</valueName><value>3</value></parameter>",
            "<parameter>level=3</parameter>",
        )
        .replace("<geocode><valueName>LAU</valueName><value>SK0101</value></geocode>", "<geocode>LAU=SK0101</geocode>")
        .replace("<derefUri>aGVsbG8=</derefUri>", "")
        .replace("<uri>map.txt</uri>", "<uri>https://example.org/map.txt</uri>")
        .replace("<size>5</size>", "")
        .replace("<digest>aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d</digest>", "")
        .replace("<certainty>Observed", "<certainty>Very Likely")
        .replace("<scope>Public</scope>", "<password>secret</password>")
        .replace("<sent>2026-11-23T10:00:00+01:00", "<sent>2026-11-23T09:00:00Z");
    let doc = Reader::new().read(v10.as_bytes()).unwrap_or_else(|r| panic!("{r}"));
    assert_eq!(doc.version, cap_alerts::CapVersion::V1_0);
    let notes: Vec<&str> = doc.upgrades.iter().map(|u| u.code).collect();
    for code in ["CAP-U001", "CAP-U002", "CAP-U003", "CAP-U004", "CAP-U005", "CAP-U007"] {
        assert!(notes.contains(&code), "{code} in {notes:?}");
    }
    let info = &doc.alert.infos[0];
    assert_eq!(info.event_codes[0], cap_alerts::model::NamedValue::new("TOCSIN", "flood"));
    assert_eq!(info.certainty, cap_alerts::model::Certainty::Likely);
    assert_eq!(doc.alert.sent.to_string(), "2026-11-23T09:00:00-00:00");
    let written = cap_alerts::write(&doc.alert);
    let again = Reader::new().read(written.as_bytes()).unwrap();
    assert_eq!(again.version, cap_alerts::CapVersion::V1_2);
    assert!(again.upgrades.is_empty() && again.findings.is_empty(), "{:?}", again.findings);
}
