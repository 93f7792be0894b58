//! What an advisory states about each release series as version ranges —
//! the terms its OSV record, CSAF document and CVE records share — and the
//! moments those records change.
//!
//! A record states ranges, not a list of every release, so that a new
//! release changes only what it really changes: a series is named by its
//! version prefix (`5.1` covers 5.1, 5.1.1, … and every later 5.1.x) when
//! its name is the prefix its releases share. Only a series without a fix
//! yet depends on its latest release (its newest version is affected), and
//! a series whose name is not a version prefix can only be bounded by its
//! latest release.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::advisory::{Advisory, Patch};
use super::releases::{Release, Releases, Series};
use super::time::utc_date;
use super::version::{Version, VersionScheme};

/// The name of a series whose releases all start with it, so the series
/// can be named as a range that stays open to its future releases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesPrefix {
    /// The dotted numbers of the name: `[5, 1]` for `5.1`.
    numbers: Vec<u64>,
    name: String,
}

impl SeriesPrefix {
    /// `name` as a prefix of `versions`: dotted numbers, and every version
    /// is the name itself or continues it with something other than a
    /// digit (`5.1.3`, `5.1rc1`; not `5.10`).
    pub fn of(name: &str, versions: &[Release]) -> Option<SeriesPrefix> {
        let numbers = name
            .split('.')
            .map(|n| {
                (!n.is_empty() && n.len() <= 9 && n.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| n.parse::<u64>().ok())
                    .flatten()
            })
            .collect::<Option<Vec<u64>>>()?;
        let continues = |v: &str| {
            v.strip_prefix(name)
                .is_some_and(|rest| rest.bytes().next().is_none_or(|b| !b.is_ascii_digit()))
        };
        (!versions.is_empty() && versions.iter().all(|r| continues(r.version.as_str()))).then(
            || SeriesPrefix {
                numbers,
                name: name.to_string(),
            },
        )
    }

    /// The series as CVE JSON 5 writes an open upper limit: `5.1.*`.
    pub fn wildcard(&self) -> String {
        format!("{}.*", self.name)
    }

    /// The least version after the series in `scheme`: the first
    /// pre-release of the next number (`5.2.dev0`; SemVer `1.5.0-0`), for
    /// range notations without wildcards (`vers:`).
    pub fn exclusive_upper(&self, scheme: VersionScheme) -> Option<String> {
        let mut next = self.numbers.clone();
        let last = next.last_mut()?;
        *last = last.checked_add(1)?;
        match scheme {
            VersionScheme::Pep440 => {
                let dotted: Vec<String> = next.iter().map(u64::to_string).collect();
                Some(format!("{}.dev0", dotted.join(".")))
            }
            VersionScheme::Semver => {
                if next.len() > 3 {
                    return None;
                }
                next.resize(3, 0);
                Some(format!("{}.{}.{}-0", next[0], next[1], next[2]))
            }
        }
    }
}

/// Where a series' range ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeriesEnd<'a> {
    /// With the series itself: every release named by its prefix, present
    /// and future.
    Open(SeriesPrefix),
    /// At the latest release so far (the name is not a version prefix).
    Latest(&'a Version),
    /// The series has no release yet.
    Unreleased,
}

/// What the advisory states about one series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict<'a> {
    /// Released versions from `introduced` are affected, up to `fixed`
    /// (excluded) or, with no fix yet, every release of the series.
    Affected {
        introduced: &'a Version,
        fixed: Option<&'a Version>,
        /// The latest release so far, when it is affected (no fix yet).
        last_affected: Option<&'a Version>,
    },
    /// A series without releases (a branch): affected, or fixed on the
    /// branch by its patches.
    Branch { fixed: bool },
    /// Supported on the publish date, checked and not affected; `first` is
    /// its first release, `None` for a branch without releases.
    NotAffected { first: Option<&'a Version> },
}

/// One series and what the advisory says of it.
#[derive(Debug, Clone)]
pub struct SeriesRange<'a> {
    pub series: &'a Series,
    pub verdict: Verdict<'a>,
    pub end: SeriesEnd<'a>,
    /// The first release of the series so far.
    pub first: Option<&'a Version>,
    /// The fix commits listed for the series.
    pub patches: &'a [Patch],
}

/// The time up to which releases count for the records of `a`: the build
/// clock, or the withdrawal, after which a record no longer changes.
pub fn cutoff(a: &Advisory, now: Timestamp) -> Timestamp {
    a.withdrawn.as_ref().map_or(now, |w| w.at.min(now))
}

/// The moment a release's day begins in UTC.
pub fn release_time(r: &Release) -> Timestamp {
    r.date
        .to_zoned(TimeZone::UTC)
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::MAX)
}

