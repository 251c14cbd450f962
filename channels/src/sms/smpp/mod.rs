//! The SMPP 3.4 channel: several transceiver binds to one SMSC, messages spread over the binds
//! that are up, a window of outstanding submit_sm and a rate per bind, enquire_link, and
//! reconnection with backoff. Delivery receipts and mobile-originated messages arriving as
//! deliver_sm become [`Event`](crate::Event)s.

mod bind;
mod deliver;
mod nudge;
mod submit;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::task::JoinHandle;

use super::{SmsError, SmsOptions, compose, e164_digits, plan, segment};
use crate::{BoxFuture, Channel, EventSender, Health, Message, Notice, Outcome, Recipient};
use bind::Bind;

pub use deliver::{ReceiptText, parse_receipt_text};

/// How to reach and use an SMSC.
#[derive(Clone)]
pub struct SmppConfig {
    /// The SMSC's host name or address.
    pub host: String,
    /// Its port (2775 for plain SMPP by custom).
    pub port: u16,
    /// Whether to speak TLS.
    pub tls: bool,
    /// The account (system_id, at most 15 characters).
    pub system_id: String,
    /// The password (at most 8 characters in SMPP 3.4).
    pub password: String,
    /// The system_type the operator asks for (often empty).
    pub system_type: String,
    /// The sender shown on phones: a number or an alphanumeric name.
    pub source_addr: String,
    /// The sender's type of number (5 alphanumeric, 1 international).
    pub source_ton: u8,
    /// The sender's numbering plan (0 unknown, 1 ISDN/E.164).
    pub source_npi: u8,
    /// How many transceiver binds to keep open.
    pub binds: u32,
    /// How many submit_sm may await their response on one bind.
    pub window: u32,
    /// The most submit_sm per second on one bind (0: no limit).
    pub rate_per_second: f64,
    /// How often to check an idle bind with enquire_link.
    pub enquire_link: Duration,
    /// Whether to ask for delivery receipts.
    pub request_receipts: bool,
    /// How texts are shaped.
    pub sms: SmsOptions,
    /// How long to wait for the SMSC to connect, bind or answer.
    pub timeout: Duration,
}

impl std::fmt::Debug for SmppConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmppConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("system_id", &self.system_id)
            .field("password", &"[redacted]")
            .field("system_type", &self.system_type)
            .field("source_addr", &self.source_addr)
            .field("source_ton", &self.source_ton)
            .field("source_npi", &self.source_npi)
            .field("binds", &self.binds)
            .field("window", &self.window)
            .field("rate_per_second", &self.rate_per_second)
            .field("enquire_link", &self.enquire_link)
            .field("request_receipts", &self.request_receipts)
            .field("sms", &self.sms)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl SmppConfig {
    /// Checks every field, naming the first that cannot work.
    fn validate(&self) -> Result<(), SmsError> {
        let ascii_max = |field: &'static str, value: &str, max: usize| {
            if !value.is_ascii() || value.contains('\0') || value.len() > max {
                return Err(SmsError::config(field, format!("must be at most {max} ASCII characters")));
            }
            Ok(())
        };
        if self.host.trim().is_empty() {
            return Err(SmsError::config("host", "is empty"));
        }
        if self.port == 0 {
            return Err(SmsError::config("port", "must not be 0"));
        }
        if self.system_id.is_empty() {
            return Err(SmsError::config("system_id", "is empty"));
        }
        ascii_max("system_id", &self.system_id, 15)?;
        ascii_max("password", &self.password, 8)?;
        ascii_max("system_type", &self.system_type, 12)?;
        if self.source_addr.is_empty() {
            return Err(SmsError::config("source_addr", "is empty"));
        }
        ascii_max("source_addr", &self.source_addr, 20)?;
        if !(1..=64).contains(&self.binds) {
            return Err(SmsError::config("binds", "must be between 1 and 64"));
        }
        if !(1..=1000).contains(&self.window) {
            return Err(SmsError::config("window", "must be between 1 and 1000"));
        }
        if !self.rate_per_second.is_finite() || self.rate_per_second < 0.0 {
            return Err(SmsError::config("rate_per_second", "must be 0 (no limit) or a positive number"));
        }
        if self.enquire_link < Duration::from_secs(1) {
            return Err(SmsError::config("enquire_link", "must be at least one second"));
        }
        if self.timeout.is_zero() {
            return Err(SmsError::config("timeout", "must be more than zero"));
        }
        if self.sms.segment_limit == 0 || self.sms.segment_limit > 255 {
            return Err(SmsError::config("sms.segment_limit", "must be between 1 and 255"));
        }
        Ok(())
    }
}

