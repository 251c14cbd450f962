//! The demo's configuration: written as `tocsin.toml` in its temporary directory and read
//! back through the ordinary loader, so that every setting is checked as in production and a
//! kept directory (`--keep`) shows what the demo ran with. The configuration file and
//! `TOCSIN_*` variables of the shell are not read: the demo is the same everywhere.

use std::net::SocketAddr;
use std::path::Path;

use anyhow::Context;

use super::receivers::Peers;
use crate::config::{self, Settings};
use crate::domain::crypto::SecretKey;

/// A TOML string.
fn q(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

/// The configuration's text for a server at `server` with its data in `dir`.
fn text(dir: &Path, server: SocketAddr, peers: &Peers) -> String {
    let db = dir.join("tocsin.db");
    format!(
        r#"# The configuration `tocsin demo` ran with (see tocsin.example.toml for every setting).

[server]
listen = {listen}
public_url = {public_url}

[database]
url = {db}
# A demo's data need not survive a power cut.
sqlite_synchronous = "normal"

[security]
# Made for this run; stored secrets of this database can be read with it only.
secret_key = {key}
# The demo's staff sign in with the passwords it prints, without an authenticator app; a real
# instance keeps the default (approvers and administrators need a second factor).
require_second_factor = false

[cap]
sender = "varovania@dolna-lehota.example"
sender_name = "Obec Dolná Lehota"
identifier_prefix = "demo"

[log]
level = "warn,sqlx=error"

[outbound]
# The demo's push service is a receiver on this machine. Never in production: it lets anyone
# who signs up make the server call services on its host.
allow_loopback = true

[channels.push]
subject = "mailto:varovania@dolna-lehota.example"
# A few hundred residents need no pool of a hundred thousand keys.
key_pool = 1000

[channels.sms]
enabled = true
provider = "http"

[channels.sms.http]
url = {sms_url}
from = "LEHOTA"

[channels.email]
enabled = true
host = "127.0.0.1"
port = {smtp_port}
security = "none"
from = "Obec Dolná Lehota <varovania@dolna-lehota.example>"
pool_size = 4

[residents]
default_country_code = "421"

[pwa]
name = "Dolná Lehota: varovania"
"#,
        listen = q(&server.to_string()),
        public_url = q(&format!("http://{server}")),
        db = q(&format!("sqlite://{}", db.display())),
        key = q(&SecretKey::generate_base64()),
        sms_url = q(&peers.sms_url()),
        smtp_port = peers.smtp.port(),
    )
}

/// Writes the configuration into `dir` and loads it.
pub fn write_and_load(dir: &Path, server: SocketAddr, peers: &Peers) -> anyhow::Result<Settings> {
    let file = dir.join("tocsin.toml");
    std::fs::write(&file, text(dir, server, peers)).with_context(|| format!("writing {}", file.display()))?;
    Ok(config::load(Some(&file), std::iter::empty())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configuration_loads_and_points_at_the_receivers() {
        let dir = tempfile::tempdir().unwrap();
        let peers = Peers { http: "127.0.0.1:4001".parse().unwrap(), smtp: "127.0.0.1:4002".parse().unwrap() };
        let s = write_and_load(dir.path(), "127.0.0.1:4000".parse().unwrap(), &peers).unwrap();
        assert_eq!(s.server.public_url, "http://127.0.0.1:4000");
        assert_eq!(s.channels.sms.http.url, "http://127.0.0.1:4001/sms");
        assert_eq!((s.channels.email.host.as_str(), s.channels.email.port), ("127.0.0.1", 4002));
        assert!(s.database.url.expose().ends_with("tocsin.db"));
    }
}
