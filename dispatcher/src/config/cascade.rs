//! `[cascade]`: an instance as the parent of others (a region over its towns), with
//! `[[cascade.children]]`, and as the child of others, with `[[cascade.parents]]`.

use serde::{Deserialize, Serialize};

use super::{ConfigError, IngestPolicy, Secret};

/// `[cascade]`
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Cascade {
    /// The instances this one hands its alerts to, each for its own territory.
    pub children: Vec<ChildSpec>,
    /// The instances whose alerts this one takes, known by the API token each posts with.
    pub parents: Vec<ParentSpec>,
    /// How often the children are asked how their fan-out of each recent alert stands, in
    /// seconds.
    pub report_seconds: u32,
    /// For how long after it was issued an alert's children are still asked, in hours.
    pub report_hours: u32,
    /// Messages to children in flight at once.
    pub concurrency: u32,
}

impl Default for Cascade {
    fn default() -> Self {
        Cascade { children: Vec::new(), parents: Vec::new(), report_seconds: 10, report_hours: 48, concurrency: 16 }
    }
}

/// `[[cascade.children]]`: one child instance.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChildSpec {
    /// A short name, unique among the children: lower-case letters, digits and `-`.
    pub name: String,
    /// The child's base URL: `https://…`; `http://` only to a loopback address (a local
    /// TLS-terminating proxy).
    pub url: String,
    /// An API token the child issued for this parent (role author or approver, scope `cap`).
    pub token: Secret,
    /// A file holding the token instead (its first line), so it stays out of this file.
    pub token_file: String,
    /// Names of stored named areas (of this instance) that make up the child's territory.
    pub areas: Vec<String>,
    /// A GeoJSON file with (more of) the child's territory.
    pub geojson_file: String,
    /// PEM CA certificates: the only ones trusted for the child's HTTPS. Empty: the system's.
    pub ca_file: String,
    /// Whether Exercise and Test alerts go to this child too.
    pub exercises: bool,
    /// Seconds one request to the child may take.
    pub timeout_seconds: u32,
}

impl Default for ChildSpec {
    fn default() -> Self {
        ChildSpec {
            name: String::new(),
            url: String::new(),
            token: Secret::default(),
            token_file: String::new(),
            areas: Vec::new(),
            geojson_file: String::new(),
            ca_file: String::new(),
            exercises: true,
            timeout_seconds: 10,
        }
    }
}

impl ChildSpec {
    /// The token, from the setting or its file.
    pub fn token(&self) -> Result<String, String> {
        if !self.token.is_empty() {
            return Ok(self.token.expose().trim().to_owned());
        }
        let text = std::fs::read_to_string(&self.token_file).map_err(|e| format!("{}: {e}", self.token_file))?;
        let token = text.lines().next().unwrap_or_default().trim().to_owned();
        if token.is_empty() {
            return Err(format!("{} is empty", self.token_file));
        }
        Ok(token)
    }
}

/// `[[cascade.parents]]`: an instance this one takes alerts from.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ParentSpec {
    /// The name of the API token (issued here) the parent posts with.
    pub token: String,
    /// `issue` (at once) or `approve` (a local approver releases it).
    pub policy: IngestPolicy,
    /// Whether the parent's CAP must carry a valid XML signature by a signer in `[trust]`.
    pub require_signature: bool,
}

impl Default for ParentSpec {
    fn default() -> Self {
        ParentSpec { token: String::new(), policy: IngestPolicy::Approve, require_signature: true }
    }
}

impl Cascade {
    /// The parent that posts with this token name, if any.
    pub fn parent(&self, token_name: &str) -> Option<&ParentSpec> {
        self.parents.iter().find(|p| p.token == token_name)
    }

