//! divan micro-benchmark: parse plus validate of the CAP corpus (`cargo bench -p bench`).

fn main() {
    divan::main();
}

#[divan::bench]
fn parse_and_validate_corpus(bencher: divan::Bencher) {
    let alerts = bench::cap::corpus_alerts(&bench::corpus_dir()).unwrap_or_default();
    let n = alerts.len();
    bencher
        .counter(divan::counter::ItemsCount::new(n))
        .bench(|| bench::cap::parse_and_validate(divan::black_box(&alerts)));
}
