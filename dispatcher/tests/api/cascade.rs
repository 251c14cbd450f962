//! Cascades across real instances, each the real binary: a region (SQLite) over two towns,
//! Levice (PostgreSQL, which issues its parent's alerts at once) and Nitra (SQLite, where a
//! local approver releases them), both serving HTTPS with a certificate of a test CA made by
//! `openssl`. The region signs its CAP; the towns trust only its CA. Nitra is down when the
//! alert is issued and comes back later. A third child, far away, must not get the alert.
//! Residents get Web Push and email from the real test peers, and each town's siren polls
//! for its command and acknowledges it; the region sees every town's counts.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use dispatcher::app::App;
use dispatcher::config::Settings;
use dispatcher::domain::alerts::corrections;
use dispatcher::domain::alerts::phrases::Correction;
use dispatcher::domain::audit::Actor;
use dispatcher::domain::roles::Role;
use dispatcher::domain::{accounts, devices, subscriptions, tokens};
use reqwest::Method;
use serde_json::{Value, json};

use crate::crash::{Server, free_port, start_with};
use crate::engine::{caller, issue};
use crate::peers::{Peers, wait_for_port};
use crate::support::{Auth, Backend, Body, content, drop_database, fresh_database, send, settings, sign_in};

/// Residents per town, on each of push and email.
const N: usize = 5;
const PASSWORD: &str = "a long enough password";

fn keys(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../cap/tests/keys").join(name).display().to_string()
}

