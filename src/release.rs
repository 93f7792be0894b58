//! Security releases, the unit of disclosure: the advisories published
//! together at one publish time, with the version each series gets, the
//! patches, the credits and the advice per series. They are computed from
//! the public site only ([`PublicSite`]), so a release that is not yet
//! published cannot be built, and its page, feed entry and texts with it.

use jiff::Timestamp;

use crate::embargo::PublicSite;
use crate::model::{Advisory, Credit, Series, SupportStatus, Version, utc_date};
use crate::text::{and_list, human_date};

/// One security release.
#[derive(Debug, Clone)]
pub struct SecurityRelease<'a> {
    /// The path segment of its page: the UTC date of its publish time
    /// (`2026-11-04`), or the date and time (`2026-11-04-1800`) for a later
    /// release the same day. Only earlier releases decide it, so it never
    /// changes once published.
    pub slug: String,
    pub published: Timestamp,
    /// Highest severity first, then by id.
    pub advisories: Vec<&'a Advisory>,
    /// The fixed version each series gets, in the order of the releases
    /// file (newest series first).
    pub versions: Vec<Issued<'a>>,
    /// The highest severity among its advisories; `None` when none is rated.
    pub highest_severity: Option<&'a str>,
    /// When its pre-notification went public: the earliest `announce` of
    /// its advisories.
    pub announced: Option<Timestamp>,
}

/// A version issued by a release.
#[derive(Debug, Clone, Copy)]
pub struct Issued<'a> {
    pub series: &'a Series,
    pub version: &'a Version,
}

/// What users of one series should do after the release.
#[derive(Debug, Clone, Copy)]
pub enum Advice<'a> {
    /// Upgrade to this version.
    Upgrade(&'a Version),
    /// The development branch has the fixes; there is no release of it.
    Branch,
    /// The series is affected and no release of it fixes every issue yet.
    NoFix,
    /// Supported and not affected by any issue of the release.
    NotAffected,
    /// No longer supported at the release, so not evaluated: move to a
    /// supported series.
    Unsupported,
}

/// Someone credited in a release, with what they did and for which issues.
#[derive(Debug, Clone)]
pub struct ReleaseCredit<'a> {
    pub name: &'a str,
    pub contact: &'a [String],
    /// Role labels (`finder`, `remediation developer`), first seen first.
    pub roles: Vec<&'static str>,
    pub advisories: Vec<&'a Advisory>,
}

/// Every security release of the public site, newest first.
pub fn releases(public: &PublicSite) -> Vec<SecurityRelease<'_>> {
    let site = &public.site;
    let levels = &site.config.severity.levels;
    let rank = |s: Option<&str>| {
        s.and_then(|s| levels.iter().position(|l| l == s))
            .unwrap_or(usize::MAX)
    };
    // The site lists advisories newest first: one run per publish time.
    let mut groups: Vec<(Timestamp, Vec<&Advisory>)> = Vec::new();
    for a in &site.advisories {
        match groups.last_mut() {
            Some((at, members)) if *at == a.published.at => members.push(a),
            _ => groups.push((a.published.at, vec![a])),
        }
    }
    groups.sort_by_key(|(at, _)| *at);
    let mut slugs: Vec<String> = Vec::with_capacity(groups.len());
    let mut out: Vec<SecurityRelease> = Vec::with_capacity(groups.len());
    for (published, mut members) in groups {
        members.sort_by(|a, b| {
            rank(a.severity.as_deref())
                .cmp(&rank(b.severity.as_deref()))
                .then_with(|| a.id.cmp(&b.id))
        });
        let slug = slug_for(published, &slugs);
        slugs.push(slug.clone());
        let versions = site
            .releases
            .series
            .iter()
            .filter_map(|s| {
                let version = members
                    .iter()
                    .filter_map(|a| a.affected_entry(&s.name)?.fixed.as_ref())
                    .max()?;
                Some(Issued { series: s, version })
            })
            .collect();
        let highest_severity = members
            .iter()
            .filter_map(|a| a.severity.as_deref())
            .min_by_key(|s| rank(Some(s)));
        out.push(SecurityRelease {
            slug,
            published,
            announced: members.iter().filter_map(|a| a.announce).min(),
            advisories: members,
            versions,
            highest_severity,
        });
    }
    out.reverse();
    out
}

/// The date, else the date and time to the minute, else to the second, else
/// with a counter: the first that no earlier release took.
fn slug_for(t: Timestamp, taken: &[String]) -> String {
    let free = |s: &String| !taken.contains(s);
    let candidates = [
        t.strftime("%Y-%m-%d").to_string(),
        t.strftime("%Y-%m-%d-%H%M").to_string(),
        t.strftime("%Y-%m-%d-%H%M%S").to_string(),
    ];
    if let Some(s) = candidates.iter().find(|s| free(s)) {
        return s.clone();
    }
    (2..)
        .map(|n| format!("{}-{n}", candidates[2]))
        .find(free)
        .unwrap_or_default()
}

