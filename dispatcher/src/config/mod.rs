//! Configuration: one typed [`Settings`] struct from defaults, then a TOML file, then `TOCSIN_*`
//! environment variables. Unknown keys are errors that name the key; secrets are never printed.
//! `tocsin.example.toml` at the repository root lists every key with a comment.

mod cascade;
mod channels;
mod devices;
mod feeds;
mod load;
mod load_checks;
mod outbound;
mod pwa;
mod residents;
mod secret;
mod signing;

use serde::{Deserialize, Serialize};

pub use cascade::{Cascade, ChildSpec, ParentSpec};
pub use channels::{
    ChannelSettings, Channels, EmailSettings, PushSettings, SmppSettings, SmsHttpSettings, SmsSettings,
};
pub use devices::{Devices, Signal};
pub use feeds::{Feeds, Territory};
pub use load::{ConfigError, load};
pub use outbound::Outbound;
pub use pwa::Pwa;
pub use residents::{Residents, SmsCountries};
pub use secret::Secret;
pub use signing::{Signing, Trust};

use crate::domain::roles::Role;

/// Every setting, with its default.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Listening address and public URL.
    pub server: Server,
    /// The database.
    pub database: Database,
    /// How Tocsin writes CAP.
    pub cap: Cap,
    /// Who must approve what.
    pub approval: Approval,
    /// CAP posted by integrations.
    pub ingest: Ingest,
    /// The key Tocsin signs its CAP messages with.
    pub signing: Signing,
    /// The certificates trusted when verifying signed CAP.
    pub trust: Trust,
    /// Sessions, logins and keys.
    pub security: Security,
    /// The public CAP feed.
    pub feed: Feed,
    /// The outbox and its workers.
    pub fanout: Fanout,
    /// Each delivery channel.
    pub channels: Channels,
    /// Sirens and displays.
    pub devices: Devices,
    /// Residents' sign-ups, their rate limits, and how long their deliveries are kept.
    pub residents: Residents,
    /// The residents' app.
    pub pwa: Pwa,
    /// The instance's own area.
    pub territory: Territory,
    /// Subscriptions to external CAP feeds.
    pub feeds: Feeds,
    /// Parent and child instances: alerts handed down to the children whose territory they touch.
    pub cascade: Cascade,
    /// Where requests to URLs that others chose may go.
    pub outbound: Outbound,
    /// Logging.
    pub log: Log,
}

/// `[server]`
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Server {
    /// Address and port to listen on.
    pub listen: String,
    /// The URL residents and integrators reach Tocsin at; used in feeds and links.
    pub public_url: String,
    /// Proxies whose `X-Forwarded-For` is believed (IP addresses).
    pub trusted_proxies: Vec<String>,
    /// The largest request body accepted, in bytes (JSON, GeoJSON, device and gateway bodies).
    pub max_body_bytes: usize,
    /// Serve HTTPS with this certificate chain (PEM, the server's certificate first); empty
    /// serves plain HTTP (behind a TLS-terminating proxy).
    pub tls_certificate_file: String,
    /// The private key of `tls_certificate_file` (PEM: PKCS#8, PKCS#1 or SEC1).
    pub tls_key_file: String,
    /// While serving HTTPS itself: how long browsers keep to HTTPS for this host after a visit
    /// (`Strict-Transport-Security: max-age`), in seconds; 0 sends no such header.
    pub hsts_max_age_seconds: u32,
    /// While serving HTTPS itself: whether that also holds for every subdomain of this host
    /// (`includeSubDomains`). Off: other services under the same domain may still be HTTP.
    pub hsts_include_subdomains: bool,
}

impl Server {
    /// The `Strict-Transport-Security` value to send while serving HTTPS, if any.
    pub fn hsts(&self) -> Option<String> {
        let subdomains = if self.hsts_include_subdomains { "; includeSubDomains" } else { "" };
        (self.hsts_max_age_seconds > 0).then(|| format!("max-age={}{subdomains}", self.hsts_max_age_seconds))
    }
}

