//! A bounded pool of SMTP connections built on lettre's `AsyncSmtpConnection`.
//!
//! lettre's own pooled transport was not enough for warnings: on Tokio it bounds only the
//! connect with its timeout, not the replies, so a relay that stops answering holds a send
//! for ever; a send cancelled by a timeout returns its connection, mid-transaction, to the
//! pool, where the next message would read the stale replies; and it caps only the idle
//! connections, so a burst opens one connection per send. Here every transaction has a
//! deadline, a connection that missed one is dropped, and at most `pool_size` are open.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use lettre::address::Envelope;
use lettre::transport::smtp::Error as SmtpError;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::response::Response;
use tokio::net::TcpStream;
use tokio::sync::Semaphore;
use tokio::time::timeout;

/// A connection idle for longer is asked for a NOOP before use: relays close idle ones.
const CHECK_AFTER_IDLE: Duration = Duration::from_secs(2);
/// A connection idle for longer is closed rather than reused.
const MAX_IDLE: Duration = Duration::from_secs(60);

/// Why a send or a connection failed.
#[derive(Debug)]
pub(crate) enum PoolError {
    /// What lettre reported: a reply code, or a network, TLS or protocol error.
    Smtp(SmtpError),
    /// No answer within the deadline.
    Timeout,
    /// STARTTLS is required but the server does not offer it.
    NoStartTls,
    /// The server closed an idle connection and did not take a new one.
    Closed,
    /// The TCP connection could not be made.
    Connect(std::io::Error),
}

/// How to open a connection.
pub(crate) struct Connector {
    pub host: String,
    pub port: u16,
    pub timeout: Duration,
    /// TLS from the first byte.
    pub implicit_tls: Option<TlsParameters>,
    /// TLS after STARTTLS, required.
    pub starttls: Option<TlsParameters>,
    pub credentials: Option<Credentials>,
}

/// The pool.
pub(crate) struct Pool {
    connector: Connector,
    hello: ClientId,
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
    permits: Semaphore,
}

impl Pool {
    /// A pool of at most `size` connections; none is opened yet.
    pub fn new(connector: Connector, size: u32) -> Self {
        Pool {
            connector,
            hello: ClientId::default(),
            idle: Mutex::new(Vec::new()),
            permits: Semaphore::new(size as usize),
        }
    }

    /// Sends one message on a pooled connection, waiting for a free one if all are busy.
    pub async fn send(&self, envelope: &Envelope, email: &[u8]) -> Result<Response, PoolError> {
        let _permit = self.permits.acquire().await.map_err(|_| PoolError::Timeout)?;
        let mut conn = self.checkout().await?;
        match timeout(self.connector.timeout, conn.send(envelope, email)).await {
            Ok(Ok(response)) => {
                self.checkin(conn);
                Ok(response)
            }
            // lettre has already sent QUIT and marked it broken.
            Ok(Err(e)) => Err(PoolError::Smtp(e)),
            // Mid-transaction: its next reply would belong to this message, so it goes.
            Err(_) => Err(PoolError::Timeout),
        }
    }

    /// Opens (or reuses) a connection and asks the server for a NOOP.
    pub async fn check(&self) -> Result<(), PoolError> {
        let _permit = self.permits.acquire().await.map_err(|_| PoolError::Timeout)?;
        let mut conn = self.checkout().await?;
        match timeout(self.connector.timeout, conn.test_connected()).await {
            Ok(true) => {
                self.checkin(conn);
                Ok(())
            }
            Ok(false) => Err(PoolError::Closed),
            Err(_) => Err(PoolError::Timeout),
        }
    }

    /// A usable connection: the most recently used idle one, else a new one.
    async fn checkout(&self) -> Result<AsyncSmtpConnection, PoolError> {
        while let Some((mut conn, since)) = self.take_idle() {
            let idle = since.elapsed();
            if idle > MAX_IDLE || conn.has_broken() {
                continue;
            }
            if idle < CHECK_AFTER_IDLE {
                return Ok(conn);
            }
            if let Ok(true) = timeout(self.connector.timeout, conn.test_connected()).await {
                return Ok(conn);
            }
        }
        match timeout(self.connector.timeout, self.connect()).await {
            Ok(result) => result,
            Err(_) => Err(PoolError::Timeout),
        }
    }

    fn take_idle(&self) -> Option<(AsyncSmtpConnection, Instant)> {
        self.idle.lock().ok()?.pop()
    }

    fn checkin(&self, conn: AsyncSmtpConnection) {
        if conn.has_broken() {
            return;
        }
        if let Ok(mut idle) = self.idle.lock() {
            idle.retain(|(_, since)| since.elapsed() <= MAX_IDLE);
            idle.push((conn, Instant::now()));
        }
    }

    /// A new connection: TCP (or TLS), EHLO, STARTTLS and login as configured.
    async fn connect(&self) -> Result<AsyncSmtpConnection, PoolError> {
        let c = &self.connector;
        let mut conn = match &c.implicit_tls {
            // lettre wraps the socket in TLS itself here, leaving no way to set TCP_NODELAY.
            Some(tls) => AsyncSmtpConnection::connect_tokio1(
                (c.host.as_str(), c.port),
                Some(c.timeout),
                &self.hello,
                Some(tls.clone()),
                None,
            )
            .await
            .map_err(PoolError::Smtp)?,
            None => {
                let tcp = TcpStream::connect((c.host.as_str(), c.port)).await.map_err(PoolError::Connect)?;
                // lettre writes a message's body and its final dot separately; with Nagle's
                // algorithm the dot then waits for the server's delayed ACK, 40 ms a message.
                tcp.set_nodelay(true).map_err(PoolError::Connect)?;
                AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &self.hello)
                    .await
                    .map_err(PoolError::Smtp)?
            }
        };
        if let Some(tls) = &c.starttls {
            if !conn.can_starttls() {
                conn.abort().await;
                return Err(PoolError::NoStartTls);
            }
            conn.starttls(tls.clone(), &self.hello).await.map_err(PoolError::Smtp)?;
        }
        if let Some(credentials) = &c.credentials {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], credentials).await.map_err(PoolError::Smtp)?;
        }
        Ok(conn)
    }
}
