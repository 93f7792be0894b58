//! Raw input → the checked [`Site`], with every rule that spans files:
//! series and versions against the releases file, unique ids and aliases,
//! and no published text that names an advisory still under embargo.
//!
//! Every problem is collected; nothing stops at the first.

mod advisory;
pub mod cache;
mod pages;
mod releases;
mod theme;

use std::collections::BTreeMap;

use jiff::Timestamp;
use rayon::prelude::*;

use crate::config::parse_config;
use crate::diagnostic::{Diagnostics, Pos, SourceName};
use crate::load::{self, SiteSources};
use crate::model::{Advisory, Site};

pub use advisory::report_unsafe;
pub use cache::AdvisoryCache;

/// Checks everything; returns the site only when there are no errors.
pub fn validate_site(
    sources: &SiteSources,
    now: Timestamp,
    diags: &mut Diagnostics,
) -> Option<Site> {
    validate_site_cached(sources, now, diags, None)
}

/// [`validate_site`], parsing and checking again only the advisory files
/// that `cache` does not hold as they are.
pub fn validate_site_cached(
    sources: &SiteSources,
    now: Timestamp,
    diags: &mut Diagnostics,
    cache: Option<&AdvisoryCache>,
) -> Option<Site> {
    let config = sources.config.as_ref().and_then(|c| parse_config(c, diags));
    let raw_releases = sources
        .releases
        .as_ref()
        .and_then(|f| load::parse_releases(f, diags));
    let parsed_pages: Vec<_> = sources
        .pages
        .iter()
        .filter_map(|p| load::parse_page(p, diags))
        .collect();
    let releases = match (&config, raw_releases, &sources.releases) {
        (Some(config), Some(raw), Some(file)) => Some(releases::validate_releases(
            raw,
            config.project.version_scheme,
            &file.name,
            diags,
        )),
        _ => None,
    };
    let (Some(config), Some(releases)) = (config, releases) else {
        // The semantic rules have nothing to check against; syntax errors
        // in the advisories are still worth reporting.
        load::parse_advisories_cached(&sources.advisories, diags, cache.map(|c| &c.parsed));
        return None;
    };

    let ctx = advisory::Context {
        config: &config,
        releases: &releases,
    };
    if let (Some(cache), Some(c), Some(r)) = (cache, &sources.config, &sources.releases) {
        cache.begin(&c.text, &r.text);
    }
    let advisories = validate_advisories(&sources.advisories, &ctx, diags, cache);
    check_unique_ids(&advisories, sources, diags);
    check_embargo_rules(&advisories, sources, now, diags);
    check_security_txt_expiry(&config, &advisories, sources, now, diags);
    let pages = pages::validate_pages(parsed_pages, diags);
    pages::check_pages_against_embargo(&pages, &advisories, sources, now, diags);

    let (config_name, theme_key) = match &sources.config {
        Some(c) => (c.name.clone(), crate::config::key_pos(&c.text, "theme")),
        None => (SourceName(load::CONFIG_FILE.into()), Pos::START),
    };
    let theme = theme::build_theme(
        &config.theme,
        &sources.theme_files,
        &config_name,
        theme_key,
        diags,
    );

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
        theme,
    })
}

/// Parses and checks every advisory file, in parallel; with a cache, only
/// those it does not hold as they are.
fn validate_advisories(
    files: &[load::SourceFile],
    ctx: &advisory::Context<'_>,
    diags: &mut Diagnostics,
    cache: Option<&AdvisoryCache>,
) -> Vec<Advisory> {
    let results: Vec<(Option<Advisory>, Diagnostics)> = files
        .par_iter()
        .map(|f| {
            let key = cache.map(|_| load::cache::text_key(&f.text));
            if let Some(hit) = cache.zip(key).and_then(|(c, key)| c.get(f, key)) {
                return hit;
            }
            let mut local = Diagnostics::new();
            let parsed =
                load::cache::parse_advisory_cached(f, &mut local, cache.map(|c| &c.parsed));
            let a = parsed.and_then(|p| advisory::validate_advisory(p, ctx, &mut local));
            if let Some((c, key)) = cache.zip(key) {
                c.put(f, key, &a, &local);
            }
            (a, local)
        })
        .collect();
    if let Some(c) = cache {
        c.retain(files);
    }
    let mut out = Vec::with_capacity(results.len());
    for (a, local) in results {
        diags.extend(local);
        out.extend(a);
    }
    out
}

