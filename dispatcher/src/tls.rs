//! HTTPS without a proxy: `server.tls_certificate_file` and `server.tls_key_file` make the
//! listener speak TLS (rustls on ring, TLS 1.2 and 1.3, HTTP/1.1), and its answers carry
//! `Strict-Transport-Security`. Handshakes run in tasks of their own, each bounded to ten
//! seconds, so a slow or silent client never holds up others.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// The TLS acceptor of the configured certificate and key.
pub fn acceptor(certificate_file: &str, key_file: &str) -> anyhow::Result<TlsAcceptor> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(certificate_file)
        .with_context(|| format!("server.tls_certificate_file: reading {certificate_file}"))?
        .collect::<Result<_, _>>()
        .with_context(|| format!("server.tls_certificate_file: {certificate_file} is not PEM certificates"))?;
    anyhow::ensure!(!chain.is_empty(), "server.tls_certificate_file: {certificate_file} holds no certificate");
    let key = PrivateKeyDer::from_pem_file(key_file)
        .with_context(|| format!("server.tls_key_file: {key_file} holds no PEM private key"))?;
    let mut config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .context("server.tls_key_file: the key does not fit the certificate")?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// The router with `Strict-Transport-Security` on every answer, for the HTTPS listener only:
/// a browser that once reached Tocsin over HTTPS then refuses to be talked down to plain HTTP
/// by someone on its network (`server.hsts_max_age_seconds`; RFC 6797 has browsers ignore
/// the header over plain HTTP, and behind a proxy the proxy's own HTTPS sets it).
pub fn with_hsts(router: axum::Router, value: Option<&str>) -> anyhow::Result<axum::Router> {
    let Some(value) = value else { return Ok(router) };
    let value = axum::http::HeaderValue::from_str(value).context("server.hsts_max_age_seconds")?;
    Ok(router.layer(tower_http::set_header::SetResponseHeaderLayer::overriding(
        axum::http::header::STRICT_TRANSPORT_SECURITY,
        value,
    )))
}

/// A listener whose connections have finished their TLS handshake.
pub struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
    accepting: tokio::task::JoinHandle<()>,
}

impl TlsListener {
    /// Accepts on `tcp` and shakes hands with `acceptor`.
    pub fn new(tcp: TcpListener, acceptor: TlsAcceptor) -> std::io::Result<TlsListener> {
        let local = tcp.local_addr()?;
        let (tx, ready) = mpsc::channel(64);
        let accepting = tokio::spawn(async move {
            loop {
                let (stream, addr) = match tcp.accept().await {
                    Ok(c) => c,
                    Err(e) => {
                        tracing::debug!(error = %e, "accepting a connection failed");
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        continue;
                    }
                };
                let (acceptor, tx) = (acceptor.clone(), tx.clone());
                tokio::spawn(async move {
                    match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await {
                        Ok(Ok(tls)) => {
                            let _ = tx.send((tls, addr)).await;
                        }
                        Ok(Err(e)) => tracing::debug!(error = %e, "a TLS handshake failed"),
                        Err(_) => tracing::debug!("a TLS handshake timed out"),
                    }
                });
            }
        });
        Ok(TlsListener { ready, local, accepting })
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(c) => c,
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        Ok(self.local)
    }
}
