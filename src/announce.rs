//! The release-day texts of a security release, from the same model as its
//! page: the announcement post for the project's blog (Markdown), the mails
//! for the project's announce list and for oss-security (plain text at 72
//! columns, with their headers), and the CVE publication step (a script of
//! `cve` commands of the CVE Services client, cvelib, with the CNA containers
//! of the release's CVE records). The mails are clear-signed when a key is
//! configured.
//!
//! The texts describe the site as it is at the release's publish time, so
//! they can be prepared and reviewed while the release is under embargo;
//! they are never written into the published site, and they are scanned so
//! that nothing of a release published later appears in them.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use jiff::Timestamp;

use crate::config::{OSS_SECURITY, SiteConfig};
use crate::embargo::{self, PublicSite};
use crate::model::{Advisory, Site};
use crate::prenotify::{affected_range, cvss_label, policy_url};
use crate::release::{self, Advice, SecurityRelease};
use crate::render::atom::severities_phrase;
use crate::render::html::views::series_row;
use crate::render::{Output, RenderContext, Signer, Target, paths};
use crate::text::{WIDTH, and_list, count, heading, human_date, item, paragraph, trim_end};
use crate::{BuildError, Options, output};

/// Why no texts were made.
#[derive(Debug, thiserror::Error)]
pub enum AnnounceError {
    #[error(transparent)]
    Build(#[from] BuildError),
    #[error("the site has no advisories, so no security release to announce")]
    NoRelease,
    #[error(
        "no security release `{0}`: name one by its date as on its page (e.g. 2026-11-04), its publish time, or one of its advisories"
    )]
    UnknownRelease(String),
}

/// The texts of one security release, before they are written.
#[derive(Debug)]
pub struct ReleaseDay {
    pub now: Timestamp,
    pub release_at: Timestamp,
    /// The release's page segment, as on the site.
    pub slug: String,
    pub title: String,
    /// Its advisories, highest severity first.
    pub advisories: Vec<String>,
    pub cve_ids: Vec<String>,
    /// The post, the mails and the CVE publication files.
    pub texts: Vec<Output>,
    /// The fingerprint of the key that signed the mails, if any.
    pub signed_by: Option<String>,
    /// Whom the announce-list mail is addressed to (`[disclosure]
    /// announce_list`); without it the mail has no `To:`.
    pub announce_list: Option<String>,
}

impl ReleaseDay {
    /// Whether the release is published after the clock: the texts are for
    /// review, not to be sent yet.
    pub fn under_embargo(&self) -> bool {
        self.release_at > self.now
    }
}

/// Makes the texts of the release `query` names (its slug, its publish time
/// or one of its advisories); without one, of the next coming release, or
/// when none is coming, of the latest published one.
pub fn prepare(opts: &Options, query: Option<&str>) -> Result<ReleaseDay, AnnounceError> {
    let mut report = crate::check(opts).map_err(BuildError::from)?;
    let Some(site) = report.site.take() else {
        return Err(BuildError::Content(Box::new(report)).into());
    };
    let key = crate::load_signing_key(opts, &site.config).map_err(BuildError::from)?;
    let signer = key.as_ref().map(|k| k as &dyn Signer);
    let release_at = choose(&site, query, opts.now)?;

    // The site as it is published at the release: what the texts link to.
    let at_release = embargo::apply(site, release_at);
    let public = &at_release.public;
    let releases = release::releases(public);
    let r = releases
        .iter()
        .find(|r| r.published == release_at)
        .ok_or_else(|| AnnounceError::UnknownRelease(paths::utc_timestamp(release_at)))?;

    let config = &public.site.config;
    let mut texts = vec![Output::new(
        paths::announce_post(&r.slug),
        post_text(public, r),
    )];
    let body = mail_body(public, r);
    let signed_body = match signer {
        Some(k) => k.clearsign(&body).map_err(BuildError::Render)?,
        None => body,
    };
    let title = r.title(&config.project.name);
    let announce_to = config.disclosure.announce_list.as_deref();
    texts.push(Output::new(
        paths::announce_mail(&r.slug),
        mail(config, announce_to, &title, &signed_body),
    ));
    if config.disclosure.oss_security {
        let subject = match r.cve_ids().as_slice() {
            [] => title.clone(),
            cves => format!(
                "{} {}: {}",
                config.project.name,
                r.version_list(),
                cves.join(", ")
            ),
        };
        texts.push(Output::new(
            paths::announce_oss_security_mail(&r.slug),
            mail(config, Some(OSS_SECURITY), &subject, &signed_body),
        ));
    }
    texts.extend(cve_step(public, r)?);
    // Nothing of a release published later may be in these texts.
    output::scan_for_leaks(&texts, &at_release.forbidden_tokens()).map_err(BuildError::from)?;

    Ok(ReleaseDay {
        now: opts.now,
        release_at,
        slug: r.slug.clone(),
        title,
        advisories: r.advisories.iter().map(|a| a.id.to_string()).collect(),
        cve_ids: r.cve_ids(),
        texts,
        signed_by: key.as_ref().map(Signer::fingerprint),
        announce_list: announce_to.map(str::to_string),
    })
}

