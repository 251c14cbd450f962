//! The SMS channels against real peers: the SMPP client against an SMSC on npm `smpp`'s
//! server (`peers/smsc.js`), which reports every PDU it received, and the HTTP gateway
//! adapter against a recording gateway on Python's http.server (`peers/sms_gateway.py`, in `sms/gateway.rs`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use channels::sms::smpp::{Smpp, SmppConfig};
use channels::sms::{SmsOptions, compose, plan};
use channels::{AlertPayload, Channel, Event, HealthState, Message, Outcome, Recipient};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::mpsc;

use crate::support::{free_port, npm_peers};

mod gateway;

/// Generous bounds so a broken peer fails the test instead of hanging it.
const PATIENCE: Duration = Duration::from_secs(30);

/// The SMSC peer, its commands and its reports.
struct Smsc {
    port: u16,
    _child: Child,
    stdin: ChildStdin,
    reports: mpsc::UnboundedReceiver<Value>,
}

impl Smsc {
    async fn start() -> Option<Smsc> {
        let dir = npm_peers()?;
        let port = free_port();
        let mut child = Command::new("node")
            .arg(dir.join("smsc.js"))
            .args([&port.to_string(), "tocsin", "secret"])
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let (tx, reports) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                let _ = tx.send(serde_json::from_str::<Value>(&line).unwrap());
            }
        });
        let mut smsc = Smsc { port, _child: child, stdin, reports };
        smsc.next("listening").await;
        Some(smsc)
    }

    /// The next report of this kind (earlier reports of other kinds are passed over).
    async fn next(&mut self, event: &str) -> Value {
        loop {
            let report = tokio::time::timeout(PATIENCE, self.reports.recv()).await.unwrap().unwrap();
            if report["event"] == event {
                return report;
            }
        }
    }

    async fn command(&mut self, command: Value) {
        self.stdin.write_all(format!("{command}\n").as_bytes()).await.unwrap();
        assert_eq!(self.next("ok").await["cmd"], command["cmd"]);
    }

    fn config(&self, binds: u32) -> SmppConfig {
        SmppConfig {
            host: "127.0.0.1".into(),
            port: self.port,
            tls: false,
            system_id: "tocsin".into(),
            password: "secret".into(),
            system_type: String::new(),
            source_addr: "Tocsin".into(),
            source_ton: 5,
            source_npi: 0,
            binds,
            window: 10,
            rate_per_second: 0.0,
            enquire_link: Duration::from_secs(30),
            request_receipts: true,
            sms: SmsOptions::default(),
            timeout: Duration::from_secs(5),
        }
    }
}

pub(super) fn alert(language: &str, headline: &str, instruction: &str) -> Arc<AlertPayload> {
    let escape = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;");
    let (headline, instruction) = (escape(headline), escape(instruction));
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>SMS-1</identifier><sender>ops@example.org</sender>
  <sent>2026-11-23T10:00:00+01:00</sent><status>Actual</status><msgType>Alert</msgType>
  <scope>Public</scope>
  <info><language>{language}</language><category>Met</category><event>Flood</event>
    <urgency>Immediate</urgency><severity>Severe</severity><certainty>Observed</certainty>
    <headline>{headline}</headline><instruction>{instruction}</instruction>
    <area><areaDesc>Hron</areaDesc></area></info>
</alert>"#
    );
    let doc = cap_alerts::Reader::new().read(xml.as_bytes()).unwrap();
    Arc::new(
        AlertPayload::new(7, doc.alert, Arc::from(xml.as_bytes()), "live", None)
            .with_page_url(Some("https://tocsin.example/a/7".into())),
    )
}

pub(super) fn message(alert: &Arc<AlertPayload>, delivery_id: i64) -> Message {
    Message {
        delivery_id,
        attempt: 1,
        alert: alert.clone(),
        recipient: Recipient::Sms { number: "+421900123456".into(), languages: vec!["sk".into()] },
    }
}

