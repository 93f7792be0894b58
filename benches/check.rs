//! `cargo bench --bench check`: times `check` and `build` on a generated site
//! of 20,000 advisories (set DISCLOSE_BENCH_COUNT to change it). Prints the
//! minimum and median of several runs; the numbers are kept in BENCHMARKS.md.

mod corpus;

use std::time::{Duration, Instant};

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, Duration) {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed()
        })
        .collect();
    times.sort();
    (times[0], times[times.len() / 2])
}

fn main() {
    // `cargo test` runs bench targets with --bench absent; do nothing then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let count: usize = std::env::var("DISCLOSE_BENCH_COUNT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    corpus::write_site(dir.path(), count);
    println!("generated {count} advisories in {:.2?}", started.elapsed());

    let opts = disclose::Options::new(dir.path(), "2030-01-01T00:00:00Z".parse().unwrap());
    let report = disclose::check(&opts).unwrap();
    assert!(
        !report.has_errors(),
        "generated corpus must be valid: {:?}",
        &report.diagnostics[..report.diagnostics.len().min(3)]
    );
    let per = |d: Duration| d.as_secs_f64() * 1e6 / count as f64;

    let (min, median) = time(5, || disclose::check(&opts).unwrap());
    println!(
        "check  {count} advisories ({} threads): min {min:.2?}, median {median:.2?} ({:.1} µs per advisory)",
        rayon::current_num_threads(),
        per(median)
    );
    let out = dir.path().join("public");
    let (min, median) = time(3, || disclose::build(&opts, &out).unwrap());
    println!(
        "build  {count} advisories: min {min:.2?}, median {median:.2?} ({:.1} µs per advisory)",
        per(median)
    );

    let single = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let (min, median) = single.install(|| time(3, || disclose::check(&opts).unwrap()));
    println!(
        "check  {count} advisories (1 thread): min {min:.2?}, median {median:.2?} ({:.1} µs per advisory)",
        per(median)
    );
}
