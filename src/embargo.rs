//! (Site, clock) → the public site and the withheld list. Advisories whose
//! publish time is after the clock are removed here, before any renderer
//! runs; what remains of them is a pre-notification (date and severity) and
//! the tokens the writer scans every output for.

use jiff::Timestamp;

use crate::model::{Advisory, Site};

/// A coming security release, as the public may see it: when, and how severe.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Announcement {
    pub release_at: Timestamp,
    /// The severity of each issue in it, highest first; `None` is not rated.
    pub severities: Vec<Option<String>>,
    /// When the notice first went public (the earliest `announce` in it).
    pub first_announced: Timestamp,
    /// When the notice last changed (the latest `announce` in it): a feed
    /// entry's `updated`, so readers see a new issue join a release.
    pub last_announced: Timestamp,
}

/// A withheld advisory, for the build report and `disclose embargo`.
#[derive(Debug, Clone)]
pub struct Withheld {
    pub id: String,
    pub file: String,
    pub lifts_at: Timestamp,
    pub announce: Option<Timestamp>,
    pub severity: Option<String>,
    /// Ids, aliases, title and patch hashes: none may appear in any output.
    pub tokens: Vec<String>,
}

/// The site as the public may see it at `now`.
#[derive(Debug, Clone)]
pub struct PublicSite {
    /// Only advisories published at or before `now`.
    pub site: Site,
    pub now: Timestamp,
    pub announcements: Vec<Announcement>,
}

/// The result of the embargo filter.
#[derive(Debug, Clone)]
pub struct Embargoed {
    pub public: PublicSite,
    pub withheld: Vec<Withheld>,
}

impl Embargoed {
    /// When the next withheld advisory becomes public: when to rebuild.
    pub fn next_lift(&self) -> Option<Timestamp> {
        self.withheld.iter().map(|w| w.lifts_at).min()
    }

    /// Every string that must not appear in any output byte.
    pub fn forbidden_tokens(&self) -> Vec<String> {
        let mut tokens: Vec<String> = self
            .withheld
            .iter()
            .flat_map(|w| w.tokens.clone())
            .collect();
        tokens.sort();
        tokens.dedup();
        tokens
    }
}

/// Whether `a` is public at `now`: published at or before the clock.
pub fn is_public(a: &Advisory, now: Timestamp) -> bool {
    a.published.at <= now
}

/// Splits the site at `now`.
pub fn apply(mut site: Site, now: Timestamp) -> Embargoed {
    let (public, hidden): (Vec<Advisory>, Vec<Advisory>) = std::mem::take(&mut site.advisories)
        .into_iter()
        .partition(|a| is_public(a, now));
    site.advisories = public;

    let mut announcements: Vec<Announcement> = Vec::new();
    for a in hidden.iter() {
        let Some(announced) = a.announce.filter(|t| *t <= now) else {
            continue;
        };
        match announcements
            .iter_mut()
            .find(|x| x.release_at == a.published.at)
        {
            Some(x) => {
                x.severities.push(a.severity.clone());
                x.first_announced = x.first_announced.min(announced);
                x.last_announced = x.last_announced.max(announced);
            }
            None => announcements.push(Announcement {
                release_at: a.published.at,
                severities: vec![a.severity.clone()],
                first_announced: announced,
                last_announced: announced,
            }),
        }
    }
    for x in &mut announcements {
        sort_severities(&site.config.severity.levels, &mut x.severities);
    }
    announcements.sort();

    let withheld = hidden
        .iter()
        .map(|a| Withheld {
            id: a.id.to_string(),
            file: a.file.to_string(),
            lifts_at: a.published.at,
            announce: a.announce,
            severity: a.severity.clone(),
            tokens: leak_tokens(a),
        })
        .collect();

    Embargoed {
        public: PublicSite {
            site,
            now,
            announcements,
        },
        withheld,
    }
}

/// Orders severities as a pre-notification lists them: highest level of
/// the site's scale first, not rated last.
pub fn sort_severities(levels: &[String], severities: &mut [Option<String>]) {
    severities.sort_by_key(|s| {
        s.as_ref()
            .and_then(|s| levels.iter().position(|l| l == s))
            .unwrap_or(usize::MAX)
    });
}

/// The strings that would reveal a withheld advisory: its id and aliases,
/// its title, and its patch commits (full hashes and the 7-digit short form).
pub fn leak_tokens(a: &Advisory) -> Vec<String> {
    let mut tokens: Vec<String> = a.all_ids().map(str::to_string).collect();
    tokens.push(String::from_utf8_lossy(&fold_whitespace(a.title.as_bytes())).into_owned());
    for h in a.commit_hashes() {
        tokens.push(h.to_string());
        if h.len() > 12 {
            tokens.push(h[..12].to_string());
        }
    }
    tokens.retain(|t| t.len() >= 6);
    tokens
}

/// `bytes` with every run of ASCII whitespace made one space. Text wraps a
/// title over lines (a Markdown soft break, a template's indentation) and a
/// reader still sees it whole, so tokens are searched for in folded text.
pub fn fold_whitespace(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut after_space = false;
    for &b in bytes {
        if b.is_ascii_whitespace() {
            if !after_space {
                out.push(b' ');
            }
            after_space = true;
        } else {
            out.push(b);
            after_space = false;
        }
    }
    out
}

