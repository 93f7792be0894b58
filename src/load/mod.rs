//! Reading a site from disk: find the input files, read them as UTF-8 within
//! size limits, split front matter, and parse YAML into the raw input types.
//!
//! Nothing here judges content beyond its syntax; `validate` does that.

pub mod frontmatter;
pub mod raw;
pub mod yaml;

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::diagnostic::{Diagnostics, Pos, SourceName};
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
    let config_path = root.join(CONFIG_FILE);
    if !config_path.is_file() {
        return Err(LoadError::NotASite {
            path: root.to_path_buf(),
        });
    }
    let config = read_text(root, &config_path, diags)?;

    let releases_path = root.join(RELEASES_FILE);
    let releases = if releases_path.exists() {
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

    let advisories = read_dir_files(root, ADVISORIES_DIR, &["md", "yaml"], diags)?;
    let pages = read_dir_files(root, PAGES_DIR, &["md"], diags)?;
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
/// files that are too large or not UTF-8.
fn read_text(
    root: &Path,
    path: &Path,
    diags: &mut Diagnostics,
) -> Result<Option<SourceFile>, LoadError> {
    let name = SourceName::new(root, path);
    let io_err = |source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let len = std::fs::metadata(path).map_err(io_err)?.len();
    if len > MAX_FILE_BYTES {
        diags
            .error(
                "file-too-large",
                &name,
                Pos::START,
                format!("file is {len} bytes, more than the limit of {MAX_FILE_BYTES}"),
            )
            .help("an input file is at most 1 MiB: move long material to a linked page");
        return Ok(None);
    }
    let bytes = std::fs::read(path).map_err(io_err)?;
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

/// Reads every file with one of `extensions` below `dir`, in name order.
/// Symbolic links are followed, and a link loop is reported, not followed forever.
fn read_dir_files(
    root: &Path,
    dir: &str,
    extensions: &[&str],
    diags: &mut Diagnostics,
) -> Result<Vec<SourceFile>, LoadError> {
    let base = root.join(dir);
    if !base.exists() {
        return Ok(Vec::new());
    }
    let mut paths = Vec::new();
    for entry in walkdir::WalkDir::new(&base)
        .follow_links(true)
        .max_depth(8)
        .sort_by_file_name()
    {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let at = e.path().unwrap_or(&base);
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
        if !entry.file_type().is_file() {
            continue;
        }
        let path = entry.path();
        let file_name = entry.file_name().to_string_lossy();
        if file_name.starts_with('.') {
            continue;
        }
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if extensions.contains(&ext) {
            paths.push(path.to_path_buf());
        } else {
            diags
                .warning(
                    "ignored-file",
                    &SourceName::new(root, path),
                    Pos::START,
                    format!("file `{file_name}` is ignored"),
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
            (read_text(root, path, &mut local), local)
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
    for entry in walkdir::WalkDir::new(&base)
        .follow_links(true)
        .max_depth(12)
        .sort_by_file_name()
    {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let name = SourceName::new(root, e.path().unwrap_or(&base));
                let what = if e.loop_ancestor().is_some() {
                    "symbolic link loop"
                } else {
                    "cannot be read"
                };
                diags
                    .error(
                        if e.loop_ancestor().is_some() {
                            "symlink-loop"
                        } else {
                            "unreadable"
                        },
                        &name,
                        Pos::START,
                        what,
                    )
                    .help("remove the link or fix the file's permissions");
                continue;
            }
        };
        if !entry.file_type().is_file() || entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        let bytes = std::fs::read(path).map_err(|source| LoadError::Io {
            path: path.to_path_buf(),
            source,
        })?;
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
    let results: Vec<(Option<ParsedAdvisory>, Diagnostics)> = files
        .par_iter()
        .map(|f| {
            let mut local = Diagnostics::new();
            let parsed = parse_advisory(f, &mut local);
            (parsed, local)
        })
        .collect();
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
