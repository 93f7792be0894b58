//! Atom feeds (RFC 4287): every advisory, one feed per release series, one
//! per severity level, and the pre-notifications of coming releases.
//!
//! Entry ids are `tag:` URIs (RFC 4151) built only from what never changes
//! for an advisory — the site's host, its first publication date and its
//! id — so a reader never sees an edited or withdrawn advisory as a new one.

use std::io;

use jiff::Timestamp;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};
use rayon::prelude::*;

use super::{Output, RenderContext, RenderError, Sink, Target, escape_html, paths};
use crate::config::SiteConfig;
use crate::embargo::Announcement;
use crate::model::{Advisory, CvssVersion, SeriesImpact, Site};
use crate::release::{Advice, SecurityRelease};
use crate::text::human_date;

const ATOM_NS: &str = "http://www.w3.org/2005/Atom";

pub struct Atom;

impl Target for Atom {
    fn name(&self) -> &'static str {
        "atom"
    }

    fn claims(&self, path: &str) -> bool {
        path.starts_with(paths::FEEDS_DIR)
    }

    /// Each feed's entries are made just before it is written, so only
    /// the feeds being written are held at once.
    fn stream(&self, ctx: &RenderContext<'_>, sink: &dyn Sink) -> Result<(), RenderError> {
        let site = &ctx.public.site;
        let config = &site.config;
        let all: Vec<&Advisory> = site.advisories.iter().collect();
        let mut feeds = vec![(
            Feed::new(
                config,
                paths::FEED_ALL,
                format!("{}: all advisories", config.title),
                "",
            ),
            Entries::Of(all),
        )];
        // Every series gets a feed, even one without advisories: the HTML
        // links each one, and a reader subscribed early sees the first entry.
        for series in &site.releases.series {
            let matching: Vec<&Advisory> = site
                .advisories
                .iter()
                .filter(|a| a.affected_entry(&series.name).is_some())
                .collect();
            feeds.push((
                Feed::new(
                    config,
                    &paths::feed_series(&series.name),
                    format!(
                        "{}: advisories for {} {}",
                        config.title, config.project.name, series.name
                    ),
                    &paths::series_page(&series.name),
                ),
                Entries::Of(matching),
            ));
        }
        // One feed per level of the scale, and one for advisories not rated,
        // as the archive has a page for each.
        let levels = config.severity.levels.iter().map(|l| Some(l.as_str()));
        for level in levels.chain([None]) {
            let matching: Vec<&Advisory> = site
                .advisories
                .iter()
                .filter(|a| a.severity.as_deref() == level)
                .collect();
            let (slug, title) = match level {
                Some(l) => (l, format!("{}: advisories of {l} severity", config.title)),
                None => (
                    paths::NOT_RATED,
                    format!("{}: advisories not rated", config.title),
                ),
            };
            feeds.push((
                Feed::new(
                    config,
                    &paths::feed_severity(slug),
                    title,
                    &paths::severity_page(slug),
                ),
                Entries::Of(matching),
            ));
        }
        let releases = crate::release::releases(ctx.public);
        // A pre-notification stays in its feed once its release is out,
        // under the same id, now linking to the release's page.
        let mut notices: Vec<Entry> = ctx
            .public
            .announcements
            .iter()
            .map(|x| announcement_entry(config, x))
            .chain(
                releases
                    .iter()
                    .filter_map(|r| published_announcement_entry(site, r)),
            )
            .collect();
        sort_and_cap(&mut notices, config.feeds.entries);
        let mut release_entries: Vec<Entry> =
            releases.iter().map(|r| release_entry(site, r)).collect();
        sort_and_cap(&mut release_entries, config.feeds.entries);
        feeds.push((
            Feed::new(
                config,
                paths::FEED_RELEASES,
                format!("{}: security releases", config.title),
                paths::RELEASES_PAGE,
            ),
            Entries::Ready(release_entries),
        ));
        feeds.push((
            Feed::new(
                config,
                paths::FEED_ANNOUNCEMENTS,
                format!("{}: coming security releases", config.title),
                paths::ANNOUNCEMENTS_PAGE,
            ),
            Entries::Ready(notices),
        ));

        feeds.into_par_iter().try_for_each(|(feed, entries)| {
            let entries = match entries {
                Entries::Of(advisories) => advisory_entries(site, &advisories),
                Entries::Ready(entries) => entries,
            };
            let bytes = write_feed(config, &feed, &entries, ctx.now).map_err(|e| RenderError {
                target: "atom",
                message: format!("{}: {e}", feed.path),
            })?;
            sink.put(Output::new(feed.path, bytes))
        })
    }
}

