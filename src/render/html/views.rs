//! What templates see: plain serializable views of the public site, with
//! every URL relative to the site root and every date pre-formatted, so
//! templates hold layout only.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use rayon::prelude::*;
use serde::Serialize;
use tera::Value;

use super::release_views::ReleaseLink;
use crate::embargo::{Announcement, PublicSite};
use crate::markdown;
use crate::model::{Advisory, Affected, Cvss, Release, Series, SeriesImpact, Site, SupportStatus};
use crate::render::paths;

pub use crate::text::{human_date, human_time};

fn date_of(d: jiff::civil::Date) -> String {
    d.strftime("%-d %B %Y").to_string()
}

/// A point in time as templates show it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct TimeView {
    /// RFC 3339 UTC, for `<time datetime>`.
    pub iso: String,
    pub date: String,
    pub human: String,
}

impl TimeView {
    pub fn new(t: Timestamp) -> Self {
        TimeView {
            iso: paths::utc_timestamp(t),
            date: paths::utc_timestamp(t)[..10].to_string(),
            human: human_date(t),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct SeverityView {
    /// CSS-safe level name, or `not-rated`.
    pub slug: String,
    pub label: String,
    pub rated: bool,
}

impl SeverityView {
    pub fn of(level: Option<&str>) -> Self {
        match level {
            Some(l) => SeverityView {
                slug: l.to_string(),
                label: l.to_string(),
                rated: true,
            },
            None => SeverityView {
                slug: paths::NOT_RATED.into(),
                label: "not rated".into(),
                rated: false,
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct CvssView {
    pub vector: String,
    pub version: String,
    pub score: String,
    pub rating: String,
}

impl CvssView {
    fn new(c: &Cvss) -> Self {
        let version = match c.version {
            crate::model::CvssVersion::V3_1 => "3.1",
            crate::model::CvssVersion::V4_0 => "4.0",
        };
        CvssView {
            vector: c.vector.clone(),
            version: version.into(),
            score: format!("{:.1}", c.score),
            rating: c.rating.into(),
        }
    }
}

/// One affected series in a list: "5.1: fixed in 5.1.3".
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct AffectedBrief {
    pub series: String,
    pub series_url: String,
    pub fixed: Option<String>,
    pub fixed_url: Option<String>,
    /// No release fixes it, but a patch is committed to the branch.
    pub patched: bool,
}

/// An advisory in a list.
#[derive(Debug, Clone, Serialize)]
pub struct AdvisorySummary {
    pub id: String,
    pub url: String,
    pub title: String,
    pub aliases: Vec<String>,
    pub published: TimeView,
    pub year: i16,
    /// A [`SeverityView`].
    pub severity: Value,
    /// A [`CvssView`].
    pub cvss: Option<Value>,
    pub withdrawn: bool,
    /// An [`AffectedBrief`] per series listed.
    pub affected: Vec<Value>,
    /// The security release that published it, a [`ReleaseLink`].
    pub release: Option<Value>,
}

/// Template values made once per distinct view. Lists repeat the same
/// severity, release link and series entry thousands of times; a template
/// value is reference-counted, so each repeat is a pointer, not a copy.
pub struct Interned<K>(std::sync::Mutex<HashMap<K, Value>>);

impl<K> Default for Interned<K> {
    fn default() -> Self {
        Interned(Default::default())
    }
}

impl<K: std::hash::Hash + Eq + Serialize> Interned<K> {
    pub fn value(&self, view: K) -> Value {
        let mut values = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        values
            .entry(view)
            .or_insert_with_key(Value::from_serializable)
            .clone()
    }
}

/// The shared parts of advisory summaries.
#[derive(Default)]
pub struct SummaryParts {
    severity: Interned<SeverityView>,
    cvss: Interned<CvssView>,
    affected: Interned<AffectedBrief>,
    release: Interned<ReleaseLink>,
}

impl AdvisorySummary {
    pub fn new(
        a: &Advisory,
        site: &Site,
        release: Option<ReleaseLink>,
        parts: &SummaryParts,
    ) -> Self {
        let affected = site
            .releases
            .series
            .iter()
            .filter_map(|s| a.affected_entry(&s.name).map(|e| (s, e)))
            .map(|(s, e)| AffectedBrief {
                series: s.name.clone(),
                series_url: paths::series_page(&s.name),
                fixed: e.fixed.as_ref().map(|v| v.to_string()),
                fixed_url: e
                    .fixed
                    .as_ref()
                    .map(|v| paths::version_page(&s.name, v.as_str())),
                patched: e.fixed.is_none() && !e.patches.is_empty(),
            })
            .map(|brief| parts.affected.value(brief))
            .collect();
        AdvisorySummary {
            id: a.id.to_string(),
            url: paths::advisory_page(a),
            title: a.title.clone(),
            aliases: a.aliases.iter().map(|x| x.to_string()).collect(),
            published: TimeView::new(a.published.at),
            year: a.published.at.to_zoned(jiff::tz::TimeZone::UTC).year(),
            severity: parts
                .severity
                .value(SeverityView::of(a.severity.as_deref())),
            cvss: a.cvss.as_ref().map(|c| parts.cvss.value(CvssView::new(c))),
            withdrawn: a.is_withdrawn(),
            affected,
            release: release.map(|r| parts.release.value(r)),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct LinkView {
    pub url: String,
    pub label: String,
}

/// One row of an advisory's per-series table.
#[derive(Debug, Clone, Serialize)]
pub struct SeriesRow {
    pub series: String,
    pub series_url: String,
    /// `affected`, `affected-unfixed`, `not-affected`, `not-evaluated`.
    pub state: String,
    pub label: String,
    pub introduced: Option<String>,
    pub fixed: Option<String>,
    pub fixed_url: Option<String>,
    pub patches: Vec<LinkView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CreditView {
    pub name: String,
    pub contact: Vec<String>,
    pub role: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CweView {
    pub id: String,
    pub name: Option<String>,
    pub url: String,
}

/// Everything about one advisory, for its page.
#[derive(Debug, Clone, Serialize)]
pub struct AdvisoryDetail {
    #[serde(flatten)]
    pub summary: AdvisorySummary,
    pub details_html: String,
    pub modified: Option<TimeView>,
    pub withdrawn_at: Option<TimeView>,
    pub withdrawn_reason: Option<String>,
    pub cwe: Vec<CweView>,
    pub package: String,
    pub purl: String,
    pub ecosystem: String,
    pub series_rows: Vec<SeriesRow>,
    /// The series not evaluated, named in one line rather than a row each.
    pub not_evaluated: Vec<String>,
    pub credits: Vec<CreditView>,
    pub references: Vec<LinkView>,
    pub osv_url: String,
    pub csaf_url: String,
    pub cve_records: Vec<LinkView>,
    pub source_url: Option<String>,
}

impl AdvisoryDetail {
    pub fn new(a: &Advisory, site: &Site, release: Option<ReleaseLink>) -> Self {
        let series_rows: Vec<SeriesRow> = site
            .releases
            .series
            .iter()
            .map(|s| series_row(a, s))
            .collect();
        let not_evaluated = series_rows
            .iter()
            .filter(|r| r.state == "not-evaluated")
            .map(|r| r.series.clone())
            .collect();
        AdvisoryDetail {
            not_evaluated,
            summary: AdvisorySummary::new(a, site, release, &SummaryParts::default()),
            details_html: markdown::to_html(&a.details),
            modified: (a.modified != a.published.at).then(|| TimeView::new(a.modified)),
            withdrawn_at: a.withdrawn.as_ref().map(|w| TimeView::new(w.at)),
            withdrawn_reason: a.withdrawn.as_ref().map(|w| w.reason.clone()),
            cwe: a
                .cwe
                .iter()
                .map(|c| CweView {
                    id: c.to_string(),
                    name: c.name().map(str::to_string),
                    url: format!("https://cwe.mitre.org/data/definitions/{}.html", c.number()),
                })
                .collect(),
            package: a.package.name.clone(),
            purl: a.package.purl.clone(),
            ecosystem: a.package.ecosystem.clone(),
            series_rows,
            credits: a
                .credits
                .iter()
                .map(|c| CreditView {
                    name: c.name.clone(),
                    contact: c.contact.clone(),
                    role: c.kind.label().to_string(),
                })
                .collect(),
            references: a
                .references
                .iter()
                .map(|r| LinkView {
                    url: r.url.clone(),
                    label: r.kind.osv_name().to_ascii_lowercase(),
                })
                .collect(),
            osv_url: paths::osv_record(&site.config, a),
            csaf_url: paths::csaf_document(a),
            cve_records: a
                .cve_ids()
                .iter()
                .map(|c| LinkView {
                    url: paths::cve_record(c),
                    label: c.to_string(),
                })
                .collect(),
            source_url: site
                .config
                .project
                .source_url
                .as_ref()
                .map(|u| u.replace("{path}", a.file.as_str())),
        }
    }
}

/// The patches of one series that have a URL, labelled as written or by
/// their short commit hash.
pub(crate) fn patch_links(e: &Affected) -> Vec<LinkView> {
    e.patches
        .iter()
        .filter_map(|p| {
            let url = p.url.clone()?;
            let label = p
                .label
                .clone()
                .or_else(|| {
                    p.commit
                        .as_ref()
                        .map(|c| format!("commit {}", &c[..c.len().min(12)]))
                })
                .unwrap_or_else(|| "patch".into());
            Some(LinkView { url, label })
        })
        .collect()
}

pub(crate) fn series_row(a: &Advisory, s: &Series) -> SeriesRow {
    let base = SeriesRow {
        series: s.name.clone(),
        series_url: paths::series_page(&s.name),
        state: String::new(),
        label: String::new(),
        introduced: None,
        fixed: None,
        fixed_url: None,
        patches: vec![],
    };
    match a.impact_on(s) {
        SeriesImpact::Affected(e) => SeriesRow {
            state: match (&e.fixed, e.patches.is_empty(), s.development) {
                (Some(_), _, _) => "affected",
                (None, false, true) => "patched",
                (None, _, _) => "affected-unfixed",
            }
            .into(),
            label: match (&e.fixed, e.patches.is_empty(), s.development) {
                (Some(_), _, _) => "affected",
                (None, false, true) => "fixed on the branch",
                (None, false, false) => "affected, patch available, no release yet",
                (None, true, _) => "affected, no fix yet",
            }
            .into(),
            introduced: e
                .introduced
                .as_ref()
                .or(s.first_version())
                .map(|v| v.to_string()),
            fixed: e.fixed.as_ref().map(|v| v.to_string()),
            fixed_url: e
                .fixed
                .as_ref()
                .map(|v| paths::version_page(&s.name, v.as_str())),
            patches: patch_links(e),
            ..base
        },
        SeriesImpact::NotAffected => SeriesRow {
            state: "not-affected".into(),
            label: "not affected".into(),
            ..base
        },
        SeriesImpact::NotEvaluated => SeriesRow {
            state: "not-evaluated".into(),
            label: "not evaluated".into(),
            ..base
        },
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SeriesView {
    pub name: String,
    pub url: String,
    pub status: String,
    pub status_label: String,
    pub supported: bool,
    pub lts: bool,
    pub development: bool,
    pub released: Option<String>,
    pub bugfix_until: Option<String>,
    pub security_until: Option<String>,
    pub latest: Option<String>,
    pub latest_url: Option<String>,
    pub advisory_count: usize,
}

impl SeriesView {
    pub fn new(s: &Series, site: &Site, now: Timestamp) -> Self {
        let status: SupportStatus = s.status(now);
        SeriesView {
            name: s.name.clone(),
            url: paths::series_page(&s.name),
            status: serde_json::to_value(status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            status_label: status.label().to_string(),
            supported: status.is_supported(),
            lts: s.lts,
            development: s.development,
            released: s.released.map(date_of),
            bugfix_until: s.bugfix_until.map(date_of),
            security_until: s.security_until.map(date_of),
            latest: s.latest_version().map(|v| v.to_string()),
            latest_url: s
                .latest_version()
                .map(|v| paths::version_page(&s.name, v.as_str())),
            advisory_count: site
                .advisories
                .iter()
                .filter(|a| a.affected_entry(&s.name).is_some())
                .count(),
        }
    }
}

/// One cell of the advisory × series matrix.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct MatrixCell {
    pub state: String,
    pub text: String,
    pub url: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MatrixRow {
    pub advisory: Value,
    /// One [`MatrixCell`] per series, as a shared template value.
    pub cells: Vec<Value>,
}

/// Every advisory's list entry, made once and shared by every list that
/// shows it: template values are reference-counted, so a page listing
/// thousands of advisories holds pointers, not copies.
pub struct Summaries {
    values: Vec<Value>,
    years: Vec<i16>,
    /// For each series, the advisories that list it, in the site's order:
    /// a version or series page looks at those, not at every advisory.
    listing: HashMap<String, Vec<usize>>,
}

impl Summaries {
    /// One entry per advisory of `site`, in the site's order, each with
    /// the link to its release in `releases`.
    pub fn new(site: &Site, releases: &HashMap<String, ReleaseLink>) -> Self {
        let parts = SummaryParts::default();
        let values = site
            .advisories
            .par_iter()
            .map(|a| {
                let release = releases.get(a.id.as_str()).cloned();
                Value::from_serializable(&AdvisorySummary::new(a, site, release, &parts))
            })
            .collect();
        let years = site
            .advisories
            .iter()
            .map(|a| a.published.at.to_zoned(jiff::tz::TimeZone::UTC).year())
            .collect();
        let mut listing: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, a) in site.advisories.iter().enumerate() {
            for e in &a.affected {
                listing.entry(e.series.clone()).or_default().push(i);
            }
        }
        Summaries {
            values,
            years,
            listing,
        }
    }

    /// The advisories that list `s`, with their entries, in the site's order.
    fn listing<'a>(
        &'a self,
        s: &'a Series,
        site: &'a Site,
    ) -> impl Iterator<Item = (usize, &'a Advisory)> + 'a {
        self.listing
            .get(&s.name)
            .into_iter()
            .flatten()
            .map(|&i| (i, &site.advisories[i]))
    }

    fn indices<'a>(
        &'a self,
        site: &'a Site,
        keep: impl Fn(&Advisory) -> bool + 'a,
    ) -> impl Iterator<Item = usize> + 'a {
        site.advisories
            .iter()
            .enumerate()
            .filter(move |(_, a)| keep(a))
            .map(|(i, _)| i)
    }

    /// The selected advisories grouped by year of publication, newest first
    /// (the site's order is newest first).
    pub fn by_year(&self, site: &Site, keep: impl Fn(&Advisory) -> bool) -> Vec<YearGroup> {
        let mut groups: Vec<YearGroup> = Vec::new();
        for i in self.indices(site, keep) {
            let (year, value) = (self.years[i], self.values[i].clone());
            match groups.last_mut() {
                Some(g) if g.year == year => g.advisories.push(value),
                _ => groups.push(YearGroup {
                    year,
                    advisories: vec![value],
                }),
            }
        }
        groups
    }

    /// The advisory × series matrix, withdrawn advisories left out.
    /// Cells repeat ("not affected", "fixed in 5.1.3"): each distinct cell
    /// is one shared template value, so the matrix holds as many cells as
    /// it shows different ones, not one map per advisory and series.
    pub fn matrix(&self, site: &Site) -> Vec<MatrixRow> {
        let cells = Interned::<MatrixCell>::default();
        site.advisories
            .par_iter()
            .zip(&self.values)
            .filter(|(a, _)| !a.is_withdrawn())
            .map(|(a, summary)| MatrixRow {
                advisory: summary.clone(),
                cells: site
                    .releases
                    .series
                    .iter()
                    .map(|s| {
                        let row = series_row(a, s);
                        let text = match (row.state.as_str(), &row.fixed) {
                            ("affected", Some(f)) => format!("fixed in {f}"),
                            ("patched", _) => "fixed on the branch".into(),
                            ("affected-unfixed", _) => "no fix yet".into(),
                            ("not-affected", _) => "not affected".into(),
                            _ => "not evaluated".into(),
                        };
                        cells.value(MatrixCell {
                            state: row.state,
                            text,
                            url: row.fixed_url,
                        })
                    })
                    .collect(),
            })
            .collect()
    }

    /// Each release of `s`, newest first, with the advisories that affect
    /// it and those it fixes.
    pub fn versions_of(&self, s: &Series, site: &Site) -> Vec<VersionView> {
        s.versions
            .iter()
            .rev()
            .map(|r| self.version(s, r, site))
            .collect()
    }

    /// Release `r` of `s`, with the advisories that affect it and those it fixes.
    pub fn version(&self, s: &Series, r: &Release, site: &Site) -> VersionView {
        VersionView {
            version: r.version.to_string(),
            url: paths::version_page(&s.name, r.version.as_str()),
            date: date_of(r.date),
            affecting: self
                .listing(s, site)
                .filter(|(_, a)| a.affects_version(s, &r.version))
                .map(|(i, _)| self.values[i].clone())
                .collect(),
            fixes: self
                .listing(s, site)
                .filter(|(_, a)| {
                    a.affected_entry(&s.name).and_then(|e| e.fixed.as_ref()) == Some(&r.version)
                })
                .map(|(i, _)| self.values[i].clone())
                .collect(),
        }
    }

    /// The advisories that list `s`, with where each starts and is fixed.
    pub fn series_rows(&self, s: &Series, site: &Site) -> Vec<SeriesAdvisoryRow> {
        self.listing(s, site)
            .filter_map(|(i, a)| {
                let e = a.affected_entry(&s.name)?;
                Some(SeriesAdvisoryRow {
                    advisory: self.values[i].clone(),
                    introduced: e
                        .introduced
                        .as_ref()
                        .or(s.first_version())
                        .map(|v| v.to_string()),
                    fixed: e.fixed.as_ref().map(|v| v.to_string()),
                    fixed_url: e
                        .fixed
                        .as_ref()
                        .map(|v| paths::version_page(&s.name, v.as_str())),
                })
            })
            .collect()
    }
}

/// An advisory on a series page.
#[derive(Debug, Clone, Serialize)]
pub struct SeriesAdvisoryRow {
    pub advisory: Value,
    pub introduced: Option<String>,
    pub fixed: Option<String>,
    pub fixed_url: Option<String>,
}

/// A release of a series, with the advisories that affect exactly it.
#[derive(Debug, Clone, Serialize)]
pub struct VersionView {
    pub version: String,
    pub url: String,
    pub date: String,
    pub affecting: Vec<Value>,
    pub fixes: Vec<Value>,
}

#[derive(Debug, Clone, Serialize)]
pub struct YearGroup {
    pub year: i16,
    pub advisories: Vec<Value>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AnnouncementView {
    pub release: TimeView,
    pub release_time: String,
    pub count: usize,
    pub severities: Vec<SeverityView>,
}

pub fn announcements(list: &[Announcement]) -> Vec<AnnouncementView> {
    list.iter()
        .map(|x| AnnouncementView {
            release: TimeView::new(x.release_at),
            release_time: human_time(x.release_at),
            count: x.severities.len(),
            severities: x
                .severities
                .iter()
                .map(|s| SeverityView::of(s.as_deref()))
                .collect(),
        })
        .collect()
}

#[derive(Debug, Clone, Serialize)]
pub struct ThanksView {
    pub name: String,
    pub contact: Option<String>,
    pub roles: Vec<String>,
    pub advisories: Vec<LinkView>,
}

/// Everyone credited in a published advisory, by name.
pub fn thanks(public: &PublicSite) -> Vec<ThanksView> {
    let mut by_name: BTreeMap<String, ThanksView> = BTreeMap::new();
    for a in &public.site.advisories {
        for c in &a.credits {
            let entry = by_name.entry(c.name.clone()).or_insert_with(|| ThanksView {
                name: c.name.clone(),
                contact: None,
                roles: vec![],
                advisories: vec![],
            });
            if entry.contact.is_none() {
                entry.contact = c
                    .contact
                    .iter()
                    .find(|u| u.starts_with("https://"))
                    .cloned();
            }
            let role = c.kind.label().to_string();
            if !entry.roles.contains(&role) {
                entry.roles.push(role);
            }
            let link = LinkView {
                url: paths::advisory_page(a),
                label: a.id.to_string(),
            };
            if !entry.advisories.iter().any(|l| l.url == link.url) {
                entry.advisories.push(link);
            }
        }
    }
    let mut list: Vec<ThanksView> = by_name.into_values().collect();
    list.sort_by_key(|t| t.name.to_lowercase());
    list
}
