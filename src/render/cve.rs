//! CVE JSON 5 records (schema 5.1.1): one per CVE id of each published
//! advisory — its own id when that is a CVE id, and its CVE aliases —,
//! shaped as the CNA submits it to CVE Services.
//!
//! A withdrawn advisory gives a REJECTED record rather than none: its page
//! still links the record, every output keeps a withdrawn entry marked, and
//! REJECTED is how the CVE program says an id must no longer be used. Its
//! CNA container holds only the rejection reason, as the schema requires.

use jiff::Timestamp;
use serde::Serialize;

use super::{Output, RenderContext, RenderError, Sink, Target, paths};
use crate::config::SiteConfig;
use crate::model::ranges::{self, SeriesEnd, Verdict};
use crate::model::{
    Advisory, Alias, CreditType, CvssVersion, ReferenceType, Site, Version, VersionScheme,
};

/// The org id records carry when `[cve] assigner_org_id` is not set: the
/// lowest version 4 UUID, which no real organization has. CVE Services set
/// `cveMetadata` and the provider's `orgId` from the submitting CNA anyway.
pub const PLACEHOLDER_ORG_ID: &str = "00000000-0000-4000-8000-000000000000";

/// Limits of the CVE 5.1.1 schema.
const MAX_TITLE: usize = 256;
const MAX_DESCRIPTION: usize = 4096;
const MAX_MEDIA: usize = 16384;
const MAX_REFERENCES: usize = 512;

pub struct Cve;

