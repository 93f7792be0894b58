//! Finding and reading the records to import: single files, directories
//! (walked in name order) and zip archives (`all.zip` as osv.dev and a
//! `disclose` site publish it), each record within a size limit so that a
//! huge file or a zip bomb is refused before it is parsed.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Pos};

use super::record::{CODE_SYNTAX, CODE_TOO_LARGE, file_diagnostic};

/// The largest record read; real ones are a few kilobytes, the largest
/// known CSAF documents a few megabytes.
pub const MAX_RECORD_BYTES: u64 = 8 * 1024 * 1024;
/// The most entries read from one archive.
pub const MAX_ARCHIVE_ENTRIES: usize = 500_000;

/// One record file, read.
#[derive(Debug, Clone)]
pub struct Input {
    /// The path as given, or `archive.zip!entry` for an archive entry.
    pub name: String,
    pub bytes: Vec<u8>,
}

/// An input that cannot be read at all (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct InputError {
    pub path: PathBuf,
    pub message: String,
}

fn io_error(path: &Path, e: impl std::fmt::Display) -> InputError {
    InputError {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Every record under `paths` whose name `wanted` accepts, in order: the
/// paths as given, a directory's files sorted by name. Files over the
/// size limit are reported, not read.
pub fn read_inputs(
    paths: &[PathBuf],
    wanted: &dyn Fn(&str) -> bool,
    diags: &mut Vec<Diagnostic>,
) -> Result<Vec<Input>, InputError> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            for entry in walkdir::WalkDir::new(path)
                .sort_by_file_name()
                .max_depth(16)
            {
                let entry = entry.map_err(|e| io_error(path, e))?;
                if !entry.file_type().is_file() {
                    continue;
                }
                let name = display(entry.path());
                let file_name = entry.file_name().to_string_lossy();
                if file_name.starts_with('.') {
                    continue;
                }
                if name.ends_with(".zip") {
                    read_zip(entry.path(), wanted, &mut out, diags)?;
                } else if wanted(&name) {
                    read_file(entry.path(), &mut out, diags)?;
                }
            }
        } else if path.extension().is_some_and(|e| e == "zip") {
            read_zip(path, wanted, &mut out, diags)?;
        } else if path.is_file() {
            read_file(path, &mut out, diags)?;
        } else {
            return Err(io_error(path, "no such file or directory"));
        }
    }
    Ok(out)
}

/// A path as diagnostics show it, with `/` separators.
pub fn display(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
        .replace("//", "/")
}

fn too_large(name: &str, len: u64) -> Diagnostic {
    file_diagnostic(
        name,
        CODE_TOO_LARGE,
        Pos::START,
        format!("the record is {len} bytes, more than the limit of {MAX_RECORD_BYTES}"),
        "records are small documents: leave this file out or split it",
    )
}

fn read_file(
    path: &Path,
    out: &mut Vec<Input>,
    diags: &mut Vec<Diagnostic>,
) -> Result<(), InputError> {
    let name = display(path);
    let len = std::fs::metadata(path)
        .map_err(|e| io_error(path, e))?
        .len();
    if len > MAX_RECORD_BYTES {
        diags.push(too_large(&name, len));
        return Ok(());
    }
    let bytes = std::fs::read(path).map_err(|e| io_error(path, e))?;
    out.push(Input { name, bytes });
    Ok(())
}

fn read_zip(
    path: &Path,
    wanted: &dyn Fn(&str) -> bool,
    out: &mut Vec<Input>,
    diags: &mut Vec<Diagnostic>,
) -> Result<(), InputError> {
    let name = display(path);
    let file = std::fs::File::open(path).map_err(|e| io_error(path, e))?;
    let mut archive = match zip::ZipArchive::new(file) {
        Ok(a) => a,
        Err(e) => {
            diags.push(file_diagnostic(
                &name,
                CODE_SYNTAX,
                Pos::START,
                format!("not a zip archive: {e}"),
                "give the archive as downloaded, or the records it holds",
            ));
            return Ok(());
        }
    };
    if archive.len() > MAX_ARCHIVE_ENTRIES {
        diags.push(file_diagnostic(
            &name,
            CODE_TOO_LARGE,
            Pos::START,
            format!(
                "the archive holds {} entries, more than {MAX_ARCHIVE_ENTRIES}",
                archive.len()
            ),
            "import the archive in parts",
        ));
        return Ok(());
    }
    let mut entries = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|e| io_error(path, e))?;
        if entry.is_dir() {
            continue;
        }
        let entry_name = entry
            .enclosed_name()
            .map(|p| display(&p))
            .unwrap_or_else(|| format!("entry-{i}"));
        let full = format!("{name}!{entry_name}");
        if !wanted(&full) {
            continue;
        }
        // Read one byte past the limit: the size the archive states may lie.
        let mut bytes = Vec::new();
        (&mut entry)
            .take(MAX_RECORD_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| io_error(path, format!("{entry_name}: {e}")))?;
        if bytes.len() as u64 > MAX_RECORD_BYTES {
            diags.push(too_large(&full, entry.size().max(bytes.len() as u64)));
            continue;
        }
        entries.push(Input { name: full, bytes });
    }
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    out.extend(entries);
    Ok(())
}

/// The record's text: UTF-8, without a byte order mark.
pub fn utf8<'a>(bytes: &'a [u8], source: &str) -> Result<&'a str, Diagnostic> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let valid = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default();
        file_diagnostic(
            source,
            CODE_SYNTAX,
            Pos::of_offset(valid, valid.len()),
            format!(
                "the record is not UTF-8 (invalid byte 0x{:02X})",
                bytes[e.valid_up_to()]
            ),
            "records are UTF-8 JSON or YAML",
        )
    })
}
