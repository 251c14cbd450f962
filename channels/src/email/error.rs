//! What can go wrong when setting up the email channel or building a message. No variant
//! carries an email address or a password.

use std::fmt;

/// An error of the email channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EmailError {
    /// The configuration cannot work; the text names the setting and why.
    Config(String),
    /// The recipient's address is not a valid mailbox (the address itself is personal data and
    /// is not repeated).
    InvalidRecipient,
    /// The message could not be assembled.
    Build(String),
    /// The SMTP server could not be reached, or refused the connection, TLS or credentials.
    Connection(String),
}

impl fmt::Display for EmailError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EmailError::Config(why) => write!(f, "the email settings cannot work: {why}"),
            EmailError::InvalidRecipient => f.write_str("the recipient's address is not a valid email address"),
            EmailError::Build(why) => write!(f, "the email could not be built: {why}"),
            EmailError::Connection(why) => write!(f, "the SMTP server is not usable: {why}"),
        }
    }
}

impl std::error::Error for EmailError {}
