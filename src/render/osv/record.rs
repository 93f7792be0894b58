//! One advisory as an OSV 1.7 record: the schema's shape as serde types, and
//! how the advisory's per-series facts become OSV ranges and versions.

use std::borrow::Cow;
use std::collections::BTreeSet;

use jiff::Timestamp;
use serde::Serialize;

use crate::config::SiteConfig;
use crate::model::{Advisory, Affected, CvssVersion, Releases, Series, Version};
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<RangeSpecific>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RangeType {
    Ecosystem,
    Git,
}

/// Which release series an ECOSYSTEM range stands for: OSV orders every
/// version of a package on one line, so the series is otherwise lost.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RangeSpecific {
    pub series: String,
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

/// The record for `a`. `now` bounds the `modified` time (see [`modified`]).
pub fn build(config: &SiteConfig, releases: &Releases, a: &Advisory, now: Timestamp) -> OsvRecord {
    let page_url = paths::absolute_url(config, &paths::advisory_page(a));
    let versions = affected_versions(releases, a);
    OsvRecord {
        schema_version: SCHEMA_VERSION,
        id: paths::osv_id(config, a),
        modified: paths::utc_timestamp(modified(releases, a, now)),
        published: paths::utc_timestamp(a.published.at),
        withdrawn: a.withdrawn.as_ref().map(|w| paths::utc_timestamp(w.at)),
        aliases: a.aliases.iter().map(|x| x.to_string()).collect(),
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
        affected: affected(config, releases, a, versions),
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

/// When the record last changed. Besides the advisory's own `modified` and
/// its withdrawal, a new release of a series that has no fix yet adds to the
/// record's `versions`, and OSV importers fetch only records whose
/// `modified` moved; so the release day of the newest affected version
/// counts too (never later than the build clock).
pub fn modified(releases: &Releases, a: &Advisory, now: Timestamp) -> Timestamp {
    let newest_release = releases
        .series
        .iter()
        .flat_map(|s| s.versions.iter().map(move |r| (s, r)))
        .filter(|(s, r)| affects_as_published(a, s, &r.version))
        .filter_map(|(_, r)| {
            r.date
                .to_zoned(jiff::tz::TimeZone::UTC)
                .ok()
                .map(|z| z.timestamp())
        })
        .max()
        .map(|t| t.min(now));
    [
        Some(a.modified),
        a.withdrawn.as_ref().map(|w| w.at),
        newest_release,
    ]
    .into_iter()
    .flatten()
    .max()
    .unwrap_or(a.modified)
}

/// Whether `version` of `series` is affected by what the advisory says. A
/// withdrawn advisory keeps its `affected` in OSV (consumers skip withdrawn
/// records), so it is judged as it stood before the withdrawal.
fn affects_as_published(a: &Advisory, series: &Series, version: &Version) -> bool {
    let subject: Cow<'_, Advisory> = if a.is_withdrawn() {
        Cow::Owned(Advisory {
            withdrawn: None,
            ..a.clone()
        })
    } else {
        Cow::Borrowed(a)
    };
    subject.affects_version(series, version)
}

/// Every released version the advisory affects, in ascending version order.
pub fn affected_versions(releases: &Releases, a: &Advisory) -> Vec<String> {
    let mut versions: Vec<&Version> = releases
        .series
        .iter()
        .flat_map(|s| {
            s.versions
                .iter()
                .filter(move |r| affects_as_published(a, s, &r.version))
                .map(|r| &r.version)
        })
        .collect();
    versions.sort();
    versions.dedup();
    versions.into_iter().map(|v| v.to_string()).collect()
}

/// The ECOSYSTEM range for one affected series: from the first affected
/// version to the fix. With no fix yet, the range stays open only when no
/// later series exists; otherwise it ends at the series' latest release,
/// because OSV ranges compare versions across the whole package and an open
/// range would also claim every release of the newer, unaffected series.
///
/// A series with no release (the development branch) gets none: an open
/// range from "0" would claim every version of the package, while what is
/// affected there is unreleased code, which the GIT range covers.
pub fn ecosystem_range(entry: &Affected, series: &Series, releases: &Releases) -> Option<OsvRange> {
    let introduced = match (&entry.introduced, series.first_version()) {
        (Some(v), _) | (None, Some(v)) => v.to_string(),
        (None, None) if entry.fixed.is_some() => "0".to_string(),
        (None, None) => return None,
    };
    let mut events = vec![Event::Introduced(introduced)];
    match (&entry.fixed, series.latest_version()) {
        (Some(fixed), _) => events.push(Event::Fixed(fixed.to_string())),
        (None, Some(latest)) if has_later_series(releases, latest) => {
            events.push(Event::LastAffected(latest.to_string()));
        }
        (None, _) => {}
    }
    Some(OsvRange {
        kind: RangeType::Ecosystem,
        repo: None,
        events,
        database_specific: Some(RangeSpecific {
            series: series.name.clone(),
        }),
    })
}

/// Whether any series has released a version above `latest`.
fn has_later_series(releases: &Releases, latest: &Version) -> bool {
    releases
        .series
        .iter()
        .filter_map(Series::latest_version)
        .any(|v| v > latest)
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
        database_specific: None,
    })
}

