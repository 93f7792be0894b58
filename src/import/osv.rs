//! OSV records (JSON, or YAML as PyPA writes them) → [`Imported`]: every
//! field the site models, and a note for each one it cannot keep.
//!
//! Records a `disclose` build wrote carry `affected[].database_specific.series`
//! and the advisory page in `database_specific.url`; they map back exactly.
//! Other databases state only ranges, which the series assignment reads.

use crate::diagnostic::Diagnostic;
use crate::model::{CreditType, Version};

use super::range::{self, Event, VersionSet};
use super::record::{
    self, CODE_ECOSYSTEM, CODE_FIELD, CODE_PACKAGE, CODE_SCHEMA, Imported, ImportedCredit,
    OtherPackages, PatchRef, SeriesHint, Target, diagnostic, timestamp,
};
use super::tree::{self, At, FieldError};

/// The newest OSV schema minor version this reader knows (1.7).
const KNOWN_MINOR: u64 = 7;

/// Reads one OSV record. `source` names it in diagnostics; YAML is read
/// when the name ends in `.yaml` or `.yml`.
pub fn parse_osv(bytes: &[u8], source: &str, target: Target<'_>) -> Result<Imported, Diagnostic> {
    let text = super::source::utf8(bytes, source)?;
    let yaml = source.ends_with(".yaml") || source.ends_with(".yml");
    let root = if yaml {
        tree::parse_yaml(text)
    } else {
        tree::parse_json(text)
    }
    .map_err(|e| {
        record::syntax_diagnostic(source, if yaml { "YAML" } else { "JSON" }, "record", e)
    })?;
    let at = At::root(&root);
    read(at, source, target).map_err(|(code, e)| {
        let help = match code {
            CODE_SCHEMA => "this importer reads OSV schema 1.0 to 1.7",
            CODE_ECOSYSTEM => {
                "import records about the site's own package ([project.package] in site.toml)"
            }
            CODE_PACKAGE => {
                "the site covers one package: import only the records about it, or split the record"
            }
            _ => "correct the record (see https://ossf.github.io/osv-schema/)",
        };
        diagnostic(source, code, &e, help)
    })
}

