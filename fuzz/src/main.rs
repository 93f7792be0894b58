//! `disclose-fuzz TARGET`: runs one fuzz target under AFL++ (built with
//! `cargo afl build --release`); `disclose-fuzz TARGET FILE…` replays
//! inputs, for reproducing a finding outside AFL.

fn main() {
    let mut args = std::env::args().skip(1);
    let name = args.next().unwrap_or_default();
    let Some(target) = disclose_fuzz::targets::target(&name) else {
        let names: Vec<_> = disclose_fuzz::targets::TARGETS
            .iter()
            .map(|(n, _)| *n)
            .collect();
        eprintln!(
            "usage: disclose-fuzz TARGET [FILE…]; targets: {}",
            names.join(", ")
        );
        std::process::exit(2);
    };
    let files: Vec<String> = args.collect();
    if files.is_empty() {
        afl::fuzz!(|data: &[u8]| target(data));
    } else {
        for f in files {
            let data = std::fs::read(&f).unwrap_or_else(|e| panic!("{f}: {e}"));
            target(&data);
            println!("{f}: ok");
        }
    }
}