impl Default for Server {
    fn default() -> Self {
        Server {
            listen: "127.0.0.1:8080".into(),
            public_url: "http://127.0.0.1:8080".into(),
            trusted_proxies: Vec::new(),
            max_body_bytes: 2 * 1024 * 1024,
            tls_certificate_file: String::new(),
            tls_key_file: String::new(),
            // A year: what browsers' preload lists ask for, and long enough that a returning
            // visitor is never again offered plain HTTP.
            hsts_max_age_seconds: 31_536_000,
            hsts_include_subdomains: false,
        }
    }
}

/// `[database]`
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Database {
    /// `sqlite://FILE` (created if missing) or `postgres://…`.
    pub url: Secret,
    /// Connections in the pool.
    pub max_connections: u32,
    /// SQLite `synchronous`: `full` survives power loss, `normal` only a crash of Tocsin.
    pub sqlite_synchronous: String,
    /// The longest one statement, connection or commit may take before it fails (and its work
    /// is retried): a database cut off by the network is noticed instead of waited on for ever.
    pub query_timeout_seconds: u32,
}

impl Default for Database {
    fn default() -> Self {
        Database {
            url: Secret::new("sqlite://tocsin.db"),
            max_connections: 8,
            sqlite_synchronous: "full".into(),
            query_timeout_seconds: 60,
        }
    }
}

/// `[cap]`
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Cap {
    /// The CAP `<sender>` of alerts Tocsin issues.
    pub sender: String,
    /// The `<senderName>` used when an info block gives none.
    pub sender_name: String,
    /// Prefix of CAP identifiers: `PREFIX-ALERT-VERSION`.
    pub identifier_prefix: String,
    /// The largest CAP document accepted, in bytes.
    pub max_bytes: usize,
}

impl Default for Cap {
    fn default() -> Self {
        Cap {
            sender: "tocsin@localhost".into(),
            sender_name: "Tocsin".into(),
            identifier_prefix: "tocsin".into(),
            max_bytes: 1024 * 1024,
        }
    }
}

/// An approval rule for alerts that are not Actual.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ApprovalRule {
    /// An approver other than the author must approve.
    TwoPerson,
    /// The author may approve it if they also hold the approver role.
    SelfApproval,
}

/// How a Cancel (or all clear) is approved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CancelRule {
    /// A user with `cancel_role` issues it at once: correcting must be faster than warning.
    Alone,
    /// Like any Actual alert: a second person approves.
    TwoPerson,
}

/// `[approval]`. Actual alerts always need a second person; that is not configurable.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Approval {
    /// Exercise alerts: `two-person` or `self-approval`.
    pub exercise: ApprovalRule,
    /// Test alerts: `two-person` or `self-approval`.
    pub test: ApprovalRule,
    /// Cancels and all-clears of Actual alerts: `alone` or `two-person`.
    pub cancel: CancelRule,
    /// The role that may cancel alone.
    pub cancel_role: Role,
}

impl Default for Approval {
    fn default() -> Self {
        Approval {
            exercise: ApprovalRule::SelfApproval,
            test: ApprovalRule::SelfApproval,
            cancel: CancelRule::Alone,
            cancel_role: Role::Approver,
        }
    }
}

/// What happens to CAP posted to `POST /api/v1/cap`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IngestPolicy {
    /// Issued at once.
    Issue,
    /// Queued for an approver.
    Approve,
    /// Refused.
    Refuse,
}

/// `[ingest]`
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Ingest {
    /// `issue`, `approve` or `refuse`.
    pub policy: IngestPolicy,
    /// A profile the posted CAP must also meet (`ipaws`, `cap-cp`, `meteoalarm`, …), or "".
    pub profile: String,
    /// Posted CAP must carry an XML signature by a trusted signer (see `[trust]`). A signed
    /// message is verified either way.
    pub require_signature: bool,
    /// Names of API tokens whose posted CAP must be signed even when `require_signature` is
    /// off.
    pub require_signature_from: Vec<String>,
    /// Names of API tokens (cascade parents included) whose CAP may carry Tocsin's control
    /// parameters (`TOCSIN_CHANNELS`, `TOCSIN_DEVICE_GROUPS`, `TOCSIN_DEVICE_KINDS`,
    /// `TOCSIN_SIREN_SIGNAL`). CAP from anywhere else that carries one is refused: those
    /// parameters choose channels, sirens and signals beyond the alert's area.
    pub control_parameters_from: Vec<String>,
}

