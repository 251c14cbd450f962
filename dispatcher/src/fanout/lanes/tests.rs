//! Lanes grow with answers, halve on retries, and let no failing origin keep many waiting.

use std::time::Duration;

use super::*;

fn soon(ms: u64) -> Instant {
    Instant::now() + Duration::from_millis(ms)
}

#[tokio::test]
async fn a_new_origin_gets_four_places_and_grows_with_answers() {
    let lanes = Lanes::new(64);
    let lane = lanes.lane("https://push.example");
    let mut tickets = Vec::new();
    for _ in 0..FIRST_LIMIT {
        tickets.push(lane.enter(soon(10)).await.expect("a place"));
    }
    assert!(lane.enter(soon(20)).await.is_none(), "the fifth waits and gives up at its deadline");
    tickets.pop().unwrap().finish(true);
    assert!(lane.proven());
    tickets.push(lane.enter(soon(10)).await.expect("freed"));
    tickets.push(lane.enter(soon(10)).await.expect("grown by one"));
    assert!(lane.enter(soon(10)).await.is_none(), "five now");
    assert!(Arc::ptr_eq(&lane, &lanes.lane("https://push.example")), "one lane an origin");
}

#[tokio::test]
async fn a_failing_origin_halves_and_keeps_few_waiting() {
    let lane = Lanes::new(64).lane("https://dead.example");
    let held: Vec<Ticket> = futures_util::future::join_all((0..4).map(|_| lane.enter(soon(10))))
        .await
        .into_iter()
        .map(Option::unwrap)
        .collect();
    // An origin not yet seen answering keeps four times its limit waiting: the 17th is
    // turned away at once.
    let waiting: Vec<_> = (0..16)
        .map(|_| {
            let l = lane.clone();
            tokio::spawn(async move { l.enter(soon(2000)).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let turned_away = Instant::now();
    assert!(lane.enter(soon(2000)).await.is_none());
    assert!(turned_away.elapsed() < Duration::from_millis(500), "at once, not at the deadline");
    for t in held {
        t.finish(false);
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let tasks = waiting;
    let still = tasks.iter().filter(|w| !w.is_finished()).count();
    assert_eq!(still, 1, "the limit went 4, 2, 1, 1: one goes in, one waits, the rest left at once");
    // Each admitted delivery keeps its ticket (a dropped one frees its place).
    let mut admitted = Vec::new();
    for w in tasks {
        admitted.extend(w.await.unwrap());
    }
    assert_eq!(admitted.len(), 1, "the one waiting gives up at its deadline, its place still taken");
}

#[test]
fn origins_are_scheme_host_and_port() {
    let push = |e: &str| channels::Recipient::Push {
        endpoint: e.into(),
        p256dh: Vec::new(),
        auth: Vec::new(),
        languages: Vec::new(),
    };
    assert_eq!(origin(&push("https://fcm.googleapis.com/fcm/send/abc")), Some("https://fcm.googleapis.com"));
    assert_eq!(origin(&push("http://127.0.0.1:9000/push/1?x")), Some("http://127.0.0.1:9000"));
    assert_eq!(origin(&push("https://h.example")), Some("https://h.example"));
    assert_eq!(origin(&push("nonsense")), None);
}
