//! Replays every seed, corpus and regression input of the fuzz targets
//! (`fuzz/seeds/`, `fuzz/corpus/`, `fuzz/regressions/`, one folder per
//! target) through the same target functions AFL++ runs, so every finding
//! stays fixed and every target keeps working without AFL installed.

#![allow(clippy::disallowed_methods)]

#[path = "../fuzz/src/oracle.rs"]
mod oracle;
#[path = "../fuzz/src/targets.rs"]
mod targets;

use std::path::Path;

fn replay(name: &str) {
    let target = targets::target(name).expect("a target");
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut count = 0;
    for kind in ["seeds", "corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(fuzz.join(kind).join(name)) else {
            continue;
        };
        let mut paths: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
        paths.sort();
        for path in paths.iter().filter(|p| p.is_file()) {
            let data = std::fs::read(path).unwrap();
            let result = std::panic::catch_unwind(|| target(&data));
            assert!(result.is_ok(), "{name}: {} fails", path.display());
            count += 1;
        }
    }
    assert!(count > 0, "{name}: no inputs in fuzz/seeds/{name}");
}

macro_rules! replays {
    ($($name:ident),*) => {$(
        #[test]
        fn $name() {
            replay(stringify!($name));
        }
    )*};
}

replays!(
    frontmatter,
    advisory,
    releases,
    site_toml,
    version,
    cvss,
    markdown_html,
    markdown_finder,
    leak_scan,
    check_site,
    import_osv,
    import_csaf,
    import_cve
);

#[test]
fn every_target_is_replayed_here() {
    let names: Vec<&str> = targets::TARGETS.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names,
        [
            "frontmatter",
            "advisory",
            "releases",
            "site_toml",
            "version",
            "cvss",
            "markdown_html",
            "markdown_finder",
            "leak_scan",
            "check_site",
            "import_osv",
            "import_csaf",
            "import_cve"
        ]
    );
}
