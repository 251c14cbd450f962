//! Minimal loopback peers written for the benchmarks, so that the peer is not what is measured:
//! a Web Push receiver answering 201, an SMSC answering SMPP binds and submits, and an SMTP sink.
//! Each notes what arrived in an `Arrivals`: how many messages, the distinct recipients, and
//! when the first and the last arrived (microseconds since the epoch, so another process's
//! clock reading of the issue can be compared).

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, BufWriter};
use tokio::net::{TcpListener, TcpStream};

/// What arrived at one peer.
#[derive(Debug)]
pub struct Arrivals {
    messages: AtomicU64,
    first_us: AtomicU64,
    last_us: AtomicU64,
    recipients: Mutex<HashSet<String>>,
}

impl Default for Arrivals {
    fn default() -> Self {
        Arrivals {
            messages: AtomicU64::new(0),
            first_us: AtomicU64::new(u64::MAX),
            last_us: AtomicU64::new(0),
            recipients: Mutex::new(HashSet::new()),
        }
    }
}

impl Arrivals {
    /// Notes one message to `recipient`, now.
    pub fn note(&self, recipient: &str) {
        let now = now_us();
        self.first_us.fetch_min(now, Ordering::Relaxed);
        self.last_us.fetch_max(now, Ordering::Relaxed);
        self.messages.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut r) = self.recipients.lock()
            && !r.contains(recipient)
        {
            r.insert(recipient.to_owned());
        }
    }

    /// Messages so far.
    pub fn messages(&self) -> u64 {
        self.messages.load(Ordering::Relaxed)
    }

    /// Distinct recipients so far.
    pub fn recipients(&self) -> usize {
        self.recipients.lock().map_or(0, |r| r.len())
    }

    /// When the first and the last message arrived, if any did.
    pub fn first_and_last_us(&self) -> Option<(u64, u64)> {
        let first = self.first_us.load(Ordering::Relaxed);
        (first != u64::MAX).then(|| (first, self.last_us.load(Ordering::Relaxed)))
    }
}

/// Microseconds since the epoch.
pub fn now_us() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros() as u64)
}

/// Accepts connections on `listener` and serves each with `session`.
fn accept<F, Fut>(listener: TcpListener, arrivals: Arc<Arrivals>, session: F)
where
    F: Fn(TcpStream, Arc<Arrivals>) -> Fut + Send + 'static,
    Fut: Future<Output = std::io::Result<()>> + Send + 'static,
{
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let _ = stream.set_nodelay(true);
            tokio::spawn(session(stream, arrivals.clone()));
        }
    });
}

/// Starts a peer on a loopback port of its own; gives the port.
async fn start<F, Fut>(arrivals: Arc<Arrivals>, session: F) -> std::io::Result<u16>
where
    F: Fn(TcpStream, Arc<Arrivals>) -> Fut + Send + 'static,
    Fut: Future<Output = std::io::Result<()>> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    accept(listener, arrivals, session);
    Ok(port)
}

/// The Web Push receiver: reads each HTTP/1.1 request and answers 201, keeping the connection
/// open; the recipient is the request's path. It neither checks nor decrypts: the tests do.
pub async fn push_receiver(arrivals: Arc<Arrivals>) -> std::io::Result<u16> {
    start(arrivals, push_session).await
}

