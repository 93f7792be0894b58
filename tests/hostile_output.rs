//! Output locations a build must refuse or fail on cleanly: a symbolic
//! link, a file, a read-only file system, a full disk, a directory inside
//! `content/`. Each ends with exit 2, a message naming the path, the
//! previous site byte for byte as it was, and no partial tree beside it.
//!
//! The read-only and full-disk cases mount a small tmpfs (read-only, or
//! with `size=`) where the test may mount (as root, as CI runs); elsewhere
//! the read-only case uses a read-only directory and the full-disk case is
//! skipped, saying so.

#![allow(clippy::disallowed_methods)]

use crate::support;
use support::*;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const NOW: &str = "2026-12-10T00:00:00Z";

fn site() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    copy_dir(&fixture(), &root);
    (tmp, root)
}

fn build(root: &Path, out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_disclose"))
        .arg("--root")
        .arg(root)
        .args(["build", "--now", NOW, "--out"])
        .arg(out)
        .output()
        .unwrap()
}

/// Every path below `dir` (symbolic links not followed) with its bytes.
fn snapshot(dir: &Path) -> Vec<(String, Option<Vec<u8>>)> {
    let mut all: Vec<_> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let bytes = e.file_type().is_file().then(|| fs::read(e.path()).unwrap());
            (rel, bytes)
        })
        .collect();
    all.sort();
    all
}

/// Asserts the build failed with exit 2 and a message naming `path`.
fn assert_refused(out: &Output, path: &Path, words: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&path.display().to_string()),
        "the message does not name {}: {stderr}",
        path.display()
    );
    assert!(stderr.contains(words), "no `{words}` in: {stderr}");
}

#[test]
fn an_output_that_is_a_symlink_is_refused() {
    let (tmp, root) = site();
    let real = tmp.path().join("real");
    assert!(build(&root, &real).status.success());
    let link = tmp.path().join("public");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let before = snapshot(tmp.path());
    assert_refused(&build(&root, &link), &link, "symbolic link");
    assert_eq!(snapshot(tmp.path()), before);
}

#[test]
fn an_output_that_is_a_file_is_refused() {
    let (tmp, root) = site();
    let file = tmp.path().join("public");
    fs::write(&file, "not a site").unwrap();
    let before = snapshot(tmp.path());
    assert_refused(&build(&root, &file), &file, "is a file");
    assert_eq!(snapshot(tmp.path()), before);
}

#[test]
fn an_output_inside_content_is_refused() {
    let (tmp, root) = site();
    let out = root.join("content/public");
    let before = snapshot(tmp.path());
    assert_refused(&build(&root, &out), &out, "which the site is read from");
    assert_eq!(snapshot(tmp.path()), before);
}

/// A tmpfs mounted for one test, unmounted when dropped.
struct Mount(PathBuf);

impl Mount {
    fn tmpfs(at: &Path, options: &str) -> Option<Mount> {
        fs::create_dir_all(at).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", options, "tmpfs"])
            .arg(at)
            .output()
            .is_ok_and(|o| o.status.success());
        ok.then(|| Mount(at.to_path_buf()))
    }

    fn remount(&self, options: &str) {
        let ok = Command::new("mount")
            .args(["-o", &format!("remount,{options}")])
            .arg(&self.0)
            .status()
            .unwrap()
            .success();
        assert!(ok, "remount {options}");
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// The bytes a tmpfs needs to hold the site built from `root`: whole
/// pages per file.
fn pages_needed(root: &Path, scratch: &Path) -> u64 {
    let out = scratch.join("measure");
    assert!(build(root, &out).status.success());
    let bytes = walkdir::WalkDir::new(&out)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.metadata().unwrap().len().div_ceil(4096) * 4096)
        .sum();
    fs::remove_dir_all(&out).unwrap();
    bytes
}

#[test]
fn a_read_only_output_fails_and_leaves_the_previous_site() {
    let (tmp, root) = site();
    let dir = tmp.path().join("ro");
    let out = dir.join("public");
    let mount = Mount::tmpfs(&dir, "size=64m");
    assert!(build(&root, &out).status.success());
    match &mount {
        Some(m) => m.remount("ro"),
        None => {
            use std::os::unix::fs::PermissionsExt;
            eprintln!(
                "cannot mount here: a read-only directory stands in for a read-only file system"
            );
            fs::set_permissions(&dir, fs::Permissions::from_mode(0o555)).unwrap();
        }
    }
    let before = snapshot(&dir);
    // A second site content, so a success would show.
    fs::write(
        root.join("content/pages/policy.md"),
        "---\ntitle: Changed policy\n---\nChanged.\n",
    )
    .unwrap();
    let result = build(&root, &out);
    if mount.is_none() && result.status.success() {
        eprintln!("running as root without mounts: a read-only directory does not stop root");
        return;
    }
    assert_refused(&result, &dir, "cannot build into");
    assert_eq!(snapshot(&dir), before);
}

#[test]
fn a_full_disk_fails_and_leaves_the_previous_site_and_no_partial_tree() {
    let (tmp, root) = site();
    let needed = pages_needed(&root, tmp.path());
    let dir = tmp.path().join("small");
    // Room for one site and a half: the first build fits; the second, whose
    // policy page alone is as large as the first site (its unchanged files
    // are linked, which takes no room), runs out of space while its staging
    // tree sits beside the first.
    let Some(_mount) = Mount::tmpfs(&dir, &format!("size={}", needed * 3 / 2)) else {
        eprintln!("cannot mount a size-limited tmpfs here: the full-disk case is not run");
        return;
    };
    let out = dir.join("public");
    let first = build(&root, &out);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let before = snapshot(&dir);
    let line = "A changed policy, said at length.\n";
    let lines = (needed.min(1000 * 1024) as usize).div_ceil(line.len());
    fs::write(
        root.join("content/pages/policy.md"),
        format!("---\ntitle: Changed policy\n---\n{}", line.repeat(lines)),
    )
    .unwrap();
    let second = build(&root, &out);
    assert_refused(&second, &out, "No space left on device");
    assert_eq!(
        snapshot(&dir),
        before,
        "the previous site changed or debris is left"
    );
}
