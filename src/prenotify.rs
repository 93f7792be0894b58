//! Pre-notification packets: for each coming security release, the public
//! notice (its time and the severity of each issue, worded as the site's
//! pre-notification) and the confidential packet for the notification list
//! (everything about each issue, with the embargo terms), clear-signed when
//! a key is configured. These texts are never part of the published site:
//! they are mailed, so they are plain text that reads well in an email.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use jiff::Timestamp;

use crate::embargo::{self, Announcement};
use crate::model::{Advisory, Site};
use crate::render::atom::severities_phrase;
use crate::render::html::views::{SeriesRow, series_row};
use crate::render::{Output, Signer, paths};
use crate::text::{heading, paragraph, trim_end};
use crate::{BuildError, Options, output};

/// Why no packet was made.
#[derive(Debug, thiserror::Error)]
pub enum PrenotifyError {
    #[error(transparent)]
    Build(#[from] BuildError),
    #[error("no advisory `{0}` in this site; `disclose embargo` lists the withheld ones")]
    UnknownId(String),
    #[error(
        "`{id}` is already published (at {}, before the clock {}); pre-notification is only for advisories under embargo",
        crate::text::utc_second(*.published),
        crate::text::utc_second(*.now)
    )]
    Published {
        id: String,
        published: Timestamp,
        now: Timestamp,
    },
}

/// The two texts of one coming security release.
#[derive(Debug)]
pub struct ReleasePacket {
    pub release_at: Timestamp,
    /// The advisories in the packet, highest severity first.
    pub advisories: Vec<String>,
    /// Withheld advisories with the same release time that were not asked
    /// for: the public notice does not count them.
    pub left_out: Vec<String>,
    /// The pre-notification the site shows for this release at the clock.
    pub on_site: Option<Announcement>,
    /// The earliest `announce` of the advisories in it.
    pub announce_from: Option<Timestamp>,
    /// The notice's announcement: what the site shows once every
    /// advisory in the packet is announced.
    pub announcement: Announcement,
    /// Date and severity only: for the public.
    pub notice: Output,
    /// Everything: for the notification list, under embargo.
    pub packet: Output,
}

impl ReleasePacket {
    /// How the notice relates to what the site shows at the clock.
    pub fn site_status(&self) -> String {
        match (&self.on_site, self.announce_from) {
            (Some(x), _) if x.severities == self.announcement.severities => {
                "the site shows the same pre-notification".into()
            }
            (Some(x), _) => format!(
                "the site's pre-notification of this release differs: {}",
                severities_phrase(&x.severities)
            ),
            (None, Some(from)) => format!(
                "the site shows this pre-notification from {}",
                crate::text::utc_second(from)
            ),
            (None, None) => {
                "the site does not announce this release: no advisory in it sets `announce`".into()
            }
        }
    }
}

/// Everything `prenotify` makes, before it is written.
#[derive(Debug)]
pub struct Prenotification {
    pub now: Timestamp,
    /// One per coming release, earliest first.
    pub releases: Vec<ReleasePacket>,
    /// The fingerprint of the key that signed the texts, if any.
    pub signed_by: Option<String>,
}

impl Prenotification {
    /// Every file, notices and packets, in release order.
    pub fn outputs(&self) -> Vec<Output> {
        self.releases
            .iter()
            .flat_map(|r| [r.notice.clone(), r.packet.clone()])
            .collect()
    }
}

