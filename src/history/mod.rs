//! History is append-only: what a site once published — an advisory, its
//! `published` time, its `modified` time, its CSAF revisions, its feed entry
//! id — stays published, and a record's content changes only together with
//! its revision (OSV `modified`, the CSAF revision history, CVE
//! `dateUpdated`). Databases, scanners and feed readers key on these, and
//! silently rewriting them makes downstream copies disagree with the site
//! forever. A build compares the site it replaces with the one it rendered and
//! refuses the rewrites, unless the author says they are intended.
//!
//! Reading the previous site is the only I/O here ([`load`]); the comparison
//! ([`Comparison`], record by record as a build renders them, or
//! [`compare`] of two whole sites) is pure and works on what the same
//! parser read from both.

mod compare;
mod read;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

pub use compare::{Comparison, compare};
pub use read::{
    CsafTrace, CveTrace, Digest, Garbled, OsvTrace, Parsed, ParsedFile, Published, Revision,
    Source, Stamp, digest, parse_file, source_of,
};

use crate::render::paths;

/// How a build guards the history of the site it replaces.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// The site to compare with; the output directory when `None`.
    pub previous: Option<PathBuf>,
    /// Build anyway, reporting the rewrites as warnings.
    pub allow_rewrite: bool,
}

/// The site a build replaces, as read at the start of the build.
#[derive(Debug, Clone)]
pub struct PreviousSite {
    pub dir: PathBuf,
    pub published: Published,
}

/// What the comparison with the previous site found.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub previous: PathBuf,
    /// How many advisories the previous site had published (0: a first build).
    pub compared: usize,
    pub rewrites: Vec<Rewrite>,
}

/// Why the previous site could not be read. Neither is the content's fault:
/// the directory is whatever CI downloaded or the last build left.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read the previous site: {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the previous site in {dir} is garbled: {garbled}; point --previous at a complete copy of the deployed site"
    )]
    Garbled { dir: PathBuf, garbled: Garbled },
}

/// A previous file larger than this is not one this program wrote.
const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Reads the history-bearing files of the site in `dir`. A directory that
/// does not exist, or holds no such file, is a first build: nothing to keep.
/// Each file is parsed as soon as it is read and only what the comparison
/// needs is kept (dates, revisions, ids, a digest), not the file.
pub fn load(dir: &Path) -> Result<PreviousSite, ReadError> {
    let mut files: Vec<String> = Vec::new();
    let osv_dir = paths::OSV_DIR.trim_end_matches('/');
    for name in file_names(&dir.join(osv_dir))? {
        files.push(format!("{}{name}", paths::OSV_DIR));
    }
    let cve_dir = paths::CVE_DIR.trim_end_matches('/');
    for name in file_names(&dir.join(cve_dir))? {
        files.push(format!("{}{name}", paths::CVE_DIR));
    }
    let white = paths::CSAF_WHITE_DIR.trim_end_matches('/');
    for year in dir_names(&dir.join(white))? {
        for name in file_names(&dir.join(white).join(&year))? {
            files.push(format!("{}{year}/{name}", paths::CSAF_WHITE_DIR));
        }
    }
    for feed in [paths::FEED_ALL, paths::FEED_RELEASES] {
        if dir.join(feed).is_file() {
            files.push(feed.to_string());
        }
    }
    files.retain(|path| source_of(path).is_some());
    files.sort();
    let garbled = |garbled| ReadError::Garbled {
        dir: dir.to_path_buf(),
        garbled,
    };
    // Read and parsed in parallel; the first problem in file order is the
    // one reported.
    let read: Vec<Result<Option<read::ParsedFile>, ReadError>> = files
        .into_par_iter()
        .map(|rel| {
            let path = dir.join(&rel);
            let io = |source| ReadError::Io {
                path: path.clone(),
                source,
            };
            let file = std::fs::File::open(&path).map_err(io)?;
            let mut bytes = Vec::new();
            file.take(MAX_FILE_BYTES + 1)
                .read_to_end(&mut bytes)
                .map_err(io)?;
            if bytes.len() as u64 > MAX_FILE_BYTES {
                return Err(garbled(Garbled {
                    file: rel,
                    message: format!("larger than {MAX_FILE_BYTES} bytes"),
                }));
            }
            Ok(read::parse_file(&rel, &bytes).map(|parsed| (rel, parsed)))
        })
        .collect();
    let parsed = read
        .into_iter()
        .filter_map(Result::transpose)
        .collect::<Result<Vec<_>, ReadError>>()?;
    let published = Published::from_parsed(parsed).map_err(garbled)?;
    Ok(PreviousSite {
        dir: dir.to_path_buf(),
        published,
    })
}

