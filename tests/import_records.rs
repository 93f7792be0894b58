//! `disclose import` on records from real databases (PyPA, GitHub's
//! advisory database, Go's vulndb): each site imports them, checks and
//! builds, and the OSV record it builds states the same affected releases
//! as its source, read with the same range reader. Bad records are
//! refused with the file, the JSON path and nothing written.

#![allow(clippy::disallowed_methods)] // tests set up scratch sites

use crate::support;
use support::*;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use disclose::Options;
use disclose::import::{self, Format, IdPolicy, ImportError, ImportOptions, Target};

const NOW: &str = "2026-01-01T00:00:00Z";

fn fixtures() -> PathBuf {
    PathBuf::from("tests/fixtures/import")
}

/// A scratch copy of the site of fixture set `set`.
fn site(set: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixtures().join(set).join("site"), dir.path());
    dir
}

fn options(
    root: &Path,
    format: Format,
    paths: Vec<PathBuf>,
    versions: Option<PathBuf>,
) -> ImportOptions {
    ImportOptions {
        root: root.to_path_buf(),
        now: NOW.parse().unwrap(),
        format,
        paths,
        ids: IdPolicy::Keep,
        series_depth: None,
        versions,
        update: false,
    }
}

/// Imports and writes as the command does.
fn import_into(opts: &ImportOptions) -> import::Plan {
    let plan = match import::plan(opts) {
        Ok(p) => p,
        Err(ImportError::Content { diagnostics, texts }) => panic!(
            "{}",
            disclose::diagnostic::render_human(&diagnostics, |f| texts.get(f).map(String::as_str))
        ),
        Err(e) => panic!("{e:?}"),
    };
    let rewritten: Vec<_> = plan.releases.iter().chain(&plan.updated).cloned().collect();
    disclose::output::write_files(&opts.root, &rewritten).unwrap();
    disclose::output::create_new_files(&opts.root, &plan.created).unwrap();
    plan
}

/// Every source record of `set` against the OSV record the site builds
/// from it, on every release the site knows.
fn assert_same_affected_versions(set: &str, versions: Option<&str>) {
    let dir = site(set);
    let records = fixtures().join(set).join("records");
    let opts = options(
        dir.path(),
        Format::Osv,
        vec![records.clone()],
        versions.map(|v| fixtures().join(set).join(v)),
    );
    let plan = import_into(&opts);
    assert!(!plan.created.is_empty());
    let site = checked(dir.path());
    let outputs = render_at(dir.path(), NOW);
    let target = Target {
        config: &site.config,
    };
    let mut compared = 0;
    for entry in std::fs::read_dir(&records).unwrap() {
        let path = entry.unwrap().path();
        let name = path.to_string_lossy().into_owned();
        let source = import::osv::parse_osv(&std::fs::read(&path).unwrap(), &name, target).unwrap();
        assert_built_states_the_same_versions(set, &source, &site, &outputs);
        compared += 1;
    }
    assert_eq!(compared, plan.created.len());
}

/// The site at `root`, which checks without errors.
fn checked(root: &Path) -> disclose::model::Site {
    let report = disclose::check(&Options::new(root, NOW.parse().unwrap())).unwrap();
    assert!(!report.has_errors(), "{:?}", report.diagnostics);
    report.site.unwrap()
}

/// The OSV record the site built from `source` against `source`, on every
/// release the site knows and every one the source names.
fn assert_built_states_the_same_versions(
    set: &str,
    source: &import::record::Imported,
    site: &disclose::model::Site,
    outputs: &[disclose::render::Output],
) {
    let target = Target {
        config: &site.config,
    };
    let built_path = format!("osv/x_{}.json", source.id);
    let built =
        import::osv::parse_osv(text(outputs, &built_path).as_bytes(), &built_path, target).unwrap();
    let mut known: Vec<&disclose::model::Version> = site
        .releases
        .series
        .iter()
        .flat_map(|s| s.versions.iter().map(|r| &r.version))
        .collect();
    // The releases a record names; `1.18.0-0` is a bound, not a release.
    known.extend(
        source
            .claim
            .named_versions()
            .into_iter()
            .filter(|v| !import::osv::is_series_start_bound(v)),
    );
    for v in known {
        assert_eq!(
            source.claim.contains(v),
            built.claim.contains(v),
            "{set} {}: version {v}",
            source.record_id
        );
    }
}

