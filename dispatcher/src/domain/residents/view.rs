//! What residents are shown: a new sign-up (with its token, once), a code's state, and their
//! own data.

use serde::Serialize;

/// A new sign-up.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Created {
    /// The subscription's id.
    pub id: i64,
    /// The management token: keep it; it is shown only now.
    pub token: String,
    /// `active` or `pending_verification`.
    pub status: String,
    /// The code sent, for SMS and email; null for Web Push.
    pub verification: Option<Verification>,
}

/// A code that was sent.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Verification {
    /// `sms` or `email`.
    pub channel: String,
    /// When the code stops working (RFC 3339).
    pub expires_at: String,
    /// When another code may be asked for (RFC 3339).
    pub resend_after: String,
}

/// The answer of a confirmed code.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct VerifyResult {
    /// `active`.
    pub status: String,
}

/// A place as stored.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct PlaceView {
    /// Latitude of a point.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    /// Longitude of a point.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    /// A named area's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub area: Option<i64>,
}

/// What Tocsin holds about deliveries to a subscription.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct DeliveryStats {
    /// Deliveries on record (older ones are kept only as anonymous counts).
    pub count: i64,
    /// When the last was sent (RFC 3339), if any.
    pub last: Option<String>,
}

/// Everything Tocsin holds about one subscription, for its resident.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct OwnView {
    /// The id.
    pub id: i64,
    /// `push`, `sms` or `email`.
    pub channel: String,
    /// The phone number or email address; for Web Push the push service's origin only.
    pub address: String,
    /// The places.
    pub places: Vec<PlaceView>,
    /// Languages, preferred first.
    pub languages: Vec<String>,
    /// The least severity sent.
    pub min_severity: String,
    /// Exercise alerts too.
    pub exercises: bool,
    /// Test alerts too.
    pub tests: bool,
    /// `active`, `pending_verification` or `unsubscribed` (after STOP or a link).
    pub status: String,
    /// When it was made (RFC 3339).
    pub created_at: String,
    /// Deliveries on record.
    pub deliveries: DeliveryStats,
}

/// A time in milliseconds as RFC 3339 (UTC).
pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}