/// The releases of `series` out by `cutoff`, oldest first.
pub fn released(series: &Series, cutoff: Timestamp) -> impl Iterator<Item = &Release> {
    series
        .versions
        .iter()
        .filter(move |r| release_time(r) <= cutoff)
}

fn latest_released(series: &Series, cutoff: Timestamp) -> Option<&Version> {
    released(series, cutoff).map(|r| &r.version).max()
}

fn end_of(series: &Series, cutoff: Timestamp) -> SeriesEnd<'_> {
    match SeriesPrefix::of(&series.name, &series.versions) {
        Some(prefix) => SeriesEnd::Open(prefix),
        None => match latest_released(series, cutoff) {
            Some(v) => SeriesEnd::Latest(v),
            None => SeriesEnd::Unreleased,
        },
    }
}

/// What `a` states about every series it has a verdict on, in release-file
/// order, judged with the releases out by `cutoff`. A withdrawn advisory is
/// judged as it stood: its records keep what it said, marked withdrawn.
/// Series nobody evaluated are left out.
pub fn series_ranges<'a>(
    a: &'a Advisory,
    releases: &'a Releases,
    cutoff: Timestamp,
) -> Vec<SeriesRange<'a>> {
    let published_on = utc_date(a.published.at);
    let mut out = Vec::new();
    for series in &releases.series {
        let first = series.first_version();
        let (verdict, patches) = match a.affected_entry(&series.name) {
            Some(entry) => {
                let verdict = match entry.introduced.as_ref().or(first) {
                    Some(introduced) if !series.versions.is_empty() => Verdict::Affected {
                        introduced,
                        fixed: entry.fixed.as_ref(),
                        last_affected: if entry.fixed.is_some() {
                            None
                        } else {
                            latest_released(series, cutoff).filter(|v| *v >= introduced)
                        },
                    },
                    _ => Verdict::Branch {
                        fixed: !entry.patches.is_empty(),
                    },
                };
                (verdict, entry.patches.as_slice())
            }
            None if series.supported_on(published_on) => (Verdict::NotAffected { first }, &[][..]),
            None => continue,
        };
        out.push(SeriesRange {
            series,
            verdict,
            end: end_of(series, cutoff),
            first,
            patches,
        });
    }
    out
}

/// Whether the records of this range name the series' latest release, so
/// that each new release of the series changes them.
fn tracks_latest(range: &SeriesRange<'_>) -> bool {
    match range.verdict {
        Verdict::Affected { fixed: None, .. } => true,
        Verdict::Branch { .. } => false,
        _ => matches!(range.end, SeriesEnd::Latest(_)),
    }
}

/// One moment a published record of the advisory changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub at: Timestamp,
    pub summary: String,
}

/// Every moment the advisory's records changed, oldest first: the release,
/// the last update when it is later, each later release that the records
/// name (a new release of a series without a fix is affected), and the
/// withdrawal. Changes at one moment are one change. An OSV record's
/// `modified`, a CVE record's `dateUpdated` and a CSAF document's revisions
/// all come from this list, so they move exactly when the records do.
pub fn record_changes(a: &Advisory, releases: &Releases, now: Timestamp) -> Vec<Change> {
    let cutoff = cutoff(a, now);
    let mut changes = vec![Change {
        at: a.published.at,
        summary: "Initial public release.".into(),
    }];
    let withdrawn_at = a.withdrawn.as_ref().map(|w| w.at);
    if a.modified > a.published.at && Some(a.modified) != withdrawn_at {
        changes.push(Change {
            at: a.modified,
            summary: "Advisory updated.".into(),
        });
    }
    for range in series_ranges(a, releases, cutoff) {
        if !tracks_latest(&range) {
            continue;
        }
        for r in released(range.series, cutoff).filter(|r| release_time(r) > a.published.at) {
            let affected = match range.verdict {
                Verdict::Affected {
                    introduced, fixed, ..
                } => r.version >= *introduced && fixed.is_none_or(|f| r.version < *f),
                _ => false,
            };
            let status = match (affected, &range.verdict) {
                (true, Verdict::Affected { fixed: None, .. }) => "affected, no fix yet",
                (true, _) => "affected",
                (false, _) => "not affected",
            };
            changes.push(Change {
                at: release_time(r),
                summary: format!(
                    "Release {} of the {} series: {status}.",
                    r.version, range.series.name
                ),
            });
        }
    }
    if let Some(w) = &a.withdrawn {
        changes.push(Change {
            at: w.at,
            summary: format!("Advisory withdrawn: {}", w.reason),
        });
    }
    // Sorted by time (CSAF 2.0 mandatory test 6.1.14 wants numbers to
    // ascend with dates); one entry per moment.
    changes.sort_by_key(|c| c.at);
    let mut merged: Vec<Change> = Vec::with_capacity(changes.len());
    for c in changes {
        match merged.last_mut() {
            Some(last) if last.at == c.at => {
                last.summary.push(' ');
                last.summary.push_str(&c.summary);
            }
            _ => merged.push(c),
        }
    }
    merged
}

