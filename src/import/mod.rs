//! `disclose import`: OSV, CSAF and CVE records → advisory files of the
//! site, and the series and versions they need in `content/releases.yaml`.
//!
//! The whole import is planned in memory: records are read (each reader a
//! pure function of bytes), their versions assigned to series, the
//! advisory files and the edited releases file rendered, and the site as
//! it would be checked with `validate` and its OSV records read back with
//! the same range reader as the sources. Only a plan that passes all of
//! that is handed to `output` to write; a failure writes nothing.

pub mod csaf;
pub mod cve;
pub mod draft;
pub mod html;
pub mod osv;
pub mod range;
pub mod record;
pub mod releases_edit;
pub mod series;
pub mod source;
pub mod tree;

mod assemble;

use std::collections::BTreeMap;
use std::path::PathBuf;

use jiff::Timestamp;

use crate::diagnostic::{Diagnostic, Diagnostics, SourceName};
use crate::load::{LoadError, SiteSources, SourceFile};
use crate::render::Output;

pub use record::{Imported, Target};

/// Which kind of record is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Osv,
    Csaf,
    Cve,
}

impl Format {
    /// Whether a file of a directory or archive is a record of this kind.
    fn wants(self, name: &str) -> bool {
        let file = name.rsplit(['/', '!']).next().unwrap_or(name);
        match self {
            Format::Osv => {
                (file.ends_with(".json") && file != "osv-index.json")
                    || file.ends_with(".yaml")
                    || file.ends_with(".yml")
            }
            Format::Csaf => {
                file.ends_with(".json")
                    && file != "provider-metadata.json"
                    && !file.starts_with("csaf-feed")
                    && !file.contains("aggregator")
            }
            Format::Cve => file.ends_with(".json"),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Osv => "OSV",
            Format::Csaf => "CSAF",
            Format::Cve => "CVE",
        }
    }
}

/// How imported records get their advisory ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdPolicy {
    /// The record's id (for a record a `disclose` site built: the advisory
    /// id it was built from).
    Keep,
    /// The next `<PREFIX>-<YEAR>-<NNNN>` of the publish year; the record's
    /// id becomes an alias.
    Renumber { prefix: Option<String> },
}

/// What to import, and how.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub root: PathBuf,
    pub now: Timestamp,
    pub format: Format,
    pub paths: Vec<PathBuf>,
    pub ids: IdPolicy,
    /// How many version numbers name a new series.
    pub series_depth: Option<usize>,
    /// The project's released versions, one a line, optionally with a date.
    pub versions: Option<PathBuf>,
    /// Rewrite existing advisories, keeping what the records leave out.
    pub update: bool,
}

/// What an import would write and what it had to infer.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// New advisory files.
    pub created: Vec<Output>,
    /// Existing advisory files rewritten (`--update`).
    pub updated: Vec<Output>,
    /// The releases file, when series or versions are added.
    pub releases: Option<Output>,
    /// Per record: the advisory it becomes and every guess or loss.
    pub records: Vec<RecordReport>,
    /// Series and versions added to the releases file.
    pub catalogue: Vec<String>,
    /// Warnings of the site as it would be.
    pub warnings: Vec<Diagnostic>,
}

/// What became of one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordReport {
    pub source: String,
    pub record_id: String,
    pub advisory: String,
    pub notes: Vec<String>,
}

/// Why an import wrote nothing.
#[derive(Debug)]
pub enum ImportError {
    /// The site cannot be read (exit 2).
    Site(LoadError),
    /// A record or the versions list cannot be read (exit 2).
    Input(source::InputError),
    /// Bad records, or a site that would not check (exit 1); `texts` are
    /// the files the diagnostics point into, for quoting them.
    Content {
        diagnostics: Vec<Diagnostic>,
        texts: BTreeMap<String, String>,
    },
}

impl ImportError {
    fn content(diagnostics: Vec<Diagnostic>, texts: BTreeMap<String, String>) -> Self {
        ImportError::Content { diagnostics, texts }
    }
}