/// Ids and aliases name one advisory each, across the whole site. Each
/// clash is reported at the later file (in path order), at the clashing name.
fn check_unique_ids(advisories: &[Advisory], sources: &SiteSources, diags: &mut Diagnostics) {
    let texts = sources.texts_by_name();
    let pos_of = |a: &Advisory, name: &str| {
        texts
            .get(a.file.as_str())
            .and_then(|t| {
                t.match_indices(name)
                    .map(|(i, _)| i)
                    .find(|&i| is_whole_word(t, i, i + name.len()))
                    .map(|i| Pos::of_offset(t, i))
            })
            .unwrap_or(Pos::START)
    };
    let mut sorted: Vec<&Advisory> = advisories.iter().collect();
    sorted.sort_by(|a, b| a.file.cmp(&b.file));
    let mut ids: BTreeMap<&str, &Advisory> = BTreeMap::new();
    for a in &sorted {
        if let Some(first) = ids.get(a.id.as_str()) {
            diags
                .error(
                    "duplicate-id",
                    &a.file,
                    Pos::START,
                    format!("id `{}` is already used by {}", a.id, first.file),
                )
                .help("each advisory has its own id: rename one of the files");
        } else {
            ids.insert(a.id.as_str(), a);
        }
    }
    let mut aliases: BTreeMap<&str, &Advisory> = BTreeMap::new();
    for a in &sorted {
        for alias in &a.aliases {
            let name = alias.as_str();
            let clash = ids
                .get(name)
                .filter(|owner| owner.file != a.file)
                .map(|owner| {
                    format!(
                        "alias `{name}` is the id of another advisory, {}",
                        owner.file
                    )
                })
                .or_else(|| {
                    aliases.get(name).map(|owner| {
                        format!(
                            "alias `{name}` is already an alias of {} ({})",
                            owner.id, owner.file
                        )
                    })
                });
            match clash {
                Some(message) => {
                    diags
                        .error("duplicate-alias", &a.file, pos_of(a, name), message)
                        .help("an alias names one advisory: merge the two advisories, or correct the alias");
                }
                None => {
                    aliases.insert(name, a);
                }
            }
        }
    }
}

/// The tokens that identify a withheld advisory in text: the same ones the
/// build's leak scan forbids, so `check` catches what `build` would refuse.
pub fn withheld_tokens(a: &Advisory) -> Vec<String> {
    crate::embargo::leak_tokens(a)
}

/// Whether `text[start..end]` stands as a whole id, not part of a longer one.
fn is_whole_word(text: &str, start: usize, end: usize) -> bool {
    !text[..start].chars().next_back().is_some_and(is_id_char)
        && !text[end..].chars().next().is_some_and(is_id_char)
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
    let Some(scanner) = MentionScanner::new(&withheld) else {
        return;
    };
    let texts = sources.texts_by_name();
    for p in &published {
        if let Some(text) = texts.get(p.file.as_str()) {
            scanner.report(text, &p.file, diags);
        }
    }
}

/// A security.txt built now expires `expires_days` later. The next build
/// that is sure to run is the one that lifts the next embargo: when that
/// comes after the expiry, the site serves an expired security.txt in between
/// unless something else rebuilds it.
fn check_security_txt_expiry(
    config: &crate::config::SiteConfig,
    advisories: &[Advisory],
    sources: &SiteSources,
    now: Timestamp,
    diags: &mut Diagnostics,
) {
    let Some(next) = advisories
        .iter()
        .filter(|a| a.published.at > now)
        .min_by_key(|a| a.published.at)
    else {
        return;
    };
    let Ok(expires) = crate::render::security_txt::expires_at(config, now) else {
        return;
    };
    if next.published.at <= expires {
        return;
    }
    let (file, pos) = match &sources.config {
        Some(c) => (
            c.name.clone(),
            crate::config::key_pos(&c.text, "expires_days"),
        ),
        None => (SourceName(load::CONFIG_FILE.into()), Pos::START),
    };
    let gap = next.published.at.as_second() - now.as_second();
    let days_needed = (gap + 86_399) / 86_400;
    let raise = if days_needed < 365 {
        format!(", or raise expires_days to {days_needed}")
    } else {
        String::new()
    };
    diags
        .warning(
            "security-txt-expires-before-lift",
            &file,
            pos,
            format!(
                "security.txt built now expires at {expires}, before the next scheduled rebuild when {} lifts at {}",
                next.id, next.published.at
            ),
        )
        .help(format!(
            "schedule a build before {expires} (every build renews Expires){raise}"
        ));
}

