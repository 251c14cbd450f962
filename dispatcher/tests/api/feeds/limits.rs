//! A poll's bounds: a document over the size limit, a link that is not http or https, a server
//! that never answers, and more linked documents than one poll fetches (the rest come next
//! poll, because the feed's validators are kept only once everything was handled).

use std::time::{Duration, Instant};

use dispatcher::domain::roles::Role;
use serde_json::json;

use super::flow::{alerts, atom, cap, index, poll, subscribe};
use super::peer::Peer;
use crate::support::{Backend, spawn_with};

async fn bounds(backend: Backend) {
    let Some(t) = spawn_with(backend, |s| {
        s.feeds.max_document_bytes = 4096;
        s.feeds.timeout_seconds = 1;
        s.feeds.max_documents_per_poll = 1;
    })
    .await
    else {
        return;
    };
    let s = t.user("feeds-admin", &[Role::Admin]).await;
    let peer = Peer::start().await;
    let polygon = "48.1,17.1 48.1,17.2 48.2,17.2 48.2,17.1 48.1,17.1";
    let sub =
        |name: &str, path: &str| json!({ "name": name, "url": format!("{}{path}", peer.base), "action": "relay" });

    let big = cap("big-1", "Alert", "Severe", "Flood", polygon, &[]).replace("The valley", &"x".repeat(5000));
    peer.put("/big.atom", atom(&[&big]));
    let id = subscribe(&t, &s, sub("Big", "/big.atom")).await;
    assert_eq!(poll(&t, &s, id).await["lastError"]["code"], "FEED-003");

    peer.put("/file.atom", index(&["file:///etc/passwd".into()]));
    let id = subscribe(&t, &s, sub("File", "/file.atom")).await;
    assert_eq!(poll(&t, &s, id).await["lastError"]["code"], "FEED-007");

    // A server that takes the connection and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/feed.atom", silent.local_addr().unwrap());
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((c, _)) = silent.accept().await {
            held.push(c);
        }
    });
    let id = subscribe(&t, &s, json!({ "name": "Silent", "url": url, "action": "relay" })).await;
    let started = Instant::now();
    let v = poll(&t, &s, id).await;
    assert_eq!(v["lastError"]["code"], "FEED-001", "{v}");
    assert!(v["lastError"]["message"].as_str().unwrap().contains("in time"), "{v}");
    assert!(started.elapsed() < Duration::from_secs(5), "bounded by feeds.timeout_seconds");
    hold.abort();

    // Two linked documents, one fetched per poll: the second poll reads the feed again.
    let docs = ["/cap/1.xml", "/cap/2.xml"];
    for (i, d) in docs.iter().enumerate() {
        peer.put(d, cap(&format!("linked-{i}"), "Alert", "Severe", "Flood", polygon, &[]));
    }
    peer.put("/index.atom", index(&docs.map(|d| format!("{}{d}", peer.base))));
    let id = subscribe(&t, &s, sub("Index", "/index.atom")).await;
    let v = poll(&t, &s, id).await;
    assert_eq!((v["relayed"].as_i64(), &v["lastError"]), (Some(1), &serde_json::Value::Null), "{v}");
    assert_eq!(poll(&t, &s, id).await["relayed"], 2);
    poll(&t, &s, id).await;
    let seen = peer.seen("/index.atom");
    assert_eq!(seen.iter().map(|r| r.status).collect::<Vec<_>>(), [200, 200, 304], "{seen:?}");
    assert!(seen[1].if_none_match.is_none(), "no validators kept from an unfinished poll");
    assert_eq!(alerts(&t, &s).await.len(), 2);
}

#[tokio::test]
async fn polls_are_bounded_in_size_scheme_time_and_documents_sqlite() {
    bounds(Backend::Sqlite).await;
}

#[tokio::test]
async fn polls_are_bounded_in_size_scheme_time_and_documents_postgres() {
    bounds(Backend::Postgres).await;
}