/// A feed's entries: made from its advisories when the feed is written,
/// or already made.
enum Entries<'a> {
    Of(Vec<&'a Advisory>),
    Ready(Vec<Entry>),
}

/// One feed's own metadata.
struct Feed {
    path: String,
    title: String,
    /// Absolute URL of the page the feed mirrors.
    alternate: String,
}

impl Feed {
    fn new(config: &SiteConfig, path: &str, title: String, page: &str) -> Self {
        Feed {
            path: path.to_string(),
            title,
            alternate: paths::absolute_url(config, page),
        }
    }
}

/// A category of an entry (RFC 4287 section 4.2.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub term: String,
    pub scheme: String,
    pub label: String,
}

/// One Atom entry, ready to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: String,
    pub title: String,
    pub published: Timestamp,
    pub updated: Timestamp,
    /// Absolute URL of the entry's page.
    pub link: String,
    /// Sanitized HTML, carried as `type="html"`.
    pub content: String,
    pub categories: Vec<Category>,
}

/// The host part of the site's base URL: the authority of every `tag:` id.
pub(crate) fn host(config: &SiteConfig) -> &str {
    let rest = config
        .base_url
        .split_once("://")
        .map_or(config.base_url.as_str(), |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or(rest);
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    authority.split(':').next().unwrap_or(authority)
}

fn utc_day(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d").to_string()
}

/// The advisory's entry id: host, first publication date and id, none of
/// which an edit, an update or a withdrawal changes.
pub fn entry_id(config: &SiteConfig, a: &Advisory) -> String {
    format!(
        "tag:{},{}:advisory/{}",
        host(config),
        utc_day(a.published.at),
        a.id
    )
}

/// A pre-notification's entry id, from its release time alone: nothing else
/// about the coming release may be known.
pub fn announcement_id(config: &SiteConfig, release_at: Timestamp) -> String {
    format!(
        "tag:{},{}:release/{}",
        host(config),
        utc_day(release_at),
        release_at.strftime("%Y%m%dT%H%M%SZ")
    )
}

/// A security release's entry id in the releases feed, from its publish
/// time alone, which never changes for a release.
pub fn release_id(config: &SiteConfig, r: &SecurityRelease<'_>) -> String {
    format!(
        "tag:{},{}:security-release/{}",
        host(config),
        utc_day(r.published),
        r.published.strftime("%Y%m%dT%H%M%SZ")
    )
}

/// Newest first by `updated`, so an update or withdrawal reaches readers
/// of a capped feed; ties by publication, then id, for stable output.
fn sort_and_cap(entries: &mut Vec<Entry>, cap: usize) {
    entries.sort_by(|a, b| {
        b.updated
            .cmp(&a.updated)
            .then_with(|| b.published.cmp(&a.published))
            .then_with(|| a.id.cmp(&b.id))
    });
    entries.truncate(cap);
}

/// The newest entries of `advisories`, as [`sort_and_cap`] orders them. Only
/// the entries kept are made: an entry carries the whole advisory as HTML,
/// and a large site has thousands of advisories per feed.
fn advisory_entries(site: &Site, advisories: &[&Advisory]) -> Vec<Entry> {
    let config = &site.config;
    let mut keyed: Vec<(Timestamp, Timestamp, String, &Advisory)> = advisories
        .iter()
        .map(|a| (last_change(a), a.published.at, entry_id(config, a), *a))
        .collect();
    keyed.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then_with(|| b.1.cmp(&a.1))
            .then_with(|| a.2.cmp(&b.2))
    });
    keyed.truncate(config.feeds.entries);
    keyed
        .into_par_iter()
        .map(|(.., a)| advisory_entry(site, a))
        .collect()
}

