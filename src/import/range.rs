//! Which versions a record says are affected, read the same way whatever
//! the record's format: OSV events, CSAF `vers:` ranges and CVE version
//! entries all become one [`VersionSet`] of intervals and single versions.
//!
//! The importer reads source records with it, and the tests read the
//! records the site builds with it, so "the built record states the same
//! affected versions as its source" is checked by one range reader.

use crate::model::{Version, VersionScheme};

/// The lower end of an interval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lower {
    /// OSV `introduced: "0"`, CVE `version: "0"`: from the first version.
    Unbounded,
    Inclusive(Version),
    Exclusive(Version),
}

/// The upper end of an interval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upper {
    /// No fix: every later version.
    Unbounded,
    /// `fixed`, `lessThan`, `<`.
    Exclusive(Version),
    /// `last_affected`, `lessThanOrEqual`, `<=`.
    Inclusive(Version),
}

/// A run of versions between two bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interval {
    pub lower: Lower,
    pub upper: Upper,
}

impl Interval {
    pub fn contains(&self, v: &Version) -> bool {
        let above = match &self.lower {
            Lower::Unbounded => true,
            Lower::Inclusive(l) => v >= l,
            Lower::Exclusive(l) => v > l,
        };
        let below = match &self.upper {
            Upper::Unbounded => true,
            Upper::Exclusive(u) => v < u,
            Upper::Inclusive(u) => v <= u,
        };
        above && below
    }

    /// The interval as OSV events would say it, for messages.
    pub fn describe(&self) -> String {
        let lower = match &self.lower {
            Lower::Unbounded => "introduced 0".to_string(),
            Lower::Inclusive(v) => format!("introduced {v}"),
            Lower::Exclusive(v) => format!("after {v}"),
        };
        match &self.upper {
            Upper::Unbounded => lower,
            Upper::Exclusive(v) => format!("{lower}, fixed {v}"),
            Upper::Inclusive(v) => format!("{lower}, last_affected {v}"),
        }
    }
}

/// Every version a record claims: the union of its intervals and single
/// versions, minus the versions it says are not affected.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VersionSet {
    pub intervals: Vec<Interval>,
    pub versions: Vec<Version>,
    /// Stated not affected inside an affected interval (CVE `unaffected`
    /// entries, `vers:` `!=`); they win over the intervals.
    pub excluded: Vec<Interval>,
}

impl VersionSet {
    pub fn contains(&self, v: &Version) -> bool {
        (self.intervals.iter().any(|i| i.contains(v)) || self.versions.contains(v))
            && !self.excluded.iter().any(|i| i.contains(v))
    }

    pub fn is_empty(&self) -> bool {
        self.intervals.is_empty() && self.versions.is_empty()
    }

    /// Every version the set names as a bound or a member.
    pub fn named_versions(&self) -> Vec<&Version> {
        let mut out: Vec<&Version> = Vec::new();
        for i in self.intervals.iter().chain(&self.excluded) {
            if let Lower::Inclusive(v) | Lower::Exclusive(v) = &i.lower {
                out.push(v);
            }
            if let Upper::Inclusive(v) | Upper::Exclusive(v) = &i.upper {
                out.push(v);
            }
        }
        out.extend(&self.versions);
        out
    }
}

/// One OSV range event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// `None` for `"0"`.
    Introduced(Option<Version>),
    Fixed(Version),
    LastAffected(Version),
    Limit(Version),
}

impl Event {
    fn version(&self) -> Option<&Version> {
        match self {
            Event::Introduced(v) => v.as_ref(),
            Event::Fixed(v) | Event::LastAffected(v) | Event::Limit(v) => Some(v),
        }
    }
}

