//! Test support: where the shared CAP corpus is, and how a missing corpus is handled.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The corpus folder (`../shared/cap-corpus` beside the repository, or `TOCSIN_CAP_CORPUS`).
/// `None` when it is absent on a user's machine; under CI (`TOCSIN_CI=1`) its absence fails.
pub fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("TOCSIN_CAP_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/cap-corpus"));
    if dir.join("SOURCES.md").is_file() {
        return Some(dir);
    }
    if std::env::var_os("TOCSIN_CI").is_some() {
        panic!("the CAP corpus is required under CI but was not found at {}", dir.display());
    }
    eprintln!("skipping: the CAP corpus is not at {} (set TOCSIN_CAP_CORPUS)", dir.display());
    None
}

/// Every file below a folder with one of the extensions, sorted.
pub fn files(dir: &Path, extensions: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| extensions.iter().any(|x| e == *x)) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The path relative to the corpus, with forward slashes.
pub fn rel(corpus: &Path, p: &Path) -> String {
    p.strip_prefix(corpus).unwrap().to_string_lossy().replace('\\', "/")
}
