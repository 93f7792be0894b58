//! What a preview keeps of its sources between rebuilds, so that after one
//! edit only the edited file is read and parsed again: each file as read,
//! by the metadata it had then, and each advisory as parsed, by its text.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};

use super::{ParsedAdvisory, SourceFile, parse_advisory};
use crate::diagnostic::{Diagnostics, SourceName};

/// Files read by an earlier rebuild, by name. A file is read again when its
/// identity, size, link count or times changed, or when the watcher
/// [saw it change](ReadCache::mark_changed): an edit that keeps the size
/// within one tick of the file system's clock keeps the times too.
#[derive(Debug, Default)]
pub struct ReadCache {
    files: Mutex<HashMap<String, Arc<(FileStamp, SourceFile)>>>,
    /// Changes seen since the last read began.
    marked: Mutex<Marked>,
}

#[derive(Debug, Default)]
struct Marked {
    /// Site-relative names of files or folders.
    names: HashSet<String>,
    /// The watcher may have missed changes (its queue overflowed).
    all: bool,
}

/// What a file's metadata says of its contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    dev: u64,
    ino: u64,
    len: u64,
    nlink: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl FileStamp {
    /// The stamp of the file `path` leads to; `None` for anything the
    /// careful read would refuse or report, which is then read every time.
    pub fn of(path: &Path) -> Option<FileStamp> {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(path).ok()?;
        (m.is_file() && m.nlink() == 1).then(|| FileStamp {
            dev: m.dev(),
            ino: m.ino(),
            len: m.len(),
            nlink: m.nlink(),
            mtime: (m.mtime(), m.mtime_nsec()),
            ctime: (m.ctime(), m.ctime_nsec()),
        })
    }
}

impl ReadCache {
    /// The file as read before, if its stamp is still `stamp`.
    pub fn get(&self, name: &SourceName, stamp: FileStamp) -> Option<SourceFile> {
        // Copied outside the lock, so that the threads reading do not wait
        // for each other.
        let kept = Arc::clone(self.files.lock().ok()?.get(name.as_str())?);
        (kept.0 == stamp).then(|| kept.1.clone())
    }

    /// Keeps `file`, read after its metadata said `stamp`: a change between
    /// the two gives a later stamp, so the next rebuild reads it again.
    pub fn put(&self, stamp: FileStamp, file: &SourceFile) {
        if let Ok(mut files) = self.files.lock() {
            files.insert(
                file.name.as_str().to_string(),
                Arc::new((stamp, file.clone())),
            );
        }
    }

    /// Says that the files or folders named (site-relative, `/`-separated,
    /// as in diagnostics) changed: the next read reads them, and all below
    /// them, whatever their metadata says. A read already under way may
    /// have missed the change; the next one sees it.
    pub fn mark_changed(&self, names: impl IntoIterator<Item = String>) {
        if let Ok(mut marked) = self.marked.lock() {
            marked.names.extend(names);
        }
    }

    /// Says that anything may have changed: the next read reads every file.
    pub fn mark_all_changed(&self) {
        if let Ok(mut marked) = self.marked.lock() {
            marked.all = true;
        }
    }

    /// Drops what was marked changed; called as a read begins.
    pub(super) fn take_marks(&self) {
        let Ok(mut marked) = self.marked.lock() else {
            return;
        };
        let marked = std::mem::take(&mut *marked);
        let Ok(mut files) = self.files.lock() else {
            return;
        };
        if marked.all {
            files.clear();
            return;
        }
        if marked.names.is_empty() {
            return;
        }
        // A name or any folder above it.
        files.retain(|name, _| {
            !std::iter::successors(Some(name.as_str()), |n| {
                n.rsplit_once('/').map(|(dir, _)| dir)
            })
            .any(|n| marked.names.contains(n))
        });
    }

    /// Keeps only the files of the latest read.
    pub(super) fn retain<'n>(&self, names: impl IntoIterator<Item = &'n str>) {
        keep_only(&self.files, names);
    }
}

/// Advisory files already parsed, by name and text: YAML parsing is most of
/// the cost of checking a large site.
#[derive(Debug, Default)]
pub struct ParseCache(Mutex<HashMap<String, CachedParse>>);

#[derive(Debug, Clone)]
struct CachedParse {
    /// The text's length and hash: a changed file parses again.
    text: TextKey,
    parsed: Option<ParsedAdvisory>,
    diags: Diagnostics,
}

/// A text's length and hash, to tell whether a file changed.
pub type TextKey = (usize, u64);

