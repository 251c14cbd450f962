//! Unit tests of SMS planning: segment boundaries, characters at part borders, shortening,
//! transliteration and the composed text.

use std::sync::Arc;

use super::segment::{short_messages, split};
use super::*;
use crate::AlertPayload;

fn opts(limit: u32) -> SmsOptions {
    SmsOptions { segment_limit: limit, transliterate: false }
}

fn plan_of(text: &str) -> SmsPlan {
    plan(text, &opts(10))
}

#[test]
fn gsm_single_and_concatenated_boundaries() {
    let p = plan_of(&"a".repeat(160));
    assert_eq!((p.encoding, p.segments, p.truncated), (Encoding::Gsm7, 1, false));
    assert_eq!(plan_of(&"a".repeat(161)).segments, 2);
    assert_eq!(plan_of(&"a".repeat(153 * 2)).segments, 2);
    assert_eq!(plan_of(&"a".repeat(153 * 2 + 1)).segments, 3);
    assert_eq!(plan_of(&"a".repeat(153 * 3)).segments, 3);
}

#[test]
fn extension_characters_count_two_septets() {
    let p = plan_of(&format!("{}€", "a".repeat(158)));
    assert_eq!((p.encoding, p.segments), (Encoding::Gsm7, 1));
    assert_eq!(plan_of(&format!("{}€", "a".repeat(159))).segments, 2);
    assert_eq!(plan_of(&"[]".repeat(80)).segments, 3, "160 extension characters are 320 septets");
}

#[test]
fn an_extension_character_is_never_split_from_its_escape() {
    let text = format!("{}€{}", "a".repeat(152), "b".repeat(100));
    let parts = split(&text, Encoding::Gsm7);
    assert_eq!(parts[0], "a".repeat(152));
    assert!(parts[1].starts_with('€'));
    let sms = short_messages(&text, Encoding::Gsm7, 7);
    assert_eq!(sms.len(), 2);
    assert_eq!(sms[0].len(), 6 + 152);
    assert_ne!(sms[0].last(), Some(&0x1B));
    assert_eq!(&sms[1][..8], &[0x05, 0x00, 0x03, 7, 2, 2, 0x1B, 0x65]);
}

#[test]
fn ucs2_single_and_concatenated_boundaries() {
    let p = plan_of(&"č".repeat(70));
    assert_eq!((p.encoding, p.segments), (Encoding::Ucs2, 1));
    assert_eq!(plan_of(&"č".repeat(71)).segments, 2);
    assert_eq!(plan_of(&"ж".repeat(67 * 2)).segments, 2);
    assert_eq!(plan_of(&"ж".repeat(67 * 2 + 1)).segments, 3);
    // One letter outside GSM puts the whole text in UCS-2.
    assert_eq!(plan_of(&format!("{}č", "a".repeat(69))).segments, 1);
    assert_eq!(plan_of(&format!("{}č", "a".repeat(70))).segments, 2);
}

#[test]
fn a_surrogate_pair_is_never_split() {
    let text = format!("{}🚨{}", "ж".repeat(66), "ж".repeat(10));
    assert_eq!(plan_of(&text).segments, 2);
    let parts = split(&text, Encoding::Ucs2);
    assert_eq!(parts[0].encode_utf16().count(), 66);
    assert!(parts[1].starts_with('🚨'));
    let sms = short_messages(&text, Encoding::Ucs2, 1);
    assert_eq!(sms[0].len(), 6 + 132);
    assert_eq!(&sms[1][6..10], &[0xD8, 0x3D, 0xDE, 0xA8]);
    let emoji_only = "🚨".repeat(35);
    assert_eq!(plan_of(&emoji_only).segments, 1, "35 pairs are 70 code units");
    assert_eq!(plan_of(&"🚨".repeat(36)).segments, 2);
}

#[test]
fn long_texts_are_shortened_at_a_word_boundary_to_the_limit() {
    let words = "Evacuate the lower town now and move to higher ground ".repeat(30);
    let p = plan(&words, &opts(4));
    assert!(p.truncated);
    assert_eq!((p.encoding, p.segments), (Encoding::Gsm7, 4));
    assert!(p.text.ends_with("..."));
    let kept = p.text.trim_end_matches("...");
    assert!(words.starts_with(kept));
    assert!(words[kept.len()..].starts_with(' '), "cut at a word boundary: {kept:?}");
    assert!(p.text.len() > 153 * 3, "uses the room it has");

    let single = plan(&words, &opts(1));
    assert_eq!((single.segments, single.truncated), (1, true));
    assert!(single.text.len() <= 160 && single.text.len() > 140);

    let slovak = "Okamžite opustite záplavové územie a choďte na vyvýšené miesto. ".repeat(20);
    let p = plan(&slovak, &opts(2));
    assert_eq!((p.encoding, p.segments, p.truncated), (Encoding::Ucs2, 2, true));
    assert!(p.text.ends_with('…'));
    assert!(p.text.encode_utf16().count() <= 134);
}

#[test]
fn texts_within_the_limit_are_untouched() {
    let text = "Flood warning: move to higher ground.";
    let p = plan(text, &opts(4));
    assert_eq!((p.text.as_str(), p.segments, p.truncated), (text, 1, false));
}

