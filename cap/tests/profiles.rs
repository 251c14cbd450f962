//! Profile rules on alerts built for the purpose: each profile accepts a message written to it
//! and names what a message lacks.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use cap_alerts::{AuEventList, Code, Mode, Profile, Reader, TocsinProfile};

fn alert(infos: &str, codes: &str) -> String {
    format!(
        r#"<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>X-1</identifier><sender>ops@example.org</sender><sent>2026-11-23T10:00:00+01:00</sent><status>Actual</status><msgType>Alert</msgType><scope>Public</scope>{codes}{infos}</alert>"#
    )
}

fn info(lang: &str, extra_head: &str, extra_tail: &str, area: &str) -> String {
    format!(
        r#"<info><language>{lang}</language><category>Met</category><event>Wind</event><responseType>Prepare</responseType><urgency>Expected</urgency><severity>Moderate</severity><certainty>Likely</certainty>{extra_head}<onset>2026-11-23T12:00:00+01:00</onset><expires>2026-11-23T20:00:00+01:00</expires><senderName>SHMU</senderName><headline>Wind</headline><description>Gusts to 90 km/h.</description><instruction>Stay inside.</instruction>{extra_tail}<area><areaDesc>Bratislava</areaDesc>{area}</area></info>"#
    )
}

fn codes_of(xml: &str, profile: Profile) -> Vec<Code> {
    let report = Reader::new().mode(Mode::Lenient).profile(profile).check(xml.as_bytes());
    assert!(report.alert.is_some(), "{:?}", report.findings);
    report.findings.iter().map(|f| f.code).collect()
}

const POLY: &str = "<polygon>48.1,17.0 48.2,17.0 48.2,17.2 48.1,17.2 48.1,17.0</polygon>";

#[test]
fn meteoalarm() {
    let params = r#"<parameter><valueName>awareness_level</valueName><value>2; yellow; Moderate</value></parameter><parameter><valueName>awareness_type</valueName><value>1; Wind</value></parameter>"#;
    let emma = "<geocode><valueName>EMMA_ID</valueName><value>SK001</value></geocode>";
    let good = alert(&info("en-GB", "", params, emma), "");
    assert_eq!(codes_of(&good, Profile::MeteoAlarm), Vec::<Code>::new());
    let no_emma =
        alert(&info("en-GB", "", params, "<geocode><valueName>NUTS3</valueName><value>SK010</value></geocode>"), "");
    assert_eq!(codes_of(&no_emma, Profile::MeteoAlarm), [Code::MeteoAlarmEmma]);
    let wrong_level = alert(&info("en-GB", "", &params.replace("2; yellow; Moderate", "3; orange; Severe"), emma), "");
    assert_eq!(codes_of(&wrong_level, Profile::MeteoAlarm), [Code::MeteoAlarmSeverity]);
    let unknown =
        alert(&info("en-GB", "", &params.replace("2; yellow", "7; purple").replace("1; Wind", "11; Hail"), emma), "");
    assert_eq!(codes_of(&unknown, Profile::MeteoAlarm), [Code::MeteoAlarmLevel, Code::MeteoAlarmType]);
    let bare = alert(
        &info("en-GB", "", "", emma)
            .replace("<language>en-GB</language>", "")
            .replace("<onset>2026-11-23T12:00:00+01:00</onset>", ""),
        "",
    );
    let c = codes_of(&bare, Profile::MeteoAlarm);
    for code in [Code::MeteoAlarmLanguage, Code::MeteoAlarmLevel, Code::MeteoAlarmType, Code::MeteoAlarmExpires] {
        assert!(c.contains(&code), "{code} in {c:?}");
    }
}

#[test]
fn ipaws() {
    let same = "<eventCode><valueName>SAME</valueName><value>HWW</value></eventCode>";
    let params = "<parameter><valueName>EAS-ORG</valueName><value>WXR</value></parameter><parameter><valueName>BLOCKCHANNEL</valueName><value>CMAS</value></parameter><parameter><valueName>CMAMtext</valueName><value>High wind warning</value></parameter>";
    let geo = "<geocode><valueName>SAME</valueName><value>006109</value></geocode>";
    let good = alert(&info("en-US", same, params, geo), "<code>IPAWSv1.0</code>")
        .replace("<onset>2026-11-23T12:00:00+01:00</onset>", "");
    assert_eq!(codes_of(&good, Profile::Ipaws), Vec::<Code>::new());
    let bad = good
        .replace("<code>IPAWSv1.0</code>", "")
        .replace("+01:00</sent>", "-00:00</sent>")
        .replace("<value>WXR</value>", "<value>NWS</value>")
        .replace("<value>HWW</value>", "<value>WIND</value>")
        .replace("High wind warning", &"x".repeat(91));
    let c = codes_of(&bad, Profile::Ipaws);
    for code in [Code::IpawsCode, Code::IpawsLocalTime, Code::IpawsParameter, Code::IpawsSameEventCode] {
        assert!(c.contains(&code), "{code} in {c:?}");
    }
    assert_eq!(c.iter().filter(|x| **x == Code::IpawsParameter).count(), 2, "EAS-ORG and CMAMtext");
    let two_infos = good.replace("</alert>", "") + &info("es-US", "", params, geo) + "</alert>";
    assert!(codes_of(&two_infos, Profile::Ipaws).contains(&Code::IpawsInfosMustMatch));
}

