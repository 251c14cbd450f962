//! Unit tests of the payload and the headers, on CAP alerts read from XML.

use std::sync::Arc;

use super::headers::{DEFAULT_TTL_SECS, MAX_TTL_SECS, thread, topic, ttl, urgency};
use super::{MAX_PLAINTEXT, PushError, payload};
use crate::AlertPayload;

/// A CAP time for a Unix time, written with the +01:00 offset senders in Central Europe use.
pub fn cap_time(unix: i64) -> String {
    let local = unix + 3600;
    let (days, secs) = (local.div_euclid(86_400), local.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+01:00", secs / 3600, secs / 60 % 60, secs % 60)
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

fn info(lang: &str, urgency: &str, severity: &str, expires: Option<i64>, headline: &str, instruction: &str) -> String {
    let expires = expires.map(|e| format!("<expires>{}</expires>", cap_time(e))).unwrap_or_default();
    format!(
        "<info><language>{lang}</language><category>Met</category><event>Flood</event>\
         <urgency>{urgency}</urgency><severity>{severity}</severity><certainty>Observed</certainty>{expires}\
         <headline>{headline}</headline><description>Water is rising.</description>\
         <instruction>{instruction}</instruction><area><areaDesc>Bratislava</areaDesc></area></info>"
    )
}

fn alert(identifier: &str, msg_type: &str, status: &str, references: &str, infos: &[String]) -> AlertPayload {
    let refs = if references.is_empty() { String::new() } else { format!("<references>{references}</references>") };
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">\
         <identifier>{identifier}</identifier><sender>cmd@tocsin.example</sender><sent>{}</sent>\
         <status>{status}</status><msgType>{msg_type}</msgType><scope>Public</scope>{refs}{}</alert>",
        cap_time(now() - 600),
        infos.concat()
    );
    let doc = cap_alerts::Reader::new().read(xml.as_bytes()).unwrap_or_else(|e| panic!("{e}: {xml}"));
    let mode = if status == "Actual" { "live" } else { "exercise" };
    AlertPayload::new(1, doc.alert, Arc::from(xml.into_bytes()), mode, Some("https://tocsin.example/cap/1.xml".into()))
}

fn json(p: &AlertPayload, langs: &[&str]) -> serde_json::Value {
    let langs: Vec<String> = langs.iter().map(|s| (*s).to_owned()).collect();
    serde_json::from_slice(&payload(p, &langs)).unwrap()
}

#[test]
fn the_payload_speaks_the_readers_language_and_marks_exercises() {
    let infos = [
        info("en-GB", "Expected", "Severe", Some(now() + 7200), "Flood warning", "Move to higher ground."),
        info("sk-SK", "Expected", "Severe", Some(now() + 7200), "Výstraha pred povodňou", "Presuňte sa vyššie."),
    ];
    let p = alert("A-1", "Alert", "Exercise", "", &infos).with_page_url(Some("https://tocsin.example/a/1".into()));
    let sk = json(&p, &["sk"]);
    assert_eq!(sk["language"], "sk-SK");
    assert_eq!(sk["headline"], "CVIČENIE: Výstraha pred povodňou");
    assert_eq!(sk["severity"], "Severe");
    assert_eq!(sk["severityText"], "Vážne nebezpečenstvo");
    assert_eq!(sk["mode"], "exercise");
    assert_eq!(sk["msgType"], "Alert");
    assert_eq!(sk["url"], "https://tocsin.example/a/1");
    assert_eq!(sk["tag"], topic(&p.alert));
    let en = json(&p, &["de", "fr"]);
    assert_eq!(en["language"], "en-GB");
    assert_eq!(en["headline"], "EXERCISE: Flood warning");
    assert_eq!(en["instruction"], "Move to higher ground.");
}

#[test]
fn long_texts_are_shortened_to_fit_one_record() {
    let long = "Stay indoors &amp; \"close\" the windows. ".repeat(300);
    let p = alert("A-2", "Alert", "Actual", "", &[info("en", "Immediate", "Extreme", None, "Chemical leak", &long)]);
    let bytes = payload(&p, &[]);
    assert!(bytes.len() <= MAX_PLAINTEXT, "{}", bytes.len());
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(v["headline"], "Chemical leak", "no marker on a live alert");
    let instruction = v["instruction"].as_str().unwrap();
    assert!(instruction.ends_with('…') && instruction.len() > 3000, "{}", instruction.len());
}

#[test]
fn ttl_follows_the_latest_expiry() {
    let t = now();
    let two = alert(
        "A-3",
        "Alert",
        "Actual",
        "",
        &[
            info("en", "Expected", "Minor", Some(t + 600), "a", "b"),
            info("sk", "Expected", "Minor", Some(t + 3600), "a", "b"),
        ],
    );
    let got = ttl(&two.alert, t).unwrap();
    assert_eq!(got, 3600);
    let none = alert("A-4", "Alert", "Actual", "", &[info("en", "Expected", "Minor", None, "a", "b")]);
    assert_eq!(ttl(&none.alert, t).unwrap(), DEFAULT_TTL_SECS);
    let far = alert("A-5", "Alert", "Actual", "", &[info("en", "Expected", "Minor", Some(t + 90 * 86_400), "a", "b")]);
    assert_eq!(ttl(&far.alert, t).unwrap(), MAX_TTL_SECS);
    assert_eq!(ttl(&two.alert, t + 3600), Err(PushError::Expired));
}

#[test]
fn updates_share_the_topic_of_the_earliest_original() {
    let t = now();
    let original = alert("A-6", "Alert", "Actual", "", &[info("en", "Expected", "Minor", None, "a", "b")]);
    let refs = format!("cmd@tocsin.example,A-7,{} cmd@tocsin.example,A-6,{}", cap_time(t - 300), cap_time(t - 900));
    let update = alert("A-8", "Update", "Actual", &refs, &[info("en", "Immediate", "Minor", None, "a", "b")]);
    assert_eq!(thread(&update.alert), ("cmd@tocsin.example", "A-6"));
    assert_eq!(topic(&update.alert), topic(&original.alert));
    assert_eq!(topic(&original.alert).len(), 32);
    assert!(topic(&original.alert).bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
    let other = alert("A-9", "Alert", "Actual", "", &[info("en", "Expected", "Minor", None, "a", "b")]);
    assert_ne!(topic(&other.alert), topic(&original.alert));
    assert_eq!(urgency(&original.alert), "normal");
    assert_eq!(urgency(&update.alert), "high");
}