impl Target for Cve {
    fn name(&self) -> &'static str {
        "cve"
    }

    fn claims(&self, path: &str) -> bool {
        path.starts_with(paths::CVE_DIR)
    }

    fn stream(&self, ctx: &RenderContext<'_>, sink: &dyn Sink) -> Result<(), RenderError> {
        use rayon::prelude::*;
        ctx.public.site.advisories.par_iter().try_for_each(|a| {
            self.advisory_outputs(ctx, a)?
                .into_iter()
                .try_for_each(|o| sink.put(o))
        })
    }

    fn advisory_paths(&self, _ctx: &RenderContext<'_>, a: &Advisory) -> Vec<String> {
        a.cve_ids().iter().map(paths::cve_record).collect()
    }

    /// One record per CVE id of `a`.
    fn advisory_outputs(
        &self,
        ctx: &RenderContext<'_>,
        a: &Advisory,
    ) -> Result<Vec<Output>, RenderError> {
        let site = &ctx.public.site;
        a.cve_ids()
            .into_iter()
            .map(|cve_id| {
                let record = record(site, a, &cve_id, ctx.now);
                let mut bytes = serde_json::to_vec_pretty(&record).map_err(|e| RenderError {
                    target: "cve",
                    message: format!("{cve_id}: {e}"),
                })?;
                bytes.push(b'\n');
                Ok(Output::new(paths::cve_record(&cve_id), bytes))
            })
            .collect()
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CveRecord {
    pub data_type: &'static str,
    pub data_version: &'static str,
    pub cve_metadata: CveMetadata,
    pub containers: Containers,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CveMetadata {
    pub cve_id: String,
    pub assigner_org_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigner_short_name: Option<String>,
    pub state: &'static str,
    pub date_published: String,
    pub date_updated: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_rejected: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Containers {
    pub cna: Cna,
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Cna {
    Published(Box<CnaPublished>),
    Rejected(CnaRejected),
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProviderMetadata {
    pub org_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub short_name: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CnaPublished {
    pub provider_metadata: ProviderMetadata,
    pub title: String,
    pub date_public: String,
    pub descriptions: Vec<Description>,
    pub affected: Vec<Product>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problem_types: Vec<ProblemType>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<Metric>,
    pub references: Vec<CveReference>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub credits: Vec<CveCredit>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CnaRejected {
    pub provider_metadata: ProviderMetadata,
    pub rejected_reasons: Vec<Description>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Description {
    pub lang: String,
    pub value: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub supporting_media: Vec<SupportingMedia>,
}

#[derive(Debug, Serialize)]
pub struct SupportingMedia {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub base64: bool,
    pub value: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Product {
    pub vendor: String,
    pub product: String,
    #[serde(rename = "collectionURL", skip_serializing_if = "Option::is_none")]
    pub collection_url: Option<&'static str>,
    pub package_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    pub default_status: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<VersionRange>,
}

/// A single version (no `version_type`, no limit) or a range from `version`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionRange {
    pub version: String,
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub less_than: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub less_than_or_equal: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ProblemType {
    pub descriptions: Vec<ProblemDescription>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProblemDescription {
    pub lang: String,
    pub description: String,
    pub cwe_id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Metric {
    pub format: &'static str,
    pub scenarios: Vec<Scenario>,
    #[serde(rename = "cvssV3_1", skip_serializing_if = "Option::is_none")]
    pub cvss_v3_1: Option<CvssMetric>,
    #[serde(rename = "cvssV4_0", skip_serializing_if = "Option::is_none")]
    pub cvss_v4_0: Option<CvssMetric>,
}

#[derive(Debug, Serialize)]
pub struct Scenario {
    pub lang: String,
    pub value: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CvssMetric {
    pub version: &'static str,
    pub vector_string: String,
    pub base_score: f64,
    pub base_severity: String,
}

#[derive(Debug, Serialize)]
pub struct CveReference {
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<&'static str>,
}

#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct CveCredit {
    pub lang: String,
    pub value: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

/// The CVE record of `cve_id`, the id or an alias of `a`, with the
/// releases out by the clock `now`.
pub fn record(site: &Site, a: &Advisory, cve_id: &Alias, now: Timestamp) -> CveRecord {
    let config = &site.config;
    let org_id = config
        .cve
        .assigner_org_id
        .clone()
        .unwrap_or_else(|| PLACEHOLDER_ORG_ID.to_string());
    let short_name = config.cve.assigner_short_name.clone();
    let provider_metadata = ProviderMetadata {
        org_id: org_id.clone(),
        short_name: short_name.clone(),
    };
    let lang = config.language.clone();
    let updated = ranges::last_change(a, &site.releases, now);
    let (state, date_rejected, cna) = match &a.withdrawn {
        Some(w) => {
            let reason = if w.reason.trim().is_empty() {
                format!("{} was withdrawn.", a.id)
            } else {
                truncate(&w.reason, MAX_DESCRIPTION)
            };
            (
                "REJECTED",
                Some(paths::utc_timestamp(w.at)),
                Cna::Rejected(CnaRejected {
                    provider_metadata,
                    rejected_reasons: vec![Description {
                        lang,
                        value: reason,
                        supporting_media: vec![],
                    }],
                }),
            )
        }
        None => (
            "PUBLISHED",
            None,
            Cna::Published(Box::new(published(site, a, provider_metadata, now))),
        ),
    };
    CveRecord {
        data_type: "CVE_RECORD",
        data_version: "5.1.1",
        cve_metadata: CveMetadata {
            cve_id: cve_id.to_string(),
            assigner_org_id: org_id,
            assigner_short_name: short_name,
            state,
            date_published: paths::utc_timestamp(a.published.at),
            date_updated: paths::utc_timestamp(updated),
            date_rejected,
        },
        containers: Containers { cna },
    }
}

fn published(
    site: &Site,
    a: &Advisory,
    provider_metadata: ProviderMetadata,
    now: Timestamp,
) -> CnaPublished {
    let config = &site.config;
    let lang = config.language.clone();
    let plain = crate::markdown::to_plain_text(&a.details);
    let html = crate::markdown::to_html(&a.details);
    let value = if plain.is_empty() {
        a.title.clone()
    } else {
        truncate(&plain, MAX_DESCRIPTION)
    };
    // The HTML is optional extra; it is left out rather than cut mid-tag.
    let supporting_media = if !html.trim().is_empty() && html.len() <= MAX_MEDIA {
        vec![SupportingMedia {
            kind: "text/html",
            base64: false,
            value: html,
        }]
    } else {
        vec![]
    };
    CnaPublished {
        provider_metadata,
        title: truncate(&a.title, MAX_TITLE),
        date_public: paths::utc_timestamp(a.published.at),
        descriptions: vec![Description {
            lang: lang.clone(),
            value,
            supporting_media,
        }],
        affected: vec![product(site, a, now)],
        problem_types: a
            .cwe
            .iter()
            .map(|c| ProblemType {
                descriptions: vec![ProblemDescription {
                    lang: lang.clone(),
                    description: c.label(),
                    cwe_id: c.to_string(),
                    kind: "CWE",
                }],
            })
            .collect(),
        metrics: a
            .cvss
            .iter()
            .map(|c| {
                let m = CvssMetric {
                    version: match c.version {
                        CvssVersion::V3_1 => "3.1",
                        CvssVersion::V4_0 => "4.0",
                    },
                    vector_string: c.vector.clone(),
                    base_score: c.score,
                    base_severity: c.rating.to_ascii_uppercase(),
                };
                let (v3, v4) = match c.version {
                    CvssVersion::V3_1 => (Some(m), None),
                    CvssVersion::V4_0 => (None, Some(m)),
                };
                Metric {
                    format: "CVSS",
                    scenarios: vec![Scenario {
                        lang: lang.clone(),
                        value: "GENERAL",
                    }],
                    cvss_v3_1: v3,
                    cvss_v4_0: v4,
                }
            })
            .collect(),
        references: references(config, a),
        credits: credits(&lang, a),
    }
}

/// The package collection (`collectionURL`) of an OSV ecosystem, spelled as
/// the CVE schema's own examples spell it.
pub fn collection_url(ecosystem: &str) -> Option<&'static str> {
    Some(match ecosystem {
        "PyPI" => "https://pypi.python.org",
        "crates.io" => "https://crates.io",
        "npm" => "https://registry.npmjs.org",
        "Maven" => "https://repo.maven.apache.org/maven2",
        "RubyGems" => "https://rubygems.org",
        "Go" => "https://golang.org/pkg",
        "NuGet" => "https://nuget.org/packages",
        "Packagist" => "https://packagist.org",
        "Hex" => "https://repo.hex.pm",
        "Pub" => "https://pub.dev",
        "Hackage" => "https://hackage.haskell.org",
        "CRAN" => "https://cran.r-project.org",
        "Julia" => "https://juliahub.com",
        "opam" => "https://opam.ocaml.org/packages",
        "ConanCenter" => "https://conan.io/center",
        "Debian" => "https://packages.debian.org",
        _ => return None,
    })
}

/// CVE's names of the version schemes: `python` for PEP 440, as CNAs
/// and the tools that read CVE records write it.
fn version_type(scheme: VersionScheme) -> &'static str {
    match scheme {
        VersionScheme::Pep440 => "python",
        VersionScheme::Semver => "semver",
    }
}

fn product(site: &Site, a: &Advisory, now: Timestamp) -> Product {
    let config = &site.config;
    Product {
        vendor: config.project.vendor.clone(),
        product: a.package.name.clone(),
        collection_url: collection_url(&a.package.ecosystem),
        package_name: a.package.name.clone(),
        repo: config.project.repository.clone(),
        // Versions the record does not list belong to series nobody
        // evaluated: their status is unknown, not unaffected.
        default_status: "unknown",
        versions: version_ranges(site, a, now),
    }
}

/// What the advisory says about each series, as CVE version entries,
/// each inside its series so that none overlaps another: the affected range
/// up to the fix, then the fix and every later release of the series
/// unaffected; with no fix yet, the whole series from the first affected
/// version; the versions before the issue came in, and the series checked
/// and found not affected. A series whose name is its releases' version
/// prefix ends open (`lessThanOrEqual: "5.1.*"`, as large CNAs write it),
/// so a new release changes nothing; another ends at its latest release.
/// A branch without releases is named by its name: affected, or unaffected
/// once the advisory lists its patch.
pub fn version_ranges(site: &Site, a: &Advisory, now: Timestamp) -> Vec<VersionRange> {
    let kind = version_type(site.releases.scheme);
    let range = |from: &Version, status: &'static str, end: Bound| {
        let (less_than, less_than_or_equal) = match end {
            Bound::Before(v) => (Some(v), None),
            Bound::UpTo(v) => (None, Some(v)),
        };
        VersionRange {
            version: from.to_string(),
            status,
            version_type: Some(kind),
            less_than,
            less_than_or_equal,
        }
    };
    let single = |v: &str, status: &'static str| VersionRange {
        version: v.to_string(),
        status,
        version_type: None,
        less_than: None,
        less_than_or_equal: None,
    };
    // The rest of the series from `from` on, or only `from` when the
    // series has no later release to name.
    let rest = |from: &Version, status: &'static str, end: &SeriesEnd<'_>| match end {
        SeriesEnd::Open(prefix) => range(from, status, Bound::UpTo(prefix.wildcard())),
        SeriesEnd::Latest(latest) if *latest > from => {
            range(from, status, Bound::UpTo(latest.to_string()))
        }
        _ => single(from.as_str(), status),
    };
    let mut out: Vec<VersionRange> = Vec::new();
    for r in ranges::series_ranges(a, &site.releases, ranges::cutoff(a, now)) {
        match r.verdict {
            Verdict::Affected {
                introduced, fixed, ..
            } => {
                if let Some(first) = r.first.filter(|f| *f < introduced) {
                    out.push(range(
                        first,
                        "unaffected",
                        Bound::Before(introduced.to_string()),
                    ));
                }
                match fixed {
                    Some(fixed) => {
                        out.push(range(
                            introduced,
                            "affected",
                            Bound::Before(fixed.to_string()),
                        ));
                        out.push(rest(fixed, "unaffected", &r.end));
                    }
                    None => out.push(rest(introduced, "affected", &r.end)),
                }
            }
            Verdict::NotAffected { first: Some(first) } => {
                out.push(rest(first, "unaffected", &r.end))
            }
            Verdict::NotAffected { first: None } => out.push(single(&r.series.name, "unaffected")),
            Verdict::Branch { fixed } => out.push(single(
                &r.series.name,
                if fixed { "unaffected" } else { "affected" },
            )),
        }
    }
    let mut seen = Vec::new();
    out.retain(|v| {
        let new = !seen.contains(v);
        seen.push(v.clone());
        new
    });
    out
}

/// The upper end of a CVE version range.
enum Bound {
    /// `lessThan`.
    Before(String),
    /// `lessThanOrEqual`.
    UpTo(String),
}

fn reference_tags(kind: ReferenceType) -> Vec<&'static str> {
    match kind {
        ReferenceType::Advisory => vec!["third-party-advisory"],
        ReferenceType::Report => vec!["issue-tracking"],
        ReferenceType::Fix => vec!["patch"],
        ReferenceType::Discussion => vec!["mailing-list"],
        ReferenceType::Evidence => vec!["exploit"],
        ReferenceType::Article => vec!["technical-description"],
        ReferenceType::Package => vec!["product"],
        ReferenceType::Introduced
        | ReferenceType::Detection
        | ReferenceType::Git
        | ReferenceType::Web => vec![],
    }
}

/// The advisory page first, then the references given, then the patches;
/// each URL once (the schema wants unique items).
fn references(config: &SiteConfig, a: &Advisory) -> Vec<CveReference> {
    let mut refs = vec![CveReference {
        url: paths::absolute_url(config, &paths::advisory_page(a)),
        name: Some(format!("{}: {}", a.id, truncate(&a.title, 400))),
        tags: vec!["vendor-advisory"],
    }];
    for r in &a.references {
        refs.push(CveReference {
            url: r.url.clone(),
            name: None,
            tags: reference_tags(r.kind),
        });
    }
    for e in &a.affected {
        for p in &e.patches {
            if let Some(url) = &p.url {
                refs.push(CveReference {
                    url: url.clone(),
                    name: Some(truncate(
                        &p.label
                            .clone()
                            .unwrap_or_else(|| format!("fix for {}", e.series)),
                        512,
                    )),
                    tags: vec!["patch"],
                });
            }
        }
    }
    let mut seen: Vec<String> = Vec::new();
    refs.retain(|r| {
        let new = !seen.contains(&r.url);
        seen.push(r.url.clone());
        new
    });
    refs.truncate(MAX_REFERENCES);
    refs
}

/// CVE credit types are the OSV ones, spelled with spaces.
fn credit_type(kind: CreditType) -> &'static str {
    kind.label()
}

fn credits(lang: &str, a: &Advisory) -> Vec<CveCredit> {
    let mut out: Vec<CveCredit> = Vec::new();
    for c in &a.credits {
        let credit = CveCredit {
            lang: lang.to_string(),
            value: truncate(&c.name, MAX_DESCRIPTION),
            kind: credit_type(c.kind),
        };
        if !out.contains(&credit) {
            out.push(credit);
        }
    }
    out
}

/// At most `max` characters, ending in `…` when cut.
fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
    t.push('…');
    t
}
