//! What the release pages see: the index of security releases, the page of
//! one release (versions issued, advice per series, every advisory with its
//! fixes, patches and credits), and the link from each advisory to its
//! release.

use std::collections::HashMap;

use serde::Serialize;

use super::views::{AdvisoryDetail, LinkView, SeverityView, TimeView, human_time};
use crate::model::{Advisory, Site};
use crate::release::{Advice, SecurityRelease};
use crate::render::paths;

/// An advisory's link to its release, on its page and in lists.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ReleaseLink {
    pub url: String,
    pub title: String,
    pub date: TimeView,
    /// The other advisories published with it.
    pub others: usize,
}

/// Advisory id → the link to its release.
pub fn release_links(
    releases: &[SecurityRelease<'_>],
    project: &str,
) -> HashMap<String, ReleaseLink> {
    let mut links = HashMap::new();
    for r in releases {
        for a in &r.advisories {
            links.insert(
                a.id.to_string(),
                ReleaseLink {
                    url: paths::release_page(&r.slug),
                    title: r.title(project),
                    date: TimeView::new(r.published),
                    others: r.advisories.len() - 1,
                },
            );
        }
    }
    links
}

/// The link to an advisory's page, labelled with its id.
fn advisory_link(a: &Advisory) -> LinkView {
    LinkView {
        url: paths::advisory_page(a),
        label: a.id.to_string(),
    }
}

/// A version a release issued.
#[derive(Debug, Clone, Serialize)]
pub struct IssuedView {
    pub series: String,
    pub series_url: String,
    pub version: String,
    pub version_url: String,
}

/// A release in a list.
#[derive(Debug, Clone, Serialize)]
pub struct ReleaseSummary {
    pub url: String,
    pub title: String,
    pub published: TimeView,
    pub published_time: String,
    pub year: i16,
    pub announced: Option<TimeView>,
    pub count: usize,
    pub highest: SeverityView,
    pub severities: Vec<SeverityView>,
    pub advisories: Vec<LinkView>,
    pub cves: Vec<String>,
    pub versions: Vec<IssuedView>,
}

impl ReleaseSummary {
    pub fn new(r: &SecurityRelease<'_>, site: &Site) -> Self {
        ReleaseSummary {
            url: paths::release_page(&r.slug),
            title: r.title(&site.config.project.name),
            published: TimeView::new(r.published),
            published_time: human_time(r.published),
            year: r.published.to_zoned(jiff::tz::TimeZone::UTC).year(),
            announced: r.announced.map(TimeView::new),
            count: r.advisories.len(),
            highest: SeverityView::of(r.highest_severity),
            severities: r
                .advisories
                .iter()
                .map(|a| SeverityView::of(a.severity.as_deref()))
                .collect(),
            advisories: r.advisories.iter().map(|a| advisory_link(a)).collect(),
            cves: r.cve_ids(),
            versions: r
                .versions
                .iter()
                .map(|v| IssuedView {
                    series: v.series.name.clone(),
                    series_url: paths::series_page(&v.series.name),
                    version: v.version.to_string(),
                    version_url: paths::version_page(&v.series.name, v.version.as_str()),
                })
                .collect(),
        }
    }
}

/// Releases grouped by year, newest first.
#[derive(Debug, Clone, Serialize)]
pub struct ReleaseYear {
    pub year: i16,
    pub releases: Vec<ReleaseSummary>,
}

pub fn by_year(releases: &[SecurityRelease<'_>], site: &Site) -> Vec<ReleaseYear> {
    let mut years: Vec<ReleaseYear> = Vec::new();
    for r in releases {
        let summary = ReleaseSummary::new(r, site);
        match years.last_mut() {
            Some(y) if y.year == summary.year => y.releases.push(summary),
            _ => years.push(ReleaseYear {
                year: summary.year,
                releases: vec![summary],
            }),
        }
    }
    years
}

/// The advice for one series.
#[derive(Debug, Clone, Serialize)]
pub struct AdviceView {
    pub series: String,
    pub series_url: String,
    /// `upgrade`, `branch`, `no-fix`, `not-affected`: a CSS class.
    pub state: String,
    pub version: Option<String>,
    pub version_url: Option<String>,
    /// The patches of the release for this series.
    pub patches: Vec<LinkView>,
}

/// Everything on a release's page.
#[derive(Debug, Clone, Serialize)]
pub struct ReleaseDetail {
    #[serde(flatten)]
    pub summary: ReleaseSummary,
    pub advice: Vec<AdviceView>,
    /// Series no longer supported at the release: not evaluated.
    pub unsupported: Vec<ListedLink>,
    pub issues: Vec<AdvisoryDetail>,
    pub credits: Vec<ReleaseCreditView>,
}

/// A link in a sentence: `then` is what follows it (", ", " and " or "").
#[derive(Debug, Clone, Serialize)]
pub struct ListedLink {
    pub url: String,
    pub label: String,
    pub then: &'static str,
}

fn listed(links: Vec<LinkView>) -> Vec<ListedLink> {
    let n = links.len();
    links
        .into_iter()
        .enumerate()
        .map(|(i, l)| ListedLink {
            url: l.url,
            label: l.label,
            then: match n - i {
                1 => "",
                2 => " and ",
                _ => ", ",
            },
        })
        .collect()
}

#[derive(Debug, Clone, Serialize)]
pub struct ReleaseCreditView {
    pub name: String,
    pub contact: Option<String>,
    pub roles: Vec<String>,
    pub advisories: Vec<LinkView>,
}

impl ReleaseDetail {
    pub fn new(r: &SecurityRelease<'_>, site: &Site, links: &HashMap<String, ReleaseLink>) -> Self {
        let mut advice = Vec::new();
        let mut unsupported = Vec::new();
        for s in &site.releases.series {
            let Some(a) = r.advice(s) else { continue };
            let link = LinkView {
                url: paths::series_page(&s.name),
                label: s.name.clone(),
            };
            let (state, version) = match a {
                Advice::Upgrade(v) => ("upgrade", Some(v)),
                Advice::Branch => ("branch", None),
                Advice::NoFix => ("no-fix", None),
                Advice::NotAffected => ("not-affected", None),
                Advice::Unsupported => {
                    unsupported.push(link);
                    continue;
                }
            };
            let patches = r
                .advisories
                .iter()
                .filter_map(|a| Some((a, a.affected_entry(&s.name)?)))
                .flat_map(|(a, e)| {
                    let links = super::views::patch_links(e);
                    let several = links.len() > 1;
                    links.into_iter().map(move |mut p| {
                        p.label = if several {
                            format!("fix for {} ({})", a.id, p.label)
                        } else {
                            format!("fix for {}", a.id)
                        };
                        p
                    })
                })
                .collect();
            advice.push(AdviceView {
                series: link.label,
                series_url: link.url,
                state: state.into(),
                version: version.map(|v| v.to_string()),
                version_url: version.map(|v| paths::version_page(&s.name, v.as_str())),
                patches,
            });
        }
        ReleaseDetail {
            summary: ReleaseSummary::new(r, site),
            advice,
            unsupported: listed(unsupported),
            issues: r
                .advisories
                .iter()
                .map(|a| AdvisoryDetail::new(a, site, links.get(a.id.as_str()).cloned()))
                .collect(),
            credits: r
                .credits()
                .into_iter()
                .map(|c| ReleaseCreditView {
                    name: c.name.to_string(),
                    contact: c
                        .contact
                        .iter()
                        .find(|u| u.starts_with("https://"))
                        .cloned(),
                    roles: c.roles.iter().map(|r| r.to_string()).collect(),
                    advisories: c.advisories.iter().map(|a| advisory_link(a)).collect(),
                })
                .collect(),
        }
    }
}
