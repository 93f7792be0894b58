//! A corpus of bad inputs and the diagnostics `check` gives for them.
//!
//! Every case is the valid fixture site `tests/fixtures/site/` with one
//! defect. A case is either a directory `tests/bad/<case>/`, an overlay whose
//! files replace or add files at the same paths in a copy of the site (an
//! optional `REMOVE` lists paths to delete first, an optional `NOW` sets
//! another build clock), or is generated below when it cannot be stored as a
//! plain file (too large, not UTF-8, a symbolic link, a pathological YAML
//! document).
//!
//! For every case: `check` reports at least one error, the human rendering of
//! its diagnostics matches `tests/snapshots/bad_inputs__<case>.snap`, and
//! `build` fails without touching `public/` or creating anything else in the
//! site. Each case runs on its own thread with a time limit, so a hang fails
//! the test instead of blocking CI.
//!
//! Regenerate the snapshots with `INSTA_UPDATE=always cargo test --test bad_inputs`
//! and review every changed one.

#![allow(clippy::disallowed_methods)]

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use disclose::Options;
use disclose::diagnostic::{Severity, render_human};
use jiff::Timestamp;

/// The build clock of every case without a `NOW` file: QUILL-2026-0002 is
/// under embargo (until 2026-12-15T12:00:00Z) and announced.
const DEFAULT_NOW: &str = "2026-12-10T00:00:00Z";

/// Cases that `check` does not report yet: gaps in src, kept in the corpus
/// so they stay visible. For these the test only asserts the current
/// behaviour (no error, no panic, no hang) and fails once the gap is closed,
/// so the case can move to the checked corpus with a snapshot.
const KNOWN_GAPS: &[(&str, &str)] = &[];

/// How long one case may take (check and build) before it counts as a hang.
const CASE_TIMEOUT: Duration = Duration::from_secs(10);

const SENTINEL: &str = "sentinel.txt";
const SENTINEL_TEXT: &str = "the previous build\n";

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn base_site() -> PathBuf {
    manifest_dir().join("tests/fixtures/site")
}

fn bad_dir() -> PathBuf {
    manifest_dir().join("tests/bad")
}

/// Writes a generated case into the copied site.
type Generator = fn(&Path);

/// Where a case comes from.
#[derive(Clone)]
enum Source {
    /// `tests/bad/<case>/`.
    Overlay(PathBuf),
    /// Written into the copied site by a function.
    Generated(Generator),
}

#[derive(Clone)]
struct Case {
    name: String,
    source: Source,
    /// What the case is, for the snapshot header.
    description: String,
}

/// Cases that cannot be stored as plain files in the repository.
fn generated_cases() -> Vec<Case> {
    let cases: [(&str, &str, Generator); 7] = [
        (
            "gen-file-too-large",
            "an advisory of 1 MiB + 1 byte",
            gen_file_too_large,
        ),
        (
            "gen-not-utf8",
            "an advisory saved as Latin-1 (`é` is byte 0xE9 in its title)",
            gen_not_utf8,
        ),
        (
            "gen-not-utf8-site-toml",
            "site.toml with a 0xFF byte in its title",
            gen_not_utf8_site_toml,
        ),
        (
            "gen-broken-symlink",
            "content/advisories/QUILL-2026-0003.md is a link to a file that does not exist",
            gen_broken_symlink,
        ),
        (
            "gen-symlink-loop",
            "content/advisories/nested/up is a symbolic link to its parent's parent",
            gen_symlink_loop,
        ),
        (
            "gen-yaml-alias-bomb",
            "a billion-laughs alias bomb in a YAML advisory",
            gen_alias_bomb,
        ),
        (
            "gen-yaml-deep-nesting",
            "10,000 nested flow sequences in a YAML advisory",
            gen_deep_nesting,
        ),
    ];
    cases
        .into_iter()
        .map(|(name, description, make)| Case {
            name: name.to_string(),
            source: Source::Generated(make),
            description: format!("generated: {description}"),
        })
        .collect()
}

/// A valid advisory, used by the generated cases as a starting point.
fn valid_advisory_md(title: &str) -> String {
    format!(
        "---\ntitle: {title}\npublished: 2026-03-01T12:00:00Z\nseverity: low\naffected:\n  - series: \"1.1\"\n    fixed: \"1.1.2\"\n---\nDetails.\n"
    )
}

fn gen_file_too_large(root: &Path) {
    let mut text = valid_advisory_md("A very long advisory");
    let limit = usize::try_from(disclose::load::MAX_FILE_BYTES).unwrap();
    while text.len() <= limit {
        text.push_str("All work and no play makes a very long advisory.\n");
    }
    text.truncate(limit + 1);
    fs::write(root.join("content/advisories/QUILL-2026-0003.md"), text).unwrap();
}

