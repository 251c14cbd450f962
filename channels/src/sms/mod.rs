//! SMS: what an alert says in a text message, how that text is encoded and cut into segments
//! (GSM 03.38 or UCS-2, concatenated with a user data header), and two ways to send it: an
//! SMPP 3.4 client ([`smpp`]) and an HTTP SMS gateway ([`http_gateway`]).

mod compose;
mod gsm;
pub mod http_gateway;
mod segment;
pub mod smpp;
mod translit;

pub use compose::compose;

/// How SMS texts are shaped; staff choose this per deployment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmsOptions {
    /// The most segments one message may take; a longer text is shortened (default 4).
    pub segment_limit: u32,
    /// Replace letters GSM 03.38 lacks by their base letters and Ukrainian Cyrillic by Latin,
    /// so that more texts fit the 7-bit alphabet and fewer segments (default off).
    pub transliterate: bool,
}

impl Default for SmsOptions {
    fn default() -> Self {
        SmsOptions { segment_limit: 4, transliterate: false }
    }
}

/// The data coding of a text message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// The GSM 03.38 default alphabet and its extension table (data_coding 0x00).
    Gsm7,
    /// UCS-2, big-endian (data_coding 0x08).
    Ucs2,
}

impl Encoding {
    /// `gsm7` or `ucs2`, as it is serialized.
    pub const fn as_str(self) -> &'static str {
        match self {
            Encoding::Gsm7 => "gsm7",
            Encoding::Ucs2 => "ucs2",
        }
    }
}

/// A text as it will be sent: final wording, coding and number of segments.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SmsPlan {
    /// The text after transliteration and shortening.
    pub text: String,
    /// Its coding.
    pub encoding: Encoding,
    /// How many segments it takes (1 for a single message).
    pub segments: u32,
    /// Whether it was shortened to fit the segment limit.
    pub truncated: bool,
}

/// How `text` goes out under `options`: transliterated when asked, GSM 03.38 when it fits,
/// else UCS-2, and shortened (at a word boundary where possible, with an ellipsis) when it
/// would take more than the segment limit.
pub fn plan(text: &str, options: &SmsOptions) -> SmsPlan {
    let text = if options.transliterate { translit::transliterate(text) } else { text.to_owned() };
    let (text, truncated) = segment::fit(&text, "", options.segment_limit);
    let encoding = segment::encoding_of(&text);
    SmsPlan { segments: segment::count(&text, encoding), text, encoding, truncated }
}

/// The SMS channels' errors: configuration that cannot work.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SmsError {
    /// A configuration value is missing or unusable.
    Config {
        /// The field, as named in the configuration.
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// The HTTP client could not be built.
    Client(String),
}

impl SmsError {
    pub(crate) fn config(field: &'static str, problem: impl Into<String>) -> Self {
        SmsError::Config { field, problem: problem.into() }
    }
}

impl std::fmt::Display for SmsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SmsError::Config { field, problem } => write!(f, "SMS configuration: `{field}` {problem}"),
            SmsError::Client(e) => write!(f, "SMS: the HTTP client could not be built: {e}"),
        }
    }
}

impl std::error::Error for SmsError {}

/// The digits of an E.164 number (`+421900123456` gives `421900123456`), or `None` when the
/// number is not in that form.
pub(crate) fn e164_digits(number: &str) -> Option<&str> {
    let digits = number.strip_prefix('+')?;
    let ok = (7..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0');
    ok.then_some(digits)
}

#[cfg(test)]
mod tests;
