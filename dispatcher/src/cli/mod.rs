//! The command line: parsing arguments and dispatching to each subcommand. With no subcommand,
//! `tocsin` serves.

mod admin;
mod agent;
mod cap_convert;
mod demo;
mod device;
mod redact;
mod residents;
mod validate;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{self, Settings};

/// Tocsin: an open, vendor-independent public warning system.
#[derive(Parser, Debug)]
#[command(name = "tocsin", version, about)]
struct Cli {
    /// A TOML configuration file (also TOCSIN_CONFIG); TOCSIN_* variables override it.
    #[arg(long, global = true, value_name = "FILE", env = "TOCSIN_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the dispatcher (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage staff accounts.
    #[command(subcommand)]
    User(admin::UserCommand),
    /// Manage API tokens for integrations.
    #[command(subcommand)]
    Token(admin::TokenCommand),
    /// Check the audit log.
    #[command(subcommand)]
    Audit(admin::AuditCommand),
    /// Manage named areas.
    #[command(subcommand)]
    Area(admin::AreaCommand),
    /// Manage sirens and displays.
    #[command(subcommand)]
    Device(device::DeviceCommand),
    /// Residents' subscriptions: import a municipal list.
    #[command(subcommand)]
    Residents(residents::ResidentsCommand),
    /// Show the effective configuration (secrets redacted) and check it.
    Config,
    /// Validate CAP files and print their findings. Exits 1 if any file has an error.
    Validate(validate::Args),
    /// Upgrade a CAP 1.0 or 1.1 file to CAP 1.2 and print it.
    CapConvert(cap_convert::Args),
    /// Run the reference device agent: poll a Tocsin server as a siren or display and run a
    /// program for each command.
    DeviceAgent(agent::Args),
    /// Run a demo town on a temporary database: staff accounts, simulated sirens, displays and
    /// residents, and loopback receivers for their messages. Prints where to sign in.
    Demo(demo::Args),
}

fn settings(cli: &Cli) -> anyhow::Result<Settings> {
    Ok(config::load(cli.config.as_deref(), std::env::vars())?)
}

/// Runs the command line and returns the process exit code.
pub fn run() -> ExitCode {
    run_from(std::env::args_os())
}

/// Runs the command line given as `args` (the first being the program's name), as the binary
/// does with its own: the benchmarks run the dispatcher through it in a process of their own.
pub fn run_from<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = Cli::parse_from(args);
    let result = match &cli.command {
        Some(Command::Validate(a)) => validate::run(a),
        Some(Command::CapConvert(a)) => cap_convert::run(a),
        // A device has no server settings: it only needs its own arguments.
        Some(Command::DeviceAgent(a)) => agent::run(a),
        // The demo makes its own settings: no configuration file or TOCSIN_* variable is read.
        Some(Command::Demo(a)) => runtime().and_then(|rt| rt.block_on(demo::run(a))),
        _ => runtime().and_then(|rt| rt.block_on(run_async(&cli))),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("tocsin: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}

async fn run_async(cli: &Cli) -> anyhow::Result<ExitCode> {
    let settings = settings(cli)?;
    match &cli.command {
        None | Some(Command::Serve) => crate::server::serve(settings).await.map(|()| ExitCode::SUCCESS),
        Some(Command::Migrate) => admin::migrate(settings).await,
        Some(Command::User(c)) => admin::user(settings, c).await,
        Some(Command::Token(c)) => admin::token(settings, c).await,
        Some(Command::Audit(c)) => admin::audit(settings, c).await,
        Some(Command::Area(c)) => admin::area(settings, c).await,
        Some(Command::Device(c)) => device::run(settings, c).await,
        Some(Command::Residents(c)) => residents::run(settings, c).await,
        Some(Command::Config) => {
            println!("{}", redact::shown(&settings)?);
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Validate(_) | Command::CapConvert(_) | Command::DeviceAgent(_) | Command::Demo(_)) => {
            Ok(ExitCode::SUCCESS)
        }
    }
}