/// What an import reports, record by record, and what it adds to the
/// releases file.
fn report_of(plan: &import::Plan) -> String {
    let mut report = String::new();
    for r in &plan.records {
        report.push_str(&format!("{} -> {}\n", r.record_id, r.advisory));
        for n in &r.notes {
            report.push_str(&format!("  - {n}\n"));
        }
    }
    for c in &plan.catalogue {
        report.push_str(&format!("{c}\n"));
    }
    report
}

#[test]
fn pypa_records_import_check_build_and_state_the_same_versions() {
    assert_same_affected_versions("pypa", None);
}

#[test]
fn github_records_import_check_build_and_state_the_same_versions() {
    assert_same_affected_versions("ghsa", Some("versions.txt"));
}

#[test]
fn go_records_import_check_build_and_state_the_same_versions() {
    assert_same_affected_versions("go", Some("versions.txt"));
}

/// What the PyPA import writes and reports, so a change in what is
/// inferred shows in review.
#[test]
fn pypa_import_report_and_files() {
    let dir = site("pypa");
    let plan = import_into(&options(
        dir.path(),
        Format::Osv,
        vec![fixtures().join("pypa/records")],
        None,
    ));
    insta::assert_snapshot!("pypa_report", report_of(&plan));
    let file =
        std::fs::read_to_string(dir.path().join("content/advisories/PYSEC-2023-221.md")).unwrap();
    insta::assert_snapshot!("pypa_advisory", file);
}

/// A vendor's CSAF document of three vulnerabilities, one of them about
/// another product only (made for the tests): one advisory for each of the
/// other two, numbered in document order, each stating what the document
/// says of it; importing the document again finds the same two.
#[test]
fn a_csaf_document_of_several_vulnerabilities_becomes_one_advisory_each() {
    let dir = site("pypa");
    let doc = fixtures().join("vendor/PALLETS-SA-2023-01.json");
    let versions = Some(fixtures().join("vendor/versions.txt"));
    let opts = options(dir.path(), Format::Csaf, vec![doc.clone()], versions);
    let plan = import_into(&opts);
    insta::assert_snapshot!("vendor_csaf_report", report_of(&plan));
    let advisories = dir.path().join("content/advisories");
    let first = std::fs::read_to_string(advisories.join("PALLETS-SA-2023-01-1.md")).unwrap();
    insta::assert_snapshot!("vendor_csaf_advisory", first);
    assert!(advisories.join("PALLETS-SA-2023-01-3.md").exists());
    assert!(
        !advisories.join("PALLETS-SA-2023-01-2.md").exists(),
        "the vulnerability of another product is left out"
    );
    // No record names 2.0.x or 2.1.x: they predate 2.2.3, not today.
    let releases = std::fs::read_to_string(dir.path().join("content/releases.yaml")).unwrap();
    assert!(!releases.contains("2026-"), "{releases}");

    let site = checked(dir.path());
    let outputs = render_at(dir.path(), NOW);
    let target = Target {
        config: &site.config,
    };
    let sources = import::csaf::parse_csaf(&std::fs::read(&doc).unwrap(), "doc", target).unwrap();
    let ids: Vec<&str> = sources.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["PALLETS-SA-2023-01-1", "PALLETS-SA-2023-01-3"]);
    for source in &sources {
        assert_built_states_the_same_versions("vendor", source, &site, &outputs);
    }

    let mut again = opts.clone();
    again.update = true;
    let plan = import_into(&again);
    assert_eq!((plan.created.len(), plan.updated.len()), (0, 2));
}

/// Renumbered, the advisories of one document do not share its id as an
/// alias (an alias names one advisory).
#[test]
fn renumbered_advisories_of_one_document_do_not_share_its_id() {
    let dir = site("pypa");
    let mut opts = options(
        dir.path(),
        Format::Csaf,
        vec![fixtures().join("vendor/PALLETS-SA-2023-01.json")],
        Some(fixtures().join("vendor/versions.txt")),
    );
    opts.ids = IdPolicy::Renumber { prefix: None };
    let plan = import_into(&opts);
    assert_eq!(plan.created.len(), 2);
    for file in &plan.created {
        let text = String::from_utf8_lossy(&file.bytes);
        assert!(!text.contains("aliases: [PALLETS"), "{text}");
    }
    checked(dir.path());
}

