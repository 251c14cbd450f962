//! The demo's SMTP server: just enough of RFC 5321 for the email channel's connection pool
//! (EHLO or HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) on loopback, without TLS or
//! authentication. Each message is counted and its subject kept; nothing is relayed.

use std::sync::Arc;

use base64::Engine as _;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use super::receivers::Tally;

/// The longest line read (RFC 5321 allows 1000 octets; a little slack for a lax client).
const MAX_LINE: usize = 4096;

/// Accepts connections until the task is dropped with the runtime.
pub async fn serve(listener: TcpListener, tally: Arc<Tally>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let tally = tally.clone();
                tokio::spawn(async move {
                    if let Err(e) = session(stream, &tally).await {
                        tracing::debug!(error = %e, "a demo SMTP session ended early");
                    }
                });
            }
            Err(e) => tracing::warn!(error = %e, "the demo's SMTP receiver could not accept a connection"),
        }
    }
}

async fn session(stream: TcpStream, tally: &Tally) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 demo.localhost ESMTP Tocsin demo receiver\r\n").await?;
    let mut line = String::new();
    loop {
        if read_line(&mut lines, &mut line).await? == 0 {
            return Ok(());
        }
        let verb = line.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-demo.localhost\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 PIPELINING\r\n",
            "HELO" | "MAIL" | "RCPT" | "RSET" | "NOOP" => b"250 OK\r\n",
            "DATA" => {
                write.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
                let message = read_data(&mut lines).await?;
                tally.email(&subject(&message));
                b"250 OK: queued\r\n"
            }
            "QUIT" => {
                write.write_all(b"221 Bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 Command not implemented\r\n",
        };
        write.write_all(reply).await?;
    }
}

async fn read_line(r: &mut (impl AsyncBufReadExt + Unpin), line: &mut String) -> std::io::Result<usize> {
    line.clear();
    let n = r.read_line(line).await?;
    if line.len() > MAX_LINE {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "line too long"));
    }
    Ok(n)
}

/// The message up to the line holding a single dot, dot-stuffing undone.
async fn read_data(r: &mut (impl AsyncBufReadExt + Unpin)) -> std::io::Result<String> {
    let mut message = String::new();
    let mut line = String::new();
    loop {
        if read_line(r, &mut line).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let text = line.trim_end_matches(['\r', '\n']);
        if text == "." {
            return Ok(message);
        }
        message.push_str(text.strip_prefix('.').unwrap_or(text));
        message.push('\n');
    }
}

/// The message's Subject header, unfolded and decoded.
fn subject(message: &str) -> String {
    let mut value: Option<String> = None;
    for line in message.lines() {
        if line.is_empty() {
            break;
        }
        match (&mut value, line.starts_with([' ', '\t'])) {
            (Some(v), true) => v.push_str(line),
            (Some(_), false) => break,
            (None, _) => {
                if let Some((name, rest)) = line.split_once(':')
                    && name.eq_ignore_ascii_case("subject")
                {
                    value = Some(rest.trim().to_owned());
                }
            }
        }
    }
    value.map(|v| decode_words(&v)).unwrap_or_default()
}

/// Decodes RFC 2047 encoded words (`=?utf-8?b?…?=` and `=?utf-8?q?…?=`); whitespace between
/// two encoded words is dropped, as the RFC says.
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut last_encoded = false;
    for token in value.split_whitespace() {
        let decoded = encoded_word(token);
        let joined = last_encoded && decoded.is_some();
        if !(out.is_empty() || joined) {
            out.push(' ');
        }
        last_encoded = decoded.is_some();
        out.push_str(decoded.as_deref().unwrap_or(token));
    }
    out
}

fn encoded_word(token: &str) -> Option<String> {
    let inner = token.strip_prefix("=?")?.strip_suffix("?=")?;
    let mut parts = inner.splitn(3, '?');
    let (charset, encoding, text) = (parts.next()?, parts.next()?, parts.next()?);
    if !charset.eq_ignore_ascii_case("utf-8") {
        return None;
    }
    let bytes = match encoding {
        "b" | "B" => base64::engine::general_purpose::STANDARD.decode(text).ok()?,
        "q" | "Q" => quoted(text)?,
        _ => return None,
    };
    String::from_utf8(bytes).ok()
}

fn quoted(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut bytes = text.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'_' => out.push(b' '),
            b'=' => {
                let hex = [bytes.next()?, bytes.next()?];
                out.push(u8::from_str_radix(std::str::from_utf8(&hex).ok()?, 16).ok()?);
            }
            _ => out.push(b),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subject_is_unfolded_and_decoded() {
        let m = "From: a@b.example\nSubject: =?utf-8?b?UG92b2RlxYg=?=\n =?utf-8?q?:_Dunaj?= stúpa\nTo: c@d.example\n\nSubject: body";
        assert_eq!(subject(m), "Povodeň: Dunaj stúpa");
        assert_eq!(subject("Subject: Flood warning\n\nbody"), "Flood warning");
        assert_eq!(subject("To: x\n\nSubject: not a header"), "");
    }

    #[tokio::test]
    async fn a_session_takes_a_message_and_counts_it() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let tally = Arc::new(Tally::default());
        tokio::spawn(serve(listener, tally.clone()));
        let stream = TcpStream::connect(addr).await.unwrap();
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read).lines();
        let script = "EHLO me\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\nSubject: Hi\r\n\r\n..dot\r\n.\r\nNOOP\r\nRSET\r\nQUIT\r\n";
        write.write_all(script.as_bytes()).await.unwrap();
        let mut codes = Vec::new();
        while let Some(l) = lines.next_line().await.unwrap() {
            codes.push(l[..4].to_owned());
        }
        assert_eq!(
            codes,
            ["220 ", "250-", "250-", "250-", "250 ", "250 ", "250 ", "354 ", "250 ", "250 ", "250 ", "221 "]
        );
        assert_eq!(tally.counts().email, 1);
        assert_eq!(tally.take_latest(), ["email: Hi"]);
    }
}
