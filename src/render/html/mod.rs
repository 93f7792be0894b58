//! The human site: archive, advisory pages, policy and other pages, version
//! tables, acknowledgments, pre-notifications, 404 and sitemap, rendered
//! from the theme's Tera templates with every URL relative, so the site
//! works under any base path and from disk.

pub mod builtin;
pub(crate) mod release_views;
pub(crate) mod views;

use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Tera};

use super::{Output, RenderContext, RenderError, Sink, Target, paths};
use crate::diagnostic::Pos;
use crate::model::{Site, Theme};
use crate::release::SecurityRelease;
use release_views::{ReleaseDetail, ReleaseLink, ReleaseSummary};
use views::*;

/// A template problem, with where it is.
#[derive(Debug, Clone)]
pub struct TemplateProblem {
    pub origin: String,
    pub pos: Pos,
    pub message: String,
}

fn problem(theme: &Theme, err: &tera::Error) -> TemplateProblem {
    let origin_of = |name: &str| {
        theme
            .templates
            .get(name)
            .map_or_else(|| format!("templates/{name}"), |t| t.origin.clone())
    };
    match err.kind() {
        tera::ErrorKind::SyntaxError(r) | tera::ErrorKind::RenderingError(r) => TemplateProblem {
            origin: origin_of(r.filename()),
            pos: Pos::new(r.span().start_line as u32, r.span().start_col as u32 + 1),
            message: r.message().to_string(),
        },
        tera::ErrorKind::MissingParent { current, parent } => TemplateProblem {
            origin: origin_of(current),
            pos: Pos::START,
            message: format!("extends `{parent}`, which does not exist"),
        },
        tera::ErrorKind::TemplateNotFound(name) => TemplateProblem {
            origin: "templates".into(),
            pos: Pos::START,
            message: format!("template `{name}` does not exist"),
        },
        other => TemplateProblem {
            origin: "templates".into(),
            pos: Pos::START,
            message: other.to_string(),
        },
    }
}

fn new_engine() -> Tera {
    let mut tera = Tera::new();
    tera.autoescape_on(vec![".html", ".xml"]);
    tera
}

/// Compiles the theme's templates; reports every syntax error, then any
/// error in how they extend or include each other.
pub fn compile_templates(theme: &Theme) -> Result<Tera, Vec<TemplateProblem>> {
    let mut problems = Vec::new();
    for (name, source) in &theme.templates {
        let mut scratch = new_engine();
        if let Err(e) = scratch.add_raw_template(name, &source.text)
            && matches!(e.kind(), tera::ErrorKind::SyntaxError(_))
        {
            problems.push(problem(theme, &e));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut tera = new_engine();
    tera.add_raw_templates(
        theme
            .templates
            .iter()
            .map(|(n, s)| (n.as_str(), s.text.as_str())),
    )
    .map_err(|e| vec![problem(theme, &e)])?;
    Ok(tera)
}

pub struct Html;

/// One page of the site. Pages are listed first and their template
/// contexts built only while rendering, in parallel, so a large site never
/// holds every page's data at once.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Page {
    Archive,
    /// The archive filtered to one level of the scale; `None` is not rated.
    Severity(Option<usize>),
    Advisory(usize),
    Content(usize),
    Versions,
    Series(usize),
    /// A release: series index, version index.
    Version(usize, usize),
    Thanks,
    Announcements,
    /// The index of security releases.
    Releases,
    /// One security release, by its index in [`Shared::releases`].
    Release(usize),
    NotFound,
}

impl Target for Html {
    fn name(&self) -> &'static str {
        "html"
    }

    /// The pages, the theme's files and the sitemap: whatever no other
    /// target claims.
    fn claims(&self, path: &str) -> bool {
        super::targets()
            .iter()
            .filter(|t| t.name() != self.name())
            .all(|t| !t.claims(path))
    }

    /// Pages go to `sink` as they are rendered, in parallel, so a large
    /// site is never held in memory whole.
    fn stream(&self, ctx: &RenderContext<'_>, sink: &dyn Sink) -> Result<(), RenderError> {
        let pages = Pages::new(ctx)?;
        pages.list.par_iter().try_for_each(|(path, page)| {
            sink.put(Output::new(path.clone(), pages.render_page(*page, path)?))
        })?;
        pages.extras().into_iter().try_for_each(|o| sink.put(o))
    }
}

/// The HTML site of one build, ready to render any of its pages on its own:
/// the whole site for `build`, one page at a time for the preview.
pub struct Pages<'a> {
    ctx: &'a RenderContext<'a>,
    tera: Tera,
    shared: Shared<'a>,
    /// Every page with its output path, in a fixed order.
    list: Vec<(String, Page)>,
    by_path: std::collections::HashMap<String, Page>,
    minify: Option<minify_html::Cfg>,
}

