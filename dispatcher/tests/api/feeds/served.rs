//! The real binary: a subscription written in the configuration file is stored at start and
//! polled by the server's own background task, which relays what the feed brings.

use std::time::{Duration, Instant};

use super::flow::{atom, cap};
use super::peer::Peer;
use crate::support::{Backend, fresh_database, settings};

#[tokio::test]
async fn the_server_polls_the_feeds_its_configuration_names() {
    let dir = tempfile::tempdir().unwrap();
    let (url, _) = fresh_database(Backend::Sqlite, dir.path()).await.unwrap();
    let peer = Peer::start().await;
    let polygon = "48.1,17.1 48.1,17.2 48.2,17.2 48.2,17.1 48.1,17.1";
    peer.put("/met.atom", atom(&[&cap("served-1", "Alert", "Severe", "Flood", polygon, &[])]));
    let config = dir.path().join("tocsin.toml");
    let file = format!(
        "[[feeds.subscriptions]]\nname = \"Met\"\nurl = \"{}/met.atom\"\naction = \"relay\"\npoll_seconds = 10\nrules = {{ min_severity = \"Severe\" }}\n",
        peer.base
    );
    std::fs::write(&config, file).unwrap();
    let key = dispatcher::domain::crypto::SecretKey::generate_base64();
    let port = crate::crash::free_port();
    let config = config.display().to_string();
    let _server = crate::crash::start_with(&url, &key, port, &[("TOCSIN_CONFIG", config.as_str())]);

    let mut s = settings(&url);
    s.security.secret_key = dispatcher::config::Secret::new(key.as_str());
    // The server has to start, migrate, read the feed and relay what it brings; on a busy
    // machine that takes a while, so the budget is generous and the failure says how far it got.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut app = None;
    let row = loop {
        assert!(
            Instant::now() < deadline,
            "the configured feed's alert was not relayed within 60 s (the feed was fetched {} times)",
            peer.seen("/met.atom").len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
        if peer.seen("/met.atom").is_empty() {
            continue;
        }
        // Opened once, when the server has fetched the feed: it is up and its database migrated.
        if app.is_none() {
            app = Some(dispatcher::app::App::open(s.clone()).await.unwrap());
        }
        let mut c = app.as_ref().unwrap().db.read().await.unwrap();
        if let Some(row) = dispatcher::db::alerts::by_identifier(&mut c, "met@example.org", "served-1").await.unwrap() {
            break row;
        }
    };
    assert_eq!((row.state.as_str(), row.origin.as_str()), ("issued", "feed"));
}
