//! Loading settings: defaults, then the TOML file, then `TOCSIN_*` environment variables, with
//! every key checked against the known ones and every value against its rule.

use std::collections::BTreeMap;
use std::path::Path;

use toml::{Table, Value};

use super::Settings;

/// Why settings could not be loaded. Each message names the key or variable at fault.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML.
    #[error("the configuration file {path} is not valid TOML: {message}")]
    Syntax {
        /// The file.
        path: String,
        /// The parser's message, with the line.
        message: String,
    },
    /// A key that is not a setting.
    #[error("unknown setting `{key}` in {origin}; see tocsin.example.toml for every setting")]
    UnknownKey {
        /// The key (`server.listen`) or variable (`TOCSIN_SERVER_LISTEN`).
        key: String,
        /// Where it came from.
        origin: String,
    },
    /// A value of the wrong kind or outside its rule.
    #[error("setting `{key}`: {message}")]
    Invalid {
        /// The key.
        key: String,
        /// What is wrong and what is allowed.
        message: String,
    },
}

/// Environment variables that start with `TOCSIN_` but are not settings.
const NOT_SETTINGS: &[&str] = &["TOCSIN_CONFIG", "TOCSIN_CI", "TOCSIN_CAP_CORPUS", "TOCSIN_DEVICE_SECRET"];
const NOT_SETTINGS_PREFIXES: &[&str] = &["TOCSIN_TEST_", "TOCSIN_BENCH_"];

/// Settings that were replaced, with what to write instead: a file that still sets one is
/// refused with this hint rather than as an unknown key.
const RENAMED: &[(&str, &str)] = &[
    (
        "residents.signups_per_ip_per_hour",
        "replaced by residents.push_signups_per_network_per_hour (SMS and email sign-ups are counted by their codes)",
    ),
    ("residents.codes_per_ip_per_hour", "replaced by residents.codes_per_network_per_hour (an IPv6 /64 counts as one)"),
    ("residents.codes_per_hour", "split into residents.sms_codes_per_hour and residents.email_codes_per_hour"),
];

/// Loads settings from an optional file and the given environment.
pub fn load(file: Option<&Path>, env: impl IntoIterator<Item = (String, String)>) -> Result<Settings, ConfigError> {
    let defaults = defaults_table();
    let known = leaf_paths(&defaults);
    let mut merged = Table::new();
    if let Some(path) = file {
        let origin = path.display().to_string();
        let text =
            std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: origin.clone(), source })?;
        let table: Table = text
            .parse()
            .map_err(|e: toml::de::Error| ConfigError::Syntax { path: origin.clone(), message: e.to_string() })?;
        for key in leaf_paths(&table).into_keys() {
            if let Some((_, instead)) = RENAMED.iter().find(|(old, _)| *old == key) {
                return Err(ConfigError::Invalid { key, message: format!("{instead}; see tocsin.example.toml") });
            }
            if !known.contains_key(&key) && !known.keys().any(|k| k.starts_with(&format!("{key}."))) {
                return Err(ConfigError::UnknownKey { key, origin });
            }
        }
        merged = table;
    }
    for (var, value) in env {
        if !var.starts_with("TOCSIN_")
            || NOT_SETTINGS.contains(&var.as_str())
            || NOT_SETTINGS_PREFIXES.iter().any(|p| var.starts_with(p))
        {
            continue;
        }
        let Some((key, default)) = known.iter().find(|(k, _)| env_name(k) == var) else {
            return Err(ConfigError::UnknownKey { key: var, origin: "the environment".into() });
        };
        let parsed = parse_like(default, &value).ok_or_else(|| ConfigError::Invalid {
            key: key.clone(),
            message: format!("{var}={value:?} is not a {}", default.type_str()),
        })?;
        insert(&mut merged, key, parsed);
    }
    let settings: Settings = serde_path_to_error::deserialize(Value::Table(merged))
        .map_err(|e| ConfigError::Invalid { key: e.path().to_string(), message: e.inner().to_string() })?;
    super::load_checks::check(&settings)?;
    Ok(settings)
}