impl<'a> Pages<'a> {
    /// Compiles the theme and computes what the pages share.
    pub fn new(ctx: &'a RenderContext<'a>) -> Result<Self, RenderError> {
        let site = &ctx.public.site;
        let tera =
            compile_templates(&site.theme).map_err(|p| template_error(p.into_iter().next()))?;
        let shared = Shared::new(ctx);
        let list: Vec<(String, Page)> = pages(site, shared.releases.len())
            .into_iter()
            .map(|page| (page_path(site, &shared, page), page))
            .collect();
        let by_path = list.iter().map(|(p, page)| (p.clone(), *page)).collect();
        Ok(Pages {
            ctx,
            tera,
            shared,
            list,
            by_path,
            minify: site.config.minify.then(minify_config),
        })
    }

    /// The output path of every page.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.list.iter().map(|(p, _)| p.as_str())
    }

    /// Whether a page is at `path`.
    pub fn has(&self, path: &str) -> bool {
        self.by_path.contains_key(path)
    }

    /// The page at `path`, rendered; `None` when no page is there.
    pub fn render(&self, path: &str) -> Option<Result<Vec<u8>, RenderError>> {
        let page = *self.by_path.get(path)?;
        Some(self.render_page(page, path))
    }

    fn render_page(&self, page: Page, path: &str) -> Result<Vec<u8>, RenderError> {
        let site = &self.ctx.public.site;
        let context = page_context(self.ctx, &self.shared, page, path);
        let html = self
            .tera
            .render(page_template(page), &context)
            .map_err(|e| template_error(Some(problem(&site.theme, &e))))?;
        Ok(match &self.minify {
            Some(cfg) => minify_html::minify(html.as_bytes(), cfg),
            None => html.into_bytes(),
        })
    }

    /// What the site holds besides its pages: the theme's static files and
    /// the sitemap.
    pub fn extras(&self) -> Vec<Output> {
        let site = &self.ctx.public.site;
        let mut out: Vec<Output> = site
            .theme
            .static_files
            .iter()
            .map(|(file, bytes)| Output::new(format!("static/{file}"), bytes.clone()))
            .collect();
        out.push(Output::new(
            "sitemap.xml",
            sitemap(site, self.paths().map(str::to_string)),
        ));
        out
    }
}

/// Minification that keeps pages valid HTML: optional closing tags may go,
/// but the doctype, `<html lang>` and `<head>` stay as the standard wants.
fn minify_config() -> minify_html::Cfg {
    let mut cfg = minify_html::Cfg::new();
    cfg.keep_html_and_head_opening_tags = true;
    cfg.minify_doctype = false;
    cfg.minify_css = true;
    cfg.keep_closing_tags = true;
    cfg
}

fn template_error(p: Option<TemplateProblem>) -> RenderError {
    let message = p.map_or_else(
        || "the theme's templates do not compile".to_string(),
        |p| {
            format!(
                "{}:{}:{}: {}",
                p.origin, p.pos.line, p.pos.column, p.message
            )
        },
    );
    RenderError {
        target: "html",
        message,
    }
}

/// The relative path from a page to the site root.
fn root_of(path: &str) -> String {
    "../".repeat(path.matches('/').count())
}

#[derive(Serialize)]
struct SiteView<'a> {
    title: &'a str,
    language: &'a str,
    base_url: &'a str,
    project: &'a str,
    vendor: &'a str,
    repository: Option<&'a str>,
    levels: Vec<SeverityView>,
    has_policy: bool,
    generator: String,
}

/// What every page's context shares, computed once per build.
struct Shared<'a> {
    site: tera::Value,
    series: Vec<SeriesView>,
    series_nav: tera::Value,
    summaries: Summaries,
    announcements: tera::Value,
    /// Newest first.
    releases: Vec<SecurityRelease<'a>>,
    /// Advisory id → its release.
    release_links: std::collections::HashMap<String, ReleaseLink>,
    /// The published releases that were announced beforehand, newest first.
    past_announcements: tera::Value,
}

