//! Reading a site from disk: find the input files, read them as UTF-8 within
//! size limits, split front matter, and parse YAML into the raw input types.
//!
//! Nothing here judges content beyond its syntax; `validate` does that.

pub mod cache;
pub mod frontmatter;
pub mod raw;
pub mod yaml;

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::diagnostic::{Diagnostics, Pos, SourceName};
pub use cache::{ParseCache, ReadCache};
use frontmatter::split_front_matter;
use raw::{RawAdvisory, RawPage, RawReleases};
use yaml::{Located, YamlDoc};

/// The largest input file read; advisories are a few kilobytes.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// Where the inputs live inside a site directory.
pub const CONFIG_FILE: &str = "site.toml";
pub const ADVISORIES_DIR: &str = "content/advisories";
pub const RELEASES_FILE: &str = "content/releases.yaml";
pub const PAGES_DIR: &str = "content/pages";

/// An input file read as text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: SourceName,
    pub text: String,
}

/// Problems that stop before content can be judged: exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: no site.toml here; run `disclose init` to create a site, or pass --root")]
    NotASite { path: PathBuf },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Every input file of a site, read but not yet parsed.
#[derive(Debug, Clone)]
pub struct SiteSources {
    pub root: PathBuf,
    /// `None` when site.toml could not be read as text (already reported).
    pub config: Option<SourceFile>,
    pub releases: Option<SourceFile>,
    pub advisories: Vec<SourceFile>,
    pub pages: Vec<SourceFile>,
    /// Every file under `themes/`, as bytes: which theme is used is only
    /// known once site.toml is checked.
    pub theme_files: Vec<ThemeFile>,
}

/// A file of a theme: its path under `themes/` (`default/templates/base.html`).
#[derive(Debug, Clone)]
pub struct ThemeFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// Where themes live.
pub const THEMES_DIR: &str = "themes";

/// A theme may hold at most this much in all.
pub const MAX_THEME_BYTES: u64 = 32 * 1024 * 1024;

impl SiteSources {
    fn files(&self) -> impl Iterator<Item = &SourceFile> {
        self.config
            .iter()
            .chain(self.releases.as_ref())
            .chain(&self.advisories)
            .chain(&self.pages)
    }

    /// The text of an input file by its diagnostic name, for quoting it.
    pub fn text_of(&self, name: &str) -> Option<&str> {
        if let Some(theme_path) = name.strip_prefix("themes/") {
            return self
                .theme_files
                .iter()
                .find(|f| f.path == theme_path)
                .and_then(|f| std::str::from_utf8(&f.bytes).ok());
        }
        self.files()
            .find(|f| f.name.as_str() == name)
            .map(|f| f.text.as_str())
    }

    /// Every file's text by name, for rules that look up many files.
    pub fn texts_by_name(&self) -> std::collections::HashMap<&str, &str> {
        self.files()
            .map(|f| (f.name.as_str(), f.text.as_str()))
            .collect()
    }
}

/// Reads every input file of the site at `root`. Files that cannot be read
/// as text are reported and left out.
pub fn read_site(root: &Path, diags: &mut Diagnostics) -> Result<SiteSources, LoadError> {
    read_site_cached(root, diags, None)
}

/// [`read_site`], taking from `cache` the advisories and pages whose files
/// did not change since it kept them.
pub fn read_site_cached(
    root: &Path,
    diags: &mut Diagnostics,
    cache: Option<&ReadCache>,
) -> Result<SiteSources, LoadError> {
    if let Some(cache) = cache {
        cache.take_marks();
    }
    let config_path = root.join(CONFIG_FILE);
    if std::fs::symlink_metadata(&config_path).is_err() {
        return Err(LoadError::NotASite {
            path: root.to_path_buf(),
        });
    }
    let config = read_text(root, &config_path, diags)?;

    let releases_path = root.join(RELEASES_FILE);
    let releases = if std::fs::symlink_metadata(&releases_path).is_ok() {
        read_text(root, &releases_path, diags)?
    } else {
        diags
            .error(
                "missing-releases",
                &SourceName(RELEASES_FILE.into()),
                Pos::START,
                "the releases file is missing",
            )
            .help("create content/releases.yaml listing the project's release series (see docs/format.md)");
        None
    };

    let advisories = read_dir_files(root, ADVISORIES_DIR, &["md", "yaml"], diags, cache)?;
    let pages = read_dir_files(root, PAGES_DIR, &["md"], diags, cache)?;
    if let Some(cache) = cache {
        cache.retain(advisories.iter().chain(&pages).map(|f| f.name.as_str()));
    }
    let theme_files = read_themes(root, diags)?;
    Ok(SiteSources {
        root: root.to_path_buf(),
        config,
        releases,
        advisories,
        pages,
        theme_files,
    })
}

