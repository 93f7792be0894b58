//! An advisory as the renderers see it, and how it bears on each release
//! series and version.

use jiff::Timestamp;
use serde::Serialize;

use super::cvss::Cvss;
use super::id::{AdvisoryId, Alias, Cwe};
use super::package::Package;
use super::releases::{Releases, Series};
use super::time::{Instant, utc_date};
use super::version::Version;
use crate::diagnostic::SourceName;
use crate::load::raw::{CreditType, ReferenceType};

/// A checked advisory.
#[derive(Debug, Clone)]
pub struct Advisory {
    pub id: AdvisoryId,
    /// The input file it came from.
    pub file: SourceName,
    pub title: String,
    pub aliases: Vec<Alias>,
    pub published: Instant,
    pub announce: Option<Timestamp>,
    /// Equals `published` when not given.
    pub modified: Timestamp,
    pub withdrawn: Option<Withdrawal>,
    /// A level of the site's scale; `None` means not rated.
    pub severity: Option<String>,
    pub cvss: Option<Cvss>,
    pub cwe: Vec<Cwe>,
    pub package: Package,
    /// In the order written.
    pub affected: Vec<Affected>,
    pub credits: Vec<Credit>,
    pub references: Vec<Reference>,
    /// Markdown.
    pub details: String,
}

/// Withdrawal of an advisory that turned out to be wrong.
#[derive(Debug, Clone, Serialize)]
pub struct Withdrawal {
    pub at: Timestamp,
    pub reason: String,
}

/// How one series is affected.
#[derive(Debug, Clone, Serialize)]
pub struct Affected {
    pub series: String,
    /// First affected version (the series' first version unless given).
    pub introduced: Option<Version>,
    /// The release that fixes it; `None` means no fix yet.
    pub fixed: Option<Version>,
    pub patches: Vec<Patch>,
}

/// A fix commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Patch {
    /// The commit hash when it is known (given, or read from a commit URL).
    pub commit: Option<String>,
    /// Where to see it: the URL given, or the repository's commit page.
    pub url: Option<String>,
    pub label: Option<String>,
}

/// Someone credited.
#[derive(Debug, Clone, Serialize)]
pub struct Credit {
    pub name: String,
    pub contact: Vec<String>,
    #[serde(rename = "type")]
    pub kind: CreditType,
}

impl Serialize for CreditType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.label())
    }
}

/// A link to more information.
#[derive(Debug, Clone, Serialize)]
pub struct Reference {
    #[serde(rename = "type")]
    pub kind: ReferenceType,
    pub url: String,
}

impl Serialize for ReferenceType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.osv_name().to_ascii_lowercase())
    }
}

/// What an advisory says about one release series.
#[derive(Debug, Clone, Copy)]
pub enum SeriesImpact<'a> {
    Affected(&'a Affected),
    /// Supported on the publish date and not listed: checked and not affected.
    NotAffected,
    /// Not supported on the publish date and not listed: nobody checked.
    NotEvaluated,
}

impl SeriesImpact<'_> {
    pub fn label(&self) -> &'static str {
        match self {
            SeriesImpact::Affected(a) if a.fixed.is_some() => "affected",
            SeriesImpact::Affected(_) => "affected, no fix yet",
            SeriesImpact::NotAffected => "not affected",
            SeriesImpact::NotEvaluated => "not evaluated",
        }
    }
}

impl Advisory {
    pub fn is_withdrawn(&self) -> bool {
        self.withdrawn.is_some()
    }

