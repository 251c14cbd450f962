//! Administration from the command line, run as an operator runs it, on both backends.

use std::process::{Command, Output};

use crate::support::{Backend, fresh_database};

pub struct Cli {
    pub url: String,
    key: String,
    pg: Option<(String, String)>,
    _dir: tempfile::TempDir,
}

impl Drop for Cli {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.pg.take() {
            crate::support::drop_database(admin, name);
        }
    }
}

impl Cli {
    pub async fn new(backend: Backend) -> Option<Cli> {
        let dir = tempfile::tempdir().unwrap();
        let (url, pg) = fresh_database(backend, dir.path()).await?;
        Some(Cli { url, key: dispatcher::domain::crypto::SecretKey::generate_base64(), pg, _dir: dir })
    }

    pub fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tocsin"));
        cmd.args(args)
            .env("TOCSIN_DATABASE_URL", &self.url)
            .env("TOCSIN_SECURITY_SECRET_KEY", &self.key)
            .env("TOCSIN_LOG_LEVEL", "warn");
        match stdin {
            None => cmd.output().unwrap(),
            Some(text) => {
                use std::io::Write as _;
                let mut child = cmd
                    .stdin(std::process::Stdio::piped())
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap();
                child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
                child.wait_with_output().unwrap()
            }
        }
    }
}

pub fn out(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

async fn users_tokens_areas_and_audit(backend: Backend) {
    let Some(cli) = Cli::new(backend).await else { return };
    let o = cli.run(&["migrate"], None);
    assert!(o.status.success(), "{}", out(&o));
    let o = cli.run(&["user", "add", "ana", "--roles", "author,approver", "--display-name", "Ana Nováková"], None);
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("one-time password (must be changed at first login): "), "{}", out(&o));
    let o =
        cli.run(&["user", "add", "boris", "--roles", "approver", "--password-stdin"], Some("a password of length\n"));
    assert!(o.status.success() && !out(&o).contains("one-time"), "{}", out(&o));
    let o = cli.run(&["user", "add", "cyril", "--roles", "commander"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(out(&o).contains("\"commander\" is not a role"), "{}", out(&o));
    let list = out(&cli.run(&["user", "list"], None));
    assert!(list.contains("ana") && list.contains("Ana Nováková") && list.contains("must-change-password"), "{list}");
    assert!(cli.run(&["user", "disable", "ana"], None).status.success());
    assert!(out(&cli.run(&["user", "list"], None)).contains("disabled"));

    let o = cli.run(&["token", "create", "roc", "--role", "author", "--scopes", "cap"], None);
    let text = out(&o);
    assert!(o.status.success() && text.contains("token (shown only now): tocsin_"), "{text}");
    assert!(
        !out(&cli.run(&["token", "list"], None)).contains(text.split("now): ").nth(1).unwrap().trim()),
        "listed without its value"
    );
    assert!(cli.run(&["token", "revoke", "roc"], None).status.success());
    assert!(out(&cli.run(&["token", "list"], None)).contains("revoked"));

    let dir = tempfile::tempdir().unwrap();
    let geo = dir.path().join("areas.geojson");
    std::fs::write(&geo, r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"Old Town"},"geometry":{"type":"Polygon","coordinates":[[[17.0,48.1],[17.2,48.1],[17.2,48.2],[17.0,48.2],[17.0,48.1]]]}}]}"#).unwrap();
    let o = cli.run(&["area", "import", geo.to_str().unwrap()], None);
    assert!(o.status.success() && out(&o).contains("Old Town"), "{}", out(&o));

    let o = cli.run(&["audit", "verify"], None);
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("the audit log is intact: 6 rows"), "{}", out(&o));
}

#[tokio::test]
async fn administration_on_sqlite() {
    users_tokens_areas_and_audit(Backend::Sqlite).await;
}

#[tokio::test]
async fn administration_on_postgres() {
    users_tokens_areas_and_audit(Backend::Postgres).await;
}

#[tokio::test]
async fn audit_verify_fails_on_a_changed_row() {
    let Some(cli) = Cli::new(Backend::Sqlite).await else { return };
    assert!(cli.run(&["user", "add", "ana", "--roles", "author"], None).status.success());
    assert!(cli.run(&["user", "add", "boris", "--roles", "author"], None).status.success());
    use sqlx::Connection as _;
    let mut c = sqlx::SqliteConnection::connect(&cli.url).await.unwrap();
    sqlx::query("DROP TRIGGER audit_log_no_update").execute(&mut c).await.unwrap();
    sqlx::query("UPDATE audit_log SET actor = 'user:mallory' WHERE seq = 1").execute(&mut c).await.unwrap();
    c.close().await.unwrap();
    let o = cli.run(&["audit", "verify"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).contains("BROKEN at row 1"), "{}", out(&o));
}

#[test]
fn configuration_errors_name_the_key() {
    let o =
        Command::new(env!("CARGO_BIN_EXE_tocsin")).args(["config"]).env("TOCSIN_SERVR_LISTEN", "x").output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(out(&o).contains("unknown setting `TOCSIN_SERVR_LISTEN`"), "{}", out(&o));
    let o = Command::new(env!("CARGO_BIN_EXE_tocsin"))
        .args(["config"])
        .env("TOCSIN_DATABASE_URL", "postgres://u:hunter2@db/x")
        .env("TOCSIN_SECURITY_SECRET_KEY", dispatcher::domain::crypto::SecretKey::generate_base64())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", out(&o));
    assert!(!out(&o).contains("hunter2") && out(&o).contains("[redacted]"), "secrets are never printed: {}", out(&o));
}

#[tokio::test]
async fn devices_from_the_command_line() {
    let Some(cli) = Cli::new(Backend::Sqlite).await else { return };
    let o = cli.run(
        &["device", "add", "Levice 1", "--kind", "siren", "--lat", "48.2", "--lon", "18.6", "--groups", "levice,south"],
        None,
    );
    assert!(o.status.success(), "{}", out(&o));
    let text = out(&o);
    let secret = text.lines().find_map(|l| l.strip_prefix("secret (shown only now): ")).unwrap().to_owned();
    assert!(secret.starts_with("tdv_1_"), "{text}");
    let o = cli.run(&["device", "add", "Bad", "--kind", "horn", "--lat", "48.2", "--lon", "18.6"], None);
    assert!(!o.status.success());
    assert!(out(&o).contains("siren or display"), "{}", out(&o));
    let list = out(&cli.run(&["device", "list"], None));
    assert!(list.contains("Levice 1") && list.contains("never-seen") && list.contains("levice,south"), "{list}");
    assert!(!list.contains(&secret), "the secret is shown once");
    let o = cli.run(&["device", "pair", "1"], None);
    assert!(out(&o).contains("pairing code for device 1: "), "{}", out(&o));
    let o = cli.run(&["device", "rotate", "1"], None);
    assert!(out(&o).contains("new secret for device 1"), "{}", out(&o));
    assert!(cli.run(&["device", "revoke", "1"], None).status.success());
    assert!(out(&cli.run(&["device", "list"], None)).contains("revoked"));
    assert!(!cli.run(&["device", "revoke", "1"], None).status.success(), "revoking twice is an error");
}