    pub(super) fn check(&self, trust_configured: bool) -> Result<(), ConfigError> {
        if !(1..=3600).contains(&self.report_seconds) {
            return Err(invalid("cascade.report_seconds", "must be from 1 to 3600"));
        }
        if !(1..=24 * 30).contains(&self.report_hours) {
            return Err(invalid("cascade.report_hours", "must be from 1 to 720"));
        }
        if !(1..=1024).contains(&self.concurrency) {
            return Err(invalid("cascade.concurrency", "must be from 1 to 1024"));
        }
        for (i, c) in self.children.iter().enumerate() {
            let key = |field: &str| format!("cascade.children[{i}].{field}");
            let ok_name = !c.name.is_empty()
                && c.name.len() <= 64
                && c.name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !ok_name {
                return Err(invalid(&key("name"), "1 to 64 lower-case letters, digits and -"));
            }
            if self.children[..i].iter().any(|o| o.name == c.name) {
                return Err(invalid(&key("name"), format!("{:?} names another child too", c.name)));
            }
            check_url(&c.url).map_err(|m| invalid(&key("url"), m))?;
            if c.token.is_empty() == c.token_file.is_empty() {
                return Err(invalid(&key("token"), "give the child's API token in token or token_file (one of them)"));
            }
            c.token().map_err(|m| invalid(&key("token_file"), m))?;
            if c.areas.is_empty() && c.geojson_file.is_empty() {
                return Err(invalid(&key("areas"), "give the child's territory: named areas, a geojson_file or both"));
            }
            if c.areas.iter().any(|a| a.trim().is_empty()) {
                return Err(invalid(&key("areas"), "names must not be empty"));
            }
            if !c.geojson_file.is_empty() {
                let text = std::fs::read_to_string(&c.geojson_file)
                    .map_err(|e| invalid(&key("geojson_file"), format!("{}: {e}", c.geojson_file)))?;
                crate::domain::territory::parse_geojson(&text)
                    .map_err(|e| invalid(&key("geojson_file"), format!("{}: {e}", c.geojson_file)))?;
            }
            if !c.ca_file.is_empty() {
                std::fs::read(&c.ca_file).map_err(|e| invalid(&key("ca_file"), format!("{}: {e}", c.ca_file)))?;
            }
            if !(1..=300).contains(&c.timeout_seconds) {
                return Err(invalid(&key("timeout_seconds"), "must be from 1 to 300"));
            }
        }
        for (i, p) in self.parents.iter().enumerate() {
            let key = |field: &str| format!("cascade.parents[{i}].{field}");
            if p.token.trim().is_empty() {
                return Err(invalid(&key("token"), "the name of the API token the parent posts with"));
            }
            if self.parents[..i].iter().any(|o| o.token == p.token) {
                return Err(invalid(&key("token"), format!("{:?} names another parent too", p.token)));
            }
            if p.policy == IngestPolicy::Refuse {
                return Err(invalid(&key("policy"), "issue or approve (remove the parent to refuse its alerts)"));
            }
            if p.require_signature && !trust_configured {
                return Err(invalid(
                    &key("require_signature"),
                    "needs [trust] certificates to verify the parent's signature (or set it to false)",
                ));
            }
        }
        Ok(())
    }
}

/// A child's URL: https, or http to a loopback address; no query, no credentials.
fn check_url(url: &str) -> Result<(), String> {
    let u = reqwest::Url::parse(url).map_err(|e| format!("not a URL: {e}"))?;
    let host = u.host_str().unwrap_or_default().trim_start_matches('[').trim_end_matches(']');
    let loopback = host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|a| a.is_loopback());
    match u.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => return Err("must be https (http only to a loopback address)".into()),
        s => return Err(format!("{s}: must be https")),
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err("must not carry credentials (use token)".into());
    }
    if u.query().is_some() || u.fragment().is_some() {
        return Err("must not have a query or fragment: the base URL of the child's Tocsin".into());
    }
    Ok(())
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

    const CHILD: &str = "[[cascade.children]]\nname = \"levice\"\ntoken = \"tok\"\nareas = [\"Levice\"]\n";

    #[test]
    fn children_need_a_safe_url_a_token_and_a_territory() {
        assert!(checked(&format!("{CHILD}url = \"https://levice.example/\"")).is_ok());
        assert!(checked(&format!("{CHILD}url = \"http://127.0.0.1:8081\"")).is_ok());
        let e = checked(&format!("{CHILD}url = \"http://levice.example/\"")).unwrap_err();
        assert!(e.contains("cascade.children[0].url") && e.contains("https"), "{e}");
        let e = checked(&format!("{CHILD}url = \"https://u:p@levice.example/\"")).unwrap_err();
        assert!(e.contains("credentials"), "{e}");
        let e = checked("[[cascade.children]]\nname = \"a\"\nurl = \"https://a.example\"\ntoken = \"t\"").unwrap_err();
        assert!(e.contains("cascade.children[0].areas"), "{e}");
        let e =
            checked("[[cascade.children]]\nname = \"a\"\nurl = \"https://a.example\"\nareas = [\"A\"]").unwrap_err();
        assert!(e.contains("cascade.children[0].token"), "{e}");
        let e =
            checked(&format!("{CHILD}url = \"https://a.example\"\n{CHILD}url = \"https://b.example\"")).unwrap_err();
        assert!(e.contains("cascade.children[1].name"), "{e}");
        let e = checked("[[cascade.children]]\nname = \"Levice Town\"\nurl = \"https://a.example\"").unwrap_err();
        assert!(e.contains("cascade.children[0].name"), "{e}");
    }

    #[test]
    fn a_parent_that_must_sign_needs_trust() {
        let e = checked("[[cascade.parents]]\ntoken = \"region\"\npolicy = \"issue\"").unwrap_err();
        assert!(e.contains("cascade.parents[0].require_signature"), "{e}");
        let s =
            checked("[[cascade.parents]]\ntoken = \"region\"\npolicy = \"issue\"\nrequire_signature = false").unwrap();
        assert_eq!(s.cascade.parent("region").map(|p| p.policy), Some(crate::config::IngestPolicy::Issue));
        let e = checked("[[cascade.parents]]\ntoken = \"region\"\npolicy = \"refuse\"\nrequire_signature = false")
            .unwrap_err();
        assert!(e.contains("cascade.parents[0].policy"), "{e}");
    }
}
