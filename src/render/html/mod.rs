//! The human site: archive, advisory pages, policy and other pages, version
//! tables, acknowledgments, pre-notifications, 404 and sitemap, rendered
//! from the theme's Tera templates with every URL relative, so the site
//! works under any base path and from disk.

pub mod builtin;
mod views;

use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Tera};

use super::{Output, RenderContext, RenderError, Target, paths};
use crate::diagnostic::Pos;
use crate::model::{Site, Theme};
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

/// One page to render: output path, template, context.
struct Job {
    path: String,
    template: &'static str,
    context: Context,
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

impl Target for Html {
    fn name(&self) -> &'static str {
        "html"
    }

    fn render(&self, ctx: &RenderContext<'_>) -> Result<Vec<Output>, RenderError> {
        let site = &ctx.public.site;
        let tera =
            compile_templates(&site.theme).map_err(|p| template_error(p.into_iter().next()))?;
        let jobs = jobs(ctx);
        let minify = site.config.minify.then(minify_config);
        let mut outputs: Vec<Output> = jobs
            .par_iter()
            .map(|job| {
                let html = tera
                    .render(job.template, &job.context)
                    .map_err(|e| template_error(Some(problem(&site.theme, &e))))?;
                let bytes = match &minify {
                    Some(cfg) => minify_html::minify(html.as_bytes(), cfg),
                    None => html.into_bytes(),
                };
                Ok(Output::new(job.path.clone(), bytes))
            })
            .collect::<Result<_, _>>()?;
        for (file, bytes) in &site.theme.static_files {
            outputs.push(Output::new(format!("static/{file}"), bytes.clone()));
        }
        outputs.push(Output::new("sitemap.xml", sitemap(site, &jobs)));
        Ok(outputs)
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

/// What every page's context shares, computed once per build.
struct Shared {
    site: tera::Value,
    series: Vec<SeriesView>,
}

impl Shared {
    fn new(ctx: &RenderContext<'_>) -> Self {
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
        Shared {
            site: tera::Value::try_from_serializable(&view).unwrap_or_else(|_| tera::Value::none()),
            series: site
                .releases
                .series
                .iter()
                .map(|s| SeriesView::new(s, site, ctx.now))
                .collect(),
        }
    }
}

fn base_context(ctx: &RenderContext<'_>, shared: &Shared, path: &str, title: &str) -> Context {
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
    c.insert("site", &shared.site);
    c.insert("series_nav", &shared.series);
    c.insert("feed_all", paths::FEED_ALL);
    c.insert("feed_announcements", paths::FEED_ANNOUNCEMENTS);
    c
}

fn summaries<'a>(
    site: &'a Site,
    filter: impl Fn(&crate::model::Advisory) -> bool + 'a,
) -> Vec<AdvisorySummary> {
    site.advisories
        .iter()
        .filter(|a| filter(a))
        .map(|a| AdvisorySummary::new(a, site))
        .collect()
}

fn jobs(ctx: &RenderContext<'_>) -> Vec<Job> {
    let public = ctx.public;
    let site = &public.site;
    let mut jobs = Vec::new();
    let shared = Shared::new(ctx);
    let announcements = announcements(&public.announcements);

    // Archive.
    let mut c = base_context(ctx, &shared, "index.html", &site.config.title);
    c.insert("years", &by_year(summaries(site, |_| true)));
    c.insert("count", &site.advisories.len());
    c.insert("announcements", &announcements);
    jobs.push(Job {
        path: "index.html".into(),
        template: "index.html",
        context: c,
    });

    // Severity filters: one archive per level, and one for unrated entries.
    let mut levels: Vec<Option<&str>> = site
        .config
        .severity
        .levels
        .iter()
        .map(|l| Some(l.as_str()))
        .collect();
    levels.push(None);
    for level in levels {
        let sev = SeverityView::of(level);
        let path = format!("severity/{}/index.html", sev.slug);
        let mut c = base_context(
            ctx,
            &shared,
            &path,
            &format!("{} advisories", capitalize(&sev.label)),
        );
        c.insert("severity", &sev);
        c.insert(
            "years",
            &by_year(summaries(site, |a| a.severity.as_deref() == level)),
        );
        jobs.push(Job {
            path,
            template: "severity.html",
            context: c,
        });
    }

    // Advisory pages.
    for a in &site.advisories {
        let path = format!("{}index.html", paths::advisory_page(a));
        let mut c = base_context(ctx, &shared, &path, &format!("{}: {}", a.id, a.title));
        c.insert("advisory", &AdvisoryDetail::new(a, site));
        jobs.push(Job {
            path,
            template: "advisory.html",
            context: c,
        });
    }

    // Content pages.
    for p in &site.pages {
        let path = format!("{}/index.html", p.slug);
        let mut c = base_context(ctx, &shared, &path, &p.title);
        c.insert(
            "page",
            &serde_json::json!({
                "title": p.title,
                "description": p.description,
                "content": crate::markdown::to_html(&p.body),
            }),
        );
        jobs.push(Job {
            path,
            template: "page.html",
            context: c,
        });
    }

    // Versions: support table and matrix; per series; per version.
    let series: Vec<SeriesView> = site
        .releases
        .series
        .iter()
        .map(|s| SeriesView::new(s, site, ctx.now))
        .collect();
    let mut c = base_context(ctx, &shared, "versions/index.html", "Supported versions");
    c.insert("series", &series);
    c.insert("matrix", &matrix(site));
    c.insert("build_date", &human_date(ctx.now));
    jobs.push(Job {
        path: "versions/index.html".into(),
        template: "versions.html",
        context: c,
    });
    for (s, view) in site.releases.series.iter().zip(series.iter()) {
        let path = format!("{}index.html", paths::series_page(&s.name));
        let mut c = base_context(
            ctx,
            &shared,
            &path,
            &format!("{} {}", site.config.project.name, s.name),
        );
        let versions = versions_of(s, site);
        let rows: Vec<_> = site
            .advisories
            .iter()
            .filter_map(|a| {
                let e = a.affected_entry(&s.name)?;
                Some(serde_json::json!({
                    "advisory": AdvisorySummary::new(a, site),
                    "introduced": e.introduced.as_ref().or(s.first_version()).map(|v| v.to_string()),
                    "fixed": e.fixed.as_ref().map(|v| v.to_string()),
                    "fixed_url": e.fixed.as_ref().map(|v| paths::version_page(&s.name, v.as_str())),
                }))
            })
            .collect();
        c.insert("series", view);
        c.insert("rows", &rows);
        c.insert("versions", &versions);
        for v in &versions {
            let vpath = format!("{}index.html", v.url);
            let mut vc = base_context(
                ctx,
                &shared,
                &vpath,
                &format!("{} {}", site.config.project.name, v.version),
            );
            vc.insert("series", view);
            vc.insert("version", v);
            jobs.push(Job {
                path: vpath,
                template: "version.html",
                context: vc,
            });
        }
        jobs.push(Job {
            path,
            template: "series.html",
            context: c,
        });
    }

    // Acknowledgments and pre-notifications.
    let mut c = base_context(ctx, &shared, "thanks/index.html", "Acknowledgments");
    c.insert("people", &thanks(public));
    jobs.push(Job {
        path: "thanks/index.html".into(),
        template: "thanks.html",
        context: c,
    });
    let mut c = base_context(
        ctx,
        &shared,
        "announcements/index.html",
        "Coming security releases",
    );
    c.insert("announcements", &announcements);
    jobs.push(Job {
        path: "announcements/index.html".into(),
        template: "announcements.html",
        context: c,
    });

    // 404: served at any depth, so its links are absolute.
    let mut c = base_context(ctx, &shared, "404.html", "Page not found");
    c.insert("root", &site.config.base_url);
    c.insert("home", &site.config.base_url);
    jobs.push(Job {
        path: "404.html".into(),
        template: "404.html",
        context: c,
    });
    jobs
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// Every page but the 404, with the advisory's last change as `lastmod`.
fn sitemap(site: &Site, jobs: &[Job]) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    let modified: std::collections::HashMap<String, jiff::Timestamp> = site
        .advisories
        .iter()
        .map(|a| (paths::advisory_page(a), a.modified))
        .collect();
    let mut pages: Vec<&str> = jobs
        .iter()
        .map(|j| j.path.as_str())
        .filter(|p| *p != "404.html")
        .collect();
    pages.sort();
    for p in pages {
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
