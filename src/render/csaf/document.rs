//! One advisory → one CSAF 2.0 document of the `csaf_security_advisory`
//! profile (CSAF 2.0 section 4.5), built so that the mandatory tests of
//! section 6.1 hold by construction.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::config::{CsafCategory, SiteConfig};
use crate::model::ranges::{self, Change};
use crate::model::{Advisory, CvssVersion, Releases, Site};
use crate::render::paths;
use crate::render::prior::PriorRevision;

use super::format::{
    Acknowledgment, AggregateSeverity, Csaf, CvssV3, Distribution, Document, Engine, Generator,
    Note, Publisher, Reference, Remediation, Revision, Score, Tlp, Tracking, Vulnerability,
    VulnerabilityId, Weakness,
};
use super::product::{Products, Status};

/// The revisions of the document, oldest first: those the site already
/// published (`previous`), then the changes of the advisory's records that
/// came after them (see [`ranges::record_changes`]). The model holds only
/// the release, the last update, the releases that widened the records and
/// the withdrawal, so without the published history a second update would
/// rewrite the first one's revision instead of adding its own.
pub fn changes(
    a: &Advisory,
    releases: &Releases,
    now: Timestamp,
    previous: Option<&[PriorRevision]>,
) -> Vec<Change> {
    let known = ranges::record_changes(a, releases, now);
    // A history that began at another release time is not this advisory's
    // (its `published` changed, which the build refuses unless told to
    // rewrite): it starts again from the model.
    let Some(previous) = previous.filter(|p| p.first().is_some_and(|r| r.at == a.published.at))
    else {
        return known;
    };
    let mut changes: Vec<Change> = previous
        .iter()
        .map(|r| Change {
            at: r.at,
            summary: r.summary.clone(),
        })
        .collect();
    let last = changes.last().map_or(a.published.at, |c| c.at);
    changes.extend(known.into_iter().filter(|c| c.at > last));
    changes
}

pub fn publisher(config: &SiteConfig) -> Publisher {
    let csaf = &config.csaf;
    Publisher {
        category: match csaf.category {
            CsafCategory::Coordinator => "coordinator",
            CsafCategory::Discoverer => "discoverer",
            CsafCategory::Other => "other",
            CsafCategory::Translator => "translator",
            CsafCategory::User => "user",
            CsafCategory::Vendor => "vendor",
        },
        name: csaf.publisher_name.clone(),
        namespace: csaf.namespace.clone(),
        contact_details: csaf.contact_details.clone(),
        issuing_authority: csaf.issuing_authority.clone(),
    }
}

/// Builds the document for a published advisory of `site` at the clock
/// `now`, with the revisions [`changes`] gives.
pub fn build(site: &Site, a: &Advisory, now: Timestamp, changes: &[Change]) -> Csaf {
    let config = &site.config;
    let products = Products::of(config, &site.releases, a, now);
    let current = changes.last().map_or(a.published.at, |c| c.at);
    let revision_history: Vec<Revision> = changes
        .iter()
        .enumerate()
        .map(|(i, c)| Revision {
            date: paths::utc_timestamp(c.at),
            number: (i + 1).to_string(),
            summary: c.summary.clone(),
        })
        .collect();
    // Mandatory test 6.1.16: the version is the last revision's number.
    let version = revision_history.len().to_string();

    // Without any product the profile's product tree and status cannot be
    // given (a withdrawn advisory of series nobody supported then); such a
    // document falls back to the base profile, which requires neither.
    let category = if products.is_empty() {
        "csaf_base"
    } else {
        "csaf_security_advisory"
    };

    let document = Document {
        category,
        csaf_version: "2.0",
        title: a.title.clone(),
        lang: config.language.clone(),
        publisher: publisher(config),
        distribution: Distribution {
            tlp: Tlp {
                label: "WHITE",
                url: "https://www.first.org/tlp/",
            },
        },
        aggregate_severity: a.severity.as_ref().map(|s| AggregateSeverity {
            namespace: site
                .page("policy")
                .map(|_| paths::absolute_url(config, paths::POLICY_PAGE)),
            text: s.clone(),
        }),
        notes: document_notes(site, a),
        references: vec![
            Reference {
                category: "self",
                summary: "This CSAF document".into(),
                url: paths::absolute_url(config, &paths::csaf_document(a)),
            },
            Reference {
                category: "external",
                // Not the site's title: a renamed site is no change to
                // what the document states.
                summary: format!("Advisory {} on the project's security site", a.id),
                url: paths::absolute_url(config, &paths::advisory_page(a)),
            },
            Reference {
                category: "external",
                summary: "OSV record".into(),
                url: paths::absolute_url(config, &paths::osv_record(config, a)),
            },
        ],
        tracking: Tracking {
            id: a.id.to_string(),
            status: "final",
            version,
            initial_release_date: paths::utc_timestamp(a.published.at),
            current_release_date: paths::utc_timestamp(current),
            revision_history,
            generator: Generator {
                engine: Engine {
                    name: "disclose",
                    version: env!("CARGO_PKG_VERSION"),
                },
            },
        },
    };

    Csaf {
        document,
        product_tree: (!products.is_empty()).then(|| products.tree()),
        vulnerabilities: vec![vulnerability(site, a, &products, current)],
    }
}

