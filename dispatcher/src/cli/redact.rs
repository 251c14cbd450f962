//! What `tocsin config` prints: the effective settings as TOML with no secret in them, since
//! the output ends up on shared screens, in support tickets and in CI logs. `Secret` settings
//! print `[redacted]` themselves; here also the password in any URL's userinfo, the values of
//! query parameters named like a secret (a gateway's `api_key`, a feed's `access_token`), and
//! the value of every configured header (gateways take their API keys in one). The database
//! URL is shown this way too, so that an operator sees which server and database it names.

use toml::Value;

use crate::config::Settings;

/// What stands in for a secret.
const REDACTED: &str = "[redacted]";

/// Query parameter names holding one of these (in any case) have their values redacted.
const SECRET_WORDS: &[&str] = &["token", "key", "secret", "pass", "pwd", "auth", "sig", "credential", "session", "jwt"];

/// The settings as `tocsin config` prints them.
pub(super) fn shown(settings: &Settings) -> anyhow::Result<String> {
    let mut value = Value::try_from(settings)?;
    redact(&mut value, "");
    if let Some(db) = value.get_mut("database").and_then(|d| d.get_mut("url")) {
        *db = Value::String(url(settings.database.url.expose()));
    }
    Ok(toml::to_string_pretty(&value)?)
}

/// Redacts, in place, every URL among the strings, every value of a `headers` list, and a
/// gateway's body template that names a secret (`{"api_key":"…","to":"{to}"}`): its literal
/// parts can be anything, so it is not shown at all.
fn redact(value: &mut Value, key: &str) {
    match value {
        Value::String(s) if key == "body_template" && secretish(s) => *s = REDACTED.to_owned(),
        Value::String(s) if s.contains("://") => *s = url(s),
        Value::Array(items) if key == "headers" => {
            for item in items {
                if let Value::String(line) = item {
                    *line = header(line);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| redact(i, key)),
        Value::Table(table) => table.iter_mut().for_each(|(k, v)| redact(v, k)),
        _ => {}
    }
}

/// Whether a text names something secret (`api_key`, `password`, `token`, …).
fn secretish(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    SECRET_WORDS.iter().any(|w| lower.contains(w))
}

/// A `Name: value` header line with its value redacted.
fn header(line: &str) -> String {
    match line.split_once(':') {
        Some((name, _)) => format!("{name}: {REDACTED}"),
        None => REDACTED.to_owned(),
    }
}

/// A URL with the password of its userinfo and its secret-looking query and fragment
/// parameters redacted; the rest (scheme, user, host, port, path, other parameters) kept.
fn url(text: &str) -> String {
    let Some(start) = text.find("://").map(|i| i + 3) else { return text.to_owned() };
    let (scheme, rest) = text.split_at(start);
    let (authority, tail) = rest.split_at(rest.find(['/', '?', '#']).unwrap_or(rest.len()));
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:{REDACTED}@{host}"),
            None => format!("{userinfo}@{host}"),
        },
        None => authority.to_owned(),
    };
    let (tail, fragment) = tail.split_once('#').map_or((tail, None), |(t, f)| (t, Some(f)));
    let mut out = match tail.split_once('?') {
        Some((path, query)) => format!("{scheme}{authority}{path}?{}", parameters(query)),
        None => format!("{scheme}{authority}{tail}"),
    };
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(&parameters(f));
    }
    out
}

/// `a=1&token=2` with the values of secret-looking names redacted.
fn parameters(query: &str) -> String {
    let redact = |pair: &str| match pair.split_once('=') {
        Some((name, _)) if secret_name(name) => format!("{name}={REDACTED}"),
        _ => pair.to_owned(),
    };
    query.split('&').map(redact).collect::<Vec<_>>().join("&")
}

fn secret_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    SECRET_WORDS.iter().any(|w| name.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_keep_what_identifies_them_and_lose_their_secrets() {
        let cases = [
            (
                "postgres://tocsin:pw@db:5432/tocsin?sslmode=require",
                "postgres://tocsin:[redacted]@db:5432/tocsin?sslmode=require",
            ),
            ("postgres://db/x?user=t&password=pw", "postgres://db/x?user=t&password=[redacted]"),
            (
                "https://gw.example/send?ApiKey=k&to=1#access_token=t",
                "https://gw.example/send?ApiKey=[redacted]&to=1#access_token=[redacted]",
            ),
            ("https://user@host/p", "https://user@host/p"),
            ("https://u:p@host", "https://u:[redacted]@host"),
            (
                "https://a.example/x?X-Amz-Signature=s&X-Amz-Credential=c",
                "https://a.example/x?X-Amz-Signature=[redacted]&X-Amz-Credential=[redacted]",
            ),
            ("sqlite://tocsin.db", "sqlite://tocsin.db"),
            ("not a url", "not a url"),
        ];
        for (given, shown) in cases {
            assert_eq!(url(given), shown);
        }
        assert_eq!(header("X-Api-Key: k"), "X-Api-Key: [redacted]");
        assert_eq!(header("garbage"), "[redacted]");
    }

    #[test]
    fn the_settings_shown_keep_their_order() {
        let text = shown(&Settings::default()).unwrap();
        let server = text.find("[server]").unwrap();
        let database = text.find("[database]").unwrap();
        assert!(server < database, "{text}");
    }
}
