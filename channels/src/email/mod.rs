//! Email over SMTP (lettre): each recipient gets the alert in their language first and in the
//! alert's other languages after it, as text and accessible HTML, through a bounded pool of
//! connections to one relay. The relay's answer decides the outcome: 2xx sent, 5xx failed for
//! good, 4xx and connection trouble retried.

mod config;
mod content;
mod error;
mod health;
mod html;
mod labels;
mod outcome;
mod plain;
mod pool;
mod render;

use std::fmt;

use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, TlsParameters};

pub use config::{DEFAULT_POOL_SIZE, DEFAULT_TIMEOUT, EmailConfig, Security};
pub use error::EmailError;
pub use render::{DELIVERY_HEADER, Parts, message, notice, preview};

use crate::{BoxFuture, Channel, Health, Message, Notice, Outcome, Recipient};
use outcome::Verdict;

/// The email channel: one SMTP relay, a pool of connections to it.
pub struct Email {
    pool: pool::Pool,
    from: Mailbox,
    reply_to: Option<Mailbox>,
    config: EmailConfig,
    recent: health::Recent,
}

impl Email {
    /// The channel, after checking `config`. Connects lazily: call [`Email::check`] to test the
    /// server now.
    pub fn new(config: EmailConfig) -> Result<Email, EmailError> {
        let (from, reply_to) = config.check()?;
        let pool = pool::Pool::new(connector(&config)?, config.pool_size);
        Ok(Email { pool, from, reply_to, config, recent: health::Recent::default() })
    }

    /// Connects to the server (TLS and login included, as configured) and asks it for a NOOP.
    pub async fn check(&self) -> Result<(), EmailError> {
        let result = match self.pool.check().await {
            Ok(()) => Ok(()),
            Err(e) => {
                let (outcome, _) = outcome::failed(&e, self.config.timeout);
                let why = match outcome {
                    Outcome::Retry { error, .. } | Outcome::Failed { error } => error,
                    _ => "unknown error".into(),
                };
                Err(EmailError::Connection(why))
            }
        };
        match &result {
            Ok(()) => self.recent.record(Verdict::Accepted, None),
            Err(e) => self.recent.record(Verdict::Trouble, Some(&e.to_string())),
        }
        result
    }

    /// The email one message would be, as [`message`] builds it with this channel's sender.
    pub fn render(&self, m: &Message) -> Result<lettre::Message, EmailError> {
        let Recipient::Email { address, languages, unsubscribe_url } = &m.recipient else {
            return Err(EmailError::Build("not an email recipient".into()));
        };
        message(
            &m.alert,
            address,
            languages,
            unsubscribe_url.as_deref(),
            m.delivery_id,
            &self.from,
            self.reply_to.as_ref(),
        )
    }

    async fn deliver(&self, m: &Message) -> Outcome {
        let email = match self.render(m) {
            Ok(email) => email,
            Err(e) => return Outcome::Failed { error: e.to_string() },
        };
        self.submit(email, m.delivery_id).await
    }

    async fn deliver_notice(&self, n: &Notice) -> Outcome {
        let Recipient::Email { address, .. } = &n.recipient else {
            return Outcome::Failed { error: "not an email recipient".into() };
        };
        match notice(address, &n.subject, &n.text, n.id, &self.from, self.reply_to.as_ref()) {
            Ok(email) => self.submit(email, n.id).await,
            Err(e) => Outcome::Failed { error: e.to_string() },
        }
    }

    async fn submit(&self, email: lettre::Message, id: i64) -> Outcome {
        match self.pool.send(email.envelope(), &email.formatted()).await {
            Ok(response) => {
                self.recent.record(Verdict::Accepted, None);
                outcome::accepted(&response)
            }
            Err(e) => {
                let (outcome, verdict) = outcome::failed(&e, self.config.timeout);
                if let Outcome::Retry { error, .. } | Outcome::Failed { error } = &outcome {
                    tracing::debug!(delivery = id, %error, "email not accepted");
                    self.recent.record(verdict, (verdict == Verdict::Trouble).then_some(error.as_str()));
                }
                outcome
            }
        }
    }
}

impl Channel for Email {
    fn name(&self) -> &'static str {
        "email"
    }

    fn send<'a>(&'a self, message: &'a Message) -> BoxFuture<'a, Outcome> {
        Box::pin(self.deliver(message))
    }

    fn send_notice<'a>(&'a self, notice: &'a Notice) -> BoxFuture<'a, Outcome> {
        Box::pin(self.deliver_notice(notice))
    }

    fn health(&self) -> Health {
        self.recent.health()
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Email").field("config", &self.config).finish_non_exhaustive()
    }
}

/// How the pool connects, from the settings.
fn connector(config: &EmailConfig) -> Result<pool::Connector, EmailError> {
    let tls = match config.security {
        Security::None => None,
        Security::StartTls | Security::Tls => Some(tls_parameters(config)?),
    };
    let (implicit_tls, starttls) = if config.security == Security::Tls { (tls, None) } else { (None, tls) };
    Ok(pool::Connector {
        host: config.host.trim().to_owned(),
        port: config.port,
        timeout: config.timeout,
        implicit_tls,
        starttls,
        credentials: config.username.clone().zip(config.password.clone()).map(|(u, p)| Credentials::new(u, p)),
    })
}

/// TLS checked against the public roots and the configured private CA, if any.
fn tls_parameters(config: &EmailConfig) -> Result<TlsParameters, EmailError> {
    let mut tls = TlsParameters::builder(config.host.trim().to_owned());
    if let Some(pem) = &config.root_certificate_pem {
        let cert = Certificate::from_pem(pem)
            .map_err(|e| EmailError::Config(format!("`root_certificate_pem` is not a PEM certificate: {e}")))?;
        tls = tls.add_root_certificate(cert);
    }
    tls.build().map_err(|e| EmailError::Config(format!("TLS cannot be set up: {e}")))
}
