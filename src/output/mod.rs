//! The only code that writes the built site: outputs are checked (paths stay
//! inside the output directory; no withheld token in any byte), written to a
//! staging directory beside the target, and swapped in whole. A failed build
//! leaves the previous site exactly as it was.

#![allow(clippy::disallowed_methods)]

mod previous;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use aho_corasick::AhoCorasick;

use crate::render::Output;

/// Why the output could not be committed.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("output path `{0}` is not a relative path inside the output directory")]
    UnsafePath(String),
    #[error("output path `{0}` is produced twice")]
    DuplicatePath(String),
    #[error("embargo leak: `{token}` (withheld) appears in {path} at byte {offset}")]
    Leak {
        path: String,
        offset: usize,
        token: String,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot scan the archive {path} for withheld tokens: {message}")]
    UnreadableArchive { path: String, message: String },
    #[error(
        "refusing to replace {0}: it is the site itself, contains it, or holds sources (site.toml, content/ or .git); choose another --out"
    )]
    UnsafeOutDir(PathBuf),
    #[error(
        "refusing to write confidential files into {out}: it is inside the published site {public}; choose another --out"
    )]
    PublicOutDir { out: PathBuf, public: PathBuf },
    #[error(
        "refusing to replace {0}: it is a symbolic link, and the build would replace the link, not the directory it points to; pass that directory as --out"
    )]
    SymlinkOutDir(PathBuf),
    #[error(
        "refusing to replace {0}: it is a file, not a directory holding a built site; remove it or choose another --out"
    )]
    NotADirectory(PathBuf),
    #[error(
        "refusing to build into {out}: it is inside {sources}, which the site is read from, so the next build would read its own output; choose another --out"
    )]
    InsideSources { out: PathBuf, sources: PathBuf },
    #[error("cannot build into {out}: {path}: {source}; the previous site is untouched")]
    Commit {
        out: PathBuf,
        path: PathBuf,
        source: std::io::Error,
    },
}

