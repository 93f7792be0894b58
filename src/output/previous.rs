//! The site a build replaces, as the writer reuses it: an output whose bytes
//! are those of the previous site's file at the same path is linked to that
//! file instead of written (no new inode, no data written, and removing the
//! replaced tree frees nothing), and the replaced tree is removed on every
//! core.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

/// The site being replaced, opened as a folder.
#[derive(Debug)]
pub(super) struct PreviousSite {
    dir: PathBuf,
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    fd: rustix::fd::OwnedFd,
}

impl PreviousSite {
    /// The site in `dir`, when there is one (a folder, not a link to one).
    pub(super) fn find(dir: &Path) -> Option<PreviousSite> {
        use rustix::fs::{Mode, OFlags};
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = rustix::fs::open(dir, flags, Mode::empty()).ok()?;
        Some(PreviousSite {
            dir: dir.to_path_buf(),
            fd,
        })
    }

    /// Links `staged` to the previous site's file at `path` when that file
    /// holds exactly `bytes`, is reached through no symbolic link, and has
    /// no other name (a file linked elsewhere could be changed from there).
    /// Says whether it did; anything in the way (a changed file, a system
    /// or file system without these calls) means the output is written
    /// instead.
    pub(super) fn link_unchanged(&self, path: &str, bytes: &[u8], staged: &Path) -> bool {
        use std::os::unix::fs::MetadataExt;
        let Some(mut file) = self.open_beneath(path) else {
            return false;
        };
        let Ok(meta) = file.metadata() else {
            return false;
        };
        if !meta.is_file() || meta.nlink() != 1 || meta.len() != bytes.len() as u64 {
            return false;
        }
        if !holds_exactly(&mut file, bytes) || fs::hard_link(self.dir.join(path), staged).is_err() {
            return false;
        }
        // The link was made by path: it must name the file compared.
        let same = fs::symlink_metadata(staged)
            .is_ok_and(|m| (m.dev(), m.ino()) == (meta.dev(), meta.ino()));
        if !same {
            let _ = fs::remove_file(staged);
        }
        same
    }

    /// Opens `path` for reading below the site, refusing any symbolic link
    /// on the way and any `..` that would climb out.
    #[cfg(target_os = "linux")]
    fn open_beneath(&self, path: &str) -> Option<fs::File> {
        use rustix::fs::{Mode, OFlags, ResolveFlags};
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
        let resolve = ResolveFlags::NO_SYMLINKS | ResolveFlags::BENEATH;
        rustix::fs::openat2(&self.fd, path, flags, Mode::empty(), resolve)
            .ok()
            .map(fs::File::from)
    }

    #[cfg(not(target_os = "linux"))]
    fn open_beneath(&self, _path: &str) -> Option<fs::File> {
        None
    }
}

/// Whether what is left to read of `file` is `bytes`.
fn holds_exactly(file: &mut fs::File, bytes: &[u8]) -> bool {
    // Compared a block at a time: the largest outputs are megabytes.
    let mut block = [0u8; 64 * 1024];
    let mut rest = bytes;
    loop {
        match file.read(&mut block) {
            Ok(0) => return rest.is_empty(),
            Ok(n) if rest.len() >= n && rest[..n] == block[..n] => rest = &rest[n..],
            Ok(_) => return false,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
    }
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
