//! The release-day mails, for the announce list and for oss-security:
//! headers folded at 72 columns, then a plain-text body every line of which
//! fits in 72 columns unless it is one long word (a URL) or code.

use std::fmt::Write as _;

use super::{advice_lines, ids_of, patches, records, severity, severity_of};
use crate::config::SiteConfig;
use crate::embargo::PublicSite;
use crate::prenotify::{affected_range, policy_url};
use crate::release::SecurityRelease;
use crate::render::html::views::series_row;
use crate::render::paths;
use crate::text::{WIDTH, heading, item, paragraph, trim_end};

/// An RFC 5322 message: headers, folded at [`WIDTH`], then the body.
pub(super) fn mail(config: &SiteConfig, to: Option<&str>, subject: &str, body: &str) -> String {
    let mut t = String::new();
    if let Some(from) = config.disclosure.sender(config) {
        header(&mut t, "From", &from);
    }
    if let Some(to) = to {
        header(&mut t, "To", to);
    }
    header(&mut t, "Subject", subject);
    header(&mut t, "Content-Type", "text/plain; charset=utf-8");
    t.push('\n');
    t.push_str(body);
    t
}

/// One header field, folded before a word that would pass [`WIDTH`].
fn header(t: &mut String, name: &str, value: &str) {
    let mut len = name.len() + 1;
    t.push_str(name);
    t.push(':');
    for word in value.split_whitespace() {
        let n = word.chars().count();
        if len + 1 + n > WIDTH && len > name.len() + 1 {
            t.push('\n');
            len = 0;
        }
        t.push(' ');
        t.push_str(word);
        len += 1 + n;
    }
    t.push('\n');
}

/// The mail body: plain text, every line within [`WIDTH`] columns unless it
/// is one long word (a URL).
pub(super) fn mail_body(public: &PublicSite, r: &SecurityRelease<'_>) -> String {
    let site = &public.site;
    let config = &site.config;
    let url = |path: &str| paths::absolute_url(config, path);
    let mut t = String::new();
    heading(&mut t, 1, &r.title(&config.project.name));
    paragraph(&mut t, &super::opening(public, r));
    paragraph(
        &mut t,
        &format!(
            "Everything about this release is on its page: {}",
            url(&paths::release_page(&r.slug))
        ),
    );

    heading(&mut t, 2, "Issues");
    for a in &r.advisories {
        item(
            &mut t,
            &format!("{}, {}: {}", ids_of(a), severity(a), a.title),
        );
    }
    t.push('\n');

    for a in &r.advisories {
        heading(&mut t, 2, &ids_of(a));
        paragraph(&mut t, &a.title);
        if a.is_withdrawn() {
            let reason = a.withdrawn.as_ref().map_or("", |w| w.reason.as_str());
            paragraph(&mut t, &format!("This advisory was withdrawn: {reason}"));
        }
        item(&mut t, &format!("Severity: {}", severity_of(a)));
        if !a.cwe.is_empty() {
            let cwe: Vec<String> = a.cwe.iter().map(|c| c.label_in_parens()).collect();
            item(&mut t, &format!("Weakness: {}", cwe.join(", ")));
        }
        item(
            &mut t,
            &format!("Advisory: {}", url(&paths::advisory_page(a))),
        );
        t.push('\n');
        let _ = writeln!(t, "{}", crate::text::reflow_markdown(&a.details));

        heading(&mut t, 3, "Affected versions");
        for s in &site.releases.series {
            let row = series_row(a, s);
            if row.state == "not-evaluated" {
                continue;
            }
            let mut line = format!("{} {}: {}", config.project.name, row.series, row.label);
            if let Some(range) = affected_range(&row) {
                let _ = write!(line, " ({range})");
            }
            if let Some(fixed) = &row.fixed {
                let _ = write!(line, "; fixed in {fixed}");
            }
            item(&mut t, &line);
        }
        t.push('\n');

        let patches = patches(a);
        if !patches.is_empty() {
            heading(&mut t, 3, "Patches");
            for (what, url) in patches {
                item(&mut t, &format!("{what}: {url}"));
            }
            t.push('\n');
        }

        if !a.credits.is_empty() {
            heading(&mut t, 3, "Credits");
            for c in &a.credits {
                item(&mut t, &format!("{} ({})", c.name, c.kind.label()));
            }
            t.push('\n');
        }

        heading(&mut t, 3, "Records");
        for (kind, path) in records(config, a) {
            item(&mut t, &format!("{kind}: {}", url(&path)));
        }
        t.push('\n');
    }

    heading(&mut t, 2, "What to do");
    let (lines, note) = advice_lines(site, r);
    for l in &lines {
        item(&mut t, l);
    }
    if !lines.is_empty() {
        t.push('\n');
    }
    if let Some(note) = note {
        paragraph(&mut t, &note);
    }

    heading(&mut t, 2, "Reporting security issues");
    let contact = config
        .security_txt
        .contact
        .first()
        .map(|c| c.trim_start_matches("mailto:").to_string());
    paragraph(
        &mut t,
        &format!(
            "Report security issues in {} privately{}, never in a public issue \
             tracker or mailing list. Our security policy: {}",
            config.project.name,
            contact.map(|c| format!(" to {c}")).unwrap_or_default(),
            policy_url(site)
        ),
    );
    paragraph(
        &mut t,
        &format!(
            "Every advisory: {} · Security releases: {}",
            url(""),
            url(paths::FEED_RELEASES)
        ),
    );
    trim_end(t)
}