/// Reads a file as UTF-8 text within [`MAX_FILE_BYTES`]; reports and skips
/// files that are too large, not UTF-8, or not safe to read ([`read_bytes`]).
fn read_text(
    root: &Path,
    path: &Path,
    diags: &mut Diagnostics,
) -> Result<Option<SourceFile>, LoadError> {
    let name = SourceName::new(root, path);
    let Some(bytes) = read_bytes(root, path, MAX_FILE_BYTES, diags)? else {
        return Ok(None);
    };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(Some(SourceFile {
            name,
            text: text.replace("\r\n", "\n"),
        })),
        Err(e) => {
            let valid = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default();
            let pos = Pos::of_offset(valid, valid.len());
            diags
                .error(
                    "not-utf8",
                    &name,
                    pos,
                    format!(
                        "file is not UTF-8 (invalid byte 0x{:02X})",
                        bytes[e.valid_up_to()]
                    ),
                )
                .help("save the file as UTF-8");
            Ok(None)
        }
    }
}

/// [`read_text`], or the file as `cache` kept it when its metadata is as it
/// was then. The metadata is taken before the read, so a change during the
/// read shows as a new stamp on the next rebuild.
fn read_text_cached(
    root: &Path,
    path: &Path,
    diags: &mut Diagnostics,
    cache: Option<&ReadCache>,
) -> Result<Option<SourceFile>, LoadError> {
    let Some((cache, stamp)) = cache.zip(cache::FileStamp::of(path)) else {
        return read_text(root, path, diags);
    };
    let name = SourceName::new(root, path);
    if let Some(file) = cache.get(&name, stamp) {
        return Ok(Some(file));
    }
    let read = read_text(root, path, diags)?;
    if let Some(file) = &read {
        cache.put(stamp, file);
    }
    Ok(read)
}

