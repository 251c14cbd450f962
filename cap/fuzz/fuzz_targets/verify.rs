//! Fuzz target: signature verification and canonicalization must never panic on any input.

#![no_main]

use cap_alerts::sign::{Canonicalization, TrustPolicy, canonicalize_document, verify};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let policy = TrustPolicy { allow_sha1: true, allow_key_value: true, ..TrustPolicy::default() };
    let _ = verify(data, &policy, 1_700_000_000);
    let methods = [
        Canonicalization::Inclusive { v11: false, comments: true },
        Canonicalization::Inclusive { v11: true, comments: false },
        Canonicalization::Exclusive { comments: false, prefixes: vec!["#default".to_owned()] },
    ];
    for m in &methods {
        let _ = canonicalize_document(data, m);
    }
});