/// When the entry last changed: its withdrawal, or its last modification.
fn last_change(a: &Advisory) -> Timestamp {
    match &a.withdrawn {
        Some(w) => w.at.max(a.modified),
        None => a.modified,
    }
}

fn severity_category(config: &SiteConfig, severity: Option<&str>) -> Category {
    let scheme = paths::absolute_url(config, "severity/");
    match severity {
        Some(level) => Category {
            term: level.to_string(),
            scheme,
            label: format!("{level} severity"),
        },
        None => Category {
            term: "not-rated".into(),
            scheme,
            label: "not rated".into(),
        },
    }
}

/// The entry of a published advisory.
pub fn advisory_entry(site: &Site, a: &Advisory) -> Entry {
    let config = &site.config;
    let title = if a.is_withdrawn() {
        format!("[withdrawn] {}: {}", a.id, a.title)
    } else {
        format!("{}: {}", a.id, a.title)
    };
    let mut categories = vec![severity_category(config, a.severity.as_deref())];
    for s in a.affected_series(&site.releases) {
        categories.push(Category {
            term: s.name.clone(),
            scheme: paths::absolute_url(config, paths::VERSIONS_PAGE),
            label: format!("{} {}", config.project.name, s.name),
        });
    }
    Entry {
        id: entry_id(config, a),
        title,
        published: a.published.at,
        updated: last_change(a),
        link: paths::absolute_url(config, &paths::advisory_page(a)),
        content: advisory_content(site, a),
        categories,
    }
}

/// The full advisory as HTML for feed readers: status notes, the per-series
/// table, ratings and ids, then the details. Links are absolute because a
/// reader shows the content away from the site.
fn advisory_content(site: &Site, a: &Advisory) -> String {
    let config = &site.config;
    let mut h = String::new();
    if let Some(w) = &a.withdrawn {
        h.push_str(&format!(
            "<p><strong>Withdrawn</strong> on {}: {}</p>\n",
            utc_day(w.at),
            escape_html(&w.reason)
        ));
    }
    if a.modified > a.published.at {
        h.push_str(&format!(
            "<p><strong>Updated</strong> on {} (first published on {}).</p>\n",
            utc_day(a.modified),
            utc_day(a.published.at)
        ));
    }
    if !a.is_withdrawn() && !site.releases.series.is_empty() {
        h.push_str(
            "<table>\n<thead><tr><th scope=\"col\">Series</th><th scope=\"col\">Status</th>\
             <th scope=\"col\">Affected versions</th><th scope=\"col\">Fixed in</th></tr></thead>\n<tbody>\n",
        );
        for s in &site.releases.series {
            let impact = a.impact_on(s);
            let (range, fixed) = match impact {
                SeriesImpact::Affected(e) => {
                    let from = e.introduced.as_ref().or(s.first_version());
                    let range = match (from, &e.fixed) {
                        (Some(from), Some(fixed)) => format!(
                            "{} to before {}",
                            escape_html(from.as_str()),
                            escape_html(fixed.as_str())
                        ),
                        (Some(from), None) => format!("{} and later", escape_html(from.as_str())),
                        (None, Some(fixed)) => format!("before {}", escape_html(fixed.as_str())),
                        (None, None) => "all".to_string(),
                    };
                    let fixed = e.fixed.as_ref().map_or_else(
                        || "no fix yet".to_string(),
                        |v| {
                            format!(
                                "<a href=\"{}\">{}</a>",
                                escape_html(&paths::absolute_url(
                                    config,
                                    &paths::version_page(&s.name, v.as_str())
                                )),
                                escape_html(v.as_str())
                            )
                        },
                    );
                    (range, fixed)
                }
                SeriesImpact::NotAffected | SeriesImpact::NotEvaluated => {
                    ("none".to_string(), "—".to_string())
                }
            };
            h.push_str(&format!(
                "<tr><th scope=\"row\"><a href=\"{}\">{}</a></th><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                escape_html(&paths::absolute_url(config, &paths::series_page(&s.name))),
                escape_html(&s.name),
                impact.label(),
                range,
                fixed
            ));
        }
        h.push_str("</tbody>\n</table>\n");
    }
    h.push_str("<ul>\n");
    match &a.severity {
        Some(level) => h.push_str(&format!("<li>Severity: {}</li>\n", escape_html(level))),
        None => h.push_str("<li>Severity: not rated</li>\n"),
    }
    if let Some(c) = &a.cvss {
        let version = match c.version {
            CvssVersion::V3_1 => "3.1",
            CvssVersion::V4_0 => "4.0",
        };
        h.push_str(&format!(
            "<li>CVSS {version}: {c} ({}), <code>{}</code></li>\n",
            c.rating,
            escape_html(&c.vector)
        ));
    }
    if !a.aliases.is_empty() {
        let aliases: Vec<String> = a.aliases.iter().map(|x| escape_html(x.as_str())).collect();
        h.push_str(&format!("<li>Aliases: {}</li>\n", aliases.join(", ")));
    }
    if !a.cwe.is_empty() {
        let cwes: Vec<String> = a.cwe.iter().map(|c| escape_html(&c.label())).collect();
        h.push_str(&format!("<li>Weakness: {}</li>\n", cwes.join("; ")));
    }
    h.push_str("</ul>\n");
    h.push_str(&crate::markdown::to_html(&a.details));
    h
}