/// The SMPP channel. Dropping it closes its binds.
pub struct Smpp {
    config: Arc<SmppConfig>,
    binds: Vec<Arc<Bind>>,
    next: AtomicUsize,
    tasks: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Smpp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Smpp").field("config", &self.config).field("health", &self.health()).finish()
    }
}

impl Smpp {
    /// Checks the configuration and opens the binds in the background (so it returns at once;
    /// [`Channel::health`] is down until a bind is up). Receipts and incoming messages go to
    /// `events`. Must be called within a Tokio runtime.
    pub fn start(config: SmppConfig, events: EventSender) -> Result<Smpp, SmsError> {
        config.validate()?;
        let config = Arc::new(config);
        let binds: Vec<Arc<Bind>> = (0..config.binds).map(|i| Arc::new(Bind::new(i as usize, &config))).collect();
        let tasks = binds.iter().map(|b| tokio::spawn(b.clone().run(config.clone(), events.clone()))).collect();
        Ok(Smpp { config, binds, next: AtomicUsize::new(0), tasks })
    }

    /// The next bind to use: round robin over the binds that are up, preferring one that the
    /// SMSC has not just throttled.
    fn pick(&self) -> Option<&Arc<Bind>> {
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let n = self.binds.len();
        let order = (0..n).map(|i| &self.binds[(start + i) % n]);
        let mut paused = None;
        for b in order {
            if b.is_up() {
                if !b.is_paused() {
                    return Some(b);
                }
                paused.get_or_insert(b);
            }
        }
        paused
    }

    async fn send_sms(&self, m: &Message) -> Outcome {
        let Recipient::Sms { number, languages } = &m.recipient else {
            return Outcome::Failed { error: "not an SMS recipient".into() };
        };
        let Some(destination) = e164_digits(number) else {
            return Outcome::Failed { error: "the recipient's number is not in E.164 form".into() };
        };
        let text = compose(&m.alert, languages, &self.config.sms);
        self.submit_text(destination, &text, m.delivery_id).await
    }

    async fn send_notice_sms(&self, n: &Notice) -> Outcome {
        let Recipient::Sms { number, .. } = &n.recipient else {
            return Outcome::Failed { error: "not an SMS recipient".into() };
        };
        let Some(destination) = e164_digits(number) else {
            return Outcome::Failed { error: "the recipient's number is not in E.164 form".into() };
        };
        self.submit_text(destination, &n.text, n.id).await
    }

    async fn submit_text(&self, destination: &str, text: &str, id: i64) -> Outcome {
        let plan = plan(text, &self.config.sms);
        // The same delivery keeps the same reference, so a repeat after a crash reassembles alike.
        let reference = (id & 0xFF) as u8;
        let parts = segment::short_messages(&plan.text, plan.encoding, reference);
        let Some(bind) = self.pick() else {
            return Outcome::Retry { not_before: Some(Duration::from_secs(2)), error: "no SMPP bind is up".into() };
        };
        let pdus = submit::pdus(&self.config, destination, plan.encoding, parts);
        match pdus {
            Ok(pdus) => bind.submit(pdus).await,
            Err(error) => Outcome::Failed { error },
        }
    }
}

impl Drop for Smpp {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl Channel for Smpp {
    fn name(&self) -> &'static str {
        "sms"
    }

    fn send<'a>(&'a self, message: &'a Message) -> BoxFuture<'a, Outcome> {
        Box::pin(self.send_sms(message))
    }

    fn send_notice<'a>(&'a self, notice: &'a Notice) -> BoxFuture<'a, Outcome> {
        Box::pin(self.send_notice_sms(notice))
    }

    fn health(&self) -> Health {
        let up = self.binds.iter().filter(|b| b.is_up()).count();
        let total = self.binds.len();
        let mut detail = format!("{up} of {total} binds up");
        if up < total
            && let Some(e) = self.binds.iter().find_map(|b| b.last_error())
        {
            detail.push_str(&format!("; {e}"));
        }
        match up {
            0 => Health::down(detail),
            n if n == total => Health::up(detail),
            _ => Health::degraded(detail),
        }
    }
}
