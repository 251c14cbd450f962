//! Fuzz target: the device protocol, both ways. What a device sends (an acknowledgement, a
//! heartbeat, a pairing request as JSON; the poll's query string) is parsed and checked as the
//! server does, and what a server answers a poll is read by the reference agent, which decides
//! what to run. Nothing may panic; a heartbeat that passes its check is stored as JSON that
//! reads back to the same heartbeat.

#![no_main]

use dispatcher::agent::plan::{Handlers, decide};
use dispatcher::agent::protocol::{Command, PollAnswer};
use dispatcher::domain::devices::{Ack, Heartbeat};
use dispatcher::http::device_protocol::{PairRequest, PollQuery};
use dispatcher::http::extract::{parse_json, query_is_utf8};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else { return };
    match which % 5 {
        0 => {
            if let Ok(ack) = parse_json::<Ack>(body) {
                let _ = ack.check();
            }
        }
        1 => {
            if let Ok(h) = parse_json::<Heartbeat>(body)
                && let Ok(stored) = h.check()
            {
                let again: Heartbeat = serde_json::from_str(&stored).expect("a stored heartbeat reads back");
                assert_eq!(serde_json::to_string(&again).ok(), Some(stored), "the heartbeat changed on the way");
            }
        }
        2 => {
            let _ = parse_json::<PairRequest>(body);
        }
        3 => {
            if let Ok(q) = std::str::from_utf8(body)
                && query_is_utf8(q)
            {
                let _ = serde_urlencoded::from_str::<PollQuery>(q);
            }
        }
        _ => agent_reads(body),
    }
});

/// The agent reading a poll's answer: each command parsed and decided on, with a program
/// configured for one signal and for displays, as if a program already ran on the thread.
fn agent_reads(body: &[u8]) {
    let Ok(answer) = serde_json::from_slice::<PollAnswer>(body) else { return };
    let handlers = Handlers {
        signals: [("sk-general-danger".to_owned(), "true".to_owned())].into_iter().collect(),
        display: Some("true".to_owned()),
    };
    for json in answer.commands {
        if let Some(cmd) = Command::parse(json) {
            for running in [None, Some(None), Some(Some("sk-general-danger"))] {
                let _ = decide(&handlers, running, &cmd);
            }
        }
    }
}
