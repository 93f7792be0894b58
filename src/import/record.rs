//! What a record from another database says, in the site's terms but not
//! yet in its series: the shape every reader (OSV, CSAF, CVE) produces and
//! the series assignment consumes.

use jiff::Timestamp;

use crate::config::SiteConfig;
use crate::diagnostic::{Diagnostic, Pos, Severity};
use crate::model::{CreditType, ReferenceType, Version, VersionScheme};

use super::range::VersionSet;
use super::tree::{At, FieldError};

/// One advisory as read from a record.
#[derive(Debug, Clone, Default)]
pub struct Imported {
    /// Where it was read: a path, or `archive.zip!entry.json`.
    pub source: String,
    /// The record's own id in its database (`PYSEC-2023-221`).
    pub record_id: String,
    /// The advisory id it proposes for the site: the record id, or for a
    /// record this site's own build wrote, the advisory id it came from.
    pub id: String,
    /// Written by a `disclose` build (ours or another site's): its fields
    /// map back one to one.
    pub own: bool,
    /// One of several vulnerabilities of one record (a CSAF document): the
    /// record's id names them all, so no advisory takes it as an alias.
    pub shared_record: bool,
    pub aliases: Vec<String>,
    pub title: String,
    pub details: String,
    pub published: Option<Timestamp>,
    pub modified: Option<Timestamp>,
    pub withdrawn: Option<Timestamp>,
    pub withdrawn_reason: Option<String>,
    /// A level as the record names it (`moderate`, GitHub's `MODERATE`).
    pub severity: Option<String>,
    /// The CVSS vector kept (3.1 or 4.0).
    pub cvss: Option<String>,
    pub cwe: Vec<String>,
    pub credits: Vec<ImportedCredit>,
    pub references: Vec<(ReferenceType, String)>,
    /// The versions of the site's package it says are affected.
    pub claim: VersionSet,
    /// Where the record states them (JSON path and position), for errors.
    pub claim_at: Option<(String, crate::diagnostic::Pos)>,
    /// Versions it names as released (fixes, first affected versions,
    /// listed versions), which the releases file must hold.
    pub releases: Vec<Version>,
    /// Release dates the record states (a CSAF revision for a release).
    pub release_dates: Vec<(Version, jiff::civil::Date)>,
    /// Series facts written by `disclose` (OSV `database_specific.series`,
    /// CSAF product ids, CVE wildcards).
    pub hints: Vec<SeriesHint>,
    /// Fix commits not tied to a series (GIT ranges, FIX references).
    pub loose_patches: Vec<PatchRef>,
    /// The advisory's page in the database it comes from.
    pub page_url: Option<String>,
    /// What could not be carried over or had to be guessed.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedCredit {
    pub name: String,
    pub contact: Vec<String>,
    pub kind: CreditType,
}

/// A fix commit.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PatchRef {
    pub commit: Option<String>,
    pub url: Option<String>,
    pub label: Option<String>,
}

/// What a record written by `disclose` says about one series.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SeriesHint {
    pub series: String,
    pub introduced: Option<Version>,
    pub fixed: Option<Version>,
    pub last_affected: Option<Version>,
    pub patches: Vec<PatchRef>,
    /// A branch: the series has no releases.
    pub branch: bool,
    /// The development branch, when the record says so.
    pub development: bool,
}

/// What a reader needs to know about the site it imports into.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub config: &'a SiteConfig,
}

impl Target<'_> {
    pub fn scheme(&self) -> VersionScheme {
        self.config.project.version_scheme
    }

    /// Whether an (ecosystem, name) pair is the site's package. PyPI
    /// names compare as PEP 503 normalizes them.
    pub fn is_site_package(&self, ecosystem: &str, name: &str) -> bool {
        let site = &self.config.project.package;
        ecosystem == site.ecosystem
            && normalized_name(ecosystem, name) == normalized_name(ecosystem, &site.name)
    }
}

