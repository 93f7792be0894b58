//! Records state ranges; advisory files state series. This module keeps
//! the catalogue of every release the site knows — its releases file, the
//! versions a `--versions` list gives, and every version the records name
//! — each in its series, and turns a record's affected versions into one
//! entry per series, or says why that cannot be done without widening or
//! narrowing what is affected.
//!
//! A version goes to the series that lists it, else to the series whose
//! name is its version prefix (`5.1` for `5.1.7`), else to a new series
//! named by its first numbers (two by default, or as many as the site's
//! series names have). A version whose release date is not known gets the
//! earliest date it is known to exist by (the first record that names it),
//! kept in order with its neighbours, and is marked as estimated.

use jiff::civil::Date;

use crate::model::{Releases, Version, VersionScheme};

use super::range::{Interval, Lower, Upper, VersionSet};

/// One release the site knows or will know.
#[derive(Debug, Clone)]
pub struct Known {
    pub version: Version,
    /// The release date, when the releases file or `--versions` gives it.
    pub date: Option<Date>,
    /// Already in the releases file.
    pub existing: bool,
    /// The earliest publish date of a record that names it.
    pub first_named: Option<Date>,
    /// The ids of the records that name it.
    pub named_by: Vec<String>,
    /// The date written for a version whose date is not known.
    pub estimated: Option<Date>,
}

impl Known {
    /// The date the releases file gets.
    pub fn written_date(&self) -> Option<Date> {
        self.date.or(self.estimated)
    }
}

/// A release series of the catalogue.
#[derive(Debug, Clone)]
pub struct CatSeries {
    pub name: String,
    pub existing: bool,
    pub development: bool,
    /// Oldest first.
    pub versions: Vec<Known>,
    /// The existing series' `released` date.
    pub released: Option<Date>,
}

impl CatSeries {
    /// Whether `version` continues this series' name (`5.1` → `5.1.3`,
    /// `5.1rc1`; not `5.10`).
    fn is_prefix_of(&self, version: &str) -> bool {
        numeric(&self.name)
            && version
                .strip_prefix(self.name.as_str())
                .is_some_and(|rest| rest.bytes().next().is_none_or(|b| !b.is_ascii_digit()))
    }

    pub fn first_date(&self) -> Option<Date> {
        self.versions
            .iter()
            .filter(|k| !k.version.is_prerelease())
            .filter_map(Known::written_date)
            .min()
            .or_else(|| self.versions.iter().filter_map(Known::written_date).min())
    }

    pub fn last_date(&self) -> Option<Date> {
        self.versions.iter().filter_map(Known::written_date).max()
    }
}

fn numeric(name: &str) -> bool {
    !name.is_empty()
        && name
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Every release series and version the site knows, and those the import adds.
#[derive(Debug, Clone)]
pub struct Catalogue {
    pub scheme: VersionScheme,
    /// How many numbers name a new series.
    pub depth: usize,
    /// In the releases file's order, new series after.
    pub series: Vec<CatSeries>,
}

/// One affected series as an advisory file states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub series: String,
    /// `None` for a branch.
    pub introduced: Option<Version>,
    pub fixed: Option<Version>,
}

/// Why a record's affected versions cannot be stated per series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RangeProblem {
    /// Within one series the affected releases are not one run.
    Gaps {
        series: String,
        affected: Vec<String>,
        not_affected: Vec<String>,
    },
    /// An interval holds no release the site knows.
    Empty { interval: String },
}

impl std::fmt::Display for RangeProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RangeProblem::Gaps {
                series,
                affected,
                not_affected,
            } => write!(
                f,
                "in series {series} the affected releases ({}) are interrupted by releases that are not affected ({}); an advisory states one range per series",
                affected.join(", "),
                not_affected.join(", ")
            ),
            RangeProblem::Empty { interval } => write!(
                f,
                "range `{interval}` holds no release the site knows, so no series can state it"
            ),
        }
    }
}

