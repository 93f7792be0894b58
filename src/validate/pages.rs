//! Pages in `content/pages/` → [`Page`]: slugs, titles, safe Markdown, and
//! no mention of an advisory under embargo.

use std::collections::BTreeMap;

use jiff::Timestamp;

use crate::diagnostic::{Diagnostics, Pos, SourceName};
use crate::load::{ParsedPage, SiteSources};
use crate::markdown;
use crate::model::{Advisory, Page, is_safe_segment};

/// Slugs that the site's own outputs use.
const RESERVED_SLUGS: &[&str] = &[
    "advisories",
    "announcements",
    "versions",
    "thanks",
    "feeds",
    "osv",
    "cve",
    "csaf",
    "static",
    "index.html",
    "404.html",
    "sitemap.xml",
];

pub fn validate_pages(parsed: Vec<ParsedPage>, diags: &mut Diagnostics) -> Vec<Page> {
    let mut seen: BTreeMap<String, SourceName> = BTreeMap::new();
    let mut pages = Vec::with_capacity(parsed.len());
    for p in parsed {
        let at = |pos: Pos| pos.shifted(p.yaml_first_line);
        let (slug, slug_pos) = match &p.raw.slug {
            Some(s) => (s.value.trim().to_string(), at(s.pos)),
            None => (p.stem.clone(), Pos::START),
        };
        let mut ok = true;
        if !is_safe_segment(&slug) || RESERVED_SLUGS.contains(&slug.as_str()) {
            diags
                .error(
                    "invalid-slug",
                    &p.file,
                    slug_pos,
                    format!("slug `{slug}` cannot be used as a page address"),
                )
                .help(format!(
                    "use letters, digits, `.`, `_` and `-`, and none of: {}",
                    RESERVED_SLUGS.join(", ")
                ));
            ok = false;
        }
        if let Some(first) = seen.insert(slug.clone(), p.file.clone()) {
            diags
                .error(
                    "duplicate-slug",
                    &p.file,
                    slug_pos,
                    format!("slug `{slug}` is already used by {first}"),
                )
                .help("give each page its own slug");
            ok = false;
        }
        let title = p.raw.title.value.trim().to_string();
        if title.is_empty() || title.contains('\n') {
            diags
                .error(
                    "invalid-title",
                    &p.file,
                    at(p.raw.title.pos),
                    "page title is empty or spans lines",
                )
                .help("give the page a one-line title");
            ok = false;
        }
        for found in markdown::find_unsafe(&p.body.value) {
            let rel = Pos::of_offset(&p.body.value, found.offset);
            let pos = Pos::new(rel.line + p.body.pos.line - 1, rel.column);
            super::report_unsafe(diags, &p.file, pos, &found.what);
            ok = false;
        }
        if ok {
            pages.push(Page {
                slug,
                title,
                description: p.raw.description.clone(),
                body: p.body.value,
                file: p.file,
            });
        }
    }
    if !pages.iter().any(|p| p.slug == "policy") && !diags.has_errors() {
        diags
            .warning(
                "missing-policy",
                &SourceName("content/pages/policy.md".into()),
                Pos::START,
                "the site has no security policy page",
            )
            .help("write content/pages/policy.md: how to report, what happens next, supported versions, severity levels, disclosure");
    }
    pages.sort_by(|a, b| a.slug.cmp(&b.slug));
    pages
}

pub fn check_pages_against_embargo(
    pages: &[Page],
    advisories: &[Advisory],
    sources: &SiteSources,
    now: Timestamp,
    diags: &mut Diagnostics,
) {
    let withheld: Vec<&Advisory> = advisories.iter().filter(|a| a.published.at > now).collect();
    let Some(scanner) = super::MentionScanner::new(&withheld) else {
        return;
    };
    let texts = sources.texts_by_name();
    for page in pages {
        if let Some(text) = texts.get(page.file.as_str()) {
            scanner.report(text, &page.file, diags);
        }
    }
}