/// Finds the ids and aliases of withheld advisories in published text, all
/// tokens in one pass over each text.
pub struct MentionScanner<'a> {
    matcher: aho_corasick::AhoCorasick,
    /// For each pattern: the token and the advisory it names.
    tokens: Vec<(String, &'a Advisory)>,
}

impl<'a> MentionScanner<'a> {
    /// `None` when nothing is withheld.
    pub fn new(withheld: &[&'a Advisory]) -> Option<Self> {
        let tokens: Vec<(String, &Advisory)> = withheld
            .iter()
            .flat_map(|w| withheld_tokens(w).into_iter().map(move |t| (t, *w)))
            .collect();
        if tokens.is_empty() {
            return None;
        }
        let matcher = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(tokens.iter().map(|t| t.0.as_str()))
            .ok()?;
        Some(MentionScanner { matcher, tokens })
    }

    /// Reports the first whole-word mention of each withheld token in `text`,
    /// also when a title is wrapped over lines (see [`crate::embargo::fold_whitespace`]).
    pub fn report(&self, text: &str, file: &SourceName, diags: &mut Diagnostics) {
        use crate::embargo::{fold_whitespace, unfolded_offset};
        let mut reported = std::collections::BTreeSet::new();
        let folded = fold_whitespace(text.as_bytes());
        for m in self.matcher.find_overlapping_iter(&folded) {
            let (token, w) = &self.tokens[m.pattern().as_usize()];
            // A match starts and ends on a token's non-space bytes, which
            // folding leaves in place, so both ends map to char boundaries.
            let start = unfolded_offset(text.as_bytes(), m.start());
            let end = unfolded_offset(text.as_bytes(), m.end() - 1) + 1;
            if is_whole_word(text, start, end) && reported.insert(token.as_str()) {
                report_withheld_mention(
                    diags,
                    file,
                    Pos::of_offset(text, start),
                    &String::from_utf8_lossy(&folded[m.start()..m.end()]),
                    w,
                );
            }
        }
        // Markup can split a token a reader sees whole (`CVE-2026-*1234*`):
        // the rendered text is searched too, for what the source hid.
        let (visible, starts) = crate::markdown::visible_text(text);
        let folded = fold_whitespace(visible.as_bytes());
        for m in self.matcher.find_overlapping_iter(&folded) {
            let (token, w) = &self.tokens[m.pattern().as_usize()];
            let start = unfolded_offset(visible.as_bytes(), m.start());
            let end = unfolded_offset(visible.as_bytes(), m.end() - 1) + 1;
            if is_whole_word(&visible, start, end) && reported.insert(token.as_str()) {
                // The piece of text holding the match is a verbatim slice of
                // the source unless it held escapes; point into it when the
                // source agrees, else at the piece's start.
                let (piece_text, piece_source) = starts
                    .iter()
                    .take_while(|(in_text, _)| *in_text <= start)
                    .last()
                    .copied()
                    .unwrap_or((0, 0));
                let exact = piece_source + (start - piece_text);
                let source = if text
                    .get(exact..)
                    .is_some_and(|rest| rest.as_bytes().first() == visible.as_bytes().get(start))
                {
                    exact
                } else {
                    piece_source
                };
                report_withheld_mention(diags, file, Pos::of_offset(text, source), token, w);
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
        let whole = |text: &str, token: &str| {
            text.match_indices(token)
                .find(|(i, _)| is_whole_word(text, *i, i + token.len()))
                .map(|(i, _)| i)
        };
        assert_eq!(whole("see CVE-2026-1234.", "CVE-2026-1234"), Some(4));
        assert_eq!(whole("CVE-2026-12345", "CVE-2026-1234"), None);
        assert_eq!(whole("XCVE-2026-1234", "CVE-2026-1234"), None);
        assert_eq!(
            whole("a CVE-2026-12345 b CVE-2026-1234", "CVE-2026-1234"),
            Some(19)
        );
    }
}
