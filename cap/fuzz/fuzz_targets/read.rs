//! Fuzz target: the CAP reader must never panic, and whatever it accepts must write and read
//! back to the same model.

#![no_main]

use cap_alerts::{Mode, Reader};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let report = Reader::new().mode(Mode::Lenient).check(data);
    if let Some(alert) = report.alert {
        let written = cap_alerts::write(&alert);
        let again = Reader::new().mode(Mode::Lenient).read(written.as_bytes());
        match again {
            Ok(doc) => assert_eq!(doc.alert, alert, "the round trip changed the model"),
            Err(r) => panic!("a written alert does not read back: {r}"),
        }
    }
});
