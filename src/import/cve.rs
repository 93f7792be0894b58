//! CVE JSON 5 records → [`Imported`]: the CNA container's affected
//! versions (ranges with `lessThan`/`lessThanOrEqual`, wildcards such as
//! `5.1.*`, `changes`, the default status), weaknesses, metrics,
//! references and credits. A REJECTED record becomes a withdrawn advisory.
//!
//! A site publishes one CVE record per CVE id of an advisory; records a
//! `disclose` site wrote name the advisory in their first reference and
//! are merged back into one advisory with every CVE id as an alias.

use crate::diagnostic::Diagnostic;
use crate::model::{CreditType, ReferenceType, Version, VersionScheme};

use super::range::{self, Interval, Lower, Upper, VersionSet};
use super::record::{
    self, CODE_ECOSYSTEM, CODE_FIELD, CODE_PACKAGE, CODE_SCHEMA, Imported, ImportedCredit,
    OtherPackages, PatchRef, SeriesHint, Target, diagnostic, timestamp,
};
use super::tree::{self, At, FieldError};

type ReadError = (&'static str, FieldError);

fn field(e: FieldError) -> ReadError {
    (CODE_FIELD, e)
}

/// Reads one CVE JSON 5 record.
pub fn parse_cve(bytes: &[u8], source: &str, target: Target<'_>) -> Result<Imported, Diagnostic> {
    let text = super::source::utf8(bytes, source)?;
    let root = tree::parse_json(text)
        .map_err(|e| record::syntax_diagnostic(source, "JSON", "record", e))?;
    read(At::root(&root), source, target).map_err(|(code, e)| {
        let help = match code {
            CODE_SCHEMA => "this importer reads CVE JSON 5 records (dataVersion 5.x)",
            CODE_PACKAGE => {
                "import records about the site's own package ([project.package] in site.toml)"
            }
            CODE_ECOSYSTEM => "import records whose versions are in the site's scheme",
            _ => "correct the record (see https://cveproject.github.io/cve-schema/)",
        };
        diagnostic(source, code, &e, help)
    })
}

fn read(at: At<'_>, source: &str, target: Target<'_>) -> Result<Imported, ReadError> {
    let data_type = at.text_at("dataType").map_err(field)?;
    let data_version = at
        .text_at("dataVersion")
        .map_err(field)?
        .unwrap_or_default();
    if data_type.as_deref() != Some("CVE_RECORD") || !data_version.starts_with("5.") {
        let e = at
            .with("dataVersion", |d| {
                Ok(d.error(format!("unknown CVE record version `{data_version}`")))
            })
            .map_err(field)?
            .unwrap_or_else(|| {
                at.error("not a CVE JSON 5 record (dataType CVE_RECORD, dataVersion 5.x)")
            });
        return Err((CODE_SCHEMA, e));
    }
    let mut out = Imported {
        source: source.to_string(),
        ..Imported::default()
    };
    let state = at
        .need("cveMetadata", |m| {
            out.record_id = m.need("cveId", |c| c.text())?;
            out.published = m.with("datePublished", timestamp)?.flatten();
            out.modified = m.with("dateUpdated", timestamp)?.flatten();
            out.withdrawn = m.with("dateRejected", timestamp)?.flatten();
            m.need("state", |s| s.text())
        })
        .map_err(field)?;
    out.id = out.record_id.clone();
    at.need("containers", |c| {
        c.need("cna", |cna| read_cna(cna, target, &state, &mut out))
    })
    .map_err(|e| {
        if e.message.contains("is not the site's package") {
            (CODE_PACKAGE, e)
        } else if e.message.contains("versionType") {
            (CODE_ECOSYSTEM, e)
        } else {
            field(e)
        }
    })?;
    if out.withdrawn.is_none() && state == "REJECTED" {
        out.withdrawn = out.modified.or(out.published);
    }
    Ok(out)
}

fn read_cna(
    cna: At<'_>,
    target: Target<'_>,
    state: &str,
    out: &mut Imported,
) -> Result<(), FieldError> {
    let scheme = target.scheme();
    if state == "REJECTED" {
        let reasons = cna.list("rejectedReasons", |r| r.need("value", |v| v.text()))?;
        out.withdrawn_reason = reasons.first().cloned();
        out.title = format!("{} (rejected)", out.record_id);
        out.details = reasons.first().cloned().unwrap_or_default();
        if !out.details.ends_with('\n') && !out.details.is_empty() {
            out.details.push('\n');
        }
        out.notes.push("REJECTED: a rejected CVE record keeps only its reason, so the title is its id and the description its reason".into());
        return Ok(());
    }
    let descriptions = cna.list("descriptions", |d| {
        let html = d
            .list("supportingMedia", |m| {
                let html = m.text_at("type")?.as_deref() == Some("text/html")
                    && !m.with("base64", |b| b.bool())?.unwrap_or(false);
                Ok(html.then(|| m.text_at("value")).transpose()?.flatten())
            })?
            .into_iter()
            .flatten()
            .next();
        Ok((
            d.text_at("lang")?.unwrap_or_default(),
            d.need("value", |v| v.text())?,
            html,
        ))
    })?;
    let (_, text, html) = descriptions
        .iter()
        .find(|(l, _, _)| l.starts_with("en"))
        .or(descriptions.first())
        .cloned()
        .unwrap_or_default();
    // The HTML keeps code, paragraphs and links; the text is the fallback,
    // written so that it reads back as the same text.
    out.details = match html.as_deref().and_then(super::html::markdown_from_html) {
        Some(markdown) => markdown,
        None => {
            out.notes.push(
                "the description is the record's plain text: its formatting is not kept".into(),
            );
            let paragraph = format!("<p>{}</p>\n", crate::render::escape_html(text.trim()));
            super::html::markdown_from_html(&paragraph)
                .unwrap_or_else(|| format!("{}\n", text.trim()))
        }
    };
    out.title = match cna.text_at("title")? {
        Some(t) if !t.trim().is_empty() => t.trim().to_string(),
        _ => {
            let t = record::title_from_details(&out.details);
            out.notes.push(format!(
                "the record has no title: \"{t}\" is taken from the description"
            ));
            t
        }
    };
    if let Some(public) = cna.with("datePublic", timestamp)?.flatten() {
        out.published = Some(public);
    }

    // A record a disclose site wrote names its advisory first.
    cna.list("references", |r| {
        if out.own {
            return Ok(());
        }
        let url = r.need("url", |u| u.text())?;
        let name = r.text_at("name")?;
        let tags = r.list("tags", |t| t.text())?;
        if tags.iter().any(|t| t == "vendor-advisory")
            && let Some(id) = super::osv::page_id(&url)
            && name
                .as_deref()
                .is_some_and(|n| n.starts_with(&format!("{id}: ")))
        {
            out.own = true;
            out.id = id.to_string();
            out.page_url = Some(url);
        }
        Ok(())
    })?;
    let config = target.config;
    let site = &config.project.package;
    let mut claim = VersionSet::default();
    let mut hints: Vec<SeriesHint> = Vec::new();
    let mut others = OtherPackages::default();
    out.claim_at = cna.with("affected", |a| Ok((a.path(), a.node.pos)))?;
    cna.list("affected", |a| {
        let product = a.text_at("product")?.unwrap_or_default();
        let package = a.text_at("packageName")?.unwrap_or_else(|| product.clone());
        if !target.is_site_package(&site.ecosystem, &package) && package != config.project.name {
            // A CNA lists every product the flaw is in; only the site's is read.
            let e = a.error(format!(
                "product `{package}` is not the site's package `{}`",
                site.name
            ));
            others.other(&e, e.clone());
            return Ok(());
        }
        others.site_package();
        let default = a
            .text_at("defaultStatus")?
            .unwrap_or_else(|| "unknown".into());
        if default == "affected" {
            claim.intervals.push(Interval {
                lower: Lower::Unbounded,
                upper: Upper::Unbounded,
            });
        }
        a.list("versions", |v| {
            read_version(v, scheme, &mut claim, &mut hints, out)
        })?;
        Ok(())
    })?;
    let lists_site_package = others.names_site_package();
    others.finish(&mut out.notes)?;
    if !lists_site_package {
        out.notes
            .push("the record lists no affected product".into());
    }
    out.claim = claim;

    cna.list("problemTypes", |p| {
        p.list("descriptions", |d| {
            if let Some(cwe) = d.text_at("cweId")? {
                out.cwe.push(cwe);
            }
            Ok(())
        })
    })?;
    let mut vectors = Vec::new();
    cna.list("metrics", |m| {
        for key in ["cvssV4_0", "cvssV3_1", "cvssV3_0"] {
            if let Some(v) = m.with(key, |c| c.text_at("vectorString"))?.flatten() {
                vectors.push(v);
            }
        }
        if m.has("cvssV2_0") {
            out.notes
                .push("a CVSS v2 metric is left out: only v3.1 and v4.0 vectors are kept".into());
        }
        Ok(())
    })?;
    out.cvss = record::choose_cvss(&vectors, &mut out.notes);

    let mut first = true;
    let mut patches: Vec<(String, Option<String>)> = Vec::new();
    cna.list("references", |r| {
        let url = r.need("url", |u| u.text())?;
        let name = r.text_at("name")?;
        let tags = r.list("tags", |t| t.text())?;
        let is_first = std::mem::replace(&mut first, false);
        if is_first && out.own && out.page_url.as_deref() == Some(url.as_str()) {
            return Ok(());
        }
        // A patch has a name (its label, or `fix for <series>`); a `fix`
        // reference of the advisory has none.
        if tags.iter().any(|t| t == "patch") && out.own && name.is_some() {
            patches.push((url, name));
            return Ok(());
        }
        let kind = tags
            .iter()
            .find_map(|t| reference_type(t))
            .unwrap_or(ReferenceType::Web);
        out.references.push((kind, url));
        Ok(())
    })?;
    if out.own {
        out.aliases = vec![out.record_id.clone()];
        place_patches(patches, &mut hints, out);
    } else {
        out.notes.push(
            "reference tags map to OSV types where one fits; others are web references".into(),
        );
    }
    out.hints = hints;
    out.credits = cna
        .list("credits", |c| {
            let name = c.need("value", |v| v.text())?;
            let kind = c.text_at("type")?;
            Ok((name, kind))
        })?
        .into_iter()
        .map(|(name, kind)| {
            let k = kind.as_deref().and_then(record::credit_type);
            if k.is_none() {
                out.notes.push(format!(
                    "credit `{name}` has no OSV type: written as `other`"
                ));
            }
            ImportedCredit {
                name,
                contact: Vec::new(),
                kind: k.unwrap_or(CreditType::Other),
            }
        })
        .collect();
    Ok(())
}

/// CVE reference tags as OSV reference types.
fn reference_type(tag: &str) -> Option<ReferenceType> {
    Some(match tag {
        "third-party-advisory" | "vendor-advisory" => ReferenceType::Advisory,
        "issue-tracking" => ReferenceType::Report,
        "patch" => ReferenceType::Fix,
        "mailing-list" => ReferenceType::Discussion,
        "exploit" => ReferenceType::Evidence,
        "technical-description" => ReferenceType::Article,
        "product" => ReferenceType::Package,
        _ => return None,
    })
}

/// A CVE version entry: a single version or branch, or a range.
fn read_version(
    v: At<'_>,
    scheme: VersionScheme,
    claim: &mut VersionSet,
    hints: &mut Vec<SeriesHint>,
    out: &mut Imported,
) -> Result<(), FieldError> {
    let status = v.need("status", |s| s.text())?;
    let version = v.need("version", |s| s.text())?;
    if let Some(kind) = v.text_at("versionType")? {
        let ok = match scheme {
            VersionScheme::Pep440 => matches!(kind.as_str(), "python" | "pep440" | "pypi"),
            VersionScheme::Semver => kind == "semver",
        };
        if !ok {
            return Err(v.error(format!(
                "versionType `{kind}` is not the site's version scheme"
            )));
        }
    }
    let less_than = v.text_at("lessThan")?;
    let less_or_equal = v.text_at("lessThanOrEqual")?;
    let parse = |text: &str, at: At<'_>| -> Result<Version, FieldError> {
        range::parse_version(text, scheme)
            .map(|p| p.0)
            .map_err(|m| at.error(m))
    };
    if less_than.is_none() && less_or_equal.is_none() && !v.has("changes") {
        // A single version, or a branch named by its series.
        match range::parse_version(&version, scheme) {
            Ok((ver, _)) => {
                out.releases.push(ver.clone());
                let one = Interval {
                    lower: Lower::Inclusive(ver.clone()),
                    upper: Upper::Inclusive(ver),
                };
                if status == "affected" {
                    claim.intervals.push(one);
                } else if status == "unaffected" {
                    claim.excluded.push(one);
                }
            }
            Err(_) if out.own || crate::model::is_safe_segment(&version) => {
                // A branch: affected, or fixed on the branch by its patches.
                if status == "affected" || status == "unaffected" {
                    hints.push(SeriesHint {
                        series: version.clone(),
                        branch: true,
                        development: true,
                        ..SeriesHint::default()
                    });
                }
            }
            Err(m) => return Err(v.error(m)),
        }
        return Ok(());
    }
    let lower = if version == "0" || version == "*" {
        Lower::Unbounded
    } else {
        let l = v.need("version", |s| parse(&version, s))?;
        out.releases.push(l.clone());
        Lower::Inclusive(l)
    };
    let mut wildcard_series = None;
    let upper = match (&less_than, &less_or_equal) {
        (Some(lt), _) if lt == "*" => Upper::Unbounded,
        (Some(lt), _) => {
            let u = v.need("lessThan", |s| parse(lt, s))?;
            out.releases.push(u.clone());
            Upper::Exclusive(u)
        }
        (None, Some(le)) if le == "*" => Upper::Unbounded,
        (None, Some(le)) => match le.strip_suffix(".*") {
            Some(prefix) => {
                wildcard_series = Some(prefix.to_string());
                let bound = series_end(prefix, scheme).ok_or_else(|| {
                    v.error(format!("`{le}` is not a version prefix with a wildcard"))
                })?;
                Upper::Exclusive(bound)
            }
            None => {
                let u = v.need("lessThanOrEqual", |s| parse(le, s))?;
                out.releases.push(u.clone());
                Upper::Inclusive(u)
            }
        },
        (None, None) => Upper::Unbounded,
    };
    // `changes` split the range where the status changes.
    let mut changes = v.list("changes", |c| {
        let at = c.need("at", |a| {
            let t = a.text()?;
            parse(&t, a)
        })?;
        Ok((at, c.need("status", |s| s.text())?))
    })?;
    changes.sort_by(|a, b| a.0.cmp(&b.0));
    let mut pieces: Vec<(Interval, String)> = Vec::new();
    let mut from = lower;
    let mut current = status.clone();
    for (at, next) in changes {
        out.releases.push(at.clone());
        pieces.push((
            Interval {
                lower: from,
                upper: Upper::Exclusive(at.clone()),
            },
            current,
        ));
        from = Lower::Inclusive(at);
        current = next;
    }
    pieces.push((Interval { lower: from, upper }, current));
    for (interval, status) in pieces {
        if let Some(series) = &wildcard_series
            && out.own
        {
            let h = match hints.iter().position(|h| h.series == *series) {
                Some(i) => i,
                None => {
                    hints.push(SeriesHint {
                        series: series.clone(),
                        ..SeriesHint::default()
                    });
                    hints.len() - 1
                }
            };
            if let Lower::Inclusive(l) = &interval.lower {
                if status == "affected" {
                    hints[h].introduced = Some(l.clone());
                } else if hints[h].introduced.is_some() {
                    hints[h].fixed = Some(l.clone());
                }
            }
        }
        match status.as_str() {
            "affected" => claim.intervals.push(interval),
            "unaffected" => claim.excluded.push(interval),
            _ => {}
        }
    }
    Ok(())
}

