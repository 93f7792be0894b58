//! `disclose build` keeps what the previous site published: the fixture site
//! is built, a copy of it edited, and built again over it (or beside a
//! downloaded copy given with `--previous`).

#![allow(clippy::disallowed_methods)]

use crate::support;
use support::*;

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// Before QUILL-2026-0002's embargo lifts (2026-12-15T12:00:00Z).
const BEFORE_LIFT: &str = "2026-12-10T00:00:00Z";
const AFTER_LIFT: &str = "2026-12-16T00:00:00Z";

const OLD_0001: &str = "content/advisories/QUILL-2025-0001.md";
const NEW_0001: &str = "content/advisories/QUILL-2026-0001.yaml";

/// A copy of the fixture site, built once into its `public/`.
struct Site {
    dir: tempfile::TempDir,
}

impl Site {
    fn built() -> Site {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&fixture(), dir.path());
        let site = Site { dir };
        let (code, stderr) = site.build(BEFORE_LIFT, &[]);
        assert_eq!(code, 0, "{stderr}");
        assert!(stderr.contains("first build"), "{stderr}");
        site
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn public(&self) -> PathBuf {
        self.root().join("public")
    }

    /// Runs `build --now <now> <args>`; the exit code and stderr.
    fn build(&self, now: &str, args: &[&str]) -> (i32, String) {
        let out = Command::cargo_bin("disclose")
            .unwrap()
            .env_remove("SOURCE_DATE_EPOCH")
            .arg("--root")
            .arg(self.root())
            .args(["build", "--now", now])
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn edit(&self, file: &str, from: &str, to: &str) {
        let path = self.root().join(file);
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file} has no `{from}`");
        fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }

    /// Stderr with the temporary directory replaced, for snapshots.
    fn redact(&self, stderr: &str) -> String {
        stderr.replace(&self.root().display().to_string(), "<site>")
    }
}

/// The build is refused with exit 1 and the previous site stays as it was.
fn assert_refused(site: &Site, now: &str, args: &[&str]) -> String {
    let before = read_tree(&site.public());
    let (code, stderr) = site.build(now, args);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("public left unchanged"), "{stderr}");
    assert_eq!(
        read_tree(&site.public()),
        before,
        "the previous site changed"
    );
    stderr
}

#[test]
fn an_unchanged_rebuild_keeps_history() {
    let site = Site::built();
    let before = read_tree(&site.public());
    let (code, stderr) = site.build(BEFORE_LIFT, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("history kept: the 2 advisories published in"),
        "{stderr}"
    );
    assert_eq!(read_tree(&site.public()), before);
}

