//! `[territory]` (the instance's own area, which feed rules and cascades test alerts against)
//! and `[feeds]` (polling external CAP feeds, and subscriptions seeded from the file).

use serde::{Deserialize, Serialize};

use super::ConfigError;
use crate::domain::feeds::FeedSpec;

/// `[territory]`
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Territory {
    /// Names of stored named areas (imported from GeoJSON) that make up the territory.
    pub areas: Vec<String>,
    /// A GeoJSON file (Polygon, MultiPolygon, Feature or FeatureCollection) with more of it.
    pub geojson_file: String,
}

impl Territory {
    /// Whether a territory is configured at all.
    pub fn is_configured(&self) -> bool {
        !self.areas.is_empty() || !self.geojson_file.is_empty()
    }

    pub(super) fn check(&self) -> Result<(), ConfigError> {
        if self.areas.iter().any(|a| a.trim().is_empty()) {
            return Err(invalid("territory.areas", "names must not be empty"));
        }
        if !self.geojson_file.is_empty() {
            let text = std::fs::read_to_string(&self.geojson_file)
                .map_err(|e| invalid("territory.geojson_file", format!("{}: {e}", self.geojson_file)))?;
            crate::domain::territory::parse_geojson(&text)
                .map_err(|e| invalid("territory.geojson_file", format!("{}: {e}", self.geojson_file)))?;
        }
        Ok(())
    }
}

/// `[feeds]`
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Feeds {
    /// Whether this instance polls subscribed feeds (several instances share the work).
    pub poll: bool,
    /// The largest feed or linked CAP document fetched, in bytes.
    pub max_document_bytes: usize,
    /// Seconds one request may take, connection included.
    pub timeout_seconds: u32,
    /// Linked CAP documents fetched per poll at most; the rest wait for the next poll.
    pub max_documents_per_poll: u32,
    /// The longest wait after repeated failures, in minutes (the backoff doubles up to it).
    pub max_backoff_minutes: u32,
    /// Subscriptions kept in step with this file at start (matched by name).
    pub subscriptions: Vec<FeedSpec>,
}

impl Default for Feeds {
    fn default() -> Self {
        Feeds {
            poll: true,
            max_document_bytes: 2 * 1024 * 1024,
            timeout_seconds: 20,
            max_documents_per_poll: 50,
            max_backoff_minutes: 60,
            subscriptions: Vec::new(),
        }
    }
}

impl Feeds {
    pub(super) fn check(&self, territory: &Territory) -> Result<(), ConfigError> {
        if self.max_document_bytes < 1024 {
            return Err(invalid("feeds.max_document_bytes", "must be at least 1024"));
        }
        if !(1..=300).contains(&self.timeout_seconds) {
            return Err(invalid("feeds.timeout_seconds", "must be from 1 to 300"));
        }
        if self.max_documents_per_poll == 0 {
            return Err(invalid("feeds.max_documents_per_poll", "must be at least 1"));
        }
        if self.max_backoff_minutes == 0 {
            return Err(invalid("feeds.max_backoff_minutes", "must be at least 1"));
        }
        for (i, spec) in self.subscriptions.iter().enumerate() {
            spec.check(territory.is_configured())
                .map_err(|e| invalid(&format!("feeds.subscriptions[{i}]"), e.to_string()))?;
        }
        Ok(())
    }
}

fn invalid(key: &str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { key: key.into(), message: message.into() }
}

#[cfg(test)]
mod tests {
    use super::super::Settings;

    fn checked(toml: &str) -> Result<Settings, String> {
        let s: Settings = toml::from_str(toml).map_err(|e| e.to_string())?;
        super::super::load_checks::check(&s).map_err(|e| e.to_string())?;
        Ok(s)
    }

    #[test]
    fn subscriptions_are_read_in_snake_case_and_checked() {
        let s = checked(
            r#"
            [[feeds.subscriptions]]
            name = "met"
            url = "https://example.org/feed.atom"
            action = "draft"
            poll_seconds = 60
            rules = { min_severity = "Severe", event_codes = ["SAME=FFW"] }
            "#,
        )
        .unwrap();
        let f = &s.feeds.subscriptions[0];
        assert_eq!((f.poll_seconds, f.rules.event_codes.len()), (60, 1));
        let unknown =
            checked("[[feeds.subscriptions]]\nname = \"a\"\nurl = \"https://x.org/\"\naction = \"relay\"\nspeed = 1");
        assert!(unknown.unwrap_err().contains("speed"));
        let territory = "[[feeds.subscriptions]]\nname = \"a\"\nurl = \"https://x.org/\"\naction = \"relay\"\nrules = { in_territory = true }";
        let e = checked(territory).unwrap_err();
        assert!(e.contains("feeds.subscriptions[0]") && e.contains("inTerritory"), "{e}");
        let e = checked("[territory]\ngeojson_file = \"/nonexistent/t.geojson\"").unwrap_err();
        assert!(e.contains("territory.geojson_file"), "{e}");
    }
}
