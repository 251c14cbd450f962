//! Running the server: logging, the first administrator, background tasks (expiry, purging
//! ended sessions and residents' data past its retention), and the HTTP listener with graceful
//! shutdown.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::app::App;
use crate::config::Settings;
use crate::db::{login_failures, now_ms, sessions};
use crate::domain::accounts;
use crate::domain::alerts::expiry;

/// Installs the one TLS crypto provider (ring) for every rustls user in the process.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Starts logging as the settings say. Personal data never reaches the log: handlers log
/// errors and request lines, not bodies.
pub fn init_logging(settings: &Settings) {
    let filter = log_filter(&settings.log.level);
    use std::io::IsTerminal as _;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    let _ = if settings.log.format == "json" { builder.json().try_init() } else { builder.try_init() };
}

/// Crates that log personal data below `info`: rusmpp writes whole PDUs (phone numbers and
/// texts, verification codes included) at `debug`.
const CHATTY: &[&str] = &["rusmpp", "rusmppc"];

/// The log filter of a `log.level`: as given, with the crates of [`CHATTY`] held at `info`
/// unless the level names them itself (for debugging a peer, never in production).
pub fn log_filter(level: &str) -> tracing_subscriber::EnvFilter {
    let mut directives = level.to_owned();
    for c in CHATTY {
        if !level.contains(c) {
            directives.push_str(&format!(",{c}=info"));
        }
    }
    tracing_subscriber::EnvFilter::try_new(&directives).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"))
}

/// Opens the application, creates the first administrator if there is none (printing the
/// one-time password), and serves until interrupted.
pub async fn serve(settings: Settings) -> anyhow::Result<()> {
    install_crypto_provider();
    init_logging(&settings);
    let app = App::open(settings).await?;
    if let Some(password) = accounts::ensure_first_admin(&app).await? {
        // The password goes to a file only its owner reads, never to stderr: a service's
        // stderr is the journal or the container log, which many people read.
        let file = crate::app::write_first_admin_password(&app.settings, &password)?;
        eprintln!("\n  First start: the administrator account `admin` was created.");
        eprintln!("    Its one-time password is in {} (readable by this user only).", file.display());
        eprintln!("  Sign in with it, change it (the file is then removed) and enrol a second factor.\n");
    }
    let listener = TcpListener::bind(&app.settings.server.listen)
        .await
        .with_context(|| format!("listening on {}", app.settings.server.listen))?;
    serve_app(app, listener, shutdown_signal()).await
}

/// Runs what a started server runs on an open application and a bound listener: the
/// background tasks, the fan-out engine and HTTP, until `shutdown` completes; then closes the
/// database. `tocsin demo` serves through this too.
pub async fn serve_app(
    app: App,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let https = !app.settings.server.tls_certificate_file.is_empty();
    tracing::info!(address = %listener.local_addr()?, backend = ?app.db.backend(), https, "Tocsin is listening");
    app.signatures.log_start();
    let closed = crate::config::SmsCountries::Only(Vec::new());
    if app.settings.channels.sms.enabled && app.settings.residents.sms_countries() == closed {
        tracing::warn!(
            "SMS sign-ups are refused: set residents.default_country_code (or residents.sms_countries) to open them"
        );
    }
    let background = spawn_background(app.clone());
    let watcher = tokio::spawn(watch_database(app.clone()));
    let feeds = tokio::spawn(crate::domain::feeds::poll::run(app.clone()));
    let reports = tokio::spawn(crate::domain::cascade::report::run(app.clone()));
    let engine = crate::fanout::spawn(&app, crate::fanout::configured_channels(&app).await?);
    let result = run(app.clone(), listener, shutdown).await;
    background.abort();
    watcher.abort();
    feeds.abort();
    reports.abort();
    engine.iter().for_each(JoinHandle::abort);
    app.db.close().await;
    result
}

/// Serves HTTP on a listener until `shutdown` completes.
pub async fn run(
    app: App,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let server = &app.settings.server;
    let tls = if server.tls_certificate_file.is_empty() {
        None
    } else {
        Some(crate::tls::acceptor(&server.tls_certificate_file, &server.tls_key_file)?)
    };
    let hsts = server.hsts();
    let router = crate::http::router(app);
    match tls {
        None => {
            let service = router.into_make_service_with_connect_info::<SocketAddr>();
            axum::serve(listener, service).with_graceful_shutdown(shutdown).await
        }
        Some(acceptor) => {
            use axum::serve::ListenerExt;
            let service =
                crate::tls::with_hsts(router, hsts.as_deref())?.into_make_service_with_connect_info::<SocketAddr>();
            // `tap_io` (doing nothing) gives the listener the client's address as connect info.
            let tls = crate::tls::TlsListener::new(listener, acceptor)?.tap_io(|_| ());
            axum::serve(tls, service).with_graceful_shutdown(shutdown).await
        }
    }
    .context("the HTTP server failed")
}

/// Expiry every ten seconds; purging ended sessions, old login failures and residents' data
/// past its retention (`[residents]`) every five minutes.
pub fn spawn_background(app: App) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(10));
        let mut n: u64 = 0;
        loop {
            tick.tick().await;
            if let Err(e) = expiry::expire_due(&app).await {
                tracing::warn!(error = %e, "expiring alerts failed; will retry");
            }
            if n.is_multiple_of(30)
                && let Err(e) = purge(&app).await
            {
                tracing::warn!(error = %e, "purging sessions failed; will retry");
            }
            if n.is_multiple_of(30) {
                match crate::domain::residents::retention::purge(&app).await {
                    Ok(p) if p.deliveries + p.pending > 0 => tracing::info!(
                        deliveries = p.deliveries,
                        unconfirmed_sign_ups = p.pending,
                        "residents' data past its retention purged"
                    ),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "purging residents' old data failed; will retry"),
                }
            }
            n += 1;
        }
    })
}

/// Asks the database every five seconds whether it answers, and says so in the log when that
/// changes: a database cut off by the network gives no error of its own, only silence.
///
/// On PostgreSQL, when the pool has not answered for three checks running but the server
/// answers a connection of its own, the pool's connections are stuck on a network that went
/// silent (sqlx's unbounded ping on release can hold a slot for ever): the pool is replaced.
async fn watch_database(app: App) {
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    let mut up = true;
    let mut down_checks = 0u32;
    loop {
        tick.tick().await;
        let now_up = app.db.ping(Duration::from_secs(5)).await;
        if now_up != up {
            if now_up {
                tracing::info!("the database answers again; pending work resumes");
            } else {
                tracing::error!("the database does not answer within 5 s; work waits and is retried");
            }
            up = now_up;
        }
        down_checks = if now_up { 0 } else { down_checks + 1 };
        if let crate::db::Db::Postgres(pg) = &app.db
            && down_checks >= 3
            && pg.answers_fresh(Duration::from_secs(5)).await
        {
            match pg.renew() {
                Ok(()) => {
                    tracing::warn!("PostgreSQL answers, but the pool's connections did not: the pool was renewed")
                }
                Err(e) => tracing::warn!(error = %e, "renewing the PostgreSQL pool failed; will retry"),
            }
            down_checks = 0;
        }
    }
}

async fn purge(app: &App) -> Result<(), sqlx::Error> {
    let sec = &app.settings.security;
    let mut tx = app.db.begin().await?;
    sessions::purge(&mut tx, i64::from(sec.session_idle_minutes) * 60_000).await?;
    login_failures::purge(&mut tx, now_ms() - i64::from(sec.login_window_minutes) * 60_000).await?;
    tx.commit().await
}

/// Completes at SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