/// An OSV record or a CVE record that names other packages beside the
/// site's: those entries are left out, and said so; a document about other
/// packages only is refused.
#[test]
fn entries_about_other_packages_are_left_out_and_said_so() {
    let versions = Some(fixtures().join("vendor/versions.txt"));
    for (format, record, advisory, left_out) in [
        (
            Format::Osv,
            "vendor/PALLETS-2023-0002.json",
            "PALLETS-2023-0002",
            &[
                "package `Flask` is not the site's package",
                "in ecosystem `npm`",
            ][..],
        ),
        (
            Format::Cve,
            "vendor/cve/CVE-2023-25577.json",
            "CVE-2023-25577",
            &["product `quart` is not the site's package"][..],
        ),
    ] {
        let dir = site("pypa");
        let plan = import_into(&options(
            dir.path(),
            format,
            vec![fixtures().join(record)],
            versions.clone(),
        ));
        assert_eq!(plan.records.len(), 1);
        assert_eq!(plan.records[0].advisory, advisory);
        for needle in left_out {
            assert!(
                plan.records[0]
                    .notes
                    .iter()
                    .any(|n| n.contains(needle) && n.ends_with("left out")),
                "{record}: {needle}: {:?}",
                plan.records[0].notes
            );
        }
        checked(dir.path());
    }

    // The document less its vulnerabilities about the site's package.
    let scratch = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixtures().join("vendor/PALLETS-SA-2023-01.json")).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let vulns = doc["vulnerabilities"].as_array_mut().unwrap();
    vulns.retain(|v| v["cve"] == "CVE-2023-30861");
    let path = scratch.path().join("flask-only.json");
    std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let dir = site("pypa");
    match import::plan(&options(dir.path(), Format::Csaf, vec![path], None)) {
        Err(ImportError::Content { diagnostics, .. }) => {
            assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
            assert_eq!(diagnostics[0].code, "disclose::import-other-package");
        }
        other => panic!("{other:?}"),
    }
}

fn disclose() -> Command {
    let mut cmd = Command::cargo_bin("disclose").unwrap();
    cmd.env_remove("SOURCE_DATE_EPOCH");
    cmd
}

fn run_import(root: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    disclose()
        .arg("--root")
        .arg(root)
        .args(["import", "--now", NOW])
        .args(args)
        .assert()
}

#[test]
fn dry_run_prints_and_writes_nothing_and_an_import_never_overwrites() {
    let dir = site("pypa");
    let records = std::env::current_dir()
        .unwrap()
        .join("tests/fixtures/import/pypa/records");
    let before = read_tree(dir.path());
    let out = run_import(dir.path(), &["osv", "--dry-run", records.to_str().unwrap()]).code(0);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        stdout.contains("--- content/advisories/PYSEC-2023-221.md ---"),
        "{stdout}"
    );
    assert!(stdout.contains("dry run: nothing written"));
    assert_eq!(read_tree(dir.path()), before, "a dry run writes nothing");

    run_import(dir.path(), &["osv", records.to_str().unwrap()]).code(0);
    let after = read_tree(dir.path());
    let again = run_import(dir.path(), &["osv", records.to_str().unwrap()]).code(1);
    let stderr = String::from_utf8_lossy(&again.get_output().stderr).into_owned();
    assert!(stderr.contains("disclose::import-exists"), "{stderr}");
    assert!(stderr.contains("nothing written"));
    assert_eq!(read_tree(dir.path()), after, "nothing is overwritten");
}

#[test]
fn update_rewrites_from_the_record_and_keeps_what_the_record_leaves_out() {
    let dir = site("pypa");
    let records = fixtures().join("pypa/records");
    import_into(&options(
        dir.path(),
        Format::Osv,
        vec![records.clone()],
        None,
    ));
    let path = dir.path().join("content/advisories/PYSEC-2023-221.md");
    let text = std::fs::read_to_string(&path).unwrap();
    // The team rates it and gives it a title of its own words; the title
    // is the record's, the rating is not in the record.
    let edited = text.replacen("published:", "severity: high\npublished:", 1);
    std::fs::write(&path, edited).unwrap();
    let mut opts = options(
        dir.path(),
        Format::Osv,
        vec![records.join("PYSEC-2023-221.yaml")],
        None,
    );
    opts.update = true;
    let plan = import_into(&opts);
    assert_eq!(plan.updated.len(), 1);
    assert!(
        plan.records[0]
            .notes
            .iter()
            .any(|n| n.contains("kept from") && n.contains("severity"))
    );
    let updated = std::fs::read_to_string(&path).unwrap();
    assert!(updated.contains("severity: high"), "{updated}");
    assert!(
        disclose::check(&Options::new(dir.path(), NOW.parse().unwrap()))
            .unwrap()
            .site
            .is_some()
    );
}

