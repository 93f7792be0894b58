//! The schedule of the disclosure process: for every coming security
//! release (the advisories withheld at the clock, grouped by publish time),
//! the steps with their dates — request the CVE ids, send the
//! pre-notification, then on release day announce, publish and rebuild —
//! as text, as JSON for CI, and as an iCalendar file (RFC 5545) a team can
//! subscribe to.
//!
//! By default it names the dates and severities only, as the public notice
//! does; the confidential form adds the advisories of each release.

mod ics;

use std::fmt::Write as _;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::embargo;
use crate::model::{Advisory, Site};
use crate::render::atom::severities_phrase;
use crate::render::paths;
use crate::text::{count, human_date};

/// A step of the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepKind {
    RequestCve,
    Prenotify,
    Announce,
    Publish,
    Rebuild,
}

impl StepKind {
    /// What to do, as a line of a to-do list.
    pub fn what(self) -> &'static str {
        match self {
            StepKind::RequestCve => "request the CVE ids",
            StepKind::Prenotify => "send the pre-notification",
            StepKind::Announce => "post and mail the release-day announcement",
            StepKind::Publish => "publish the fixed releases and the CVE records",
            StepKind::Rebuild => "rebuild the site, so the advisories go public",
        }
    }

    /// How, with which command.
    pub fn how(self) -> &'static str {
        match self {
            StepKind::RequestCve => {
                "`cve reserve` (cvelib) for each advisory without one, then add it to `aliases`"
            }
            StepKind::Prenotify => {
                "`disclose prenotify`, then mail the confidential packet and publish the notice"
            }
            StepKind::Announce => {
                "`disclose announce` ahead of time for review, then send its texts"
            }
            StepKind::Publish => {
                "tag and upload the releases, push the patches, run the CVE script of `disclose announce`"
            }
            StepKind::Rebuild => {
                "`disclose build --now <publish time>` and deploy, or let CI do it"
            }
        }
    }
}

/// Where a step stands at the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Done, as far as the site can tell.
    Done,
    /// Its time has passed and the site cannot tell whether it was done.
    Past,
    Coming,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Done => "done",
            Status::Past => "past",
            Status::Coming => "coming",
        }
    }
}

/// One step of one release.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub step: StepKind,
    #[serde(serialize_with = "utc")]
    pub at: Timestamp,
    pub status: Status,
    pub what: &'static str,
    pub how: &'static str,
    /// What the site knows about it, in the words of the public notice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn utc<S: serde::Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&paths::utc_timestamp(*t))
}

/// A coming release and its steps, in the order of the process.
#[derive(Debug, Clone)]
pub struct ComingRelease<'a> {
    pub release_at: Timestamp,
    /// Highest first; `None` is not rated.
    pub severities: Vec<Option<String>>,
    pub advisories: Vec<&'a Advisory>,
    pub steps: Vec<Step>,
}

/// Every coming release at the clock, earliest first.
#[derive(Debug, Clone)]
pub struct Calendar<'a> {
    pub now: Timestamp,
    pub releases: Vec<ComingRelease<'a>>,
}

fn days_before(t: Timestamp, days: u32) -> Timestamp {
    t.checked_sub(SignedDuration::from_hours(24 * i64::from(days)))
        .unwrap_or(Timestamp::MIN)
}

