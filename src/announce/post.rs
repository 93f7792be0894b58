//! The announcement post for the project's blog: Markdown with YAML front
//! matter (title and date), as blog engines read it, every link absolute.

use std::fmt::Write as _;

use super::{advice_lines, ids_of, opening, records, severity};
use crate::embargo::PublicSite;
use crate::prenotify::{affected_range, cvss_label, policy_url};
use crate::release::SecurityRelease;
use crate::render::html::views::series_row;
use crate::render::paths;
use crate::text::{and_list, paragraph, trim_end};

/// The announcement post: Markdown with YAML front matter (title and date),
/// as blog engines read it, every link absolute.
pub(super) fn post_text(public: &PublicSite, r: &SecurityRelease<'_>) -> String {
    let site = &public.site;
    let config = &site.config;
    let url = |path: &str| paths::absolute_url(config, path);
    let project = &config.project.name;
    let title = r.title(project);
    let mut t = String::new();
    let _ = writeln!(
        t,
        "---\ntitle: {}\ndate: {}\n---\n",
        serde_json::to_string(&title).unwrap_or_default(),
        paths::utc_timestamp(r.published)
    );
    paragraph(&mut t, &opening(public, r));
    paragraph(
        &mut t,
        &format!(
            "The [release page]({}) has every detail, and the [Atom feed of security releases]({}) \
             tells of the next ones.",
            url(&paths::release_page(&r.slug)),
            url(paths::FEED_RELEASES)
        ),
    );
    for a in &r.advisories {
        let _ = writeln!(t, "## {}: {}\n", ids_of(a), a.title);
        let cvss = a
            .cvss
            .as_ref()
            .map(|c| format!(" {}.", cvss_label(c)))
            .unwrap_or_default();
        paragraph(
            &mut t,
            &format!(
                "Severity: **{}**.{cvss} [Advisory {}]({}).",
                severity(a),
                a.id,
                url(&paths::advisory_page(a))
            ),
        );
        let _ = writeln!(t, "{}\n", a.details.trim());
        let _ = writeln!(t, "### Affected versions\n");
        for s in &site.releases.series {
            let row = series_row(a, s);
            if row.state == "not-evaluated" {
                continue;
            }
            let mut line = format!("* {project} {}: {}", row.series, row.label);
            if let Some(range) = affected_range(&row) {
                let _ = write!(line, " ({range})");
            }
            if let (Some(fixed), Some(page)) = (&row.fixed, &row.fixed_url) {
                let _ = write!(line, "; fixed in [{fixed}]({})", url(page));
            }
            for p in &row.patches {
                let _ = write!(line, "; [{}]({})", p.label, p.url);
            }
            let _ = writeln!(t, "{line}");
        }
        t.push('\n');
        if !a.credits.is_empty() {
            let names: Vec<String> = a
                .credits
                .iter()
                .map(|c| format!("{} ({})", c.name, c.kind.label()))
                .collect();
            paragraph(&mut t, &format!("Thanks to {}.", and_list(&names)));
        }
        let links: Vec<String> = records(config, a)
            .into_iter()
            .map(|(kind, path)| format!("[{kind}]({})", url(&path)))
            .collect();
        paragraph(&mut t, &format!("Records: {}.", links.join(" · ")));
    }
    let _ = writeln!(t, "## What to do\n");
    let (lines, note) = advice_lines(site, r);
    for l in &lines {
        let _ = writeln!(t, "* {l}");
    }
    if !lines.is_empty() {
        t.push('\n');
    }
    if let Some(note) = note {
        paragraph(&mut t, &note);
    }
    let _ = writeln!(t, "## Reporting security issues\n");
    paragraph(
        &mut t,
        &format!(
            "Report security issues in {project} privately, as our [security policy]({}) \
             describes, never in a public issue tracker.",
            policy_url(site)
        ),
    );
    trim_end(t)
}