/// The intervals of one OSV ECOSYSTEM or SEMVER range, evaluated as the
/// OSV schema says: events sorted by version (`0` first), each
/// `introduced` opening an interval that the next `fixed` or
/// `last_affected` closes; a `limit` caps every interval.
pub fn osv_intervals(events: &[Event]) -> Vec<Interval> {
    let mut sorted: Vec<&Event> = events
        .iter()
        .filter(|e| !matches!(e, Event::Limit(_)))
        .collect();
    // Stable: events at one version keep their written order.
    sorted.sort_by(|a, b| match (a.version(), b.version()) {
        (None, None) => std::cmp::Ordering::Equal,
        (None, Some(_)) => std::cmp::Ordering::Less,
        (Some(_), None) => std::cmp::Ordering::Greater,
        (Some(x), Some(y)) => x.cmp(y),
    });
    let limit = events
        .iter()
        .filter_map(|e| match e {
            Event::Limit(v) => Some(v),
            _ => None,
        })
        .min();
    let mut out = Vec::new();
    let mut open: Option<Lower> = None;
    for e in sorted {
        match e {
            Event::Introduced(v) => {
                if open.is_none() {
                    open = Some(match v {
                        None => Lower::Unbounded,
                        Some(v) => Lower::Inclusive(v.clone()),
                    });
                }
            }
            Event::Fixed(v) => {
                if let Some(lower) = open.take() {
                    out.push(Interval {
                        lower,
                        upper: Upper::Exclusive(v.clone()),
                    });
                }
            }
            Event::LastAffected(v) => {
                if let Some(lower) = open.take() {
                    out.push(Interval {
                        lower,
                        upper: Upper::Inclusive(v.clone()),
                    });
                }
            }
            Event::Limit(_) => {}
        }
    }
    if let Some(lower) = open {
        out.push(Interval {
            lower,
            upper: Upper::Unbounded,
        });
    }
    if let Some(limit) = limit {
        out = out
            .into_iter()
            .filter_map(|mut i| {
                let capped = match &i.upper {
                    Upper::Unbounded => true,
                    Upper::Exclusive(u) | Upper::Inclusive(u) => u >= limit,
                };
                if capped {
                    i.upper = Upper::Exclusive(limit.clone());
                }
                (!matches!(&i.lower, Lower::Inclusive(l) if l >= limit)).then_some(i)
            })
            .collect();
    }
    out
}

/// A `vers:` range (CSAF `product_version_range`), e.g.
/// `vers:pypi/>=5.1|<5.1.6`: its type and the versions it contains. The
/// constraints are read as the vers specification says: sorted by
/// version, each lower bound paired with the next upper bound.
pub fn vers_set(vers: &str, scheme: VersionScheme) -> Result<(String, VersionSet), String> {
    let rest = vers
        .strip_prefix("vers:")
        .ok_or_else(|| format!("`{vers}` is not a vers: range"))?;
    let (kind, constraints) = rest
        .split_once('/')
        .ok_or_else(|| format!("`{vers}` has no versioning scheme"))?;
    let mut set = VersionSet::default();
    if constraints.trim() == "*" {
        set.intervals.push(Interval {
            lower: Lower::Unbounded,
            upper: Upper::Unbounded,
        });
        return Ok((kind.to_string(), set));
    }
    let mut parsed: Vec<(&str, Version)> = Vec::new();
    for c in constraints
        .split('|')
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        let (op, v) = ["<=", ">=", "!=", "<", ">", "="]
            .iter()
            .find_map(|op| c.strip_prefix(op).map(|v| (*op, v)))
            .unwrap_or(("=", c));
        let version = parse_version(v.trim(), scheme)
            .map_err(|e| format!("in `{vers}`: {e}"))?
            .0;
        parsed.push((op, version));
    }
    parsed.sort_by(|a, b| a.1.cmp(&b.1));
    let mut open: Option<Lower> = None;
    for (op, v) in parsed {
        match op {
            "=" => set.versions.push(v),
            "!=" => set.excluded.push(Interval {
                lower: Lower::Inclusive(v.clone()),
                upper: Upper::Inclusive(v),
            }),
            ">=" | ">" => {
                if open.is_none() {
                    open = Some(if op == ">=" {
                        Lower::Inclusive(v)
                    } else {
                        Lower::Exclusive(v)
                    });
                }
            }
            _ => {
                let lower = open.take().unwrap_or(Lower::Unbounded);
                set.intervals.push(Interval {
                    lower,
                    upper: if op == "<" {
                        Upper::Exclusive(v)
                    } else {
                        Upper::Inclusive(v)
                    },
                });
            }
        }
    }
    if let Some(lower) = open {
        set.intervals.push(Interval {
            lower,
            upper: Upper::Unbounded,
        });
    }
    Ok((kind.to_string(), set))
}

