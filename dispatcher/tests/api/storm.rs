//! Fault suite: a storm of alerts. Five authors and five approvers issue 49 ordinary alerts at
//! once over the API, each to 150 webhook endpoints, and then an Extreme one while the
//! ordinary fan-outs are under way. The receiver holds every request until the test lets
//! them go, so what is in flight is known exactly: once the Extreme alert is planned, the
//! next messages sent are its own, whatever queue the 49 others left; only the ordinary
//! messages already in flight (the channel's window) go out before it. This is the
//! behaviour behind "as fast as when it is alone"; `bench` prints the times.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dispatcher::domain::audit::Actor;
use dispatcher::domain::roles::Role;
use dispatcher::domain::webhooks;
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::lifecycle::{approve_and_issue, submitted};
use crate::support::{Auth, Session, TestApp, content};

const HOOKS: usize = 150;
const ORDINARY: usize = 49;
const WINDOW: u32 = 8;

/// A loopback webhook receiver that notes each request's alert as it arrives and answers
/// only once the gate is open.
struct Gate {
    url: String,
    arrivals: Arc<Mutex<Vec<i64>>>,
    open: watch::Sender<bool>,
    _task: tokio::task::JoinHandle<()>,
}

impl Gate {
    async fn start() -> Gate {
        let arrivals = Arc::new(Mutex::new(Vec::new()));
        let (open, gate) = watch::channel(false);
        let noted = arrivals.clone();
        let handler = move |body: axum::body::Bytes| {
            let (noted, mut gate) = (noted.clone(), gate.clone());
            async move {
                let v: Value = serde_json::from_slice(&body).unwrap_or_default();
                noted.lock().unwrap().push(v["alertId"].as_i64().unwrap_or(-1));
                let _ = gate.wait_for(|open| *open).await;
                axum::http::StatusCode::NO_CONTENT
            }
        };
        let router = axum::Router::new().route("/hook/{n}", axum::routing::post(handler));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Gate { url, arrivals, open, _task: task }
    }

    fn arrived(&self) -> Vec<i64> {
        self.arrivals.lock().unwrap().clone()
    }

    async fn wait_for(&self, what: &str, seconds: u64, done: impl Fn(&[i64]) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        while !done(&self.arrived()) {
            assert!(Instant::now() < deadline, "{what} within {seconds} s: {} requests arrived", self.arrived().len());
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

fn alert(severity: &str) -> Value {
    let mut c = content("Actual");
    c["infos"][0]["urgency"] = json!("Expected");
    c["infos"][0]["severity"] = json!(severity);
    c
}

/// The alert's deliveries queued on the webhook channel.
async fn queued(t: &TestApp, s: &Session, id: i64) -> i64 {
    let v = t.get(&format!("/api/v1/alerts/{id}/deliveries"), Auth::Session(s)).await.json();
    ["queued", "sending", "sent"].iter().filter_map(|k| v["channels"]["webhook"][k].as_i64()).sum()
}

mod in_a_storm_of_fifty_alerts_from_five_authors_the_extreme_one_goes_next {
    use crate::support::Backend;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::storm(Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::storm(Backend::Postgres).await;
    }
}

async fn storm(backend: crate::support::Backend) {
    let adjust = |s: &mut dispatcher::config::Settings| {
        s.channels.webhook.concurrency = WINDOW;
        // The gate holds requests while the 49 alerts are approved and the Extreme one planned,
        // which may take minutes on a busy machine: a held request must not time out and go out
        // again, adding arrivals to the ones whose order the test checks.
        s.channels.webhook.timeout_seconds = 600;
        s.fanout.poll_ms = 100;
    };
    let Some(t) = crate::support::spawn_with(backend, adjust).await else { return };
    {
        let gate = Gate::start().await;
        let hooks: Vec<(String, String)> =
            (0..HOOKS).map(|i| (format!("hook-{i}"), format!("{}/hook/{i}", gate.url))).collect();
        webhooks::add_many(&t.app, &Actor::System, "test", &hooks).await.unwrap();
        let mut authors = Vec::new();
        let mut approvers = Vec::new();
        for k in 0..5 {
            authors.push(t.user(&format!("author{k}"), &[Role::Author]).await);
            approvers.push(t.user(&format!("approver{k}"), &[Role::Approver]).await);
        }
        let mut ordinary = Vec::new();
        for i in 0..ORDINARY {
            ordinary.push((i % 5, submitted(&t, &authors[i % 5], alert("Severe")).await));
        }
        let extreme = submitted(&t, &authors[2], alert("Extreme")).await;
        let extreme_id = extreme["id"].as_i64().unwrap();

        // The 49 are approved at once, each by its author's partner.
        let t = Arc::new(t);
        let tasks: Vec<_> = ordinary
            .into_iter()
            .map(|(k, a)| {
                let (t, approver) = (t.clone(), approvers[(k + 1) % 5].clone());
                tokio::spawn(async move { approve_and_issue(&t, &approver, &a).await })
            })
            .collect();
        // A receiver not yet seen answering gets the first requests of its lane at once; the
        // rest of the window waits for that lane (fanout/lanes.rs).
        let first = dispatcher::fanout::lanes::FIRST_LIMIT;
        gate.wait_for("the ordinary fan-out never filled its lane", 30, |a| a.len() >= first).await;
        approve_and_issue(&t, &approvers[4], &extreme).await;
        for task in tasks {
            task.await.unwrap();
        }
        // The Extreme alert is planned while the ordinary messages in flight are held.
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let planned = queued(&t, &approvers[0], extreme_id).await;
            if planned == HOOKS as i64 {
                break;
            }
            assert!(Instant::now() < deadline, "the Extreme alert was not planned within 60 s: {planned} of {HOOKS}");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let held = gate.arrived();
        assert!(!held.contains(&extreme_id), "nothing of the Extreme alert went out before the gate opened");
        assert!(held.len() <= WINDOW as usize, "{} requests in flight, more than the window of {WINDOW}", held.len());

        gate.open.send_replace(true);
        gate.wait_for("the Extreme alert did not reach every endpoint", 60, |a| {
            a.iter().filter(|x| **x == extreme_id).count() >= HOOKS
        })
        .await;
        let after: Vec<i64> = gate.arrived()[held.len()..].to_vec();
        let first = after.iter().position(|x| *x == extreme_id).unwrap();
        let last = after.iter().rposition(|x| *x == extreme_id).unwrap();
        assert!(
            first <= WINDOW as usize,
            "{first} ordinary messages went out after the gate opened before the Extreme alert's first"
        );
        let overtaking = after[..last].iter().filter(|x| **x != extreme_id).count();
        assert!(
            overtaking <= 2 * WINDOW as usize,
            "{overtaking} ordinary messages went out among the Extreme alert's {HOOKS}"
        );
        // And the storm itself is not lost: every ordinary alert reaches every endpoint.
        gate.wait_for("the ordinary alerts did not reach every endpoint", 180, |a| a.len() >= (ORDINARY + 1) * HOOKS)
            .await;
        let mut per_alert: HashMap<i64, usize> = HashMap::new();
        for a in gate.arrived() {
            *per_alert.entry(a).or_default() += 1;
        }
        assert_eq!(per_alert.len(), ORDINARY + 1, "{per_alert:?}");
        assert!(per_alert.values().all(|n| *n >= HOOKS), "{per_alert:?}");
    }
}
