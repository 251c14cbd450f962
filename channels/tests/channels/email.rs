//! The email channel against aiosmtpd (`tests/peers/smtp_server.py`): what the server received
//! is parsed by Python's `email` package (`tests/peers/smtp_parse.py`), not by our code.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use channels::email::{Email, EmailConfig, Security};
use channels::{AlertPayload, Channel, HealthState, Message, Outcome, Recipient};
use serde_json::Value;

use crate::support::{Peer, absent, free_port, python_module, wait_for_port};

const FROM: &str = "Town of Hronov warnings <warn@town.example>";

/// A running `smtp_server.py` and the folder it stores messages in.
struct Smtp {
    _peer: Peer,
    port: u16,
    dir: tempfile::TempDir,
}

impl Smtp {
    fn start(options: &[&str]) -> Option<Smtp> {
        python_module("aiosmtpd")?;
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let child = Command::new("python3")
            .arg(peers().join("smtp_server.py"))
            .args(["--port", &port.to_string(), "--dir", dir.path().to_str().unwrap()])
            .args(options)
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let peer = Peer(child);
        wait_for_port(port);
        Some(Smtp { _peer: peer, port, dir })
    }

    /// Every message received, parsed by Python.
    fn received(&self) -> Vec<Value> {
        let out = Command::new("python3").arg(peers().join("smtp_parse.py")).arg(self.dir.path()).output().unwrap();
        assert!(out.status.success(), "smtp_parse.py: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<Value>(&out.stdout).unwrap().as_array().unwrap().clone()
    }

    fn config(&self) -> EmailConfig {
        EmailConfig {
            port: self.port,
            timeout: Duration::from_secs(10),
            ..EmailConfig::new("127.0.0.1", Security::None, FROM)
        }
    }
}

fn peers() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/peers")
}

/// A private CA and a certificate for 127.0.0.1 and localhost signed by it, made with the
/// `openssl` command: (the folder, the CA's PEM).
fn certificates() -> Option<(tempfile::TempDir, Vec<u8>)> {
    if Command::new("openssl").arg("version").output().is_err() {
        return absent("the openssl command");
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("ext.cnf"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    openssl(
        d,
        &[&["req", "-x509"], &ec[..], &["-keyout", "ca.key", "-out", "ca.pem", "-days", "2"]].concat(),
        &[
            "-subj",
            "/CN=Tocsin test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign",
        ],
    );
    openssl(
        d,
        &[&["req"], &ec[..], &["-keyout", "server.key", "-out", "server.csr"]].concat(),
        &["-subj", "/CN=localhost"],
    );
    openssl(
        d,
        &["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial"],
        &["-out", "server.pem", "-days", "2", "-extfile", "ext.cnf"],
    );
    let ca = std::fs::read(d.join("ca.pem")).unwrap();
    Some((dir, ca))
}

fn openssl(dir: &Path, args: &[&str], more: &[&str]) {
    let out = Command::new("openssl").current_dir(dir).args(args).args(more).output().unwrap();
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn tls_files(dir: &Path) -> [String; 2] {
    [dir.join("server.pem").to_str().unwrap().to_owned(), dir.join("server.key").to_str().unwrap().to_owned()]
}

const CAP: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>TOCSIN-EMAIL-1</identifier><sender>ops@hronov.example</sender>
  <sent>2026-11-23T10:00:00+01:00</sent><status>Exercise</status><msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <language>sk</language><category>Met</category><event>Povodeň</event>
    <urgency>Immediate</urgency><severity>Extreme</severity><certainty>Likely</certainty>
    <expires>2026-11-23T18:00:00+01:00</expires><senderName>Mesto Hronov</senderName>
    <headline>Povodeň na Hrone</headline>
    <description>Hladina Hrona stúpa.

Očakáva sa vyliatie z koryta.</description>
    <instruction>Presuňte sa na vyššie položené miesto.</instruction>
    <area><areaDesc>Hronov, dolná časť</areaDesc></area>
  </info>
  <info>
    <language>en</language><category>Met</category><event>Flood</event>
    <urgency>Immediate</urgency><severity>Extreme</severity><certainty>Likely</certainty>
    <senderName>Town of Hronov</senderName>
    <headline>Flood on the Hron &lt;script&gt;alert("x")&lt;/script&gt; &amp; more</headline>
    <instruction>Move to higher ground.</instruction>
    <area><areaDesc>Hronov, lower town</areaDesc></area>
  </info>
  <info>
    <language>uk</language><category>Met</category><event>Повінь</event>
    <urgency>Immediate</urgency><severity>Extreme</severity><certainty>Likely</certainty>
    <headline>Повінь на річці Грон</headline>
    <area><areaDesc>Гронов</areaDesc></area>
  </info>
</alert>"#;

fn payload() -> Arc<AlertPayload> {
    let doc = cap_alerts::Reader::new().read(CAP.as_bytes()).unwrap();
    let p = AlertPayload::new(
        7,
        doc.alert,
        Arc::from(CAP.as_bytes()),
        "exercise",
        Some("https://town.example/cap/7.xml".into()),
    )
    .with_page_url(Some("https://town.example/a/7".into()));
    Arc::new(p)
}

fn to(address: &str, languages: &[&str], delivery_id: i64, alert: &Arc<AlertPayload>) -> Message {
    Message {
        delivery_id,
        attempt: 1,
        alert: alert.clone(),
        recipient: Recipient::Email {
            address: address.into(),
            languages: languages.iter().map(|l| (*l).to_owned()).collect(),
            unsubscribe_url: Some(format!("https://town.example/unsubscribe/{delivery_id}?t=x&u=1")),
        },
    }
}

fn part<'a>(m: &'a Value, content_type: &str) -> &'a Value {
    m["parts"].as_array().unwrap().iter().find(|p| p["content_type"] == content_type).unwrap()
}

fn header<'a>(m: &'a Value, name: &str) -> &'a str {
    m["headers"][name].as_str().unwrap_or_else(|| panic!("no {name} header in {}", m["headers"]))
}