/// Makes the notice and packet of every coming release: of the advisories
/// `ids`, or of every advisory withheld at the clock when `ids` is empty.
pub fn prepare(opts: &Options, ids: &[String]) -> Result<Prenotification, PrenotifyError> {
    let mut report = crate::check(opts).map_err(BuildError::from)?;
    let Some(site) = report.site.take() else {
        return Err(BuildError::Content(Box::new(report)).into());
    };
    let key = crate::load_signing_key(opts, &site.config).map_err(BuildError::from)?;
    let signer = key.as_ref().map(|k| k as &dyn Signer);
    let now = opts.now;

    let selected = select(&site, ids, now)?;
    let mut by_release: BTreeMap<Timestamp, Vec<&Advisory>> = BTreeMap::new();
    for a in selected {
        by_release.entry(a.published.at).or_default().push(a);
    }

    let embargoed = embargo::apply(site.clone(), now);
    let forbidden = embargoed.forbidden_tokens();
    let levels = &site.config.severity.levels;
    let rank = |a: &Advisory| {
        a.severity
            .as_ref()
            .and_then(|s| levels.iter().position(|l| l == s))
            .unwrap_or(usize::MAX)
    };

    let mut releases = Vec::with_capacity(by_release.len());
    for (release_at, mut members) in by_release {
        members.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.id.cmp(&b.id)));
        let announcement = announcement_of(&site, release_at, &members, now);
        let notice = Output::new(
            paths::prenotify_notice(release_at),
            signed(signer, notice_text(&site, &announcement))?,
        );
        // The notice goes to the public: the leak scan guards it as it
        // guards every file of the site.
        output::scan_for_leaks(std::slice::from_ref(&notice), &forbidden)
            .map_err(BuildError::from)?;
        let packet = Output::new(
            paths::prenotify_packet(release_at),
            signed(signer, packet_text(&site, &announcement, &members, now))?,
        );
        let left_out = site
            .advisories
            .iter()
            .filter(|a| a.published.at == release_at && !members.iter().any(|m| m.id == a.id))
            .map(|a| a.id.to_string())
            .collect();
        releases.push(ReleasePacket {
            release_at,
            advisories: members.iter().map(|a| a.id.to_string()).collect(),
            left_out,
            on_site: embargoed
                .public
                .announcements
                .iter()
                .find(|x| x.release_at == release_at)
                .cloned(),
            announce_from: members.iter().filter_map(|a| a.announce).min(),
            announcement,
            notice,
            packet,
        });
    }
    Ok(Prenotification {
        now,
        releases,
        signed_by: key.as_ref().map(Signer::fingerprint),
    })
}

/// Prepares the texts and writes them into `out`, beside the texts of other
/// releases already there. `out` must not be inside the published site.
pub fn write(
    opts: &Options,
    ids: &[String],
    out: &Path,
) -> Result<(Prenotification, Vec<PathBuf>), PrenotifyError> {
    output::check_private_out_dir(&opts.root.join("public"), out).map_err(BuildError::from)?;
    let made = prepare(opts, ids)?;
    let outputs = made.outputs();
    if outputs.is_empty() {
        return Ok((made, vec![]));
    }
    let written = output::write_files(out, &outputs).map_err(BuildError::from)?;
    Ok((made, written))
}

/// The advisories asked for, each once; every one must be under embargo.
fn select<'s>(
    site: &'s Site,
    ids: &[String],
    now: Timestamp,
) -> Result<Vec<&'s Advisory>, PrenotifyError> {
    if ids.is_empty() {
        return Ok(site
            .advisories
            .iter()
            .filter(|a| !embargo::is_public(a, now))
            .collect());
    }
    let mut selected: Vec<&Advisory> = Vec::with_capacity(ids.len());
    for id in ids {
        let a = site
            .advisory(id)
            .ok_or_else(|| PrenotifyError::UnknownId(id.clone()))?;
        if embargo::is_public(a, now) {
            return Err(PrenotifyError::Published {
                id: id.clone(),
                published: a.published.at,
                now,
            });
        }
        if !selected.iter().any(|s| s.id == a.id) {
            selected.push(a);
        }
    }
    Ok(selected)
}

/// The pre-notification the site will show for these advisories, built the
/// way the embargo filter builds the site's. An advisory without `announce`
/// counts as announced now, when the notice is made.
fn announcement_of(
    site: &Site,
    release_at: Timestamp,
    members: &[&Advisory],
    now: Timestamp,
) -> Announcement {
    let mut severities: Vec<Option<String>> = members.iter().map(|a| a.severity.clone()).collect();
    embargo::sort_severities(&site.config.severity.levels, &mut severities);
    let announced = || members.iter().map(|a| a.announce.unwrap_or(now));
    Announcement {
        release_at,
        severities,
        first_announced: announced().min().unwrap_or(now),
        last_announced: announced().max().unwrap_or(now),
    }
}

fn signed(signer: Option<&dyn Signer>, text: String) -> Result<String, PrenotifyError> {
    match signer {
        Some(key) => key
            .clearsign(&text)
            .map_err(|e| BuildError::Render(e).into()),
        None => Ok(text),
    }
}

