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

mod cve;
mod mail;
mod post;

use std::path::{Path, PathBuf};

use jiff::Timestamp;

use crate::config::{OSS_SECURITY, SiteConfig};
use crate::embargo::{self, PublicSite};
use crate::model::{Advisory, Site};
use crate::prenotify::cvss_label;
use crate::release::{self, Advice, SecurityRelease};
use crate::render::atom::severities_phrase;
use crate::render::{Output, Signer, paths};
use crate::text::{and_list, count, human_date};
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
        post::post_text(public, r),
    )];
    let body = mail::mail_body(public, r);
    let signed_body = match signer {
        Some(k) => k.clearsign(&body).map_err(BuildError::Render)?,
        None => body,
    };
    let title = r.title(&config.project.name);
    let announce_to = config.disclosure.announce_list.as_deref();
    texts.push(Output::new(
        paths::announce_mail(&r.slug),
        mail::mail(config, announce_to, &title, &signed_body),
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
            mail::mail(config, Some(OSS_SECURITY), &subject, &signed_body),
        ));
    }
    texts.extend(cve::cve_step(public, r)?);
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

/// "CVE-2026-18907 (LARCH-2026-0005)": how the texts name an issue.
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

/// "high; CVSS 3.1: 7.4 (high), CVSS:3.1/…".
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

/// The level, or "not rated".
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
