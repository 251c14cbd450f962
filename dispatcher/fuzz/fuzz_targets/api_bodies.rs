//! Fuzz target: the JSON API's request bodies, parsed as the HTTP edge parses them (naming the
//! field at fault), for every body the API takes. An alert's content goes further, through
//! what submitting does without a database: the content's own check, building the CAP
//! message, and freezing it (writing it and reading it back with the authoring profile);
//! whatever freezes must read back strictly as CAP. Nothing may panic.

#![no_main]

use cap_alerts::model::{CapDateTime, Identifier, MsgType, Sender};
use dispatcher::domain::alerts::build::{Envelope, authoring_profile, build, freeze};
use dispatcher::domain::alerts::content::AlertContent;
use dispatcher::http::extract::parse_json;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else { return };
    match which % 12 {
        0 => content(body),
        1 => drop(parse_json::<dispatcher::domain::alerts::lifecycle::CreateRequest>(body)),
        2 => drop(parse_json::<dispatcher::http::alerts::EditRequest>(body)),
        3 => drop(parse_json::<dispatcher::http::alerts::ApproveRequest>(body)),
        4 => drop(parse_json::<dispatcher::http::alerts::SubmitRequest>(body)),
        5 => drop(parse_json::<dispatcher::http::alerts::UpdateRequest>(body)),
        6 => drop(parse_json::<dispatcher::http::alerts::CancelRequest>(body)),
        7 => drop(parse_json::<dispatcher::domain::devices::NewDevice>(body)),
        8 => drop(parse_json::<dispatcher::domain::templates::Template>(body)),
        9 => drop(parse_json::<dispatcher::domain::residents::SignUp>(body)),
        10 => drop(parse_json::<dispatcher::http::session::LoginRequest>(body)),
        _ => drop(parse_json::<dispatcher::http::webhooks::NewWebhook>(body)),
    }
});

/// An alert's content as submitting takes it.
fn content(body: &[u8]) {
    let Ok(value) = parse_json::<serde_json::Value>(body) else { return };
    let Ok(content) = AlertContent::from_json(value) else { return };
    let (Ok(identifier), Ok(sender), Ok(sent)) = (
        Identifier::parse("fuzz-1-1".to_owned()),
        Sender::parse("ops@town.example"),
        CapDateTime::parse("2026-11-30T10:00:00+01:00"),
    ) else {
        panic!("the envelope's fixed values are valid")
    };
    let env = Envelope { identifier, sender, sent, msg_type: MsgType::Alert, references: Vec::new() };
    let alert = build(&content, &env, &[], "Town");
    if let Ok((xml, _)) = freeze(&alert, &authoring_profile(&[])) {
        let back = cap_alerts::Reader::new().read(xml.as_bytes());
        assert!(back.is_ok(), "a frozen message does not read back: {back:?}");
    }
}