/// Where the byte at `folded` of `fold_whitespace(bytes)` is in `bytes`, so
/// that a leak is reported at its offset in the real file.
pub fn unfolded_offset(bytes: &[u8], folded: usize) -> usize {
    let mut k = 0;
    let mut after_space = false;
    for (i, &b) in bytes.iter().enumerate() {
        let space = b.is_ascii_whitespace();
        if !(space && after_space) {
            if k == folded {
                return i;
            }
            k += 1;
        }
        after_space = space;
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Advisory, AdvisoryId, Alias, Package, parse_instant};
    use proptest::prelude::*;

    fn advisory(
        i: usize,
        published: Timestamp,
        announce: Option<Timestamp>,
        severity: Option<&str>,
    ) -> Advisory {
        Advisory {
            id: AdvisoryId::parse(&format!("T-{i:04}")).unwrap(),
            file: crate::diagnostic::SourceName(format!("content/advisories/T-{i:04}.md")),
            title: format!("Title number {i:04}"),
            aliases: vec![Alias::parse(&format!("CVE-2030-{:05}", 10000 + i)).unwrap()],
            published: crate::model::Instant {
                at: published,
                bare_date: false,
            },
            announce,
            modified: published,
            withdrawn: None,
            severity: severity.map(str::to_string),
            cvss: None,
            cwe: vec![],
            package: Package {
                ecosystem: "PyPI".into(),
                name: "p".into(),
                purl: "pkg:pypi/p".into(),
            },
            affected: vec![],
            credits: vec![],
            references: vec![],
            details: "d".into(),
        }
    }

    fn site(advisories: Vec<Advisory>) -> Site {
        let config: crate::config::SiteConfig = toml::from_str(
            r#"title = "T"
base_url = "https://e.org/"
[project]
name = "P"
vendor = "V"
version_scheme = "pep440"
[project.package]
ecosystem = "PyPI"
name = "p"
purl = "pkg:pypi/p"
[security_txt]
contact = ["mailto:s@e.org"]
[csaf]
publisher_name = "V"
namespace = "https://e.org"
category = "vendor"
"#,
        )
        .unwrap();
        Site {
            config,
            releases: crate::model::Releases {
                scheme: crate::model::VersionScheme::Pep440,
                series: vec![],
            },
            advisories,
            pages: vec![],
            theme: crate::model::Theme::default(),
        }
    }

    #[test]
    fn folded_offsets_point_into_the_original() {
        let text = b"a  title\n\t  wrapped";
        let folded = fold_whitespace(text);
        assert_eq!(folded, b"a title wrapped");
        assert_eq!(unfolded_offset(text, 2), 3);
        assert_eq!(unfolded_offset(text, 8), 12);
        assert_eq!(unfolded_offset(text, folded.len()), text.len());
    }

    proptest! {
        /// For any clock and publish/announce times: an advisory is public
        /// exactly when published <= now; every withheld one is listed with
        /// its tokens; announcements carry only date and severity, and only
        /// once `announce` has passed.
        #[test]
        fn partition_follows_the_clock(
            times in prop::collection::vec((0i64..1_000_000, prop::option::of(0i64..1_000_000), 0usize..4), 1..20),
            now in 0i64..1_000_000,
        ) {
            let base = parse_instant("2030-01-01T00:00:00Z").unwrap().at;
            let at = |s: i64| base.checked_add(jiff::SignedDuration::from_secs(s)).unwrap();
            let levels = [Some("high"), Some("moderate"), Some("low"), None];
            let advisories: Vec<Advisory> = times
                .iter()
                .enumerate()
                .map(|(i, (p, a, sev))| advisory(i, at(*p), a.map(|a| at(a.min(*p))), levels[*sev]))
                .collect();
            let now_ts = at(now);
            let split = apply(site(advisories.clone()), now_ts);
            for a in &advisories {
                let public = split.public.site.advisories.iter().any(|p| p.id == a.id);
                let withheld = split.withheld.iter().find(|w| w.id == a.id.as_str());
                prop_assert_eq!(public, a.published.at <= now_ts);
                prop_assert_eq!(withheld.is_some(), a.published.at > now_ts);
                if let Some(w) = withheld {
                    prop_assert!(w.tokens.contains(&a.title));
                    prop_assert!(w.tokens.contains(&a.aliases[0].to_string()));
                }
            }
            let announced: usize = split.public.announcements.iter().map(|x| x.severities.len()).sum();
            let expected = advisories.iter().filter(|a| a.published.at > now_ts && a.announce.is_some_and(|t| t <= now_ts)).count();
            prop_assert_eq!(announced, expected);
            for x in &split.public.announcements {
                prop_assert!(x.release_at > now_ts);
                prop_assert!(x.first_announced <= x.last_announced);
                prop_assert!(x.last_announced <= now_ts);
            }
            prop_assert_eq!(split.next_lift(), advisories.iter().map(|a| a.published.at).filter(|t| *t > now_ts).min());
        }
    }
}
