//! The CLI and site tests, one module per concern, in one test binary:
//! every integration test links all of disclose, so one binary instead of
//! one per file keeps the debug tree (and CI's disk) small and linking fast.
//! A file in `tests/` that is not declared here fails
//! `every_test_file_is_in_the_suite`.

mod support;

mod agreement;
mod announce;
mod bad_inputs;
mod calendar;
mod cli;
mod csaf;
mod cve;
mod embargo_boundary;
mod embargo_props;
mod feeds;
mod fuzz_corpus;
mod history;
mod hostile_content;
mod hostile_output;
mod html_pages;
mod import_records;
mod import_roundtrip;
mod init_new;
mod kill_build;
mod leak_scan;
mod osv;
mod prenotify;
mod record_stability;
mod releases;
mod reproducible;
mod schemas;
mod security_txt;
mod serve;
mod serve_abuse;
mod signing;

#[test]
fn every_test_file_is_in_the_suite() {
    let tests = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let suite = std::fs::read_to_string(tests.join("suite.rs")).expect("tests/suite.rs");
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(&tests).expect("tests/") {
        let path = entry.expect("tests/ entry").path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if path.extension().is_some_and(|e| e == "rs")
            && stem != "suite"
            && !suite.contains(&format!("\nmod {stem};\n"))
        {
            missing.push(stem.to_owned());
        }
    }
    assert!(
        missing.is_empty(),
        "add `mod <name>;` to tests/suite.rs for: {missing:?}"
    );
}
