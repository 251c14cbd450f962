//! Test support: where the peers are, and how an absent peer is handled (a skip on a user's
//! machine, a failure under CI, where `TOCSIN_CI=1` and every peer is required).

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;

/// The folder of the npm peers (`channels/tests/peers`), when `npm ci` has been run there.
pub fn npm_peers() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/peers");
    if dir.join("node_modules").is_dir() && node_works() {
        return Some(dir);
    }
    absent("the npm peers (run `npm ci --prefix channels/tests/peers`, with Node.js installed)")
}

/// Whether a Python module (`aiosmtpd`, `http_ece`, `py_vapid`) can be imported.
pub fn python_module(module: &str) -> Option<()> {
    let ok =
        Command::new("python3").args(["-c", &format!("import {module}")]).output().is_ok_and(|o| o.status.success());
    if ok { Some(()) } else { absent(&format!("the Python module {module} (pip install {module})")) }
}

fn node_works() -> bool {
    Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success())
}

/// Skips on a user's machine; fails under CI.
pub fn absent<T>(what: &str) -> Option<T> {
    if std::env::var_os("TOCSIN_CI").is_some() {
        panic!("{what} is required under CI");
    }
    eprintln!("skipping: {what} is not available");
    None
}

/// A free loopback port.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A child process that is killed when dropped.
pub struct Peer(pub std::process::Child);

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits until something listens on a loopback port (up to 15 s).
pub fn wait_for_port(port: u16) {
    for _ in 0..150 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("nothing listens on 127.0.0.1:{port}");
}