/// What kind of thing a path is, for a message.
fn kind_of(t: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if t.is_fifo() {
        "a named pipe"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else if t.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// Reads at most `limit` bytes of an input file, refusing (with a
/// diagnostic, never by blocking or by reading through) what is not a
/// plain file of the site: a symbolic link that leads out of the site, a
/// named pipe, socket or device, a file with other hard links (its other
/// names may be anywhere, outside the site too), an unreadable file, or a
/// file over the limit. The file is opened without blocking and checked
/// through the open descriptor, so a pipe swapped in after the directory
/// walk is refused too.
pub fn read_bytes(
    root: &Path,
    path: &Path,
    limit: u64,
    diags: &mut Diagnostics,
) -> Result<Option<Vec<u8>>, LoadError> {
    use std::io::Read;
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    let name = SourceName::new(root, path);
    let io_err = |source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    };
    // Only a link can lead out: the walk does not enter linked folders
    // outside the site, so a path that is no link itself stays inside.
    // Resolving every path would cost a system call per folder per file.
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if is_link
        && let (Ok(site), Ok(real)) = (root.canonicalize(), path.canonicalize())
        && !real.starts_with(&site)
    {
        diags
            .error(
                "outside-site",
                &name,
                Pos::START,
                format!(
                    "this is a symbolic link to {}, outside the site; it is not read",
                    real.display()
                ),
            )
            .help("copy the file into the site, or remove the link");
        return Ok(None);
    }
    let file = match std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
    {
        Ok(f) => f,
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::NotFound
            ) =>
        {
            diags
                .error(
                    "unreadable",
                    &name,
                    Pos::START,
                    format!("cannot read this file: {}", e.kind()),
                )
                .help("make the file readable by the user that runs disclose, or remove it (or the broken link)");
            return Ok(None);
        }
        Err(e) => return Err(io_err(e)),
    };
    let meta = file.metadata().map_err(io_err)?;
    if !meta.is_file() {
        diags
            .error(
                "not-a-regular-file",
                &name,
                Pos::START,
                format!(
                    "this is {}, not a regular file; it is not read",
                    kind_of(meta.file_type())
                ),
            )
            .help("replace it with a regular file, or remove it");
        return Ok(None);
    }
    if meta.nlink() > 1 {
        diags
            .error(
                "hard-link",
                &name,
                Pos::START,
                format!(
                    "this file has {} hard links; its other names may be outside the site, so it is not read",
                    meta.nlink()
                ),
            )
            .help("replace it with a copy of its own (`cp --remove-destination SOURCE FILE`)");
        return Ok(None);
    }
    if meta.len() > limit {
        report_too_large(diags, &name, meta.len(), limit);
        return Ok(None);
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(io_err)?;
    if bytes.len() as u64 > limit {
        report_too_large(diags, &name, bytes.len() as u64, limit);
        return Ok(None);
    }
    Ok(Some(bytes))
}

fn report_too_large(diags: &mut Diagnostics, name: &SourceName, len: u64, limit: u64) {
    diags
        .error(
            "file-too-large",
            name,
            Pos::START,
            format!("file is {len} bytes, more than the limit of {limit}"),
        )
        .help("an input file is at most 1 MiB: move long material to a linked page");
}

/// A file name that is not UTF-8 or holds a control character (a newline
/// would forge lines in `check`'s output and in CI annotations) is
/// reported, by its escaped spelling, and the file is not read.
fn unsafe_name(root: &Path, path: &Path, diags: &mut Diagnostics) -> bool {
    let Some(raw) = path.file_name() else {
        return false;
    };
    let fine = raw
        .to_str()
        .is_some_and(|n| !n.chars().any(char::is_control));
    if fine {
        return false;
    }
    let escaped: String = raw
        .as_encoded_bytes()
        .utf8_chunks()
        .flat_map(|chunk| {
            let valid: String = chunk.valid().escape_debug().collect();
            let invalid: String = chunk
                .invalid()
                .iter()
                .map(|b| format!("\\x{b:02X}"))
                .collect();
            [valid, invalid]
        })
        .collect();
    let dir = path.parent().unwrap_or(root);
    let shown = SourceName(format!("{}/{escaped}", SourceName::new(root, dir).as_str()));
    diags
        .error(
            "unsafe-file-name",
            &shown,
            Pos::START,
            "this file name is not UTF-8 or holds a control character; the file is not read",
        )
        .help("rename the file to a name of letters, digits, `-`, `_` and `.`");
    true
}

/// The files below `base`, in name order, as a walk that cannot be led
/// astray: symbolic links are followed inside the site, but a link to a
/// directory outside it is reported and not entered (a link to `/` would
/// otherwise walk the whole machine); a link loop is reported, not followed
/// forever; names that are unsafe to show are reported; anything that is
/// not a regular file (a pipe, socket or device) is reported and skipped.
fn walk_files(
    root: &Path,
    base: &Path,
    max_depth: usize,
    diags: &mut Diagnostics,
) -> Vec<walkdir::DirEntry> {
    let site = root.canonicalize().ok();
    let outside = std::cell::RefCell::new(Vec::new());
    let leads_out = |path: &Path| -> bool {
        match (&site, path.canonicalize()) {
            (Some(site), Ok(real)) if !real.starts_with(site) => {
                outside.borrow_mut().push((path.to_path_buf(), real));
                true
            }
            _ => false,
        }
    };
    let mut files = Vec::new();
    let walk = walkdir::WalkDir::new(base)
        .follow_links(true)
        .max_depth(max_depth)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !(e.file_type().is_dir() && leads_out(e.path())));
    for entry in walk {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let at = e.path().unwrap_or(base);
                let name = SourceName::new(root, at);
                if e.loop_ancestor().is_some() {
                    diags
                        .error("symlink-loop", &name, Pos::START, "symbolic link loop")
                        .help("remove the link that points back to a folder containing it");
                } else {
                    let reason = e
                        .io_error()
                        .map_or_else(|| "cannot be read".to_string(), |io| io.kind().to_string());
                    diags
                        .error(
                            "unreadable",
                            &name,
                            Pos::START,
                            format!("cannot read this entry: {reason}"),
                        )
                        .help("fix the file's permissions or remove the broken link");
                }
                continue;
            }
        };
        let path = entry.path();
        let kind = entry.file_type();
        if kind.is_dir()
            || entry.file_name().to_string_lossy().starts_with('.')
            || unsafe_name(root, path, diags)
        {
            continue;
        }
        if !kind.is_file() {
            diags
                .error(
                    "not-a-regular-file",
                    &SourceName::new(root, path),
                    Pos::START,
                    format!(
                        "`{}` is {}, not a regular file; it is not read",
                        entry.file_name().to_string_lossy(),
                        kind_of(kind)
                    ),
                )
                .help("replace it with a regular file, or remove it");
            continue;
        }
        files.push(entry);
    }
    for (link, real) in outside.into_inner() {
        diags
            .error(
                "outside-site",
                &SourceName::new(root, &link),
                Pos::START,
                format!(
                    "this is a symbolic link to {}, outside the site; it is not read",
                    real.display()
                ),
            )
            .help("copy the folder into the site, or remove the link");
    }
    files
}