/// The names of the entries of `dir` of one kind, sorted; none when `dir`
/// does not exist. Symbolic links are not followed: the site is plain files.
fn entry_names(dir: &Path, want_dir: bool) -> Result<Vec<String>, ReadError> {
    let io = |source| ReadError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io(e)),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(io)?;
        let kind = entry.file_type().map_err(io)?;
        let wanted = if want_dir {
            kind.is_dir()
        } else {
            kind.is_file()
        };
        // A name that is not UTF-8 is no output of this program.
        if wanted && let Some(name) = entry.file_name().to_str() {
            names.push(name.to_string());
        }
    }
    names.sort();
    Ok(names)
}

fn file_names(dir: &Path) -> Result<Vec<String>, ReadError> {
    entry_names(dir, false)
}

fn dir_names(dir: &Path) -> Result<Vec<String>, ReadError> {
    entry_names(dir, true)
}

/// The ways a new site can rewrite what the previous one published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RewriteKind {
    Vanished,
    PublishedChanged,
    ModifiedBackwards,
    RevisionsRewritten,
    FeedIdChanged,
    WithdrawalUndone,
    /// The content of a record changed while its revision did not, so
    /// mirrors that sync by revision never fetch it.
    UnrevisedChange,
}

impl RewriteKind {
    /// The stable diagnostic code.
    pub fn code(self) -> &'static str {
        match self {
            RewriteKind::Vanished => "disclose::advisory-vanished",
            RewriteKind::PublishedChanged => "disclose::published-changed",
            RewriteKind::ModifiedBackwards => "disclose::modified-backwards",
            RewriteKind::RevisionsRewritten => "disclose::revisions-rewritten",
            RewriteKind::FeedIdChanged => "disclose::feed-id-changed",
            RewriteKind::WithdrawalUndone => "disclose::withdrawal-undone",
            RewriteKind::UnrevisedChange => "disclose::unrevised-change",
        }
    }
}

/// One change to published history.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rewrite {
    /// The advisory id (the OSV id when it has not the site's OSV prefix).
    pub advisory: String,
    pub kind: RewriteKind,
    /// The file of the previous site that holds the old value, relative to it.
    pub file: String,
    pub old: String,
    pub new: String,
    /// The exact change to the sources that makes it right, when one does.
    pub suggestion: Option<String>,
}

impl Rewrite {
    pub fn message(&self) -> String {
        let a = &self.advisory;
        match self.kind {
            RewriteKind::Vanished => {
                format!("advisory {a} was published and is missing from the new site")
            }
            RewriteKind::PublishedChanged => format!("the `published` time of {a} changed"),
            RewriteKind::ModifiedBackwards => format!("the `modified` time of {a} went back"),
            RewriteKind::RevisionsRewritten => {
                format!("the CSAF revision history of {a} was rewritten")
            }
            RewriteKind::FeedIdChanged => format!("the Atom entry id of {a} changed"),
            RewriteKind::WithdrawalUndone => format!("{a} was withdrawn and is no longer"),
            RewriteKind::UnrevisedChange => {
                let (record, revision) = match source_of(&self.file) {
                    Some(Source::Csaf) => ("CSAF document".to_string(), "revision history"),
                    Some(Source::Cve) => (
                        format!(
                            "CVE record {}",
                            self.file
                                .trim_start_matches(paths::CVE_DIR)
                                .trim_end_matches(".json")
                        ),
                        "`dateUpdated`",
                    ),
                    _ => ("OSV record".to_string(), "`modified` time"),
                };
                format!("the {record} of {a} changed but its {revision} did not")
            }
        }
    }

    pub fn help(&self) -> String {
        let what = match self.kind {
            RewriteKind::Vanished => {
                "withdraw an advisory instead of deleting it: keep its file and set `withdrawn` \
                 and `withdrawn_reason`; if its `published` moved past the build clock, restore the date"
                    .to_string()
            }
            RewriteKind::PublishedChanged => format!(
                "restore `published: {}` in the advisory file: the first publication is a fact \
                 that databases have recorded",
                self.old
            ),
            RewriteKind::ModifiedBackwards => format!(
                "set `modified` to {} or later (a correction is a new modification), and keep \
                 the releases of content/releases.yaml that the record counted",
                self.old
            ),
            RewriteKind::RevisionsRewritten => {
                "a published revision is permanent: restore the `published`, `modified`, `withdrawn` and \
                 `withdrawn_reason` values that produced it"
                    .to_string()
            }
            RewriteKind::WithdrawalUndone => {
                "databases have marked the advisory withdrawn and will not take it back: restore \
                 `withdrawn` and `withdrawn_reason`, and publish a new advisory if the issue is real"
                    .to_string()
            }
            RewriteKind::UnrevisedChange => format!(
                "{}: a correction is a new revision, and mirrors fetch only the records whose \
                 revision moved",
                self.suggestion.as_deref().unwrap_or(
                    "set `modified` in the advisory file to the time of the change"
                )
            ),
            RewriteKind::FeedIdChanged => {
                "the entry id comes from the site's host and the first publication date: restore \
                 `base_url` in site.toml and `published` in the advisory, or readers see a new entry"
                    .to_string()
            }
        };
        format!("{what}; build with --allow-rewrite if this is intentional")
    }