/// Prepares the texts and writes them into `out`, beside what is there.
/// `out` must not be inside the published site.
pub fn write(
    opts: &Options,
    query: Option<&str>,
    out: &Path,
) -> Result<(ReleaseDay, Vec<PathBuf>), AnnounceError> {
    output::check_private_out_dir(&opts.root.join("public"), out).map_err(BuildError::from)?;
    let made = prepare(opts, query)?;
    let written = output::write_files(out, &made.texts).map_err(BuildError::from)?;
    Ok((made, written))
}

/// The publish time of the release asked for.
fn choose(site: &Site, query: Option<&str>, now: Timestamp) -> Result<Timestamp, AnnounceError> {
    let times = site.advisories.iter().map(|a| a.published.at);
    let Some(query) = query else {
        let next = times.clone().filter(|t| *t > now).min();
        return next
            .or_else(|| times.filter(|t| *t <= now).max())
            .ok_or(AnnounceError::NoRelease);
    };
    // Every release, as the site will have published them all: a slug only
    // depends on the releases before it, so it is the slug its page gets.
    let everything = embargo::apply(site.clone(), Timestamp::MAX);
    let all = release::releases(&everything.public);
    release::find(&all, query)
        .map(|r| r.published)
        .ok_or_else(|| AnnounceError::UnknownRelease(query.to_string()))
}

