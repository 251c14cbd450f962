//! The email channel's settings and the checks that make a bad setting fail at start-up, with
//! a message that names it, rather than at the first warning.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use lettre::message::Mailbox;

use super::EmailError;

/// The pool size when none is configured: lettre's default, and what most relays allow.
pub const DEFAULT_POOL_SIZE: u32 = 10;
/// The timeout when none is configured: for setting up a connection, and for one message.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// How the connection to the SMTP server is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// Plain SMTP, for a relay on the same host or a trusted network (port 25).
    None,
    /// SMTP upgraded with STARTTLS, which is required: a server that does not offer it is
    /// refused, so nobody in between can strip it (port 587).
    StartTls,
    /// SMTP inside TLS from the first byte, "implicit TLS" (port 465).
    Tls,
}

impl Security {
    /// The usual port: 25, 587 or 465.
    pub fn default_port(self) -> u16 {
        match self {
            Security::None => 25,
            Security::StartTls => 587,
            Security::Tls => 465,
        }
    }
}

/// The email channel's settings.
#[derive(Clone)]
pub struct EmailConfig {
    /// The SMTP server's host name (checked against its TLS certificate) or IP address.
    pub host: String,
    /// Its port.
    pub port: u16,
    /// How the connection is protected.
    pub security: Security,
    /// The login, if the server wants one (with `password`).
    pub username: Option<String>,
    /// The password (never printed by `Debug`).
    pub password: Option<String>,
    /// The sender, as a mailbox: `Town of X warnings <warn@x.example>`.
    pub from: String,
    /// Where replies go, if not to `from`.
    pub reply_to: Option<String>,
    /// How many SMTP connections may be open at once (at least 1).
    pub pool_size: u32,
    /// How long to wait for a connection to be ready (TCP, TLS, EHLO, login), and for one
    /// message's transaction (MAIL, RCPT, DATA and the final reply).
    pub timeout: Duration,
    /// A PEM certificate authority to trust besides the public ones, for an internal relay
    /// (and the tests) with a private CA.
    pub root_certificate_pem: Option<Vec<u8>>,
}

impl EmailConfig {
    /// Settings with the usual port for `security`, no login, and the default pool and timeout.
    pub fn new(host: impl Into<String>, security: Security, from: impl Into<String>) -> Self {
        EmailConfig {
            host: host.into(),
            port: security.default_port(),
            security,
            username: None,
            password: None,
            from: from.into(),
            reply_to: None,
            pool_size: DEFAULT_POOL_SIZE,
            timeout: DEFAULT_TIMEOUT,
            root_certificate_pem: None,
        }
    }

    /// The settings checked: the sender and reply-to mailboxes parsed.
    pub(crate) fn check(&self) -> Result<(Mailbox, Option<Mailbox>), EmailError> {
        let bad = |why: String| Err(EmailError::Config(why));
        if self.host.trim().is_empty() || self.port == 0 {
            return bad("`host` and `port` must name the SMTP server".into());
        }
        let Ok(from) = self.from.parse::<Mailbox>() else {
            return bad(format!("`from` ({:?}) is not a mailbox like `Town warnings <warn@town.example>`", self.from));
        };
        let reply_to = match &self.reply_to {
            Some(r) => match r.parse::<Mailbox>() {
                Ok(m) => Some(m),
                Err(_) => return bad(format!("`reply_to` ({r:?}) is not a mailbox")),
            },
            None => None,
        };
        if self.username.is_some() != self.password.is_some() {
            return bad("`username` and `password` go together: set both or neither".into());
        }
        if self.username.is_some() && self.security == Security::None && !is_loopback(&self.host) {
            return bad(format!(
                "the password would cross the network to {} unencrypted: use security \"starttls\" or \"tls\"",
                self.host
            ));
        }
        if self.pool_size == 0 {
            return bad("`pool_size` must be at least 1".into());
        }
        if self.timeout.is_zero() {
            return bad("`timeout` must be longer than zero".into());
        }
        Ok((from, reply_to))
    }
}

/// Whether a host is this machine, where plain SMTP with a password crosses no network.
fn is_loopback(host: &str) -> bool {
    let host = host.trim().trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

impl fmt::Debug for EmailConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmailConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "[redacted]"))
            .field("from", &self.from)
            .field("reply_to", &self.reply_to)
            .field("pool_size", &self.pool_size)
            .field("timeout", &self.timeout)
            .field("root_certificate_pem", &self.root_certificate_pem.as_ref().map(|p| format!("{} bytes", p.len())))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> EmailConfig {
        EmailConfig::new("smtp.town.example", Security::StartTls, "Town warnings <warn@town.example>")
    }

    #[test]
    fn a_sound_config_passes() {
        let (from, reply_to) = config().check().unwrap();
        assert_eq!(from.email.domain(), "town.example");
        assert!(reply_to.is_none());
    }

    #[test]
    fn bad_settings_are_named() {
        let err = |c: EmailConfig| c.check().unwrap_err().to_string();
        assert!(err(EmailConfig { from: "not a mailbox".into(), ..config() }).contains("`from`"));
        assert!(err(EmailConfig { reply_to: Some("@@".into()), ..config() }).contains("`reply_to`"));
        assert!(err(EmailConfig { username: Some("u".into()), ..config() }).contains("set both or neither"));
        assert!(err(EmailConfig { pool_size: 0, ..config() }).contains("`pool_size`"));
        assert!(err(EmailConfig { timeout: Duration::ZERO, ..config() }).contains("`timeout`"));
    }

    #[test]
    fn passwords_cross_networks_only_encrypted() {
        let with_login = |host: &str| EmailConfig {
            host: host.into(),
            security: Security::None,
            username: Some("u".into()),
            password: Some("p".into()),
            ..config()
        };
        assert!(with_login("smtp.town.example").check().unwrap_err().to_string().contains("unencrypted"));
        assert!(with_login("127.0.0.1").check().is_ok());
        assert!(with_login("localhost").check().is_ok());
        assert!(with_login("[::1]").check().is_ok());
    }

    #[test]
    fn debug_hides_the_password() {
        let c = EmailConfig { username: Some("relay".into()), password: Some("hunter2".into()), ..config() };
        let shown = format!("{c:?}");
        assert!(!shown.contains("hunter2") && shown.contains("[redacted]"), "{shown}");
    }
}