async fn push_session(stream: TcpStream, arrivals: Arc<Arrivals>) -> std::io::Result<()> {
    let mut stream = BufReader::new(stream);
    let mut line = String::new();
    let mut path = String::new();
    let mut body = Vec::new();
    loop {
        let mut length = 0usize;
        path.clear();
        loop {
            line.clear();
            if stream.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if path.is_empty() {
                path.push_str(l.split(' ').nth(1).unwrap_or("/"));
            } else if let Some((name, value)) = l.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        body.resize(length, 0);
        stream.read_exact(&mut body).await?;
        arrivals.note(&path);
        stream.get_mut().write_all(b"HTTP/1.1 201 Created\r\ncontent-length: 0\r\n\r\n").await?;
    }
}

/// The SMSC: raw SMPP PDUs (bind_transceiver_resp, submit_sm_resp with a message id,
/// enquire_link_resp, unbind_resp); the recipient is each submit's destination address.
pub async fn smsc(arrivals: Arc<Arrivals>) -> std::io::Result<u16> {
    let ids = Arc::new(AtomicU64::new(0));
    start(arrivals, move |stream, arrivals| smsc_session(stream, arrivals, ids.clone())).await
}

/// One ESME's connection: reads each PDU's header and answers; flushes the answers whenever
/// no more input is buffered, so pipelined submits are answered in batches.
async fn smsc_session(stream: TcpStream, arrivals: Arc<Arrivals>, ids: Arc<AtomicU64>) -> std::io::Result<()> {
    let (read, write) = stream.into_split();
    let mut reader = BufReader::with_capacity(64 * 1024, read);
    let mut writer = BufWriter::with_capacity(64 * 1024, write);
    let mut body = Vec::new();
    loop {
        let mut header = [0u8; 16];
        reader.read_exact(&mut header).await?;
        let word = |i: usize| u32::from_be_bytes([header[i], header[i + 1], header[i + 2], header[i + 3]]);
        let (length, command, sequence) = (word(0), word(4), word(12));
        body.resize((length as usize).saturating_sub(16), 0);
        reader.read_exact(&mut body).await?;
        let answer: Option<(u32, u32, Vec<u8>)> = match command {
            0x0000_0009 => Some((0x8000_0009, 0, b"smsc\0".to_vec())),
            0x0000_0004 => {
                arrivals.note(&destination(&body));
                let id = ids.fetch_add(1, Ordering::Relaxed);
                Some((0x8000_0004, 0, format!("{id:x}\0").into_bytes()))
            }
            0x0000_0015 => Some((0x8000_0015, 0, Vec::new())),
            0x0000_0006 => Some((0x8000_0006, 0, Vec::new())),
            c if c & 0x8000_0000 != 0 => None,
            _ => Some((0x8000_0000, 3, Vec::new())),
        };
        if let Some((id, status, payload)) = answer {
            let len = 16 + payload.len() as u32;
            for w in [len, id, status, sequence] {
                writer.write_all(&w.to_be_bytes()).await?;
            }
            writer.write_all(&payload).await?;
        }
        if reader.buffer().is_empty() {
            writer.flush().await?;
        }
        if command == 0x0000_0006 {
            return Ok(());
        }
    }
}

/// A submit_sm body's destination_addr: after service_type (C string), the source's TON and
/// NPI, source_addr (C string), and the destination's TON and NPI.
fn destination(body: &[u8]) -> String {
    let cstring = |from: usize| -> (usize, &[u8]) {
        let rest = body.get(from..).unwrap_or_default();
        let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
        (from + end + 1, &rest[..end])
    };
    let (after_service, _) = cstring(0);
    let (after_source, _) = cstring(after_service + 2);
    String::from_utf8_lossy(cstring(after_source + 2).1).into_owned()
}

/// The SMTP sink: accepts every message and forgets it; the recipients are its `RCPT TO`s.
pub async fn smtp_sink(arrivals: Arc<Arrivals>) -> std::io::Result<u16> {
    start(arrivals, smtp_session).await
}

async fn smtp_session(stream: TcpStream, arrivals: Arc<Arrivals>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    let mut line = String::new();
    let mut queued = 0u64;
    let mut to = Vec::new();
    write.write_all(b"220 sink ESMTP\r\n").await?;
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let verb = line.get(..4).unwrap_or_default().to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-sink\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n",
            "RCPT" => {
                to.push(line.trim_end().rsplit(':').next().unwrap_or_default().to_owned());
                b"250 OK\r\n"
            }
            "DATA" => {
                write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" {
                        break;
                    }
                }
                queued += 1;
                for r in to.drain(..) {
                    arrivals.note(&r);
                }
                write.write_all(format!("250 2.0.0 Ok: queued as S{queued}\r\n").as_bytes()).await?;
                continue;
            }
            "RSET" => {
                to.clear();
                b"250 OK\r\n"
            }
            "QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => b"250 OK\r\n",
        };
        write.write_all(reply).await?;
    }
}

#[cfg(test)]
mod tests {
    use super::destination;

    #[test]
    fn a_submits_destination_is_read_after_the_source() {
        // service_type "", source TON/NPI, "Mesto", destination TON/NPI, "421900000001", then
        // esm_class and the rest.
        let mut body = vec![0u8, 5, 0];
        body.extend_from_slice(b"Mesto\0");
        body.extend_from_slice(&[1, 1]);
        body.extend_from_slice(b"421900000001\0");
        body.extend_from_slice(&[0, 0, 0]);
        assert_eq!(destination(&body), "421900000001");
    }
}