fn normalized_name(ecosystem: &str, name: &str) -> String {
    if ecosystem == "PyPI" {
        let mut out = String::new();
        for c in name.chars() {
            if matches!(c, '-' | '_' | '.') {
                if !out.ends_with('-') {
                    out.push('-');
                }
            } else {
                out.push(c.to_ascii_lowercase());
            }
        }
        out
    } else {
        name.to_string()
    }
}

/// What a record says of packages other than the site's: those entries
/// are left out, each with a note, and a record that names none of the
/// site's package is refused with the first of them (`E` is the error the
/// reader returns).
#[derive(Debug)]
pub struct OtherPackages<E> {
    left_out: Vec<(String, E)>,
    site_package: bool,
}

impl<E> Default for OtherPackages<E> {
    fn default() -> Self {
        OtherPackages {
            left_out: Vec::new(),
            site_package: false,
        }
    }
}

impl<E> OtherPackages<E> {
    /// An entry about the site's package was read.
    pub fn site_package(&mut self) {
        self.site_package = true;
    }

    /// An entry about another package, `at` saying where and which.
    pub fn other(&mut self, at: &FieldError, error: E) {
        let note = format!("{}: {}: left out", at.path, at.message);
        self.left_out.push((note, error));
    }

    /// Whether the record named the site's package at all.
    pub fn names_site_package(&self) -> bool {
        self.site_package
    }

    /// The notes of what was left out, or the error of a record that is
    /// only about other packages.
    pub fn finish(self, notes: &mut Vec<String>) -> Result<(), E> {
        if !self.site_package {
            return match self.left_out.into_iter().next() {
                Some((_, first)) => Err(first),
                None => Ok(()),
            };
        }
        // A vendor's document may list hundreds of products: name a few.
        let more = self.left_out.len().saturating_sub(NAMED_OTHERS);
        notes.extend(
            self.left_out
                .into_iter()
                .take(NAMED_OTHERS)
                .map(|(note, _)| note),
        );
        if more > 0 {
            notes.push(format!(
                "{} about other packages: left out",
                crate::text::count(more, "more entry", "more entries")
            ));
        }
        Ok(())
    }
}

/// How many left-out entries of other packages a report names one by one.
const NAMED_OTHERS: usize = 5;

/// The codes of a bad record.
pub const CODE_SYNTAX: &str = "import-syntax";
pub const CODE_FIELD: &str = "import-invalid-field";
pub const CODE_SCHEMA: &str = "import-schema-version";
pub const CODE_ECOSYSTEM: &str = "import-other-ecosystem";
pub const CODE_PACKAGE: &str = "import-other-package";
pub const CODE_TOO_LARGE: &str = "import-too-large";
pub const CODE_RANGE: &str = "import-range";

/// A problem with a record as a diagnostic of the input file.
pub fn diagnostic(source: &str, code: &str, e: &FieldError, help: &str) -> Diagnostic {
    Diagnostic {
        severity: Severity::Error,
        code: format!("disclose::{code}"),
        file: source.to_string(),
        line: e.pos.line.max(1),
        column: e.pos.column.max(1),
        message: format!("{}: {}", e.path, e.message),
        help: Some(help.to_string()),
    }
}

/// A problem with the file as a whole.
/// A record that is not JSON (or YAML) at all: `format` names the syntax,
/// `what` the kind of file ("record", "document").
pub fn syntax_diagnostic(
    source: &str,
    format: &str,
    what: &str,
    e: super::tree::SyntaxError,
) -> Diagnostic {
    file_diagnostic(
        source,
        CODE_SYNTAX,
        e.pos,
        format!("not a {format} document: {}", e.message),
        &format!("fix the {what}'s syntax, or leave the file out of the import"),
    )
}

pub fn file_diagnostic(
    source: &str,
    code: &str,
    pos: Pos,
    message: String,
    help: &str,
) -> Diagnostic {
    Diagnostic {
        severity: Severity::Error,
        code: format!("disclose::{code}"),
        file: source.to_string(),
        line: pos.line.max(1),
        column: pos.column.max(1),
        message,
        help: Some(help.to_string()),
    }
}

