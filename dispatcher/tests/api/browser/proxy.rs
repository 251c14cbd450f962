//! A loopback TCP proxy in front of the test server that can be switched off (connections are
//! cut and refused) or to failing (every request gets a 503), so the display page's recovery is
//! tested against a real connection loss rather than a stubbed `fetch`.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// What the proxy does with connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Passes them to the server.
    Up = 0,
    /// Closes them at once.
    Down = 1,
    /// Answers every request `503 Service Unavailable`.
    Failing = 2,
}

/// The running proxy; its tasks end when it is dropped.
pub struct Proxy {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    mode: Arc<AtomicU8>,
    open: Arc<Mutex<Vec<JoinHandle<()>>>>,
    task: JoinHandle<()>,
}

impl Proxy {
    /// Proxies to `target` (`http://host:port`).
    pub async fn start(target: &str) -> Proxy {
        let target = target.trim_start_matches("http://").to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let mode = Arc::new(AtomicU8::new(Mode::Up as u8));
        let open = Arc::new(Mutex::new(Vec::new()));
        let (m, o) = (mode.clone(), open.clone());
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let conn = match m.load(Ordering::SeqCst) {
                    0 => tokio::spawn(forward(client, target.clone())),
                    2 => tokio::spawn(fail(client)),
                    _ => continue,
                };
                o.lock().unwrap().push(conn);
            }
        });
        Proxy { url, mode, open, task }
    }

    /// Switches the mode; leaving `Up` cuts every open connection (a long poll included).
    pub fn set(&self, mode: Mode) {
        self.mode.store(mode as u8, Ordering::SeqCst);
        if mode != Mode::Up {
            self.open.lock().unwrap().drain(..).for_each(|t| t.abort());
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
        self.open.lock().unwrap().drain(..).for_each(|t| t.abort());
    }
}

async fn forward(mut client: TcpStream, target: String) {
    if let Ok(mut server) = TcpStream::connect(&target).await {
        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
    }
}

async fn fail(mut client: TcpStream) {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match client.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let answer = "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
    let _ = client.write_all(answer.as_bytes()).await;
}