#[test]
fn a_deleted_advisory_fails_the_build() {
    let site = Site::built();
    fs::remove_file(site.root().join(OLD_0001)).unwrap();
    let stderr = assert_refused(&site, BEFORE_LIFT, &[]);
    assert!(
        stderr.contains(
            "error[disclose::advisory-vanished]: advisory QUILL-2025-0001 was published and is missing from the new site"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("public/osv/x_QUILL-2025-0001.json"),
        "{stderr}"
    );
    assert!(stderr.contains("withdraw an advisory instead"), "{stderr}");
    assert_eq!(stderr.matches("error[").count(), 1, "{stderr}");
}

#[test]
fn a_changed_published_time_fails_the_build() {
    let site = Site::built();
    site.edit(
        OLD_0001,
        "published: 2025-09-10T12:00:00Z",
        "published: 2025-09-11T12:00:00Z",
    );
    let stderr = assert_refused(&site, BEFORE_LIFT, &[]);
    insta::assert_snapshot!("published_changed", site.redact(&stderr));
}

#[test]
fn a_modified_time_that_goes_back_fails_the_build() {
    let site = Site::built();
    site.edit(
        NEW_0001,
        "modified: 2026-02-10T10:00:00Z",
        "modified: 2026-02-05T00:00:00Z",
    );
    let stderr = assert_refused(&site, BEFORE_LIFT, &[]);
    assert!(
        stderr.contains(
            "error[disclose::modified-backwards]: the `modified` time of QUILL-2026-0001 went back"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("= was: 2026-02-10T10:00:00Z"), "{stderr}");
    assert!(stderr.contains("= now: 2026-02-05T00:00:00Z"), "{stderr}");
}

#[test]
fn a_second_update_adds_a_csaf_revision_instead_of_rewriting_the_first() {
    let site = Site::built();
    let doc = site
        .public()
        .join(".well-known/csaf/white/2026/quill-2026-0001.json");
    let revisions = |doc: &Path| -> Vec<(String, String)> {
        let json: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(doc).unwrap()).unwrap();
        json["document"]["tracking"]["revision_history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["number"].as_str().unwrap().to_string(),
                    r["date"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let first = revisions(&doc);
    assert_eq!(first.len(), 2, "release and one update: {first:?}");
    site.edit(
        NEW_0001,
        "modified: 2026-02-10T10:00:00Z",
        "modified: 2026-03-01T09:00:00Z",
    );
    let (code, stderr) = site.build(BEFORE_LIFT, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("history kept"), "{stderr}");
    let second = revisions(&doc);
    assert_eq!(second[..2], first[..], "published revisions are kept");
    assert_eq!(
        second[2],
        ("3".to_string(), "2026-03-01T09:00:00Z".to_string())
    );
    let json: serde_json::Value = serde_json::from_str(&fs::read_to_string(&doc).unwrap()).unwrap();
    assert_eq!(json["document"]["tracking"]["version"], "3");
    assert_eq!(
        json["document"]["tracking"]["current_release_date"],
        "2026-03-01T09:00:00Z"
    );
}

#[test]
fn withdrawing_instead_of_deleting_keeps_history() {
    let site = Site::built();
    site.edit(
        OLD_0001,
        "severity: high\n",
        "severity: high\nwithdrawn: 2026-12-01T00:00:00Z\nwithdrawn_reason: not a vulnerability\n",
    );
    let (code, stderr) = site.build(BEFORE_LIFT, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("history kept"), "{stderr}");
    let record = fs::read_to_string(site.public().join("osv/x_QUILL-2025-0001.json")).unwrap();
    assert!(record.contains("\"withdrawn\": \"2026-12-01T00:00:00Z\""));
}

#[test]
fn undoing_a_withdrawal_fails_the_build() {
    let site = Site::built();
    let withdrawal =
        "severity: high\nwithdrawn: 2026-12-01T00:00:00Z\nwithdrawn_reason: not a vulnerability\n";
    site.edit(OLD_0001, "severity: high\n", withdrawal);
    let (code, stderr) = site.build(BEFORE_LIFT, &[]);
    assert_eq!(code, 0, "{stderr}");
    site.edit(OLD_0001, withdrawal, "severity: high\n");
    let stderr = assert_refused(&site, BEFORE_LIFT, &[]);
    assert!(
        stderr.contains(
            "error[disclose::withdrawal-undone]: QUILL-2025-0001 was withdrawn and is no longer"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("= was: withdrawn at 2026-12-01T00:00:00Z"),
        "{stderr}"
    );
}

#[test]
fn allow_rewrite_builds_and_warns() {
    let site = Site::built();
    fs::remove_file(site.root().join(OLD_0001)).unwrap();
    let (code, stderr) = site.build(BEFORE_LIFT, &["--allow-rewrite"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("warning[disclose::advisory-vanished]: advisory QUILL-2025-0001"),
        "{stderr}"
    );
    assert!(!stderr.contains("error"), "{stderr}");
    assert!(stderr.contains("allowed by --allow-rewrite"), "{stderr}");
    assert!(!site.public().join("osv/x_QUILL-2025-0001.json").exists());
}

#[test]
fn a_lifted_embargo_adds_an_advisory() {
    let site = Site::built();
    assert!(!site.public().join("osv/x_QUILL-2026-0002.json").exists());
    let (code, stderr) = site.build(AFTER_LIFT, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(site.public().join("osv/x_QUILL-2026-0002.json").is_file());
    // Building for an earlier clock now would take it back.
    let stderr = assert_refused(&site, BEFORE_LIFT, &[]);
    assert!(
        stderr.contains("advisory QUILL-2026-0002 was published and is missing"),
        "{stderr}"
    );
}

#[test]
fn previous_names_the_deployed_site_instead_of_the_output_directory() {
    let site = Site::built();
    let deployed = site.root().join("deployed");
    fs::rename(site.public(), &deployed).unwrap();
    site.edit(
        OLD_0001,
        "published: 2025-09-10T12:00:00Z",
        "published: 2025-09-11T12:00:00Z",
    );
    // Without --previous the fresh output directory is a first build.
    let (code, stderr) = site.build(BEFORE_LIFT, &["--out", "fresh"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("first build"), "{stderr}");

    let (code, stderr) = site.build(BEFORE_LIFT, &["--out", "ci", "--previous", "deployed"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("deployed/osv/x_QUILL-2025-0001.json"),
        "{stderr}"
    );
    assert!(!site.root().join("ci").exists(), "nothing is written");

    site.edit(
        OLD_0001,
        "published: 2025-09-11T12:00:00Z",
        "published: 2025-09-10T12:00:00Z",
    );
    let (code, stderr) = site.build(BEFORE_LIFT, &["--out", "ci", "--previous", "deployed"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("history kept"), "{stderr}");
    assert_eq!(read_tree(&site.root().join("ci")), read_tree(&deployed));
}

#[test]
fn a_garbled_previous_site_is_an_io_error() {
    let site = Site::built();
    let record = site.public().join("osv/x_QUILL-2025-0001.json");
    fs::write(&record, "{\"id\": \"x_QUILL-2025-0001\", \"published\": ").unwrap();
    let before = read_tree(&site.public());
    let (code, stderr) = site.build(BEFORE_LIFT, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("is garbled: osv/x_QUILL-2025-0001.json"),
        "{stderr}"
    );
    assert_eq!(read_tree(&site.public()), before);

    // A file where the directory should be cannot be read at all.
    fs::write(site.root().join("not-a-dir"), "x").unwrap();
    let (code, stderr) = site.build(BEFORE_LIFT, &["--previous", "not-a-dir"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("cannot read the previous site"), "{stderr}");
}

/// A correction changes what the records say; unless the advisory says when
/// (`modified`), mirrors that sync by revision would never fetch it.
#[test]
fn an_edit_without_a_newer_modified_is_refused_with_the_line_to_add() {
    let site = Site::built();
    site.edit(
        OLD_0001,
        "adjacent memory or crash the process.",
        "adjacent heap memory or crash the process.",
    );
    let stderr = assert_refused(&site, BEFORE_LIFT, &[]);
    // The digests change with every change to how records are written.
    insta::with_settings!({filters => vec![(r"sha256:[0-9a-f]{12}", "sha256:[digest]")]}, {
        insta::assert_snapshot!("unrevised_change", site.redact(&stderr));
    });
    for record in [
        "the OSV record of QUILL-2025-0001 changed but its `modified` time did not",
        "the CSAF document of QUILL-2025-0001 changed but its revision history did not",
        "the CVE record CVE-2025-40001 of QUILL-2025-0001 changed but its `dateUpdated` did not",
    ] {
        assert!(
            stderr.contains(&format!("error[disclose::unrevised-change]: {record}")),
            "{stderr}"
        );
    }
    let line = "add `modified: 2026-12-10T00:00:00Z` to content/advisories/QUILL-2025-0001.md";
    assert_eq!(stderr.matches(line).count(), 3, "{stderr}");

    // With the line the correction is a new revision in every record.
    site.edit(
        OLD_0001,
        "published: 2025-09-10T12:00:00Z\n",
        "published: 2025-09-10T12:00:00Z\nmodified: 2026-12-10T00:00:00Z\n",
    );
    let (code, stderr) = site.build(BEFORE_LIFT, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("history kept"), "{stderr}");
    let json = |path: &str| -> serde_json::Value {
        serde_json::from_str(&fs::read_to_string(site.public().join(path)).unwrap()).unwrap()
    };
    assert_eq!(
        json("osv/x_QUILL-2025-0001.json")["modified"],
        "2026-12-10T00:00:00Z"
    );
    assert_eq!(
        json("cve/CVE-2025-40001.json")["cveMetadata"]["dateUpdated"],
        "2026-12-10T00:00:00Z"
    );
    let tracking =
        &json(".well-known/csaf/white/2025/quill-2025-0001.json")["document"]["tracking"];
    assert_eq!(tracking["version"], "2");
    assert_eq!(
        tracking["revision_history"][1]["date"],
        "2026-12-10T00:00:00Z"
    );

    // And rebuilding without a change changes nothing.
    let built = read_tree(&site.public());
    let (code, stderr) = site.build(BEFORE_LIFT, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(read_tree(&site.public()), built);
}

/// A new release changes only the records of what it affects, and those
/// move their revision to the release day.
#[test]
fn a_new_release_revises_only_the_records_without_a_fix_in_its_series() {
    let site = Site::built();
    let (code, stderr) = site.build(AFTER_LIFT, &[]);
    assert_eq!(code, 0, "{stderr}");
    let before = read_tree(&site.public());
    site.edit(
        "content/releases.yaml",
        "      - { version: \"1.1.2\", date: 2026-02-03 }\n",
        "      - { version: \"1.1.2\", date: 2026-02-03 }\n      - { version: \"1.1.3\", date: 2026-12-17 }\n",
    );
    let (code, stderr) = site.build("2026-12-18T00:00:00Z", &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("history kept"), "{stderr}");
    let after = read_tree(&site.public());
    let changed: Vec<&str> = after
        .iter()
        .filter(|(path, bytes)| {
            (path.starts_with("osv/") || path.starts_with("cve/") || path.contains("/white/20"))
                && before
                    .iter()
                    .find(|(p, _)| p == path)
                    .is_none_or(|(_, b)| b != bytes)
        })
        .map(|(path, _)| path.as_str())
        .collect();
    // QUILL-2026-0002 has no fix in 1.1 yet; the zip holds its record.
    assert_eq!(
        changed,
        [
            ".well-known/csaf/white/2026/quill-2026-0002.json",
            ".well-known/csaf/white/2026/quill-2026-0002.json.sha256",
            ".well-known/csaf/white/2026/quill-2026-0002.json.sha512",
            "cve/CVE-2026-40003.json",
            "osv/all.zip",
            "osv/modified_id.csv",
            "osv/x_QUILL-2026-0002.json",
        ]
    );
    let record: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(site.public().join("osv/x_QUILL-2026-0002.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(record["modified"], "2026-12-17T00:00:00Z");
    assert_eq!(
        record["affected"][0]["ranges"][0]["events"][1]["last_affected"],
        "1.1.3"
    );
}
