//! `disclose init` and `disclose new`: a new site passes `check` and
//! `build` as created, `init` never touches an existing site, and `new`
//! picks the next free id and writes only drafts that `check` accepts.

#![allow(clippy::disallowed_methods)] // tests set up scratch sites

use crate::support;
use support::*;

use std::path::Path;

use assert_cmd::Command;

const NOW: &str = "2026-11-30T09:00:00Z";

fn disclose() -> Command {
    let mut cmd = Command::cargo_bin("disclose").unwrap();
    cmd.env_remove("SOURCE_DATE_EPOCH");
    cmd
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

fn init(dir: &Path, extra: &[&str]) {
    disclose()
        .arg("init")
        .arg(dir)
        .args(["--now", NOW])
        .args(extra)
        .assert()
        .code(0);
}

fn check_ok(root: &Path, now: &str) {
    let out = disclose()
        .arg("--root")
        .arg(root)
        .args(["check", "--now", now])
        .assert()
        .code(0);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("no errors, 0 warnings"), "{stderr}");
}

/// Copies the fixture site (QUILL-2025-0001, QUILL-2026-0001, -0002).
fn fixture_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), dir.path());
    dir
}

fn new(root: &Path, now: &str, args: &[&str]) -> assert_cmd::assert::Assert {
    disclose()
        .arg("--root")
        .arg(root)
        .args(["new", "--now", now])
        .args(args)
        .assert()
}

fn advisory_files(root: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root.join("content/advisories"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn init_creates_a_site_that_checks_and_builds() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("quill");
    init(&site, &[]);
    let files: Vec<String> = read_tree(&site).into_iter().map(|(p, _)| p).collect();
    assert_eq!(
        files,
        [
            ".gitignore",
            "content/advisories/QUILL-2026-0001.md",
            "content/pages/policy.md",
            "content/releases.yaml",
            "site.toml",
        ]
    );
    assert_eq!(
        read(&site.join(".gitignore")),
        "public/\nprenotify/\nannounce/\n"
    );
    assert!(read(&site.join("site.toml")).contains("name = \"quill\""));
    check_ok(&site, NOW);

    let out = disclose()
        .arg("--root")
        .arg(&site)
        .args(["build", "--now", NOW])
        .assert()
        .code(0);
    let output = out.get_output();
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(printed.contains("1 advisory published"), "{printed}");
    let public = site.join("public");
    for path in [
        "index.html",
        "advisories/QUILL-2026-0001/index.html",
        "policy/index.html",
        "osv/x_QUILL-2026-0001.json",
        ".well-known/security.txt",
    ] {
        assert!(public.join(path).is_file(), "{path} not built");
    }
}

#[test]
fn init_snapshots_site_toml_and_advisory() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    init(
        &site,
        &[
            "--name",
            "Larch",
            "--scheme",
            "pep440",
            "--base-url",
            "https://larch.example/security",
        ],
    );
    let toml = read(&site.join("site.toml"));
    assert!(toml.contains("ecosystem = \"PyPI\""));
    assert!(toml.contains("purl = \"pkg:pypi/larch\""));
    insta::assert_snapshot!("init_site_toml", toml);
    insta::assert_snapshot!(
        "init_advisory",
        read(&site.join("content/advisories/LARCH-2026-0001.md"))
    );
    check_ok(&site, NOW);
}

#[test]
fn init_is_deterministic_for_the_same_clock() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a/proj"), tmp.path().join("b/proj"));
    init(&a, &[]);
    init(&b, &[]);
    assert_eq!(read_tree(&a), read_tree(&b));
}

#[test]
fn init_refuses_an_existing_site_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let with_config = tmp.path().join("one");
    std::fs::create_dir_all(&with_config).unwrap();
    std::fs::write(with_config.join("site.toml"), "title = \"mine\"\n").unwrap();
    let out = disclose()
        .arg("init")
        .arg(&with_config)
        .args(["--now", NOW])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("already has a site.toml"), "{stderr}");
    assert_eq!(read_tree(&with_config).len(), 1);

    let with_content = tmp.path().join("two");
    std::fs::create_dir_all(with_content.join("content/notes")).unwrap();
    std::fs::write(with_content.join("content/notes/a.md"), "mine\n").unwrap();
    let out = disclose()
        .arg("init")
        .arg(&with_content)
        .args(["--now", NOW])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("is not empty"), "{stderr}");
    assert_eq!(
        read_tree(&with_content)
            .into_iter()
            .map(|(p, _)| p)
            .collect::<Vec<_>>(),
        ["content/notes/a.md"]
    );

    // An empty content/ is not a site yet.
    let empty_content = tmp.path().join("three");
    std::fs::create_dir_all(empty_content.join("content")).unwrap();
    init(&empty_content, &["--name", "Three"]);
}

#[test]
fn new_takes_the_number_after_the_highest_of_the_year() {
    let site = fixture_copy();
    let dir = site.path().join("content/advisories");
    std::fs::rename(
        dir.join("QUILL-2026-0002.md"),
        dir.join("QUILL-2026-0003.md"),
    )
    .unwrap();
    let out = new(site.path(), NOW, &[]).code(0);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        stdout
            .trim_end()
            .ends_with("content/advisories/QUILL-2026-0004.md"),
        "{stdout}"
    );
    let text = read(&dir.join("QUILL-2026-0004.md"));
    // An embargoed draft a week after the clock, for the supported series.
    assert!(text.contains("published: 2026-12-07T12:00:00Z\n"), "{text}");
    assert!(text.contains("series: \"main\"") && text.contains("series: \"1.1\""));
    assert!(!text.contains("series: \"1.0\""), "{text}");
    check_ok(site.path(), NOW);
}

#[test]
fn new_starts_a_new_year_at_0001() {
    let site = fixture_copy();
    new(site.path(), "2027-01-05T10:00:00Z", &[]).code(0);
    assert!(
        advisory_files(site.path()).contains(&"QUILL-2027-0001.md".to_string()),
        "{:?}",
        advisory_files(site.path())
    );
}

#[test]
fn new_uses_the_given_severity_series_fix_and_title() {
    let site = fixture_copy();
    new(
        site.path(),
        NOW,
        &[
            "--severity",
            "critical",
            "--title",
            "Panic on a malformed header",
            "--series",
            "1.1",
            "--fixed",
            "1.1.2",
            "--series",
            "main",
        ],
    )
    .code(0);
    let text = read(&site.path().join("content/advisories/QUILL-2026-0003.md"));
    insta::assert_snapshot!("new_advisory", text);
    check_ok(site.path(), NOW);
}

#[test]
fn new_refuses_an_unknown_severity_and_writes_nothing() {
    let site = fixture_copy();
    let before = advisory_files(site.path());
    let out = new(site.path(), NOW, &["--severity", "urgent"]).code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("severity `urgent` is not a level of the site's scale"),
        "{stderr}"
    );
    assert_eq!(advisory_files(site.path()), before);
}

#[test]
fn new_refuses_a_draft_that_check_would_reject() {
    let site = fixture_copy();
    let before = advisory_files(site.path());
    let out = new(site.path(), NOW, &["--series", "9.9"]).code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("9.9"), "{stderr}");
    assert_eq!(advisory_files(site.path()), before);
}

#[test]
fn new_on_a_fresh_site_follows_its_example() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("acme");
    init(&site, &["--name", "Acme Web"]);
    new(&site, NOW, &["--severity", "low"]).code(0);
    assert_eq!(
        advisory_files(&site),
        ["ACMEWEB-2026-0001.md", "ACMEWEB-2026-0002.md"]
    );
    check_ok(&site, NOW);
}