type ReadError = (&'static str, FieldError);

fn field(e: FieldError) -> ReadError {
    (CODE_FIELD, e)
}

fn read(at: At<'_>, source: &str, target: Target<'_>) -> Result<Imported, ReadError> {
    if let Some(version) = at.text_at("schema_version").map_err(field)? {
        let ok = version
            .strip_prefix("1.")
            .and_then(|rest| rest.split('.').next())
            .and_then(|minor| minor.parse::<u64>().ok())
            .is_some_and(|minor| minor <= KNOWN_MINOR);
        if !ok {
            let e = at
                .with("schema_version", |a| {
                    Ok(a.error(format!("unknown OSV schema version `{version}`")))
                })
                .map_err(field)?
                .unwrap_or_else(|| at.error("unknown OSV schema version"));
            return Err((CODE_SCHEMA, e));
        }
    }
    let mut out = Imported {
        source: source.to_string(),
        ..Imported::default()
    };
    let id = at.need("id", |a| a.text()).map_err(field)?;
    if id.trim().is_empty() {
        return Err(field(
            at.need("id", |a| Ok(a.error("the id is empty")))
                .map_err(field)?,
        ));
    }
    out.record_id = id.trim().to_string();
    out.modified = at.with("modified", timestamp).map_err(field)?.flatten();
    out.published = at.with("published", timestamp).map_err(field)?.flatten();
    out.withdrawn = at.with("withdrawn", timestamp).map_err(field)?.flatten();
    if at.text_at("modified").ok().flatten().as_deref() == Some(record::ZERO_TIME) {
        out.notes
            .push("modified is Go's zero time (unknown): left out".into());
    }
    out.aliases = at.list("aliases", |a| a.text()).map_err(field)?;
    let related = at.list("related", |a| a.text()).map_err(field)?;
    if !related.is_empty() {
        out.notes.push(format!(
            "related ids {} are not aliases; kept only as this note",
            related.join(", ")
        ));
    }
    let summary = at
        .text_at("summary")
        .map_err(field)?
        .map(|s| s.trim().to_string());
    let details = at
        .text_at("details")
        .map_err(field)?
        .filter(|d| !d.trim().is_empty());
    out.details = match (&details, &summary) {
        (Some(d), _) => d.clone(),
        (None, Some(s)) if !s.is_empty() => {
            out.notes
                .push("the record has no details: the summary is used as the description".into());
            s.clone()
        }
        _ => String::new(),
    };
    out.title = match summary.filter(|s| !s.is_empty()) {
        Some(s) if s.contains('\n') => {
            out.notes
                .push("the summary spans lines: joined into one".into());
            s.split_whitespace().collect::<Vec<_>>().join(" ")
        }
        Some(s) => s,
        None => {
            let t = record::title_from_details(&out.details);
            out.notes.push(format!(
                "the record has no summary: the title \"{t}\" is taken from the details"
            ));
            t
        }
    };

    let vectors: Vec<String> = at
        .list("severity", |s| {
            let kind = s.need("type", |t| t.text())?;
            let score = s.need("score", |t| t.text())?;
            Ok((kind, score))
        })
        .map_err(field)?
        .into_iter()
        .map(|(kind, score)| {
            if kind.starts_with("CVSS") {
                score
            } else {
                format!("{kind} {score}")
            }
        })
        .collect();

    // database_specific: our own fields, and GitHub's.
    let mut level = None;
    if let Some(()) = at
        .with("database_specific", |d| {
            if let Kind::Object(_) = &d.node.kind {
                out.page_url = d.text_at("url").ok().flatten();
                level = d.text_at("severity").ok().flatten();
                out.cwe = d.list("cwe_ids", |c| c.text()).unwrap_or_default();
                out.withdrawn_reason = d.text_at("withdrawn_reason").ok().flatten();
            }
            Ok(())
        })
        .map_err(field)?
    {}
    out.severity = level;

    let mut affected_vectors = Vec::new();
    let mut claim = VersionSet::default();
    let mut hints: Vec<SeriesHint> = Vec::new();
    read_all_affected(
        at,
        target,
        &mut claim,
        &mut out,
        &mut hints,
        &mut affected_vectors,
    )?;
    out.claim = claim;
    out.hints = hints;
    let mut all_vectors = vectors;
    all_vectors.extend(affected_vectors);
    out.cvss = record::choose_cvss(&all_vectors, &mut out.notes);

    out.references = at
        .list("references", |r| {
            let kind = r.need("type", |t| t.text())?;
            let url = r.need("url", |t| t.text())?;
            let kind = record::reference_type(&kind)
                .ok_or_else(|| r.error(format!("unknown reference type `{kind}`")))?;
            Ok((kind, url.trim().to_string()))
        })
        .map_err(field)?;
    out.credits = at
        .list("credits", |c| {
            let name = c.need("name", |t| t.text())?;
            let contact = c.list("contact", |t| t.text())?;
            let kind = match c.text_at("type")? {
                Some(k) => record::credit_type(&k)
                    .ok_or_else(|| c.error(format!("unknown credit type `{k}`")))?,
                None => CreditType::Other,
            };
            Ok((
                ImportedCredit {
                    name: name.trim().to_string(),
                    contact,
                    kind,
                },
                c.has("type"),
            ))
        })
        .map_err(field)?
        .into_iter()
        .map(|(credit, typed)| {
            if !typed {
                out.notes.push(format!(
                    "credit `{}` has no type: written as `other`",
                    credit.name
                ));
            }
            credit
        })
        .collect();

    // A record a disclose build wrote: its id is the site prefix and the
    // advisory id, and its page is the advisory's page.
    out.own = !out.hints.is_empty()
        || out
            .page_url
            .as_deref()
            .and_then(page_id)
            .is_some_and(|stem| out.record_id.ends_with(stem));
    out.id = match out.page_url.as_deref().and_then(page_id) {
        Some(stem) if out.own && out.record_id.ends_with(stem) => stem.to_string(),
        _ => out.record_id.clone(),
    };
    if !out.own
        && let Some(level) = &out.severity
    {
        out.notes.push(format!(
            "severity `{level}` is the source database's rating (database_specific.severity)"
        ));
    }
    Ok(out)
}

use super::tree::Kind;

/// The advisory id at the end of a `disclose` advisory page URL,
/// `…/advisories/<id>/`.
pub fn page_id(url: &str) -> Option<&str> {
    let trimmed = url.strip_suffix('/')?;
    let (before, id) = trimmed.rsplit_once('/')?;
    before.ends_with("/advisories").then_some(id)
}

/// Every `affected` entry; a ReadError from inside keeps its code. Entries
/// about other packages are left out (a record may name several).
fn read_all_affected(
    at: At<'_>,
    target: Target<'_>,
    claim: &mut VersionSet,
    out: &mut Imported,
    hints: &mut Vec<SeriesHint>,
    vectors: &mut Vec<String>,
) -> Result<(), ReadError> {
    let mut failure: Option<ReadError> = None;
    let mut others = OtherPackages::default();
    out.claim_at = at
        .with("affected", |a| Ok((a.path(), a.node.pos)))
        .ok()
        .flatten();
    let walked = at.list("affected", |a| {
        if failure.is_some() {
            return Ok(());
        }
        match read_affected(a, target, claim, out, hints, vectors) {
            Ok(()) => others.site_package(),
            Err((code, e)) if code == CODE_PACKAGE || code == CODE_ECOSYSTEM => {
                others.other(&e, (code, e.clone()))
            }
            Err(e) => failure = Some(e),
        }
        Ok(())
    });
    walked.map_err(field)?;
    if let Some(e) = failure {
        return Err(e);
    }
    others.finish(&mut out.notes)
}

fn read_affected(
    a: At<'_>,
    target: Target<'_>,
    claim: &mut VersionSet,
    out: &mut Imported,
    hints: &mut Vec<SeriesHint>,
    vectors: &mut Vec<String>,
) -> Result<(), ReadError> {
    let scheme = target.scheme();
    let (ecosystem, name) = a
        .need("package", |p| {
            let eco = p.need("ecosystem", |e| e.text())?;
            let name = p.need("name", |n| n.text())?;
            Ok((eco, name))
        })
        .map_err(field)?;
    let site = &target.config.project.package;
    // `PyPI` and `Go:linux` style suffixes name the same ecosystem.
    let base_ecosystem = ecosystem.split(':').next().unwrap_or(&ecosystem);
    if base_ecosystem != site.ecosystem {
        let e = a
            .need("package", |p| {
                p.need("ecosystem", |e| {
                    Ok(e.error(format!(
                        "package `{name}` is in ecosystem `{ecosystem}`, the site's is `{}`",
                        site.ecosystem
                    )))
                })
            })
            .map_err(field)?;
        return Err((CODE_ECOSYSTEM, e));
    }
    if !target.is_site_package(base_ecosystem, &name) {
        let e = a
            .need("package", |p| {
                p.need("name", |n| {
                    Ok(n.error(format!(
                        "package `{name}` is not the site's package `{}`",
                        site.name
                    )))
                })
            })
            .map_err(field)?;
        return Err((CODE_PACKAGE, e));
    }
    let normalized = std::cell::RefCell::new(Vec::<String>::new());
    let version = |t: At<'_>| -> Result<Version, FieldError> {
        let text = t.text()?;
        let (v, changed) = range::parse_version(&text, scheme).map_err(|m| t.error(m))?;
        if changed {
            normalized.borrow_mut().push(format!(
                "version `{text}` written as `{v}`, the form the site's scheme spells"
            ));
        }
        Ok(v)
    };
    a.list("ranges", |r| {
        let kind = r.need("type", |t| t.text())?;
        match kind.as_str() {
            "ECOSYSTEM" | "SEMVER" => {
                if kind == "SEMVER" && scheme != crate::model::VersionScheme::Semver {
                    return Err(r.error("a SEMVER range in a site whose versions are PEP 440"));
                }
                let events = r.need("events", |e| {
                    e.each(|ev| {
                        ev.members(|key, val| {
                            Ok(match key {
                                "introduced" => {
                                    let t = val.text()?;
                                    if t == "0" {
                                        Some(Event::Introduced(None))
                                    } else {
                                        Some(Event::Introduced(Some(version(val)?)))
                                    }
                                }
                                "fixed" => Some(Event::Fixed(version(val)?)),
                                "last_affected" => Some(Event::LastAffected(version(val)?)),
                                "limit" => {
                                    let t = val.text()?;
                                    (t != "*").then(|| version(val)).transpose()?.map(Event::Limit)
                                }
                                _ => None,
                            })
                        })
                    })
                })?;
                let events: Vec<Event> = events.into_iter().flatten().flatten().collect();
                for e in &events {
                    match e {
                        Event::Fixed(v) | Event::LastAffected(v) => out.releases.push(v.clone()),
                        Event::Introduced(Some(v)) if !is_series_start_bound(v) => out.releases.push(v.clone()),
                        _ => {}
                    }
                }
                claim.intervals.extend(range::osv_intervals(&events));
            }
            "GIT" => {
                let repo = r.need("repo", |t| t.text())?;
                let repo = repo.trim_end_matches('/').trim_end_matches(".git").to_string();
                r.need("events", |e| {
                    e.each(|ev| {
                        ev.members(|key, val| {
                            let commit = val.text()?;
                            match key {
                                "fixed" => out.loose_patches.push(PatchRef {
                                    commit: Some(commit.to_ascii_lowercase()),
                                    url: commit_url(&repo, &commit),
                                    label: None,
                                }),
                                "introduced" if commit != "0" => out.notes.push(format!(
                                    "GIT range: the commit that introduced it, {commit}, is not kept"
                                )),
                                "last_affected" | "limit" => out.notes.push(format!(
                                    "GIT range: `{key}` commit {commit} is not kept"
                                )),
                                _ => {}
                            }
                            Ok(())
                        })
                    })
                })?;
            }
            other => return Err(r.error(format!("range type `{other}` cannot be read in this site"))),
        }
        Ok(())
    })
    .map_err(|e| {
        if e.message.starts_with("a SEMVER range") || e.message.starts_with("range type") {
            (CODE_ECOSYSTEM, e)
        } else {
            field(e)
        }
    })?;
    let listed = a.list("versions", version).map_err(field)?;
    out.releases.extend(listed.iter().cloned());
    claim.versions.extend(listed);
    a.list("severity", |s| {
        let kind = s.need("type", |t| t.text())?;
        let score = s.need("score", |t| t.text())?;
        vectors.push(if kind.starts_with("CVSS") {
            score
        } else {
            format!("{kind} {score}")
        });
        Ok(())
    })
    .map_err(field)?;
    out.notes.extend(normalized.take());
    if a.has("ecosystem_specific") {
        out.notes
            .push("affected[].ecosystem_specific (e.g. imports, symbols) is not kept".into());
    }
    a.with("database_specific", |d| {
        if d.has("series") {
            let read = d.list("series", |s| read_hint(s, scheme))?;
            hints.extend(read);
        }
        Ok(())
    })
    .map_err(field)?;
    Ok(())
}