/// How a release's issues read in a notice: "1 issue of high severity",
/// "2 issues: high, not rated".
pub fn severities_phrase(severities: &[Option<String>]) -> String {
    let names: Vec<String> = severities
        .iter()
        .map(|s| {
            s.as_ref()
                .map_or("not rated".to_string(), |l| format!("{l} severity"))
        })
        .collect();
    match names.as_slice() {
        [one] if severities[0].is_some() => format!("1 issue of {one}"),
        [one] => format!("1 issue, {one}"),
        many => format!("{} issues: {}", many.len(), many.join(", ")),
    }
}

/// A pre-notification: the release time and the severities, and nothing
/// else, because everything else about the release is still under embargo.
pub fn announcement_entry(config: &SiteConfig, x: &Announcement) -> Entry {
    let when = x.release_at.strftime("%Y-%m-%d %H:%M UTC").to_string();
    let phrase = severities_phrase(&x.severities);
    let content = format!(
        "<p>A security release of {} is planned for <time datetime=\"{}\">{}</time>. \
         It fixes {}. Details are published with the release.</p>",
        escape_html(&config.project.name),
        paths::utc_timestamp(x.release_at),
        when,
        escape_html(&phrase)
    );
    let categories = severity_categories(config, &x.severities);
    Entry {
        id: announcement_id(config, x.release_at),
        title: format!("Security release on {when}: {phrase}"),
        published: x.first_announced,
        updated: x.last_announced,
        link: paths::absolute_url(config, paths::ANNOUNCEMENTS_PAGE),
        content,
        categories,
    }
}

fn severity_categories(config: &SiteConfig, severities: &[Option<String>]) -> Vec<Category> {
    let mut categories: Vec<Category> = Vec::new();
    for s in severities {
        let c = severity_category(config, s.as_deref());
        if !categories.contains(&c) {
            categories.push(c);
        }
    }
    categories
}