    /// Every id by which this advisory is known: its own and its aliases.
    pub fn all_ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.id.as_str()).chain(self.aliases.iter().map(Alias::as_str))
    }

    /// The advisory's own id when it is a CVE or GHSA id: databases match
    /// advisories on such ids, so every record names it as an alias too.
    pub fn own_vulnerability_id(&self) -> Option<Alias> {
        Alias::parse(self.id.as_str())
            .ok()
            .filter(|a| a.is_cve() || a.is_ghsa())
    }

    /// The ids of the vulnerability in other databases: the advisory's own
    /// id when it is a CVE or GHSA id, then the aliases.
    pub fn vulnerability_ids(&self) -> Vec<Alias> {
        let own = self.own_vulnerability_id();
        own.iter()
            .chain(self.aliases.iter().filter(|a| Some(*a) != own.as_ref()))
            .cloned()
            .collect()
    }

    /// Every CVE id of the advisory, its own first: one CVE record each.
    pub fn cve_ids(&self) -> Vec<Alias> {
        self.vulnerability_ids()
            .into_iter()
            .filter(Alias::is_cve)
            .collect()
    }

    pub fn affected_entry(&self, series: &str) -> Option<&Affected> {
        self.affected.iter().find(|a| a.series == series)
    }

    /// How `series` is affected. Series not listed are "not affected" when
    /// they were supported on the publish date, else "not evaluated".
    pub fn impact_on<'a>(&'a self, series: &Series) -> SeriesImpact<'a> {
        match self.affected_entry(&series.name) {
            Some(a) => SeriesImpact::Affected(a),
            None if series.supported_on(utc_date(self.published.at)) => SeriesImpact::NotAffected,
            None => SeriesImpact::NotEvaluated,
        }
    }

    /// Whether release `version` of `series` is affected: from the first
    /// affected version up to, not including, the fix.
    pub fn affects_version(&self, series: &Series, version: &Version) -> bool {
        if self.is_withdrawn() {
            return false;
        }
        let Some(a) = self.affected_entry(&series.name) else {
            return false;
        };
        let from = a.introduced.as_ref().or(series.first_version());
        from.is_none_or(|from| version >= from)
            && a.fixed.as_ref().is_none_or(|fixed| version < fixed)
    }

    /// Every patch commit hash, for leak scanning and GIT ranges.
    pub fn commit_hashes(&self) -> impl Iterator<Item = &str> {
        self.affected
            .iter()
            .flat_map(|a| &a.patches)
            .filter_map(|p| p.commit.as_deref())
    }

    /// The series this advisory lists, in release-file order.
    pub fn affected_series<'r>(&self, releases: &'r Releases) -> Vec<&'r Series> {
        releases
            .series
            .iter()
            .filter(|s| self.affected_entry(&s.name).is_some())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::version::VersionScheme;
    use jiff::civil::Date;
    use proptest::prelude::*;

    fn v(s: &str) -> Version {
        Version::parse(s, VersionScheme::Pep440).unwrap()
    }

    fn series(name: &str, minor_count: u32, released: &str, security_until: &str) -> Series {
        Series {
            name: name.into(),
            development: false,
            released: Some(released.parse().unwrap()),
            lts: false,
            bugfix_until: None,
            security_until: Some(security_until.parse().unwrap()),
            versions: (0..minor_count)
                .map(|i| super::super::releases::Release {
                    version: v(&if i == 0 {
                        name.to_string()
                    } else {
                        format!("{name}.{i}")
                    }),
                    date: released.parse().unwrap(),
                })
                .collect(),
        }
    }

    fn advisory(published: &str, affected: Vec<Affected>) -> Advisory {
        Advisory {
            id: AdvisoryId::parse("X-1").unwrap(),
            file: SourceName("x.md".into()),
            title: "t".into(),
            aliases: vec![],
            published: crate::model::parse_instant(published).unwrap(),
            announce: None,
            modified: crate::model::parse_instant(published).unwrap().at,
            withdrawn: None,
            severity: None,
            cvss: None,
            cwe: vec![],
            package: Package {
                ecosystem: "PyPI".into(),
                name: "x".into(),
                purl: "pkg:pypi/x".into(),
            },
            affected,
            credits: vec![],
            references: vec![],
            details: String::new(),
        }
    }

    #[test]
    fn unlisted_series_are_not_affected_or_not_evaluated_by_support_on_publish_date() {
        let old = series("1.0", 3, "2020-01-01", "2021-01-01");
        let current = series("2.0", 3, "2021-01-01", "2030-01-01");
        let listed = series("3.0", 3, "2024-01-01", "2030-01-01");
        let a = advisory(
            "2025-05-05T00:00:00Z",
            vec![Affected {
                series: "3.0".into(),
                introduced: None,
                fixed: Some(v("3.0.2")),
                patches: vec![],
            }],
        );
        assert!(matches!(a.impact_on(&old), SeriesImpact::NotEvaluated));
        assert!(matches!(a.impact_on(&current), SeriesImpact::NotAffected));
        assert!(matches!(a.impact_on(&listed), SeriesImpact::Affected(_)));
        assert!(a.affects_version(&listed, &v("3.0")));
        assert!(a.affects_version(&listed, &v("3.0.1")));
        assert!(!a.affects_version(&listed, &v("3.0.2")));
        assert!(!a.affects_version(&current, &v("2.0.1")));
    }

    proptest! {
        /// For every version of a listed series: affected exactly when
        /// introduced <= version < fixed (both optional).
        #[test]
        fn affected_versions_are_the_half_open_range(n in 2u32..12, intro in 0u32..12, fix in 0u32..13, has_fix: bool, has_intro: bool) {
            let s = series("4.2", n, "2024-01-01", "2030-01-01");
            let intro = intro.min(n - 1);
            let fix = fix.clamp(intro + 1, n);
            let at = |i: u32| s.versions[i as usize].version.clone();
            let a = advisory("2025-01-01T00:00:00Z", vec![Affected {
                series: "4.2".into(),
                introduced: has_intro.then(|| at(intro)),
                fixed: (has_fix && fix < n).then(|| at(fix)),
                patches: vec![],
            }]);
            for i in 0..n {
                let lower = if has_intro { intro } else { 0 };
                let upper = if has_fix && fix < n { fix } else { n };
                prop_assert_eq!(a.affects_version(&s, &at(i)), i >= lower && i < upper, "version index {}", i);
            }
        }

        /// A series not listed never has an affected version, and it is "not
        /// affected" exactly when it was supported on the publish day.
        #[test]
        fn unlisted_series_follow_support_window(day in 0i64..3000) {
            let s = series("1.0", 2, "2021-01-01", "2024-01-01");
            let date = Date::new(2020, 1, 1).unwrap().checked_add(jiff::ToSpan::days(day)).unwrap();
            let a = advisory(&format!("{date}T00:00:00Z"), vec![]);
            let expect_supported = date >= Date::new(2021, 1, 1).unwrap() && date <= Date::new(2024, 1, 1).unwrap();
            prop_assert_eq!(matches!(a.impact_on(&s), SeriesImpact::NotAffected), expect_supported);
            prop_assert!(!a.affects_version(&s, &v("1.0")));
        }
    }
}