#[test]
fn cap_cp() {
    let ev = "<eventCode><valueName>profile:CAP-CP:Event:0.4</valueName><value>wind</value></eventCode>";
    let loc = "<geocode><valueName>profile:CAP-CP:Location:0.3</valueName><value>3537064</value></geocode>";
    let two = format!("{}{}", info("en-CA", ev, "", loc), info("fr-CA", ev, "", loc));
    let good = alert(&two, "<code>profile:CAP-CP:0.4</code>");
    assert_eq!(codes_of(&good, Profile::CapCp), [Code::CapCpGeometry, Code::CapCpGeometry]);
    let english_only = alert(&info("en-CA", ev, "", &format!("{POLY}{loc}")), "<code>profile:CAP-CP:0.4</code>");
    assert_eq!(codes_of(&english_only, Profile::CapCp), [Code::CapCpLanguages]);
    let bare = alert(&info("en-CA", "", "", POLY), "");
    let c = codes_of(&bare, Profile::CapCp);
    for code in [Code::CapCpCode, Code::CapCpEventCode, Code::CapCpLocation] {
        assert!(c.contains(&code), "{code} in {c:?}");
    }
}

#[test]
fn cap_au() {
    let list = AuEventList::from_csv(
        "CAP-AU #,TIER I EVENTS,TIER II EVENTS,EVENT CODE\n1,Wind,,wind\n2,Fire,Bushfire,bushFire\n",
    )
    .unwrap();
    let ev = "<eventCode><valueName>https://govshare.gov.au/xmlui/handle/10772/6495</valueName><value>wind</value></eventCode>";
    let geo = format!(
        "{POLY}<geocode><valueName>http://www.iso.org/iso/country_codes.html</valueName><value>AU</value></geocode>"
    );
    let good =
        alert(&info("en-AU", ev, "", &geo), "<code>urn:oasis:names:tc:emergency:cap:1.2:profile:CAP-AU:1.0</code>");
    assert_eq!(codes_of(&good, Profile::CapAu(Some(list.clone()))), Vec::<Code>::new());
    assert_eq!(codes_of(&good, Profile::CapAu(None)), [Code::CapAuNoEventList]);
    let mismatch = good.replace("<value>wind</value>", "<value>bushFire</value>");
    assert_eq!(codes_of(&mismatch, Profile::CapAu(Some(list.clone()))), [Code::CapAuEventMismatch]);
    let unknown = good.replace("<value>wind</value>", "<value>hail</value>");
    assert_eq!(codes_of(&unknown, Profile::CapAu(Some(list))), [Code::CapAuUnknownEvent]);
}

#[test]
fn tocsin_authoring() {
    let geo = "<geocode><valueName>LAU</valueName><value>SK0101</value></geocode>";
    let known = TocsinProfile::with_geocodes([("LAU".to_owned(), "SK0101".to_owned())]);
    let two = format!("{}{}", info("sk", "", "", POLY), info("en", "", "", POLY));
    assert_eq!(codes_of(&alert(&two, ""), Profile::Tocsin(known.clone())), Vec::<Code>::new());
    let by_geocode = alert(&info("sk", "", "", geo), "");
    assert_eq!(codes_of(&by_geocode, Profile::Tocsin(known)), Vec::<Code>::new());
    assert_eq!(
        codes_of(&by_geocode, Profile::Tocsin(TocsinProfile::default())),
        [Code::TocsinArea],
        "an unknown geocode targets nobody"
    );
    let same_language = format!("{}{}", info("sk", "", "", POLY), info("sk", "", "", POLY));
    assert_eq!(
        codes_of(&alert(&same_language, ""), Profile::Tocsin(TocsinProfile::default())),
        [Code::TocsinOneInfoPerLanguage]
    );
    let differ = format!("{}{}", info("sk", "", "", POLY), info("en", "", "", POLY).replace("Moderate", "Severe"));
    assert_eq!(
        codes_of(&alert(&differ, ""), Profile::Tocsin(TocsinProfile::default())),
        [Code::TocsinTranslationsDiffer]
    );
    let sloppy = info("sk", "", "", POLY)
        .replace("<expires>2026-11-23T20:00:00+01:00</expires>", "")
        .replace("<headline>Wind</headline>", "")
        .replace("<instruction>Stay inside.</instruction>", "");
    let c = codes_of(&alert(&sloppy, ""), Profile::Tocsin(TocsinProfile::default()));
    assert_eq!(c, [Code::TocsinExpires, Code::TocsinHeadline, Code::TocsinInstruction]);
    assert_eq!(codes_of(&alert("", ""), Profile::Tocsin(TocsinProfile::default())), [Code::TocsinInfoRequired]);
}

#[test]
fn profiles_are_chosen_by_name() {
    for name in Profile::NAMES {
        assert_eq!(Profile::by_name(name).unwrap().name(), *name);
    }
    assert!(Profile::by_name("IPAWS").is_some());
    assert!(Profile::by_name("google").is_none());
}