/// A published security release: the versions it issued, its advisories
/// and the advice per series. Updated when one of its advisories changes.
pub fn release_entry(site: &Site, r: &SecurityRelease<'_>) -> Entry {
    let config = &site.config;
    let abs = |path: &str| escape_html(&paths::absolute_url(config, path));
    let mut h = String::new();
    h.push_str(&format!(
        "<p>Published on {}, fixing {}.</p>\n<ul>\n",
        human_date(r.published),
        escape_html(&severities_phrase(&r.severities()))
    ));
    for a in &r.advisories {
        let ids: Vec<&str> = a.aliases.iter().map(|x| x.as_str()).collect();
        let ids = if ids.is_empty() {
            String::new()
        } else {
            format!(" ({})", escape_html(&ids.join(", ")))
        };
        h.push_str(&format!(
            "<li><a href=\"{}\">{}</a>{ids}, {}: {}{}</li>\n",
            abs(&paths::advisory_page(a)),
            escape_html(a.id.as_str()),
            escape_html(a.severity.as_deref().unwrap_or("not rated")),
            escape_html(&a.title),
            if a.is_withdrawn() { " [withdrawn]" } else { "" }
        ));
    }
    h.push_str("</ul>\n");
    let mut advice: Vec<String> = Vec::new();
    for s in &site.releases.series {
        let text = match r.advice(s) {
            Some(Advice::Upgrade(v)) => format!(
                "{}: upgrade to <a href=\"{}\">{}</a>",
                escape_html(&s.name),
                abs(&paths::version_page(&s.name, v.as_str())),
                escape_html(v.as_str())
            ),
            Some(Advice::Branch) => format!("{}: fixed on the branch", escape_html(&s.name)),
            Some(Advice::NoFix) => {
                format!("{}: affected, no fix released yet", escape_html(&s.name))
            }
            _ => continue,
        };
        advice.push(text);
    }
    if !advice.is_empty() {
        h.push_str(&format!("<p>What to do: {}.</p>\n", advice.join("; ")));
    }
    let mut categories = severity_categories(config, &r.severities());
    for v in &r.versions {
        categories.push(Category {
            term: v.series.name.clone(),
            scheme: paths::absolute_url(config, paths::VERSIONS_PAGE),
            label: format!("{} {}", config.project.name, v.series.name),
        });
    }
    Entry {
        id: release_id(config, r),
        title: r.title(&config.project.name),
        published: r.published,
        updated: r.updated(),
        link: paths::absolute_url(config, &paths::release_page(&r.slug)),
        content: h,
        categories,
    }
}

/// The pre-notification of a release that is now published, when it had
/// one: the same entry as before the release, now saying it is out and
/// linking to its page.
pub fn published_announcement_entry(site: &Site, r: &SecurityRelease<'_>) -> Option<Entry> {
    let config = &site.config;
    let announced = r.announced?;
    let when = r.published.strftime("%Y-%m-%d %H:%M UTC").to_string();
    let versions = if r.versions.is_empty() {
        String::new()
    } else {
        format!(": {} {}", config.project.name, r.version_list())
    };
    let link = paths::absolute_url(config, &paths::release_page(&r.slug));
    let content = format!(
        "<p>The security release of {} announced for <time datetime=\"{}\">{}</time> is published: \
         <a href=\"{}\">{}</a>. It fixes {}.</p>",
        escape_html(&config.project.name),
        paths::utc_timestamp(r.published),
        when,
        escape_html(&link),
        escape_html(&r.title(&config.project.name)),
        escape_html(&severities_phrase(&r.severities()))
    );
    Some(Entry {
        id: announcement_id(config, r.published),
        title: format!("Security release on {when} published{versions}"),
        published: announced,
        updated: r.published,
        link,
        content,
        categories: severity_categories(config, &r.severities()),
    })
}

/// Drops characters XML 1.0 cannot carry at all, even escaped.
fn xml_safe(s: &str) -> std::borrow::Cow<'_, str> {
    let ok = |c: char| {
        matches!(c, '\t' | '\n' | '\r')
            || ('\u{20}'..='\u{D7FF}').contains(&c)
            || ('\u{E000}'..='\u{FFFD}').contains(&c)
            || c >= '\u{10000}'
    };
    if s.chars().all(ok) {
        s.into()
    } else {
        s.chars().filter(|c| ok(*c)).collect::<String>().into()
    }
}

fn text_element<W: io::Write>(w: &mut Writer<W>, name: &str, text: &str) -> io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::new(&xml_safe(text)))?;
    Ok(())
}

fn author<W: io::Write>(w: &mut Writer<W>, config: &SiteConfig) -> io::Result<()> {
    w.create_element("author").write_inner_content(|w| {
        text_element(w, "name", &config.project.vendor)?;
        text_element(w, "uri", &config.base_url)
    })?;
    Ok(())
}