impl Catalogue {
    /// The catalogue of the releases file. `depth` overrides how new
    /// series are named; by default as the existing numbered series are.
    pub fn new(releases: &Releases, depth: Option<usize>) -> Self {
        let mut counts = std::collections::BTreeMap::<usize, usize>::new();
        for s in &releases.series {
            if numeric(&s.name) {
                *counts.entry(s.name.split('.').count()).or_default() += 1;
            }
        }
        let detected = counts
            .iter()
            .max_by_key(|(d, n)| (**n, std::cmp::Reverse(**d)))
            .map(|(d, _)| *d)
            .unwrap_or(2);
        Catalogue {
            scheme: releases.scheme,
            depth: depth.unwrap_or(detected).clamp(1, 3),
            series: releases
                .series
                .iter()
                .map(|s| CatSeries {
                    name: s.name.clone(),
                    existing: true,
                    development: s.development,
                    released: s.released,
                    versions: s
                        .versions
                        .iter()
                        .map(|r| Known {
                            version: r.version.clone(),
                            date: Some(r.date),
                            existing: true,
                            first_named: None,
                            named_by: Vec::new(),
                            estimated: None,
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    /// The name of a new series for `v`: its first `depth` release numbers.
    pub fn series_name_for(&self, v: &Version) -> Result<String, String> {
        let numbers: Vec<u64> = match self.scheme {
            VersionScheme::Pep440 => {
                let parsed: pep440_rs::Version = v
                    .as_str()
                    .parse()
                    .map_err(|_| format!("`{v}` is not a PEP 440 version"))?;
                if parsed.epoch() != 0 {
                    return Err(format!(
                        "`{v}` has an epoch; name its series in content/releases.yaml first"
                    ));
                }
                parsed.release().to_vec()
            }
            VersionScheme::Semver => {
                let parsed = semver::Version::parse(v.as_str())
                    .map_err(|e| format!("`{v}` is not a SemVer version: {e}"))?;
                vec![parsed.major, parsed.minor, parsed.patch]
            }
        };
        let mut parts: Vec<String> = numbers
            .iter()
            .take(self.depth)
            .map(u64::to_string)
            .collect();
        while parts.len() < self.depth {
            parts.push("0".into());
        }
        Ok(parts.join("."))
    }

    fn position(&self, v: &Version) -> Option<(usize, usize)> {
        self.series.iter().enumerate().find_map(|(si, s)| {
            s.versions
                .iter()
                .position(|k| k.version == *v)
                .map(|vi| (si, vi))
        })
    }

    /// Makes sure the catalogue holds `v`, in series `hint` when a record
    /// written by `disclose` names it. `named` is the record naming it and
    /// its publish date; `date` a known release date.
    pub fn add(
        &mut self,
        v: &Version,
        hint: Option<&str>,
        named: Option<(&str, Option<Date>)>,
        date: Option<Date>,
    ) -> Result<(), String> {
        let (si, vi) = match self.position(v) {
            Some(found) => found,
            None => {
                let si = match hint.and_then(|h| self.series.iter().position(|s| s.name == h)) {
                    Some(si) => si,
                    None => match self
                        .series
                        .iter()
                        .position(|s| !s.development && s.is_prefix_of(v.as_str()))
                    {
                        Some(si) => si,
                        None => {
                            let name = match hint {
                                Some(h) => h.to_string(),
                                None => self.series_name_for(v)?,
                            };
                            if let Some(si) = self.series.iter().position(|s| s.name == name) {
                                si
                            } else {
                                self.series.push(CatSeries {
                                    name,
                                    existing: false,
                                    development: false,
                                    released: None,
                                    versions: Vec::new(),
                                });
                                self.series.len() - 1
                            }
                        }
                    },
                };
                let s = &mut self.series[si];
                if s.development {
                    return Err(format!(
                        "version `{v}` would belong to `{}`, a development series without releases",
                        s.name
                    ));
                }
                let vi = s.versions.partition_point(|k| k.version < *v);
                s.versions.insert(
                    vi,
                    Known {
                        version: v.clone(),
                        date,
                        existing: false,
                        first_named: None,
                        named_by: Vec::new(),
                        estimated: None,
                    },
                );
                (si, vi)
            }
        };
        let k = &mut self.series[si].versions[vi];
        if k.date.is_none() {
            k.date = date;
        }
        if let Some((id, published)) = named {
            if !k.named_by.iter().any(|n| n == id) {
                k.named_by.push(id.to_string());
            }
            if let Some(p) = published {
                k.first_named = Some(k.first_named.map_or(p, |d| d.min(p)));
            }
        }
        Ok(())
    }

    /// Makes sure a series without releases exists (a branch such as `main`).
    pub fn add_branch(&mut self, name: &str) {
        if !self.series.iter().any(|s| s.name == name) {
            self.series.push(CatSeries {
                name: name.to_string(),
                existing: false,
                development: true,
                released: None,
                versions: Vec::new(),
            });
        }
    }

    pub fn get(&self, name: &str) -> Option<&CatSeries> {
        self.series.iter().find(|s| s.name == name)
    }

    /// Every version of the catalogue, ascending.
    pub fn all_versions(&self) -> Vec<&Version> {
        let mut all: Vec<&Version> = self
            .series
            .iter()
            .flat_map(|s| s.versions.iter().map(|k| &k.version))
            .collect();
        all.sort();
        all
    }

    /// The entries that state `claim`: for each series with affected
    /// releases, the first of them and the release after the last (none
    /// when the last is the series' latest). `notes` gets every reading
    /// that is not a plain copy of a bound.
    pub fn entries(
        &self,
        claim: &VersionSet,
        notes: &mut Vec<String>,
    ) -> Result<Vec<Entry>, RangeProblem> {
        let all = self.all_versions();
        for interval in &claim.intervals {
            let mut inside = all.iter().filter(|v| interval.contains(v));
            match inside.next() {
                None => {
                    return Err(RangeProblem::Empty {
                        interval: interval.describe(),
                    });
                }
                Some(first) => {
                    if interval.lower == Lower::Unbounded {
                        notes.push(format!(
                            "`{}`: the earliest affected release the site knows is {first}; list earlier releases in content/releases.yaml (or pass --versions) if there are any",
                            interval.describe()
                        ));
                    }
                }
            }
            if let Upper::Inclusive(last) = &interval.upper
                && let Some(s) = self
                    .series
                    .iter()
                    .find(|s| s.versions.last().is_some_and(|k| k.version == *last))
            {
                notes.push(format!(
                    "`{}`: {last} is the latest release of series {} the site knows, so the series is written as having no fix yet",
                    interval.describe(),
                    s.name
                ));
            }
        }
        let mut out = Vec::new();
        for s in &self.series {
            let flags: Vec<bool> = s
                .versions
                .iter()
                .map(|k| claim.contains(&k.version))
                .collect();
            let Some(first) = flags.iter().position(|f| *f) else {
                continue;
            };
            let last = flags.iter().rposition(|f| *f).unwrap_or(first);
            if flags[first..=last].iter().any(|f| !f) {
                let names = |want: bool| {
                    s.versions[first..=last]
                        .iter()
                        .zip(&flags[first..=last])
                        .filter(|(_, f)| **f == want)
                        .map(|(k, _)| k.version.to_string())
                        .collect()
                };
                return Err(RangeProblem::Gaps {
                    series: s.name.clone(),
                    affected: names(true),
                    not_affected: names(false),
                });
            }
            let fixed = s.versions.get(last + 1).map(|k| k.version.clone());
            if let Some(f) = &fixed
                && !fixes(claim, f)
            {
                notes.push(format!(
                    "series {}: {f} is written as the fix, the first release after the last affected one ({})",
                    s.name, s.versions[last].version
                ));
            }
            out.push(Entry {
                series: s.name.clone(),
                introduced: Some(s.versions[first].version.clone()),
                fixed,
            });
        }
        Ok(out)
    }

    /// Gives every version without a known date the earliest date it is
    /// known to exist by, in order with its neighbours: never before the
    /// version below it, never after a later one whose date is known. A
    /// series of which nothing is known predates the higher series' releases
    /// (2.0.x before 2.2.3) rather than taking `fallback`, today.
    pub fn estimate_dates(&mut self, fallback: Date) {
        let higher = HigherReleases::of(&self.series);
        for s in &mut self.series {
            let n = s.versions.len();
            // The earliest date known for this version or any later one.
            let mut later_min: Vec<Option<Date>> = vec![None; n + 1];
            for i in (0..n).rev() {
                let own = s.versions[i].date.or(s.versions[i].first_named);
                later_min[i] = match (own, later_min[i + 1]) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
            let mut previous: Option<Date> = if s.existing { s.released } else { None };
            for i in 0..n {
                let k = &mut s.versions[i];
                if let Some(d) = k.date {
                    previous = Some(previous.map_or(d, |p| p.max(d)));
                    continue;
                }
                let next_known = s_later_known(&later_min, i + 1);
                let guess = k
                    .first_named
                    .map(|d| next_known.map_or(d, |n| d.min(n)))
                    .or(next_known)
                    .or(previous)
                    .or_else(|| higher.earliest_above(&k.version))
                    .unwrap_or(fallback);
                let est = previous.map_or(guess, |p| guess.max(p));
                k.estimated = Some(est);
                previous = Some(est);
            }
        }
    }

    /// The series the import creates.
    pub fn new_series(&self) -> impl Iterator<Item = &CatSeries> {
        self.series.iter().filter(|s| !s.existing)
    }

    /// The versions the import adds to series already in the releases file.
    pub fn new_versions_of_existing(&self) -> impl Iterator<Item = (&CatSeries, &Known)> {
        self.series.iter().filter(|s| s.existing).flat_map(|s| {
            s.versions
                .iter()
                .filter(|k| !k.existing)
                .map(move |k| (s, k))
        })
    }
}

/// The dates known or named of every release of the catalogue, in version
/// order, with the earliest of each one and all above it.
struct HigherReleases {
    /// (version, earliest date of this version or any higher one)
    suffix_min: Vec<(Version, Date)>,
}

impl HigherReleases {
    fn of(series: &[CatSeries]) -> Self {
        let mut dated: Vec<(Version, Date)> = series
            .iter()
            .flat_map(|s| &s.versions)
            .filter_map(|k| Some((k.version.clone(), k.date.or(k.first_named)?)))
            .collect();
        dated.sort_by(|a, b| a.0.cmp(&b.0));
        for i in (1..dated.len()).rev() {
            dated[i - 1].1 = dated[i - 1].1.min(dated[i].1);
        }
        HigherReleases { suffix_min: dated }
    }

    /// The earliest date of a release above `v`.
    fn earliest_above(&self, v: &Version) -> Option<Date> {
        let first_above = self.suffix_min.partition_point(|(w, _)| w <= v);
        self.suffix_min.get(first_above).map(|(_, d)| *d)
    }
}

fn s_later_known(later_min: &[Option<Date>], from: usize) -> Option<Date> {
    later_min.get(from).copied().flatten()
}

/// Whether `claim` states `v` as the end of one of its intervals.
fn fixes(claim: &VersionSet, v: &Version) -> bool {
    claim
        .intervals
        .iter()
        .any(|i: &Interval| matches!(&i.upper, Upper::Exclusive(u) if u == v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::range::{Event, osv_intervals};

    fn v(s: &str) -> Version {
        Version::parse(s, VersionScheme::Pep440).unwrap()
    }

    fn catalogue(versions: &[&str]) -> Catalogue {
        let mut c = Catalogue::new(
            &Releases {
                scheme: VersionScheme::Pep440,
                series: vec![],
            },
            None,
        );
        for s in versions {
            c.add(&v(s), None, None, None).unwrap();
        }
        c
    }

    fn claim(events: &[Event]) -> VersionSet {
        VersionSet {
            intervals: osv_intervals(events),
            ..VersionSet::default()
        }
    }

    #[test]
    fn a_range_across_series_becomes_one_entry_per_series() {
        let c = catalogue(&["1.0", "1.0.1", "1.1", "1.1.2", "2.0", "2.0.1", "2.0.2"]);
        assert_eq!(
            c.series.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
            ["1.0", "1.1", "2.0"]
        );
        let mut notes = Vec::new();
        let entries = c
            .entries(
                &claim(&[
                    Event::Introduced(Some(v("1.0.1"))),
                    Event::Fixed(v("2.0.1")),
                ]),
                &mut notes,
            )
            .unwrap();
        let e = |s: &str, i: &str, f: Option<&str>| Entry {
            series: s.into(),
            introduced: Some(v(i)),
            fixed: f.map(v),
        };
        assert_eq!(
            entries,
            [
                e("1.0", "1.0.1", None),
                e("1.1", "1.1", None),
                e("2.0", "2.0", Some("2.0.1"))
            ]
        );
        assert!(notes.is_empty(), "{notes:?}");
    }

    #[test]
    fn a_gap_inside_a_series_cannot_be_stated() {
        let c = catalogue(&["1.0", "1.0.1", "1.0.2", "1.0.3"]);
        let set = claim(&[
            Event::Introduced(None),
            Event::Fixed(v("1.0.1")),
            Event::Introduced(Some(v("1.0.2"))),
        ]);
        assert!(matches!(
            c.entries(&set, &mut Vec::new()),
            Err(RangeProblem::Gaps { .. })
        ));
        let empty = claim(&[Event::Introduced(Some(v("3.0"))), Event::Fixed(v("3.1"))]);
        assert!(matches!(
            c.entries(&empty, &mut Vec::new()),
            Err(RangeProblem::Empty { .. })
        ));
    }

    #[test]
    fn last_affected_ends_at_the_next_release_or_leaves_the_series_open() {
        let c = catalogue(&["1.0", "1.0.1", "1.0.2"]);
        let mut notes = Vec::new();
        let inner = c
            .entries(
                &claim(&[Event::Introduced(None), Event::LastAffected(v("1.0.1"))]),
                &mut notes,
            )
            .unwrap();
        assert_eq!(inner[0].fixed, Some(v("1.0.2")));
        assert!(notes.iter().any(|n| n.contains("written as the fix")));
        let mut notes = Vec::new();
        let open = c
            .entries(
                &claim(&[Event::Introduced(None), Event::LastAffected(v("1.0.2"))]),
                &mut notes,
            )
            .unwrap();
        assert_eq!(open[0].fixed, None);
        assert!(notes.iter().any(|n| n.contains("no fix yet")));
    }

    #[test]
    fn estimated_dates_never_go_backwards_in_a_series() {
        let mut c = catalogue(&[]);
        let d = |s: &str| s.parse::<Date>().unwrap();
        c.add(&v("1.0"), None, Some(("A", Some(d("2020-05-01")))), None)
            .unwrap();
        c.add(&v("1.0.1"), None, Some(("B", Some(d("2019-01-01")))), None)
            .unwrap();
        c.add(&v("1.0.2"), None, None, None).unwrap();
        c.add(&v("1.0.3"), None, None, Some(d("2021-01-01")))
            .unwrap();
        c.estimate_dates(d("2022-01-01"));
        let dates: Vec<Date> = c.series[0]
            .versions
            .iter()
            .filter_map(Known::written_date)
            .collect();
        // 1.0.2 existed by the time 1.0.3 did.
        assert_eq!(
            dates,
            [
                d("2019-01-01"),
                d("2019-01-01"),
                d("2021-01-01"),
                d("2021-01-01")
            ]
        );
        assert_eq!(c.series_name_for(&v("6.0rc1")).unwrap(), "6.0");
        assert_eq!(c.series_name_for(&v("7")).unwrap(), "7.0");
    }

    /// Regression: a series no record names took today's date, so 2.0.0
    /// was "released" years after 2.2.3.
    #[test]
    fn a_series_nothing_is_known_of_predates_the_higher_ones() {
        let mut c = catalogue(&[]);
        let d = |s: &str| s.parse::<Date>().unwrap();
        for version in ["2.0.0", "2.0.1", "2.1.0", "2.2.0"] {
            c.add(&v(version), None, None, None).unwrap();
        }
        c.add(&v("2.2.3"), None, Some(("A", Some(d("2023-02-14")))), None)
            .unwrap();
        c.add(&v("2.3.0"), None, None, Some(d("2023-04-25")))
            .unwrap();
        c.estimate_dates(d("2026-12-03"));
        let mut dates: Vec<(String, Date)> = c
            .series
            .iter()
            .flat_map(|s| &s.versions)
            .map(|k| (k.version.to_string(), k.written_date().unwrap()))
            .collect();
        dates.sort();
        assert_eq!(
            dates,
            [
                ("2.0.0".to_string(), d("2023-02-14")),
                ("2.0.1".to_string(), d("2023-02-14")),
                ("2.1.0".to_string(), d("2023-02-14")),
                ("2.2.0".to_string(), d("2023-02-14")),
                ("2.2.3".to_string(), d("2023-02-14")),
                ("2.3.0".to_string(), d("2023-04-25")),
            ]
        );
    }
}
