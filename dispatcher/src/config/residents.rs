//! `[residents]`: residents signing up themselves: how long a verification code lives, the
//! rate limits that keep the sign-up form from pumping SMS to premium numbers, and how long
//! deliveries to residents are kept.

use serde::{Deserialize, Serialize};

/// `[residents]`
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Residents {
    /// Minutes a verification code is valid.
    pub code_minutes: u32,
    /// Wrong tries before a code is void.
    pub code_tries: u32,
    /// Seconds before another code may be sent to the same subscription.
    pub resend_seconds: u32,
    /// Sign-ups (any channel) per client IP address and hour.
    pub signups_per_ip_per_hour: u32,
    /// Codes per address (phone number or email) and hour.
    pub codes_per_address_per_hour: u32,
    /// Codes per number prefix and hour (see `prefix_digits`).
    pub codes_per_prefix_per_hour: u32,
    /// Digits of an E.164 number that make its prefix for the limit above: the country code
    /// and the start of the national number (`+421900…` with 6).
    pub prefix_digits: u32,
    /// Codes per client IP address and hour.
    pub codes_per_ip_per_hour: u32,
    /// Codes per hour in total, on every instance together.
    pub codes_per_hour: u32,
    /// The country calling code a national phone number (`0905 123 456`) is completed with
    /// (`"421"`); empty requires numbers in international form.
    pub default_country_code: String,
    /// Country calling codes SMS sign-ups may use (`["421", "420"]`); empty allows all.
    pub sms_countries: Vec<String>,
    /// Days that deliveries to residents are kept; older finished ones are folded into
    /// anonymous counts per alert, channel and status.
    pub delivery_retention_days: u32,
    /// Days a sign-up may stay unconfirmed before its address is deleted.
    pub pending_days: u32,
    /// The largest CSV list `POST /api/v1/residents/import` takes, in bytes (a municipal list
    /// may be larger than `server.max_body_bytes` allows other bodies).
    pub import_max_bytes: usize,
}

impl Default for Residents {
    fn default() -> Self {
        Residents {
            code_minutes: 15,
            code_tries: 5,
            resend_seconds: 60,
            signups_per_ip_per_hour: 10,
            codes_per_address_per_hour: 3,
            codes_per_prefix_per_hour: 20,
            prefix_digits: 6,
            codes_per_ip_per_hour: 10,
            codes_per_hour: 500,
            default_country_code: String::new(),
            sms_countries: Vec::new(),
            delivery_retention_days: 90,
            pending_days: 7,
            import_max_bytes: 16 * 1024 * 1024,
        }
    }
}