impl<'a> SecurityRelease<'a> {
    /// "Larch security releases issued: 6.0.1, 5.2.8 and 5.1.16", or, when
    /// no release fixes anything, "Larch security release of 7 May 2024".
    pub fn title(&self, project: &str) -> String {
        match self.versions.as_slice() {
            [] => format!(
                "{project} security release of {}",
                human_date(self.published)
            ),
            [_] => format!("{project} security release issued: {}", self.version_list()),
            _ => format!(
                "{project} security releases issued: {}",
                self.version_list()
            ),
        }
    }

    /// "6.0.1, 5.2.8 and 5.1.16".
    pub fn version_list(&self) -> String {
        let names: Vec<&str> = self.versions.iter().map(|v| v.version.as_str()).collect();
        and_list(&names)
    }

    /// The severities of its advisories, highest first; `None` is not rated.
    pub fn severities(&self) -> Vec<Option<String>> {
        self.advisories.iter().map(|a| a.severity.clone()).collect()
    }

    /// Every CVE id of its advisories, in advisory order.
    pub fn cve_ids(&self) -> Vec<String> {
        self.advisories
            .iter()
            .flat_map(|a| a.cve_ids())
            .map(|c| c.to_string())
            .collect()
    }

    /// When its feed entry last changed: the latest modification or
    /// withdrawal of its advisories.
    pub fn updated(&self) -> Timestamp {
        self.advisories
            .iter()
            .map(|a| match &a.withdrawn {
                Some(w) => w.at.max(a.modified),
                None => a.modified,
            })
            .max()
            .unwrap_or(self.published)
    }

    /// What users of `series` should do, judged on the release date; `None`
    /// for a series that had no release yet then.
    pub fn advice(&self, series: &'a Series) -> Option<Advice<'a>> {
        let entries: Vec<_> = self
            .advisories
            .iter()
            .filter(|a| !a.is_withdrawn())
            .filter_map(|a| a.affected_entry(&series.name))
            .collect();
        if entries.is_empty() {
            return if series.supported_on(utc_date(self.published)) {
                Some(Advice::NotAffected)
            } else if series.status(self.published) == SupportStatus::EndOfLife {
                Some(Advice::Unsupported)
            } else {
                None
            };
        }
        if entries.iter().any(|e| e.fixed.is_none()) {
            return Some(
                if series.development && entries.iter().all(|e| !e.patches.is_empty()) {
                    Advice::Branch
                } else {
                    Advice::NoFix
                },
            );
        }
        entries
            .iter()
            .filter_map(|e| e.fixed.as_ref())
            .max()
            .map(Advice::Upgrade)
    }

    /// Everyone credited, by first appearance, each once.
    pub fn credits(&self) -> Vec<ReleaseCredit<'a>> {
        let mut out: Vec<ReleaseCredit<'a>> = Vec::new();
        for &a in &self.advisories {
            for c in &a.credits {
                let Credit {
                    name,
                    contact,
                    kind,
                } = c;
                match out.iter_mut().find(|x| x.name == name) {
                    Some(x) => {
                        if !x.roles.contains(&kind.label()) {
                            x.roles.push(kind.label());
                        }
                        if !x.advisories.iter().any(|b| b.id == a.id) {
                            x.advisories.push(a);
                        }
                        if x.contact.is_empty() {
                            x.contact = contact;
                        }
                    }
                    None => out.push(ReleaseCredit {
                        name,
                        contact,
                        roles: vec![kind.label()],
                        advisories: vec![a],
                    }),
                }
            }
        }
        out
    }
}

/// The release `query` names among `releases`: its slug, the publish time
/// (RFC 3339), or the id or an alias of one of its advisories.
pub fn find<'r, 'a>(
    releases: &'r [SecurityRelease<'a>],
    query: &str,
) -> Option<&'r SecurityRelease<'a>> {
    let at = query.parse::<Timestamp>().ok();
    releases.iter().find(|r| {
        r.slug == query
            || Some(r.published) == at
            || r.advisories
                .iter()
                .any(|a| a.all_ids().any(|id| id == query))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn slugs_are_the_date_then_the_time_for_later_releases_that_day() {
        let mut taken = vec![];
        for (t, expected) in [
            ("2026-11-04T09:00:00Z", "2026-11-04"),
            ("2026-11-04T14:00:00Z", "2026-11-04-1400"),
            ("2026-11-04T14:00:30Z", "2026-11-04-140030"),
            ("2026-11-05T14:00:00Z", "2026-11-05"),
        ] {
            let slug = slug_for(at(t), &taken);
            assert_eq!(slug, expected);
            taken.push(slug);
        }
        taken.push("2026-11-04-140030".into());
        assert_eq!(
            slug_for(at("2026-11-04T14:00:30.5Z"), &taken),
            "2026-11-04-140030-2"
        );
    }
}