/// `X.Y.Z-0` (SemVer) and `X.Y.dev0` (PEP 440): the least version of a
/// series, which records use as a bound, not a release.
pub fn is_series_start_bound(v: &Version) -> bool {
    let s = v.as_str();
    s.ends_with("-0") || s.ends_with(".dev0")
}

fn read_hint(s: At<'_>, scheme: crate::model::VersionScheme) -> Result<SeriesHint, FieldError> {
    let version = |key: &str| -> Result<Option<Version>, FieldError> {
        s.with(key, |t| {
            let text = t.text()?;
            range::parse_version(&text, scheme)
                .map(|v| v.0)
                .map_err(|m| t.error(m))
        })
    };
    let introduced = version("introduced")?;
    let fixed = version("fixed")?;
    let last_affected = version("last_affected")?;
    let patches = s.list("patches", |p| {
        Ok(PatchRef {
            url: p.text_at("url")?,
            commit: p.text_at("commit")?,
            label: p.text_at("label")?,
        })
    })?;
    Ok(SeriesHint {
        series: s.need("series", |t| t.text())?,
        branch: introduced.is_none() && fixed.is_none() && last_affected.is_none(),
        introduced,
        fixed,
        last_affected,
        patches,
        development: false,
    })
}

/// A commit's page on the common forges, from the repository URL.
pub fn commit_url(repo: &str, commit: &str) -> Option<String> {
    let forge = [
        "https://github.com/",
        "https://gitlab.com/",
        "https://codeberg.org/",
        "https://bitbucket.org/",
    ]
    .iter()
    .any(|f| repo.starts_with(f));
    forge.then(|| format!("{repo}/commit/{commit}"))
}
