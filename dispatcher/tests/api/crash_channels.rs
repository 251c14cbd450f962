//! The real binary killed with SIGKILL mid fan-out while an alert goes to residents on Web
//! Push, SMS and email, each counted at its real peer (the push service, the SMSC, the SMTP
//! server): on SQLite, killed and restarted three times at random points; on PostgreSQL, one of
//! two instances killed for good. Every resident is reached, and repeats stay within what was
//! in flight at each kill.

use std::time::{Duration, Instant};

use dispatcher::app::App;
use dispatcher::domain::roles::Role;
use dispatcher::domain::subscriptions;
use serde_json::Value;

use crate::crash::{Server, free_port, start_with};
use crate::engine::{caller, issue};
use crate::peers::{Peers, sms_numbers};
use crate::support::{Backend, content, drop_database, fresh_database, settings};

/// Residents per channel; at [`RATE`] a second each channel takes ten seconds.
const N: usize = 200;
const RATE: &str = "20";

/// Each channel's recipients as the peers saw them: push paths, SMS numbers, mail recipients.
fn arrivals(peers: &Peers, sms: &[Value]) -> [Vec<String>; 3] {
    [peers.push_paths(), sms_numbers(sms), peers.mail_recipients()]
}

fn unique(v: &[String]) -> usize {
    let mut u = v.to_vec();
    u.sort();
    u.dedup();
    u.len()
}

async fn killed_mid_fan_out(backend: Backend, instances: usize, kills: usize) {
    dispatcher::server::install_crypto_provider();
    let Some(mut peers) = Peers::start().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let Some((url, pg)) = fresh_database(backend, dir.path()).await else { return };
    let s = settings(&url);
    let key = s.security.secret_key.expose().to_owned();
    let app = App::open(s).await.unwrap();
    subscriptions::add(&app, &peers.residents(N).await).await.unwrap();
    let (author, approver) =
        (caller(&app, "ana", &[Role::Author]).await, caller(&app, "boris", &[Role::Approver]).await);
    issue(&app, &author, &approver, content("Actual")).await;
    app.db.close().await;

    let (smsc, smtp) = (peers.smsc.port.to_string(), peers.smtp_port.to_string());
    let env = [
        ("TOCSIN_CHANNELS_SMS_ENABLED", "true"),
        ("TOCSIN_CHANNELS_SMS_SMPP_HOST", "127.0.0.1"),
        ("TOCSIN_CHANNELS_SMS_SMPP_PORT", smsc.as_str()),
        ("TOCSIN_CHANNELS_SMS_SMPP_SYSTEM_ID", "tocsin"),
        ("TOCSIN_CHANNELS_SMS_SMPP_PASSWORD", "secret"),
        ("TOCSIN_CHANNELS_SMS_SMPP_SOURCE_ADDR", "Mesto"),
        ("TOCSIN_CHANNELS_EMAIL_ENABLED", "true"),
        ("TOCSIN_CHANNELS_EMAIL_HOST", "127.0.0.1"),
        ("TOCSIN_CHANNELS_EMAIL_PORT", smtp.as_str()),
        ("TOCSIN_CHANNELS_EMAIL_SECURITY", "none"),
        ("TOCSIN_CHANNELS_EMAIL_FROM", "Mesto Levice <varovanie@levice.example>"),
        ("TOCSIN_CHANNELS_PUSH_RATE_PER_SECOND", RATE),
        ("TOCSIN_CHANNELS_SMS_RATE_PER_SECOND", RATE),
        ("TOCSIN_CHANNELS_EMAIL_RATE_PER_SECOND", RATE),
        ("TOCSIN_SERVER_PUBLIC_URL", "http://127.0.0.1"),
    ];
    let start = || start_with(&url, &key, free_port(), &env);
    let mut sms: Vec<Value> = Vec::new();
    let mut servers: Vec<Server> = (0..instances).map(|_| start()).collect();
    // Kill at random points while the channels are sending: the seed is printed to repeat it.
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(7, |d| d.subsec_nanos());
    eprintln!("kill schedule seed: {seed}");
    for k in 0..kills {
        let wait = 1500 + u64::from(seed.rotate_left(k as u32 * 7) % 2500);
        tokio::time::sleep(Duration::from_millis(wait)).await;
        sms.extend(peers.smsc.drain());
        drop(servers.remove(0));
        let [p, s, e] = arrivals(&peers, &sms);
        eprintln!("killed after {wait} ms: push {}, sms {}, email {} reached", unique(&p), unique(&s), unique(&e));
        if instances == 1 {
            servers.push(start());
        }
    }
    let started = Instant::now();
    loop {
        sms.extend(peers.smsc.drain());
        let got = arrivals(&peers, &sms);
        if got.iter().all(|g| unique(g) == N) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(240),
            "after the kills: push {}, sms {}, email {} of {N} reached",
            unique(&got[0]),
            unique(&got[1]),
            unique(&got[2])
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    sms.extend(peers.smsc.drain());
    drop(servers);
    let defaults = dispatcher::config::Settings::default().channels;
    let windows = [defaults.push.concurrency, defaults.sms.smpp.window, defaults.email.concurrency];
    for ((name, got), window) in ["push", "sms", "email"].iter().zip(arrivals(&peers, &sms)).zip(windows) {
        let repeats = got.len() - unique(&got);
        eprintln!("{name}: every resident reached; {repeats} repeats");
        assert!(repeats <= kills * window as usize, "{name}: {repeats} repeats exceed {kills} kills' in-flight window");
    }
    if let Some((admin, name)) = pg {
        drop_database(admin, name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_three_times_on_sqlite_every_resident_is_reached_on_every_channel() {
    killed_mid_fan_out(Backend::Sqlite, 1, 3).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_of_two_instances_on_postgres_killed_every_resident_is_reached_on_every_channel() {
    killed_mid_fan_out(Backend::Postgres, 2, 1).await;
}