/// An RFC 5322 message: headers, folded at [`WIDTH`], then the body.
fn mail(config: &SiteConfig, to: Option<&str>, subject: &str, body: &str) -> String {
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

fn ids_of(a: &Advisory) -> String {
    let cves: Vec<String> = a.cve_ids().iter().map(|c| c.to_string()).collect();
    if cves.is_empty() {
        a.id.to_string()
    } else if cves.iter().any(|c| c == a.id.as_str()) {
        cves.join(", ")
    } else {
        format!("{} ({})", cves.join(", "), a.id)
    }
}

fn severity_of(a: &Advisory) -> String {
    let level = a.severity.as_deref().unwrap_or("not rated");
    match &a.cvss {
        Some(c) => format!("{level}; {}", cvss_label(c)),
        None => level.to_string(),
    }
}

/// The opening of both texts: which versions are issued and why.
fn opening(public: &PublicSite, r: &SecurityRelease<'_>) -> String {
    let project = &public.site.config.project.name;
    let fixes = severities_phrase(&r.severities());
    let versions: Vec<String> = r
        .versions
        .iter()
        .map(|v| format!("{project} {}", v.version))
        .collect();
    if versions.is_empty() {
        let n = r.advisories.len();
        format!(
            "In accordance with our security policy, the {project} team publishes {} \
             on {}, about {fixes}. No release of {project} fixes {} yet; the patches are below.",
            count(n, "advisory", "advisories"),
            human_date(r.published),
            if n == 1 { "it" } else { "them" }
        )
    } else {
        format!(
            "In accordance with our security policy, the {project} team is issuing {}. \
             {} {fixes}. We encourage every user of {project} to upgrade as soon as possible.",
            and_list(&versions),
            if versions.len() == 1 {
                "This release fixes"
            } else {
                "These releases fix"
            }
        )
    }
}

/// One advice line per series, and the sentence about unsupported ones.
fn advice_lines(site: &Site, r: &SecurityRelease<'_>) -> (Vec<String>, Option<String>) {
    let project = &site.config.project.name;
    let mut lines = Vec::new();
    let mut unsupported = Vec::new();
    for s in &site.releases.series {
        let line = match r.advice(s) {
            Some(Advice::Upgrade(v)) => format!("{project} {}: upgrade to {v}", s.name),
            Some(Advice::Branch) => format!("{project} {}: the fixes are on the branch", s.name),
            Some(Advice::NoFix) => format!("{project} {}: affected, no fix released yet", s.name),
            Some(Advice::NotAffected) => format!("{project} {}: not affected", s.name),
            Some(Advice::Unsupported) => {
                unsupported.push(s.name.as_str());
                continue;
            }
            None => continue,
        };
        lines.push(line);
    }
    let note = (!unsupported.is_empty()).then(|| {
        format!(
            "{project} {} {} no longer supported and {} not evaluated: upgrade to a \
             supported series.",
            and_list(&unsupported),
            if unsupported.len() == 1 { "is" } else { "are" },
            if unsupported.len() == 1 {
                "was"
            } else {
                "were"
            },
        )
    });
    (lines, note)
}

/// The mail body: plain text, every line within [`WIDTH`] columns unless it
/// is one long word (a URL).
pub fn mail_body(public: &PublicSite, r: &SecurityRelease<'_>) -> String {
    let site = &public.site;
    let config = &site.config;
    let url = |path: &str| paths::absolute_url(config, path);
    let mut t = String::new();
    heading(&mut t, 1, &r.title(&config.project.name));
    paragraph(&mut t, &opening(public, r));
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

fn severity(a: &Advisory) -> &str {
    a.severity.as_deref().unwrap_or("not rated")
}

/// `(where, URL)` of every patch that has a URL, in the advisory's order.
fn patches(a: &Advisory) -> Vec<(String, String)> {
    a.affected
        .iter()
        .flat_map(|e| {
            e.patches.iter().filter_map(move |p| {
                let url = p.url.clone()?;
                let what = p
                    .label
                    .clone()
                    .unwrap_or_else(|| format!("{} series", e.series));
                Some((what, url))
            })
        })
        .collect()
}

/// `(kind, path)` of the machine-readable records of an advisory.
fn records(config: &SiteConfig, a: &Advisory) -> Vec<(&'static str, String)> {
    let mut out = vec![
        ("OSV", paths::osv_record(config, a)),
        ("CSAF", paths::csaf_document(a)),
    ];
    out.extend(
        a.cve_ids()
            .iter()
            .map(|c| ("CVE JSON 5", paths::cve_record(c))),
    );
    out
}

/// The announcement post: Markdown with YAML front matter (title and date),
/// as blog engines read it, every link absolute.
pub fn post_text(public: &PublicSite, r: &SecurityRelease<'_>) -> String {
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

/// The CNA container of each CVE record of the release, and the script of
/// `cve` commands that publishes them.
fn cve_step(public: &PublicSite, r: &SecurityRelease<'_>) -> Result<Vec<Output>, AnnounceError> {
    let ctx = RenderContext {
        public,
        now: r.published,
        signer: None,
        prior: None,
        preview: false,
    };
    let records = crate::render::cve::Cve
        .render(&ctx)
        .map_err(BuildError::from)?;
    let mut out = Vec::new();
    let mut commands = Vec::new();
    for a in &r.advisories {
        for cve in a.cve_ids() {
            let record = records
                .iter()
                .find(|o| o.path == paths::cve_record(&cve))
                .and_then(|o| serde_json::from_slice::<serde_json::Value>(&o.bytes).ok());
            let Some(cna) = record.as_ref().map(|v| &v["containers"]["cna"]) else {
                continue;
            };
            let mut bytes = serde_json::to_vec_pretty(cna).map_err(|e| {
                BuildError::Render(crate::render::RenderError {
                    target: "announce",
                    message: format!("{cve}: {e}"),
                })
            })?;
            bytes.push(b'\n');
            let file = paths::announce_cve_container(&r.slug, &cve);
            let verb = if a.is_withdrawn() {
                "reject"
            } else {
                "publish"
            };
            commands.push(format!("cve {verb} {cve} --cve-json-file {file}"));
            out.push(Output::new(file, bytes));
        }
    }
    if commands.is_empty() {
        return Ok(out);
    }
    let config = &public.site.config;
    let at = paths::utc_timestamp(r.published);
    let mut s = String::from("#!/bin/sh\n");
    let _ = writeln!(
        s,
        "# Publishes the CVE records of the {} security release of {}\n\
         # ({}) with cvelib's `cve` command (pip install cvelib), from the CNA\n\
         # containers beside this script. Run it once the release is public:\n\
         #   CVE_USER=... CVE_ORG=... CVE_API_KEY=... sh {}\n\
         # (CVE_ENVIRONMENT=test tries it on the test instance first).",
        config.project.name,
        human_date(r.published),
        count(commands.len(), "record", "records"),
        paths::announce_cve_script(&r.slug),
    );
    let _ = writeln!(
        s,
        "set -eu\ncd \"$(dirname \"$0\")\"\n\
         if [ \"$(date -u +%s)\" -lt {} ]; then\n  \
         echo \"under embargo until {at}: do not publish the CVE records yet\" >&2\n  \
         exit 1\nfi",
        r.published.as_second()
    );
    for c in &commands {
        let _ = writeln!(s, "{c}");
    }
    out.insert(0, Output::new(paths::announce_cve_script(&r.slug), s));
    Ok(out)
}
