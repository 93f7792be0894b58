//! Leaks planted where the model cannot see them — a theme's static file, a
//! template that prints a withheld token literally — are caught by the
//! writer's scan of every output byte: the build exits 1 naming the file and
//! byte offset, and the `public/` built before stays byte for byte as it was.
//! Leaks the model can see (a page or a published advisory naming a withheld
//! one) are refused earlier, by `check`, with file and line.

#![allow(clippy::disallowed_methods)]

use crate::support;
use support::*;

use std::path::Path;

use assert_cmd::Command;

const BEFORE_LIFT: &str = "2026-12-10T00:00:00Z";
const LIFT: &str = "2026-12-15T12:00:00Z";
/// The CVE id of the fixture's withheld advisory.
const WITHHELD_CVE: &str = "CVE-2026-40003";

fn disclose() -> Command {
    let mut cmd = Command::cargo_bin("disclose").unwrap();
    cmd.env_remove("SOURCE_DATE_EPOCH");
    cmd
}

/// A copy of the fixture with a clean `public/` built before the lift.
struct Site {
    dir: tempfile::TempDir,
    before: Vec<(String, Vec<u8>)>,
}

impl Site {
    fn built() -> Site {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&fixture(), dir.path());
        disclose()
            .arg("--root")
            .arg(dir.path())
            .args(["build", "--now", BEFORE_LIFT])
            .assert()
            .code(0);
        let before = read_tree(&dir.path().join("public"));
        assert!(before.len() > 20, "{} files", before.len());
        Site { dir, before }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn plant(&self, rel: &str, text: &str) {
        let path = self.root().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn run(&self, args: &[&str]) -> (i32, String) {
        let out = disclose()
            .arg("--root")
            .arg(self.root())
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// The build fails with exit 1 and this leak message, and leaves the
    /// earlier `public/` exactly as it was, with no staging left beside it.
    fn assert_build_refused(&self, message: &str) {
        let (code, stderr) = self.run(&["build", "--now", BEFORE_LIFT]);
        assert_eq!(code, 1, "{stderr}");
        assert!(stderr.contains(message), "{stderr}");
        assert!(stderr.contains("left unchanged"), "{stderr}");
        self.assert_public_unchanged();
    }

    fn assert_public_unchanged(&self) {
        assert!(
            read_tree(&self.root().join("public")) == self.before,
            "public/ changed"
        );
        let leftovers: Vec<String> = std::fs::read_dir(self.root())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".public"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    fn assert_check_passes(&self, now: &str) {
        let (code, stderr) = self.run(&["check", "--now", now]);
        assert_eq!(code, 0, "{stderr}");
    }
}

#[test]
fn a_withheld_cve_in_a_theme_static_file_fails_the_build() {
    let site = Site::built();
    site.plant(
        "themes/default/static/notes.txt",
        &format!("Coming soon: {WITHHELD_CVE}\n"),
    );
    // Nothing in the model names it, so only the scan of the output sees it.
    site.assert_check_passes(BEFORE_LIFT);
    site.assert_build_refused(&format!(
        "error: embargo leak: `{WITHHELD_CVE}` (withheld) appears in static/notes.txt at byte 13"
    ));
    // Once the embargo lifts, the same file is fine.
    let (code, stderr) = site.run(&["build", "--now", LIFT]);
    assert_eq!(code, 0, "{stderr}");
    assert!(site.root().join("public/static/notes.txt").exists());
}

#[test]
fn a_template_that_prints_a_withheld_title_fails_the_build() {
    let site = Site::built();
    // Differently cased, and in a template that compiles and renders fine.
    site.plant(
        "themes/default/templates/thanks.html",
        "<p>Coming: SECRET TOKEN DISCLOSED IN DEBUG OUTPUT</p>\n",
    );
    site.assert_check_passes(BEFORE_LIFT);
    site.assert_build_refused(
        "error: embargo leak: `Secret token disclosed in debug output` (withheld) appears in thanks/index.html at byte 11",
    );
}

#[test]
fn a_template_that_prints_a_withheld_patch_hash_fails_the_build() {
    let site = Site::built();
    site.plant(
        "themes/default/templates/404.html",
        "<p>see commit aa11bb22cc33</p>",
    );
    site.assert_check_passes(BEFORE_LIFT);
    site.assert_build_refused(
        "error: embargo leak: `aa11bb22cc33` (withheld) appears in 404.html at byte 14",
    );
}

#[test]
fn a_page_naming_a_withheld_cve_is_refused_by_check_and_build() {
    let site = Site::built();
    site.plant(
        "content/pages/coming.md",
        &format!("---\ntitle: Coming fixes\n---\nWe will fix {WITHHELD_CVE} soon.\n"),
    );
    let expected = [
        format!(
            "error[disclose::withheld-mention]: `{WITHHELD_CVE}` names QUILL-2026-0002, which is under embargo until {LIFT}"
        ),
        "--> content/pages/coming.md:4:13".to_string(),
    ];
    let (code, stderr) = site.run(&["check", "--now", BEFORE_LIFT]);
    assert_eq!(code, 1, "{stderr}");
    for line in &expected {
        assert!(stderr.contains(line.as_str()), "{stderr}");
    }
    let (code, stderr) = site.run(&["build", "--now", BEFORE_LIFT]);
    assert_eq!(code, 1, "{stderr}");
    for line in &expected {
        assert!(stderr.contains(line.as_str()), "{stderr}");
    }
    assert!(stderr.contains("left unchanged"), "{stderr}");
    site.assert_public_unchanged();
    // After the lift the page may say it.
    site.assert_check_passes(LIFT);
}

#[test]
fn a_published_advisory_naming_a_withheld_one_is_refused() {
    let site = Site::built();
    let file = "content/advisories/QUILL-2026-0001.yaml";
    let text = std::fs::read_to_string(site.root().join(file)).unwrap();
    site.plant(
        file,
        &text.replace(
            "Nesting is now limited",
            "See also QUILL-2026-0002. Nesting is now limited",
        ),
    );
    let (code, stderr) = site.run(&["build", "--now", BEFORE_LIFT]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr
            .contains("error[disclose::withheld-mention]: `QUILL-2026-0002` names QUILL-2026-0002"),
        "{stderr}"
    );
    assert!(stderr.contains(&format!("--> {file}:")), "{stderr}");
    site.assert_public_unchanged();
}

/// Regression: a title wrapped over two lines of Markdown rendered with a
/// newline inside it, so neither `check` nor the leak scan saw it, while a
/// browser showed the withheld title whole.
#[test]
fn a_withheld_title_wrapped_over_lines_in_a_page_is_refused() {
    let site = Site::built();
    site.plant(
        "content/pages/notes.md",
        "---\ntitle: Notes\n---\nWe are fixing the secret token disclosed\nin debug output soon.\n",
    );
    let (code, stderr) = site.run(&["build", "--now", BEFORE_LIFT]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(
            "error[disclose::withheld-mention]: `secret token disclosed in debug output` names QUILL-2026-0002"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("--> content/pages/notes.md:4:19"),
        "{stderr}"
    );
    site.assert_public_unchanged();
}

/// The same wrap in a template, which `check` does not read: the scan
/// catches it and reports the offset in the real file.
#[test]
fn a_withheld_title_wrapped_over_lines_in_a_template_fails_the_build() {
    let site = Site::built();
    site.plant(
        "themes/default/templates/thanks.html",
        "<p>Coming:\n  Secret token\n  disclosed in debug output</p>\n",
    );
    site.assert_check_passes(BEFORE_LIFT);
    site.assert_build_refused(
        "error: embargo leak: `Secret token disclosed in debug output` (withheld) appears in thanks/index.html at byte 13",
    );
}
