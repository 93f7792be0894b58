//! Two builds of the same inputs at the same clock are byte-identical
//! wherever and however they run: in different directories (at different
//! depths), under different `TZ`, `LANG`/`LC_ALL` and umask, with the
//! input files created in opposite orders.

#![allow(clippy::disallowed_methods)]

use crate::support;
use support::*;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const NOW: &str = "2026-12-10T00:00:00Z";

/// Every file below `from`, as relative paths, sorted.
fn files(from: &Path) -> Vec<PathBuf> {
    let mut all: Vec<PathBuf> = walkdir::WalkDir::new(from)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(from).unwrap().to_path_buf())
        .collect();
    all.sort();
    all
}

/// Copies `from` into `to` creating the files in the order given.
fn copy_in_order(from: &Path, to: &Path, order: &[PathBuf]) {
    for rel in order {
        let target = to.join(rel);
        fs::create_dir_all(target.parent().unwrap()).unwrap();
        fs::copy(from.join(rel), &target).unwrap();
    }
}

fn build(root: &Path, tz: &str, lang: &str, umask: &str) {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("umask {umask} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_disclose"))
        .arg("--root")
        .arg(root)
        .args(["build", "--now", NOW])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("TZ", tz)
        .env("LANG", lang)
        .env("LC_ALL", lang)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn builds_in_different_places_zones_locales_umasks_and_file_orders_are_byte_identical() {
    for source in [fixture(), example()] {
        let order = {
            let mut all: Vec<PathBuf> = ["site.toml"]
                .iter()
                .map(PathBuf::from)
                .chain(
                    ["content", "themes"]
                        .iter()
                        .filter(|d| source.join(d).is_dir())
                        .flat_map(|d| {
                            files(&source.join(d))
                                .into_iter()
                                .map(move |f| Path::new(d).join(f))
                        }),
                )
                .collect();
            all.sort();
            all
        };
        let tmp = tempfile::tempdir().unwrap();
        let a = tmp.path().join("a");
        let b = tmp.path().join("deeper/path with space/b");
        copy_in_order(&source, &a, &order);
        let reversed: Vec<PathBuf> = order.iter().rev().cloned().collect();
        copy_in_order(&source, &b, &reversed);
        build(&a, "UTC", "C", "022");
        build(&b, "Pacific/Chatham", "tr_TR.UTF-8", "077");
        let (ta, tb) = (read_tree(&a.join("public")), read_tree(&b.join("public")));
        assert!(!ta.is_empty());
        let paths = |t: &[(String, Vec<u8>)]| t.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>();
        assert_eq!(paths(&ta), paths(&tb), "{}", source.display());
        for ((path, x), (_, y)) in ta.iter().zip(&tb) {
            assert!(
                x == y,
                "{}: {path} differs between the two builds",
                source.display()
            );
        }
    }
}