/// A version as a record writes it, in the site's scheme. PEP 440
/// versions are normalized (`1.0-RC1` → `1.0rc1`) and SemVer ones lose a
/// leading `v`; the flag says the text changed, for the report.
pub fn parse_version(s: &str, scheme: VersionScheme) -> Result<(Version, bool), String> {
    let s = s.trim();
    if let Ok(v) = Version::parse(s, scheme) {
        return Ok((v, false));
    }
    let normalized = match scheme {
        VersionScheme::Pep440 => s
            .parse::<pep440_rs::Version>()
            .map(|v| v.to_string())
            .map_err(|_| format!("`{s}` is not a PEP 440 version"))?,
        VersionScheme::Semver => s
            .strip_prefix('v')
            .filter(|rest| semver::Version::parse(rest).is_ok())
            .map(str::to_string)
            .ok_or_else(|| format!("`{s}` is not a SemVer version"))?,
    };
    Version::parse(&normalized, scheme).map(|v| (v, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s, VersionScheme::Pep440).unwrap()
    }

    #[test]
    fn osv_events_are_sorted_and_paired() {
        let events = [
            Event::Introduced(Some(v("2.0"))),
            Event::Fixed(v("2.0.3")),
            Event::Introduced(None),
            Event::Fixed(v("1.9.9")),
            Event::Introduced(Some(v("3.0"))),
            Event::LastAffected(v("3.0.1")),
            Event::Introduced(Some(v("4.0"))),
        ];
        let set = VersionSet {
            intervals: osv_intervals(&events),
            ..VersionSet::default()
        };
        for (version, affected) in [
            ("0.1", true),
            ("1.9.9", false),
            ("2.0", true),
            ("2.0.3", false),
            ("3.0.1", true),
            ("3.0.2", false),
            ("4.7", true),
        ] {
            assert_eq!(set.contains(&v(version)), affected, "{version}");
        }
    }

    #[test]
    fn a_limit_caps_the_range() {
        let events = [Event::Introduced(None), Event::Limit(v("2.0"))];
        let intervals = osv_intervals(&events);
        assert_eq!(intervals[0].upper, Upper::Exclusive(v("2.0")));
    }

    #[test]
    fn vers_ranges_pair_bounds_and_honour_exclusions() {
        let (kind, set) =
            vers_set("vers:pypi/>=5.1|<5.1.6|!=5.1.2", VersionScheme::Pep440).unwrap();
        assert_eq!(kind, "pypi");
        assert!(set.contains(&v("5.1.1")) && !set.contains(&v("5.1.2")));
        assert!(!set.contains(&v("5.1.6")) && !set.contains(&v("5.0")));
        let (_, open) = vers_set("vers:pypi/>=6.0", VersionScheme::Pep440).unwrap();
        assert!(open.contains(&v("9.0")));
        let (_, upto) = vers_set("vers:pypi/<=1.2", VersionScheme::Pep440).unwrap();
        assert!(upto.contains(&v("0.1")) && upto.contains(&v("1.2")));
        assert!(vers_set("pypi/>=1", VersionScheme::Pep440).is_err());
    }

    #[test]
    fn versions_are_normalized_into_the_scheme() {
        assert_eq!(
            parse_version("1.0-RC1", VersionScheme::Pep440).unwrap(),
            (v("1.0rc1"), true)
        );
        assert!(!parse_version("1.0", VersionScheme::Pep440).unwrap().1);
        let (s, changed) = parse_version("v1.2.3", VersionScheme::Semver).unwrap();
        assert_eq!((s.as_str(), changed), ("1.2.3", true));
        assert!(parse_version("banana", VersionScheme::Semver).is_err());
    }
}
