//! What can go wrong in the domain, in terms the HTTP edge and the command line can explain.

use cap_alerts::Finding;

/// A domain error. Each variant maps to one problem code at the HTTP edge.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No such thing, or the caller may not know of it.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A field of the request is wrong.
    #[error("{field}: {message}")]
    Invalid {
        /// The field, as a JSON pointer or name.
        field: String,
        /// What is wrong and what is allowed.
        message: String,
    },
    /// The CAP message breaks rules; the findings say which.
    #[error("the alert has errors")]
    Findings(Vec<Finding>),
    /// The alert has no area anyone could be targeted in.
    #[error("the alert has no area that can be resolved to a polygon, a circle or a known geocode")]
    NoResolvableArea(Vec<Finding>),
    /// Submitting needs an explicit confirmation (the reasons are named).
    #[error("{detail}")]
    ConfirmationNeeded {
        /// `no-recipients`, `outside-territory`.
        reasons: Vec<String>,
        /// What the reach is.
        detail: String,
    },
    /// The thing is not in a state that allows this.
    #[error("{0}")]
    Conflict(String),
    /// A sign-up gave a push endpoint that an active subscription already has: the browser
    /// must subscribe afresh (a new endpoint) rather than take that subscription over.
    #[error("{0}")]
    PushTaken(String),
    /// What the approver saw is not what would be issued.
    #[error("the alert changed since it was shown: approve what is current")]
    Stale,
    /// The author may not approve their own alert (two-person rule).
    #[error("{0}")]
    TwoPersonRule(String),
    /// Not allowed for this caller.
    #[error("{0}")]
    Forbidden(String),
    /// Not signed in, or the credentials are not valid.
    #[error("{0}")]
    Unauthenticated(String),
    /// A TOTP code is needed (or a second factor must be enrolled first).
    #[error("{0}")]
    SecondFactor(String),
    /// Too many attempts.
    #[error("too many failed attempts; try again in {retry_after_s} seconds")]
    RateLimited {
        /// Seconds until another attempt is allowed.
        retry_after_s: u64,
    },
    /// Too many failed sign-ins for this account or network.
    #[error(
        "too many failed sign-ins; try again in {}, sign in from a browser that has signed in to this account before, or ask an administrator to unlock the account",
        wait_text(.retry_after_s)
    )]
    LoginLimited {
        /// Seconds until another attempt is allowed.
        retry_after_s: u64,
    },
    /// Over a rate limit (sign-ups, verification codes): nothing was done.
    #[error("{what}; try again in {retry_after_s} seconds")]
    TooMany {
        /// What was too much.
        what: String,
        /// Seconds until the limit frees up.
        retry_after_s: u64,
    },
    /// A verification code expired, or was voided by too many wrong tries.
    #[error("{0}")]
    CodeVoid(String),
    /// A password must be changed before anything else.
    #[error("change your password first (POST /api/v1/session/password)")]
    PasswordChangeRequired,
    /// A CAP message's XML signature is refused (broken, or missing or untrusted where one is
    /// required).
    #[error("the XML signature is refused ({reason}): {0}", reason = .0.reason())]
    Signature(cap_alerts::sign::SignatureError),
    /// The database failed.
    #[error("database error")]
    Db(#[from] sqlx::Error),
    /// Anything else unexpected.
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

impl Error {
    /// An invalid field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Invalid { field: field.into(), message: message.into() }
    }
}

/// Domain results.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A wait in words: "40 seconds", "14 minutes".
fn wait_text(seconds: &u64) -> String {
    match *seconds {
        0..=90 => format!("{seconds} seconds"),
        s => format!("{} minutes", s.div_ceil(60)),
    }
}
