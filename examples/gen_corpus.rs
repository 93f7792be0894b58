//! Writes a synthetic site for benchmarking by hand:
//! `cargo run --release --example gen_corpus -- DIR [COUNT]`, then e.g.
//! `hyperfine 'target/release/disclose --root DIR check --now 2030-01-01T00:00:00Z'`.

#[path = "../benches/corpus/mod.rs"]
mod corpus;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: gen_corpus DIR [COUNT]");
        std::process::exit(2);
    };
    let count = args.next().and_then(|s| s.parse().ok()).unwrap_or(20_000);
    corpus::write_site(std::path::Path::new(&dir), count);
    println!("wrote {count} advisories to {dir}");
}