/// Plans the import: everything short of writing.
pub fn plan(opts: &ImportOptions) -> Result<Plan, ImportError> {
    let site_opts = crate::Options::new(&opts.root, opts.now);
    let mut report = crate::check(&site_opts).map_err(ImportError::Site)?;
    let Some(site) = report.site.take() else {
        let texts = report
            .sources
            .texts_by_name()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let errors = report
            .diagnostics
            .into_iter()
            .filter(|d| d.severity == crate::diagnostic::Severity::Error)
            .collect();
        return Err(ImportError::content(errors, texts));
    };
    let target = Target {
        config: &site.config,
    };

    let mut diags = Vec::new();
    let inputs = source::read_inputs(&opts.paths, &|n| opts.format.wants(n), &mut diags)
        .map_err(ImportError::Input)?;
    let mut texts: BTreeMap<String, String> = inputs
        .iter()
        .map(|i| {
            (
                i.name.clone(),
                String::from_utf8_lossy(&i.bytes).into_owned(),
            )
        })
        .collect();
    let mut imported: Vec<Imported> = Vec::new();
    let mut read_bytes: std::collections::HashMap<&[u8], usize> = Default::default();
    for input in &inputs {
        // The same record twice (a folder of records beside their all.zip)
        // is one record.
        if read_bytes.contains_key(input.bytes.as_slice()) {
            continue;
        }
        read_bytes.insert(&input.bytes, imported.len());
        let read = match opts.format {
            Format::Osv => osv::parse_osv(&input.bytes, &input.name, target).map(|r| vec![r]),
            Format::Csaf => csaf::parse_csaf(&input.bytes, &input.name, target),
            Format::Cve => cve::parse_cve(&input.bytes, &input.name, target).map(|r| vec![r]),
        };
        match read {
            Ok(records) => imported.extend(records),
            Err(d) => diags.push(d),
        }
    }
    if opts.format == Format::Cve {
        imported = cve::merge_own(imported);
    }
    let versions = match &opts.versions {
        Some(path) => read_versions(path, target.scheme(), &mut diags, &mut texts)?,
        None => Vec::new(),
    };
    if !diags.is_empty() {
        return Err(ImportError::content(diags, texts));
    }
    assemble::assemble(opts, &site, report.sources, imported, &versions, texts)
}

/// `VERSION [YYYY-MM-DD]` lines; `#` starts a comment.
fn read_versions(
    path: &std::path::Path,
    scheme: crate::model::VersionScheme,
    diags: &mut Vec<Diagnostic>,
    texts: &mut BTreeMap<String, String>,
) -> Result<Vec<(crate::model::Version, Option<jiff::civil::Date>)>, ImportError> {
    let name = source::display(path);
    let text = std::fs::read_to_string(path).map_err(|e| {
        ImportError::Input(source::InputError {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    })?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let mut words = line.split_whitespace();
        let pos = crate::diagnostic::Pos::new(i as u32 + 1, 1);
        let version = words.next().unwrap_or_default();
        let parsed = range::parse_version(version, scheme);
        let date = words.next().map(crate::model::parse_date);
        match (parsed, date) {
            (Ok((v, _)), None) => out.push((v, None)),
            (Ok((v, _)), Some(Ok(d))) => out.push((v, Some(d))),
            (Err(m), _) | (_, Some(Err(m))) => diags.push(record::file_diagnostic(
                &name,
                record::CODE_FIELD,
                pos,
                m,
                "write one version a line, optionally followed by its release date (YYYY-MM-DD)",
            )),
        }
    }
    texts.insert(name, text);
    Ok(out)
}

/// The sources of the site as it would be after the import.
fn candidate_sources(
    sources: &SiteSources,
    files: &[Output],
    releases: Option<&Output>,
) -> SiteSources {
    let mut out = sources.clone();
    for f in files {
        let file = SourceFile {
            name: SourceName(f.path.clone()),
            text: String::from_utf8_lossy(&f.bytes).into_owned(),
        };
        match out.advisories.iter_mut().find(|a| a.name.0 == f.path) {
            Some(existing) => *existing = file,
            None => out.advisories.push(file),
        }
    }
    out.advisories.sort_by(|a, b| a.name.cmp(&b.name));
    if let Some(r) = releases {
        out.releases = Some(SourceFile {
            name: SourceName(crate::load::RELEASES_FILE.into()),
            text: String::from_utf8_lossy(&r.bytes).into_owned(),
        });
    }
    out
}

/// Checks the site as it would be; the errors, or the checked site.
fn check_candidate(
    sources: &SiteSources,
    now: Timestamp,
) -> (Option<crate::model::Site>, Vec<Diagnostic>) {
    let mut diags = Diagnostics::new();
    let site = crate::validate::validate_site(sources, now, &mut diags);
    (site, diags.sorted())
}
