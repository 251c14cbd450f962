//! A peer down mid fan-out: the push service, the SMSC or the SMTP server killed while an
//! alert goes out to residents on all three, and started again 30 seconds later. Every
//! recipient on its channel still gets the alert (counted at the peer, across the crash, with
//! repeats no more than the deliveries in flight), and the other channels finish while it is
//! down, as if nothing happened.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use dispatcher::db::deliveries;
use dispatcher::domain::roles::Role;
use dispatcher::domain::subscriptions;
use serde_json::Value;

use crate::engine::{caller, issue};
use crate::peers::{Peers, sms_numbers};
use crate::support::{Backend, TestApp, content, spawn_with};

/// Residents per channel; at [`RATE`] a second each channel takes five seconds.
const N: usize = 100;
const RATE: f64 = 20.0;
const OUTAGE: Duration = Duration::from_secs(30);

#[derive(Clone, Copy, Debug, PartialEq)]
enum Down {
    Push,
    Sms,
    Email,
}

impl Down {
    fn channel(self) -> &'static str {
        match self {
            Down::Push => "push",
            Down::Sms => "sms",
            Down::Email => "email",
        }
    }
}

/// Deliveries handed over (sent, or confirmed since) per channel.
async fn done(t: &TestApp, id: i64) -> HashMap<String, i64> {
    let rows = deliveries::summary(&mut t.app.db.read().await.unwrap(), id).await.unwrap();
    let mut out = HashMap::new();
    for r in rows.into_iter().filter(|r| ["sent", "delivered", "acknowledged"].contains(&r.status.as_str())) {
        *out.entry(r.channel).or_insert(0) += r.n;
    }
    out
}

async fn wait_done(t: &TestApp, id: i64, channel: &str, limit: Duration) {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if done(t, id).await.get(channel).copied().unwrap_or(0) == N as i64 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{channel} did not finish within {limit:?}: {:?}", done(t, id).await);
}

/// What each peer received so far: push paths, SMS numbers, mail recipients (`sms` holds the
/// SMSC's reports, kept across its restarts).
fn received(peers: &Peers, sms: &[Value], down: Down) -> Vec<String> {
    match down {
        Down::Push => peers.push_paths(),
        Down::Sms => sms_numbers(sms),
        Down::Email => peers.mail_recipients(),
    }
}

async fn outage(down: Down) {
    let Some(mut peers) = Peers::start().await else { return };
    let configure = peers.configure();
    let Some(t) = spawn_with(Backend::Sqlite, move |s| {
        configure(s);
        s.channels.push.rate_per_second = RATE;
        s.channels.sms.rate_per_second = RATE;
        s.channels.email.rate_per_second = RATE;
    })
    .await
    else {
        return;
    };
    peers.smsc.next("bound").await;
    subscriptions::add(&t.app, &peers.residents(N).await).await.unwrap();
    let (author, approver) =
        (caller(&t.app, "ana", &[Role::Author]).await, caller(&t.app, "boris", &[Role::Approver]).await);
    let mut sms: Vec<Value> = Vec::new();
    let id = issue(&t.app, &author, &approver, content("Actual")).await;

    // Mid fan-out: a fifth of the channel out, the peer dies.
    let channel = down.channel();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        sms.extend(peers.smsc.drain());
        if received(&peers, &sms, down).len() >= N / 5 {
            break;
        }
        assert!(Instant::now() < deadline, "{channel} never got going: {:?}", done(&t, id).await);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    match down {
        Down::Push => peers.kill_push().await,
        Down::Sms => sms.extend(peers.kill_smsc().await),
        Down::Email => peers.kill_smtp().await,
    }
    let stopped = Instant::now();
    let before = done(&t, id).await.get(channel).copied().unwrap_or(0);
    assert!(before < N as i64, "the outage came too late to matter: {before} of {N} already out");

    // The other channels finish while it is down.
    for other in ["push", "sms", "email"].into_iter().filter(|c| *c != channel) {
        wait_done(&t, id, other, OUTAGE.saturating_sub(stopped.elapsed())).await;
    }
    assert!(stopped.elapsed() < OUTAGE, "the other channels waited for the one that was down");
    sms.extend(peers.smsc.drain());

    tokio::time::sleep(OUTAGE.saturating_sub(stopped.elapsed())).await;
    match down {
        Down::Push => peers.restart_push().await,
        Down::Sms => {
            peers.restart_smsc().await;
            peers.smsc.next("bound").await;
        }
        Down::Email => peers.restart_smtp().await,
    }
    // Retries back off (2 s doubling, with jitter), so the last ones may wait about a minute.
    wait_done(&t, id, channel, Duration::from_secs(120)).await;

    // Counted at the peer: everyone, and repeats only for what was in flight at the crash. The
    // SMSC's reports reach the test through a pipe and a reader task, so they may trail the
    // stored outcomes a little: wait for them, within bounds.
    let deadline = Instant::now() + Duration::from_secs(10);
    let (got, unique) = loop {
        sms.extend(peers.smsc.drain());
        let got = received(&peers, &sms, down);
        let mut unique = got.clone();
        unique.sort();
        unique.dedup();
        if unique.len() >= N || Instant::now() >= deadline {
            break (got, unique);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(unique.len(), N, "{channel}: {} of {N} recipients reached the peer", unique.len());
    let repeats = got.len() - unique.len();
    let in_flight = match down {
        Down::Push => t.app.settings.channels.push.concurrency,
        Down::Sms => t.app.settings.channels.sms.smpp.window,
        Down::Email => t.app.settings.channels.email.concurrency,
    } as usize;
    assert!(repeats <= in_flight, "{channel}: {repeats} repeats, more than the {in_flight} in flight");
}

#[tokio::test]
async fn the_push_service_down_for_30_seconds_delays_push_and_nothing_else() {
    outage(Down::Push).await;
}

#[tokio::test]
async fn the_smsc_down_for_30_seconds_delays_sms_and_nothing_else() {
    outage(Down::Sms).await;
}

#[tokio::test]
async fn the_smtp_server_down_for_30_seconds_delays_email_and_nothing_else() {
    outage(Down::Email).await;
}
