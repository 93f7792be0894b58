//! `disclose build` killed with SIGKILL at random moments over the whole
//! build, again and again, on a generated site large enough that a build
//! takes about a second: after every kill the output directory is exactly
//! the previous site or exactly the new one, never a mix, never missing;
//! and the next complete build leaves no staging or old directory behind.
//!
//! `DISCLOSE_KILL_TRIALS` (default 50) and `DISCLOSE_KILL_ADVISORIES`
//! (default 30; a debug build of that takes about a second) change the run.

#![allow(clippy::disallowed_methods)]

#[path = "../benches/corpus/mod.rs"]
mod corpus;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

const NOW: &str = "2030-01-01T00:00:00Z";

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One digest of a whole tree: every path and its bytes; `None` when the
/// directory does not exist.
fn digest(dir: &Path) -> Option<String> {
    if !dir.exists() {
        return None;
    }
    let mut files = BTreeMap::new();
    for e in walkdir::WalkDir::new(dir) {
        let e = e.unwrap();
        if e.file_type().is_file() {
            let rel = e
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            files.insert(rel, Sha256::digest(fs::read(e.path()).unwrap()));
        }
    }
    let mut all = Sha256::new();
    for (path, hash) in &files {
        all.update(path.as_bytes());
        all.update([0]);
        all.update(hash);
    }
    Some(format!("{:x} ({} files)", all.finalize(), files.len()))
}

/// The site's two versions differ in its title, which every page and feed
/// shows: a mix of the two would show in many files.
fn set_version(root: &Path, v: usize) {
    let path = root.join("site.toml");
    let text = fs::read_to_string(&path).unwrap();
    let first = text.lines().next().unwrap().to_string();
    let title = format!("title = \"Bench security v{v}\"");
    fs::write(&path, text.replacen(&first, &title, 1)).unwrap();
}

fn build_command(root: &Path, out: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_disclose"));
    c.arg("--root")
        .arg(root)
        .args(["build", "--now", NOW, "--out"])
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

fn debris(parent: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".public."))
        .collect();
    names.sort();
    names
}

/// A small deterministic generator for the kill delays.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

#[test]
fn a_build_killed_at_any_moment_leaves_the_previous_site_or_the_new_one() {
    let trials = env_or("DISCLOSE_KILL_TRIALS", 50);
    let advisories = env_or("DISCLOSE_KILL_ADVISORIES", 30);
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    corpus::write_site(&root, advisories);
    let parent = tmp.path().join("www");
    fs::create_dir_all(&parent).unwrap();
    let out = parent.join("public");

    // The two sites, each built whole, and how long a build takes.
    let mut sites = Vec::new();
    let mut took = Duration::ZERO;
    for v in 0..2 {
        set_version(&root, v);
        let start = Instant::now();
        assert!(build_command(&root, &out).status().unwrap().success());
        took = took.max(start.elapsed());
        sites.push(digest(&out).unwrap());
    }
    assert_ne!(sites[0], sites[1]);
    eprintln!(
        "{advisories} advisories: a build takes {took:?}; {}",
        sites[1]
    );

    let mut on_disk = 1;
    let mut rng = Lcg(0x005e_ed0f_d15c_105e);
    let (mut old_kept, mut new_in, mut debris_seen) = (0, 0, 0);
    let window = took.as_millis() as u64 * 11 / 10;
    for trial in 0..trials {
        let next = 1 - on_disk;
        set_version(&root, next);
        let mut child = build_command(&root, &out).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(rng.below(window)));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let now = digest(&out);
        match now.as_deref() {
            Some(d) if d == sites[on_disk] => old_kept += 1,
            Some(d) if d == sites[next] => {
                new_in += 1;
                on_disk = next;
            }
            other => panic!(
                "trial {trial}: after the kill the output is {other:?}, neither {} nor {}",
                sites[on_disk], sites[next]
            ),
        }
        if !debris(&parent).is_empty() {
            debris_seen += 1;
        }
        // Now and then a build runs to its end: it clears what the killed
        // ones left.
        if trial % 10 == 9 {
            assert!(build_command(&root, &out).status().unwrap().success());
            on_disk = next;
            assert_eq!(digest(&out).as_deref(), Some(sites[next].as_str()));
            assert_eq!(debris(&parent), Vec::<String>::new(), "trial {trial}");
        }
    }
    set_version(&root, 0);
    assert!(build_command(&root, &out).status().unwrap().success());
    assert_eq!(digest(&out).as_deref(), Some(sites[0].as_str()));
    assert_eq!(debris(&parent), Vec::<String>::new());
    eprintln!(
        "{trials} kills: the previous site kept {old_kept} times, the new one in place {new_in} times; \
         {debris_seen} kills left staging debris, each cleared by the next complete build"
    );
}