    /// The diagnostic as people read it, for the previous site in `dir`.
    pub fn render(&self, level: &str, dir: &Path) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{level}[{}]: {}", self.kind.code(), self.message());
        let _ = writeln!(out, "  --> {}", dir.join(&self.file).display());
        let _ = writeln!(out, "   = was: {}", self.old);
        let _ = writeln!(out, "   = now: {}", self.new);
        let _ = writeln!(out, "   = help: {}", self.help());
        out
    }
}

/// What the comparison needs to know of the new site besides its outputs.
#[derive(Debug, Clone, Default)]
pub struct NewSite {
    /// The prefix that turns OSV ids back into advisory ids for messages.
    pub osv_prefix: String,
    /// The build clock: the `modified` time a correction takes.
    pub now: jiff::Timestamp,
    /// Advisory id → the source file that states it.
    pub sources: BTreeMap<String, String>,
    /// CVE id → the advisory whose record it is.
    pub cve_advisories: BTreeMap<String, String>,
}

impl NewSite {
    /// The facts of `site` built at `now`.
    pub fn of(site: &crate::model::Site, now: jiff::Timestamp) -> NewSite {
        NewSite {
            osv_prefix: site.config.osv.id_prefix.clone(),
            now,
            sources: site
                .advisories
                .iter()
                .map(|a| (a.id.to_string(), a.file.to_string()))
                .collect(),
            cve_advisories: site
                .advisories
                .iter()
                .flat_map(|a| {
                    a.cve_ids()
                        .into_iter()
                        .map(move |c| (c.to_string(), a.id.to_string()))
                })
                .collect(),
        }
    }