impl OutputError {
    /// Leaks and bad paths are the content's fault (exit 1); I/O is not (exit 2).
    pub fn is_content_error(&self) -> bool {
        !matches!(
            self,
            OutputError::Io { .. }
                | OutputError::UnsafeOutDir(_)
                | OutputError::PublicOutDir { .. }
                | OutputError::UnreadableArchive { .. }
                | OutputError::SymlinkOutDir(_)
                | OutputError::NotADirectory(_)
                | OutputError::InsideSources { .. }
                | OutputError::Commit { .. }
        )
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A path is safe when it is relative, `/`-separated, and every segment is
/// a plain name (no `..`, `.`, empty segment, backslash or drive letter).
pub fn is_safe_output_path(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && path.split('/').all(|seg| {
            !seg.is_empty() && seg != "." && seg != ".." && !seg.contains(['\\', ':', '\0'])
        })
}

/// Checks every path and scans every byte for withheld tokens.
pub fn verify(outputs: &[Output], forbidden: &[String]) -> Result<(), OutputError> {
    let mut seen = BTreeSet::new();
    for o in outputs {
        if !is_safe_output_path(&o.path) {
            return Err(OutputError::UnsafePath(o.path.clone()));
        }
        if !seen.insert(o.path.as_str()) {
            return Err(OutputError::DuplicatePath(o.path.clone()));
        }
    }
    scan_for_leaks(outputs, forbidden)
}

/// Fails on the first output that contains a forbidden token, with its
/// file and byte offset (see [`LeakScanner`]). Outputs are scanned in
/// parallel; the first leak in output order is the one reported, so the
/// message does not depend on scheduling.
pub fn scan_for_leaks(outputs: &[Output], forbidden: &[String]) -> Result<(), OutputError> {
    let Some(scanner) = LeakScanner::new(forbidden)? else {
        return Ok(());
    };
    use rayon::prelude::*;
    outputs
        .par_iter()
        .map(|o| scanner.scan(o))
        .find_first(Result::is_err)
        .unwrap_or(Ok(()))
}

/// Finds withheld tokens in outputs. HTML and XML may escape characters of
/// a title, so the escaped spellings are searched as well; a title wrapped
/// over lines is still a title, so whitespace runs count as one space.
/// Compression hides tokens from a byte scan, so every entry of a `.zip`
/// output is scanned decompressed; a leak there is reported as
/// `<archive>!<entry>` with the offset in the entry.
pub struct LeakScanner {
    matcher: AhoCorasick,
    /// Pattern index → index into `forbidden`.
    original: Vec<usize>,
    forbidden: Vec<String>,
}

impl LeakScanner {
    /// A scanner for `forbidden`; `None` when nothing is withheld.
    pub fn new(forbidden: &[String]) -> Result<Option<LeakScanner>, OutputError> {
        if forbidden.is_empty() {
            return Ok(None);
        }
        let mut patterns: Vec<String> = Vec::with_capacity(forbidden.len() * 2);
        let mut original: Vec<usize> = Vec::new();
        for (i, t) in forbidden.iter().enumerate() {
            // The scanned bytes are folded (see `find`), so the token is too:
            // a tab or a double space in it would otherwise never match.
            let t = String::from_utf8_lossy(&crate::embargo::fold_whitespace(t.as_bytes()))
                .into_owned();
            let escaped = crate::render::escape_html(&t);
            patterns.push(t.clone());
            original.push(i);
            if escaped != t {
                patterns.push(escaped);
                original.push(i);
            }
        }
        let matcher = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(&patterns)
            .map_err(|e| OutputError::Io {
                path: PathBuf::from("<leak scan>"),
                source: std::io::Error::other(e),
            })?;
        Ok(Some(LeakScanner {
            matcher,
            original,
            forbidden: forbidden.to_vec(),
        }))
    }

    fn find(&self, path: String, bytes: &[u8]) -> Result<(), OutputError> {
        let folded = crate::embargo::fold_whitespace(bytes);
        match self.matcher.find(&folded) {
            Some(m) => Err(OutputError::Leak {
                path,
                offset: crate::embargo::unfolded_offset(bytes, m.start()),
                token: self.forbidden[self.original[m.pattern().as_usize()]].clone(),
            }),
            None => Ok(()),
        }
    }

    /// Fails when `o` holds a withheld token: in its bytes, in the text a
    /// reader of its markup sees, or in an entry of its archive.
    pub fn scan(&self, o: &Output) -> Result<(), OutputError> {
        self.find(o.path.clone(), &o.bytes)?;
        if let Some(text) = is_markup(&o.path)
            .then(|| markup_text(&o.path, &o.bytes))
            .flatten()
        {
            self.find(format!("{} (visible text)", o.path), text.as_bytes())?;
        }
        if o.path.ends_with(".zip") {
            for_each_zip_entry(&o.path, &o.bytes, |name, bytes| {
                self.find(format!("{}!{name} (entry name)", o.path), name.as_bytes())?;
                self.find(format!("{}!{name}", o.path), bytes)
            })?;
        }
        Ok(())
    }
}

fn is_markup(path: &str) -> bool {
    [".html", ".xml", ".atom"]
        .iter()
        .any(|ext| path.ends_with(ext))
}

/// The text of an HTML or XML document as a reader sees it, read by
/// [`crate::markup`]: tags removed, character references decoded, attribute
/// values included. Markup can split a token the reader sees whole
/// (`CVE-2026-<em>1234</em>`, `&#67;VE-2026-1234`), which a byte scan
/// misses. A feed's text may itself be HTML (`<content type="html">`), which
/// a feed reader renders: that is read again as HTML. `None` when the bytes
/// are not UTF-8.
fn markup_text(path: &str, bytes: &[u8]) -> Option<String> {
    use crate::markup::{Reading, visible_text};
    let source = std::str::from_utf8(bytes).ok()?;
    if path.ends_with(".html") {
        return Some(visible_text(source, Reading::Html));
    }
    let mut text = visible_text(source, Reading::Flat);
    if text.contains(['<', '&']) {
        let inner = visible_text(&text, Reading::Html);
        text.push('\n');
        text.push_str(&inner);
    }
    Some(text)
}

/// Hands each entry of a zip output, decompressed, with its name to `f`,
/// one at a time: an archive of every record is as large as the records,
/// and is never held decompressed whole.
fn for_each_zip_entry(
    path: &str,
    bytes: &[u8],
    mut f: impl FnMut(&str, &[u8]) -> Result<(), OutputError>,
) -> Result<(), OutputError> {
    use std::io::Read;
    let unreadable = |e: &dyn std::fmt::Display| OutputError::UnreadableArchive {
        path: path.to_string(),
        message: e.to_string(),
    };
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    let mut content = Vec::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).map_err(|e| unreadable(&e))?;
        let name = file.name().map_err(|e| unreadable(&e))?.into_owned();
        content.clear();
        file.read_to_end(&mut content).map_err(|e| unreadable(&e))?;
        f(&name, &content)?;
    }
    Ok(())
}