fn link<W: io::Write>(w: &mut Writer<W>, rel: &str, kind: &str, href: &str) -> io::Result<()> {
    w.create_element("link")
        .with_attribute(("rel", rel))
        .with_attribute(("type", kind))
        .with_attribute(("href", xml_safe(href).as_ref()))
        .write_empty()?;
    Ok(())
}

/// Writes one feed. Its `updated` is the newest entry's, so the same
/// content gives the same bytes at any clock; only an empty feed, which has
/// no date of its own, takes the build clock.
fn write_feed(
    config: &SiteConfig,
    feed: &Feed,
    entries: &[Entry],
    now: Timestamp,
) -> io::Result<Vec<u8>> {
    let self_url = paths::absolute_url(config, &feed.path);
    let updated = entries.iter().map(|e| e.updated).max().unwrap_or(now);
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))?;
    w.create_element("feed")
        .with_attribute(("xmlns", ATOM_NS))
        .with_attribute(("xml:lang", xml_safe(&config.language).as_ref()))
        .write_inner_content(|w| {
            // The self URL is the feed's id: it is stable for as long as the
            // feed lives where readers subscribed to it.
            text_element(w, "id", &self_url)?;
            text_element(w, "title", &feed.title)?;
            text_element(w, "updated", &paths::utc_timestamp(updated))?;
            link(w, "self", "application/atom+xml", &self_url)?;
            link(w, "alternate", "text/html", &feed.alternate)?;
            author(w, config)?;
            w.create_element("generator")
                .with_attribute(("version", env!("CARGO_PKG_VERSION")))
                .write_text_content(BytesText::new("disclose"))?;
            for e in entries {
                write_entry(w, config, e)?;
            }
            Ok(())
        })?;
    let mut bytes = w.into_inner();
    bytes.push(b'\n');
    Ok(bytes)
}

fn write_entry<W: io::Write>(w: &mut Writer<W>, config: &SiteConfig, e: &Entry) -> io::Result<()> {
    w.create_element("entry").write_inner_content(|w| {
        text_element(w, "id", &e.id)?;
        text_element(w, "title", &e.title)?;
        text_element(w, "published", &paths::utc_timestamp(e.published))?;
        text_element(w, "updated", &paths::utc_timestamp(e.updated))?;
        link(w, "alternate", "text/html", &e.link)?;
        author(w, config)?;
        for c in &e.categories {
            w.create_element("category")
                .with_attribute(("term", xml_safe(&c.term).as_ref()))
                .with_attribute(("scheme", xml_safe(&c.scheme).as_ref()))
                .with_attribute(("label", xml_safe(&c.label).as_ref()))
                .write_empty()?;
        }
        w.create_element("content")
            .with_attribute(("type", "html"))
            .write_text_content(BytesText::new(&xml_safe(&e.content)))?;
        Ok(())
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_authority_is_the_bare_host() {
        let mut config: SiteConfig = toml::from_str(
            r#"title = "T"
base_url = "https://user@sec.example.org:8443/a/b/"
[project]
name = "P"
vendor = "V"
version_scheme = "semver"
[project.package]
ecosystem = "crates.io"
name = "p"
purl = "pkg:cargo/p"
[security_txt]
contact = ["mailto:s@e.org"]
[csaf]
publisher_name = "V"
namespace = "https://e.org"
category = "vendor"
"#,
        )
        .unwrap();
        assert_eq!(host(&config), "sec.example.org");
        config.base_url = "https://example.org/".into();
        assert_eq!(host(&config), "example.org");
    }

    #[test]
    fn notices_name_only_counts_and_severities() {
        assert_eq!(
            severities_phrase(&[Some("high".into())]),
            "1 issue of high severity"
        );
        assert_eq!(severities_phrase(&[None]), "1 issue, not rated");
        assert_eq!(
            severities_phrase(&[Some("high".into()), None]),
            "2 issues: high severity, not rated"
        );
    }

    #[test]
    fn characters_xml_cannot_carry_are_dropped() {
        assert_eq!(xml_safe("a\u{0}b\u{1b}c\td"), "abc\td");
        assert_eq!(xml_safe("plain ü"), "plain ü");
    }
}