fn position(text: &str, needle: &str) -> usize {
    text.find(needle).unwrap_or_else(|| panic!("{needle:?} not in {text}"))
}

#[tokio::test]
async fn alert_arrives_in_the_readers_language_first_then_every_other() {
    let Some(smtp) = Smtp::start(&[]) else { return };
    let email = Email::new(smtp.config()).unwrap();
    let alert = payload();
    let outcome = email.send(&to("jana@hronov.example", &["sk-SK"], 41, &alert)).await;
    let Outcome::Sent { provider_id } = outcome else { panic!("{outcome:?}") };
    let sent = email.send(&to("john@hronov.example", &["en-GB", "sk"], 42, &alert)).await;
    assert!(matches!(sent, Outcome::Sent { .. }), "{sent:?}");

    let received = smtp.received();
    assert_eq!(received.len(), 2);
    let (sk, en) = (&received[0], &received[1]);
    assert_eq!(sk["meta"]["rcpt_tos"][0], "jana@hronov.example");
    assert_eq!(provider_id.as_deref(), sk["meta"]["queue_id"].as_str(), "the queue id from the 250 reply");
    assert_eq!(header(sk, "subject"), "[CVIČENIE] Extrémne nebezpečenstvo: Povodeň na Hrone");
    assert_eq!(
        header(en, "subject"),
        r#"[EXERCISE] Extreme danger: Flood on the Hron <script>alert("x")</script> & more"#
    );
    assert_eq!(header(sk, "from"), FROM);
    assert_eq!(sk["content_type"], "multipart/alternative");

    let text = part(sk, "text/plain");
    let html = part(sk, "text/html");
    assert_eq!(text["charset"], "utf-8");
    assert_eq!(html["charset"], "utf-8");
    let (text, html) = (text["text"].as_str().unwrap(), html["text"].as_str().unwrap());
    assert!(text.starts_with("*** CVIČENIE ***"), "{text}");
    assert!(
        position(text, "Povodeň na Hrone") < position(text, "Flood on the Hron")
            && position(text, "Flood on the Hron") < position(text, "Повінь на річці Грон"),
        "the reader's language first, then the alert's order: {text}"
    );
    for needle in ["Presuňte sa na vyššie položené miesto.", "Hronov, dolná časť", "Mesto Hronov", "2026-11-23 18:00"]
    {
        assert!(text.contains(needle) && html.contains(needle), "{needle:?} missing");
    }
    assert!(text.contains("https://town.example/a/7"), "the link to the alert's page");

    assert!(html.contains(r#"<html lang="sk""#), "{html}");
    assert!(
        position(html, r#"<section lang="sk">"#) < position(html, r#"<section lang="en">"#)
            && position(html, r#"<section lang="en">"#) < position(html, r#"<section lang="uk">"#),
        "{html}"
    );
    assert!(html.contains("<h1 ") && html.contains("<h2 "), "headings: {html}");
    assert!(html.contains("Toto je cvičenie, nie skutočná mimoriadna udalosť."), "the exercise banner in words");
    assert!(!html.contains("<script>") && !html.contains("<img") && !html.contains("<table"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more"), "{html}");
    assert!(html.contains(r#"href="https://town.example/a/7""#));
    assert!(html.contains(r#"href="https://town.example/unsubscribe/41?t=x&amp;u=1""#), "unsubscribe in the body");

    let en_html = part(en, "text/html")["text"].as_str().unwrap();
    assert!(en_html.contains(r#"<html lang="en""#));
    assert!(position(en_html, r#"<section lang="en">"#) < position(en_html, r#"<section lang="sk">"#));
}

#[tokio::test]
async fn headers_unsubscribe_in_one_click_and_name_the_delivery() {
    let Some(smtp) = Smtp::start(&[]) else { return };
    let email = Email::new(smtp.config()).unwrap();
    let alert = payload();
    for (delivery, address) in [(41, "jana@hronov.example"), (41, "jana@hronov.example"), (43, "eva@hronov.example")] {
        let outcome = email.send(&to(address, &["sk"], delivery, &alert)).await;
        assert!(matches!(outcome, Outcome::Sent { .. }), "{outcome:?}");
    }
    let received = smtp.received();
    let m = &received[0];
    assert_eq!(header(m, "list-unsubscribe"), "<https://town.example/unsubscribe/41?t=x&u=1>");
    assert_eq!(header(m, "list-unsubscribe-post"), "List-Unsubscribe=One-Click");
    assert_eq!(header(m, "message-id"), "<tocsin-41@town.example>");
    assert_eq!(header(m, "x-tocsin-delivery"), "41");
    assert_eq!(header(m, "auto-submitted"), "auto-generated");
    assert_eq!(header(m, "priority"), "urgent");
    assert_eq!(header(m, "importance"), "high");
    assert_eq!(header(m, "content-language"), "sk, en, uk");
    assert_eq!(header(&received[1], "message-id"), "<tocsin-41@town.example>", "a repeat keeps its Message-ID");
    assert_eq!(header(&received[2], "message-id"), "<tocsin-43@town.example>");
}

#[tokio::test]
async fn a_notice_arrives_as_plain_text_with_its_own_message_id() {
    let Some(smtp) = Smtp::start(&[]) else { return };
    let email = Email::new(smtp.config()).unwrap();
    let recipient =
        Recipient::Email { address: "jana@hronov.example".into(), languages: vec![], unsubscribe_url: None };
    let text = "Mesto: your code is 123456. It confirms public warnings to this address.";
    let notice = channels::Notice { id: 9, recipient, subject: "Mesto: confirmation code".into(), text: text.into() };
    let outcome = email.send_notice(&notice).await;
    assert!(matches!(outcome, Outcome::Sent { .. }), "{outcome:?}");
    let received = smtp.received();
    let m = &received[0];
    assert_eq!(m["meta"]["rcpt_tos"][0], "jana@hronov.example");
    assert_eq!(header(m, "subject"), "Mesto: confirmation code");
    assert_eq!(header(m, "message-id"), "<tocsin-notice-9@town.example>");
    assert_eq!(header(m, "auto-submitted"), "auto-generated");
    assert_eq!(
        (m["content_type"].as_str(), m["parts"][0]["text"].as_str().map(str::trim)),
        (Some("text/plain"), Some(text))
    );
}

#[tokio::test]
async fn refusals_fail_and_temporary_errors_retry_without_the_address() {
    let Some(smtp) = Smtp::start(&[]) else { return };
    let email = Email::new(smtp.config()).unwrap();
    let alert = payload();
    let refused = email.send(&to("reject.jana@hronov.example", &["sk"], 1, &alert)).await;
    let Outcome::Failed { error } = &refused else { panic!("{refused:?}") };
    assert!(error.contains("550") && error.contains("User unknown"), "{error}");
    assert!(!error.contains("jana"), "no address in errors: {error}");
    assert_eq!(email.health().state, HealthState::Up, "a refused message is not the server's trouble");

    let later = email.send(&to("later.jana@hronov.example", &["sk"], 2, &alert)).await;
    let Outcome::Retry { error, .. } = &later else { panic!("{later:?}") };
    assert!(error.contains("451") && !error.contains("jana"), "{error}");
    assert_eq!(email.health().state, HealthState::Degraded);

    let fine = email.send(&to("jana@hronov.example", &["sk"], 3, &alert)).await;
    assert!(matches!(fine, Outcome::Sent { .. }), "the connection recovers after refusals: {fine:?}");
    assert_eq!(smtp.received().len(), 1);
}

#[tokio::test]
async fn a_server_that_is_down_means_retry_and_down() {
    let port = free_port();
    let email = Email::new(EmailConfig { port, ..EmailConfig::new("127.0.0.1", Security::None, FROM) }).unwrap();
    let err = email.check().await.unwrap_err();
    assert!(err.to_string().contains("could not connect to the SMTP server"), "{err}");
    let alert = payload();
    for id in 0..3 {
        let outcome = email.send(&to("jana@hronov.example", &["sk"], id, &alert)).await;
        assert!(matches!(outcome, Outcome::Retry { .. }), "{outcome:?}");
    }
    assert_eq!(email.health().state, HealthState::Down);
}

#[tokio::test]
async fn a_silent_server_times_out_and_retries() {
    let Some(smtp) = Smtp::start(&[]) else { return };
    let email = Email::new(EmailConfig { timeout: Duration::from_secs(1), ..smtp.config() }).unwrap();
    let outcome = email.send(&to("slow.jana@hronov.example", &["sk"], 1, &payload())).await;
    let Outcome::Retry { error, .. } = &outcome else { panic!("{outcome:?}") };
    assert!(error.contains("did not answer"), "{error}");
}

#[tokio::test]
async fn login_goes_over_starttls() {
    let Some((certs, ca)) = certificates() else { return };
    let [cert, key] = tls_files(certs.path());
    let Some(smtp) = Smtp::start(&["--starttls", &cert, &key, "--auth", "relay:s3cret"]) else { return };
    let config = EmailConfig {
        security: Security::StartTls,
        username: Some("relay".into()),
        password: Some("s3cret".into()),
        root_certificate_pem: Some(ca.clone()),
        ..smtp.config()
    };
    let email = Email::new(config.clone()).unwrap();
    email.check().await.unwrap();
    let outcome = email.send(&to("jana@hronov.example", &["sk"], 1, &payload())).await;
    assert!(matches!(outcome, Outcome::Sent { .. }), "{outcome:?}");
    let received = smtp.received();
    assert_eq!(received[0]["meta"]["tls"], true, "sent after STARTTLS");
    assert_eq!(received[0]["meta"]["login"], "relay");

    let wrong = Email::new(EmailConfig { password: Some("wrong".into()), ..config.clone() }).unwrap();
    let err = wrong.check().await.unwrap_err();
    assert!(err.to_string().contains("credentials") && !err.to_string().contains("wrong"), "{err}");
    let outcome = wrong.send(&to("jana@hronov.example", &["sk"], 2, &payload())).await;
    assert!(matches!(outcome, Outcome::Retry { .. }), "bad credentials are the settings' fault: {outcome:?}");

    let untrusted = Email::new(EmailConfig { root_certificate_pem: None, ..config }).unwrap();
    assert!(untrusted.check().await.is_err(), "a certificate from an unknown CA is refused");
    assert_eq!(smtp.received().len(), 1);
}

#[tokio::test]
async fn starttls_is_required_when_configured() {
    let Some((_certs, ca)) = certificates() else { return };
    let Some(smtp) = Smtp::start(&[]) else { return };
    let config = EmailConfig { security: Security::StartTls, root_certificate_pem: Some(ca), ..smtp.config() };
    let email = Email::new(config).unwrap();
    assert!(email.check().await.is_err(), "a server without STARTTLS is refused, not used in clear");
    let outcome = email.send(&to("jana@hronov.example", &["sk"], 1, &payload())).await;
    assert!(matches!(outcome, Outcome::Retry { .. }), "{outcome:?}");
    assert!(smtp.received().is_empty());
}

#[tokio::test]
async fn implicit_tls_on_connect() {
    let Some((certs, ca)) = certificates() else { return };
    let [cert, key] = tls_files(certs.path());
    let Some(smtp) = Smtp::start(&["--implicit-tls", &cert, &key]) else { return };
    let config = EmailConfig { security: Security::Tls, root_certificate_pem: Some(ca), ..smtp.config() };
    let email = Email::new(config).unwrap();
    let outcome = email.send(&to("jana@hronov.example", &["sk"], 1, &payload())).await;
    assert!(matches!(outcome, Outcome::Sent { .. }), "{outcome:?}");
    assert_eq!(smtp.received()[0]["meta"]["tls"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_sends_arrive_through_the_pool() {
    let Some(smtp) = Smtp::start(&[]) else { return };
    let email = Email::new(EmailConfig { pool_size: 10, ..smtp.config() }).unwrap();
    let alert = payload();
    let messages: Vec<Message> = (0..200).map(|i| to(&format!("r{i}@hronov.example"), &["sk"], i, &alert)).collect();
    let outcomes = futures_util::future::join_all(messages.iter().map(|m| email.send(m))).await;
    assert!(outcomes.iter().all(|o| matches!(o, Outcome::Sent { .. })), "{outcomes:?}");
    let received = smtp.received();
    assert_eq!(received.len(), 200);
    let mut ids: Vec<&str> = received.iter().map(|m| header(m, "x-tocsin-delivery")).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 200, "every delivery once");
    let mut peers: Vec<&str> = received.iter().map(|m| m["meta"]["peer"].as_str().unwrap()).collect();
    peers.sort_unstable();
    peers.dedup();
    assert!(peers.len() <= 10, "at most pool_size connections, not one per send: {}", peers.len());
}