/// The environment variable for a key: `server.listen` is `TOCSIN_SERVER_LISTEN`.
pub fn env_name(key: &str) -> String {
    format!("TOCSIN_{}", key.replace('.', "_").to_ascii_uppercase())
}

/// Every setting as a dotted key with its default value.
pub fn defaults_table() -> Table {
    match Value::try_from(Settings::default()) {
        Ok(Value::Table(t)) => t,
        _ => Table::new(),
    }
}

/// The leaves of a table as dotted keys.
pub fn leaf_paths(t: &Table) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for (k, v) in t {
        match v {
            Value::Table(sub) => {
                for (sk, sv) in leaf_paths(sub) {
                    out.insert(format!("{k}.{sk}"), sv);
                }
            }
            other => {
                out.insert(k.clone(), other.clone());
            }
        }
    }
    out
}

/// A text from the environment as a value of the same kind as the default.
fn parse_like(default: &Value, text: &str) -> Option<Value> {
    Some(match default {
        Value::Integer(_) => Value::Integer(text.trim().parse().ok()?),
        Value::Float(_) => Value::Float(text.trim().parse().ok()?),
        Value::Boolean(_) => Value::Boolean(match text.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => true,
            "false" | "0" | "no" | "off" => false,
            _ => return None,
        }),
        Value::Array(_) => Value::Array(
            text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(|s| Value::String(s.to_owned())).collect(),
        ),
        _ => Value::String(text.to_owned()),
    })
}