fn affected(
    config: &SiteConfig,
    releases: &Releases,
    a: &Advisory,
    versions: Vec<String>,
) -> Vec<OsvAffected> {
    // Release-file order (newest series first) rather than the order
    // written, so records do not change when an author reorders entries.
    let mut ranges: Vec<OsvRange> = a
        .affected_series(releases)
        .into_iter()
        .filter_map(|s| ecosystem_range(a.affected_entry(&s.name)?, s, releases))
        .collect();
    if let Some(repo) = &config.project.repository {
        ranges.extend(git_range(repo, a));
    }
    if ranges.is_empty() && versions.is_empty() {
        // An entry with neither would read as "every version" to some
        // consumers; say nothing instead.
        return Vec::new();
    }
    vec![OsvAffected {
        package: OsvPackage {
            ecosystem: a.package.ecosystem.clone(),
            name: a.package.name.clone(),
            purl: a.package.purl.clone(),
        },
        ranges,
        versions,
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
        AdvisoryId, Package, Patch, Release, VersionScheme, Withdrawal, parse_instant,
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

    #[test]
    fn introduced_in_one_series_fixed_in_several_gives_one_range_per_series() {
        // Came in with 2.0.2; fixed in 3.0.1 and 2.0.3; 1.0 was never affected.
        let a = advisory(vec![
            entry("2.0", Some("2.0.2"), Some("2.0.3")),
            entry("3.0", None, Some("3.0.1")),
        ]);
        let rec = build(&config(), &releases(), &a, now());
        assert_eq!(rec.affected.len(), 1);
        let ranges = &rec.affected[0].ranges;
        let eco: Vec<_> = ranges
            .iter()
            .filter(|r| r.kind == RangeType::Ecosystem)
            .collect();
        assert_eq!(eco.len(), 2, "not-affected series get no range");
        // Release-file order, not the order written.
        assert_eq!(
            eco[0].database_specific.as_ref().unwrap().series,
            "3.0".to_string()
        );
        assert_eq!(events(eco[0]), ["introduced 3.0", "fixed 3.0.1"]);
        assert_eq!(events(eco[1]), ["introduced 2.0.2", "fixed 2.0.3"]);
        assert_eq!(rec.affected[0].versions, ["2.0.2", "3.0"]);
    }

    #[test]
    fn unfixed_series_ends_at_its_latest_release_when_a_later_series_exists() {
        // An open range from 2.0.1 would also claim every 3.0 release.
        let a = advisory(vec![entry("2.0", Some("2.0.1"), None)]);
        let rel = releases();
        let range = ecosystem_range(&a.affected[0], &rel.series[2], &rel).unwrap();
        assert_eq!(events(&range), ["introduced 2.0.1", "last_affected 2.0.3"]);
        assert_eq!(affected_versions(&rel, &a), ["2.0.1", "2.0.2", "2.0.3"]);
    }

    #[test]
    fn unfixed_newest_series_has_an_open_range() {
        let a = advisory(vec![entry("3.0", None, None)]);
        let rel = releases();
        let range = ecosystem_range(&a.affected[0], &rel.series[1], &rel).unwrap();
        assert_eq!(events(&range), ["introduced 3.0"]);
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
        assert!(ecosystem_range(&a.affected[1], &rel.series[0], &rel).is_none());
        let rec = build(&config(), &rel, &a, now());
        let ranges = &rec.affected[0].ranges;
        assert_eq!(ranges.len(), 2);
        assert_eq!(ranges[1].kind, RangeType::Git);
        assert_eq!(ranges[1].repo.as_deref(), Some("https://github.com/o/p"));
        assert_eq!(events(&ranges[1]), ["introduced 0", "fixed abcdef1"]);
        assert!(
            rec.references
                .iter()
                .any(|r| r.kind == "FIX" && r.url.ends_with("/abcdef1"))
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
    fn a_new_release_of_an_unfixed_series_moves_modified_but_never_past_the_clock() {
        // 3.0.2 is released 2025-09-01, before publication: no change.
        let fixed = advisory(vec![entry("3.0", None, Some("3.0.1"))]);
        assert_eq!(modified(&releases(), &fixed, now()), fixed.modified);
        let mut rel = releases();
        rel.series[1].versions.push(Release {
            version: v("3.0.3"),
            date: jiff::civil::date(2025, 11, 20),
        });
        let open = advisory(vec![entry("3.0", None, None)]);
        assert_eq!(
            paths::utc_timestamp(modified(&rel, &open, now())),
            "2025-11-20T00:00:00Z"
        );
        let early: Timestamp = "2025-10-01T00:00:00Z".parse().unwrap();
        assert_eq!(modified(&rel, &open, early), open.modified.max(early));
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
    }
}
