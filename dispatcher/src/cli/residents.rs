//! `tocsin residents import FILE`: residents from a municipal list (CSV), every bad row
//! reported with its line, nothing imported from a file with bad rows unless told to skip them.

use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;

use crate::config::Settings;
use crate::domain::audit::Actor;
use crate::domain::residents::import::{self, Options};

#[derive(Subcommand, Debug)]
pub enum ResidentsCommand {
    /// Import residents from a CSV file with a header: phone and/or email, lat and lon or area
    /// (a named area's name or id), language. Imported addresses count as verified.
    Import {
        /// The CSV file.
        file: PathBuf,
        /// Import the good rows even if some rows are bad.
        #[arg(long)]
        skip_bad_rows: bool,
        /// Check the file and report, storing nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// Runs a residents command.
pub async fn run(settings: Settings, c: &ResidentsCommand) -> anyhow::Result<ExitCode> {
    let ResidentsCommand::Import { file, skip_bad_rows, dry_run } = c;
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let app = crate::app::App::open(settings).await?;
    let tty = std::io::stderr().is_terminal();
    let mut progress = |done: usize, total: usize| {
        if tty && total > 0 {
            eprint!("\r{}", bar(done, total));
            let _ = std::io::stderr().flush();
        }
    };
    let opts = Options { skip_bad_rows: *skip_bad_rows, dry_run: *dry_run };
    let report = import::import(&app, (&Actor::System, "cli"), &text, opts, &mut progress).await?;
    if tty {
        eprintln!();
    }
    for bad in &report.bad {
        eprintln!("{bad}");
    }
    for (line, masked) in &report.duplicates {
        eprintln!("line {line}: {masked}: already subscribed, skipped");
    }
    if report.refused {
        eprintln!(
            "nothing imported: {} bad rows of {}; fix them, or pass --skip-bad-rows to import the others",
            report.bad.len(),
            report.rows
        );
        return Ok(ExitCode::from(1));
    }
    let verb = if *dry_run { "would import" } else { "imported" };
    println!(
        "{verb} {} subscriptions from {} rows; {} duplicates skipped; {} bad rows skipped",
        report.imported,
        report.rows,
        report.duplicates.len(),
        report.bad.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// A progress bar of 30 cells: `importing [#########.....................]  30% (300/1000)`.
fn bar(done: usize, total: usize) -> String {
    let filled = done.min(total) * 30 / total.max(1);
    format!(
        "importing [{}{}] {:>3}% ({done}/{total})",
        "#".repeat(filled),
        ".".repeat(30 - filled),
        done.min(total) * 100 / total.max(1)
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_bar_fills_with_the_rows_stored() {
        assert_eq!(super::bar(0, 10), format!("importing [{}]   0% (0/10)", ".".repeat(30)));
        assert_eq!(super::bar(5, 10), format!("importing [{}{}]  50% (5/10)", "#".repeat(15), ".".repeat(15)));
        assert_eq!(super::bar(10, 10), format!("importing [{}] 100% (10/10)", "#".repeat(30)));
    }
}
