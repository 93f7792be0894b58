//! What the site tests share: where the fixture and example sites are,
//! copying a site to a scratch directory, reading a built tree back, and
//! finding one output of an in-memory build.
#![allow(dead_code, clippy::disallowed_methods)] // each test crate uses a part; tests write scratch copies

use std::path::{Path, PathBuf};

use disclose::Options;
use disclose::model::Site;
use disclose::render::Output;

/// The small fixture site (project "Quill", semver, three advisories).
pub fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/site")
}

/// The repository's own example site (project "Larch").
pub fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Copies the directory tree `from` into `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Every file under `dir` with its bytes, by `/`-separated relative path.
pub fn read_tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap().to_string_lossy();
            (rel.replace('\\', "/"), std::fs::read(e.path()).unwrap())
        })
        .collect();
    files.sort();
    files
}

/// The output at `path`, as text.
pub fn text<'a>(outputs: &'a [Output], path: &str) -> &'a str {
    let o = outputs
        .iter()
        .find(|o| o.path == path)
        .unwrap_or_else(|| panic!("no output {path}"));
    std::str::from_utf8(&o.bytes).unwrap()
}

/// Every output of the site at `root` built at `now`, sorted by path.
pub fn render_at(root: impl Into<PathBuf>, now: &str) -> Vec<Output> {
    let opts = Options::new(root, now.parse().unwrap());
    disclose::render_site(&opts)
        .map(|(outputs, _, _)| outputs)
        .unwrap()
}

/// The checked site at `root` with every advisory, embargoed ones included,
/// for building one output directly.
pub fn checked_site(root: impl Into<PathBuf>, now: &str) -> Site {
    let opts = Options::new(root, now.parse().unwrap());
    disclose::check(&opts).unwrap().site.unwrap()
}