impl Default for Ingest {
    fn default() -> Self {
        Ingest {
            policy: IngestPolicy::Approve,
            profile: String::new(),
            require_signature: false,
            require_signature_from: Vec::new(),
            control_parameters_from: Vec::new(),
        }
    }
}

impl Ingest {
    /// Whether CAP posted by this caller may carry Tocsin's control parameters.
    pub fn trusts_control_parameters(&self, actor: &crate::domain::audit::Actor) -> bool {
        matches!(actor, crate::domain::audit::Actor::Token { name, .. } if self.control_parameters_from.contains(name))
    }

    /// Whether CAP posted by this caller must be signed.
    pub fn must_sign(&self, actor: &crate::domain::audit::Actor) -> bool {
        self.require_signature
            || matches!(actor, crate::domain::audit::Actor::Token { name, .. } if self.require_signature_from.contains(name))
    }
}

/// `[security]`
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Security {
    /// 32 random bytes, base64, that encrypt stored secrets (TOTP keys). When unset, the key
    /// is read from `secret_key_file`, which is created on first start.
    pub secret_key: Secret,
    /// Where the key is kept when `secret_key` is unset; "" means beside the SQLite database
    /// (`FILE.key`), or `tocsin.key` in the working directory with PostgreSQL. Several
    /// instances must share one key.
    pub secret_key_file: String,
    /// A browser session ends after this many idle minutes.
    pub session_idle_minutes: u32,
    /// A browser session ends this many hours after login, active or not.
    pub session_absolute_hours: u32,
    /// Approvers and administrators must sign in with a TOTP second factor: until they have
    /// enrolled one and signed in with it, their session can only enrol it (issue 18, item
    /// 18: one stolen password must not be enough to issue a warning or to make accounts).
    /// On by default; the demo and the tests turn it off.
    #[serde(alias = "require_totp_for_approvers")]
    pub require_second_factor: bool,
    /// Failed logins allowed per account in the window.
    pub login_limit_per_account: u32,
    /// Failed logins allowed per client address in the window.
    pub login_limit_per_address: u32,
    /// The window for the login limits, in minutes.
    pub login_window_minutes: u32,
}

impl Default for Security {
    fn default() -> Self {
        Security {
            secret_key: Secret::default(),
            secret_key_file: String::new(),
            session_idle_minutes: 30,
            session_absolute_hours: 12,
            require_second_factor: true,
            login_limit_per_account: 5,
            login_limit_per_address: 20,
            login_window_minutes: 15,
        }
    }
}

/// `[feed]`
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Feed {
    /// The Atom feed's title.
    pub title: String,
    /// Whether Exercise and Test alerts appear in the public feed (marked as such).
    pub include_exercises: bool,
    /// Minutes a Cancel stays in the feed when it has no expiry of its own.
    pub cancel_visible_minutes: u32,
}

impl Default for Feed {
    fn default() -> Self {
        Feed { title: "Public warnings".into(), include_exercises: true, cancel_visible_minutes: 60 }
    }
}

/// `[fanout]`
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Fanout {
    /// How long a worker holds leased deliveries before another instance may take them over.
    pub lease_seconds: u32,
    /// How often idle workers look for work when no wake-up arrives, in milliseconds.
    pub poll_ms: u32,
    /// Deliveries created per transaction while planning a fan-out.
    pub planner_batch: u32,
    /// Retries give up after this many attempts (they also stop when the alert expires).
    pub max_attempts: u32,
    /// Territory in square kilometres; an alert covering more than twice this needs an explicit
    /// confirmation. 0 means the total area of the named areas.
    pub territory_km2: f64,
}

impl Default for Fanout {
    fn default() -> Self {
        Fanout { lease_seconds: 60, poll_ms: 1000, planner_batch: 5000, max_attempts: 50, territory_km2: 0.0 }
    }
}

/// `[log]`
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Log {
    /// A tracing filter: `info`, `debug`, `dispatcher=debug,sqlx=warn`, …
    pub level: String,
    /// `text` or `json`.
    pub format: String,
}

impl Default for Log {
    fn default() -> Self {
        Log { level: "info".into(), format: "text".into() }
    }
}