/// The schedule of every release withheld at `now`.
pub fn calendar(site: &Site, now: Timestamp) -> Calendar<'_> {
    let settings = &site.config.disclosure;
    let mut groups: Vec<(Timestamp, Vec<&Advisory>)> = Vec::new();
    for a in site
        .advisories
        .iter()
        .filter(|a| !embargo::is_public(a, now))
    {
        match groups.iter_mut().find(|(t, _)| *t == a.published.at) {
            Some((_, members)) => members.push(a),
            None => groups.push((a.published.at, vec![a])),
        }
    }
    groups.sort_by_key(|(t, _)| *t);
    let status = |at: Timestamp| {
        if at <= now {
            Status::Past
        } else {
            Status::Coming
        }
    };
    let step = |kind: StepKind, at: Timestamp, status: Status, note: Option<String>| Step {
        step: kind,
        at,
        status,
        what: kind.what(),
        how: kind.how(),
        note,
    };
    let releases = groups
        .into_iter()
        .map(|(release_at, mut members)| {
            members.sort_by(|a, b| a.id.cmp(&b.id));
            let mut severities: Vec<Option<String>> =
                members.iter().map(|a| a.severity.clone()).collect();
            embargo::sort_severities(&site.config.severity.levels, &mut severities);
            let announced = members.iter().filter_map(|a| a.announce).min();
            let prenotify_at =
                announced.unwrap_or_else(|| days_before(release_at, settings.prenotify_days));
            // The confidential packet names the CVE ids: they come first.
            let cve_at = days_before(release_at, settings.cve_request_days).min(prenotify_at);
            let without_cve = members.iter().filter(|a| a.cve_ids().is_empty()).count();
            let cve = if without_cve == 0 {
                step(
                    StepKind::RequestCve,
                    cve_at,
                    Status::Done,
                    Some("every advisory has a CVE id".into()),
                )
            } else {
                step(
                    StepKind::RequestCve,
                    cve_at,
                    status(cve_at),
                    Some(format!(
                        "{} without a CVE id",
                        count(without_cve, "advisory", "advisories")
                    )),
                )
            };
            let prenotify = match announced {
                Some(t) if t <= now => step(
                    StepKind::Prenotify,
                    t,
                    Status::Done,
                    Some("the site shows the pre-notification".into()),
                ),
                Some(t) => step(
                    StepKind::Prenotify,
                    t,
                    Status::Coming,
                    Some("the site shows the pre-notification from then (`announce`)".into()),
                ),
                None => step(
                    StepKind::Prenotify,
                    prenotify_at,
                    status(prenotify_at),
                    Some(
                        "no advisory of the release sets `announce`, so the site will not show it"
                            .into(),
                    ),
                ),
            };
            let steps = vec![
                cve,
                prenotify,
                step(StepKind::Announce, release_at, Status::Coming, None),
                step(StepKind::Publish, release_at, Status::Coming, None),
                step(StepKind::Rebuild, release_at, Status::Coming, None),
            ];
            ComingRelease {
                release_at,
                severities,
                advisories: members,
                steps,
            }
        })
        .collect();
    Calendar { now, releases }
}

/// "4 November 2026, 14:00:00 UTC": a date as the pages write it, to the
/// second.
pub fn when(t: Timestamp) -> String {
    format!("{}, {} UTC", human_date(t), t.strftime("%H:%M:%S"))
}

impl ComingRelease<'_> {
    /// "Larch security release of 1 June 2027".
    pub fn name(&self, project: &str) -> String {
        format!(
            "{project} security release of {}",
            human_date(self.release_at)
        )
    }

    /// One line per advisory: for the confidential form only.
    pub fn advisory_lines(&self) -> Vec<String> {
        self.advisories
            .iter()
            .map(|a| {
                let aliases: Vec<&str> = a.aliases.iter().map(|x| x.as_str()).collect();
                let aliases = if aliases.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", aliases.join(", "))
                };
                format!(
                    "{}{aliases}, {}: {}",
                    a.id,
                    a.severity.as_deref().unwrap_or("not rated"),
                    a.title
                )
            })
            .collect()
    }
}

impl Calendar<'_> {
    /// The schedule for people.
    pub fn human(&self, project: &str, confidential: bool) -> String {
        let mut t = String::new();
        let _ = writeln!(
            t,
            "{} at {}",
            count(
                self.releases.len(),
                "coming security release",
                "coming security releases"
            ),
            when(self.now)
        );
        for r in &self.releases {
            let _ = writeln!(
                t,
                "\n{}, {}: {}",
                r.name(project),
                r.release_at.strftime("%H:%M:%S UTC"),
                severities_phrase(&r.severities)
            );
            if confidential {
                for line in r.advisory_lines() {
                    let _ = writeln!(t, "  {line}");
                }
            }
            for s in &r.steps {
                let note = s
                    .note
                    .as_deref()
                    .map(|n| format!(": {n}"))
                    .unwrap_or_default();
                let _ = writeln!(
                    t,
                    "  {:<6}  {:<30}  {}{note}\n  {:<6}  {:<30}  {}",
                    s.status.label(),
                    when(s.at),
                    s.what,
                    "",
                    "",
                    s.how
                );
            }
        }
        t
    }

    /// The schedule for CI: one JSON document.
    pub fn json(&self, confidential: bool) -> serde_json::Value {
        #[derive(Serialize)]
        struct AdvisoryJson<'a> {
            id: &'a str,
            aliases: Vec<&'a str>,
            title: &'a str,
            severity: Option<&'a str>,
        }
        let releases: Vec<serde_json::Value> = self
            .releases
            .iter()
            .map(|r| {
                let mut v = serde_json::json!({
                    "release_at": paths::utc_timestamp(r.release_at),
                    "severities": r.severities,
                    "steps": r.steps,
                });
                if confidential {
                    v["advisories"] = serde_json::json!(
                        r.advisories
                            .iter()
                            .map(|a| AdvisoryJson {
                                id: a.id.as_str(),
                                aliases: a.aliases.iter().map(|x| x.as_str()).collect(),
                                title: &a.title,
                                severity: a.severity.as_deref(),
                            })
                            .collect::<Vec<_>>()
                    );
                }
                v
            })
            .collect();
        serde_json::json!({
            "now": paths::utc_timestamp(self.now),
            "releases": releases,
        })
    }
}
