//! One transceiver bind: its connection (kept up with backoff and jitter), its window of
//! outstanding submit_sm, its pace, and its pause when the SMSC throttles.

use std::pin::Pin;
use std::str::FromStr;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use futures_util::Stream;
use rusmpp::pdus::{BindTransceiver, SubmitSm};
use rusmpp::types::COctetString;
use rusmpp::values::{InterfaceVersion, Npi, Ton};
use rusmppc::{Client, ConnectionBuilder};
use tokio::sync::Semaphore;
use tokio::time::Instant;

use super::nudge::Nudged;
use super::submit::{connection_problem, is_throttling, outcome_for_error, status_name};
use super::{SmppConfig, deliver};
use crate::{EventSender, Outcome};

/// The longest wait between two attempts to bind.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// The longest pause after the SMSC throttled us.
const MAX_PAUSE: Duration = Duration::from_secs(5);

/// One bind and what the senders share about it.
pub struct Bind {
    index: usize,
    client: RwLock<Option<Client>>,
    last_error: Mutex<Option<String>>,
    window: Semaphore,
    /// The time between two submit_sm at the configured rate (zero: no limit).
    interval: Duration,
    next_slot: Mutex<Instant>,
    /// When the SMSC throttled us: no submit before this, and how many times in a row.
    pause: Mutex<(Option<Instant>, u32)>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Bind {
    pub fn new(index: usize, config: &SmppConfig) -> Self {
        let interval = if config.rate_per_second > 0.0 {
            Duration::from_secs_f64(1.0 / config.rate_per_second)
        } else {
            Duration::ZERO
        };
        Bind {
            index,
            client: RwLock::new(None),
            last_error: Mutex::new(None),
            window: Semaphore::new(config.window as usize),
            interval,
            next_slot: Mutex::new(Instant::now()),
            pause: Mutex::new((None, 0)),
        }
    }

    /// Whether the bind is bound now.
    pub fn is_up(&self) -> bool {
        self.client().is_some()
    }

    fn client(&self) -> Option<Client> {
        self.client.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn set_client(&self, client: Option<Client>) {
        *self.client.write().unwrap_or_else(PoisonError::into_inner) = client;
    }

    /// Why the bind last failed, for health.
    pub fn last_error(&self) -> Option<String> {
        lock(&self.last_error).clone()
    }

    /// Whether the SMSC throttled this bind a moment ago.
    pub fn is_paused(&self) -> bool {
        lock(&self.pause).0.is_some_and(|until| until > Instant::now())
    }

    /// Submits the segments of one message in order; the first segment's message_id is the
    /// provider id that receipts name.
    pub async fn submit(&self, pdus: Vec<SubmitSm>) -> Outcome {
        let mut provider_id = None;
        for pdu in pdus {
            match self.submit_one(pdu).await {
                Ok(id) => {
                    provider_id.get_or_insert(id);
                }
                Err(outcome) => return outcome,
            }
        }
        Outcome::Sent { provider_id }
    }

    async fn submit_one(&self, pdu: SubmitSm) -> Result<String, Outcome> {
        let pause = lock(&self.pause).0;
        if let Some(until) = pause {
            tokio::time::sleep_until(until).await;
        }
        let Ok(_permit) = self.window.acquire().await else {
            return Err(Outcome::Retry { not_before: None, error: "the SMPP channel is shutting down".into() });
        };
        self.pace().await;
        let Some(client) = self.client() else {
            return Err(Outcome::Retry {
                not_before: Some(Duration::from_secs(1)),
                error: "the SMPP bind is down".into(),
            });
        };
        match client.submit_sm(pdu).await {
            Ok(resp) => {
                lock(&self.pause).1 = 0;
                Ok(String::from_utf8_lossy(resp.message_id().as_ref()).trim_end_matches('\0').to_owned())
            }
            Err(rusmppc::error::Error::UnexpectedResponse { response }) if is_throttling(response.status()) => {
                let pause = self.slow_down();
                Err(Outcome::Retry {
                    not_before: Some(pause),
                    error: format!("the SMSC throttled the message: {}", status_name(response.status())),
                })
            }
            Err(e) => Err(outcome_for_error(&e)),
        }
    }

    /// Waits for this submit's turn at the configured rate.
    async fn pace(&self) {
        if self.interval.is_zero() {
            return;
        }
        let slot = {
            let mut next = lock(&self.next_slot);
            let slot = (*next).max(Instant::now());
            *next = slot + self.interval;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }

    /// Pauses the bind after throttling: one second, doubling while the SMSC keeps
    /// throttling, at most five. Returns the pause.
    fn slow_down(&self) -> Duration {
        let mut pause = lock(&self.pause);
        pause.1 = pause.1.saturating_add(1);
        let length = (Duration::from_secs(1) * 2u32.saturating_pow(pause.1 - 1)).min(MAX_PAUSE);
        pause.0 = Some(Instant::now() + length);
        tracing::warn!(bind = self.index, pause_ms = length.as_millis() as u64, "the SMSC throttles: pausing the bind");
        length
    }

    /// Keeps the bind up for as long as the channel lives.
    pub async fn run(self: Arc<Self>, config: Arc<SmppConfig>, events: EventSender) {
        let mut failures = 0u32;
        loop {
            match connect(&config).await {
                Ok((client, incoming)) => {
                    failures = 0;
                    *lock(&self.last_error) = None;
                    self.set_client(Some(client.clone()));
                    tracing::info!(bind = self.index, "SMPP bind up");
                    deliver::serve(&client, incoming, &events).await;
                    self.set_client(None);
                    *lock(&self.last_error) = Some("the connection to the SMSC was lost".into());
                    tracing::warn!(bind = self.index, "SMPP bind lost; reconnecting");
                    let _ = client.close().await;
                }
                Err(problem) => {
                    failures = failures.saturating_add(1);
                    tracing::warn!(bind = self.index, attempt = failures, problem = %problem, "SMPP bind failed");
                    *lock(&self.last_error) = Some(problem);
                }
            }
            tokio::time::sleep(backoff(failures)).await;
        }
    }
}

/// The wait before binding again: half a second doubling with each failure, at most thirty,
/// with up to half of it again at random so that many binds do not come back in step.
fn backoff(failures: u32) -> Duration {
    let base = (Duration::from_millis(500) * 2u32.saturating_pow(failures.min(10))).min(MAX_BACKOFF);
    let mut byte = [0u8; 1];
    let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut byte);
    base + base.mul_f64(f64::from(byte[0]) / 510.0)
}

/// What the SMSC sends us on one connection.
type Incoming = Pin<Box<dyn Stream<Item = rusmppc::Event> + Send>>;

/// Connects and binds as a transceiver.
async fn connect(config: &SmppConfig) -> Result<(Client, Incoming), String> {
    let builder = ConnectionBuilder::new()
        .enquire_link_interval(config.enquire_link)
        .enquire_link_response_timeout(config.timeout)
        .response_timeout(config.timeout)
        // rusmppc speaks SMPP 5.0; the PDUs we use are the same in 3.4, which we announce.
        .disable_interface_version_check();
    let connecting = async {
        let builder = builder.no_spawn();
        if config.tls {
            let (client, events, connection) =
                builder.connect(format!("smpps://{}:{}", config.host, config.port)).await?;
            tokio::spawn(Nudged::new(connection));
            Ok::<_, rusmppc::error::Error>((client, Box::pin(events) as Incoming))
        } else {
            let stream = tokio::net::TcpStream::connect((config.host.as_str(), config.port))
                .await
                .map_err(rusmppc::error::Error::Connect)?;
            let _ = stream.set_nodelay(true);
            let (client, events, connection) = builder.connected(stream);
            tokio::spawn(Nudged::new(connection));
            Ok((client, Box::pin(events) as Incoming))
        }
    };
    let (client, events) = tokio::time::timeout(config.timeout, connecting)
        .await
        .map_err(|_| "connecting to the SMSC timed out".to_owned())?
        .map_err(|e| format!("could not reach the SMSC: {}", connection_problem(&e)))?;
    let bind = BindTransceiver::builder()
        .system_id(cstr(&config.system_id)?)
        .password(cstr(&config.password)?)
        .system_type(cstr(&config.system_type)?)
        .interface_version(InterfaceVersion::Smpp3_4)
        .addr_ton(Ton::Unknown)
        .addr_npi(Npi::Unknown)
        .address_range(COctetString::empty())
        .build();
    match client.bind_transceiver(bind).await {
        Ok(_) => Ok((client, events)),
        Err(e) => {
            let _ = client.close().await;
            Err(match e {
                rusmppc::error::Error::UnexpectedResponse { response } => {
                    format!("the SMSC refused the bind: {}", status_name(response.status()))
                }
                other => format!("the bind failed: {}", connection_problem(&other)),
            })
        }
    }
}

fn cstr<const MIN: usize, const MAX: usize>(value: &str) -> Result<COctetString<MIN, MAX>, String> {
    COctetString::from_str(value).map_err(|_| "a bind field is too long".to_owned())
}
