//! A raw HTTP/1.1 request over TCP, for paths that an HTTP client would normalise (`../`) or
//! refuse to send, exactly as written.

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{Auth, Resp};

/// Sends `method target` with the caller's credentials and an optional JSON body.
pub async fn send(base: &str, method: &str, target: &str, auth: Auth<'_>, json: Option<&[u8]>) -> Resp {
    let host = base.trim_start_matches("http://");
    let mut req = format!("{method} {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    match auth {
        Auth::None => {}
        Auth::Session(s) | Auth::SessionNoCsrf(s) => {
            req.push_str(&format!("Cookie: __Host-tocsin_session={}\r\nX-CSRF-Token: {}\r\n", s.cookie, s.csrf))
        }
        Auth::Token(t) => req.push_str(&format!("Authorization: Bearer {t}\r\n")),
    }
    let body = json.unwrap_or_default();
    if json.is_some() {
        req.push_str("Content-Type: application/json\r\n");
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut stream = tokio::net::TcpStream::connect(host).await.expect("connect");
    stream.write_all(req.as_bytes()).await.expect("write head");
    stream.write_all(body).await.expect("write body");
    let mut got = Vec::new();
    stream.read_to_end(&mut got).await.expect("read answer");
    parse(&got)
}

fn parse(got: &[u8]) -> Resp {
    let split = got.windows(4).position(|w| w == b"\r\n\r\n").expect("a head");
    let head = String::from_utf8_lossy(&got[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let code: u16 = status_line.split(' ').nth(1).and_then(|c| c.parse().ok()).expect("a status");
    let mut headers = HeaderMap::new();
    for line in lines {
        if let Some((k, v)) = line.split_once(':')
            && let (Ok(k), Ok(v)) = (HeaderName::from_bytes(k.trim().as_bytes()), HeaderValue::from_str(v.trim()))
        {
            headers.append(k, v);
        }
    }
    let rest = &got[split + 4..];
    let chunked = headers.get("transfer-encoding").is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"chunked"));
    let body = if chunked { dechunk(rest) } else { rest.to_vec() };
    Resp { status: StatusCode::from_u16(code).expect("status"), headers, body }
}

fn dechunk(mut rest: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = rest.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&rest[..end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = end + 2;
        out.extend_from_slice(&rest[start..(start + size).min(rest.len())]);
        rest = rest.get(start + size + 2..).unwrap_or_default();
    }
    out
}