    /// The line that records a correction of `advisory`, and where.
    fn correction(&self, advisory: &str) -> Option<String> {
        let file = self.sources.get(advisory)?;
        Some(format!(
            "add `modified: {}` to {file}",
            paths::utc_timestamp(self.now)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(text: &str) -> Stamp {
        Stamp::parse(text).unwrap()
    }

    fn osv(id: &str, published: &str, modified: &str) -> (String, OsvTrace) {
        (
            id.to_string(),
            OsvTrace {
                file: format!("osv/{id}.json"),
                published: stamp(published),
                modified: stamp(modified),
                withdrawn: None,
                digest: digest(format!("{id} {published} {modified}").as_bytes()),
            },
        )
    }

    fn rev(number: &str, date: &str, summary: &str) -> Revision {
        Revision {
            number: number.into(),
            date: stamp(date),
            summary: summary.into(),
        }
    }

    fn csaf(id: &str, revisions: Vec<Revision>) -> (String, CsafTrace) {
        (
            id.to_string(),
            CsafTrace {
                file: format!(".well-known/csaf/white/2026/{}.json", id.to_lowercase()),
                digest: digest(format!("{revisions:?}").as_bytes()),
                revisions,
            },
        )
    }

    const T1: &str = "2026-01-01T00:00:00Z";
    const T2: &str = "2026-02-01T00:00:00Z";
    const T3: &str = "2026-03-01T00:00:00Z";

    /// A site with advisories A-1 (published T1, updated T2) and A-2 (T2).
    fn site() -> Published {
        Published {
            osv: [osv("x_A-1", T1, T2), osv("x_A-2", T2, T2)].into(),
            csaf: [
                csaf(
                    "A-1",
                    vec![rev("1", T1, "Initial."), rev("2", T2, "Updated.")],
                ),
                csaf("A-2", vec![rev("1", T2, "Initial.")]),
            ]
            .into(),
            feed: [
                (
                    "A-1".to_string(),
                    "tag:x,2026-01-01:advisory/A-1".to_string(),
                ),
                (
                    "A-2".to_string(),
                    "tag:x,2026-02-01:advisory/A-2".to_string(),
                ),
            ]
            .into(),
            cve: BTreeMap::new(),
            release_feed: [(
                "2026-02-01".to_string(),
                "tag:x,2026-02-01:security-release/20260201T000000Z".to_string(),
            )]
            .into(),
        }
    }

    fn prefix(p: &str) -> NewSite {
        NewSite {
            osv_prefix: p.into(),
            now: T3.parse().unwrap(),
            sources: [("A-1".to_string(), "content/advisories/A-1.md".to_string())].into(),
            cve_advisories: BTreeMap::new(),
        }
    }

    fn x() -> NewSite {
        prefix("x_")
    }

    fn kinds(rewrites: &[Rewrite]) -> Vec<(&str, RewriteKind)> {
        rewrites
            .iter()
            .map(|r| (r.advisory.as_str(), r.kind))
            .collect()
    }

    #[test]
    fn the_same_site_and_a_first_build_rewrite_nothing() {
        assert!(compare(&site(), &site(), &x()).is_empty());
        assert!(compare(&Published::default(), &site(), &x()).is_empty());
    }

    #[test]
    fn new_advisories_revisions_and_later_times_are_appends() {
        let mut new = site();
        new.osv.extend([osv("x_A-3", T3, T3)]);
        new.osv.extend([osv("x_A-2", T2, T3)]);
        let a2 = new.csaf.get_mut("A-2").unwrap();
        a2.revisions.push(rev("2", T3, "Withdrawn."));
        // Same instant, another spelling: not a change.
        new.osv.get_mut("x_A-1").unwrap().published = stamp("2025-12-31T19:00:00-05:00");
        assert!(compare(&site(), &new, &x()).is_empty());
    }

    #[test]
    fn a_deleted_advisory_is_reported_once_with_its_osv_file() {
        let mut new = site();
        new.osv.remove("x_A-2");
        new.csaf.remove("A-2");
        new.feed.remove("A-2");
        let rewrites = compare(&site(), &new, &x());
        assert_eq!(kinds(&rewrites), vec![("A-2", RewriteKind::Vanished)]);
        assert_eq!(rewrites[0].file, "osv/x_A-2.json");
        assert_eq!(rewrites[0].old, format!("published at {T2}"));
    }

    /// The records of `site` as files read one by one.
    fn files(site: &Published) -> Vec<Result<Parsed, Garbled>> {
        let mut files: Vec<Result<Parsed, Garbled>> = Vec::new();
        files.extend(
            site.osv
                .iter()
                .map(|(id, t)| Ok(Parsed::Osv(id.clone(), t.clone()))),
        );
        files.extend(
            site.csaf
                .iter()
                .map(|(id, t)| Ok(Parsed::Csaf(id.clone(), t.clone()))),
        );
        files.extend(
            site.cve
                .iter()
                .map(|(id, t)| Ok(Parsed::Cve(id.clone(), t.clone()))),
        );
        files.push(Ok(Parsed::Feed(site.feed.clone())));
        files.push(Ok(Parsed::ReleaseFeed(site.release_feed.clone())));
        files
    }

    #[test]
    fn records_compared_as_they_come_find_what_the_whole_sites_compared_find() {
        let mut new = site();
        new.osv.remove("x_A-2");
        new.osv.extend([osv("x_A-1", T1, T1)]);
        new.csaf.get_mut("A-1").unwrap().revisions.truncate(1);
        new.feed
            .insert("A-1".into(), "tag:x,2026-03-01:advisory/A-1".into());
        let whole = compare(&site(), &new, &x());
        assert_eq!(whole.len(), 4, "{whole:?}");
        let previous = site();
        for reversed in [false, true] {
            let site = x();
            let comparison = Comparison::new(&previous, &site);
            let mut records = files(&new);
            if reversed {
                records.reverse();
            }
            records.into_iter().for_each(|r| comparison.record(r));
            assert_eq!(comparison.finish().unwrap(), whole);
        }
    }

    #[test]
    fn of_two_records_with_one_id_the_later_file_is_garbled_whatever_the_order() {
        let previous = Published::default();
        let site = x();
        let (id, first) = osv("x_A-1", T1, T2);
        let second = OsvTrace {
            file: "osv/x_A-1b.json".into(),
            ..first.clone()
        };
        for order in [[&first, &second], [&second, &first]] {
            let comparison = Comparison::new(&previous, &site);
            for t in order {
                comparison.record(Ok(Parsed::Osv(id.clone(), t.clone())));
            }
            let err = comparison.finish().unwrap_err();
            assert_eq!(err.file, "osv/x_A-1b.json");
            assert_eq!(
                err.message,
                "OSV id `x_A-1` is also the id of osv/x_A-1.json"
            );
        }
        let comparison = Comparison::new(&previous, &site);
        for file in ["osv/b.json", "osv/a.json", "osv/c.json"] {
            comparison.record(Err(Garbled {
                file: file.into(),
                message: "not JSON".into(),
            }));
        }
        assert_eq!(comparison.finish().unwrap_err().file, "osv/a.json");
    }

    #[test]
    fn changed_dates_revisions_and_feed_ids_are_reported() {
        let mut new = site();
        new.osv.extend([osv("x_A-1", T1, T1), osv("x_A-2", T3, T3)]);
        new.csaf.get_mut("A-1").unwrap().revisions.truncate(1);
        new.feed
            .insert("A-2".into(), "tag:x,2026-03-01:advisory/A-2".into());
        let rewrites = compare(&site(), &new, &x());
        assert_eq!(
            kinds(&rewrites),
            vec![
                ("A-1", RewriteKind::ModifiedBackwards),
                ("A-1", RewriteKind::RevisionsRewritten),
                ("A-2", RewriteKind::PublishedChanged),
                ("A-2", RewriteKind::FeedIdChanged),
            ]
        );
        assert_eq!(
            (rewrites[0].old.as_str(), rewrites[0].new.as_str()),
            (T2, T1)
        );
        assert_eq!(rewrites[1].new, "no revision 2");
        assert_eq!(rewrites[2].old, T2);
        assert_eq!(rewrites[3].file, "feeds/all.atom");
    }

    #[test]
    fn a_revision_changed_in_place_names_the_first_difference() {
        let mut new = site();
        new.csaf.get_mut("A-1").unwrap().revisions =
            vec![rev("1", T1, "Initial."), rev("2", T3, "Updated.")];
        let rewrites = compare(&site(), &new, &x());
        assert_eq!(
            kinds(&rewrites),
            vec![("A-1", RewriteKind::RevisionsRewritten)]
        );
        assert_eq!(rewrites[0].old, format!("revision 2 of {T2}: Updated."));
        assert_eq!(rewrites[0].new, format!("revision 2 of {T3}: Updated."));
    }

    #[test]
    fn a_changed_release_entry_id_is_reported() {
        let mut new = site();
        new.release_feed.insert(
            "2026-02-01".into(),
            "tag:y,2026-02-01:security-release/20260201T000000Z".into(),
        );
        let rewrites = compare(&site(), &new, &x());
        assert_eq!(
            kinds(&rewrites),
            vec![("security release 2026-02-01", RewriteKind::FeedIdChanged)]
        );
        assert_eq!(rewrites[0].file, "feeds/releases.atom");
    }

    #[test]
    fn advisories_that_left_the_feed_window_are_not_compared_there() {
        let mut new = site();
        new.feed.remove("A-1");
        assert!(compare(&site(), &new, &x()).is_empty());
    }

    #[test]
    fn a_changed_osv_prefix_shows_as_vanished_records() {
        let mut new = site();
        let renamed: Vec<_> = new
            .osv
            .iter()
            .map(|(k, v)| (format!("y_{}", &k[2..]), v.clone()))
            .collect();
        new.osv = renamed.into_iter().collect();
        let rewrites = compare(&site(), &new, &prefix("y_"));
        assert_eq!(
            kinds(&rewrites),
            vec![
                ("x_A-1", RewriteKind::Vanished),
                ("x_A-2", RewriteKind::Vanished)
            ]
        );
    }

    #[test]
    fn messages_name_the_file_both_values_and_the_fix() {
        let mut new = site();
        new.osv.extend([osv("x_A-2", T3, T3)]);
        let rewrites = compare(&site(), &new, &x());
        let text = rewrites[0].render("error", Path::new("public"));
        assert_eq!(
            text,
            format!(
                "error[disclose::published-changed]: the `published` time of A-2 changed\n  \
                 --> public/osv/x_A-2.json\n   = was: {T2}\n   = now: {T3}\n   = help: restore \
                 `published: {T2}` in the advisory file: the first publication is a fact that \
                 databases have recorded; build with --allow-rewrite if this is intentional\n"
            )
        );
    }

    #[test]
    fn loading_a_missing_or_empty_directory_is_a_first_build() {
        let dir = tempfile::tempdir().unwrap();
        assert!(load(&dir.path().join("none")).unwrap().published.is_empty());
        assert!(load(dir.path()).unwrap().published.is_empty());
    }
}
