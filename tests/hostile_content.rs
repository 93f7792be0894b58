//! Content trees that try to make `check` and `build` hang, read through
//! to files outside the site, or forge lines of their output: named pipes,
//! sockets, devices, unreadable files, links out of the site, hard links,
//! file names with newlines or invalid UTF-8, and tens of thousands of
//! empty files. Each is reported with a diagnostic naming the file, never
//! read, never published, and nothing hangs (every case runs under a time
//! limit).

#![allow(clippy::disallowed_methods)]

use crate::support;
use support::*;

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use disclose::Options;

const NOW: &str = "2026-12-10T00:00:00Z";
const SECRET: &str = "SECRET-OUTSIDE-THE-SITE-7f3a";

/// A scratch copy of the fixture site, with a secret file beside it.
struct Site {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    secret: PathBuf,
}

fn site() -> Site {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    copy_dir(&fixture(), &root);
    let secret = tmp.path().join("secret.md");
    fs::write(
        &secret,
        format!(
            "---\ntitle: {SECRET}\npublished: 2026-01-01T00:00:00Z\naffected: []\n---\n{SECRET}\n"
        ),
    )
    .unwrap();
    Site {
        _tmp: tmp,
        root,
        secret,
    }
}

fn advisories(s: &Site) -> PathBuf {
    s.root.join("content/advisories")
}

/// Runs check, then build, on a thread with a time limit; returns the
/// diagnostics' `code file` lines. Fails when either takes too long, when
/// the build succeeds, or when the build touches `public/`.
fn check_and_build(root: &Path, limit: Duration) -> Vec<String> {
    let (tx, rx) = mpsc::channel();
    let root = root.to_path_buf();
    std::thread::spawn(move || {
        let opts = Options::new(root.clone(), NOW.parse().unwrap());
        let report = disclose::check(&opts).expect("the site loads");
        let codes: Vec<String> = report
            .diagnostics
            .iter()
            .filter(|d| d.severity == disclose::diagnostic::Severity::Error)
            .map(|d| format!("{} {}", d.code, d.file))
            .collect();
        let public = root.join("public");
        fs::create_dir_all(&public).unwrap();
        fs::write(public.join("sentinel"), "previous").unwrap();
        let built = disclose::build(&opts, &public);
        let untouched = fs::read_dir(&public).unwrap().count() == 1
            && fs::read_to_string(public.join("sentinel")).unwrap() == "previous";
        let _ = tx.send((codes, built.is_ok(), untouched));
    });
    let (codes, built, untouched) = rx
        .recv_timeout(limit)
        .unwrap_or_else(|_| panic!("check and build did not finish within {limit:?} (hang?)"));
    assert!(!built, "the build succeeded: {codes:?}");
    assert!(untouched, "the failed build touched public/");
    codes
}

fn assert_reported(codes: &[String], code: &str, file: &str) {
    let want = format!("disclose::{code} {file}");
    assert!(codes.iter().any(|c| c == &want), "no `{want}` in {codes:?}");
}

const LIMIT: Duration = Duration::from_secs(60);

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().unwrap().success();
    assert!(ok, "mkfifo {}", path.display());
}

#[test]
fn a_named_pipe_is_reported_and_never_opened_for_a_blocking_read() {
    let s = site();
    mkfifo(&advisories(&s).join("QUILL-2026-0009.md"));
    // Replaced after the walk could have seen a regular file: the releases
    // file is opened by name, and must not block either.
    fs::remove_file(s.root.join("content/releases.yaml")).unwrap();
    mkfifo(&s.root.join("content/releases.yaml"));
    fs::create_dir_all(s.root.join("themes/default/templates")).unwrap();
    mkfifo(&s.root.join("themes/default/templates/base.html"));
    let codes = check_and_build(&s.root, LIMIT);
    assert_reported(
        &codes,
        "not-a-regular-file",
        "content/advisories/QUILL-2026-0009.md",
    );
    assert_reported(&codes, "not-a-regular-file", "content/releases.yaml");
    assert_reported(
        &codes,
        "not-a-regular-file",
        "themes/default/templates/base.html",
    );
}

#[test]
fn a_socket_is_reported() {
    let s = site();
    let path = advisories(&s).join("QUILL-2026-0009.md");
    let _listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    let codes = check_and_build(&s.root, LIMIT);
    assert_reported(
        &codes,
        "not-a-regular-file",
        "content/advisories/QUILL-2026-0009.md",
    );
}

#[test]
fn a_device_is_reported_and_never_read() {
    let s = site();
    // A real device node where the system lets us make one (root), and a
    // link to an endless one in any case.
    let node = advisories(&s).join("QUILL-2026-0008.md");
    let made = Command::new("mknod")
        .arg(&node)
        .args(["c", "1", "5"])
        .status()
        .is_ok_and(|s| s.success());
    std::os::unix::fs::symlink("/dev/zero", advisories(&s).join("QUILL-2026-0009.md")).unwrap();
    let codes = check_and_build(&s.root, LIMIT);
    if made {
        assert_reported(
            &codes,
            "not-a-regular-file",
            "content/advisories/QUILL-2026-0008.md",
        );
    } else {
        eprintln!("mknod is not permitted here: only the link to /dev/zero is tested");
    }
    assert!(
        codes
            .iter()
            .any(|c| c.ends_with("content/advisories/QUILL-2026-0009.md")),
        "{codes:?}"
    );
}

