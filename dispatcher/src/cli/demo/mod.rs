//! `tocsin demo`: the real server on a temporary SQLite database with a demo town (areas,
//! bilingual templates, staff accounts), simulated sirens and displays running the reference
//! device agent in this process, and a few hundred simulated residents whose push, SMS and
//! email go to loopback receivers the demo starts itself. It prints where to sign in and what
//! to try, then a tally of what the receivers got; Ctrl-C (or SIGTERM) stops everything and
//! removes the temporary directory unless `--keep`. docs/demo.md explains the printout.

mod devices;
mod printout;
mod receivers;
mod residents;
mod settings;
mod smtp;
mod templates;
mod town;

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::app::App;
use crate::server;

/// How long open connections (a display page's long poll) may hold up the stop.
const STOP_GRACE: Duration = Duration::from_secs(3);

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The port to serve on, on 127.0.0.1 only; 0 picks a free one (printed).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Keep the temporary directory (database, key, configuration) at exit.
    #[arg(long)]
    keep: bool,
    /// How many simulated residents.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u16).range(10..=5000))]
    residents: u16,
}

/// What the demo put in its database.
struct Town {
    accounts: Vec<town::Account>,
    subscribed: residents::Subscribed,
    devices: Vec<devices::Device>,
}

/// Fills the new database: areas, templates, staff, residents and devices.
async fn build(app: &App, args: &Args, peers: &receivers::Peers) -> anyhow::Result<Town> {
    town::add_areas(app).await?;
    templates::add(app).await?;
    let accounts = town::add_accounts(app).await?;
    let subscribed = residents::add(app, usize::from(args.residents), peers).await?;
    let devices = devices::register(app).await?;
    Ok(Town { accounts, subscribed, devices })
}

/// Runs the demo until Ctrl-C or SIGTERM.
pub async fn run(args: &Args) -> anyhow::Result<ExitCode> {
    // Listening for the stop at once: a signal during the set-up still removes the directory.
    let signal = tokio::spawn(server::shutdown_signal());
    server::install_crypto_provider();
    let dir = temporary_directory()?;
    let running = start(args, dir.path()).await?;
    running.until(signal).await?;
    clean_up(dir, args.keep)?;
    Ok(ExitCode::SUCCESS)
}

/// The demo while it runs.
struct Running {
    app: App,
    http: JoinHandle<anyhow::Result<()>>,
    agents: Vec<JoinHandle<()>>,
    tallying: JoinHandle<()>,
    stop: watch::Sender<bool>,
}

/// Starts the receivers, the server on a new database in `dir` and the devices' agents, and
/// prints the start text.
async fn start(args: &Args, dir: &Path) -> anyhow::Result<Running> {
    let listener = TcpListener::bind(("127.0.0.1", args.port))
        .await
        .with_context(|| format!("listening on 127.0.0.1:{} (another port: --port N, or --port 0)", args.port))?;
    let address = listener.local_addr()?;
    let base = format!("http://{address}");
    let tally = Arc::new(receivers::Tally::default());
    let peers = receivers::start(tally.clone()).await?;
    let settings = settings::write_and_load(dir, address, &peers)?;
    server::init_logging(&settings);
    let app = App::open(settings).await?;
    let mut town = build(&app, args, &peers).await?;

    let (stop, stopped) = watch::channel(false);
    let mut for_server = stopped.clone();
    let http = tokio::spawn(server::serve_app(app.clone(), listener, async move {
        let _ = for_server.wait_for(|s| *s).await;
    }));
    devices::pair_displays(&app, &base, &mut town.devices).await.context("pairing the demo's displays")?;
    let agents = devices::run_agents(&app, &base, &town.devices, &stopped);
    let start = printout::Start {
        base: &base,
        accounts: &town.accounts,
        devices: &town.devices,
        subscribed: town.subscribed,
        dir,
        keep: args.keep,
    };
    print!("{}", printout::start(&start));
    let tallying = tokio::spawn(printout::tally(tally, town.subscribed));
    Ok(Running { app, http, agents, tallying, stop })
}

impl Running {
    /// Runs until `signal` ends (or the server fails), then stops the devices and the server.
    async fn until(mut self, signal: JoinHandle<()>) -> anyhow::Result<()> {
        tokio::select! {
            _ = signal => {}
            ended = &mut self.http => {
                let _ = self.stop.send(true);
                ended.context("the demo server failed")??;
                anyhow::bail!("the demo server stopped by itself");
            }
        }
        println!("\nstopping the demo…");
        let _ = self.stop.send(true);
        // The agents first: a siren must not be left sounding, and their long polls would hold
        // the server's graceful stop.
        for a in self.agents {
            let _ = a.await;
        }
        self.tallying.abort();
        match tokio::time::timeout(STOP_GRACE, self.http).await {
            Ok(Ok(result)) => result?,
            Ok(Err(e)) => return Err(e).context("the demo server failed"),
            Err(_) => tracing::info!("open connections were closed at the stop"),
        }
        drop(self.app);
        Ok(())
    }
}

/// A new directory that only the user can enter: it holds the secret key and the accounts.
fn temporary_directory() -> anyhow::Result<tempfile::TempDir> {
    use std::os::unix::fs::PermissionsExt as _;
    tempfile::Builder::new()
        .prefix("tocsin-demo-")
        .permissions(std::fs::Permissions::from_mode(0o700))
        .tempdir()
        .context("making a temporary directory")
}

/// Removes the temporary directory, or says where it was kept.
fn clean_up(dir: tempfile::TempDir, keep: bool) -> anyhow::Result<()> {
    if keep {
        println!("kept {}", dir.keep().display());
        return Ok(());
    }
    let path = dir.path().to_owned();
    dir.close().with_context(|| format!("removing {}", path.display()))?;
    println!("removed {}", path.display());
    Ok(())
}