/// Reads every file with one of `extensions` below `dir`, in name order
/// (see [`walk_files`] for what is refused).
fn read_dir_files(
    root: &Path,
    dir: &str,
    extensions: &[&str],
    diags: &mut Diagnostics,
    cache: Option<&ReadCache>,
) -> Result<Vec<SourceFile>, LoadError> {
    let base = root.join(dir);
    if std::fs::symlink_metadata(&base).is_err() {
        return Ok(Vec::new());
    }
    let mut paths = Vec::new();
    for entry in walk_files(root, &base, 8, diags) {
        let path = entry.path();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if extensions.contains(&ext) {
            paths.push(path.to_path_buf());
        } else {
            diags
                .warning(
                    "ignored-file",
                    &SourceName::new(root, path),
                    Pos::START,
                    format!("file `{}` is ignored", entry.file_name().to_string_lossy()),
                )
                .help(format!(
                    "only {} files are read in {dir}",
                    extensions
                        .iter()
                        .map(|e| format!(".{e}"))
                        .collect::<Vec<_>>()
                        .join(" and ")
                ));
        }
    }
    // Reading thousands of small files is latency-bound: read them in parallel.
    let results: Vec<(Result<Option<SourceFile>, LoadError>, Diagnostics)> = paths
        .par_iter()
        .map(|path| {
            let mut local = Diagnostics::new();
            (read_text_cached(root, path, &mut local, cache), local)
        })
        .collect();
    let mut files = Vec::with_capacity(results.len());
    for (result, local) in results {
        diags.extend(local);
        files.extend(result?);
    }
    Ok(files)
}

/// Reads every file below `themes/` (templates and static assets), in path
/// order, within [`MAX_THEME_BYTES`] in all.
fn read_themes(root: &Path, diags: &mut Diagnostics) -> Result<Vec<ThemeFile>, LoadError> {
    let base = root.join(THEMES_DIR);
    if !base.is_dir() {
        return Ok(Vec::new());
    }
    let mut files = Vec::new();
    let mut total = 0u64;
    for entry in walk_files(root, &base, 12, diags) {
        let path = entry.path();
        let Some(bytes) = read_bytes(root, path, MAX_THEME_BYTES, diags)? else {
            continue;
        };
        total += bytes.len() as u64;
        if total > MAX_THEME_BYTES {
            diags
                .error(
                    "file-too-large",
                    &SourceName::new(root, path),
                    Pos::START,
                    "the themes folder holds more than 32 MiB",
                )
                .help("keep large media out of themes/; link to it instead");
            break;
        }
        let rel = SourceName::new(&base, path).0;
        files.push(ThemeFile { path: rel, bytes });
    }
    Ok(files)
}

