//! Fuzz target: the index feed reader must never panic.

#![no_main]

use cap_alerts::ReadOptions;
use cap_alerts::feed::read_feed;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = read_feed(data, &ReadOptions::default());
});
