//! Cascades across real instances, each the real binary: a region (SQLite) over two towns,
//! Levice (PostgreSQL, which issues its parent's alerts at once) and Nitra (SQLite, where a
//! local approver releases them), both serving HTTPS with a certificate of a test CA made by
//! `openssl`. The region signs its CAP; the towns trust only its CA. Nitra is down when the
//! alert is issued and comes back later. A third child, far away, must not get the alert.
//! Residents get Web Push and email from the real test peers, and each town's siren polls
//! for its command and acknowledges it; the region sees every town's counts, including an
//! acknowledgement that comes after the town's fan-out has settled.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use dispatcher::app::App;
use dispatcher::config::Settings;
use dispatcher::db::cascade::{self as store, ReportRow};
use dispatcher::domain::alerts::corrections;
use dispatcher::domain::alerts::phrases::Correction;
use dispatcher::domain::audit::Actor;
use dispatcher::domain::roles::Role;
use dispatcher::domain::{accounts, devices, subscriptions, tokens};
use reqwest::Method;
use serde_json::{Value, json};

use crate::crash::{Server, free_port, start_with};
use crate::engine::{caller, issue};
use crate::on_both;
use crate::peers::{Peers, wait_for_port};
use crate::support::{Auth, Backend, Body, TestApp, content, drop_database, fresh_database, send, settings, sign_in};

/// Residents per town, on each of push and email.
const N: usize = 5;
const PASSWORD: &str = "a long enough password";

fn keys(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../cap/tests/keys").join(name).display().to_string()
}