fn gen_not_utf8(root: &Path) {
    // Saved as Latin-1: `é` is the single byte 0xE9.
    let mut bytes = b"---\ntitle: Caf".to_vec();
    bytes.push(0xE9);
    bytes.extend_from_slice(
        b" crashes\npublished: 2026-03-01T12:00:00Z\naffected:\n  - series: \"1.1\"\n---\nDetails.\n",
    );
    fs::write(root.join("content/advisories/QUILL-2026-0003.md"), bytes).unwrap();
}

fn gen_not_utf8_site_toml(root: &Path) {
    let path = root.join("site.toml");
    let text = fs::read_to_string(&path).unwrap();
    let (before, after) = text.split_once("Quill security").unwrap();
    let mut bytes = before.as_bytes().to_vec();
    bytes.extend_from_slice(b"Quill s\xFFcurity");
    bytes.extend_from_slice(after.as_bytes());
    fs::write(&path, bytes).unwrap();
}

fn gen_broken_symlink(root: &Path) {
    std::os::unix::fs::symlink(
        "QUILL-2026-0003-draft.md",
        root.join("content/advisories/QUILL-2026-0003.md"),
    )
    .unwrap();
}

fn gen_symlink_loop(root: &Path) {
    let nested = root.join("content/advisories/nested");
    fs::create_dir_all(&nested).unwrap();
    std::os::unix::fs::symlink("..", nested.join("up")).unwrap();
}

fn gen_alias_bomb(root: &Path) {
    // `patches` entries are untagged enums, which serde buffers whole before
    // matching: the one place where a nested value is read in full.
    let mut text = String::from(
        "title: Billion laughs\npublished: 2026-03-01T12:00:00Z\naffected:\n  - series: \"1.1\"\n    patches:\n      - - &lol0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n",
    );
    for i in 1..10 {
        let items = vec![format!("*lol{}", i - 1); 10].join(", ");
        text.push_str(&format!("        - &lol{i} [{items}]\n"));
    }
    fs::write(root.join("content/advisories/QUILL-2026-0003.yaml"), text).unwrap();
}

fn gen_deep_nesting(root: &Path) {
    let text = format!(
        "title: Deep nesting\npublished: 2026-03-01T12:00:00Z\naliases: {}\n",
        "[".repeat(10_000)
    );
    fs::write(root.join("content/advisories/QUILL-2026-0003.yaml"), text).unwrap();
}

/// Every case: the overlays under `tests/bad/`, then the generated ones.
fn all_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let mut dirs: Vec<PathBuf> = fs::read_dir(bad_dir())
        .expect("tests/bad exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let files: Vec<String> = list_tree(&dir)
            .into_iter()
            .filter(|p| !p.ends_with('/'))
            .collect();
        cases.push(Case {
            description: format!("tests/bad/{name}: {}", files.join(", ")),
            name,
            source: Source::Overlay(dir),
        });
    }
    cases.extend(generated_cases());
    cases
}

/// Every path below `dir`, relative and `/`-separated; symbolic links are
/// listed, never followed.
fn list_tree(dir: &Path) -> BTreeSet<String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeSet<String>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            out.insert(if is_dir { format!("{rel}/") } else { rel });
            if is_dir {
                walk(root, &path, out);
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(dir, dir, &mut out);
    out
}

/// Copies the regular files and directories of `from` into `to`.
fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            copy_tree(&entry.path(), &target);
        } else if kind.is_file() {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A temporary copy of the base site with the case applied, and its clock.
fn prepare(case: &Case) -> (tempfile::TempDir, Timestamp) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    copy_tree(&base_site(), root);
    let mut now = DEFAULT_NOW.to_string();
    match &case.source {
        Source::Overlay(dir) => {
            if let Ok(list) = fs::read_to_string(dir.join("REMOVE")) {
                for rel in list.lines().map(str::trim).filter(|l| !l.is_empty()) {
                    let path = root.join(rel);
                    if path.is_dir() {
                        fs::remove_dir_all(&path).unwrap();
                    } else {
                        fs::remove_file(&path)
                            .unwrap_or_else(|e| panic!("{}: REMOVE {rel}: {e}", case.name));
                    }
                }
            }
            if let Ok(text) = fs::read_to_string(dir.join("NOW")) {
                now = text.trim().to_string();
            }
            for entry in fs::read_dir(dir).unwrap() {
                let entry = entry.unwrap();
                let file_name = entry.file_name();
                if file_name == "REMOVE" || file_name == "NOW" {
                    continue;
                }
                let target = root.join(&file_name);
                if entry.file_type().unwrap().is_dir() {
                    copy_tree(&entry.path(), &target);
                } else {
                    fs::copy(entry.path(), &target).unwrap();
                }
            }
        }
        Source::Generated(make) => make(root),
    }
    let now = now
        .parse()
        .unwrap_or_else(|e| panic!("{}: NOW `{now}` is not a timestamp: {e}", case.name));
    (tmp, now)
}