pub fn text_key(text: &str) -> TextKey {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    (text.len(), h.finish())
}

impl ParseCache {
    /// [`parse_advisory`], or what it said of the same text before.
    pub fn parse(&self, file: &SourceFile, diags: &mut Diagnostics) -> Option<ParsedAdvisory> {
        let key = text_key(&file.text);
        let hit = self.0.lock().ok().and_then(|entries| {
            entries
                .get(file.name.as_str())
                .filter(|c| c.text == key)
                .cloned()
        });
        if let Some(c) = hit {
            diags.extend(c.diags);
            return c.parsed;
        }
        let mut local = Diagnostics::new();
        let parsed = parse_advisory(file, &mut local);
        if let Ok(mut entries) = self.0.lock() {
            entries.insert(
                file.name.as_str().to_string(),
                CachedParse {
                    text: key,
                    parsed: parsed.clone(),
                    diags: local.clone(),
                },
            );
        }
        diags.extend(local);
        parsed
    }

    /// Keeps only the files named (those of the latest read).
    pub fn retain<'n>(&self, names: impl IntoIterator<Item = &'n str>) {
        keep_only(&self.0, names);
    }
}

/// [`parse_advisory`], through `cache` when there is one.
pub fn parse_advisory_cached(
    file: &SourceFile,
    diags: &mut Diagnostics,
    cache: Option<&ParseCache>,
) -> Option<ParsedAdvisory> {
    match cache {
        Some(cache) => cache.parse(file, diags),
        None => parse_advisory(file, diags),
    }
}

/// Drops from a cache by file name every entry of a file not named: the
/// files gone since the cache was filled.
pub(crate) fn keep_only<'n, V>(
    entries: &Mutex<HashMap<String, V>>,
    names: impl IntoIterator<Item = &'n str>,
) {
    let names: HashSet<&str> = names.into_iter().collect();
    if let Ok(mut entries) = entries.lock() {
        entries.retain(|name, _| names.contains(name.as_str()));
    }
}

#[cfg(test)]
// The tests make the files they stamp.
#[allow(clippy::disallowed_methods)]
mod tests {
    use super::*;

    fn file(name: &str, text: &str) -> SourceFile {
        SourceFile {
            name: SourceName(name.into()),
            text: text.into(),
        }
    }

    #[test]
    fn a_read_is_kept_while_the_stamp_holds_and_until_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.md");
        std::fs::write(&path, "one").unwrap();
        let stamp = FileStamp::of(&path).unwrap();
        let cache = ReadCache::default();
        let name = SourceName("content/a.md".into());
        cache.put(stamp, &file("content/a.md", "one"));
        assert_eq!(cache.get(&name, stamp).unwrap().text, "one");
        std::fs::write(&path, "two, longer").unwrap();
        let later = FileStamp::of(&path).unwrap();
        assert_ne!(later, stamp, "a new size is a new stamp");
        assert!(cache.get(&name, later).is_none());
        cache.mark_changed(["content/b.md".to_string()]);
        cache.take_marks();
        assert!(cache.get(&name, stamp).is_some(), "another file changed");
        cache.mark_changed(["content".to_string()]);
        cache.take_marks();
        assert!(cache.get(&name, stamp).is_none(), "its folder changed");
        cache.put(stamp, &file("content/a.md", "one"));
        cache.mark_all_changed();
        cache.take_marks();
        assert!(cache.get(&name, stamp).is_none());
    }

    #[test]
    fn a_file_with_other_links_has_no_stamp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.md");
        std::fs::write(&path, "one").unwrap();
        std::fs::hard_link(&path, dir.path().join("b.md")).unwrap();
        assert!(FileStamp::of(&path).is_none());
        assert!(FileStamp::of(dir.path()).is_none(), "nor has a folder");
    }

    #[test]
    fn a_parse_is_kept_for_the_same_text_only() {
        let cache = ParseCache::default();
        let mut diags = Diagnostics::new();
        let broken = file("content/advisories/A-1.yaml", "id: [");
        assert!(cache.parse(&broken, &mut diags).is_none());
        let first = diags.error_count();
        assert!(first > 0);
        let mut again = Diagnostics::new();
        assert!(cache.parse(&broken, &mut again).is_none());
        assert_eq!(again.error_count(), first, "the same diagnostics come back");
        let fixed = file(
            "content/advisories/A-1.yaml",
            include_str!("../../tests/fixtures/site/content/advisories/QUILL-2026-0001.yaml"),
        );
        assert!(cache.parse(&fixed, &mut Diagnostics::new()).is_some());
    }
}