/// The least version after every version that starts with `prefix`:
/// `5.1` → `5.2.dev0` (PEP 440), `1.4` → `1.5.0-0` (SemVer).
fn series_end(prefix: &str, scheme: VersionScheme) -> Option<Version> {
    let mut numbers: Vec<u64> = prefix
        .split('.')
        .map(|n| n.parse().ok())
        .collect::<Option<Vec<u64>>>()?;
    let last = numbers.last_mut()?;
    *last = last.checked_add(1)?;
    let text = match scheme {
        VersionScheme::Pep440 => format!(
            "{}.dev0",
            numbers
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(".")
        ),
        VersionScheme::Semver => {
            numbers.resize(3, 0);
            format!("{}.{}.{}-0", numbers[0], numbers[1], numbers[2])
        }
    };
    Version::parse(&text, scheme).ok()
}

/// Patch references of a record `disclose` wrote: named by their label or
/// `fix for <series>`. A label that starts with a series' name goes to
/// that series; the rest go to the one branch with patches, or stay
/// references.
fn place_patches(
    patches: Vec<(String, Option<String>)>,
    hints: &mut [SeriesHint],
    out: &mut Imported,
) {
    for (url, name) in patches {
        let name = name.unwrap_or_default();
        let (series, label) = match name.strip_prefix("fix for ") {
            Some(s) if hints.iter().any(|h| h.series == s) => (Some(s.to_string()), None),
            _ => (
                hints
                    .iter()
                    .map(|h| h.series.clone())
                    .find(|s| name == *s || name.starts_with(&format!("{s} "))),
                Some(name.clone()),
            ),
        };
        let p = PatchRef {
            commit: record::commit_in_url(&url),
            url: Some(url.clone()),
            label: label.filter(|l| !l.is_empty()),
        };
        match series.and_then(|s| hints.iter_mut().find(|h| h.series == s)) {
            Some(h) => h.patches.push(p),
            None => {
                out.notes.push(format!(
                    "patch {url} names no series: kept as a fix reference"
                ));
                out.references.push((ReferenceType::Fix, url));
            }
        }
    }
}

/// One advisory from the CVE records a `disclose` site wrote for it (one
/// per CVE id), and every other record as it is.
pub fn merge_own(records: Vec<Imported>) -> Vec<Imported> {
    let mut out: Vec<Imported> = Vec::new();
    for r in records {
        match out.iter_mut().find(|o| o.own && r.own && o.id == r.id) {
            Some(o) => {
                for a in r.aliases {
                    if !o.aliases.contains(&a) {
                        o.aliases.push(a);
                    }
                }
            }
            None => out.push(r),
        }
    }
    out
}
