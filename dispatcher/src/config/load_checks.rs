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
    if !matches!(s.log.format.as_str(), "text" | "json") {
        return Err(invalid("log.format", "must be text or json"));
    }
    Ok(())
}
