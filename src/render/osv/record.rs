//! One advisory as an OSV 1.7 record: the schema's shape as serde types, and
//! how the advisory's per-series facts become OSV ranges and versions.

use std::collections::BTreeSet;

use jiff::Timestamp;
use serde::Serialize;

use crate::config::SiteConfig;
use crate::model::ranges::{self, SeriesRange, Verdict};
use crate::model::{Advisory, CvssVersion, Releases, Version};
use crate::render::paths;

/// The OSV schema version the records follow.
pub const SCHEMA_VERSION: &str = "1.7.5";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OsvRecord {
    pub schema_version: &'static str,
    pub id: String,
    pub modified: String,
    pub published: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    pub summary: String,
    pub details: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<OsvSeverity>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub affected: Vec<OsvAffected>,
    pub references: Vec<OsvReference>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub credits: Vec<OsvCredit>,
    pub database_specific: DatabaseSpecific,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OsvSeverity {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub score: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OsvAffected {
    pub package: OsvPackage,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<OsvRange>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<AffectedSpecific>,
}

/// What OSV's one line of versions per package cannot say: which release
/// series each pair of events stands for, and the patches of each. It sits
/// on the affected package, which osv.dev keeps on import (it drops the
/// `database_specific` of a range).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AffectedSpecific {
    pub series: Vec<SeriesSpecific>,
}

/// One affected series as the advisory states it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesSpecific {
    pub series: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub introduced: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_affected: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub patches: Vec<PatchSpecific>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatchSpecific {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OsvPackage {
    pub ecosystem: String,
    pub name: String,
    pub purl: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OsvRange {
    #[serde(rename = "type")]
    pub kind: RangeType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    pub events: Vec<Event>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RangeType {
    Ecosystem,
    Git,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    Introduced(String),
    Fixed(String),
    LastAffected(String),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OsvReference {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OsvCredit {
    pub name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contact: Vec<String>,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

/// What the site knows beyond the OSV fields.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DatabaseSpecific {
    /// The advisory's page on the site.
    pub url: String,
    /// The level on the site's own scale; absent when not rated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cwe_ids: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withdrawn_reason: Option<String>,
}

/// The record for `a`, with the releases out by the clock `now`.
pub fn build(config: &SiteConfig, releases: &Releases, a: &Advisory, now: Timestamp) -> OsvRecord {
    let page_url = paths::absolute_url(config, &paths::advisory_page(a));
    let osv_id = paths::osv_id(config, a);
    let cutoff = ranges::cutoff(a, now);
    let series = ranges::series_ranges(a, releases, cutoff);
    let versions = ranges::affected_versions(a, releases, cutoff)
        .into_iter()
        .map(|v| v.to_string())
        .collect();
    OsvRecord {
        schema_version: SCHEMA_VERSION,
        modified: paths::utc_timestamp(ranges::last_change(a, releases, now)),
        published: paths::utc_timestamp(a.published.at),
        withdrawn: a.withdrawn.as_ref().map(|w| paths::utc_timestamp(w.at)),
        aliases: a
            .vulnerability_ids()
            .into_iter()
            .map(|x| x.to_string())
            .filter(|x| *x != osv_id)
            .collect(),
        id: osv_id,
        summary: a.title.clone(),
        details: a.details.clone(),
        severity: a
            .cvss
            .iter()
            .map(|c| OsvSeverity {
                kind: match c.version {
                    CvssVersion::V3_1 => "CVSS_V3",
                    CvssVersion::V4_0 => "CVSS_V4",
                },
                score: c.vector.clone(),
            })
            .collect(),
        affected: affected(config, a, &series, versions),
        references: references(a, &page_url),
        credits: a
            .credits
            .iter()
            .map(|c| OsvCredit {
                name: c.name.clone(),
                contact: c.contact.clone(),
                kind: c.kind.osv_name(),
            })
            .collect(),
        database_specific: DatabaseSpecific {
            url: page_url,
            severity: a.severity.clone(),
            cwe_ids: a.cwe.iter().map(|c| c.to_string()).collect(),
            withdrawn_reason: a.withdrawn.as_ref().map(|w| w.reason.clone()),
        },
    }
}

/// Where one affected series' pair of events ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PairEnd<'a> {
    Fixed(&'a Version),
    LastAffected(&'a Version),
}

impl PairEnd<'_> {
    /// Whether a pair starting at `v` begins inside the one ending here.
    fn reaches(self, v: &Version) -> bool {
        match self {
            PairEnd::Fixed(f) => v < f,
            PairEnd::LastAffected(l) => v <= l,
        }
    }

    /// The later of two ends; at one version, `last_affected` includes it.
    fn max(self, other: Self) -> Self {
        let key = |e: PairEnd<'_>| match e {
            PairEnd::Fixed(v) => (v.clone(), 0),
            PairEnd::LastAffected(v) => (v.clone(), 1),
        };
        if key(other) > key(self) { other } else { self }
    }
}

/// The one ECOSYSTEM range of the package, as PyPA's database writes it
/// and as pip-audit and osv.dev read it: every affected series' pair of
/// events — `introduced` and its `fixed`, or with no fix yet
/// `last_affected` at the latest release — in version order. (One range
/// per series reads wrong: pip-audit takes the fixes of one range only and
/// would offer another series' fix.) Pairs that overlap, which only series
/// numbered across each other can give, are merged so no version is
/// claimed twice.
///
/// A series with no release (the development branch) has no pair: an open
/// `introduced` would claim every later version of the package, while what
/// is affected there is unreleased code, which the GIT range covers.
pub fn ecosystem_range(series: &[SeriesRange<'_>]) -> Option<OsvRange> {
    let mut pairs: Vec<(&Version, PairEnd<'_>)> = series
        .iter()
        .filter_map(|r| match r.verdict {
            Verdict::Affected {
                introduced,
                fixed: Some(f),
                ..
            } => Some((introduced, PairEnd::Fixed(f))),
            Verdict::Affected {
                introduced,
                fixed: None,
                last_affected: Some(l),
            } => Some((introduced, PairEnd::LastAffected(l))),
            _ => None,
        })
        .collect();
    pairs.sort_by(|a, b| a.0.cmp(b.0));
    let mut merged: Vec<(&Version, PairEnd<'_>)> = Vec::with_capacity(pairs.len());
    for (introduced, end) in pairs {
        match merged.last_mut() {
            Some((_, last)) if last.reaches(introduced) => *last = last.max(end),
            _ => merged.push((introduced, end)),
        }
    }
    if merged.is_empty() {
        return None;
    }
    let events = merged
        .into_iter()
        .flat_map(|(introduced, end)| {
            [
                Event::Introduced(introduced.to_string()),
                match end {
                    PairEnd::Fixed(v) => Event::Fixed(v.to_string()),
                    PairEnd::LastAffected(v) => Event::LastAffected(v.to_string()),
                },
            ]
        })
        .collect();
    Some(OsvRange {
        kind: RangeType::Ecosystem,
        repo: None,
        events,
    })
}

/// Each listed series with its events and patches, for
/// `affected[].database_specific`.
fn series_specific(series: &[SeriesRange<'_>]) -> Vec<SeriesSpecific> {
    series
        .iter()
        .filter_map(|r| {
            let (introduced, fixed, last_affected) = match r.verdict {
                Verdict::Affected {
                    introduced,
                    fixed,
                    last_affected,
                } => (Some(introduced), fixed, last_affected),
                Verdict::Branch { .. } => (None, None, None),
                Verdict::NotAffected { .. } => return None,
            };
            Some(SeriesSpecific {
                series: r.series.name.clone(),
                introduced: introduced.map(ToString::to_string),
                fixed: fixed.map(ToString::to_string),
                last_affected: last_affected.map(ToString::to_string),
                patches: r
                    .patches
                    .iter()
                    .map(|p| PatchSpecific {
                        url: p.url.clone(),
                        commit: p.commit.clone(),
                        label: p.label.clone(),
                    })
                    .collect(),
            })
        })
        .collect()
}

/// The GIT range: every fix commit in the project's repository, each fixing
/// its branch, with nothing known about where the bug came in.
pub fn git_range(repository: &str, a: &Advisory) -> Option<OsvRange> {
    let repo = repository.trim_end_matches('/');
    let in_repo = |url: &Option<String>| {
        url.as_deref().is_none_or(|u| {
            u.strip_prefix(repo)
                .is_some_and(|rest| rest.starts_with('/'))
        })
    };
    let mut commits: Vec<&str> = Vec::new();
    for p in a.affected.iter().flat_map(|e| &e.patches) {
        if let Some(c) = p.commit.as_deref()
            && in_repo(&p.url)
            && !commits.contains(&c)
        {
            commits.push(c);
        }
    }
    if commits.is_empty() {
        return None;
    }
    let mut events = vec![Event::Introduced("0".into())];
    events.extend(commits.into_iter().map(|c| Event::Fixed(c.to_string())));
    Some(OsvRange {
        kind: RangeType::Git,
        repo: Some(repo.to_string()),
        events,
    })
}

fn affected(
    config: &SiteConfig,
    a: &Advisory,
    series: &[SeriesRange<'_>],
    versions: Vec<String>,
) -> Vec<OsvAffected> {
    let mut ranges: Vec<OsvRange> = ecosystem_range(series).into_iter().collect();
    if let Some(repo) = &config.project.repository {
        ranges.extend(git_range(repo, a));
    }
    if ranges.is_empty() && versions.is_empty() {
        // An entry with neither would read as "every version" to some
        // consumers; say nothing instead.
        return Vec::new();
    }
    let specific = series_specific(series);
    vec![OsvAffected {
        package: OsvPackage {
            ecosystem: a.package.ecosystem.clone(),
            name: a.package.name.clone(),
            purl: a.package.purl.clone(),
        },
        ranges,
        versions,
        database_specific: (!specific.is_empty()).then_some(AffectedSpecific { series: specific }),
    }]
}

fn references(a: &Advisory, page_url: &str) -> Vec<OsvReference> {
    let mut refs = vec![OsvReference {
        kind: "ADVISORY",
        url: page_url.to_string(),
    }];
    refs.extend(a.references.iter().map(|r| OsvReference {
        kind: r.kind.osv_name(),
        url: r.url.clone(),
    }));
    refs.extend(
        a.affected
            .iter()
            .flat_map(|e| &e.patches)
            .filter_map(|p| p.url.clone())
            .map(|url| OsvReference { kind: "FIX", url }),
    );
    // The same link given twice (a patch also listed as a reference) says
    // nothing new; keep its first, most specific, type.
    let mut seen = BTreeSet::new();
    refs.retain(|r| seen.insert(r.url.clone()));
    refs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::SourceName;
    use crate::model::{
        AdvisoryId, Affected, Package, Patch, Release, Series, VersionScheme, Withdrawal,
        parse_instant,
    };

    const CONFIG: &str = r#"
title = "T"
base_url = "https://example.org/security/"
[project]
name = "P"
vendor = "V"
repository = "https://github.com/o/p"
version_scheme = "pep440"
[project.package]
ecosystem = "PyPI"
name = "p"
purl = "pkg:pypi/p"
[security_txt]
contact = ["mailto:s@example.org"]
[csaf]
publisher_name = "V"
namespace = "https://example.org"
category = "vendor"
"#;

    fn config() -> SiteConfig {
        toml::from_str(CONFIG).unwrap()
    }

    fn v(s: &str) -> Version {
        Version::parse(s, VersionScheme::Pep440).unwrap()
    }

    /// A released series `name` with versions `name`, `name.1`, … released
    /// a month apart from `first_month` of 2025.
    fn series(name: &str, count: u32, first_month: i8) -> Series {
        Series {
            name: name.into(),
            development: false,
            released: Some(jiff::civil::date(2025, first_month, 1)),
            lts: false,
            bugfix_until: None,
            security_until: None,
            versions: (0..count)
                .map(|i| Release {
                    version: v(&if i == 0 {
                        name.to_string()
                    } else {
                        format!("{name}.{i}")
                    }),
                    date: jiff::civil::date(2025, first_month + i as i8, 1),
                })
                .collect(),
        }
    }

    fn main_branch() -> Series {
        Series {
            name: "main".into(),
            development: true,
            released: None,
            lts: false,
            bugfix_until: None,
            security_until: None,
            versions: vec![],
        }
    }

    /// Newest first, as the releases file lists them: main, 3.0, 2.0, 1.0.
    fn releases() -> Releases {
        Releases {
            scheme: VersionScheme::Pep440,
            series: vec![
                main_branch(),
                series("3.0", 3, 7),
                series("2.0", 4, 3),
                series("1.0", 2, 1),
            ],
        }
    }

    fn entry(series: &str, introduced: Option<&str>, fixed: Option<&str>) -> Affected {
        Affected {
            series: series.into(),
            introduced: introduced.map(v),
            fixed: fixed.map(v),
            patches: vec![],
        }
    }

    fn advisory(affected: Vec<Affected>) -> Advisory {
        let published = parse_instant("2025-09-15T12:00:00Z").unwrap();
        Advisory {
            id: AdvisoryId::parse("P-2025-1").unwrap(),
            file: SourceName("P-2025-1.md".into()),
            title: "Title".into(),
            aliases: vec![],
            published,
            announce: None,
            modified: published.at,
            withdrawn: None,
            severity: Some("high".into()),
            cvss: None,
            cwe: vec![],
            package: Package {
                ecosystem: "PyPI".into(),
                name: "p".into(),
                purl: "pkg:pypi/p".into(),
            },
            affected,
            credits: vec![],
            references: vec![],
            details: "Details.".into(),
        }
    }

    fn events(r: &OsvRange) -> Vec<String> {
        r.events
            .iter()
            .map(|e| match e {
                Event::Introduced(x) => format!("introduced {x}"),
                Event::Fixed(x) => format!("fixed {x}"),
                Event::LastAffected(x) => format!("last_affected {x}"),
            })
            .collect()
    }

    fn now() -> Timestamp {
        "2026-01-01T00:00:00Z".parse().unwrap()
    }

    fn eco(rec: &OsvRecord) -> Vec<String> {
        let ranges: Vec<&OsvRange> = rec.affected[0]
            .ranges
            .iter()
            .filter(|r| r.kind == RangeType::Ecosystem)
            .collect();
        assert_eq!(ranges.len(), 1, "one ECOSYSTEM range per package");
        events(ranges[0])
    }

    fn series_of(rec: &OsvRecord) -> Vec<(String, Option<String>, Option<String>)> {
        rec.affected[0]
            .database_specific
            .as_ref()
            .map(|d| {
                d.series
                    .iter()
                    .map(|s| (s.series.clone(), s.fixed.clone(), s.last_affected.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn every_series_pair_is_in_one_range_in_version_order() {
        // Came in with 2.0.2; fixed in 3.0.1 and 2.0.3; 1.0 was never affected.
        let a = advisory(vec![
            entry("2.0", Some("2.0.2"), Some("2.0.3")),
            entry("3.0", None, Some("3.0.1")),
        ]);
        let rec = build(&config(), &releases(), &a, now());
        assert_eq!(rec.affected.len(), 1);
        assert_eq!(
            eco(&rec),
            [
                "introduced 2.0.2",
                "fixed 2.0.3",
                "introduced 3.0",
                "fixed 3.0.1"
            ]
        );
        assert_eq!(rec.affected[0].versions, ["2.0.2", "3.0"]);
        // Release-file order in the series list, not the order written.
        assert_eq!(
            series_of(&rec),
            [
                ("3.0".into(), Some("3.0.1".into()), None),
                ("2.0".into(), Some("2.0.3".into()), None)
            ]
        );
    }

    /// What pip-audit reads: of the fixes in the one range, the smallest
    /// above a version of an older series is that series' own fix.
    #[test]
    fn the_smallest_fix_above_each_affected_version_is_its_series_fix() {
        let a = advisory(vec![
            entry("1.0", None, Some("1.0.1")),
            entry("2.0", None, Some("2.0.2")),
            entry("3.0", None, Some("3.0.2")),
        ]);
        let rel = releases();
        let rec = build(&config(), &rel, &a, now());
        let fixes: Vec<Version> = rec.affected[0].ranges[0]
            .events
            .iter()
            .filter_map(|e| match e {
                Event::Fixed(f) => Some(v(f)),
                _ => None,
            })
            .collect();
        for s in &rel.series {
            let Some(entry) = a.affected_entry(&s.name) else {
                continue;
            };
            for r in s
                .versions
                .iter()
                .filter(|r| a.affects_version(s, &r.version))
            {
                let offered = fixes.iter().filter(|f| **f > r.version).min();
                assert_eq!(offered, entry.fixed.as_ref(), "{}", r.version);
            }
        }
    }

    #[test]
    fn an_unfixed_series_ends_at_its_latest_release_even_the_newest() {
        // An open range from 2.0.1 would also claim every 3.0 release, and
        // one from 3.0 would claim the next series before anyone checked it.
        let a = advisory(vec![
            entry("2.0", Some("2.0.1"), None),
            entry("3.0", None, None),
        ]);
        let rec = build(&config(), &releases(), &a, now());
        assert_eq!(
            eco(&rec),
            [
                "introduced 2.0.1",
                "last_affected 2.0.3",
                "introduced 3.0",
                "last_affected 3.0.2"
            ]
        );
        assert_eq!(
            rec.affected[0].versions,
            ["2.0.1", "2.0.2", "2.0.3", "3.0", "3.0.1", "3.0.2"]
        );
        assert_eq!(
            series_of(&rec)[1],
            ("2.0".into(), None, Some("2.0.3".into()))
        );
    }

    #[test]
    fn pairs_of_series_numbered_across_each_other_are_merged() {
        let mut rel = releases();
        // A series whose releases sit inside another's numbers.
        rel.series[3].versions.push(Release {
            version: v("2.0.1.1"),
            date: jiff::civil::date(2025, 4, 1),
        });
        rel.series[3]
            .versions
            .sort_by(|a, b| a.version.cmp(&b.version));
        let a = advisory(vec![
            entry("2.0", None, Some("2.0.2")),
            entry("1.0", Some("1.0.1"), None),
        ]);
        let cutoff = ranges::cutoff(&a, now());
        let series = ranges::series_ranges(&a, &rel, cutoff);
        let range = ecosystem_range(&series).unwrap();
        assert_eq!(events(&range), ["introduced 1.0.1", "fixed 2.0.2"]);
    }

    #[test]
    fn the_development_branch_gets_no_ecosystem_range_but_its_commit_counts() {
        let mut main = entry("main", None, None);
        main.patches.push(Patch {
            commit: Some("abcdef1".into()),
            url: Some("https://github.com/o/p/commit/abcdef1".into()),
            label: None,
        });
        let a = advisory(vec![entry("3.0", None, Some("3.0.2")), main]);
        let rel = releases();
        let rec = build(&config(), &rel, &a, now());
        let ranges = &rec.affected[0].ranges;
        assert_eq!(ranges.len(), 2);
        assert_eq!(events(&ranges[0]), ["introduced 3.0", "fixed 3.0.2"]);
        assert_eq!(ranges[1].kind, RangeType::Git);
        assert_eq!(ranges[1].repo.as_deref(), Some("https://github.com/o/p"));
        assert_eq!(events(&ranges[1]), ["introduced 0", "fixed abcdef1"]);
        assert!(
            rec.references
                .iter()
                .any(|r| r.kind == "FIX" && r.url.ends_with("/abcdef1"))
        );
        let specific = rec.affected[0].database_specific.as_ref().unwrap();
        assert_eq!(specific.series[0].series, "main");
        assert_eq!(
            specific.series[0].patches[0].commit.as_deref(),
            Some("abcdef1")
        );
    }

    #[test]
    fn git_range_keeps_only_this_repositorys_commits_once_each() {
        let patch = |commit: &str, url: Option<&str>| Patch {
            commit: Some(commit.into()),
            url: url.map(str::to_string),
            label: None,
        };
        let mut e1 = entry("3.0", None, Some("3.0.1"));
        e1.patches = vec![
            patch("aaaaaaa", Some("https://github.com/o/p/commit/aaaaaaa")),
            patch(
                "bbbbbbb",
                Some("https://github.com/o/p-fork/commit/bbbbbbb"),
            ),
        ];
        let mut e2 = entry("2.0", None, Some("2.0.1"));
        e2.patches = vec![patch("aaaaaaa", None), patch("ccccccc", None)];
        let a = advisory(vec![e1, e2]);
        let r = git_range("https://github.com/o/p/", &a).unwrap();
        assert_eq!(
            events(&r),
            ["introduced 0", "fixed aaaaaaa", "fixed ccccccc"]
        );
        assert!(git_range("https://github.com/o/p", &advisory(vec![])).is_none());
    }

    #[test]
    fn withdrawn_advisory_keeps_its_record_and_affected_with_withdrawn_set() {
        let mut a = advisory(vec![entry("3.0", None, Some("3.0.1"))]);
        let at: Timestamp = "2025-10-01T08:00:00Z".parse().unwrap();
        a.withdrawn = Some(Withdrawal {
            at,
            reason: "not a vulnerability".into(),
        });
        let rec = build(&config(), &releases(), &a, now());
        assert_eq!(rec.withdrawn.as_deref(), Some("2025-10-01T08:00:00Z"));
        assert_eq!(rec.modified, "2025-10-01T08:00:00Z", "withdrawal modifies");
        assert_eq!(rec.affected[0].versions, ["3.0"]);
        assert_eq!(
            rec.database_specific.withdrawn_reason.as_deref(),
            Some("not a vulnerability")
        );
    }

    #[test]
    fn a_new_release_of_an_unfixed_series_moves_modified_and_a_release_elsewhere_does_not() {
        let open = advisory(vec![entry("3.0", None, None)]);
        let fixed = advisory(vec![entry("3.0", None, Some("3.0.1"))]);
        let before_open = build(&config(), &releases(), &open, now());
        let before_fixed = build(&config(), &releases(), &fixed, now());
        let mut rel = releases();
        rel.series[1].versions.push(Release {
            version: v("3.0.3"),
            date: jiff::civil::date(2025, 11, 20),
        });
        let after_open = build(&config(), &rel, &open, now());
        assert_eq!(after_open.modified, "2025-11-20T00:00:00Z");
        assert_ne!(after_open, before_open);
        assert_eq!(build(&config(), &rel, &fixed, now()), before_fixed);
        // A release dated after the clock counts from its day on.
        let early: Timestamp = "2025-10-01T00:00:00Z".parse().unwrap();
        assert_eq!(
            build(&config(), &rel, &open, early).modified,
            before_open.modified
        );
        assert_eq!(
            build(&config(), &rel, &open, early),
            build(&config(), &releases(), &open, early)
        );
    }

    #[test]
    fn an_advisory_named_by_its_cve_id_lists_it_as_an_alias() {
        let mut a = advisory(vec![entry("3.0", None, Some("3.0.1"))]);
        a.id = AdvisoryId::parse("CVE-2025-1234").unwrap();
        a.aliases = vec![crate::model::Alias::parse("GHSA-abcd-efgh-2345").unwrap()];
        let rec = build(&config(), &releases(), &a, now());
        assert_eq!(rec.id, "x_CVE-2025-1234");
        assert_eq!(rec.aliases, ["CVE-2025-1234", "GHSA-abcd-efgh-2345"]);
        let mut bare = config();
        bare.osv.id_prefix = String::new();
        let rec = build(&bare, &releases(), &a, now());
        assert_eq!(rec.id, "CVE-2025-1234");
        assert_eq!(rec.aliases, ["GHSA-abcd-efgh-2345"], "not its own alias");
    }

    #[test]
    fn record_fields_follow_the_schema() {
        let mut a = advisory(vec![entry("1.0", None, Some("1.0.1"))]);
        a.cvss = Some(
            crate::model::Cvss::parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N").unwrap(),
        );
        a.aliases = vec![crate::model::Alias::parse("CVE-2025-1234").unwrap()];
        let rec = build(&config(), &releases(), &a, now());
        let json: serde_json::Value = serde_json::to_value(&rec).unwrap();
        assert_eq!(json["id"], "x_P-2025-1");
        assert_eq!(json["schema_version"], SCHEMA_VERSION);
        assert_eq!(json["severity"][0]["type"], "CVSS_V3");
        assert_eq!(json["aliases"][0], "CVE-2025-1234");
        assert_eq!(json["references"][0]["type"], "ADVISORY");
        assert_eq!(
            json["references"][0]["url"],
            "https://example.org/security/advisories/P-2025-1/"
        );
        let pkg = &json["affected"][0]["package"];
        assert_eq!(pkg["purl"], "pkg:pypi/p");
        assert!(json.get("withdrawn").is_none());
        assert_eq!(json["database_specific"]["severity"], "high");
        assert!(
            json["affected"][0]["ranges"][0]
                .get("database_specific")
                .is_none(),
            "osv.dev drops a range's database_specific"
        );
        assert_eq!(
            json["affected"][0]["database_specific"]["series"][0]["series"],
            "1.0"
        );
    }
}