/// The output directory is replaced whole, so it must not be the site, one
/// of its ancestors, a directory inside its sources, or a directory that
/// holds anything but a built site; and it must be a directory (or not
/// exist yet), not a file or a symbolic link.
pub fn check_out_dir(site_root: &Path, out_dir: &Path) -> Result<(), OutputError> {
    check_replaceable(out_dir)?;
    let refuse = || Err(OutputError::UnsafeOutDir(out_dir.to_path_buf()));
    if let (Ok(root), Ok(out)) = (site_root.canonicalize(), out_dir.canonicalize())
        && root.starts_with(&out)
    {
        return refuse();
    }
    if ["site.toml", "content", ".git", "Cargo.toml"]
        .iter()
        .any(|n| out_dir.join(n).exists())
    {
        return refuse();
    }
    let out = resolved(out_dir);
    for sources in ["content", "themes", ".git"] {
        let dir = resolved(&site_root.join(sources));
        if out.starts_with(&dir) {
            return Err(OutputError::InsideSources {
                out: out_dir.to_path_buf(),
                sources: site_root.join(sources),
            });
        }
    }
    Ok(())
}

/// What is at `out_dir` may be replaced: nothing, or a real directory.
fn check_replaceable(out_dir: &Path) -> Result<(), OutputError> {
    match fs::symlink_metadata(out_dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io(out_dir)(e)),
        Ok(m) if m.file_type().is_symlink() => {
            Err(OutputError::SymlinkOutDir(out_dir.to_path_buf()))
        }
        Ok(m) if !m.is_dir() => Err(OutputError::NotADirectory(out_dir.to_path_buf())),
        Ok(_) => Ok(()),
    }
}

/// Files written outside the published site (pre-notification packets)
/// must never land where the web server serves them: refuses `out_dir` when
/// it is `public_dir` or inside it, or inside any directory that already
/// holds a built site (a `.well-known/security.txt`), wherever it was built.
pub fn check_private_out_dir(public_dir: &Path, out_dir: &Path) -> Result<(), OutputError> {
    let out = resolved(out_dir);
    let public = resolved(public_dir);
    let refuse = |public: PathBuf| {
        Err(OutputError::PublicOutDir {
            out: out_dir.to_path_buf(),
            public,
        })
    };
    if out.starts_with(&public) {
        return refuse(public_dir.to_path_buf());
    }
    if let Some(site) = out
        .ancestors()
        .find(|dir| dir.join(crate::render::paths::SECURITY_TXT).is_file())
    {
        return refuse(site.to_path_buf());
    }
    Ok(())
}

/// `path` made absolute, with `.` and `..` removed and the part that exists
/// resolved through symlinks, so two spellings of one directory compare equal.
fn resolved(path: &Path) -> PathBuf {
    use std::path::Component;
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut lexical = PathBuf::new();
    for c in absolute.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                lexical.pop();
            }
            other => lexical.push(other),
        }
    }
    let mut existing = lexical.clone();
    let mut missing = Vec::new();
    while !existing.exists() {
        let Some(name) = existing.file_name().map(|n| n.to_os_string()) else {
            break;
        };
        missing.push(name);
        existing.pop();
    }
    let mut out = existing.canonicalize().unwrap_or(existing);
    out.extend(missing.iter().rev());
    out
}

