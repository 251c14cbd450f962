//! `tocsin device-agent`: the reference device agent, for a siren or display controller that can
//! run a program (a Raspberry Pi driving a relay, a sign's own Linux board).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;

use crate::agent::{self, AgentConfig, Handlers};
use crate::config::Secret;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The Tocsin server's URL, such as https://tocsin.example.
    #[arg(long, value_name = "URL")]
    server: String,
    /// The device's secret (tdv_…), as `tocsin device add` printed it.
    #[arg(long, env = "TOCSIN_DEVICE_SECRET", hide_env_values = true, value_parser = secret)]
    secret: Secret,
    /// The shell command to run for a siren signal, such as
    /// `--on sk-general-danger='relay on 1; sleep $TOCSIN_SECONDS; relay off 1'`. It gets the
    /// command's JSON on stdin and TOCSIN_SIGNAL, TOCSIN_SECONDS, TOCSIN_ALERT, TOCSIN_MODE,
    /// TOCSIN_MSG_TYPE and TOCSIN_COMMAND in its environment. Repeatable.
    #[arg(long = "on", value_name = "SIGNAL=COMMAND", value_parser = on_signal)]
    on: Vec<(String, String)>,
    /// The shell command to run for commands without a signal (displays).
    #[arg(long, value_name = "COMMAND")]
    on_display: Option<String>,
    /// How often to send a heartbeat.
    #[arg(long, value_name = "N", default_value_t = 30)]
    heartbeat_seconds: u64,
    /// How long one poll may wait for a change (1 to 60).
    #[arg(long, value_name = "N", default_value_t = 30)]
    wait_seconds: u64,
    /// A file to remember the commands already taken on, so that a restart runs none twice.
    #[arg(long, value_name = "PATH")]
    state_file: Option<PathBuf>,
}

fn secret(s: &str) -> Result<Secret, String> {
    if s.is_empty() { Err("the secret is empty".into()) } else { Ok(Secret::new(s)) }
}

fn on_signal(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((code, command)) if !code.is_empty() && !command.trim().is_empty() => {
            Ok((code.to_string(), command.to_string()))
        }
        _ => Err(format!("{s:?} is not SIGNAL=COMMAND")),
    }
}

/// Runs the agent until it is stopped; exits 2 when the server refuses the secret.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    init_logging();
    let config = AgentConfig {
        server: args.server.clone(),
        secret: args.secret.clone(),
        handlers: Handlers { signals: args.on.iter().cloned().collect(), display: args.on_display.clone() },
        heartbeat: Duration::from_secs(args.heartbeat_seconds),
        wait_seconds: args.wait_seconds,
        state_file: args.state_file.clone(),
    };
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    rt.block_on(agent::run(config)).context("the device agent stopped")?;
    Ok(ExitCode::SUCCESS)
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("RUST_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}
