//! XML bombs, external entities, external DTDs, XInclude and the CAP corpus's attack payloads
//! to every endpoint that reads XML (refused with 4xx, nothing fetched from a listener that
//! records every connection), and XML to every other endpoint that takes a body (refused too).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::World;
use super::table::{Takes, cap};
use super::world::refused;
use crate::on_both_worlds;
use crate::support::Body;

/// A loopback listener that counts every connection made to it.
struct Listener {
    url: String,
    connections: Arc<AtomicUsize>,
}

impl Listener {
    async fn start() -> Listener {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", l.local_addr().expect("addr"));
        let connections = Arc::new(AtomicUsize::new(0));
        let count = connections.clone();
        tokio::spawn(async move {
            while let Ok((_stream, _)) = l.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
            }
        });
        Listener { url, connections }
    }
}

fn billion_laughs() -> String {
    let mut dtd = String::from("<!ENTITY lol0 \"lol\">");
    for i in 1..10 {
        dtd.push_str(&format!("<!ENTITY lol{i} \"{}\">", format!("&lol{};", i - 1).repeat(10)));
    }
    let doc = cap("BOMB-1").replace("<headline>Víchrica</headline>", "<headline>&lol9;</headline>");
    doc.replacen("<alert ", &format!("<!DOCTYPE alert [{dtd}]>\n<alert "), 1)
}

/// The hostile documents, each naming what it tries; `at` is the listener's URL.
fn payloads(at: &str) -> Vec<(String, String)> {
    let with_dtd = |dtd: &str, entity: &str| {
        let doc = cap("XXE-1").replace("<headline>Víchrica</headline>", &format!("<headline>{entity}</headline>"));
        doc.replacen("<alert ", &format!("<!DOCTYPE alert {dtd}>\n<alert "), 1)
    };
    let mut out = vec![
        ("billion laughs".to_owned(), billion_laughs()),
        ("an external entity on a file".into(), with_dtd("[<!ENTITY x SYSTEM \"file:///etc/passwd\">]", "&x;")),
        ("an external entity over HTTP".into(), with_dtd(&format!("[<!ENTITY x SYSTEM \"{at}/entity\">]"), "&x;")),
        ("an external DTD".into(), with_dtd(&format!("SYSTEM \"{at}/alert.dtd\""), "Víchrica")),
        (
            "a parameter entity".into(),
            with_dtd(&format!("[<!ENTITY % remote SYSTEM \"{at}/p\"> %remote;]"), "Víchrica"),
        ),
        (
            "XInclude, a schema location and a stylesheet".into(),
            cap("XI-1")
                .replacen("?>", &format!("?><?xml-stylesheet type=\"text/xsl\" href=\"{at}/x.xsl\"?>"), 1)
                .replace(
                    "<sender>",
                    &format!(
                        "<x xmlns:xi=\"http://www.w3.org/2001/XInclude\"><xi:include href=\"{at}/1\"/></x><y xmlns=\"http://a.b/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"http://a.b/ {at}/a.xsd\">a</y><sender>"
                    ),
                ),
        ),
    ];
    for name in ["xee.cap", "xee.atom"] {
        if let Some(text) = corpus(name) {
            let text = text.replace("http://localhost:8080", at).replace("http://googleusercontent.com", at);
            out.push((format!("the corpus's security/{name}"), text));
        }
    }
    out
}

/// A file of the CAP corpus's `security/` folder; None (said so) without `../shared`, which
/// CI requires.
fn corpus(name: &str) -> Option<String> {
    let root = std::env::var_os("TOCSIN_CAP_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/cap-corpus"));
    let p = root.join("security").join(name);
    match std::fs::read_to_string(&p) {
        Ok(t) => Some(t),
        Err(_) => {
            assert!(std::env::var_os("TOCSIN_CI").is_none(), "the CAP corpus is required under CI: {}", p.display());
            eprintln!("skipping the corpus's attack payloads: {} is absent", p.display());
            None
        }
    }
}

on_both_worlds!(xml_attacks_are_refused_and_fetch_nothing, crate::hostile::xml::attacks);

pub async fn attacks(w: World) {
    let listener = Listener::start().await;
    let before = w.stored().await;
    let payloads = payloads(&listener.url);
    assert!(payloads.len() >= 6);
    let mut xml_endpoints = 0;
    for (method, template, case) in World::cases() {
        let path = w.concrete(template, None);
        let media = match case.takes {
            Takes::Media(m, _) if m.contains("xml") => {
                xml_endpoints += 1;
                m
            }
            Takes::Nothing | Takes::Unread => continue,
            // Endpoints that take no XML must refuse it as it comes.
            _ => "application/xml",
        };
        for (name, doc) in &payloads {
            let r = w.call(method.clone(), &path, case.caller, Body::Raw(media, doc.clone().into_bytes())).await;
            let what = format!("{name} to {method} {template}");
            refused(&r, &what);
            assert!(!r.text().contains("root:x:0:0"), "{what} expanded a file: {}", r.text());
            assert!(!r.text().contains("lollollol"), "{what} expanded the entities: {}", r.text());
        }
    }
    assert!(xml_endpoints >= 1, "the CAP ingest takes XML");
    assert_eq!(listener.connections.load(Ordering::SeqCst), 0, "nothing was fetched");
    assert_eq!(w.stored().await, before, "nothing was stored");
    w.healthy().await;
}
