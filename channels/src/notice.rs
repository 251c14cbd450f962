//! A notice: a short plain text to one recipient that is not an alert, such as the code that
//! confirms a resident's sign-up. Channels that reach people (SMS, email) send it; the others
//! refuse it.

use crate::Recipient;

/// A short text to one recipient. `Debug` shows neither the recipient nor the text: both are
/// personal (a verification code is a secret until it is used).
#[derive(Clone)]
pub struct Notice {
    /// An id that recognises a repeat (the email Message-ID, the SMS segment reference).
    pub id: i64,
    /// Who gets it.
    pub recipient: Recipient,
    /// A one-line subject (email only).
    pub subject: String,
    /// The text.
    pub text: String,
}

impl std::fmt::Debug for Notice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notice").field("id", &self.id).field("recipient", &self.recipient).finish_non_exhaustive()
    }
}