/// Writes `files` into `dir` beside whatever it already holds, each one
/// atomically: every file goes to a temporary name first, and only when all
/// of them are written are they renamed into place, so a failure leaves no
/// half-written file and no partial set. Returns the paths written.
pub fn write_files(dir: &Path, files: &[Output]) -> Result<Vec<PathBuf>, OutputError> {
    verify(files, &[])?;
    fs::create_dir_all(dir).map_err(io(dir))?;
    let pid = std::process::id();
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::with_capacity(files.len());
    let result = (|| {
        for f in files {
            let target = dir.join(&f.path);
            let parent = target.parent().unwrap_or(dir).to_path_buf();
            fs::create_dir_all(&parent).map_err(io(&parent))?;
            let name = target
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let temp = parent.join(format!(".{name}.tmp-{pid}"));
            staged.push((temp.clone(), target));
            fs::write(&temp, &f.bytes).map_err(io(&temp))?;
        }
        for (temp, target) in &staged {
            fs::rename(temp, target).map_err(io(target))?;
        }
        Ok(())
    })();
    if result.is_err() {
        for (temp, _) in &staged {
            let _ = fs::remove_file(temp);
        }
    }
    result.map(|()| staged.into_iter().map(|(_, target)| target).collect())
}

/// Creates `files` under `dir`, none of which may exist yet: every path is
/// checked before anything is written, each file is created exclusively (so
/// a file that appears meanwhile is not overwritten either), and on failure
/// the files already created are removed again. Returns the paths written.
pub fn create_new_files(dir: &Path, files: &[Output]) -> Result<Vec<PathBuf>, OutputError> {
    use std::io::Write;
    verify(files, &[])?;
    let exists = |path: &Path| OutputError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            "already exists; not overwritten",
        ),
    };
    if let Some(f) = files.iter().find(|f| dir.join(&f.path).exists()) {
        return Err(exists(&dir.join(&f.path)));
    }
    let mut created: Vec<PathBuf> = Vec::with_capacity(files.len());
    let result = (|| {
        for f in files {
            let target = dir.join(&f.path);
            let parent = target.parent().unwrap_or(dir).to_path_buf();
            fs::create_dir_all(&parent).map_err(io(&parent))?;
            let mut file = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&target)
                .map_err(io(&target))?;
            created.push(target.clone());
            file.write_all(&f.bytes).map_err(io(&target))?;
        }
        Ok(())
    })();
    if result.is_err() {
        for path in &created {
            let _ = fs::remove_file(path);
        }
    }
    result.map(|()| created)
}

/// Writes `outputs` into a fresh staging directory beside `out_dir` and
/// swaps it in place of `out_dir` (see [`Staging`]).
pub fn commit(out_dir: &Path, outputs: &[Output], forbidden: &[String]) -> Result<(), OutputError> {
    verify(outputs, forbidden)?;
    let staging = Staging::begin(out_dir, &[])?;
    for o in outputs {
        staging.put(o)?;
    }
    staging.commit()
}

/// A new site being written into a staging directory beside `out_dir`,
/// one output at a time and from many threads, each output checked (a
/// safe relative path, given once, no withheld token in any byte) before
/// it is written; then swapped in place of `out_dir` in one step (see
/// [`swap`]), so that at every moment — even when the process is killed —
/// `out_dir` is the whole previous site or the whole new one. Dropped
/// without [`Staging::commit`], the staging directory is removed and the
/// previous site stays as it was. Builds into the same directory take
/// turns (a lock on the parent directory, held from [`Staging::begin`] to
/// the end), and each clears what a killed build left behind first. An
/// output the previous site already holds byte for byte is linked to its
/// file there rather than written ([`previous`]); no file of the previous
/// site is ever opened for writing.
pub struct Staging {
    out_dir: PathBuf,
    staging: PathBuf,
    old: PathBuf,
    scanner: Option<LeakScanner>,
    /// The site being replaced, whose unchanged files are linked.
    previous: Option<previous::PreviousSite>,
    /// The paths written so far, and the folders made for them.
    written: std::sync::Mutex<(BTreeSet<String>, BTreeSet<PathBuf>)>,
    committed: bool,
    _lock: fs::File,
}

