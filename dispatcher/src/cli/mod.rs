//! The command line: parsing arguments and dispatching to each subcommand.

mod cap_convert;
mod validate;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Tocsin: an open, vendor-independent public warning system.
#[derive(Parser, Debug)]
#[command(name = "tocsin", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Validate CAP files and print their findings. Exits 1 if any file has an error.
    Validate(validate::Args),
    /// Upgrade a CAP 1.0 or 1.1 file to CAP 1.2 and print it.
    CapConvert(cap_convert::Args),
}

/// Runs the command line and returns the process exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Validate(a) => validate::run(&a),
        Command::CapConvert(a) => cap_convert::run(&a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("tocsin: {e:#}");
            ExitCode::from(2)
        }
    }
}
