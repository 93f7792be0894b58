//! The `disclose` binary against the fixture site: exit codes, output
//! formats, the clock, and what a build writes.

#![allow(clippy::disallowed_methods)]

use crate::support;
use support::*;

use assert_cmd::Command;

const BEFORE_LIFT: &str = "2026-12-10T00:00:00Z";
const LIFT: &str = "2026-12-15T12:00:00Z";

fn disclose() -> Command {
    let mut cmd = Command::cargo_bin("disclose").unwrap();
    cmd.env_remove("SOURCE_DATE_EPOCH");
    cmd
}

/// Copies the fixture into a temporary directory so a build can write.
fn temp_site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), dir.path());
    dir
}

#[test]
fn check_passes_on_a_valid_site() {
    let out = disclose()
        .args(["--root"])
        .arg(fixture())
        .args(["check", "--now", BEFORE_LIFT])
        .assert()
        .code(0);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("no errors"), "{stderr}");
}

#[test]
fn check_json_reports_counts() {
    let out = disclose()
        .arg("--root")
        .arg(fixture())
        .args(["check", "--now", BEFORE_LIFT, "--format", "json"])
        .assert()
        .code(0);
    let doc: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(doc["errors"], 0);
    assert!(doc["diagnostics"].is_array());
}

#[test]
fn usage_and_io_errors_exit_2() {
    disclose()
        .arg("--root")
        .arg(fixture())
        .args(["check", "--now", "tomorrow"])
        .assert()
        .code(2);
    let empty = tempfile::tempdir().unwrap();
    let out = disclose()
        .arg("--root")
        .arg(empty.path())
        .arg("check")
        .assert()
        .code(2);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("no site.toml"));
    disclose().args(["frobnicate"]).assert().code(2);
    disclose()
        .arg("--root")
        .arg(fixture())
        .arg("check")
        .env("SOURCE_DATE_EPOCH", "soon")
        .assert()
        .code(2);
}

#[test]
fn content_errors_exit_1_with_file_line_and_column() {
    let site = temp_site();
    let file = site.path().join("content/advisories/QUILL-2025-0001.md");
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("series: \"1.0\"", "series: \"0.9\"");
    std::fs::write(&file, text).unwrap();
    let out = disclose()
        .arg("--root")
        .arg(site.path())
        .args(["check", "--now", BEFORE_LIFT])
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains(
            "error[disclose::unknown-series]: series `0.9` is not in content/releases.yaml"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("  --> content/advisories/QUILL-2025-0001.md:13:13"),
        "{stderr}"
    );
    assert!(
        stderr.contains("help: use one of: main, 1.1, 1.0"),
        "{stderr}"
    );
}

#[test]
fn build_withholds_embargoed_advisories_until_their_lift() {
    let site = temp_site();
    let out = site.path().join("public");
    let run = disclose()
        .arg("--root")
        .arg(site.path())
        .args(["build", "--now", BEFORE_LIFT])
        .assert()
        .code(0);
    let stderr = String::from_utf8_lossy(&run.get_output().stderr).into_owned();
    assert!(
        stderr.contains("withheld QUILL-2026-0002 until 2026-12-15T12:00:00Z"),
        "{stderr}"
    );
    assert!(
        stderr.contains("next embargo lifts at 2026-12-15T12:00:00Z"),
        "{stderr}"
    );
    for (path, bytes) in read_tree(&out) {
        let text = String::from_utf8_lossy(&bytes);
        for token in [
            "QUILL-2026-0002",
            "CVE-2026-40003",
            "Secret token",
            "aa11bb22cc33",
        ] {
            assert!(!text.contains(token), "{token} leaked into {path}");
        }
    }
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(
        index.contains("2026-12-15T12:00:00Z"),
        "pre-notification shows the date"
    );
    assert!(
        index.contains("critical"),
        "pre-notification shows the severity"
    );

    // One second before the lift it is still withheld; at the lift it is published.
    let just_before = "2026-12-15T11:59:59Z";
    disclose()
        .arg("--root")
        .arg(site.path())
        .args(["build", "--now", just_before])
        .assert()
        .code(0);
    assert!(
        !std::fs::read_to_string(out.join("index.html"))
            .unwrap()
            .contains("QUILL-2026-0002")
    );
    disclose()
        .arg("--root")
        .arg(site.path())
        .args(["build", "--now", LIFT])
        .assert()
        .code(0);
    assert!(
        std::fs::read_to_string(out.join("index.html"))
            .unwrap()
            .contains("QUILL-2026-0002")
    );
}

#[test]
fn source_date_epoch_sets_the_clock() {
    let site = temp_site();
    let out = site.path().join("public");
    // One second before 2026-12-15T12:00:00Z, then at it: a clock that
    // went back would unpublish the advisory, which history forbids.
    disclose()
        .arg("--root")
        .arg(site.path())
        .arg("build")
        .env("SOURCE_DATE_EPOCH", "1797335999")
        .assert()
        .code(0);
    assert!(
        !std::fs::read_to_string(out.join("index.html"))
            .unwrap()
            .contains("QUILL-2026-0002")
    );
    disclose()
        .arg("--root")
        .arg(site.path())
        .arg("build")
        .env("SOURCE_DATE_EPOCH", "1797336000")
        .assert()
        .code(0);
    assert!(
        std::fs::read_to_string(out.join("index.html"))
            .unwrap()
            .contains("QUILL-2026-0002")
    );
}