/// Go writes its zero time, `0001-01-01T00:00:00Z`, for a time it does
/// not know; such a field is read as absent.
pub const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// An RFC 3339 time as records write it (a space instead of `T` too).
/// `Ok(None)` for Go's zero time.
pub fn timestamp(at: At<'_>) -> Result<Option<Timestamp>, FieldError> {
    let text = at.text()?;
    let t = text.trim();
    if t == ZERO_TIME {
        return Ok(None);
    }
    let fixed = if t.len() > 10 && t.as_bytes()[10] == b' ' {
        format!("{}T{}", &t[..10], &t[11..])
    } else {
        t.to_string()
    };
    fixed
        .parse::<Timestamp>()
        .or_else(|_| {
            // A bare date: midnight UTC, as the databases mean it.
            fixed
                .parse::<jiff::civil::Date>()
                .map_err(|_| ())
                .and_then(|d| {
                    d.to_zoned(jiff::tz::TimeZone::UTC)
                        .map(|z| z.timestamp())
                        .map_err(|_| ())
                })
        })
        .map(Some)
        .map_err(|_| at.error(format!("`{t}` is not an RFC 3339 date-time")))
}

/// An OSV reference type by its OSV name (`ADVISORY`).
pub fn reference_type(name: &str) -> Option<ReferenceType> {
    use ReferenceType::*;
    [
        Advisory, Article, Detection, Discussion, Report, Fix, Introduced, Git, Package, Evidence,
        Web,
    ]
    .into_iter()
    .find(|t| t.osv_name().eq_ignore_ascii_case(name))
}

/// A credit type by its OSV name (`REMEDIATION_DEVELOPER`) or by how the
/// site labels it (`remediation developer`).
pub fn credit_type(name: &str) -> Option<CreditType> {
    use CreditType::*;
    [
        Finder,
        Reporter,
        Analyst,
        Coordinator,
        RemediationDeveloper,
        RemediationReviewer,
        RemediationVerifier,
        Tool,
        Sponsor,
        Other,
    ]
    .into_iter()
    .find(|t| {
        t.osv_name().eq_ignore_ascii_case(name) || t.label().eq_ignore_ascii_case(name.trim())
    })
}

/// The commit hash in a commit URL (`…/commit/<hash>`, cgit `?id=`,
/// Gerrit's `/+/<hash>`), lower-cased.
pub fn commit_in_url(url: &str) -> Option<String> {
    ["/commit/?id=", "/commit/", "/commits/", "/+/"]
        .iter()
        .find_map(|marker| url.split_once(marker).map(|(_, tail)| tail))
        .map(|tail| {
            tail.chars()
                .take_while(|c| c.is_ascii_hexdigit())
                .collect::<String>()
        })
        .filter(|h| (7..=64).contains(&h.len()))
        .map(|h| h.to_ascii_lowercase())
}

/// One CVSS vector to keep out of those a record gives: v4.0 over v3.1,
/// a v3.0 vector read as v3.1 (the metrics are the same; the score is
/// computed again), v2 and others left out. Every choice is noted.
pub fn choose_cvss(vectors: &[String], notes: &mut Vec<String>) -> Option<String> {
    let mut v4 = None;
    let mut v31 = None;
    let mut v30 = None;
    for v in vectors {
        let v = v.trim();
        if v.starts_with("CVSS:4.0/") && v4.is_none() {
            v4 = Some(v.to_string());
        } else if v.starts_with("CVSS:3.1/") && v31.is_none() {
            v31 = Some(v.to_string());
        } else if let Some(rest) = v.strip_prefix("CVSS:3.0/") {
            v30.get_or_insert_with(|| (v.to_string(), format!("CVSS:3.1/{rest}")));
        } else {
            notes.push(format!(
                "severity `{v}` left out: only CVSS v3.1 and v4.0 vectors are kept"
            ));
        }
    }
    let chosen = match (v4, v31, v30) {
        (Some(v4), other31, other30) => {
            for dropped in other31.into_iter().chain(other30.map(|p| p.0)) {
                notes.push(format!(
                    "CVSS vector `{dropped}` left out: an advisory keeps one vector, the v4.0 one"
                ));
            }
            v4
        }
        (None, Some(v31), other30) => {
            if let Some((v30, _)) = other30 {
                notes.push(format!(
                    "CVSS vector `{v30}` left out: an advisory keeps one vector, the v3.1 one"
                ));
            }
            v31
        }
        (None, None, Some((v30, v31))) => {
            notes.push(format!(
                "CVSS v3.0 vector `{v30}` written as v3.1 (same metrics; the score is computed by v3.1)"
            ));
            v31
        }
        (None, None, None) => return None,
    };
    Some(chosen)
}

