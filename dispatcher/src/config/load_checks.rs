//! The rules each setting's value must follow, checked once at load time.

use std::net::SocketAddr;

use super::{ConfigError, Settings};

fn invalid(key: &str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { key: key.into(), message: message.into() }
}

/// Checks every value; the error names the first key at fault and what is allowed.
pub(super) fn check(s: &Settings) -> Result<(), ConfigError> {
    s.server.listen.parse::<SocketAddr>().map_err(|_| {
        invalid("server.listen", format!("{:?} is not an address and port such as 127.0.0.1:8080", s.server.listen))
    })?;
    if !(s.server.public_url.starts_with("http://") || s.server.public_url.starts_with("https://")) {
        return Err(invalid("server.public_url", "must be an http:// or https:// URL"));
    }
    for p in &s.server.trusted_proxies {
        p.parse::<std::net::IpAddr>()
            .map_err(|_| invalid("server.trusted_proxies", format!("{p:?} is not an IP address")))?;
    }
    let url = s.database.url.expose();
    if !(url.starts_with("sqlite:") || url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(invalid("database.url", "must start with sqlite:, postgres:// or postgresql://"));
    }
    if !(1..=3600).contains(&s.database.query_timeout_seconds) {
        return Err(invalid("database.query_timeout_seconds", "must be from 1 to 3600"));
    }
    if !matches!(s.database.sqlite_synchronous.as_str(), "full" | "normal" | "extra") {
        return Err(invalid("database.sqlite_synchronous", "must be full, normal or extra"));
    }
    if s.database.max_connections == 0 {
        return Err(invalid("database.max_connections", "must be at least 1"));
    }
    cap_alerts::model::Sender::parse(s.cap.sender.as_str())
        .map_err(|e| invalid("cap.sender", format!("not a CAP sender: {e}")))?;
    cap_alerts::model::Identifier::parse(format!("{}-1-1", s.cap.identifier_prefix))
        .map_err(|e| invalid("cap.identifier_prefix", format!("would make invalid identifiers: {e}")))?;
    if !s.ingest.profile.is_empty() && cap_alerts::Profile::by_name(&s.ingest.profile).is_none() {
        return Err(invalid(
            "ingest.profile",
            format!("unknown profile {:?}; known: {}", s.ingest.profile, cap_alerts::Profile::NAMES.join(", ")),
        ));
    }
    if s.security.session_idle_minutes == 0 || s.security.session_absolute_hours == 0 {
        return Err(invalid("security.session_idle_minutes", "session limits must be positive"));
    }
    if !s.security.secret_key.is_empty() {
        crate::domain::crypto::SecretKey::from_base64(s.security.secret_key.expose())
            .map_err(|e| invalid("security.secret_key", e.to_string()))?;
    }
    match (s.signing.is_configured(), s.signing.certificate_file.is_empty()) {
        (true, true) => return Err(invalid("signing.certificate_file", "is needed with a signing key")),
        (false, false) => return Err(invalid("signing.key_file", "is needed with signing.certificate_file")),
        _ => {}
    }
    check_channels(s)?;
    check_devices(&s.devices)?;
    if !s.devices.notify_emails.is_empty() && !s.channels.email.enabled {
        return Err(invalid("devices.notify_emails", "needs [channels.email] enabled to send them"));
    }
    check_residents(&s.residents)?;
    s.pwa.check()?;
    s.territory.check()?;
    s.feeds.check(&s.territory)?;
    s.cascade.check(!s.trust.certificates.is_empty())?;
    if s.server.tls_certificate_file.is_empty() != s.server.tls_key_file.is_empty() {
        return Err(invalid(
            "server.tls_key_file",
            "give both server.tls_certificate_file and server.tls_key_file, or neither",
        ));
    }
    if !matches!(s.log.format.as_str(), "text" | "json") {
        return Err(invalid("log.format", "must be text or json"));
    }
    Ok(())
}

fn check_channels(s: &Settings) -> Result<(), ConfigError> {
    let c = &s.channels;
    let subject = &c.push.subject;
    if !(subject.is_empty() || subject.starts_with("mailto:") || subject.starts_with("https://")) {
        return Err(invalid("channels.push.subject", "must be a mailto: or https:// contact"));
    }
    if c.push.connect_timeout_seconds == 0 || c.push.connect_timeout_seconds > c.push.timeout_seconds.max(1) {
        return Err(invalid(
            "channels.push.connect_timeout_seconds",
            "must be from 1 to channels.push.timeout_seconds",
        ));
    }
    s.outbound.check().map_err(|m| invalid("outbound.allowed_networks", m))?;
    if c.push.key_pool > 2_000_000 {
        return Err(invalid("channels.push.key_pool", "must be at most 2000000 (about 300 MB of keys)"));
    }
    if !(1..=255).contains(&c.sms.segment_limit) {
        return Err(invalid("channels.sms.segment_limit", "must be from 1 to 255"));
    }
    if c.sms.enabled {
        match c.sms.provider.as_str() {
            "smpp" => check_smpp(&c.sms.smpp)?,
            "http" => check_sms_http(&c.sms.http)?,
            _ => return Err(invalid("channels.sms.provider", "must be smpp or http")),
        }
    }
    if c.email.enabled {
        let e = &c.email;
        if e.host.is_empty() {
            return Err(invalid("channels.email.host", "is required when email is enabled"));
        }
        if e.from.is_empty() {
            return Err(invalid("channels.email.from", "is required when email is enabled"));
        }
        if !matches!(e.security.as_str(), "starttls" | "tls" | "none") {
            return Err(invalid("channels.email.security", "must be starttls, tls or none"));
        }
        if e.pool_size == 0 {
            return Err(invalid("channels.email.pool_size", "must be at least 1"));
        }
    }
    for (key, concurrency) in [
        ("channels.webhook.concurrency", c.webhook.concurrency),
        ("channels.push.concurrency", c.push.concurrency),
        ("channels.sms.concurrency", c.sms.concurrency),
        ("channels.email.concurrency", c.email.concurrency),
    ] {
        if concurrency == 0 {
            return Err(invalid(key, "must be at least 1"));
        }
    }
    Ok(())
}

