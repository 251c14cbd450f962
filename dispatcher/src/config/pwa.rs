//! `[pwa]`: the residents' app at `/`: its title and the map tiles its alert view draws under
//! an alert's area (none by default: the area is then drawn as an outline only).

use serde::{Deserialize, Serialize};

use super::ConfigError;

/// `[pwa]`
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Pwa {
    /// The title residents see (the app's name when installed).
    pub name: String,
    /// A tile URL template such as `https://tile.example.org/{z}/{x}/{y}.png`; empty for none.
    pub tile_url: String,
    /// The attribution the tile server asks for, shown under the map.
    pub tile_attribution: String,
}

impl Default for Pwa {
    fn default() -> Self {
        Pwa { name: "Public warnings".into(), tile_url: String::new(), tile_attribution: String::new() }
    }
}

impl Pwa {
    /// The tile server's origin (`scheme://host[:port]`), for the page's image policy.
    pub fn tile_origin(&self) -> Option<&str> {
        let rest = self.tile_url.strip_prefix("https://").or_else(|| self.tile_url.strip_prefix("http://"))?;
        let host_len = rest.find('/').unwrap_or(rest.len());
        let scheme_len = self.tile_url.len() - rest.len();
        self.tile_url.get(..scheme_len + host_len)
    }

    /// Checks the values: a tile URL is http(s), names `{z}`, `{x}` and `{y}`, and has a host
    /// made of characters that can stand in a Content-Security-Policy.
    pub(super) fn check(&self) -> Result<(), ConfigError> {
        let invalid = |key: &str, message: &str| ConfigError::Invalid { key: key.into(), message: message.into() };
        if self.name.trim().is_empty() || self.name.chars().count() > 60 {
            return Err(invalid("pwa.name", "must be 1 to 60 characters"));
        }
        if self.tile_url.is_empty() {
            return Ok(());
        }
        let origin = self.tile_origin().ok_or_else(|| invalid("pwa.tile_url", "must be an http:// or https:// URL"))?;
        let host_ok = origin
            .split("://")
            .nth(1)
            .is_some_and(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b)));
        if !host_ok {
            return Err(invalid("pwa.tile_url", "the host may hold only letters, digits, '-', '.' and a port"));
        }
        if !["{z}", "{x}", "{y}"].iter().all(|p| self.tile_url.contains(p)) {
            return Err(invalid("pwa.tile_url", "must contain {z}, {x} and {y}"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiles(url: &str) -> Pwa {
        Pwa { tile_url: url.into(), ..Pwa::default() }
    }

    #[test]
    fn the_origin_is_scheme_host_and_port() {
        assert_eq!(tiles("https://tile.example.org/{z}/{x}/{y}.png").tile_origin(), Some("https://tile.example.org"));
        assert_eq!(tiles("http://127.0.0.1:8081/t/{z}/{x}/{y}").tile_origin(), Some("http://127.0.0.1:8081"));
        assert_eq!(tiles("").tile_origin(), None);
    }

    #[test]
    fn a_tile_url_must_name_the_tile_and_have_a_plain_host() {
        assert!(tiles("").check().is_ok());
        assert!(tiles("https://tile.example.org/{z}/{x}/{y}.png").check().is_ok());
        assert!(tiles("https://tile.example.org/{z}/{x}.png").check().is_err());
        assert!(tiles("ftp://tile.example.org/{z}/{x}/{y}").check().is_err());
        assert!(tiles("https://a.org;script-src *//{z}/{x}/{y}").check().is_err());
        assert!(Pwa { name: " ".into(), ..Pwa::default() }.check().is_err());
    }
}