fn document_notes(site: &Site, a: &Advisory) -> Vec<Note> {
    let config = &site.config;
    let scale = config.severity.levels.join(", ");
    let severity = match &a.severity {
        Some(level) => format!(
            "{}: {level} on the project's severity scale ({scale}).",
            a.id
        ),
        // An unrated advisory says so rather than leaving readers to guess.
        None => format!(
            "{}: not rated. The project has not assigned a severity on its scale ({scale}).",
            a.id
        ),
    };
    let mut notes = vec![
        Note {
            category: "summary",
            title: "Summary".into(),
            text: a.title.clone(),
        },
        Note {
            category: "general",
            title: "Severity".into(),
            text: severity,
        },
    ];
    // CSAF 2.0 has no withdrawn status (2.1 adds one): the document stays
    // final, gains a revision, and says so here and in every product status.
    if let Some(w) = &a.withdrawn {
        notes.push(Note {
            category: "general",
            title: "Withdrawn".into(),
            text: format!(
                "This advisory was withdrawn on {}. {} No product is affected by it.",
                paths::utc_timestamp(w.at),
                w.reason
            ),
        });
    }
    notes
}

fn vulnerability(
    site: &Site,
    a: &Advisory,
    products: &Products,
    current: Timestamp,
) -> Vulnerability {
    let all_ids = a.vulnerability_ids();
    let cve = all_ids.iter().find(|x| x.is_cve()).map(ToString::to_string);
    // CSAF 2.0 has one `cve` per vulnerability; further CVE ids and every
    // other id go to `ids`.
    let ids = all_ids
        .iter()
        .filter(|x| Some(x.to_string()) != cve)
        .map(|alias| VulnerabilityId {
            system_name: alias
                .as_str()
                .split_once('-')
                .map_or(alias.as_str(), |(prefix, _)| prefix)
                .to_string(),
            text: alias.to_string(),
        })
        .collect();

    let mut notes = vec![Note {
        category: "description",
        title: "Details".into(),
        text: a.details.trim_end().to_string(),
    }];
    // Mandatory test 6.1.11 checks the name against the CWE catalogue, so
    // only a weakness whose official name is known goes into `cwe`; CSAF 2.0
    // holds one, and the full list is kept in a note.
    let cwe = a.cwe.iter().find_map(|c| {
        c.name().map(|name| Weakness {
            id: c.to_string(),
            name: name.to_string(),
        })
    });
    if a.cwe.len() > 1 || (cwe.is_none() && !a.cwe.is_empty()) {
        let list: Vec<String> = a.cwe.iter().map(|c| c.label_in_parens()).collect();
        notes.push(Note {
            category: "other",
            title: "Weaknesses".into(),
            text: list.join("; "),
        });
    }

    let affected = products.ids_with(Status::Affected);
    let mut scores = Vec::new();
    if let Some(cvss) = &a.cvss {
        match cvss.version {
            CvssVersion::V3_1 if !affected.is_empty() => scores.push(Score {
                cvss_v3: CvssV3 {
                    version: "3.1",
                    vector_string: cvss.vector.clone(),
                    base_score: cvss.score,
                    base_severity: cvss.rating.to_ascii_uppercase(),
                },
                products: affected.clone(),
            }),
            CvssVersion::V3_1 => {}
            // The CSAF 2.0 schema knows CVSS v2 and v3 only and forbids other
            // members in a score; converting a v4.0 vector to v3.1 would
            // invent metrics. The vector and its score go in a note instead,
            // where readers and CSAF 2.1 converters find them.
            CvssVersion::V4_0 => notes.push(Note {
                category: "other",
                title: "CVSS v4.0".into(),
                text: format!(
                    "CVSS v4.0 base score {:.1} ({}): {}",
                    cvss.score, cvss.rating, cvss.vector
                ),
            }),
        }
    }

    let mut references: Vec<Reference> = a
        .references
        .iter()
        .map(|r| Reference {
            category: "external",
            summary: r.kind.osv_name().to_ascii_lowercase(),
            url: r.url.clone(),
        })
        .collect();
    for entry in &a.affected {
        for p in &entry.patches {
            if let Some(url) = &p.url {
                let what = p
                    .label
                    .clone()
                    .unwrap_or_else(|| format!("{} series", entry.series));
                references.push(Reference {
                    category: "external",
                    summary: format!("Patch ({what})"),
                    url: url.clone(),
                });
            }
        }
    }

    let acknowledgments = a
        .credits
        .iter()
        .map(|c| Acknowledgment {
            names: vec![c.name.clone()],
            summary: Some(c.kind.label().to_string()),
            // Every contact is a URI (`https:`, `mailto:`), as the
            // schema's `urls` are.
            urls: c.contact.clone(),
        })
        .collect();

    Vulnerability {
        title: a.title.clone(),
        cve,
        ids,
        cwe,
        notes,
        release_date: paths::utc_timestamp(a.published.at),
        product_status: (!products.is_empty()).then(|| products.status()),
        remediations: remediations(site, a, products, current),
        scores,
        references,
        acknowledgments,
    }
}