impl<'a> Shared<'a> {
    fn new(ctx: &RenderContext<'a>) -> Self {
        let site = &ctx.public.site;
        let view = SiteView {
            title: &site.config.title,
            language: &site.config.language,
            base_url: &site.config.base_url,
            project: &site.config.project.name,
            vendor: &site.config.project.vendor,
            repository: site.config.project.repository.as_deref(),
            levels: site
                .config
                .severity
                .levels
                .iter()
                .map(|l| SeverityView::of(Some(l)))
                .collect(),
            has_policy: site.page("policy").is_some(),
            generator: format!("disclose {}", env!("CARGO_PKG_VERSION")),
        };
        let series: Vec<SeriesView> = site
            .releases
            .series
            .iter()
            .map(|s| SeriesView::new(s, site, ctx.now))
            .collect();
        let releases = crate::release::releases(ctx.public);
        let release_links = release_views::release_links(&releases, &site.config.project.name);
        let past: Vec<ReleaseSummary> = releases
            .iter()
            .filter(|r| r.announced.is_some())
            .map(|r| ReleaseSummary::new(r, site))
            .collect();
        Shared {
            site: tera::Value::from_serializable(&view),
            series_nav: tera::Value::from_serializable(&series),
            series,
            summaries: Summaries::new(site, &release_links),
            announcements: tera::Value::from_serializable(&announcements(
                &ctx.public.announcements,
            )),
            past_announcements: tera::Value::from_serializable(&past),
            releases,
            release_links,
        }
    }
}

fn base_context(ctx: &RenderContext<'_>, shared: &Shared<'_>, path: &str, title: &str) -> Context {
    let site = &ctx.public.site;
    let mut c = Context::new();
    let root = root_of(path);
    c.insert("root", &root);
    c.insert(
        "home",
        &if root.is_empty() {
            "./".to_string()
        } else {
            root.clone()
        },
    );
    c.insert("path", path);
    c.insert("page_title", title);
    let canonical_path = path.strip_suffix("index.html").unwrap_or(path);
    c.insert(
        "canonical",
        &paths::absolute_url(&site.config, canonical_path),
    );
    c.insert_value("site", shared.site.clone());
    c.insert_value("series_nav", shared.series_nav.clone());
    c.insert("feed_all", paths::FEED_ALL);
    c.insert("feed_announcements", paths::FEED_ANNOUNCEMENTS);
    c.insert("feed_releases", paths::FEED_RELEASES);
    c.insert("preview", &ctx.preview);
    c
}

/// Every page of the site, in a fixed order.
fn pages(site: &Site, releases: usize) -> Vec<Page> {
    let mut pages = vec![Page::Archive];
    pages.extend((0..site.config.severity.levels.len()).map(|i| Page::Severity(Some(i))));
    pages.push(Page::Severity(None));
    pages.extend((0..site.advisories.len()).map(Page::Advisory));
    pages.extend((0..site.pages.len()).map(Page::Content));
    pages.push(Page::Versions);
    for (i, s) in site.releases.series.iter().enumerate() {
        pages.push(Page::Series(i));
        pages.extend((0..s.versions.len()).map(|v| Page::Version(i, v)));
    }
    pages.extend([Page::Thanks, Page::Announcements, Page::Releases]);
    pages.extend((0..releases).map(Page::Release));
    pages.push(Page::NotFound);
    pages
}

fn level(site: &Site, index: Option<usize>) -> Option<&str> {
    index.and_then(|i| site.config.severity.levels.get(i).map(String::as_str))
}

fn page_path(site: &Site, shared: &Shared<'_>, page: Page) -> String {
    match page {
        Page::Archive => "index.html".into(),
        Page::Severity(l) => format!(
            "severity/{}/index.html",
            SeverityView::of(level(site, l)).slug
        ),
        Page::Advisory(i) => format!("{}index.html", paths::advisory_page(&site.advisories[i])),
        Page::Content(i) => format!("{}/index.html", site.pages[i].slug),
        Page::Versions => "versions/index.html".into(),
        Page::Series(i) => format!(
            "{}index.html",
            paths::series_page(&site.releases.series[i].name)
        ),
        Page::Version(s, v) => {
            let series = &site.releases.series[s];
            format!(
                "{}index.html",
                paths::version_page(&series.name, series.versions[v].version.as_str())
            )
        }
        Page::Thanks => "thanks/index.html".into(),
        Page::Announcements => "announcements/index.html".into(),
        Page::Releases => format!("{}index.html", paths::RELEASES_PAGE),
        Page::Release(i) => format!(
            "{}index.html",
            paths::release_page(&shared.releases[i].slug)
        ),
        Page::NotFound => "404.html".into(),
    }
}

fn page_template(page: Page) -> &'static str {
    match page {
        Page::Archive => "index.html",
        Page::Severity(_) => "severity.html",
        Page::Advisory(_) => "advisory.html",
        Page::Content(_) => "page.html",
        Page::Versions => "versions.html",
        Page::Series(_) => "series.html",
        Page::Version(..) => "version.html",
        Page::Thanks => "thanks.html",
        Page::Announcements => "announcements.html",
        Page::Releases => "releases.html",
        Page::Release(_) => "release.html",
        Page::NotFound => "404.html",
    }
}

