//! `cargo run --release -p bench -- SCENARIO`: runs a benchmark scenario and prints its figures
//! as JSON. Scenarios: `cap`, `fanout`, `push`, `sms`, `email`, `devices`, `e2e`, or
//! `all`.

use std::time::Duration;

use anyhow::bail;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let scenario = args.first().map_or("all", String::as_str);
    let seconds: u64 = std::env::var("TOCSIN_BENCH_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(10);
    let budget = Duration::from_secs(seconds);
    let corpus = bench::corpus_dir();
    let results = match scenario {
        "cap" => vec![bench::cap::run(&corpus, budget)?],
        "fanout" => bench::fanout::run(bench::fanout::subscribers())?,
        "push" => vec![bench::push::run(bench::push::subscribers())?],
        "sms" => bench::sms::run(bench::sms::messages())?,
        "email" => bench::email::run(bench::email::messages())?,
        "devices" => vec![bench::devices::run(bench::devices::devices())?],
        // The devices scenario's load generator, started by it in a child process.
        "devices-load" => return bench::devices::load_main(&args[1..]),
        "e2e" => vec![bench::e2e::run(bench::e2e::sizes())?],
        // The end-to-end scenario's dispatcher, started by it in a child process.
        "e2e-dispatcher" => std::process::exit(match bench::e2e::dispatcher_main() {
            c if c == std::process::ExitCode::SUCCESS => 0,
            _ => 2,
        }),
        "all" => {
            let mut all = vec![bench::cap::run(&corpus, budget)?];
            all.extend(bench::fanout::run(bench::fanout::subscribers())?);
            all.push(bench::push::run(bench::push::subscribers())?);
            all.extend(bench::sms::run(bench::sms::messages())?);
            all.extend(bench::email::run(bench::email::messages())?);
            all.push(bench::devices::run(bench::devices::devices())?);
            all.push(bench::e2e::run(bench::e2e::sizes())?);
            all
        }
        other => bail!("unknown scenario {other:?}; known: cap, fanout, push, sms, email, devices, e2e, all"),
    };
    for r in results {
        println!("{}", serde_json::to_string_pretty(&r)?);
    }
    Ok(())
}
