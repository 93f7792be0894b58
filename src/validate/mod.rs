//! Raw input → the checked [`Site`], with every rule that spans files:
//! series and versions against the releases file, unique ids and aliases,
//! and no published text that names an advisory still under embargo.
//!
//! Every problem is collected; nothing stops at the first.

mod advisory;
mod pages;
mod releases;

use std::collections::BTreeMap;

use jiff::Timestamp;
use rayon::prelude::*;

use crate::config::{SiteConfig, parse_config};
use crate::diagnostic::{Diagnostics, Pos, SourceName};
use crate::load::{self, SiteSources};
use crate::model::{Advisory, Releases, Site};

pub use advisory::report_unsafe;

/// Checks everything; returns the site only when there are no errors.
pub fn validate_site(
    sources: &SiteSources,
    now: Timestamp,
    diags: &mut Diagnostics,
) -> Option<Site> {
    let config = parse_config(&sources.config, diags);
    let raw_releases = sources
        .releases
        .as_ref()
        .and_then(|f| load::parse_releases(f, diags));
    let parsed = load::parse_advisories(&sources.advisories, diags);
    let parsed_pages: Vec<_> = sources
        .pages
        .iter()
        .filter_map(|p| load::parse_page(p, diags))
        .collect();

    // Without settings or releases, the semantic rules have nothing to check against.
    let config = config?;
    let releases = match (raw_releases, &sources.releases) {
        (Some(raw), Some(file)) => {
            releases::validate_releases(raw, config.project.version_scheme, &file.name, diags)
        }
        _ => return None,
    };

    let advisories = validate_advisories(parsed, &config, &releases, diags);
    check_unique_ids(&advisories, diags);
    check_embargo_rules(&advisories, sources, now, diags);
    let pages = pages::validate_pages(parsed_pages, diags);
    pages::check_pages_against_embargo(&pages, &advisories, sources, now, diags);

    if diags.has_errors() {
        return None;
    }
    let mut advisories = advisories;
    Site::sort_advisories(&mut advisories);
    Some(Site {
        config,
        releases,
        advisories,
        pages,
    })
}

fn validate_advisories(
    parsed: Vec<load::ParsedAdvisory>,
    config: &SiteConfig,
    releases: &Releases,
    diags: &mut Diagnostics,
) -> Vec<Advisory> {
    let ctx = advisory::Context { config, releases };
    let results: Vec<(Option<Advisory>, Diagnostics)> = parsed
        .into_par_iter()
        .map(|p| {
            let mut local = Diagnostics::new();
            let a = advisory::validate_advisory(p, &ctx, &mut local);
            (a, local)
        })
        .collect();
    let mut out = Vec::with_capacity(results.len());
    for (a, local) in results {
        diags.extend(local);
        out.extend(a);
    }
    out
}

/// Ids and aliases name one advisory each, across the whole site.
fn check_unique_ids(advisories: &[Advisory], diags: &mut Diagnostics) {
    let mut owner: BTreeMap<&str, &Advisory> = BTreeMap::new();
    let mut sorted: Vec<&Advisory> = advisories.iter().collect();
    sorted.sort_by(|a, b| a.file.cmp(&b.file));
    for a in sorted {
        for (i, name) in a.all_ids().enumerate() {
            if let Some(first) = owner.get(name) {
                if first.id == a.id {
                    continue;
                }
                let (code, what) = if i == 0 {
                    ("duplicate-id", "id")
                } else {
                    ("duplicate-alias", "alias")
                };
                diags
                    .error(
                        code,
                        &a.file,
                        Pos::START,
                        format!("{what} `{name}` is already used by {} ({})", first.id, first.file),
                    )
                    .help("each advisory id and alias may name only one advisory: merge the two, or correct one of them");
            } else {
                owner.insert(name, a);
            }
        }
    }
}

/// The tokens that identify a withheld advisory in text.
pub fn withheld_tokens(a: &Advisory) -> impl Iterator<Item = &str> {
    a.all_ids()
}

/// Where `token` first appears in `text` as a whole word.
pub fn find_token(text: &str, token: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = text[from..].find(token) {
        let start = from + i;
        let end = start + token.len();
        let before_ok = !text[..start].chars().next_back().is_some_and(is_id_char);
        let after_ok = !text[end..].chars().next().is_some_and(is_id_char);
        if before_ok && after_ok {
            return Some(start);
        }
        from = end;
    }
    None
}

fn is_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// Embargo rules `check` enforces: a bare date on an advisory still under
/// embargo is ambiguous, and a published advisory must not name a withheld one.
fn check_embargo_rules(
    advisories: &[Advisory],
    sources: &SiteSources,
    now: Timestamp,
    diags: &mut Diagnostics,
) {
    let (withheld, published): (Vec<&Advisory>, Vec<&Advisory>) =
        advisories.iter().partition(|a| a.published.at > now);
    for a in &withheld {
        if a.published.bare_date {
            diags
                .warning(
                    "bare-date-embargo",
                    &a.file,
                    find_in_file(sources, &a.file, "published:"),
                    format!("embargoed until a bare date, which lifts at {} (end of that day everywhere)", a.published.at),
                )
                .help("give the exact lift time with an offset, e.g. 2026-03-04T14:00:00Z");
        }
    }
    for p in &published {
        let Some(text) = sources.text_of(p.file.as_str()) else {
            continue;
        };
        for w in &withheld {
            for token in withheld_tokens(w) {
                if let Some(offset) = find_token(text, token) {
                    report_withheld_mention(diags, &p.file, Pos::of_offset(text, offset), token, w);
                }
            }
        }
    }
}

pub fn report_withheld_mention(
    diags: &mut Diagnostics,
    file: &SourceName,
    pos: Pos,
    token: &str,
    w: &Advisory,
) {
    diags
        .error(
            "withheld-mention",
            file,
            pos,
            format!(
                "`{token}` names {}, which is under embargo until {}",
                w.id, w.published.at
            ),
        )
        .help("remove the mention until the embargo lifts, or publish both together");
}

fn find_in_file(sources: &SiteSources, file: &SourceName, needle: &str) -> Pos {
    sources
        .text_of(file.as_str())
        .and_then(|t| {
            t.find(needle)
                .map(|i| Pos::of_offset(t, i + needle.len() + 1))
        })
        .unwrap_or(Pos::START)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_match_whole_ids_only() {
        assert_eq!(find_token("see CVE-2026-1234.", "CVE-2026-1234"), Some(4));
        assert_eq!(find_token("CVE-2026-12345", "CVE-2026-1234"), None);
        assert_eq!(find_token("XCVE-2026-1234", "CVE-2026-1234"), None);
        assert_eq!(
            find_token("a CVE-2026-12345 b CVE-2026-1234", "CVE-2026-1234"),
            Some(19)
        );
    }
}