/// A CA and a certificate for 127.0.0.1 signed by it, made by `openssl`; `None` (a skip
/// outside CI) when openssl is missing.
fn tls_files(dir: &Path) -> Option<(PathBuf, PathBuf, PathBuf)> {
    let run = |args: &[&str]| {
        std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !run(&["version"]) {
        assert!(std::env::var_os("TOCSIN_CI").is_none(), "openssl is required under CI");
        eprintln!("skipped: openssl is not installed");
        return None;
    }
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    let ca = [&ec[..], &["-x509", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Cascade test CA"]]
        .concat();
    let ca_ext = ["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"];
    assert!(run(&[&["req"], &ca[..], &ca_ext[..]].concat()), "openssl made the CA");
    let csr = [&ec[..], &["-keyout", "tls.key", "-out", "tls.csr", "-subj", "/CN=127.0.0.1"]].concat();
    assert!(run(&[&["req"], &csr[..]].concat()), "openssl made the request");
    let sign = [
        "x509",
        "-req",
        "-in",
        "tls.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "tls.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    ];
    assert!(run(&sign), "openssl signed the certificate");
    Some((dir.join("ca.pem"), dir.join("tls.pem"), dir.join("tls.key")))
}

/// A square GeoJSON polygon from (lat, lon) with side `d` degrees.
fn square(path: &Path, lat: f64, lon: f64, d: f64) -> String {
    let ring = json!([[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]);
    std::fs::write(path, json!({ "type": "Polygon", "coordinates": [ring] }).to_string()).unwrap();
    path.display().to_string()
}

/// A town: its database prepared (residents on push and email, a siren, the region's token,
/// a local approver), then served by the real binary over HTTPS.
struct Town {
    url: String,
    key: String,
    port: u16,
    config: PathBuf,
    env: Vec<(String, String)>,
    token: String,
    siren: String,
    pg: Option<(String, String)>,
    server: Option<Server>,
}

impl Town {
    async fn prepare(
        tag: &'static str,
        backend: Backend,
        dir: &Path,
        peers: &Peers,
        tls: &(PathBuf, PathBuf, PathBuf),
        policy: &str,
    ) -> Option<Town> {
        let (url, pg) = fresh_database(backend, dir).await?;
        let s: Settings = settings(&url);
        let key = s.security.secret_key.expose().to_owned();
        let app = App::open(s).await.unwrap();
        let push = format!("http://127.0.0.1:{}", peers.push_port);
        let push_keys: Value = reqwest::get(format!("{push}/subscription")).await.unwrap().json().await.unwrap();
        let mut subs = Vec::new();
        for i in 0..N {
            let endpoint = json!({ "endpoint": format!("{push}/push/{tag}{i}"), "keys": push_keys }).to_string();
            subs.push(crate::residents::resident("push", endpoint));
            subs.push(crate::residents::resident("email", format!("{tag}{i}@{tag}.example")));
        }
        subscriptions::add(&app, &subs).await.unwrap();
        let siren = devices::NewDevice {
            kind: "siren".into(),
            name: format!("{tag} town hall"),
            lat: 48.15,
            lon: 17.1,
            groups: vec![],
            capabilities: vec!["tones".into()],
            poll_seconds: None,
            mqtt: false,
        };
        let (_, siren) = devices::add(&app, &Actor::System, "test", &siren).await.unwrap();
        let (_, token) =
            tokens::create(&app, &Actor::System, "test", "region", Role::Author, &["cap".into()], None).await.unwrap();
        accounts::add(&app, &Actor::System, "test", "vera", "Vera", &[Role::Approver], Some(PASSWORD)).await.unwrap();
        app.db.close().await;
        let config = dir.join(format!("{tag}.toml"));
        let toml = format!(
            "[server]\ntls_certificate_file = {:?}\ntls_key_file = {:?}\n\n[trust]\ncertificates = [{:?}]\n\n\
             [[cascade.parents]]\ntoken = \"region\"\npolicy = \"{policy}\"\n",
            tls.1.display().to_string(),
            tls.2.display().to_string(),
            keys("ca.pem"),
        );
        std::fs::write(&config, toml).unwrap();
        let env = vec![
            ("TOCSIN_CHANNELS_EMAIL_ENABLED".to_owned(), "true".to_owned()),
            ("TOCSIN_CHANNELS_EMAIL_HOST".to_owned(), "127.0.0.1".to_owned()),
            ("TOCSIN_CHANNELS_EMAIL_PORT".to_owned(), peers.smtp_port.to_string()),
            ("TOCSIN_CHANNELS_EMAIL_SECURITY".to_owned(), "none".to_owned()),
            ("TOCSIN_CHANNELS_EMAIL_FROM".to_owned(), format!("Mesto <varovanie@{tag}.example>")),
            ("TOCSIN_SERVER_PUBLIC_URL".to_owned(), "https://127.0.0.1".to_owned()),
        ];
        let port = free_port();
        Some(Town { url, key, port, config, env, token, siren, pg, server: None })
    }

    fn base(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    async fn start(&mut self) {
        let mut env: Vec<(&str, &str)> = self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let config = self.config.display().to_string();
        env.push(("TOCSIN_CONFIG", &config));
        self.server = Some(start_with(&self.url, &self.key, self.port, &env));
        wait_for_port(self.port).await;
    }

    /// Kills the town's process (SIGKILL).
    fn kill(&mut self) {
        self.server = None;
    }
}

/// Polls `check` every 300 ms until it gives `Some`, for at most `secs` seconds.
async fn until<T, F: std::future::Future<Output = Option<T>>>(
    secs: u64,
    what: &str,
    mut check: impl FnMut() -> F,
) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(start.elapsed() < Duration::from_secs(secs), "waited {secs} s for {what}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Push paths and mail recipients of a town that reached the peers.
fn reached(peers: &Peers, tag: &str) -> (usize, usize) {
    let mut push: Vec<String> =
        peers.push_paths().into_iter().filter(|p| p.contains(&format!("/push/{tag}"))).collect();
    push.sort();
    push.dedup();
    let mut mail: Vec<String> =
        peers.mail_recipients().into_iter().filter(|r| r.ends_with(&format!("@{tag}.example"))).collect();
    mail.sort();
    mail.dedup();
    (push.len(), mail.len())
}

/// The siren's poll: the commands it is given.
async fn siren_commands(client: &reqwest::Client, town: &Town) -> Vec<Value> {
    let r =
        client.get(format!("{}/api/v1/device/poll?wait=0", town.base())).bearer_auth(&town.siren).send().await.unwrap();
    let body: Value = r.json().await.unwrap_or_default();
    body["commands"].as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_regional_alert_reaches_each_touched_town_by_its_policy_and_the_region_sees_their_counts() {
    dispatcher::server::install_crypto_provider();
    let Some(peers) = Peers::start().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let Some(tls) = tls_files(dir.path()) else { return };
    let (levice_dir, nitra_dir, region_dir) =
        (dir.path().join("levice"), dir.path().join("nitra"), dir.path().join("region"));
    for d in [&levice_dir, &nitra_dir, &region_dir] {
        std::fs::create_dir(d).unwrap();
    }
    let Some(mut levice) = Town::prepare("levice", Backend::Postgres, &levice_dir, &peers, &tls, "issue").await else {
        return;
    };
    let mut nitra = Town::prepare("nitra", Backend::Sqlite, &nitra_dir, &peers, &tls, "approve").await.unwrap();
    levice.start().await;
    nitra.start().await;
    let client = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&std::fs::read(&tls.0).unwrap()).unwrap()])
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();

    // What the region's token posts unsigned is refused: the town requires its signature.
    let unsigned = unsigned_cap().into_bytes();
    let r = send(
        &client,
        &levice.base(),
        Method::POST,
        "/api/v1/cap",
        Auth::Token(&levice.token),
        Body::Raw("application/cap+xml", unsigned),
    )
    .await;
    assert_eq!(r.status, 422, "an unsigned message from the parent: {}", r.text());
    assert_eq!(r.code(), "API-021", "{}", r.text());

    // Nitra goes down before the region issues.
    nitra.kill();

    // The region: its territory's towns as children, Levice and Nitra over the alert's area,
    // a third far away (nothing listens there).
    let (region_url, _) = fresh_database(Backend::Sqlite, &region_dir).await.unwrap();
    let child = |name: &str, port: u16, token: &str, geojson: String| {
        format!(
            "[[cascade.children]]\nname = \"{name}\"\nurl = \"https://127.0.0.1:{port}\"\ntoken = \"{token}\"\n\
             geojson_file = {geojson:?}\nca_file = {:?}\n\n",
            tls.0.display().to_string()
        )
    };
    let toml = format!(
        "[signing]\nkey_file = {:?}\ncertificate_file = {:?}\n\n[cascade]\nreport_seconds = 1\n\n{}{}{}",
        keys("leaf.key"),
        keys("leaf.pem"),
        child("levice", levice.port, &levice.token, square(&region_dir.join("levice.geojson"), 48.0, 16.9, 0.25)),
        child("nitra", nitra.port, &nitra.token, square(&region_dir.join("nitra.geojson"), 48.0, 17.15, 0.3)),
        child("far", free_port(), "nothing", square(&region_dir.join("far.geojson"), 49.5, 21.0, 0.2)),
    );
    let region_config = region_dir.join("region.toml");
    std::fs::write(&region_config, &toml).unwrap();
    let mut s =
        dispatcher::config::load(Some(&region_config), [("TOCSIN_DATABASE_URL".to_owned(), region_url.clone())])
            .expect("the region's configuration is valid");
    s.security.secret_key = settings(&region_url).security.secret_key;
    let region_key = s.security.secret_key.expose().to_owned();
    let region_settings = s.clone();
    let app = App::open(s).await.unwrap();
    let (author, approver) =
        (caller(&app, "ana", &[Role::Author]).await, caller(&app, "boris", &[Role::Approver]).await);
    let alert = issue(&app, &author, &approver, content("Actual")).await;
    app.db.close().await;
    let region_port = free_port();
    let config = region_config.display().to_string();
    let _region = start_with(&region_url, &region_key, region_port, &[("TOCSIN_CONFIG", config.as_str())]);
    wait_for_port(region_port).await;
    let region = format!("http://127.0.0.1:{region_port}");
    let region_client = reqwest::Client::new();
    let token = {
        let app = App::open(region_settings.clone()).await.unwrap();
        let (_, t) = tokens::create(&app, &Actor::System, "test", "viewer", Role::Auditor, &["alerts".into()], None)
            .await
            .unwrap();
        app.db.close().await;
        t
    };
    let view = || async {
        send(
            &region_client,
            &region,
            Method::GET,
            &format!("/api/v1/alerts/{alert}/cascade"),
            Auth::Token(&token),
            Body::Empty,
        )
        .await
        .json()
    };

    // Levice issues at once: its residents and its siren get the warning.
    until(60, "Levice's residents", || async { (reached(&peers, "levice") == (N, N)).then_some(()) }).await;
    let commands = until(30, "Levice's siren command", || async {
        let c = siren_commands(&client, &levice).await;
        (!c.is_empty()).then_some(c)
    })
    .await;
    let command = commands[0]["id"].as_i64().unwrap();
    let ack = client
        .post(format!("{}/api/v1/device/ack", levice.base()))
        .bearer_auth(&levice.siren)
        .json(&json!({ "command": command, "state": "completed" }))
        .send()
        .await
        .unwrap();
    assert!(ack.status().is_success(), "the siren's acknowledgement: {}", ack.status());
    // Nitra is away: its hand-over waits, retried; the far child gets nothing.
    let v = until(30, "the region retrying Nitra", || async {
        let v = view().await;
        let nitra = v["children"].as_array()?.iter().find(|c| c["name"] == "nitra")?.clone();
        (nitra["status"] == "queued" && nitra["attempts"].as_i64()? >= 1).then_some(v)
    })
    .await;
    assert_eq!(v["handedTo"], 2, "only the towns whose territory the alert touches: {v}");
    assert!(v["children"].as_array().unwrap().iter().all(|c| c["name"] != "far"), "{v}");
    assert_eq!(reached(&peers, "nitra"), (0, 0));

    // Nitra comes back: the alert arrives and waits for its local approver.
    nitra.start().await;
    let nitra_alert = until(60, "the alert at Nitra", || async {
        let v = view().await;
        let c = v["children"].as_array()?.iter().find(|c| c["name"] == "nitra")?.clone();
        (c["report"]["state"] == "submitted").then(|| c["report"]["alertId"].as_i64()).flatten()
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(reached(&peers, "nitra"), (0, 0), "nothing goes out at Nitra before its approver releases it");
    let vera = sign_in(&client, &nitra.base(), "vera", PASSWORD).await;
    let a = send(
        &client,
        &nitra.base(),
        Method::GET,
        &format!("/api/v1/alerts/{nitra_alert}"),
        Auth::Session(&vera),
        Body::Empty,
    )
    .await;
    let sha = a.json()["capSha256"].as_str().expect("the frozen message's hash").to_owned();
    let r = send(
        &client,
        &nitra.base(),
        Method::POST,
        &format!("/api/v1/alerts/{nitra_alert}/approve"),
        Auth::Session(&vera),
        Body::Json(json!({ "capSha256": sha, "issue": true })),
    )
    .await;
    assert!(r.status.is_success(), "Nitra's approver releases it: {}", r.text());
    until(60, "Nitra's residents", || async { (reached(&peers, "nitra") == (N, N)).then_some(()) }).await;
    until(30, "Nitra's siren command", || async { (!siren_commands(&client, &nitra).await.is_empty()).then_some(()) })
        .await;

    // The region sees one picture: its hand-overs, each town's report, all counts together.
    let v = until(60, "every town's counts at the region", || async {
        let v = view().await;
        let done = |c: &Value| {
            let ch = &c["report"]["channels"];
            c["status"] == "sent"
                && ch["push"]["sent"].as_i64() == Some(N as i64)
                && ch["email"]["sent"].as_i64() == Some(N as i64)
                && ch["siren"].as_object().is_some_and(|s| s.values().filter_map(Value::as_i64).sum::<i64>() == 1)
        };
        let children = v["children"].as_array()?;
        (children.len() == 2 && children.iter().all(done)).then_some(v)
    })
    .await;
    let levice_view = v["children"].as_array().unwrap().iter().find(|c| c["name"] == "levice").unwrap().clone();
    assert_eq!(levice_view["report"]["channels"]["siren"]["acknowledged"], 1, "{levice_view}");
    assert_eq!(v["takenBy"], 2);
    assert_eq!(v["combined"]["push"]["sent"], 2 * N as i64, "{v}");
    assert_eq!(v["combined"]["email"]["sent"], 2 * N as i64, "{v}");
    assert!(v["combined"].get("cascade").is_none(), "hand-overs are not counted as deliveries: {v}");

    // One step corrects it everywhere: the region's Cancel reaches both towns (Nitra's
    // approver is not asked again) and ends the warning there.
    // The region's own settings: what it issues, it signs.
    let app = App::open(region_settings).await.unwrap();
    let cyril = caller(&app, "cyril", &[Role::Approver]).await;
    let cancel = corrections::cancel(&app, &cyril, alert, Correction::Cancel, None).await.unwrap().id;
    app.db.close().await;
    until(60, "the Cancel at both towns", || async {
        let v = view().await;
        let children = v["children"].as_array()?;
        (children.len() == 2 && children.iter().all(|c| c["report"]["state"] == "cancelled")).then_some(())
    })
    .await;
    let v = send(
        &region_client,
        &region,
        Method::GET,
        &format!("/api/v1/alerts/{cancel}/cascade"),
        Auth::Token(&token),
        Body::Empty,
    )
    .await
    .json();
    assert_eq!((v["handedTo"].as_i64(), v["takenBy"].as_i64()), (Some(2), Some(2)), "{v}");

    drop(_region);
    levice.kill();
    nitra.kill();
    for pg in [levice.pg.take(), nitra.pg.take()].into_iter().flatten() {
        drop_database(pg.0, pg.1);
    }
}

/// A valid CAP message with no signature.
fn unsigned_cap() -> String {
    r#"<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>REGION-UNSIGNED-1</identifier>
  <sender>kraj@nitra.example</sender>
  <sent>2026-11-30T10:00:00+01:00</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <category>Met</category>
    <event>Povodeň</event>
    <urgency>Immediate</urgency>
    <severity>Severe</severity>
    <certainty>Observed</certainty>
    <area><areaDesc>Nábrežie</areaDesc><polygon>48.1,17.0 48.2,17.0 48.2,17.2 48.1,17.2 48.1,17.0</polygon></area>
  </info>
</alert>"#
        .to_owned()
}
