//! The application: database, settings, the secret key and metrics, shared by the HTTP server,
//! background tasks and the command line.

use std::ops::Deref;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;

use crate::config::Settings;
use crate::db::{self, Db};
use crate::domain::crypto::SecretKey;
use crate::fanout::registry::Registry;
use crate::fanout::targeting::Targeting;
use crate::fanout::wake::Wake;
use crate::metrics::Metrics;

/// The application, cheap to clone.
#[derive(Clone, Debug)]
pub struct App(Arc<Inner>);

/// What the application holds.
#[derive(Debug)]
pub struct Inner {
    /// The database.
    pub db: Db,
    /// The settings.
    pub settings: Settings,
    /// The key that encrypts stored secrets.
    pub key: SecretKey,
    /// Prometheus metrics.
    pub metrics: Metrics,
    /// Wake-ups for planners and channel workers.
    pub wake: Arc<Wake>,
    /// The targeting index.
    pub targeting: Arc<Targeting>,
    /// The running channels and their events.
    pub channels: Arc<Registry>,
    /// Device acknowledgements waiting to be stored together.
    pub acks: crate::domain::device_acks::AckQueue,
    /// The CAP signing key and the certificates trusted for signed CAP.
    pub signatures: crate::domain::signatures::Signatures,
    /// The children this instance hands its alerts to (`[cascade]`).
    pub cascade: crate::domain::cascade::Children,
    /// Long polls per device and pairing tries per network (`domain/device_limits.rs`).
    pub device_limits: crate::domain::device_limits::DeviceLimits,
}

/// A handle on the application that does not keep it alive (for its own background tasks).
#[derive(Clone, Debug)]
pub struct WeakApp(std::sync::Weak<Inner>);

impl WeakApp {
    /// The application, while it lives.
    pub fn upgrade(&self) -> Option<App> {
        self.0.upgrade().map(App)
    }
}

impl Deref for App {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl App {
    /// Opens the database, applies migrations and loads the secret key.
    pub async fn open(settings: Settings) -> anyhow::Result<App> {
        db::set_query_timeout(std::time::Duration::from_secs(u64::from(settings.database.query_timeout_seconds)));
        let db = db::connect(&settings.database).await?;
        db.migrate().await.context("applying database migrations")?;
        let key = secret_key(&settings)?;
        check_key(&db, &key).await?;
        let signatures = crate::domain::signatures::Signatures::load(&settings)?;
        let cascade = crate::domain::cascade::Children::load(&settings, &db).await?;
        let inner = Inner {
            db,
            settings,
            key,
            metrics: Metrics::new(),
            wake: Arc::default(),
            targeting: Arc::default(),
            channels: Arc::default(),
            acks: Default::default(),
            signatures,
            cascade,
            device_limits: Default::default(),
        };
        Ok(App(Arc::new(inner)))
    }

    /// A handle that does not keep the application alive.
    pub fn downgrade(&self) -> WeakApp {
        WeakApp(Arc::downgrade(&self.0))
    }
}

/// The configured key, or the one in the key file (created on first start, readable by its
/// owner only).
fn secret_key(settings: &Settings) -> anyhow::Result<SecretKey> {
    let configured = settings.security.secret_key.expose();
    if !configured.is_empty() {
        return Ok(SecretKey::from_base64(configured)?);
    }
    let key_file = match (settings.security.secret_key_file.as_str(), sqlite_file(settings.database.url.expose())) {
        ("", Some(db)) => PathBuf::from(format!("{}.key", db.display())),
        ("", None) => PathBuf::from("tocsin.key"),
        (file, _) => PathBuf::from(file),
    };
    if key_file.exists() {
        let text = std::fs::read_to_string(&key_file).with_context(|| format!("reading {}", key_file.display()))?;
        return SecretKey::from_base64(&text).with_context(|| format!("{} holds no valid key", key_file.display()));
    }
    let text = SecretKey::generate_base64();
    write_private(&key_file, &text)?;
    tracing::warn!(file = %key_file.display(), "generated the secret key; keep this file, and share it (or security.secret_key) with every instance");
    Ok(SecretKey::from_base64(&text)?)
}

/// Refuses a key other than the one the database was set up with (recording it the first
/// time), so that instances sharing a database cannot run with different keys.
async fn check_key(db: &Db, key: &SecretKey) -> anyhow::Result<()> {
    let mine = key.lookup_hash("key-check", "tocsin instance key");
    let mut tx = db.begin().await?;
    let stored = db::key_check::set_once(&mut tx, &mine).await?;
    tx.commit().await?;
    anyhow::ensure!(
        stored == mine,
        "the secret key is not the one this database was set up with: every instance on a database must use \
         the same security.secret_key (or the same key file); with another key no stored secret can be read"
    );
    Ok(())
}

/// Where the first administrator's one-time password is written on first start (never to the
/// log: issue 18, item 18): beside the SQLite database (`FILE.first-admin`), else
/// `tocsin.first-admin` in the working directory; removed when that password is changed.
pub fn first_admin_file(settings: &Settings) -> PathBuf {
    match sqlite_file(settings.database.url.expose()) {
        Some(db) => PathBuf::from(format!("{}.first-admin", db.display())),
        None => PathBuf::from("tocsin.first-admin"),
    }
}

/// Writes the first administrator's one-time password to [`first_admin_file`], readable by
/// its owner only, replacing a file an earlier start left (its account no longer exists).
pub fn write_first_admin_password(settings: &Settings, password: &str) -> anyhow::Result<PathBuf> {
    let file = first_admin_file(settings);
    match std::fs::remove_file(&file) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(e).with_context(|| format!("removing {}", file.display()));
        }
        _ => {}
    }
    write_private(&file, &format!("{password}\n"))?;
    Ok(file)
}

/// The file of a `sqlite:` URL.
fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

#[cfg(unix)]
fn write_private(path: &std::path::Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    f.write_all(text.as_bytes())?;
    Ok(())
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).with_context(|| format!("creating {}", path.display()))
}
