//! Benchmark scenarios for Tocsin. Each measures one thing and returns its figures as JSON;
//! `src/main.rs` runs them by name and prints them.

pub mod cap;
pub mod devices;
pub mod e2e;
pub mod email;
pub mod fanout;
pub mod measure;
pub mod peers;
pub mod push;
pub mod sms;

use std::path::PathBuf;

/// The shared CAP corpus: `TOCSIN_CAP_CORPUS`, or `../shared/cap-corpus` beside the repository.
pub fn corpus_dir() -> PathBuf {
    std::env::var_os("TOCSIN_CAP_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/cap-corpus")))
}