/// A title from details when a record has no summary: its first line, cut
/// at a sentence end or at 120 characters on a word boundary.
pub fn title_from_details(details: &str) -> String {
    let first = details
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
        .trim_start_matches('#')
        .trim();
    let sentence = match first.find(". ") {
        Some(i) if i > 20 => &first[..i],
        _ => first.trim_end_matches('.'),
    };
    if sentence.chars().count() <= 120 {
        return sentence.to_string();
    }
    let cut: String = sentence.chars().take(118).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > 60 => cut[..i].to_string(),
        _ => cut,
    };
    format!("{cut} …")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn other_at(path: &str) -> FieldError {
        FieldError {
            pos: Pos::START,
            path: path.into(),
            message: "package `flask` is not the site's package `werkzeug`".into(),
        }
    }

    #[test]
    fn other_packages_are_noted_beside_the_sites_and_refused_alone() {
        let mut beside = OtherPackages::default();
        beside.other(&other_at("$.affected[0]"), 0);
        beside.site_package();
        beside.other(&other_at("$.affected[2]"), 2);
        let mut notes = Vec::new();
        assert_eq!(beside.finish(&mut notes), Ok(()));
        assert_eq!(
            notes,
            [
                "$.affected[0]: package `flask` is not the site's package `werkzeug`: left out",
                "$.affected[2]: package `flask` is not the site's package `werkzeug`: left out"
            ]
        );

        let mut alone = OtherPackages::default();
        alone.other(&other_at("$.affected[0]"), 0);
        alone.other(&other_at("$.affected[1]"), 1);
        let mut notes = Vec::new();
        assert_eq!(alone.finish(&mut notes), Err(0), "the first is the error");
        assert!(notes.is_empty());

        let mut many = OtherPackages::default();
        many.site_package();
        for i in 0..8 {
            many.other(&other_at(&format!("$.affected[{i}]")), i);
        }
        let mut notes = Vec::new();
        assert_eq!(many.finish(&mut notes), Ok(()));
        assert_eq!(notes.len(), NAMED_OTHERS + 1);
        assert_eq!(notes[5], "3 more entries about other packages: left out");

        let none = OtherPackages::<u8>::default();
        assert_eq!(
            none.finish(&mut notes),
            Ok(()),
            "an empty list is not refused here"
        );
    }

    #[test]
    fn cvss_choice_is_noted() {
        let mut notes = Vec::new();
        let v = choose_cvss(
            &[
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into(),
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N".into(),
            ],
            &mut notes,
        );
        assert!(v.unwrap().starts_with("CVSS:4.0/"));
        assert_eq!(notes.len(), 1);
        let mut notes = Vec::new();
        let v = choose_cvss(
            &["CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:N".into()],
            &mut notes,
        );
        assert_eq!(
            v.as_deref(),
            Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:N")
        );
        assert!(notes[0].contains("v3.0"));
    }

    #[test]
    fn titles_come_from_the_first_sentence() {
        assert_eq!(
            title_from_details("urllib3 before version 1.23 does not remove the header. More."),
            "urllib3 before version 1.23 does not remove the header"
        );
        let long = "word ".repeat(60);
        assert!(title_from_details(&long).chars().count() <= 122);
    }

    #[test]
    fn commit_hashes_from_forge_urls() {
        assert_eq!(
            commit_in_url(
                "https://go.googlesource.com/go/+/bb1f4416180511231de6d17a1f2f55c82aafc863"
            )
            .as_deref(),
            Some("bb1f4416180511231de6d17a1f2f55c82aafc863")
        );
        assert_eq!(commit_in_url("https://go.dev/cl/402257"), None);
    }
}