/// The text the channel sends for this alert.
pub(super) fn expected_text(alert: &AlertPayload, options: &SmsOptions) -> String {
    plan(&compose(alert, &["sk".into()], options), options).text
}

async fn started(smsc: &Smsc, config: SmppConfig) -> (Smpp, mpsc::Receiver<Event>) {
    let (tx, rx) = mpsc::channel(16);
    let smpp = Smpp::start(config, tx).unwrap();
    wait_health(&smpp, HealthState::Up).await;
    let _ = smsc;
    (smpp, rx)
}

async fn wait_health(channel: &dyn Channel, state: HealthState) -> String {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let health = channel.health();
        if health.state == state {
            return health.detail;
        }
        assert!(tokio::time::Instant::now() < deadline, "health stayed {health:?}, wanted {state:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub(super) fn sent_id(outcome: Outcome) -> String {
    match outcome {
        Outcome::Sent { provider_id: Some(id) } => id,
        other => panic!("expected Sent with an id, got {other:?}"),
    }
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn utf16_be(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes.chunks_exact(2).map(|p| u16::from_be_bytes([p[0], p[1]])).collect();
    String::from_utf16(&units).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smpp_sends_gsm_text_with_extension_characters() {
    let Some(mut smsc) = Smsc::start().await else { return };
    let (smpp, _events) = started(&smsc, smsc.config(1)).await;
    let a = alert("en-GB", "Fee €5 [river] {closed}", "Stay away ~ 100 m | call 112 ^");
    let id = sent_id(smpp.send(&message(&a, 1)).await);
    let sm = smsc.next("submit_sm").await;
    assert_eq!(sm["message_id"], id.as_str());
    assert_eq!((sm["esm_class"].as_u64(), sm["data_coding"].as_u64()), (Some(0), Some(0)));
    assert_eq!((sm["dest_addr_ton"].as_u64(), sm["dest_addr_npi"].as_u64()), (Some(1), Some(1)));
    assert_eq!(sm["destination_addr"], "421900123456");
    assert_eq!(sm["registered_delivery"], 1);
    assert_eq!(sm["source_addr"], "Tocsin");
    let text = "Severe danger: Fee €5 [river] {closed}. Stay away ~ 100 m | call 112 ^. https://tocsin.example/a/7";
    assert_eq!(sm["text"], text);
    let wire = sm["short_message_hex"].as_str().unwrap();
    assert!(wire.contains("1b65") && wire.contains("1b3c") && wire.contains("1b3e"), "escaped €, [ and ]");
    assert_eq!(sm["udh_hex"], Value::Null);
}

/// A verification code's notice to the test number.
pub(super) fn notice(id: i64, text: &str) -> channels::Notice {
    let recipient = Recipient::Sms { number: "+421900123456".into(), languages: vec!["sk".into()] };
    channels::Notice { id, recipient, subject: String::new(), text: text.into() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smpp_sends_a_notice_as_its_text_alone() {
    let Some(mut smsc) = Smsc::start().await else { return };
    let (smpp, _events) = started(&smsc, smsc.config(1)).await;
    let text = "Mesto: kod 123456 potvrdzuje varovania na toto cislo. Plati 15 min.";
    let id = sent_id(smpp.send_notice(&notice(5, text)).await);
    let sm = smsc.next("submit_sm").await;
    assert_eq!(sm["message_id"], id.as_str());
    assert_eq!((sm["destination_addr"].as_str(), sm["text"].as_str()), (Some("421900123456"), Some(text)));
    assert_eq!((sm["data_coding"].as_u64(), sm["udh_hex"].clone()), (Some(0), Value::Null), "one GSM segment");
    let not_sms = channels::Notice { recipient: Recipient::Memory { key: "x".into() }, ..notice(6, text) };
    assert!(matches!(smpp.send_notice(&not_sms).await, Outcome::Failed { .. }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smpp_sends_slovak_and_ukrainian_as_ucs2() {
    let Some(mut smsc) = Smsc::start().await else { return };
    let (smpp, _events) = started(&smsc, smsc.config(1)).await;
    for (lang, headline) in [("sk", "Povodeň: ľudia v ohrození"), ("uk", "Повінь: негайно в укриття")]
    {
        let a = alert(lang, headline, "—");
        sent_id(smpp.send(&message(&a, 2)).await);
        let expected = expected_text(&a, &SmsOptions::default());
        let segments = plan(&expected, &SmsOptions::default()).segments;
        assert_eq!(segments, 2, "{expected}");
        // UCS-2 parts may split between any two code units, so join the bytes, then decode.
        let mut bytes = Vec::new();
        for part in 1..=segments {
            let sm = smsc.next("submit_sm").await;
            assert_eq!((sm["esm_class"].as_u64(), sm["data_coding"].as_u64()), (Some(0x40), Some(8)));
            assert_eq!(hex(sm["udh_hex"].as_str().unwrap())[4..], [2, part as u8]);
            bytes.extend(hex(sm["body_hex"].as_str().unwrap()));
        }
        let text = utf16_be(&bytes);
        assert_eq!(text, expected);
        assert!(text.contains(headline));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smpp_splits_long_texts_into_udh_parts_that_reassemble() {
    let Some(mut smsc) = Smsc::start().await else { return };
    let (smpp, _events) = started(&smsc, smsc.config(2)).await;
    let instruction = "Leave the lower town now and go to the school on the hill; take documents and medicine. ";
    let a = alert("en-GB", "Flood on the Hron", &instruction.repeat(4));
    let id = sent_id(smpp.send(&message(&a, 0x1234)).await);
    let expected = expected_text(&a, &SmsOptions::default());
    let p = plan(&expected, &SmsOptions::default());
    assert_eq!(p.segments, 3);
    let mut whole = String::new();
    let mut first_id = None;
    for part in 1..=3u8 {
        let sm = smsc.next("submit_sm").await;
        assert_eq!(sm["esm_class"], 0x40);
        let udh = hex(sm["udh_hex"].as_str().unwrap());
        assert_eq!(udh, vec![0x05, 0x00, 0x03, 0x34, 3, part]);
        whole.push_str(sm["text"].as_str().unwrap());
        first_id.get_or_insert(sm["message_id"].as_str().unwrap().to_owned());
    }
    assert_eq!(whole, expected);
    assert_eq!(first_id.as_deref(), Some(id.as_str()), "the provider id is the first part's");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smpp_receipts_become_events() {
    let Some(mut smsc) = Smsc::start().await else { return };
    let (smpp, mut events) = started(&smsc, smsc.config(1)).await;
    let a = alert("en-GB", "Flood", "Go up");
    for (stat, delivered) in [("DELIVRD", true), ("UNDELIV", false)] {
        let id = sent_id(smpp.send(&message(&a, 3)).await);
        smsc.command(json!({"cmd": "receipt", "id": id, "stat": stat, "err": if delivered { "000" } else { "034" }}))
            .await;
        let event = tokio::time::timeout(PATIENCE, events.recv()).await.unwrap().unwrap();
        let Event::Receipt { channel, provider_id, delivered: d, detail } = event else { panic!("not a receipt") };
        assert_eq!((channel, provider_id.as_str(), d), ("sms", id.as_str(), delivered));
        assert!(detail.starts_with(stat), "{detail}");
        assert_eq!(smsc.next("deliver_sm_resp").await["command_status"], 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smpp_mobile_originated_stop_becomes_an_inbound_event() {
    let Some(mut smsc) = Smsc::start().await else { return };
    let (_smpp, mut events) = started(&smsc, smsc.config(1)).await;
    smsc.command(json!({"cmd": "mo", "from": "421900765432", "text": "STOP"})).await;
    let event = tokio::time::timeout(PATIENCE, events.recv()).await.unwrap().unwrap();
    assert_eq!(event, Event::Inbound { channel: "sms", from: "+421900765432".into(), text: "STOP".into() });
    assert_eq!(smsc.next("deliver_sm_resp").await["command_status"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smpp_throttling_retries_later_then_succeeds() {
    let Some(mut smsc) = Smsc::start().await else { return };
    let (smpp, _events) = started(&smsc, smsc.config(1)).await;
    let a = alert("en-GB", "Flood", "Go up");
    smsc.command(json!({"cmd": "throttle", "n": 1})).await;
    match smpp.send(&message(&a, 4)).await {
        Outcome::Retry { not_before: Some(after), error } => {
            assert!(after >= Duration::from_secs(1) && after <= Duration::from_secs(5), "{after:?}");
            assert!(error.contains("ESME_RTHROTTLED"), "{error}");
        }
        other => panic!("expected Retry, got {other:?}"),
    }
    assert_eq!(smsc.next("submit_sm").await["answered"], "ESME_RTHROTTLED");
    sent_id(smpp.send(&message(&a, 4)).await);
    assert!(smsc.next("submit_sm").await["message_id"].is_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smpp_outage_gives_retry_and_the_binds_come_back() {
    let Some(mut smsc) = Smsc::start().await else { return };
    let (smpp, _events) = started(&smsc, smsc.config(2)).await;
    assert_eq!(smpp.health().detail, "2 of 2 binds up");
    let a = alert("en-GB", "Flood", "Go up");
    smsc.command(json!({"cmd": "hold"})).await;
    wait_health(&smpp, HealthState::Down).await;
    assert!(matches!(smpp.send(&message(&a, 5)).await, Outcome::Retry { .. }));
    smsc.command(json!({"cmd": "release"})).await;
    assert_eq!(wait_health(&smpp, HealthState::Up).await, "2 of 2 binds up");
    sent_id(smpp.send(&message(&a, 5)).await);
    // A plain drop (no refusal) recovers too.
    smsc.command(json!({"cmd": "drop"})).await;
    wait_health(&smpp, HealthState::Up).await;
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        match smpp.send(&message(&a, 6)).await {
            Outcome::Sent { .. } => break,
            Outcome::Retry { .. } => assert!(tokio::time::Instant::now() < deadline, "never recovered"),
            other => panic!("a dropped connection must not fail a message: {other:?}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smpp_bad_password_keeps_health_down_with_the_reason() {
    let Some(mut smsc) = Smsc::start().await else { return };
    let mut config = smsc.config(1);
    config.password = "wrong".into();
    let (tx, _rx) = mpsc::channel(1);
    let smpp = Smpp::start(config, tx).unwrap();
    assert_eq!(smsc.next("bind_refused").await["system_id"], "tocsin");
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !smpp.health().detail.contains("ESME_RINVPASWD") {
        assert!(tokio::time::Instant::now() < deadline, "{:?}", smpp.health());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let health = smpp.health();
    assert_eq!(health.state, HealthState::Down);
    assert!(health.detail.starts_with("0 of 1 binds up; the SMSC refused the bind"), "{}", health.detail);
    assert!(!format!("{:?}", smsc.config(1)).contains("secret"), "Debug redacts the password");
}

#[tokio::test]
async fn smpp_config_errors_name_the_field() {
    let base = SmppConfig {
        host: "127.0.0.1".into(),
        port: 2775,
        tls: false,
        system_id: "tocsin".into(),
        password: "much-too-long".into(),
        system_type: String::new(),
        source_addr: "Tocsin".into(),
        source_ton: 5,
        source_npi: 0,
        binds: 1,
        window: 10,
        rate_per_second: 0.0,
        enquire_link: Duration::from_secs(30),
        request_receipts: false,
        sms: SmsOptions::default(),
        timeout: Duration::from_secs(5),
    };
    let (tx, _rx) = mpsc::channel(1);
    let e = Smpp::start(base.clone(), tx.clone()).unwrap_err().to_string();
    assert!(e.contains("`password`") && !e.contains("much-too-long"), "{e}");
    let e = Smpp::start(SmppConfig { password: "ok".into(), window: 0, ..base }, tx).unwrap_err().to_string();
    assert!(e.contains("`window`"), "{e}");
}
