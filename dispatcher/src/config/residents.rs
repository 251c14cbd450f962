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
    /// Web Push sign-ups per client network (an IPv4 address, an IPv6 /64) and hour. They
    /// send nothing that costs money and take from no code budget.
    pub push_signups_per_network_per_hour: u32,
    /// Codes per address (phone number or email) and hour.
    pub codes_per_address_per_hour: u32,
    /// Codes per number prefix and hour (see `prefix_digits`).
    pub codes_per_prefix_per_hour: u32,
    /// Digits of an E.164 number that make its prefix for the limit above: the country code
    /// and the start of the national number (`+421900…` with 6).
    pub prefix_digits: u32,
    /// Codes per client network (an IPv4 address, an IPv6 /64), channel and hour.
    pub codes_per_network_per_hour: u32,
    /// SMS codes per hour in total, on every instance together.
    pub sms_codes_per_hour: u32,
    /// Email codes per hour in total, on every instance together.
    pub email_codes_per_hour: u32,
    /// The share (percent) of each total above kept for sign-ups whose network and number
    /// prefix have asked for at most one code this hour, so that an attacker who spent the
    /// rest from a few networks or prefixes cannot refuse everyone else.
    pub reserve_percent: u32,
    /// The country calling code a national phone number (`0905 123 456`) is completed with
    /// (`"421"`); empty requires numbers in international form. It is also the one country
    /// SMS sign-ups may use unless `sms_countries` names others.
    pub default_country_code: String,
    /// Country calling codes SMS sign-ups may use (`["421", "420"]`), or `["*"]` for every
    /// country; empty allows `default_country_code` alone (and, without it, none).
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

/// Which countries' numbers may sign up for SMS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SmsCountries {
    /// Every country (`sms_countries = ["*"]`).
    All,
    /// These country calling codes; none when the list is empty.
    Only(Vec<String>),
}

impl SmsCountries {
    /// Whether an E.164 number (`+421…`) is in one of the countries.
    pub fn allow(&self, number: &str) -> bool {
        let digits = number.trim_start_matches('+');
        match self {
            SmsCountries::All => true,
            SmsCountries::Only(codes) => codes.iter().any(|c| digits.starts_with(c.as_str())),
        }
    }
}

impl Residents {
    /// The countries SMS sign-ups may use: `sms_countries` when it names any, else the
    /// instance's own country (`default_country_code`), else none. Codes to any country in the
    /// world was the default once, and made the form a way to pump SMS to premium numbers
    /// abroad; opening more countries is now a decision written in the settings.
    pub fn sms_countries(&self) -> SmsCountries {
        if self.sms_countries.iter().any(|c| c == "*") {
            return SmsCountries::All;
        }
        if self.sms_countries.is_empty() {
            let own = Some(self.default_country_code.clone()).filter(|c| !c.is_empty());
            return SmsCountries::Only(own.into_iter().collect());
        }
        SmsCountries::Only(self.sms_countries.clone())
    }
}

impl Default for Residents {
    fn default() -> Self {
        Residents {
            code_minutes: 15,
            code_tries: 5,
            resend_seconds: 60,
            // The figures and the reasoning behind them are in docs/security.md ("Residents'
            // sign-ups"): a carrier-grade NAT address shared by hundreds of phones after a
            // warning on TV stays within them, one network cannot spend much.
            push_signups_per_network_per_hour: 300,
            codes_per_address_per_hour: 3,
            codes_per_prefix_per_hour: 20,
            prefix_digits: 6,
            codes_per_network_per_hour: 60,
            sms_codes_per_hour: 500,
            email_codes_per_hour: 2000,
            reserve_percent: 20,
            default_country_code: String::new(),
            sms_countries: Vec::new(),
            delivery_retention_days: 90,
            pending_days: 7,
            import_max_bytes: 16 * 1024 * 1024,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Residents, SmsCountries};

    fn with(own: &str, list: &[&str]) -> SmsCountries {
        let r = Residents {
            default_country_code: own.into(),
            sms_countries: list.iter().map(|c| (*c).to_owned()).collect(),
            ..Residents::default()
        };
        r.sms_countries()
    }

    #[test]
    fn sms_sign_ups_keep_to_the_own_country_unless_more_are_opened() {
        assert_eq!(with("421", &[]), SmsCountries::Only(vec!["421".into()]));
        assert!(with("421", &[]).allow("+421900123456"));
        assert!(!with("421", &[]).allow("+420601123456"));
        assert_eq!(with("", &[]), SmsCountries::Only(vec![]), "no own country: none");
        assert!(with("421", &["421", "420"]).allow("+420601123456"));
        assert_eq!(with("421", &["*"]), SmsCountries::All);
    }
}