/// When the advisory's records last changed.
pub fn last_change(a: &Advisory, releases: &Releases, now: Timestamp) -> Timestamp {
    record_changes(a, releases, now)
        .last()
        .map_or(a.modified, |c| c.at)
}

/// Every released version (out by the cutoff) that the advisory affects as
/// it stands or, withdrawn, as it stood; ascending.
pub fn affected_versions<'a>(
    a: &'a Advisory,
    releases: &'a Releases,
    cutoff: Timestamp,
) -> Vec<&'a Version> {
    let mut versions: Vec<&Version> = Vec::new();
    for range in series_ranges(a, releases, cutoff) {
        if let Verdict::Affected {
            introduced, fixed, ..
        } = range.verdict
        {
            versions.extend(
                released(range.series, cutoff)
                    .map(|r| &r.version)
                    .filter(|v| *v >= introduced && fixed.is_none_or(|f| *v < f)),
            );
        }
    }
    versions.sort();
    versions.dedup();
    versions
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn rel(v: &str, scheme: VersionScheme) -> Release {
        Release {
            version: Version::parse(v, scheme).unwrap(),
            date: date(2025, 1, 1),
        }
    }

    fn prefix(name: &str, versions: &[&str], scheme: VersionScheme) -> Option<SeriesPrefix> {
        let versions: Vec<Release> = versions.iter().map(|v| rel(v, scheme)).collect();
        SeriesPrefix::of(name, &versions)
    }

    #[test]
    fn a_series_is_a_prefix_when_every_release_continues_its_name() {
        let p = prefix(
            "5.1",
            &["5.1", "5.1.1", "5.1.10", "5.1rc1"],
            VersionScheme::Pep440,
        )
        .unwrap();
        assert_eq!(p.wildcard(), "5.1.*");
        assert_eq!(
            p.exclusive_upper(VersionScheme::Pep440).as_deref(),
            Some("5.2.dev0")
        );
        let s = prefix("1.4", &["1.4.0", "1.4.2-rc.1"], VersionScheme::Semver).unwrap();
        assert_eq!(
            s.exclusive_upper(VersionScheme::Semver).as_deref(),
            Some("1.5.0-0")
        );
        let major = prefix("2", &["2.0.0", "2.3.1"], VersionScheme::Semver).unwrap();
        assert_eq!(
            major.exclusive_upper(VersionScheme::Semver).as_deref(),
            Some("3.0.0-0")
        );
    }

    #[test]
    fn names_that_do_not_prefix_every_release_are_no_prefix() {
        assert!(prefix("5.1", &["5.1", "5.10"], VersionScheme::Pep440).is_none());
        assert!(prefix("5.1", &["5.1", "5.2"], VersionScheme::Pep440).is_none());
        assert!(prefix("lts", &["5.1"], VersionScheme::Pep440).is_none());
        assert!(prefix("main", &[], VersionScheme::Pep440).is_none());
        assert!(prefix("5.1", &[], VersionScheme::Pep440).is_none());
    }

    #[test]
    fn the_upper_bound_sorts_after_every_release_of_the_series_and_before_the_next() {
        let p = prefix("5.1", &["5.1"], VersionScheme::Pep440).unwrap();
        let upper = Version::parse(
            &p.exclusive_upper(VersionScheme::Pep440).unwrap(),
            VersionScheme::Pep440,
        )
        .unwrap();
        for inside in ["5.1", "5.1.99", "5.1.99.post3", "5.1rc1"] {
            assert!(
                Version::parse(inside, VersionScheme::Pep440).unwrap() < upper,
                "{inside}"
            );
        }
        for outside in ["5.2.dev1", "5.2a1", "5.2"] {
            assert!(
                Version::parse(outside, VersionScheme::Pep440).unwrap() >= upper,
                "{outside}"
            );
        }
        let s = prefix("1.4", &["1.4.0"], VersionScheme::Semver).unwrap();
        let upper = Version::parse(
            &s.exclusive_upper(VersionScheme::Semver).unwrap(),
            VersionScheme::Semver,
        )
        .unwrap();
        let sv = |v: &str| Version::parse(v, VersionScheme::Semver).unwrap();
        assert!(sv("1.4.99") < upper && sv("1.5.0-alpha") >= upper && sv("1.5.0") > upper);
    }
}