fn insert(t: &mut Table, key: &str, value: Value) {
    match key.split_once('.') {
        None => {
            t.insert(key.to_owned(), value);
        }
        Some((head, rest)) => {
            let sub = t.entry(head.to_owned()).or_insert_with(|| Value::Table(Table::new()));
            if !sub.is_table() {
                *sub = Value::Table(Table::new());
            }
            if let Value::Table(sub) = sub {
                insert(sub, rest, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn file(text: &str) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), text).unwrap();
        f
    }

    #[test]
    fn defaults_then_file_then_environment() {
        let s = load(None, env(&[])).unwrap();
        assert_eq!((s.server.listen.as_str(), s.database.url.expose()), ("127.0.0.1:8080", "sqlite://tocsin.db"));
        let f = file("[server]\nlisten = \"0.0.0.0:9000\"\n[security]\nsession_idle_minutes = 10\n");
        let s = load(
            Some(f.path()),
            env(&[("TOCSIN_SECURITY_SESSION_IDLE_MINUTES", "5"), ("TOCSIN_DATABASE_URL", "postgres://db/tocsin")]),
        )
        .unwrap();
        assert_eq!(s.server.listen, "0.0.0.0:9000", "from the file");
        assert_eq!(s.security.session_idle_minutes, 5, "the environment wins");
        assert_eq!(s.database.url.expose(), "postgres://db/tocsin");
        let s = load(
            None,
            env(&[("TOCSIN_SERVER_TRUSTED_PROXIES", "10.0.0.1, 10.0.0.2"), ("TOCSIN_FEED_INCLUDE_EXERCISES", "no")]),
        )
        .unwrap();
        assert_eq!(s.server.trusted_proxies, ["10.0.0.1", "10.0.0.2"]);
        assert!(!s.feed.include_exercises);
    }

    #[test]
    fn unknown_keys_are_errors_naming_the_key() {
        let f = file("[server]\nlissten = \"x\"\n");
        let e = load(Some(f.path()), env(&[])).unwrap_err().to_string();
        assert!(e.contains("`server.lissten`"), "{e}");
        let f = file("[servers]\nlisten = \"x\"\n");
        assert!(load(Some(f.path()), env(&[])).unwrap_err().to_string().contains("servers.listen"));
        let e = load(None, env(&[("TOCSIN_SERVR_LISTEN", "x")])).unwrap_err().to_string();
        assert!(e.contains("TOCSIN_SERVR_LISTEN"), "{e}");
        let f = file("[residents]\ncodes_per_hour = 500\n");
        let e = load(Some(f.path()), env(&[])).unwrap_err().to_string();
        assert!(e.contains("residents.codes_per_hour") && e.contains("residents.sms_codes_per_hour"), "{e}");
        assert!(
            load(None, env(&[("TOCSIN_CI", "1"), ("TOCSIN_TEST_DATABASE_URL", "x"), ("TOCSIN_CONFIG", "y")])).is_ok(),
            "not settings"
        );
    }

    #[test]
    fn bad_values_name_the_key_and_what_is_allowed() {
        for (var, value, key) in [
            ("TOCSIN_SERVER_LISTEN", "localhost", "server.listen"),
            ("TOCSIN_DATABASE_URL", "mysql://x", "database.url"),
            ("TOCSIN_CAP_SENDER", "two words", "cap.sender"),
            ("TOCSIN_SECURITY_SECRET_KEY", "short", "security.secret_key"),
            ("TOCSIN_INGEST_PROFILE", "google", "ingest.profile"),
            ("TOCSIN_SECURITY_SESSION_IDLE_MINUTES", "ten", "security.session_idle_minutes"),
            ("TOCSIN_APPROVAL_CANCEL", "never", "approval.cancel"),
            ("TOCSIN_RESIDENTS_PREFIX_DIGITS", "2", "residents.prefix_digits"),
            ("TOCSIN_RESIDENTS_SMS_CODES_PER_HOUR", "0", "residents.sms_codes_per_hour"),
            ("TOCSIN_RESIDENTS_SMS_COUNTRIES", "+421", "residents.sms_countries"),
            ("TOCSIN_RESIDENTS_SMS_COUNTRIES", "*,421", "residents.sms_countries"),
            ("TOCSIN_RESIDENTS_RESERVE_PERCENT", "95", "residents.reserve_percent"),
            ("TOCSIN_RESIDENTS_DEFAULT_COUNTRY_CODE", "0421", "residents.default_country_code"),
            ("TOCSIN_SIGNING_KEY_FILE", "/etc/tocsin/signing.key", "signing.certificate_file"),
            ("TOCSIN_SIGNING_CERTIFICATE_FILE", "/etc/tocsin/signing.pem", "signing.key_file"),
        ] {
            let e = load(None, env(&[(var, value)])).unwrap_err().to_string();
            assert!(e.contains(key), "{var}={value}: {e}");
        }
    }

    #[test]
    fn secrets_are_not_printed() {
        let s = load(
            None,
            env(&[
                ("TOCSIN_DATABASE_URL", "postgres://tocsin:hunter2@db/tocsin"),
                ("TOCSIN_SIGNING_KEY", "-----BEGIN PRIVATE KEY-----hunter2"),
                ("TOCSIN_SIGNING_CERTIFICATE_FILE", "signing.pem"),
            ]),
        )
        .unwrap();
        assert!(!format!("{s:?}").contains("hunter2"));
        assert!(!toml::to_string(&s).unwrap().contains("hunter2"));
    }

    #[test]
    fn the_example_file_sets_every_key() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tocsin.example.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let table: Table = text.parse().unwrap();
        let in_file: Vec<String> = leaf_paths(&table).into_keys().collect();
        let known: Vec<String> = leaf_paths(&defaults_table()).into_keys().collect();
        assert_eq!(in_file, known, "tocsin.example.toml lists every setting");
        let loaded = load(Some(&path), env(&[])).unwrap();
        assert_eq!(
            toml::to_string(&loaded).unwrap(),
            toml::to_string(&Settings::default()).unwrap(),
            "it shows the defaults"
        );
    }
}