fn check_smpp(p: &crate::config::SmppSettings) -> Result<(), ConfigError> {
    if p.host.is_empty() {
        return Err(invalid("channels.sms.smpp.host", "is required when SMS goes over SMPP"));
    }
    if p.system_id.is_empty() {
        return Err(invalid("channels.sms.smpp.system_id", "is required when SMS goes over SMPP"));
    }
    if p.source_addr.is_empty() {
        return Err(invalid("channels.sms.smpp.source_addr", "is required: the sender phones show"));
    }
    if p.binds == 0 || p.window == 0 {
        return Err(invalid("channels.sms.smpp.binds", "binds and window must be at least 1"));
    }
    Ok(())
}

fn check_sms_http(h: &crate::config::SmsHttpSettings) -> Result<(), ConfigError> {
    if !(h.url.starts_with("https://") || h.url.starts_with("http://")) {
        return Err(invalid("channels.sms.http.url", "must be an http:// or https:// URL"));
    }
    if !(h.body_template.contains("{to}") && h.body_template.contains("{text}")) {
        return Err(invalid("channels.sms.http.body_template", "must contain {to} and {text}"));
    }
    if !matches!(h.content_type.as_str(), "application/json" | "application/x-www-form-urlencoded") {
        return Err(invalid(
            "channels.sms.http.content_type",
            "must be application/json or application/x-www-form-urlencoded",
        ));
    }
    for line in &h.headers {
        if !line.contains(':') {
            return Err(invalid("channels.sms.http.headers", format!("{line:?} is not `Name: value`")));
        }
    }
    Ok(())
}

fn check_devices(d: &crate::config::Devices) -> Result<(), ConfigError> {
    if !(5..=3600).contains(&d.poll_seconds) {
        return Err(invalid("devices.poll_seconds", "must be from 5 to 3600"));
    }
    for (i, s) in d.signals.iter().enumerate() {
        if s.code.is_empty() || !s.code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(invalid(&format!("devices.signals[{i}].code"), "must be letters, digits, - or _"));
        }
        if !matches!(s.pattern.as_str(), "wavering" | "steady" | "silent") {
            return Err(invalid(&format!("devices.signals[{i}].pattern"), "must be wavering, steady or silent"));
        }
        if d.signals[..i].iter().any(|o| o.code == s.code) {
            return Err(invalid(&format!("devices.signals[{i}].code"), format!("{:?} appears twice", s.code)));
        }
    }
    if !d.signals.iter().any(|s| s.code == d.default_signal) {
        return Err(invalid("devices.default_signal", "must be the code of a signal in devices.signals"));
    }
    if d.signals.iter().any(|s| s.code == d.default_signal && s.test) {
        return Err(invalid("devices.default_signal", "must not be a test signal: an alert must sound a real one"));
    }
    for (i, a) in d.notify_emails.iter().enumerate() {
        if crate::domain::subscriptions::normalise_address("email", a).is_err() {
            return Err(invalid(&format!("devices.notify_emails[{i}]"), "must be an email address"));
        }
    }
    if d.test_grace_minutes > 24 * 60 {
        return Err(invalid("devices.test_grace_minutes", "must be at most 1440 (a day)"));
    }
    Ok(())
}

fn check_residents(r: &crate::config::Residents) -> Result<(), ConfigError> {
    let positive = [
        ("residents.code_minutes", r.code_minutes),
        ("residents.code_tries", r.code_tries),
        ("residents.push_signups_per_network_per_hour", r.push_signups_per_network_per_hour),
        ("residents.codes_per_address_per_hour", r.codes_per_address_per_hour),
        ("residents.codes_per_prefix_per_hour", r.codes_per_prefix_per_hour),
        ("residents.codes_per_network_per_hour", r.codes_per_network_per_hour),
        ("residents.sms_codes_per_hour", r.sms_codes_per_hour),
        ("residents.email_codes_per_hour", r.email_codes_per_hour),
        ("residents.delivery_retention_days", r.delivery_retention_days),
        ("residents.pending_days", r.pending_days),
    ];
    if let Some((key, _)) = positive.iter().find(|(_, v)| *v == 0) {
        return Err(invalid(key, "must be at least 1"));
    }
    if r.reserve_percent > 90 {
        return Err(invalid("residents.reserve_percent", "must be from 0 to 90 (percent of each hour's codes)"));
    }
    if !(3..=10).contains(&r.prefix_digits) {
        return Err(invalid("residents.prefix_digits", "must be from 3 to 10"));
    }
    let country = |key: &str, c: &str| {
        if c.is_empty() || c.len() > 3 || !c.bytes().all(|b| b.is_ascii_digit()) || c.starts_with('0') {
            return Err(invalid(key, format!("{c:?} is not a country calling code (1 to 3 digits, such as \"421\")")));
        }
        Ok(())
    };
    if r.sms_countries.iter().any(|c| c == "*") {
        if r.sms_countries.len() > 1 {
            return Err(invalid("residents.sms_countries", "[\"*\"] opens every country; give it alone"));
        }
    } else {
        for c in &r.sms_countries {
            country("residents.sms_countries", c)?;
        }
    }
    if !r.default_country_code.is_empty() {
        country("residents.default_country_code", &r.default_country_code)?;
    }
    Ok(())
}
