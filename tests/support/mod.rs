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

/// The `disclose` binary, with no clock or signing key from the environment.
pub fn disclose() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("disclose").unwrap();
    cmd.env_remove("SOURCE_DATE_EPOCH")
        .env_remove("DISCLOSE_SIGNING_KEY")
        .env_remove("DISCLOSE_SIGNING_KEY_PASSPHRASE");
    cmd
}

/// A copy of the fixture site that commands may write into, at `<tmp>/site`
/// (so that directories beside it are outside it).
pub fn temp_site() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    copy_dir(&fixture(), &site);
    (dir, site)
}

/// What a command printed on standard output.
pub fn stdout(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stdout).into_owned()
}

/// What a command printed on standard error.
pub fn stderr(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

/// A throwaway signing key created in 2020 from `seed`, written to
/// `dir/signing.asc`, and the key as `now` sees it.
pub fn signing_key_file(dir: &Path, seed: u8, now: &str) -> (PathBuf, disclose::sign::OpenPgpKey) {
    let armored = disclose::sign::generate_key(
        "Test security <security@test.example>",
        "2020-01-01T00:00:00Z".parse().unwrap(),
        [seed; 32],
        None,
    )
    .unwrap();
    let file = dir.join("signing.asc");
    std::fs::write(&file, &armored).unwrap();
    let key =
        disclose::sign::OpenPgpKey::from_armored(&armored, None, now.parse().unwrap()).unwrap();
    (file, key)
}

/// `disclose <command> --now <now> <flag> <dest>` on a copy of the fixture
/// must refuse every `dest` inside the published site — its `public/`, by
/// any spelling, or a site built elsewhere, known by its security.txt —
/// with exit code 2, and write nothing. `file` is appended to each `dest`
/// (`""` for a directory option, a file name for a file option).
pub fn assert_refuses_the_published_site(command: &str, flag: &str, file: &str, now: &str) {
    let (dir, site) = temp_site();
    for dest in ["public", "public/private", "./public/../public/x"] {
        let a = disclose()
            .arg("--root")
            .arg(&site)
            .args([command, "--now", now, flag, &format!("{dest}{file}")])
            .assert()
            .code(2);
        assert!(
            stderr(&a).contains("inside the published site"),
            "{command} {dest}: {}",
            stderr(&a)
        );
    }
    assert!(!site.join("public").exists());
    let built = dir.path().join("www");
    disclose()
        .arg("--root")
        .arg(&site)
        .args(["build", "--now", now, "--out"])
        .arg(&built)
        .assert()
        .code(0);
    let a = disclose()
        .arg("--root")
        .arg(&site)
        .args([command, "--now", now, flag])
        .arg(format!("{}{file}", built.join("private").display()))
        .assert()
        .code(2);
    assert!(
        stderr(&a).contains("inside the published site"),
        "{command}"
    );
    assert!(!built.join("private").exists());
}
