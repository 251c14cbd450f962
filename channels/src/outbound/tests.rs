//! The guard's address ranges, URL checks and resolver filter.

use super::*;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn only_public_addresses_are_public() {
    let inward = [
        "0.0.0.0",
        "10.1.2.3",
        "100.64.0.1",
        "100.127.255.254",
        "127.0.0.1",
        "127.9.9.9",
        "169.254.169.254",
        "172.16.0.1",
        "172.31.255.255",
        "192.0.0.8",
        "192.0.2.1",
        "192.168.1.1",
        "198.18.0.1",
        "198.51.100.7",
        "203.0.113.9",
        "224.0.0.1",
        "239.255.255.250",
        "240.0.0.1",
        "255.255.255.255",
        "::",
        "::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "::127.0.0.1",
        "fc00::1",
        "fd12::1",
        "fe80::1",
        "fec0::1",
        "ff02::1",
        "2001:db8::1",
        "2001::1",
        "2002:7f00:1::",
        "2002:a00:1::",
        "64:ff9b::7f00:1",
        "64:ff9b:1::808:808",
        "100::1",
        "3fff::1",
    ];
    for a in inward {
        assert!(!is_public(ip(a)), "{a} is not public");
    }
    let public = [
        "8.8.8.8",
        "1.1.1.1",
        "142.250.1.1",
        "100.128.0.1",
        "172.32.0.1",
        "2001:4860:4860::8888",
        "2a00:1450::1",
        "::ffff:8.8.8.8",
        "2002:808:808::",
        "64:ff9b::808:808",
    ];
    for a in public {
        assert!(is_public(ip(a)), "{a} is public");
    }
}

#[test]
fn networks_parse_and_contain() {
    let n = Network::parse("10.20.0.0/16").unwrap();
    assert!(n.contains(ip("10.20.3.4")) && n.contains(ip("::ffff:10.20.0.1")) && !n.contains(ip("10.21.0.1")));
    assert!(Network::parse("fd00::/8").unwrap().contains(ip("fd12::1")));
    assert!(Network::parse("192.168.1.5").unwrap().contains(ip("192.168.1.5")));
    assert!(Network::parse("0.0.0.0/0").unwrap().contains(ip("10.0.0.1")));
    assert!(Network::parse("10.0.0.0/33").is_err() && Network::parse("intranet").is_err());
    let opened = Guard::new(false, vec![n]);
    assert!(opened.allows(ip("10.20.9.9")) && !opened.allows(ip("10.30.0.1")) && !opened.allows(ip("127.0.0.1")));
}

#[test]
fn urls_into_the_network_are_refused() {
    let strict = Guard::new(false, Vec::new());
    for bad in [
        "http://127.0.0.1:8080/",
        "https://user@127.0.0.1/",
        "https://user:pw@push.example/",
        "https://10.0.0.1/",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/",
        "https://localhost/",
        "https://a.localhost/",
        "https://[::ffff:127.0.0.1]/",
        "https://0x7f.1/",
        "https://2130706433/",
        "http://push.example/",
        "ftp://push.example/",
        "https://",
        "not a url",
    ] {
        assert!(strict.check_url(bad, Schemes::Https).is_err(), "{bad} must be refused");
    }
    assert!(strict.check_url("https://fcm.googleapis.com/fcm/send/x", Schemes::Https).is_ok());
    assert!(strict.check_url("http://feeds.example/cap.atom", Schemes::HttpOrHttps).is_ok());
    assert!(strict.check_url("http://10.0.0.1/", Schemes::HttpOrHttps).is_err());
    let tests = Guard::new(true, Vec::new());
    assert!(tests.check_url("http://127.0.0.1:8080/push", Schemes::Https).is_ok());
    assert!(tests.check_url("http://localhost:8080/push", Schemes::Https).is_ok());
    assert!(tests.check_url("https://user@127.0.0.1/", Schemes::Https).is_err(), "user information never");
    assert!(tests.check_url("https://10.0.0.1/", Schemes::Https).is_err(), "loopback opens loopback only");
    let message = strict.check_url("https://user:secret@10.0.0.1/", Schemes::Https).unwrap_err().to_string();
    assert!(!message.contains("secret") && !message.contains("10.0.0.1"), "{message}");
}

/// The connection-time check: a name that resolves to loopback (as a rebinding name would,
/// after passing the check at entry) yields no address to connect to.
#[tokio::test]
async fn the_resolver_drops_inward_addresses() {
    let strict = Guard::new(false, Vec::new());
    let e = strict.resolve("localhost").await.unwrap_err();
    assert!(e.to_string().contains("resolves only to"), "{e}");
    let url = Url::parse("https://localhost:9/").unwrap();
    assert!(strict.check_resolved(&url, Duration::from_secs(2)).await.is_err());
    assert!(!Guard::new(true, Vec::new()).resolve("localhost").await.unwrap().is_empty());
}

/// A guarded client cannot be talked into connecting to loopback by a name, and follows no
/// redirect.
#[tokio::test]
async fn guarded_clients_do_not_reach_loopback_by_name() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = tokio::spawn(async move { listener.accept().await.is_ok() });
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = Guard::new(false, Vec::new()).builder().build().unwrap();
    let sent = client.get(format!("http://localhost:{port}/")).timeout(Duration::from_secs(2)).send().await;
    assert!(sent.is_err(), "the request must not be made");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!accepted.is_finished(), "nothing connected to the loopback listener");
    accepted.abort();
}
