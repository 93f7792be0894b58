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
pub fn apply(site: Site, now: Timestamp) -> Embargoed {
    let Site {
        config,
        releases,
        advisories,
        pages,
    } = site;
    let (public, hidden): (Vec<Advisory>, Vec<Advisory>) =
        advisories.into_iter().partition(|a| is_public(a, now));

    let levels = &config.severity.levels;
    let rank = |s: &Option<String>| {
        s.as_ref()
            .and_then(|s| levels.iter().position(|l| l == s))
            .unwrap_or(usize::MAX)
    };
    let mut announcements: Vec<Announcement> = Vec::new();
    for a in hidden
        .iter()
        .filter(|a| a.announce.is_some_and(|t| t <= now))
    {
        match announcements
            .iter_mut()
            .find(|x| x.release_at == a.published.at)
        {
            Some(x) => x.severities.push(a.severity.clone()),
            None => announcements.push(Announcement {
                release_at: a.published.at,
                severities: vec![a.severity.clone()],
            }),
        }
    }
    for x in &mut announcements {
        x.severities.sort_by_key(|s| rank(s));
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
            site: Site {
                config,
                releases,
                advisories: public,
                pages,
            },
            now,
            announcements,
        },
        withheld,
    }
}

/// The strings that would reveal a withheld advisory: its id and aliases,
/// its title, and its patch commits (full hashes and the 7-digit short form).
pub fn leak_tokens(a: &Advisory) -> Vec<String> {
    let mut tokens: Vec<String> = a.all_ids().map(str::to_string).collect();
    tokens.push(a.title.clone());
    for h in a.commit_hashes() {
        tokens.push(h.to_string());
        if h.len() > 12 {
            tokens.push(h[..12].to_string());
        }
    }
    tokens.retain(|t| t.len() >= 6);
    tokens
}