/// An advisory file parsed into its raw form.
#[derive(Debug, Clone)]
pub struct ParsedAdvisory {
    pub file: SourceName,
    /// The file name without extension: the default id.
    pub stem: String,
    /// Line of the file where the YAML starts (2 for front matter).
    pub yaml_first_line: u32,
    pub raw: RawAdvisory,
    /// The Markdown body of a `.md` file, and the line it starts on.
    pub body: Option<Located<String>>,
}

/// A page parsed into front matter and Markdown body.
#[derive(Debug, Clone)]
pub struct ParsedPage {
    pub file: SourceName,
    pub stem: String,
    pub yaml_first_line: u32,
    pub raw: RawPage,
    pub body: Located<String>,
}

fn stem_of(name: &SourceName) -> String {
    let last = name.as_str().rsplit('/').next().unwrap_or(name.as_str());
    match last.rfind('.') {
        Some(i) => last[..i].to_string(),
        None => last.to_string(),
    }
}

/// Parses one advisory file (front matter + Markdown, or pure YAML).
pub fn parse_advisory(file: &SourceFile, diags: &mut Diagnostics) -> Option<ParsedAdvisory> {
    let stem = stem_of(&file.name);
    let (doc, body) = if file.name.as_str().ends_with(".md") {
        let split = split_front_matter(&file.text, &file.name, diags)?;
        (split.yaml, Some(split.body))
    } else {
        (
            YamlDoc {
                text: &file.text,
                first_line: 1,
            },
            None,
        )
    };
    let raw: RawAdvisory = yaml::parse(doc, &file.name, diags)?;
    Some(ParsedAdvisory {
        file: file.name.clone(),
        stem,
        yaml_first_line: doc.first_line,
        raw,
        body,
    })
}

/// Parses every advisory in parallel; diagnostics keep a stable order
/// because they are sorted before they are shown.
pub fn parse_advisories(files: &[SourceFile], diags: &mut Diagnostics) -> Vec<ParsedAdvisory> {
    parse_advisories_cached(files, diags, None)
}

/// [`parse_advisories`], taking what `cache` holds for files that did not
/// change and keeping what it parses there (and nothing of files gone).
pub fn parse_advisories_cached(
    files: &[SourceFile],
    diags: &mut Diagnostics,
    cache: Option<&ParseCache>,
) -> Vec<ParsedAdvisory> {
    let results: Vec<(Option<ParsedAdvisory>, Diagnostics)> = files
        .par_iter()
        .map(|f| {
            let mut local = Diagnostics::new();
            let parsed = cache::parse_advisory_cached(f, &mut local, cache);
            (parsed, local)
        })
        .collect();
    if let Some(cache) = cache {
        cache.retain(files.iter().map(|f| f.name.as_str()));
    }
    let mut out = Vec::with_capacity(results.len());
    for (parsed, local) in results {
        diags.extend(local);
        out.extend(parsed);
    }
    out
}

/// Parses `content/releases.yaml`.
pub fn parse_releases(file: &SourceFile, diags: &mut Diagnostics) -> Option<RawReleases> {
    yaml::parse(
        YamlDoc {
            text: &file.text,
            first_line: 1,
        },
        &file.name,
        diags,
    )
}

/// Parses a page: front matter and Markdown body.
pub fn parse_page(file: &SourceFile, diags: &mut Diagnostics) -> Option<ParsedPage> {
    let split = split_front_matter(&file.text, &file.name, diags)?;
    let raw: RawPage = yaml::parse(split.yaml, &file.name, diags)?;
    Some(ParsedPage {
        file: file.name.clone(),
        stem: stem_of(&file.name),
        yaml_first_line: split.yaml.first_line,
        raw,
        body: split.body,
    })
}