impl Staging {
    /// Prepares to replace `out_dir`, refusing any output that holds one of
    /// `forbidden`.
    pub fn begin(out_dir: &Path, forbidden: &[String]) -> Result<Staging, OutputError> {
        check_replaceable(out_dir)?;
        let parent = match out_dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let failed = |path: &Path| commit_error(out_dir, path);
        fs::create_dir_all(&parent).map_err(failed(&parent))?;
        let name = out_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "public".into());
        let lock = lock_dir(&parent).map_err(failed(&parent))?;
        clear_debris(&parent, &name, out_dir).map_err(failed(&parent))?;
        let pid = std::process::id();
        let staging = parent.join(format!(".{name}.staging-{pid}"));
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(failed(&staging))?;
        }
        fs::create_dir(&staging).map_err(failed(&staging))?;
        Ok(Staging {
            out_dir: out_dir.to_path_buf(),
            old: parent.join(format!(".{name}.old-{pid}")),
            staging,
            scanner: LeakScanner::new(forbidden)?,
            previous: previous::PreviousSite::find(out_dir),
            written: std::sync::Mutex::new((BTreeSet::new(), BTreeSet::new())),
            committed: false,
            _lock: lock,
        })
    }

    /// Checks `o` and writes it into the staging directory.
    pub fn put(&self, o: &Output) -> Result<(), OutputError> {
        self.check(o)?;
        self.write(o)
    }

    /// What [`Staging::put`] checks: a safe path, given once, and no
    /// withheld token.
    pub fn check(&self, o: &Output) -> Result<(), OutputError> {
        if !is_safe_output_path(&o.path) {
            return Err(OutputError::UnsafePath(o.path.clone()));
        }
        if let Some(scanner) = &self.scanner {
            scanner.scan(o)?;
        }
        Ok(())
    }

    /// Writes `o`, checked, into the staging directory.
    pub fn write(&self, o: &Output) -> Result<(), OutputError> {
        let path = self.staging.join(&o.path);
        let dir = path.parent().map(Path::to_path_buf);
        let panicked = || {
            commit_error(&self.out_dir, &path)(std::io::Error::other("a writing thread panicked"))
        };
        let known = {
            let mut written = self.written.lock().map_err(|_| panicked())?;
            if !written.0.insert(o.path.clone()) {
                return Err(OutputError::DuplicatePath(o.path.clone()));
            }
            dir.as_ref().is_none_or(|d| written.1.contains(d))
        };
        // Folders are made outside the lock, so threads do not wait on each
        // other's system calls; making one twice is harmless.
        if !known && let Some(dir) = dir {
            fs::create_dir_all(&dir).map_err(commit_error(&self.out_dir, &dir))?;
            self.written.lock().map_err(|_| panicked())?.1.insert(dir);
        }
        let linked = self
            .previous
            .as_ref()
            .is_some_and(|p| p.link_unchanged(&o.path, &o.bytes, &path));
        if linked {
            return Ok(());
        }
        fs::write(&path, &o.bytes).map_err(commit_error(&self.out_dir, &path))
    }

    /// How many outputs were written.
    pub fn count(&self) -> usize {
        self.written.lock().map_or(0, |w| w.0.len())
    }

    /// Swaps the staged site in place of the output directory.
    pub fn commit(mut self) -> Result<(), OutputError> {
        self.committed = true;
        let result = swap(&self.staging, &self.out_dir, &self.old)
            .map_err(|(path, e)| commit_error(&self.out_dir, &path)(e));
        if result.is_err() {
            let _ = fs::remove_dir_all(&self.staging);
        }
        result
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

fn commit_error(out_dir: &Path, path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + use<> {
    let out = out_dir.to_path_buf();
    let path = path.to_path_buf();
    move |source| OutputError::Commit { out, path, source }
}

/// The names a build's staging and old directories take beside `name`.
fn debris_of(name: &str, entry: &str) -> bool {
    [".staging-", ".old-"].iter().any(|kind| {
        entry
            .strip_prefix('.')
            .and_then(|e| e.strip_prefix(name))
            .and_then(|e| e.strip_prefix(kind))
            .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
    })
}

/// Removes the staging and old directories that killed builds left beside
/// `out_dir`. Only called under the parent's lock: every build holds it
/// while its own exist, so whatever is there now belongs to none that runs.
/// If a build was killed between the two renames of the fallback swap, the
/// output is missing and its previous site is the one `.old-` directory:
/// that is put back first.
fn clear_debris(parent: &Path, name: &str, out_dir: &Path) -> std::io::Result<()> {
    let mut debris: Vec<PathBuf> = fs::read_dir(parent)?
        .filter_map(Result::ok)
        .filter(|e| debris_of(name, &e.file_name().to_string_lossy()))
        .map(|e| e.path())
        .collect();
    debris.sort();
    let olds: Vec<&PathBuf> = debris
        .iter()
        .filter(|p| p.to_string_lossy().contains(".old-"))
        .collect();
    if let [old] = olds[..]
        && fs::symlink_metadata(out_dir).is_err()
    {
        fs::rename(old, out_dir)?;
    }
    for dir in &debris {
        match fs::remove_dir_all(dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    Ok(())
}

/// An exclusive lock on a directory, released when dropped (or when the
/// process dies: the kernel drops it with the descriptor).
fn lock_dir(dir: &Path) -> std::io::Result<fs::File> {
    let file = fs::File::open(dir)?;
    rustix::fs::flock(&file, rustix::fs::FlockOperation::LockExclusive)?;
    Ok(file)
}

type Failed = (PathBuf, std::io::Error);

/// Replaces `out_dir` with `staging`. Where the system can exchange two
/// paths in one step (Linux `renameat2(RENAME_EXCHANGE)`), it does, and
/// the old site is removed from the staging name afterwards: no moment
/// exists at which `out_dir` is missing or mixed. Elsewhere (or on a file
/// system that cannot exchange), the old site is renamed away and the new
/// one renamed in; a failed second rename puts the old site back, and a
/// kill between the two is repaired by the next build ([`clear_debris`]).
fn swap(staging: &Path, out_dir: &Path, old: &Path) -> Result<(), Failed> {
    let at = |p: &Path| {
        let p = p.to_path_buf();
        move |e| (p, e)
    };
    if fs::symlink_metadata(out_dir).is_err() {
        return fs::rename(staging, out_dir).map_err(at(out_dir));
    }
    match exchange(staging, out_dir) {
        Ok(()) => {
            // `staging` now holds the previous site. Failing to remove it
            // leaves debris the next build clears; the new site is in place.
            let _ = previous::remove_tree(staging);
            return Ok(());
        }
        Err(e) if !exchange_unsupported(&e) => return Err(at(out_dir)(e)),
        Err(_) => {}
    }
    if old.exists() {
        fs::remove_dir_all(old).map_err(at(old))?;
    }
    fs::rename(out_dir, old).map_err(at(out_dir))?;
    if let Err(e) = fs::rename(staging, out_dir) {
        let _ = fs::rename(old, out_dir);
        return Err(at(out_dir)(e));
    }
    previous::remove_tree(old).map_err(at(old))
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(std::io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn exchange(_a: &Path, _b: &Path) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

/// The errors by which a system or file system says it cannot exchange.
fn exchange_unsupported(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::Unsupported
        || matches!(
            e.raw_os_error(),
            Some(code) if [
                rustix::io::Errno::INVAL.raw_os_error(),
                rustix::io::Errno::NOSYS.raw_os_error(),
                rustix::io::Errno::OPNOTSUPP.raw_os_error(),
            ]
            .contains(&code)
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_paths_are_refused() {
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "a//b",
            "a\\b",
            "C:x",
            "./a",
        ] {
            assert!(!is_safe_output_path(bad), "{bad}");
        }
        assert!(is_safe_output_path("advisories/X-1/index.html"));
        assert!(is_safe_output_path(".well-known/security.txt"));
    }

    #[test]
    fn leak_scan_finds_plain_and_escaped_tokens_with_offset() {
        let outs = vec![
            Output::new("a.html", "nothing here"),
            Output::new("b.html", "xx Bob &amp; Alice&#39;s bug"),
        ];
        let err = scan_for_leaks(&outs, &["Bob & Alice's bug".to_string()]).unwrap_err();
        match err {
            OutputError::Leak { path, offset, .. } => {
                assert_eq!(path, "b.html");
                assert_eq!(offset, 3);
            }
            other => panic!("unexpected {other}"),
        }
    }

    /// The scanned bytes have their whitespace runs folded; a token with a
    /// tab or two spaces in it is folded the same way, or it never matches
    /// (found by the leak_scan fuzz target).
    #[test]
    fn leak_scan_folds_whitespace_inside_a_token() {
        for token in ["C\t\t\t2026-40003", "Bob  and\nAlice"] {
            let page = format!("<p>x {}</p>", token.replace(['\t', ' ', '\n'], "\r\n "));
            let outs = vec![Output::new("x/index.html", page.as_str())];
            match scan_for_leaks(&outs, &[token.to_string()]) {
                Err(OutputError::Leak { path, token: t, .. }) => {
                    assert_eq!(path, "x/index.html", "{token:?}");
                    assert_eq!(t, token);
                }
                other => panic!("{token:?}: {other:?}"),
            }
        }
    }

    /// Emphasis or a character reference inside a CVE id splits it in the
    /// bytes; a reader still sees the whole id.
    #[test]
    fn leak_scan_reads_the_visible_text_of_markup() {
        for page in [
            "<p>see CVE-2026-<em>40003</em></p>",
            "<p>see &#67;VE-2026-40003</p>",
            "<feed><title>CVE-2026-<![CDATA[]]>40003</title></feed>",
        ] {
            let outs = vec![Output::new("x/index.html", page)];
            match scan_for_leaks(&outs, &["CVE-2026-40003".to_string()]) {
                Err(OutputError::Leak { path, .. }) => {
                    assert_eq!(path, "x/index.html (visible text)", "{page}")
                }
                other => panic!("{page}: {other:?}"),
            }
        }
        // Only markup is read that way: JSON text keeps its bytes.
        let outs = vec![Output::new("a.json", "\"CVE-2026-<em>40003</em>\"")];
        assert!(scan_for_leaks(&outs, &["CVE-2026-40003".to_string()]).is_ok());
    }

    /// A Markdown page that wraps a withheld title over two lines renders
    /// it with a newline inside; a browser shows it whole.
    #[test]
    fn leak_scan_finds_a_title_wrapped_over_lines() {
        let outs = vec![Output::new(
            "notes/index.html",
            "<p>We fix the secret token disclosed\n   in debug output soon</p>",
        )];
        let title = "Secret token disclosed in debug output".to_string();
        match scan_for_leaks(&outs, &[title]).unwrap_err() {
            OutputError::Leak { path, offset, .. } => {
                assert_eq!(path, "notes/index.html");
                assert_eq!(offset, 14);
            }
            other => panic!("unexpected {other}"),
        }
    }

    #[test]
    fn leak_scan_looks_inside_zip_entries() {
        let entry: &[u8] = b"{\"details\": \"see SECRET-42\"}";
        let zip =
            crate::render::osv::zip_records(&[("x_A.json".into(), entry, "2026-01-01T00:00:00Z")])
                .unwrap();
        assert!(
            !zip.windows(9).any(|w| w == b"SECRET-42"),
            "the token is compressed away"
        );
        let outs = vec![Output::new("osv/all.zip", zip)];
        match verify(&outs, &["SECRET-42".to_string()]).unwrap_err() {
            OutputError::Leak { path, offset, .. } => {
                assert_eq!(path, "osv/all.zip!x_A.json");
                assert_eq!(offset, 17);
            }
            other => panic!("unexpected {other}"),
        }
        assert!(verify(&outs, &["OTHER-1".to_string()]).is_ok());
        let broken = vec![Output::new("osv/all.zip", "not a zip")];
        assert!(matches!(
            verify(&broken, &["OTHER-1".to_string()]),
            Err(OutputError::UnreadableArchive { .. })
        ));
    }

    #[test]
    fn the_site_itself_is_never_an_output_directory() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("site.toml"), "").unwrap();
        assert!(check_out_dir(dir.path(), dir.path()).is_err());
        assert!(check_out_dir(&dir.path().join("sub"), dir.path()).is_err());
        assert!(check_out_dir(dir.path(), &dir.path().join("public")).is_ok());
    }

    #[test]
    fn private_files_stay_out_of_the_published_site() {
        let dir = tempfile::tempdir().unwrap();
        let public = dir.path().join("public");
        for inside in [
            public.clone(),
            public.join("prenotify"),
            dir.path().join("x/../public/./a"),
        ] {
            assert!(matches!(
                check_private_out_dir(&public, &inside),
                Err(OutputError::PublicOutDir { .. })
            ));
        }
        assert!(check_private_out_dir(&public, &dir.path().join("prenotify")).is_ok());
        let other = dir.path().join("elsewhere");
        let built = Output::new(crate::render::paths::SECURITY_TXT, "x");
        commit(&other, &[built], &[]).unwrap();
        assert!(check_private_out_dir(&public, &other.join("packets")).is_err());
    }

    #[test]
    fn write_files_adds_files_and_keeps_the_others() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        write_files(&out, &[Output::new("a.txt", "1")]).unwrap();
        let written = write_files(&out, &[Output::new("b.txt", "2")]).unwrap();
        assert_eq!(written, vec![out.join("b.txt")]);
        assert_eq!(fs::read_to_string(out.join("a.txt")).unwrap(), "1");
        assert_eq!(fs::read_to_string(out.join("b.txt")).unwrap(), "2");
        assert!(write_files(&out, &[Output::new("../c.txt", "3")]).is_err());
        assert_eq!(
            fs::read_dir(&out).unwrap().count(),
            2,
            "no temporary file is left"
        );
    }

    #[test]
    fn a_commit_clears_what_killed_builds_left_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        commit(&out, &[Output::new("index.html", "v1")], &[]).unwrap();
        for debris in [".public.staging-4242", ".public.old-17"] {
            fs::create_dir_all(dir.path().join(debris).join("advisories")).unwrap();
        }
        for keep in [".public.staging-x", ".publicity.staging-1", "public-old"] {
            fs::create_dir_all(dir.path().join(keep)).unwrap();
        }
        commit(&out, &[Output::new("index.html", "v2")], &[]).unwrap();
        let mut names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                ".public.staging-x",
                ".publicity.staging-1",
                "public",
                "public-old"
            ]
        );
        assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "v2");
    }

    /// The fallback swap renames the old site away before it renames the
    /// new one in; a kill in between leaves no output directory, only the
    /// old site under its `.old-` name, which the next build puts back.
    #[test]
    fn a_kill_between_the_fallback_renames_leaves_the_previous_site_restorable() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let old = dir.path().join(".public.old-999");
        fs::create_dir_all(&old).unwrap();
        fs::write(old.join("index.html"), "previous").unwrap();
        clear_debris(dir.path(), "public", &out).unwrap();
        assert_eq!(
            fs::read_to_string(out.join("index.html")).unwrap(),
            "previous"
        );
        assert!(!old.exists());
    }

    #[test]
    fn the_swap_exchanges_in_one_step_on_linux() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        fs::create_dir_all(a.join("x")).unwrap();
        fs::create_dir_all(b.join("y")).unwrap();
        match exchange(&a, &b) {
            Ok(()) => {
                assert!(a.join("y").exists() && b.join("x").exists());
            }
            Err(e) => assert!(exchange_unsupported(&e), "{e}"),
        }
    }

    #[test]
    fn a_symlink_or_a_file_is_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        commit(&real, &[Output::new("index.html", "v1")], &[]).unwrap();
        let link = dir.path().join("public");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let new = [Output::new("index.html", "v2")];
        assert!(matches!(
            commit(&link, &new, &[]),
            Err(OutputError::SymlinkOutDir(_))
        ));
        let file = dir.path().join("file");
        fs::write(&file, "x").unwrap();
        assert!(matches!(
            commit(&file, &new, &[]),
            Err(OutputError::NotADirectory(_))
        ));
        assert_eq!(fs::read_to_string(real.join("index.html")).unwrap(), "v1");
        assert_eq!(fs::read_to_string(&file).unwrap(), "x");
    }

    #[test]
    fn an_output_inside_the_sources_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("content/advisories")).unwrap();
        for inside in ["content/public", "content/advisories/out", "themes/x"] {
            assert!(
                matches!(
                    check_out_dir(dir.path(), &dir.path().join(inside)),
                    Err(OutputError::InsideSources { .. })
                ),
                "{inside}"
            );
        }
    }

    #[test]
    fn failed_commit_leaves_previous_site_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        commit(&out, &[Output::new("index.html", "v1")], &[]).unwrap();
        let bad = [Output::new("index.html", "v2 SECRET-1")];
        assert!(commit(&out, &bad, &["SECRET-1".into()]).is_err());
        assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "v1");
        let leftovers: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no staging directory is left behind");
        commit(&out, &[Output::new("index.html", "v3")], &[]).unwrap();
        assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "v3");
    }
}
