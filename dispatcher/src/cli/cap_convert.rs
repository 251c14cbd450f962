//! `tocsin cap-convert`: CAP 1.0 or 1.1 in, canonical CAP 1.2 out.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use cap_alerts::{Mode, Reader};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The CAP file (1.0, 1.1 or 1.2).
    file: PathBuf,
    /// Convert even if the message has errors, leaving out what cannot be read.
    #[arg(long)]
    lenient: bool,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(&args.file).with_context(|| format!("cannot read {}", args.file.display()))?;
    let mode = if args.lenient { Mode::Lenient } else { Mode::Strict };
    match Reader::new().mode(mode).read(&bytes) {
        Ok(doc) => {
            for u in &doc.upgrades {
                eprintln!("upgrade {} {}: {}", u.code, u.path, u.message);
            }
            for f in &doc.findings {
                eprintln!("{f}");
            }
            print!("{}", cap_alerts::write(&doc.alert));
            Ok(ExitCode::SUCCESS)
        }
        Err(rejection) => {
            for f in &rejection.findings {
                eprintln!("{f}");
            }
            eprintln!("{}: not converted (use --lenient to convert what can be read)", args.file.display());
            Ok(ExitCode::FAILURE)
        }
    }
}
