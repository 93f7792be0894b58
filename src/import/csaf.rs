//! CSAF 2.0 documents → [`Imported`]: the product tree's versions and
//! `vers:` ranges of the site's package read into the affected versions,
//! the vulnerability's ids, weaknesses, scores, notes, references and
//! acknowledgments into the advisory's fields; a document of several
//! vulnerabilities gives one advisory each.
//!
//! A document `disclose` wrote names its products `<package>-<series>-affected`,
//! `<package>-<version>` and `<package>-branch-<series>`, keeps the CVSS
//! v4.0 vector and the withdrawal in notes and the advisory's updates and
//! releases in its revision history; all of that maps back.

use jiff::Timestamp;

use crate::diagnostic::Diagnostic;
use crate::model::{CreditType, ReferenceType};

use super::range::{self, VersionSet};
use super::record::{
    self, CODE_ECOSYSTEM, CODE_FIELD, CODE_PACKAGE, CODE_SCHEMA, Imported, ImportedCredit,
    OtherPackages, PatchRef, SeriesHint, Target, diagnostic, timestamp,
};
use super::tree::{self, At, FieldError};

/// One leaf of the product tree.
#[derive(Debug, Clone)]
struct Product {
    id: String,
    /// `product_version` or `product_version_range`.
    category: String,
    /// The version, the `vers:` range, or a branch name.
    version: String,
    full_name: String,
    purl: Option<String>,
    /// The `product_name` branch above it.
    product_name: Option<String>,
}