fn page_context(ctx: &RenderContext<'_>, shared: &Shared<'_>, page: Page, path: &str) -> Context {
    let public = ctx.public;
    let site = &public.site;
    let project = &site.config.project.name;
    let summaries = &shared.summaries;
    match page {
        Page::Archive => {
            let mut c = base_context(ctx, shared, path, &site.config.title);
            c.insert("years", &summaries.by_year(site, |_| true));
            c.insert("count", &site.advisories.len());
            c.insert_value("announcements", shared.announcements.clone());
            c
        }
        Page::Severity(l) => {
            let level = level(site, l);
            let sev = SeverityView::of(level);
            let title = format!("{} advisories", capitalize(&sev.label));
            let mut c = base_context(ctx, shared, path, &title);
            c.insert("severity", &sev);
            c.insert(
                "years",
                &summaries.by_year(site, |a| a.severity.as_deref() == level),
            );
            c
        }
        Page::Advisory(i) => {
            let a = &site.advisories[i];
            let mut c = base_context(ctx, shared, path, &format!("{}: {}", a.id, a.title));
            let release = shared.release_links.get(a.id.as_str()).cloned();
            c.insert("advisory", &AdvisoryDetail::new(a, site, release));
            c
        }
        Page::Content(i) => {
            let p = &site.pages[i];
            let mut c = base_context(ctx, shared, path, &p.title);
            c.insert(
                "page",
                &serde_json::json!({
                    "title": p.title,
                    "description": p.description,
                    "content": crate::markdown::to_html(&p.body),
                }),
            );
            c
        }
        Page::Versions => {
            let mut c = base_context(ctx, shared, path, "Supported versions");
            c.insert("series", &shared.series);
            c.insert("matrix", &summaries.matrix(site));
            c.insert("build_date", &human_date(ctx.now));
            c
        }
        Page::Series(i) => {
            let s = &site.releases.series[i];
            let mut c = base_context(ctx, shared, path, &format!("{project} {}", s.name));
            c.insert("series", &shared.series[i]);
            c.insert("rows", &summaries.series_rows(s, site));
            c.insert("versions", &summaries.versions_of(s, site));
            c
        }
        Page::Version(si, vi) => {
            let s = &site.releases.series[si];
            let version = summaries.version(s, &s.versions[vi], site);
            let title = format!("{project} {}", version.version);
            let mut c = base_context(ctx, shared, path, &title);
            c.insert("series", &shared.series[si]);
            c.insert("version", &version);
            c
        }
        Page::Thanks => {
            let mut c = base_context(ctx, shared, path, "Acknowledgments");
            c.insert("people", &thanks(public));
            c
        }
        Page::Announcements => {
            let mut c = base_context(ctx, shared, path, "Coming security releases");
            c.insert_value("announcements", shared.announcements.clone());
            c.insert_value("past", shared.past_announcements.clone());
            c
        }
        Page::Releases => {
            let mut c = base_context(ctx, shared, path, "Security releases");
            c.insert("years", &release_views::by_year(&shared.releases, site));
            c
        }
        Page::Release(i) => {
            let r = &shared.releases[i];
            let mut c = base_context(ctx, shared, path, &r.title(project));
            c.insert(
                "release",
                &ReleaseDetail::new(r, site, &shared.release_links),
            );
            c
        }
        Page::NotFound => {
            // Served at any depth, so its links are absolute.
            let mut c = base_context(ctx, shared, path, "Page not found");
            c.insert("root", &site.config.base_url);
            c.insert("home", &site.config.base_url);
            c
        }
    }
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// Every page but the 404, with the advisory's last change as `lastmod`.
fn sitemap(site: &Site, page_paths: impl Iterator<Item = String>) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    let modified: std::collections::HashMap<String, jiff::Timestamp> = site
        .advisories
        .iter()
        .map(|a| (paths::advisory_page(a), a.modified))
        .collect();
    let mut pages: Vec<String> = page_paths.filter(|p| p != "404.html").collect();
    pages.sort();
    for p in &pages {
        let dir = p.strip_suffix("index.html").unwrap_or(p);
        xml.push_str("  <url><loc>");
        xml.push_str(&super::escape_html(&paths::absolute_url(&site.config, dir)));
        xml.push_str("</loc>");
        if let Some(a) = modified.get(dir) {
            xml.push_str("<lastmod>");
            xml.push_str(&paths::utc_timestamp(*a));
            xml.push_str("</lastmod>");
        }
        xml.push_str("</url>\n");
    }
    xml.push_str("</urlset>\n");
    xml
}