/// What one case did.
struct Outcome {
    /// `render_human` of every diagnostic.
    rendered: String,
    has_errors: bool,
    /// Problems with the case other than its snapshot.
    failures: Vec<String>,
}

/// Checks and builds one case. Runs on its own thread.
fn run_case(case: &Case) -> Outcome {
    let (tmp, now) = prepare(case);
    let root = tmp.path().to_path_buf();
    let opts = Options::new(root.clone(), now);
    let mut failures = Vec::new();
    let report = match disclose::check(&opts) {
        Ok(report) => report,
        Err(e) => {
            return Outcome {
                rendered: String::new(),
                has_errors: false,
                failures: vec![format!("check could not load the site: {e}")],
            };
        }
    };
    // Messages that quote an OS error may name the temporary directory.
    let rendered = render_human(&report.diagnostics, |f| report.sources.text_of(f))
        .replace(&format!("{}/", root.display()), "<site>/");
    let has_errors = report
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error);

    // A failed build leaves the previous public/ exactly as it was.
    let public = root.join("public");
    fs::create_dir_all(&public).unwrap();
    fs::write(public.join(SENTINEL), SENTINEL_TEXT).unwrap();
    let before = list_tree(&root);
    match disclose::build(&opts, &public) {
        Ok(built) => failures.push(format!(
            "build succeeded ({} files) instead of failing",
            built.files
        )),
        Err(e) => {
            if has_errors && !matches!(e, disclose::BuildError::Content(_)) {
                failures.push(format!(
                    "build failed with `{e}`, not with the content errors"
                ));
            }
        }
    }
    let after = list_tree(&root);
    if before != after {
        let added: Vec<_> = after.difference(&before).collect();
        let removed: Vec<_> = before.difference(&after).collect();
        failures.push(format!(
            "the failed build changed the site: added {added:?}, removed {removed:?}"
        ));
    }
    match fs::read_to_string(public.join(SENTINEL)) {
        Ok(text) if text == SENTINEL_TEXT => {}
        other => failures.push(format!("public/{SENTINEL} changed: {other:?}")),
    }
    Outcome {
        rendered,
        has_errors,
        failures,
    }
}

/// Runs `case` on its own thread; `Err` when it panics or takes too long.
fn run_with_timeout(case: &Case) -> Result<Outcome, String> {
    let (tx, rx) = mpsc::channel();
    let owned = case.clone();
    let handle = std::thread::Builder::new()
        .name(case.name.clone())
        .spawn(move || {
            let _ = tx.send(run_case(&owned));
        })
        .unwrap();
    match rx.recv_timeout(CASE_TIMEOUT) {
        Ok(outcome) => {
            let _ = handle.join();
            Ok(outcome)
        }
        Err(mpsc::RecvTimeoutError::Timeout) => Err(format!(
            "did not finish within {} s (hang?)",
            CASE_TIMEOUT.as_secs()
        )),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            let panic = handle.join().err().map_or_else(String::new, |p| {
                p.downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default()
            });
            Err(format!("panicked: {panic}"))
        }
    }
}