#[test]
fn builds_are_byte_identical_for_the_same_clock() {
    let site = temp_site();
    let a = site.path().join("a");
    let b = site.path().join("b");
    for out in [&a, &b] {
        disclose()
            .arg("--root")
            .arg(site.path())
            .args(["build", "--now", BEFORE_LIFT, "--out"])
            .arg(out)
            .assert()
            .code(0);
    }
    assert_eq!(read_tree(&a), read_tree(&b));
}

#[test]
fn failed_build_leaves_the_previous_site_in_place() {
    let site = temp_site();
    let out = site.path().join("public");
    disclose()
        .arg("--root")
        .arg(site.path())
        .args(["build", "--now", BEFORE_LIFT])
        .assert()
        .code(0);
    let before = read_tree(&out);
    let file = site.path().join("content/advisories/QUILL-2026-0001.yaml");
    std::fs::write(&file, "title: [unclosed\n").unwrap();
    let run = disclose()
        .arg("--root")
        .arg(site.path())
        .args(["build", "--now", LIFT])
        .assert()
        .code(1);
    assert!(String::from_utf8_lossy(&run.get_output().stderr).contains("left unchanged"));
    assert_eq!(read_tree(&out), before);
    let names: Vec<_> = std::fs::read_dir(site.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        !names
            .iter()
            .any(|n| n.to_string_lossy().starts_with(".public")),
        "no staging left: {names:?}"
    );
}

/// A rebuild links the files it would write unchanged to the previous
/// site's (they keep their inode) and writes the others anew; the new site
/// is byte for byte what a first build makes.
#[test]
fn a_rebuild_keeps_unchanged_files_and_replaces_changed_ones() {
    use std::os::unix::fs::MetadataExt;
    let site = temp_site();
    let out = site.path().join("public");
    let build = |now: &str| {
        disclose()
            .arg("--root")
            .arg(site.path())
            .args(["build", "--now", now])
            .assert()
            .code(0);
    };
    build(LIFT);
    let ino = |rel: &str| std::fs::metadata(out.join(rel)).unwrap().ino();
    let page = "advisories/QUILL-2025-0001/index.html";
    let policy = "policy/index.html";
    let (page_ino, policy_ino) = (ino(page), ino(policy));
    let file = site.path().join("content/pages/policy.md");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("three", "two")).unwrap();
    build(LIFT);
    assert_eq!(ino(page), page_ino, "an unchanged page is the same file");
    assert_ne!(ino(policy), policy_ino, "the edited page is written anew");
    assert!(
        std::fs::read_to_string(out.join(policy))
            .unwrap()
            .contains("two")
    );
    assert_eq!(std::fs::metadata(out.join(page)).unwrap().nlink(), 1);
    let rebuilt = read_tree(&out);
    std::fs::remove_dir_all(&out).unwrap();
    build(LIFT);
    assert_eq!(read_tree(&out), rebuilt);
}

#[test]
fn embargo_lists_withheld_advisories_and_the_next_lift() {
    let out = disclose()
        .arg("--root")
        .arg(fixture())
        .args(["embargo", "--now", BEFORE_LIFT, "--format", "json"])
        .assert()
        .code(0);
    let doc: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(doc["next_lift"], LIFT);
    assert_eq!(doc["withheld"][0]["id"], "QUILL-2026-0002");
    let out = disclose()
        .arg("--root")
        .arg(fixture())
        .args(["embargo", "--now", LIFT])
        .assert()
        .code(0);
    assert!(
        String::from_utf8_lossy(&out.get_output().stdout).contains("no advisories under embargo")
    );
}

#[test]
fn build_refuses_to_replace_the_site_itself() {
    let site = temp_site();
    let run = disclose()
        .arg("--root")
        .arg(site.path())
        .args(["build", "--now", BEFORE_LIFT, "--out", "."])
        .assert()
        .code(2);
    assert!(String::from_utf8_lossy(&run.get_output().stderr).contains("refusing to replace"));
    assert!(site.path().join("site.toml").exists());
    assert!(
        site.path()
            .join("content/advisories/QUILL-2025-0001.md")
            .exists()
    );
}

#[test]
fn a_site_can_override_one_template_of_the_default_theme() {
    let site = temp_site();
    let dir = site.path().join("themes/default/templates");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("thanks.html"),
        "{% extends \"base.html\" %}{% block content %}<h1>Hall of fame</h1>{% for p in people %}<p>{{ p.name }}</p>{% endfor %}{% endblock content %}",
    )
    .unwrap();
    disclose()
        .arg("--root")
        .arg(site.path())
        .args(["build", "--now", BEFORE_LIFT])
        .assert()
        .code(0);
    let thanks = std::fs::read_to_string(site.path().join("public/thanks/index.html")).unwrap();
    assert!(
        thanks.contains("<h1>Hall of fame</h1><p>Ada Example</p>"),
        "{thanks}"
    );
    // Every other page still comes from the built-in theme.
    let index = std::fs::read_to_string(site.path().join("public/index.html")).unwrap();
    assert!(index.contains("class=\"filters\""));
}

#[test]
fn a_template_error_at_render_time_names_the_template_and_line() {
    let site = temp_site();
    let dir = site.path().join("themes/default/templates");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("thanks.html"), "{% extends \"base.html\" %}\n{% block content %}\n{{ nobody.name }}\n{% endblock content %}").unwrap();
    let run = disclose()
        .arg("--root")
        .arg(site.path())
        .args(["build", "--now", BEFORE_LIFT])
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&run.get_output().stderr).into_owned();
    assert!(
        stderr.contains("themes/default/templates/thanks.html:3:"),
        "{stderr}"
    );
    assert!(!site.path().join("public").exists());
}