/// One bad record in a batch: the whole import is refused.
#[test]
fn a_bad_record_in_a_batch_writes_nothing() {
    let dir = site("pypa");
    let before = read_tree(dir.path());
    let opts = options(
        dir.path(),
        Format::Osv,
        vec![
            fixtures().join("pypa/records"),
            fixtures().join("bad/missing-id.json"),
        ],
        None,
    );
    assert!(matches!(
        import::plan(&opts),
        Err(ImportError::Content { .. })
    ));
    let out = run_import(
        dir.path(),
        &[
            "osv",
            &std::env::current_dir()
                .unwrap()
                .join("tests/fixtures/import/pypa/records")
                .to_string_lossy(),
            &std::env::current_dir()
                .unwrap()
                .join("tests/fixtures/import/bad/missing-id.json")
                .to_string_lossy(),
        ],
    );
    out.code(1);
    assert_eq!(read_tree(dir.path()), before);
}

/// Each bad record's diagnostics, as `import` prints them.
#[test]
fn bad_records_are_reported_with_file_and_json_path() {
    let scratch = tempfile::tempdir().unwrap();
    let huge = scratch.path().join("huge.json");
    std::fs::write(
        &huge,
        format!(
            "{{\"id\": \"X\", \"details\": \"{}\"}}",
            "a".repeat(9 * 1024 * 1024)
        ),
    )
    .unwrap();
    let not_utf8 = scratch.path().join("not-utf8.json");
    std::fs::write(&not_utf8, b"{\"id\": \"X\xff\"}").unwrap();
    let mut cases: Vec<(String, PathBuf)> = std::fs::read_dir(fixtures().join("bad"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| (p.file_stem().unwrap().to_string_lossy().into_owned(), p))
        .collect();
    cases.sort();
    cases.push(("huge".into(), huge));
    cases.push(("not-utf8".into(), not_utf8));
    for (name, path) in cases {
        let dir = site("pypa");
        let opts = options(dir.path(), Format::Osv, vec![path.clone()], None);
        let rendered = match import::plan(&opts) {
            Err(ImportError::Content { diagnostics, texts }) => {
                let shown = disclose::diagnostic::render_human(&diagnostics, |f| {
                    texts.get(f).map(String::as_str)
                });
                shown.replace(&scratch.path().to_string_lossy().into_owned(), "[scratch]")
            }
            other => panic!("{name}: expected content errors, got {other:?}"),
        };
        insta::assert_snapshot!(format!("bad_{name}"), rendered);
    }
}

#[test]
fn csaf_and_cve_schema_versions_are_checked() {
    let scratch = tempfile::tempdir().unwrap();
    let csaf = scratch.path().join("doc.json");
    std::fs::write(&csaf, r#"{"document": {"csaf_version": "2.1", "title": "t", "tracking": {"id": "X", "status": "final", "initial_release_date": "2024-01-01T00:00:00Z"}}}"#).unwrap();
    let cve = scratch.path().join("CVE-2024-1.json");
    std::fs::write(&cve, r#"{"dataType": "CVE_RECORD", "dataVersion": "4.0", "cveMetadata": {"cveId": "CVE-2024-1", "state": "PUBLISHED"}}"#).unwrap();
    for (format, path) in [(Format::Csaf, csaf), (Format::Cve, cve)] {
        let dir = site("pypa");
        match import::plan(&options(dir.path(), format, vec![path], None)) {
            Err(ImportError::Content { diagnostics, .. }) => {
                assert_eq!(
                    diagnostics[0].code, "disclose::import-schema-version",
                    "{diagnostics:?}"
                )
            }
            other => panic!("{other:?}"),
        }
    }
}