/// One remediation per affected series: the fixed release, or the patch
/// when no release has it yet, or why there is no fix.
fn remediations(
    site: &Site,
    a: &Advisory,
    products: &Products,
    current: Timestamp,
) -> Vec<Remediation> {
    let name = &products.product_name;
    let mut out = Vec::new();
    for entry in &a.affected {
        let product_ids = products.affected_in(&entry.series);
        if product_ids.is_empty() {
            continue;
        }
        let patch_urls: Vec<&str> = entry
            .patches
            .iter()
            .filter_map(|p| p.url.as_deref())
            .collect();
        let patches = if patch_urls.is_empty() {
            String::new()
        } else {
            format!(" Patches: {}.", patch_urls.join(", "))
        };
        let url = patch_urls.first().map(|u| u.to_string());
        let (category, details) = match &entry.fixed {
            Some(fixed) => (
                "vendor_fix",
                format!("Upgrade to {name} {fixed} or later.{patches}"),
            ),
            None if !patch_urls.is_empty() => (
                "vendor_fix",
                format!(
                    "The fix is on the {} branch and in no release yet; apply the patch.{patches}",
                    entry.series
                ),
            ),
            None => {
                // Judged at the document's last revision, not the build
                // clock, so the document changes only with a new revision.
                let day = current.to_zoned(TimeZone::UTC).date();
                let supported = site
                    .releases
                    .get(&entry.series)
                    .is_some_and(|s| s.supported_on(day));
                if supported {
                    (
                        "none_available",
                        format!(
                            "No fix is available yet for the {name} {} series.",
                            entry.series
                        ),
                    )
                } else {
                    (
                        "no_fix_planned",
                        format!(
                            "The {name} {} series no longer receives security fixes; upgrade to a supported series.",
                            entry.series
                        ),
                    )
                }
            }
        };
        out.push(Remediation {
            category,
            details,
            product_ids,
            url,
        });
    }
    out
}