#[test]
fn every_bad_input_is_reported_and_blocks_the_build() {
    let cases = all_cases();
    for (gap, _) in KNOWN_GAPS {
        assert!(
            cases.iter().any(|c| c.name == *gap),
            "KNOWN_GAPS names {gap}, which is not a case"
        );
    }
    let checked = cases.len() - KNOWN_GAPS.len();
    assert!(checked >= 45, "the corpus has only {checked} checked cases");
    let mut failures: Vec<String> = Vec::new();
    for case in &cases {
        let outcome = match run_with_timeout(case) {
            Ok(o) => o,
            Err(e) => {
                failures.push(format!("{}: {e}", case.name));
                continue;
            }
        };
        if let Some((_, gap)) = KNOWN_GAPS.iter().find(|(name, _)| *name == case.name) {
            if outcome.has_errors {
                failures.push(format!(
                    "{}: now reported, so the known gap ({gap}) is closed: remove it from KNOWN_GAPS and review the new snapshot",
                    case.name
                ));
            }
            continue;
        }
        if !outcome.has_errors {
            failures.push(format!(
                "{}: check reported no error; it printed:\n{}",
                case.name, outcome.rendered
            ));
        }
        for f in outcome.failures {
            failures.push(format!("{}: {f}", case.name));
        }
        // Compare the snapshot even when the case failed otherwise, so that
        // every mismatch is listed in one run.
        let snapshot = std::panic::catch_unwind(|| {
            insta::with_settings!({
                description => case.description.clone(),
                omit_expression => true,
            }, {
                insta::assert_snapshot!(case.name.clone(), outcome.rendered);
            });
        });
        if snapshot.is_err() {
            failures.push(format!(
                "{}: the diagnostics differ from the snapshot",
                case.name
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} bad-input cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// A UTF-8 byte order mark and CRLF line ends are accepted (editors on
/// Windows write both), and positions are still right.
#[test]
fn bom_and_crlf_are_accepted() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    copy_tree(&base_site(), root);
    let text = valid_advisory_md("Windows line ends").replace('\n', "\r\n");
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(text.as_bytes());
    fs::write(root.join("content/advisories/QUILL-2026-0003.md"), &bytes).unwrap();
    let yaml = fs::read_to_string(root.join("content/advisories/QUILL-2026-0001.yaml"))
        .unwrap()
        .replace('\n', "\r\n");
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(yaml.as_bytes());
    fs::write(root.join("content/advisories/QUILL-2026-0001.yaml"), &bytes).unwrap();

    let opts = Options::new(root, DEFAULT_NOW.parse().unwrap());
    let report = disclose::check(&opts).unwrap();
    assert!(
        report.diagnostics.is_empty(),
        "{}",
        render_human(&report.diagnostics, |f| report.sources.text_of(f))
    );
    let site = report.site.expect("the site checks clean");
    let a = site
        .advisories
        .iter()
        .find(|a| a.id.as_str() == "QUILL-2026-0003")
        .expect("the CRLF advisory is loaded");
    assert_eq!(a.title, "Windows line ends");
    assert_eq!(a.details.trim_end(), "Details.");
    assert!(!a.details.contains('\r'));

    // Positions in a BOM + CRLF file are those an editor shows.
    let bad = String::from_utf8(bytes)
        .unwrap()
        .replace("severity: moderate", "severity: medium");
    fs::write(root.join("content/advisories/QUILL-2026-0001.yaml"), bad).unwrap();
    let report = disclose::check(&opts).unwrap();
    let d = &report.diagnostics[0];
    assert_eq!(d.code, "disclose::unknown-severity");
    assert_eq!((d.line, d.column), (5, 11), "{d:?}");

    let public = root.join("public");
    fs::remove_file(root.join("content/advisories/QUILL-2026-0001.yaml")).unwrap();
    disclose::build(&opts, &public).expect("the site builds");
    assert!(public.join("index.html").is_file());
}

/// The binary exits with 1 on content errors, shows `file:line:column`, and
/// a failed build creates nothing.
#[test]
fn the_binary_reports_bad_input_with_exit_code_1() {
    let cases = all_cases();
    for (name, code, location) in [
        (
            "unknown-series",
            "unknown-series",
            "content/advisories/QUILL-2026-0001.yaml:9:13",
        ),
        (
            "yaml-syntax-in-front-matter",
            "yaml-syntax",
            "content/advisories/QUILL-2025-0001.md:2:26",
        ),
        (
            "releases-duplicate-version",
            "duplicate-version",
            "content/releases.yaml:11:20",
        ),
    ] {
        let case = cases
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no case {name}"));
        let (tmp, now) = prepare(case);
        let site_before = list_tree(tmp.path());

        let out = assert_cmd::Command::cargo_bin("disclose")
            .unwrap()
            .arg("--root")
            .arg(tmp.path())
            .args(["check", "--now", &now.to_string()])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
        assert!(
            stderr.contains(&format!("error[disclose::{code}]: ")),
            "{name}: stderr does not show the code {code}:\n{stderr}"
        );
        assert!(
            stderr.contains(&format!("--> {location}\n")),
            "{name}: stderr does not show {location}:\n{stderr}"
        );

        let public = tmp.path().join("public");
        let out = assert_cmd::Command::cargo_bin("disclose")
            .unwrap()
            .arg("--root")
            .arg(tmp.path())
            .args(["build", "--now", &now.to_string()])
            .arg("--out")
            .arg(&public)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{name}: build: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            list_tree(tmp.path()),
            site_before,
            "{name}: a failed build changed the site"
        );
    }
}