/// "2026-12-15 12:00 UTC", as the announcements feed writes it.
fn release_time(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

/// The public notice: the release time and the severities, nothing that
/// tells one issue from another.
pub fn notice_text(site: &Site, x: &Announcement) -> String {
    let config = &site.config;
    let project = &config.project.name;
    let when = release_time(x.release_at);
    let mut t = String::new();
    heading(&mut t, 1, &format!("{project} security release on {when}"));
    paragraph(
        &mut t,
        &format!(
            "A security release of {project} is planned for {when}. It fixes {}. \
             Details are published with the release.",
            severities_phrase(&x.severities)
        ),
    );
    let _ = writeln!(t, "* Release time: {}", paths::utc_timestamp(x.release_at));
    let severities: Vec<&str> = x
        .severities
        .iter()
        .map(|s| s.as_deref().unwrap_or("not rated"))
        .collect();
    let _ = writeln!(t, "* Severity of each issue: {}", severities.join(", "));
    t.push('\n');
    paragraph(
        &mut t,
        &format!(
            "Coming security releases are listed at {} and in the feed {}. \
             Our security policy: {}",
            paths::absolute_url(config, paths::ANNOUNCEMENTS_PAGE),
            paths::absolute_url(config, paths::FEED_ANNOUNCEMENTS),
            policy_url(site)
        ),
    );
    trim_end(t)
}

/// The confidential packet: the embargo terms, then every detail of each
/// advisory in the release.
pub fn packet_text(site: &Site, x: &Announcement, members: &[&Advisory], now: Timestamp) -> String {
    let config = &site.config;
    let project = &config.project.name;
    let when = release_time(x.release_at);
    let until = paths::utc_timestamp(x.release_at);
    let contact = config.security_txt.contact.first().cloned();
    let mut t = String::new();
    heading(
        &mut t,
        1,
        &format!("CONFIDENTIAL: {project} security release on {when}"),
    );
    let _ = writeln!(
        t,
        "* From: {} ({})",
        config.csaf.publisher_name, config.base_url
    );
    let _ = writeln!(t, "* To: the pre-notification list of {project}");
    let _ = writeln!(t, "* Prepared: {}", paths::utc_timestamp(now));
    let _ = writeln!(t, "* Publish time: {until}");
    let _ = writeln!(t, "* Issues: {}", severities_phrase(&x.severities));
    if let Some(c) = &contact {
        let _ = writeln!(t, "* Contact: {c}");
    }
    t.push('\n');
    embargo_terms(&mut t, project, &until, contact.as_deref());

    heading(&mut t, 2, "Summary");
    for a in members {
        let ids = aliases(a).map(|s| format!(" ({s})")).unwrap_or_default();
        let _ = writeln!(t, "* {}{ids}, {}: {}", a.id, severity(a), a.title);
    }
    t.push('\n');

    for a in members {
        advisory_section(&mut t, site, a);
    }

    heading(&mut t, 2, "Embargo");
    embargo_terms(&mut t, project, &until, contact.as_deref());
    trim_end(t)
}

fn embargo_terms(t: &mut String, project: &str, until: &str, contact: Option<&str>) {
    paragraph(
        t,
        &format!(
            "This information is under embargo until {until}, when the {project} \
             security release and its advisories are published. Until then, do \
             not disclose it, publish fixed packages, or commit the patches to a \
             public repository, and share it only with the people who need it to \
             prepare updates. If the publish time changes, we will tell you."
        ),
    );
    if let Some(c) = contact {
        paragraph(
            t,
            &format!("If you believe this information has leaked, tell us at once: {c}"),
        );
    }
}

fn advisory_section(t: &mut String, site: &Site, a: &Advisory) {
    let config = &site.config;
    heading(t, 2, &format!("{}: {}", a.id, a.title));
    let _ = writeln!(t, "* Aliases: {}", aliases(a).as_deref().unwrap_or("none"));
    let _ = writeln!(t, "* Severity: {}", severity(a));
    match &a.cvss {
        Some(c) => {
            let _ = writeln!(t, "* {}", cvss_label(c));
        }
        None => {
            let _ = writeln!(t, "* CVSS: not given");
        }
    }
    if !a.cwe.is_empty() {
        let cwe: Vec<String> = a.cwe.iter().map(|c| c.label_in_parens()).collect();
        let _ = writeln!(t, "* CWE: {}", cwe.join(", "));
    }
    let _ = writeln!(
        t,
        "* Package: {} ({}, {})",
        a.package.name, a.package.ecosystem, a.package.purl
    );
    let _ = writeln!(
        t,
        "* Publish time: {}",
        paths::utc_timestamp(a.published.at)
    );
    let _ = writeln!(
        t,
        "* Advisory page, from the publish time: {}",
        paths::absolute_url(config, &paths::advisory_page(a))
    );
    t.push('\n');

    heading(t, 3, "Description");
    let _ = writeln!(t, "{}\n", a.details.trim());

    heading(t, 3, "Affected versions");
    for s in &site.releases.series {
        let row = series_row(a, s);
        let mut line = format!("* {}: {}", row.series, row.label);
        if let Some(range) = affected_range(&row) {
            let _ = write!(line, " ({range})");
        }
        if let Some(fixed) = &row.fixed {
            let _ = write!(line, "; fixed in {fixed}");
        }
        let _ = writeln!(t, "{line}");
        let released: Vec<&str> = s
            .versions
            .iter()
            .filter(|r| a.affects_version(s, &r.version))
            .map(|r| r.version.as_str())
            .collect();
        if !released.is_empty() {
            let _ = writeln!(t, "  released versions affected: {}", released.join(", "));
        }
    }
    t.push('\n');

    heading(t, 3, "Patches");
    let mut any = false;
    for e in &a.affected {
        for p in &e.patches {
            any = true;
            let what = match (&p.label, &p.commit) {
                (Some(label), _) => format!("{} ({label})", e.series),
                (None, _) => e.series.clone(),
            };
            let mut line = format!("* {what}:");
            if let Some(c) = &p.commit {
                let _ = write!(line, " commit {c}");
            }
            if let Some(url) = &p.url {
                let _ = write!(line, "\n  {url}");
            }
            let _ = writeln!(t, "{line}");
        }
    }
    if !any {
        let _ = writeln!(t, "* none yet");
    }
    t.push('\n');

    heading(t, 3, "Credits");
    if a.credits.is_empty() {
        let _ = writeln!(t, "* none");
    }
    for c in &a.credits {
        let contact = if c.contact.is_empty() {
            String::new()
        } else {
            format!(" <{}>", c.contact.join(">, <"))
        };
        let _ = writeln!(t, "* {} ({}){contact}", c.name, c.kind.label());
    }
    t.push('\n');

    if !a.references.is_empty() {
        heading(t, 3, "References");
        for r in &a.references {
            let _ = writeln!(t, "* {}: {}", r.kind.osv_name().to_ascii_lowercase(), r.url);
        }
        t.push('\n');
    }
}

fn aliases(a: &Advisory) -> Option<String> {
    (!a.aliases.is_empty()).then(|| {
        a.aliases
            .iter()
            .map(|x| x.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    })
}

fn severity(a: &Advisory) -> &str {
    a.severity.as_deref().unwrap_or("not rated")
}

fn version_label(c: &crate::model::Cvss) -> &'static str {
    match c.version {
        crate::model::CvssVersion::V3_1 => "3.1",
        crate::model::CvssVersion::V4_0 => "4.0",
    }
}

/// "CVSS 3.1: 7.4 (high), CVSS:3.1/AV:N/…".
pub(crate) fn cvss_label(c: &crate::model::Cvss) -> String {
    format!(
        "CVSS {}: {} ({}), {}",
        version_label(c),
        c,
        c.rating,
        c.vector
    )
}

/// The affected versions of an affected series: ">= 5.1, < 5.1.16".
pub(crate) fn affected_range(row: &SeriesRow) -> Option<String> {
    if row.state != "affected" && row.state != "affected-unfixed" {
        return None;
    }
    Some(match (&row.introduced, &row.fixed) {
        (Some(from), Some(fixed)) => format!(">= {from}, < {fixed}"),
        (Some(from), None) => format!(">= {from}"),
        (None, Some(fixed)) => format!("< {fixed}"),
        (None, None) => "every version".into(),
    })
}

/// The security policy: security.txt's `policy`, else the site's page.
pub(crate) fn policy_url(site: &Site) -> String {
    site.config
        .security_txt
        .policy
        .clone()
        .unwrap_or_else(|| paths::absolute_url(&site.config, paths::POLICY_PAGE))
}
