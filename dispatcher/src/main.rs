//! `tocsin`: the dispatcher binary. Each subcommand lives in `cli/`.

use std::process::ExitCode;

fn main() -> ExitCode {
    dispatcher::cli::run()
}
