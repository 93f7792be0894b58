//! The site a build replaces, as the writer reuses it: an output whose bytes
//! are those of the previous site's file at the same path is linked to that
//! file instead of written (no new inode, no data written, and removing the
//! replaced tree frees nothing), and the replaced tree is removed on every
//! core.

use std::collections::HashSet;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

/// The regular files of the previous site, found by a walk that follows no
/// symbolic link: a path in it leads to a file inside that site, never
/// through a link to somewhere else.
#[derive(Debug)]
pub(super) struct PreviousSite {
    dir: PathBuf,
    files: HashSet<String>,
}

impl PreviousSite {
    /// The site in `dir`, when there is one.
    pub(super) fn find(dir: &Path) -> Option<PreviousSite> {
        if !fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir()) {
            return None;
        }
        let files = walkdir::WalkDir::new(dir)
            .follow_links(false)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .filter_map(|e| {
                let rel = e.path().strip_prefix(dir).ok()?;
                let parts: Option<Vec<&str>> =
                    rel.components().map(|c| c.as_os_str().to_str()).collect();
                Some(parts?.join("/"))
            })
            .collect();
        Some(PreviousSite {
            dir: dir.to_path_buf(),
            files,
        })
    }

    /// Links `staged` to the previous site's file at `path` when that file
    /// holds exactly `bytes` and has no other name (a file linked elsewhere
    /// could be changed from there). Says whether it did; anything in the
    /// way (a changed file, a file system without links) means the output
    /// is written instead.
    pub(super) fn link_unchanged(&self, path: &str, bytes: &[u8], staged: &Path) -> bool {
        if !self.files.contains(path) {
            return false;
        }
        let old = self.dir.join(path);
        holds_exactly(&old, bytes) && fs::hard_link(&old, staged).is_ok()
    }
}

/// Whether the regular file at `path`, with no other link, holds `bytes`.
fn holds_exactly(path: &Path, bytes: &[u8]) -> bool {
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    let flags = rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK;
    let Ok(mut file) = fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags.bits() as i32)
        .open(path)
    else {
        return false;
    };
    let Ok(meta) = file.metadata() else {
        return false;
    };
    if !meta.is_file() || meta.nlink() != 1 || meta.len() != bytes.len() as u64 {
        return false;
    }
    let mut old = Vec::with_capacity(bytes.len());
    file.read_to_end(&mut old).is_ok() && old == bytes
}

/// Removes the tree at `dir`, its folders' contents on every core: a site
/// is a hundred thousand files in a few thousand folders.
pub(super) fn remove_tree(dir: &Path) -> std::io::Result<()> {
    let mut entries = Vec::new();
    for top in fs::read_dir(dir)? {
        let top = top?;
        if top.file_type()?.is_dir() {
            for entry in fs::read_dir(top.path())? {
                entries.push(entry?);
            }
        }
    }
    entries
        .par_iter()
        .try_for_each(|e| match e.file_type()?.is_dir() {
            true => fs::remove_dir_all(e.path()),
            false => fs::remove_file(e.path()),
        })?;
    fs::remove_dir_all(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_unchanged_file_of_its_own_is_linked() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("public");
        fs::create_dir_all(site.join("a")).unwrap();
        fs::write(site.join("a/same.html"), "same").unwrap();
        fs::write(site.join("a/changed.html"), "before").unwrap();
        fs::write(site.join("shared.html"), "shared").unwrap();
        fs::hard_link(site.join("shared.html"), dir.path().join("elsewhere")).unwrap();
        let outside = dir.path().join("outside");
        fs::create_dir(&outside).unwrap();
        fs::write(outside.join("x.html"), "x").unwrap();
        std::os::unix::fs::symlink(&outside, site.join("linked")).unwrap();

        let previous = PreviousSite::find(&site).unwrap();
        let staging = dir.path().join("staging");
        fs::create_dir(&staging).unwrap();
        let link = |path: &str, bytes: &str| {
            previous.link_unchanged(
                path,
                bytes.as_bytes(),
                &staging.join(path.replace('/', "_")),
            )
        };
        assert!(link("a/same.html", "same"));
        assert!(!link("a/changed.html", "after"));
        assert!(!link("shared.html", "shared"), "it has another name");
        assert!(!link("linked/x.html", "x"), "it is reached through a link");
        assert!(!link("new.html", "new"));
        assert_eq!(fs::read(staging.join("a_same.html")).unwrap(), b"same");
    }

    #[test]
    fn a_tree_is_removed_whole() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("old");
        for d in ["a/b/c", "a/d", "e"] {
            fs::create_dir_all(site.join(d)).unwrap();
        }
        for f in ["top.txt", "a/b/c/f", "a/g", "e/h"] {
            fs::write(site.join(f), "x").unwrap();
        }
        remove_tree(&site).unwrap();
        assert!(!site.exists());
    }
}