#[test]
fn links_out_of_the_site_are_reported_and_never_read_or_published() {
    let s = site();
    std::os::unix::fs::symlink(&s.secret, advisories(&s).join("QUILL-2026-0009.md")).unwrap();
    // A link to the root directory would walk the whole machine.
    std::os::unix::fs::symlink("/", advisories(&s).join("everything")).unwrap();
    std::os::unix::fs::symlink(
        s.secret.parent().unwrap(),
        s.root.join("content/pages/outside"),
    )
    .unwrap();
    let start = Instant::now();
    let codes = check_and_build(&s.root, LIMIT);
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "{:?}",
        start.elapsed()
    );
    assert_reported(
        &codes,
        "outside-site",
        "content/advisories/QUILL-2026-0009.md",
    );
    assert_reported(&codes, "outside-site", "content/advisories/everything");
    assert_reported(&codes, "outside-site", "content/pages/outside");
    // Nothing of the secret reached a diagnostic's text either.
    let opts = Options::new(s.root.clone(), NOW.parse().unwrap());
    let report = disclose::check(&opts).unwrap();
    for d in &report.diagnostics {
        assert!(!d.message.contains(SECRET), "{d:?}");
    }
}

#[test]
fn a_link_inside_the_site_is_still_followed() {
    let s = site();
    fs::rename(
        advisories(&s).join("QUILL-2025-0001.md"),
        s.root.join("content/QUILL-2025-0001.md"),
    )
    .unwrap();
    std::os::unix::fs::symlink(
        "../QUILL-2025-0001.md",
        advisories(&s).join("QUILL-2025-0001.md"),
    )
    .unwrap();
    let opts = Options::new(s.root.clone(), NOW.parse().unwrap());
    let report = disclose::check(&opts).unwrap();
    assert!(!report.has_errors(), "{:?}", report.diagnostics);
}

#[test]
fn a_hard_link_is_reported_and_never_read() {
    let s = site();
    let link = advisories(&s).join("QUILL-2026-0009.md");
    if fs::hard_link(&s.secret, &link).is_err() {
        eprintln!("hard links are not permitted here");
        return;
    }
    let codes = check_and_build(&s.root, LIMIT);
    assert_reported(&codes, "hard-link", "content/advisories/QUILL-2026-0009.md");
}

#[test]
fn file_names_with_a_newline_or_invalid_utf8_are_reported_without_forging_lines() {
    let s = site();
    let body = fs::read(advisories(&s).join("QUILL-2025-0001.md")).unwrap();
    fs::write(
        advisories(&s).join("QUILL-2026-0009.md\n::error file=x::forged.md"),
        &body,
    )
    .unwrap();
    fs::write(
        advisories(&s).join(OsStr::from_bytes(b"QUILL-\xff-0010.md")),
        &body,
    )
    .unwrap();
    let codes = check_and_build(&s.root, LIMIT);
    assert_reported(
        &codes,
        "unsafe-file-name",
        "content/advisories/QUILL-2026-0009.md\\n::error file=x::forged.md",
    );
    assert_reported(
        &codes,
        "unsafe-file-name",
        "content/advisories/QUILL-\\xFF-0010.md",
    );
    // In CI annotations every line is one annotation.
    let out = Command::new(env!("CARGO_BIN_EXE_disclose"))
        .arg("--root")
        .arg(&s.root)
        .args(["check", "--now", NOW, "--format", "github"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    for line in stdout.lines().filter(|l| !l.is_empty()) {
        assert!(
            line.starts_with("::error")
                || line.starts_with("::warning")
                || line.starts_with("::notice")
                || !line.starts_with("::"),
            "{line}"
        );
        assert!(
            !line.starts_with("::error file=x::"),
            "a forged annotation: {line}"
        );
    }
}

#[test]
fn an_unreadable_file_is_reported() {
    use std::os::unix::fs::PermissionsExt;
    let s = site();
    let file = advisories(&s).join("QUILL-2026-0009.md");
    fs::copy(advisories(&s).join("QUILL-2025-0001.md"), &file).unwrap();
    fs::set_permissions(&file, fs::Permissions::from_mode(0o000)).unwrap();
    // A file we created belongs to our effective user.
    let as_root = std::os::unix::fs::MetadataExt::uid(&fs::metadata(&file).unwrap()) == 0;
    if !as_root {
        let codes = check_and_build(&s.root, LIMIT);
        assert_reported(
            &codes,
            "unreadable",
            "content/advisories/QUILL-2026-0009.md",
        );
        return;
    }
    // Root reads every file: run the check as an unprivileged user.
    for dir in walkdir::WalkDir::new(s.root.parent().unwrap()) {
        let dir = dir.unwrap();
        if dir.file_type().is_dir() {
            fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
    use std::os::unix::process::CommandExt;
    let out = Command::new(env!("CARGO_BIN_EXE_disclose"))
        .arg("--root")
        .arg(&s.root)
        .args(["check", "--now", NOW, "--format", "json"])
        .uid(65534)
        .gid(65534)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("disclose::unreadable") && stdout.contains("QUILL-2026-0009.md"),
        "{stdout}"
    );
}

#[test]
fn twenty_thousand_empty_files_are_reported_quickly() {
    let s = site();
    let dir = advisories(&s);
    for i in 0..20_000 {
        fs::write(dir.join(format!("EMPTY-{i:05}.md")), "").unwrap();
    }
    let junk = s.root.join("content/pages/junk");
    fs::create_dir_all(&junk).unwrap();
    for i in 0..5_000 {
        fs::write(junk.join(format!("{i}.txt")), "").unwrap();
    }
    let start = Instant::now();
    let codes = check_and_build(&s.root, Duration::from_secs(240));
    eprintln!(
        "25,000 empty files: check and build in {:?}",
        start.elapsed()
    );
    let empty = codes
        .iter()
        .filter(|c| c.contains("content/advisories/EMPTY-"))
        .count();
    assert_eq!(empty, 20_000, "one error per empty advisory");
}
