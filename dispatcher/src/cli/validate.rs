//! `tocsin validate`: findings for CAP files, as text or JSON.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use cap_alerts::feed::{Feed, read_feed};
use cap_alerts::sign::{Certificate, TrustPolicy, verify};
use cap_alerts::{AuEventList, Code, Finding, Mode, Profile, ReadOptions, Reader, Report};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Also apply a profile's rules: ipaws, cap-cp, cap-au, meteoalarm or tocsin.
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    /// Report the same findings, but also show the model that lenient reading still yields.
    #[arg(long)]
    lenient: bool,
    /// Print JSON: one object per file with its findings.
    #[arg(long)]
    json: bool,
    /// The CAP-AU event list (AUeventLIST 1.0 CSV) for `--profile cap-au`.
    #[arg(long, value_name = "CSV")]
    au_event_list: Option<PathBuf>,
    /// Refuse files larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 1024 * 1024)]
    max_bytes: usize,
    /// Also verify the XML signature of each CAP file now, trusting the certificates of this
    /// PEM file (a signer's own, or a CA's); repeatable. A missing, broken or untrusted
    /// signature is then an error.
    #[arg(long, value_name = "PEM")]
    trust: Vec<PathBuf>,
    /// With --trust: accept the legacy SHA-1 digest and RSA-SHA1 signature.
    #[arg(long, requires = "trust")]
    allow_legacy_sha1: bool,
    /// List every finding code with its rule, and exit.
    #[arg(long, exclusive = true)]
    codes: bool,
    /// The CAP files.
    #[arg(required_unless_present = "codes")]
    files: Vec<PathBuf>,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    if args.codes {
        print!("{}", cap_alerts::catalogue_markdown());
        return Ok(ExitCode::SUCCESS);
    }
    let reader = reader(args)?;
    let trust = trust(args)?;
    let mut any_error = false;
    let mut json = Vec::new();
    for file in &args.files {
        let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
        let report = reader.check(&bytes);
        let not_cap = report.findings.iter().any(|f| f.code == Code::NotCap);
        match read_feed(&bytes, &ReadOptions { max_bytes: args.max_bytes, ..ReadOptions::default() }) {
            Ok(feed) if not_cap => {
                any_error |= feed.has_errors();
                if args.json {
                    json.push(serde_json::json!({ "file": file, "ok": !feed.has_errors(), "feed": feed }));
                } else {
                    print_feed(file, &feed);
                }
            }
            _ => {
                let signature = trust.as_ref().map(|t| verify_signature(&bytes, t));
                let refused = signature.as_ref().is_some_and(|s| s["verified"] == false);
                any_error |= report.has_errors() || refused;
                if args.json {
                    let ok = !report.has_errors() && !refused;
                    json.push(serde_json::json!({ "file": file, "ok": ok, "report": report, "signature": signature }));
                } else {
                    print_text(file, &report, args.lenient);
                    if let Some(s) = signature {
                        println!("  signature: {}", s["text"].as_str().unwrap_or_default());
                    }
                }
            }
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&json)?);
    }
    Ok(if any_error { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

fn reader(args: &Args) -> anyhow::Result<Reader> {
    let mode = if args.lenient { Mode::Lenient } else { Mode::Strict };
    let mut reader = Reader::new().mode(mode).max_bytes(args.max_bytes);
    if let Some(name) = &args.profile {
        let Some(mut profile) = Profile::by_name(name) else {
            bail!("unknown profile {name:?}; known: {}", Profile::NAMES.join(", "));
        };
        if let (Profile::CapAu(list), Some(path)) = (&mut profile, &args.au_event_list) {
            let csv = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
            *list = Some(AuEventList::from_csv(&csv)?);
        }
        reader = reader.profile(profile);
    }
    Ok(reader)
}

/// The trust policy of `--trust`, if given.
fn trust(args: &Args) -> anyhow::Result<Option<TrustPolicy>> {
    if args.trust.is_empty() {
        return Ok(None);
    }
    let mut trusted = Vec::new();
    for path in &args.trust {
        let pem = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        trusted.extend(Certificate::from_pem(&pem).with_context(|| path.display().to_string())?);
    }
    Ok(Some(TrustPolicy {
        trusted,
        allow_sha1: args.allow_legacy_sha1,
        max_bytes: args.max_bytes,
        ..TrustPolicy::default()
    }))
}

/// The signature's verdict now: `verified`, the signer or the reason, and a line of text.
fn verify_signature(bytes: &[u8], trust: &TrustPolicy) -> serde_json::Value {
    match verify(bytes, trust, chrono::Utc::now().timestamp()) {
        Ok(v) => {
            let first = v.signers.first();
            let (subject, alg) = first.map_or(("", ""), |s| (s.subject.as_str(), s.algorithm.as_str()));
            let text = format!("verified, signed by {subject} ({alg})");
            serde_json::json!({ "verified": true, "signer": subject, "algorithm": alg, "text": text })
        }
        Err(e) => {
            let text = format!("REFUSED ({}): {e}", e.reason());
            serde_json::json!({ "verified": false, "reason": e.reason(), "text": text })
        }
    }
}

fn summary(file: &std::path::Path, what: &str, findings: &[Finding]) {
    let errors = findings.iter().filter(|f| f.is_error()).count();
    let warnings = findings.len() - errors;
    let verdict = if errors == 0 { "valid" } else { "INVALID" };
    println!("{}: {verdict}{what}, {errors} error(s), {warnings} warning(s)", file.display());
    for f in findings {
        println!("  {f}");
    }
}

fn print_feed(file: &std::path::Path, feed: &Feed) {
    let what = format!(" ({:?} feed, {} entries)", feed.kind, feed.entries.len());
    summary(file, &what, &feed.all_findings());
}

fn print_text(file: &std::path::Path, report: &Report, lenient: bool) {
    let version = report.version.map_or(String::new(), |v| format!(" (CAP {})", v.as_str()));
    summary(file, &version, &report.findings);
    for u in &report.upgrades {
        println!("  upgrade {} {}: {}", u.code, u.path, u.message);
    }
    if lenient {
        let relay = if report.alert.is_some() { "yes" } else { "no: required elements are missing or unreadable" };
        println!("  lenient model: {relay}");
    }
}