#[test]
fn transliteration_brings_slovak_polish_and_ukrainian_to_gsm() {
    let t = SmsOptions { segment_limit: 4, transliterate: true };
    let sk = plan("Povodňová výstraha: okamžite opustite pivnice a prízemie, ďalšie pokyny čoskoro.", &t);
    assert_eq!(sk.encoding, Encoding::Gsm7);
    assert_eq!(sk.text, "Povodnova vystraha: okamzite opustite pivnice a prizemie, dalsie pokyny coskoro.");
    let pl = plan("Ostrzeżenie: silny wiatr, żółte światła na ulicach – zostań w domu.", &t);
    assert_eq!(pl.text, "Ostrzezenie: silny wiatr, zolte swiatla na ulicach - zostan w domu.");
    assert_eq!(pl.encoding, Encoding::Gsm7);
    let uk = plan("Повітряна тривога! Негайно прямуйте до укриття. Щасти, Київ.", &t);
    assert_eq!(uk.text, "Povitriana tryvoha! Nehaino priamuite do ukryttia. Shchasty, Kyiv.");
    assert_eq!((uk.encoding, uk.segments), (Encoding::Gsm7, 1));
    let plain = plan("Povodňová výstraha", &opts(4));
    assert_eq!(plain.encoding, Encoding::Ucs2, "off by default");
}

fn payload(xml: &str, page_url: Option<&str>) -> AlertPayload {
    let doc = cap_alerts::Reader::new().read(xml.as_bytes()).unwrap();
    AlertPayload::new(1, doc.alert, Arc::from(xml.as_bytes()), "exercise", Some("https://example.org/cap/1.xml".into()))
        .with_page_url(page_url.map(Into::into))
}

fn cap(status: &str, msg_type: &str, instruction: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>T-1</identifier><sender>ops@example.org</sender>
  <sent>2026-11-23T10:00:00+01:00</sent><status>{status}</status><msgType>{msg_type}</msgType>
  <scope>Public</scope>{refs}
  <info><language>sk-SK</language><category>Met</category><event>Povodeň</event>
    <urgency>Immediate</urgency><severity>Severe</severity><certainty>Observed</certainty>
    <headline>Povodeň na Hrone</headline><instruction>{instruction}</instruction>
    <area><areaDesc>Banská Bystrica</areaDesc></area></info>
  <info><language>en-GB</language><category>Met</category><event>Flood</event>
    <urgency>Immediate</urgency><severity>Severe</severity><certainty>Observed</certainty>
    <headline>Flood on the Hron</headline><instruction>Move to higher ground</instruction>
    <area><areaDesc>Banska Bystrica</areaDesc></area></info>
</alert>"#,
        refs = if msg_type == "Alert" {
            ""
        } else {
            "<references>ops@example.org,T-0,2026-11-23T09:00:00+01:00</references>"
        }
    )
}

#[test]
fn compose_puts_the_marker_first_and_the_link_last() {
    let alert = payload(&cap("Exercise", "Update", "Choďte do vyšších poschodí."), Some("https://tocsin.example/a/1"));
    let text = compose(&alert, &["sk".into()], &SmsOptions::default());
    assert_eq!(
        text,
        "CVIČENIE AKTUALIZÁCIA: Vážne nebezpečenstvo: Povodeň na Hrone. Choďte do vyšších poschodí. https://tocsin.example/a/1"
    );
    let en = compose(&alert, &["en".into()], &SmsOptions::default());
    assert_eq!(
        en,
        "EXERCISE UPDATE: Severe danger: Flood on the Hron. Move to higher ground. https://tocsin.example/a/1"
    );
    let live = payload(&cap("Actual", "Alert", "x"), None);
    let text = compose(&live, &["en".into()], &SmsOptions::default());
    assert_eq!(text, "Severe danger: Flood on the Hron. Move to higher ground. https://example.org/cap/1.xml");
}

#[test]
fn compose_shortens_the_words_and_keeps_the_link() {
    let long = "Opustite dom a choďte na vyvýšené miesto, vezmite si doklady a lieky. ".repeat(10);
    let alert = payload(&cap("Actual", "Alert", &long), Some("https://tocsin.example/a/1"));
    let options = SmsOptions { segment_limit: 2, transliterate: true };
    let text = compose(&alert, &["sk".into()], &options);
    assert!(text.ends_with("... https://tocsin.example/a/1"), "{text}");
    assert!(text.starts_with("Vazne nebezpecenstvo: Povoden na Hrone. Opustite dom"), "{text}");
    let p = plan(&text, &options);
    assert_eq!((p.encoding, p.segments, p.truncated), (Encoding::Gsm7, 2, false));
    assert_eq!(p.text, text);
}

#[test]
fn e164_numbers_are_checked() {
    assert_eq!(e164_digits("+421900123456"), Some("421900123456"));
    assert_eq!(e164_digits("421900123456"), None);
    assert_eq!(e164_digits("+42190012345a"), None);
    assert_eq!(e164_digits("+0421900"), None);
}