/// A CA and a certificate for 127.0.0.1 signed by it, made by `openssl`; `None` (a skip
/// outside CI) when openssl is missing.
pub(crate) fn tls_files(dir: &Path) -> Option<(PathBuf, PathBuf, PathBuf)> {
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

/// The siren polls until it is given a command; gives the command's id.
async fn siren_command(client: &reqwest::Client, town: &Town, what: &str) -> i64 {
    let commands = until(30, what, || async {
        let c = siren_commands(client, town).await;
        (!c.is_empty()).then_some(c)
    })
    .await;
    commands[0]["id"].as_i64().expect("a command has an id")
}

/// The siren reports its command done.
async fn siren_acknowledges(client: &reqwest::Client, town: &Town, command: i64) {
    let ack = client
        .post(format!("{}/api/v1/device/ack", town.base()))
        .bearer_auth(&town.siren)
        .json(&json!({ "command": command, "state": "completed" }))
        .send()
        .await
        .unwrap();
    assert!(ack.status().is_success(), "the siren's acknowledgement: {}", ack.status());
}

/// A child in the region's picture, by name.
fn child_named(v: &Value, name: &str) -> Option<Value> {
    v["children"].as_array()?.iter().find(|c| c["name"] == name).cloned()
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
    let command = siren_command(&client, &levice, "Levice's siren command").await;
    siren_acknowledges(&client, &levice, command).await;
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
    // Nitra's siren takes its command but does not acknowledge it yet.
    let nitra_command = siren_command(&client, &nitra, "Nitra's siren command").await;

    // The region sees one picture: its hand-overs, each town's settled report (fan-out done,
    // nothing queued), all counts together. Levice's siren has acknowledged; Nitra's not yet.
    let settled_with = |siren: Value| {
        move |c: &Value| {
            let r = &c["report"];
            let ch = &r["channels"];
            c["status"] == "sent"
                && r["fanout"] == "done"
                && r["total"].as_i64() == Some(2 * N as i64 + 1)
                && ch["push"] == json!({ "sent": N })
                && ch["email"] == json!({ "sent": N })
                && ch["siren"] == siren
        }
    };
    let (levice_done, nitra_done) = (settled_with(json!({ "acknowledged": 1 })), settled_with(json!({ "sent": 1 })));
    let v =
        until(60, "both towns' settled counts at the region (Levice's siren acknowledged, Nitra's sent)", || async {
            let v = view().await;
            let both = v["children"].as_array()?.len() == 2
                && levice_done(&child_named(&v, "levice")?)
                && nitra_done(&child_named(&v, "nitra")?);
            both.then_some(v)
        })
        .await;
    assert_eq!(v["takenBy"], 2, "{v}");
    assert_eq!(v["combined"]["push"]["sent"], 2 * N as i64, "{v}");
    assert_eq!(v["combined"]["email"]["sent"], 2 * N as i64, "{v}");
    assert_eq!(v["combined"]["siren"], json!({ "acknowledged": 1, "sent": 1 }), "{v}");
    assert!(v["combined"].get("cascade").is_none(), "hand-overs are not counted as deliveries: {v}");

    // Nitra's siren acknowledges after the region has recorded Nitra's settled report, and
    // after a few more rounds (report_seconds = 1) with nothing new. The region sees it within
    // a few rounds, since Nitra's counts changed seconds ago; a rule that asked a settled town
    // every 30 s (or every five minutes) would take some 27 s at least, as the region asked
    // Nitra last less than 3 s before the acknowledgement.
    tokio::time::sleep(Duration::from_secs(3)).await;
    siren_acknowledges(&client, &nitra, nitra_command).await;
    let acked = Instant::now();
    let v = until(10, "Nitra's late acknowledgement at the region", || async {
        let v = view().await;
        (child_named(&v, "nitra")?["report"]["channels"]["siren"] == json!({ "acknowledged": 1 })).then_some(v)
    })
    .await;
    eprintln!("the region saw Nitra's late acknowledgement {:?} after it was made", acked.elapsed());
    assert_eq!(v["combined"]["siren"], json!({ "acknowledged": 2 }), "{v}");

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
    // The towns may have taken the Cancel a moment before the region records its hand-overs.
    until(30, "the Cancel handed to and taken by both towns", || async {
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
        ((v["handedTo"].as_i64(), v["takenBy"].as_i64()) == (Some(2), Some(2))).then_some(())
    })
    .await;

    drop(_region);
    levice.kill();
    nitra.kill();
    for pg in [levice.pg.take(), nitra.pg.take()].into_iter().flatten() {
        drop_database(pg.0, pg.1);
    }
}

// When a child's report last changed, on both backends: the first answer sets it, an answer
// with the same counts keeps it, a failed question keeps it, other counts move it.
on_both!(a_childs_report_keeps_when_its_counts_last_changed, |t: TestApp| async move {
    let app = &t.app;
    let (author, approver) = (caller(app, "ana", &[Role::Author]).await, caller(app, "boris", &[Role::Approver]).await);
    let alert = issue(app, &author, &approver, content("Actual")).await;
    let child = hand_over(app, alert, "levice").await;
    let answer = |asked_ms: i64, counts: Option<&str>| ReportRow {
        alert_id: alert,
        child_id: child,
        child_state: counts.map(|_| "issued".to_owned()),
        counts: counts.map(str::to_owned),
        settled: counts.is_some(),
        asked_ms,
        error: counts.is_none().then(|| "the child did not answer".to_owned()),
        ..Default::default()
    };
    let (one, two) = (Some(r#"{"siren":{"sent":1}}"#), Some(r#"{"siren":{"acknowledged":1}}"#));
    for (asked_ms, counts, changed) in [
        (500, None, None),
        (1000, one, Some(1000)),
        (2000, one, Some(1000)),
        (3000, None, Some(1000)),
        (4000, two, Some(4000)),
    ] {
        let mut tx = app.db.begin().await.unwrap();
        store::record(&mut tx, &answer(asked_ms, counts)).await.unwrap();
        tx.commit().await.unwrap();
        let all = store::to_ask(&mut app.db.read().await.unwrap(), 0).await.unwrap();
        let a = all.iter().find(|a| a.alert_id == alert && a.child_id == child).expect("the hand-over to ask about");
        assert_eq!((a.asked_ms, a.changed_ms), (Some(asked_ms), changed), "after the answer at {asked_ms}: {a:?}");
        assert_eq!(a.child_state.as_deref(), (asked_ms >= 1000).then_some("issued"), "{a:?}");
    }
});

/// Records `alert` as handed to a child named `name` (a sent `cascade` delivery); gives the
/// child's id.
async fn hand_over(app: &App, alert: i64, name: &str) -> i64 {
    use dispatcher::db::{Conn, Executor as _};
    let mut tx = app.db.begin().await.unwrap();
    let child = store::seed_children(&mut tx, &[name.to_owned()]).await.unwrap()[0].0;
    let sql = "INSERT INTO deliveries (alert_id, channel, recipient_kind, recipient_id, priority, status, \
               next_attempt_ms, created_ms, updated_ms, sent_ms) VALUES ($1, 'cascade', 'child', $2, 0, 'sent', 0, 0, 0, 1)";
    match tx.conn() {
        Conn::Sqlite(c) => sqlx::query(sql).bind(alert).bind(child).execute(&mut *c).await.map(|r| r.rows_affected()),
        Conn::Postgres(c) => sqlx::query(sql).bind(alert).bind(child).execute(&mut *c).await.map(|r| r.rows_affected()),
    }
    .unwrap();
    tx.commit().await.unwrap();
    child
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