type ReadError = (&'static str, FieldError);

fn field(e: FieldError) -> ReadError {
    (CODE_FIELD, e)
}

/// Reads one CSAF 2.0 document: one advisory per vulnerability it holds
/// about the site's package (a document of the site's shape holds one).
pub fn parse_csaf(
    bytes: &[u8],
    source: &str,
    target: Target<'_>,
) -> Result<Vec<Imported>, Diagnostic> {
    let text = super::source::utf8(bytes, source)?;
    let root = tree::parse_json(text)
        .map_err(|e| record::syntax_diagnostic(source, "JSON", "document", e))?;
    read(At::root(&root), source, target).map_err(|(code, e)| {
        let help = match code {
            CODE_SCHEMA => "this importer reads CSAF 2.0 documents",
            CODE_PACKAGE => {
                "import documents about the site's own package ([project.package] in site.toml)"
            }
            _ => "correct the document (see CSAF 2.0, https://docs.oasis-open.org/csaf/csaf/v2.0/)",
        };
        diagnostic(source, code, &e, help)
    })
}

fn read(at: At<'_>, source: &str, target: Target<'_>) -> Result<Vec<Imported>, ReadError> {
    let scheme = target.scheme();
    let (version, title, tracking_id, status, initial, current, revisions, engine) = at
        .need("document", |d| {
            let version = d.need("csaf_version", |v| v.text())?;
            let title = d.need("title", |t| t.text())?;
            let (id, status, initial, current, revisions, engine) = d.need("tracking", |t| {
                let id = t.need("id", |i| i.text())?;
                let status = t.need("status", |s| s.text())?;
                let initial = t.need("initial_release_date", timestamp)?;
                let current = t.with("current_release_date", timestamp)?.flatten();
                let revisions = t.list("revision_history", |r| {
                    Ok((
                        r.need("date", timestamp)?,
                        r.text_at("summary")?.unwrap_or_default(),
                    ))
                })?;
                let engine = t
                    .with("generator", |g| g.with("engine", |e| e.text_at("name")))?
                    .flatten()
                    .flatten();
                Ok((id, status, initial, current, revisions, engine))
            })?;
            Ok((
                version, title, id, status, initial, current, revisions, engine,
            ))
        })
        .map_err(field)?;
    if version != "2.0" {
        let e = at
            .need("document", |d| {
                d.need("csaf_version", |v| {
                    Ok(v.error(format!("unknown CSAF version `{version}`")))
                })
            })
            .map_err(field)?;
        return Err((CODE_SCHEMA, e));
    }
    let own = engine.as_deref() == Some("disclose");
    let mut out = Imported {
        source: source.to_string(),
        record_id: tracking_id.clone(),
        id: tracking_id.clone(),
        own,
        title: title.trim().to_string(),
        published: initial,
        ..Imported::default()
    };
    if status == "draft" {
        let e = at
            .need("document", |d| {
                d.need("tracking", |t| {
                    t.need("status", |s| {
                        Ok(s.error("the document is a draft, not published"))
                    })
                })
            })
            .map_err(field)?;
        return Err((CODE_FIELD, e));
    }
    if status == "interim" {
        out.notes
            .push("the document is interim: it may still change".into());
    }
    at.need("document", |d| {
        out.severity = d
            .with("aggregate_severity", |s| s.text_at("text"))?
            .flatten();
        d.list("notes", |n| {
            let title = n.text_at("title")?.unwrap_or_default();
            let text = n.text_at("text")?.unwrap_or_default();
            if title == "Withdrawn" {
                read_withdrawal(&text, &mut out);
            }
            Ok(())
        })?;
        d.list("references", |r| {
            let category = r.text_at("category")?.unwrap_or_default();
            let summary = r.text_at("summary")?.unwrap_or_default();
            let url = r.need("url", |u| u.text())?;
            if own && summary.starts_with("Advisory ") {
                out.page_url = Some(url);
            } else if own {
                // The document itself and the OSV record: the site builds its own.
            } else if category == "self" {
                out.page_url = Some(url);
            } else {
                out.references.push((ReferenceType::Web, url));
            }
            Ok(())
        })?;
        Ok(())
    })
    .map_err(field)?;
    // The releases and updates the revision history records.
    for (date, summary) in &revisions {
        let Some(date) = date else { continue };
        if summary.contains("Advisory updated.") {
            out.modified = Some(*date);
        }
        for sentence in summary.split(". ") {
            if let Some(rest) = sentence.trim().strip_prefix("Release ")
                && let Some((version, _)) = rest.split_once(" of the ")
                && let Ok((v, _)) = range::parse_version(version, scheme)
            {
                out.release_dates
                    .push((v, crate::scaffold::utc_date(*date)));
            }
        }
    }
    if !own
        && let (Some(c), Some(i)) = (current, initial)
        && c > i
    {
        out.modified = Some(c);
    }

    let products = at
        .with("product_tree", |t| {
            let mut products = Vec::new();
            t.list("branches", |b| walk(b, None, &mut products))?;
            t.list("full_product_names", |p| {
                products.push(Product {
                    id: p.need("product_id", |i| i.text())?,
                    category: "product_version".into(),
                    version: p.need("name", |n| n.text())?,
                    full_name: p.need("name", |n| n.text())?,
                    purl: p
                        .with("product_identification_helper", |h| h.text_at("purl"))?
                        .flatten(),
                    product_name: None,
                });
                Ok(())
            })?;
            Ok(products)
        })
        .map_err(field)?
        .unwrap_or_default();

    let count = at.list("vulnerabilities", |_| Ok(())).map_err(field)?.len();
    if count == 0 {
        return Err((
            CODE_FIELD,
            at.error("the document holds no vulnerabilities"),
        ));
    }
    // A document of several vulnerabilities becomes one advisory each,
    // less those about other products only.
    let base = out;
    let mut imported = Vec::with_capacity(count);
    let mut others = OtherPackages::default();
    let mut number = 0;
    at.need("vulnerabilities", |vs| {
        vs.each(|v| {
            number += 1;
            let mut one = base.clone();
            if count > 1 {
                one_of_several(&mut one, v, number, &tracking_id)?;
            }
            match read_vulnerability(v, &products, target, &mut one) {
                Ok(()) => {
                    if one.withdrawn.is_some() {
                        // A withdrawn document marks every product not
                        // affected; what it affected stands in its product names.
                        one.notes.push("withdrawn: CSAF marks every product not affected, so the affected versions come from the product names".into());
                    }
                    others.site_package();
                    imported.push(one);
                }
                Err(e) if count > 1 && is_other_package(&e) => {
                    let e = FieldError {
                        message: format!("{} names only other products ({})", one.record_id, e.message),
                        ..e
                    };
                    others.other(&e, e.clone());
                }
                Err(e) => return Err(e),
            }
            Ok(())
        })
    })
    .map_err(|e| {
        if is_other_package(&e) {
            (CODE_PACKAGE, e)
        } else if e.message.contains("versioning scheme") {
            (CODE_ECOSYSTEM, e)
        } else {
            field(e)
        }
    })?;
    let mut left_out = Vec::new();
    others
        .finish(&mut left_out)
        .map_err(|e| (CODE_PACKAGE, e))?;
    for one in &mut imported {
        one.notes.extend(left_out.iter().cloned());
    }
    Ok(imported)
}

/// Whether `e` says a product is not the site's package: the one error
/// about a vulnerability that leaves the rest of the document readable.
fn is_other_package(e: &FieldError) -> bool {
    e.message.contains("not the site's package")
}

/// One vulnerability of a document that holds several: its own id,
/// `<tracking id>-<n>` in document order (so importing the document again
/// finds the same advisories), its own title, and no rating from the
/// document's aggregate severity, which is the worst of them all.
fn one_of_several(
    one: &mut Imported,
    v: At<'_>,
    number: usize,
    tracking_id: &str,
) -> Result<(), FieldError> {
    let name = v
        .text_at("cve")?
        .unwrap_or_else(|| format!("vulnerability {number}"));
    one.id = format!("{tracking_id}-{number}");
    one.record_id = format!("{tracking_id} ({name})");
    one.shared_record = true;
    one.title = match v.text_at("title")? {
        Some(title) if !title.trim().is_empty() => title.trim().to_string(),
        _ => format!("{}: {name}", one.title),
    };
    if let Some(level) = one.severity.take() {
        one.notes.push(format!(
            "the document's aggregate severity `{level}` rates all its vulnerabilities together: this one is left unrated"
        ));
    }
    Ok(())
}

/// `This advisory was withdrawn on <time>. <reason> No product is affected by it.`
fn read_withdrawal(text: &str, out: &mut Imported) {
    let Some(rest) = text.strip_prefix("This advisory was withdrawn on ") else {
        out.notes
            .push(format!("a note says the advisory was withdrawn: {text}"));
        return;
    };
    let (time, reason) = rest.split_once(". ").unwrap_or((rest, ""));
    out.withdrawn = time.parse::<Timestamp>().ok();
    let reason = reason
        .strip_suffix(" No product is affected by it.")
        .unwrap_or(reason)
        .trim();
    if !reason.is_empty() {
        out.withdrawn_reason = Some(reason.to_string());
    }
}

fn walk(b: At<'_>, product_name: Option<&str>, out: &mut Vec<Product>) -> Result<(), FieldError> {
    let category = b.need("category", |c| c.text())?;
    let name = b.need("name", |n| n.text())?;
    let here = if category == "product_name" {
        Some(name.as_str())
    } else {
        product_name
    };
    b.with("product", |p| {
        out.push(Product {
            id: p.need("product_id", |i| i.text())?,
            category: category.clone(),
            version: name.clone(),
            full_name: p.need("name", |n| n.text())?,
            purl: p
                .with("product_identification_helper", |h| h.text_at("purl"))?
                .flatten(),
            product_name: here.map(str::to_string),
        });
        Ok(())
    })?;
    b.list("branches", |c| walk(c, here, out))?;
    Ok(())
}

/// The product's package as its purl names it, without version.
fn purl_package(purl: &str) -> Option<(String, String)> {
    let parsed: packageurl::PackageUrl<'_> = purl.parse().ok()?;
    let name = match parsed.namespace() {
        Some(ns) => format!("{ns}/{}", parsed.name()),
        None => parsed.name().to_string(),
    };
    Some((parsed.ty().to_string(), name))
}

fn read_vulnerability(
    v: At<'_>,
    products: &[Product],
    target: Target<'_>,
    out: &mut Imported,
) -> Result<(), FieldError> {
    let scheme = target.scheme();
    let config = target.config;
    let site_purl = purl_package(&config.project.package.purl);
    let is_site = |p: &Product| match p.purl.as_deref().and_then(purl_package) {
        Some(pkg) => Some(pkg) == site_purl,
        None => p.product_name.as_deref().is_some_and(|n| {
            n == config.project.name || target.is_site_package(&config.project.package.ecosystem, n)
        }),
    };
    if let Some(cve) = v.text_at("cve")? {
        out.aliases.push(cve);
    }
    out.aliases
        .extend(v.list("ids", |i| i.need("text", |t| t.text()))?);
    if let Some(cwe) = v.with("cwe", |c| c.text_at("id"))?.flatten() {
        out.cwe.push(cwe);
    }
    if out.published.is_none() {
        out.published = v.with("release_date", timestamp)?.flatten();
    }
    let mut vectors = Vec::new();
    let mut details = Vec::new();
    v.list("notes", |n| {
        let category = n.text_at("category")?.unwrap_or_default();
        let title = n.text_at("title")?.unwrap_or_default();
        let text = n.text_at("text")?.unwrap_or_default();
        match (category.as_str(), title.as_str()) {
            ("other", "Weaknesses") => {
                out.cwe = text
                    .split(';')
                    .filter_map(|c| c.split_whitespace().next())
                    .map(|c| c.trim_end_matches(':').to_string())
                    .collect();
            }
            ("other", "CVSS v4.0") => {
                if let Some((_, vector)) = text.rsplit_once(": ") {
                    vectors.push(vector.trim().to_string());
                }
            }
            ("description", _) | ("summary", _)
                if category == "description" || details.is_empty() =>
            {
                details.push(text)
            }
            _ => {}
        }
        Ok(())
    })?;
    if !details.is_empty() {
        let mut d = details.join("\n\n");
        if !d.ends_with('\n') {
            d.push('\n');
        }
        out.details = d;
    }
    v.list("scores", |s| {
        if let Some(vector) = s.with("cvss_v3", |c| c.text_at("vectorString"))?.flatten() {
            vectors.push(vector);
        }
        if s.has("cvss_v2") {
            out.notes
                .push("a CVSS v2 score is left out: only v3.1 and v4.0 vectors are kept".into());
        }
        Ok(())
    })?;
    out.cvss = record::choose_cvss(&vectors, &mut out.notes);

    out.claim_at = v.with("product_status", |s| Ok((s.path(), s.node.pos)))?;
    let status = |key: &str| -> Result<Vec<String>, FieldError> {
        Ok(v.with("product_status", |s| s.list(key, |i| i.text()))?
            .unwrap_or_default())
    };
    let mut affected = status("known_affected")?;
    affected.extend(status("first_affected")?);
    affected.extend(status("last_affected")?);
    let mut fixed = status("fixed")?;
    fixed.extend(status("first_fixed")?);
    let not_affected = status("known_not_affected")?;
    if !status("under_investigation")?.is_empty() {
        out.notes
            .push("products under investigation are left out: their status is not known".into());
    }
    let pkg = &config.project.package.name;
    let find = |id: &str| products.iter().find(|p| p.id == id);
    let withdrawn = out.withdrawn.is_some();
    let mut claim = VersionSet::default();
    let mut hints: Vec<SeriesHint> = Vec::new();
    let hint_of = |hints: &mut Vec<SeriesHint>, series: &str| -> usize {
        match hints.iter().position(|h| h.series == series) {
            Some(i) => i,
            None => {
                hints.push(SeriesHint {
                    series: series.to_string(),
                    ..SeriesHint::default()
                });
                hints.len() - 1
            }
        }
    };
    let all_ids: Vec<&String> = affected.iter().chain(&fixed).chain(&not_affected).collect();
    let mut others = OtherPackages::default();
    for id in all_ids {
        let Some(p) = find(id) else {
            return Err(v.error(format!("product `{id}` is not in the product tree")));
        };
        if !is_site(p) {
            // A vendor's document may cover several of its products.
            let e = v.error(format!(
                "product `{}` ({}) is not the site's package `{pkg}`",
                p.id, p.full_name
            ));
            others.other(&e, e.clone());
            continue;
        }
        others.site_package();
        // A withdrawn document of the site's shape says every product is
        // not affected; its `-affected` ranges still name what it said.
        let is_affected =
            affected.contains(id) || (withdrawn && out.own && p.id.ends_with("-affected"));
        let is_fixed = fixed.contains(id);
        if p.category == "product_version_range" {
            let (kind, set) = range::vers_set(&p.version, scheme).map_err(|m| v.error(m))?;
            let expected = site_purl.as_ref().map(|(t, _)| t.as_str());
            if Some(kind.as_str()) != expected && kind != "generic" {
                return Err(v.error(format!(
                    "product `{}`: range `{}` is in versioning scheme `{kind}`, the site's package is `{}`",
                    p.id,
                    p.version,
                    expected.unwrap_or("?")
                )));
            }
            for named in set.named_versions() {
                if !super::osv::is_series_start_bound(named) {
                    out.releases.push(named.clone());
                }
            }
            if is_affected {
                if out.own
                    && let Some(series) =
                        p.id.strip_prefix(&format!("{pkg}-"))
                            .and_then(|r| r.strip_suffix("-affected"))
                {
                    let h = hint_of(&mut hints, series);
                    if let Some(i) = set.intervals.first() {
                        if let range::Lower::Inclusive(intro) = &i.lower {
                            hints[h].introduced = Some(intro.clone());
                        }
                        if let range::Upper::Exclusive(f) = &i.upper
                            && !super::osv::is_series_start_bound(f)
                        {
                            hints[h].fixed = Some(f.clone());
                        }
                    }
                }
                claim.intervals.extend(set.intervals);
                claim.versions.extend(set.versions);
                claim.excluded.extend(set.excluded);
            }
        } else if let Ok((version, _)) = range::parse_version(&p.version, scheme) {
            out.releases.push(version.clone());
            if is_affected {
                claim.versions.push(version);
            }
        } else if out.own && p.id.starts_with(&format!("{pkg}-branch-")) {
            let h = hint_of(&mut hints, &p.version);
            hints[h].branch = true;
            hints[h].development = p.full_name.ends_with("(development branch)");
            // A branch is listed when affected or fixed; not affected
            // branches are series the advisory does not list.
            if !(is_affected || is_fixed) {
                hints.remove(h);
            }
        } else {
            return Err(v.error(format!(
                "product `{}` names `{}`, which is not a version of the site's scheme",
                p.id, p.version
            )));
        }
    }

    others.finish(&mut out.notes)?;

    // Patches: the remediations list them per series, and references
    // "Patch (…)" carry their labels.
    let mut labels: Vec<(String, Option<String>)> = Vec::new();
    v.list("references", |r| {
        let summary = r.text_at("summary")?.unwrap_or_default();
        let url = r.need("url", |u| u.text())?;
        if let Some(label) = summary
            .strip_prefix("Patch (")
            .and_then(|s| s.strip_suffix(')'))
        {
            labels.push((url, Some(label.to_string())));
        } else if let Some(kind) = record::reference_type(&summary).filter(|_| out.own) {
            out.references.push((kind, url));
        } else {
            out.references.push((ReferenceType::Web, url));
            if !summary.is_empty() && !out.own {
                out.notes
                    .push(format!("reference \"{summary}\" kept as a web reference"));
            }
        }
        Ok(())
    })?;
    let mut placed: Vec<String> = Vec::new();
    v.list("remediations", |r| {
        let details = r.text_at("details")?.unwrap_or_default();
        let ids = r.list("product_ids", |i| i.text())?;
        let Some(list) = details.split("Patches: ").nth(1) else {
            return Ok(());
        };
        let urls: Vec<String> = list
            .trim_end_matches('.')
            .split(", ")
            .map(|u| u.trim().to_string())
            .filter(|u| !u.is_empty())
            .collect();
        let series = ids.iter().find_map(|id| {
            id.strip_prefix(&format!("{pkg}-"))
                .and_then(|r| {
                    r.strip_suffix("-affected")
                        .or_else(|| r.strip_prefix("branch-"))
                })
                .map(str::to_string)
        });
        if let Some(series) = series.filter(|_| out.own) {
            let h = hint_of(&mut hints, &series);
            for u in urls {
                let label = labels
                    .iter()
                    .find(|(l, _)| *l == u)
                    .and_then(|(_, l)| l.clone());
                hints[h].patches.push(patch_ref(&u, label, &series));
                placed.push(u);
            }
        }
        Ok(())
    })?;
    // Patches of branches have no remediation: a branch with a patch is
    // fixed. When one such branch lacks its patches, the rest are its.
    let leftover: Vec<&(String, Option<String>)> =
        labels.iter().filter(|(u, _)| !placed.contains(u)).collect();
    if !leftover.is_empty() {
        let open: Vec<usize> = hints
            .iter()
            .enumerate()
            .filter(|(_, h)| h.branch && h.patches.is_empty())
            .map(|(i, _)| i)
            .collect();
        match open.as_slice() {
            [only] if out.own => {
                let series = hints[*only].series.clone();
                for (u, l) in leftover {
                    hints[*only].patches.push(patch_ref(u, l.clone(), &series));
                }
            }
            _ => {
                for (u, _) in leftover {
                    out.loose_patches.push(PatchRef {
                        commit: record::commit_in_url(u),
                        url: Some(u.clone()),
                        label: None,
                    });
                }
            }
        }
    }
    if !out.own {
        // Patch references of another publisher are fix references.
        for p in std::mem::take(&mut out.loose_patches) {
            if let Some(u) = p.url {
                out.references.push((ReferenceType::Fix, u));
            }
        }
    }
    out.claim = claim;
    out.hints = hints;
    out.credits = v
        .list("acknowledgments", |a| {
            let names = a.list("names", |n| n.text())?;
            let organization = a.text_at("organization")?;
            let summary = a.text_at("summary")?.unwrap_or_default();
            let urls = a.list("urls", |u| u.text())?;
            let kind = record::credit_type(&summary);
            let names = if names.is_empty() {
                organization.into_iter().collect()
            } else {
                names
            };
            Ok(names
                .into_iter()
                .map(|name| {
                    (
                        ImportedCredit {
                            name,
                            contact: urls.clone(),
                            kind: kind.unwrap_or(CreditType::Other),
                        },
                        kind.is_none().then(|| summary.clone()),
                    )
                })
                .collect::<Vec<_>>())
        })?
        .into_iter()
        .flatten()
        .map(|(c, unknown)| {
            if let Some(s) = unknown {
                out.notes.push(format!(
                    "acknowledgment `{}` (\"{s}\") written as credit type `other`",
                    c.name
                ));
            }
            c
        })
        .collect();
    if out.details.is_empty() {
        out.details = out.title.clone();
        out.notes
            .push("the document has no description: its title is used".into());
    }
    Ok(())
}

/// A patch reference: its commit read from the URL, and its label unless
/// it is the one `disclose` writes for a patch without one.
fn patch_ref(url: &str, label: Option<String>, series: &str) -> PatchRef {
    PatchRef {
        commit: record::commit_in_url(url),
        url: Some(url.to_string()),
        label: label.filter(|l| *l != format!("{series} series")),
    }
}
