//! From records read to files to write: series for every version, one
//! draft per record, the releases file edited, the site as it would be
//! checked, and each new advisory's OSV record read back to make sure it
//! states exactly the affected releases its source did.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;

use crate::diagnostic::{Diagnostic, Pos, Severity};
use crate::load::SiteSources;
use crate::model::{Site, Version, is_safe_segment, ranges};
use crate::render::{Output, paths};
use crate::scaffold;

use super::draft::{Draft, DraftAffected, DraftCredit, DraftPatch};
use super::range::VersionSet;
use super::record::{
    CODE_FIELD, CODE_RANGE, Imported, PatchRef, SeriesHint, Target, file_diagnostic,
};
use super::series::{Catalogue, Entry};
use super::{IdPolicy, ImportError, ImportOptions, Plan, RecordReport};

/// One record on its way to a file.
struct Pending {
    imp: Imported,
    draft: Draft,
    /// The file an `--update` replaces.
    replaces: Option<String>,
}

pub(super) fn assemble(
    opts: &ImportOptions,
    site: &Site,
    sources: SiteSources,
    imported: Vec<Imported>,
    versions: &[(Version, Option<Date>)],
    mut texts: BTreeMap<String, String>,
) -> Result<Plan, ImportError> {
    let target = Target {
        config: &site.config,
    };
    let mut diags: Vec<Diagnostic> = Vec::new();
    let mut catalogue = Catalogue::new(&site.releases, opts.series_depth);
    for (v, date) in versions {
        if let Err(m) = catalogue.add(v, None, None, *date) {
            diags.push(range_error("--versions", &m));
        }
    }
    for imp in &imported {
        let named = Some((imp.record_id.as_str(), imp.published.map(utc_date)));
        for h in &imp.hints {
            if h.branch {
                if catalogue.get(&h.series).is_none() {
                    catalogue.add_branch(&h.series);
                }
                continue;
            }
            for v in [&h.introduced, &h.fixed, &h.last_affected]
                .into_iter()
                .flatten()
            {
                if let Err(m) = catalogue.add(v, Some(&h.series), named, None) {
                    diags.push(range_error(&imp.source, &format!("{}: {m}", imp.record_id)));
                }
            }
        }
        for (v, date) in &imp.release_dates {
            let hint = imp
                .hints
                .iter()
                .find(|h| hint_holds(h, v))
                .map(|h| h.series.as_str());
            if let Err(m) = catalogue.add(v, hint, named, Some(*date)) {
                diags.push(range_error(&imp.source, &format!("{}: {m}", imp.record_id)));
            }
        }
        for v in &imp.releases {
            let hint = imp
                .hints
                .iter()
                .find(|h| hint_holds(h, v))
                .map(|h| h.series.as_str());
            if let Err(m) = catalogue.add(v, hint, named, None) {
                diags.push(range_error(&imp.source, &format!("{}: {m}", imp.record_id)));
            }
        }
    }
    catalogue.estimate_dates(utc_date(opts.now));
    if !diags.is_empty() {
        return Err(ImportError::content(diags, texts));
    }

    // Ids, in publish order so renumbering is stable.
    let mut imported = imported;
    imported.sort_by(|a, b| (a.published, &a.record_id).cmp(&(b.published, &b.record_id)));
    let mut taken: Vec<String> = site.advisories.iter().map(|a| a.id.to_string()).collect();
    let existing_ids = taken.clone();
    let prefix = match &opts.ids {
        IdPolicy::Renumber { prefix: Some(p) } => p.clone(),
        _ => scaffold::prefix_in_use(existing_ids.iter().map(String::as_str))
            .unwrap_or_else(|| scaffold::id_prefix_for(&site.config.project.name)),
    };
    let mut pending: Vec<Pending> = Vec::new();
    let mut seen_ids: BTreeMap<String, String> = BTreeMap::new();
    for mut imp in imported {
        let mut notes = std::mem::take(&mut imp.notes);
        let entries = match catalogue.entries(&imp.claim, &mut notes) {
            Ok(e) => e,
            Err(problem) => {
                diags.push(claim_error(
                    &imp,
                    &format!("record {}: {problem}", imp.record_id),
                ));
                continue;
            }
        };
        if entries.is_empty() && imp.hints.is_empty() && imp.withdrawn.is_none() {
            diags.push(range_error(
                &imp.source,
                &format!(
                    "record {} states no affected version of {}",
                    imp.record_id, site.config.project.package.name
                ),
            ));
            continue;
        }
        let id = match &opts.ids {
            IdPolicy::Keep => imp.id.clone(),
            IdPolicy::Renumber { .. } => {
                let year = imp
                    .published
                    .map_or(utc_date(opts.now).year(), |p| utc_date(p).year());
                let id = scaffold::next_id(taken.iter().map(String::as_str), &prefix, year);
                notes.push(if imp.shared_record {
                    format!("numbered {id}")
                } else {
                    format!(
                        "numbered {id}; the record's id {} is kept as an alias",
                        imp.record_id
                    )
                });
                id
            }
        };
        if !is_safe_segment(&id) {
            diags.push(file_diagnostic(
                &imp.source,
                CODE_FIELD,
                Pos::START,
                format!("id `{id}` cannot name an advisory file (letters, digits, `.`, `_`, `-`)"),
                "import with --renumber to give the records the site's own ids",
            ));
            continue;
        }
        if let Some(other) = seen_ids.insert(id.clone(), imp.source.clone()) {
            diags.push(file_diagnostic(
                &imp.source,
                CODE_FIELD,
                Pos::START,
                format!("id `{id}` is also the id of the record in {other}"),
                "import one of the two, or use --renumber",
            ));
            continue;
        }
        taken.push(id.clone());
        let mut draft = match draft_of(&imp, &id, &entries, site, &catalogue, &opts.ids, &mut notes)
        {
            Ok(d) => d,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        let mut replaces = None;
        if let Some(existing) = site.advisory(&id) {
            let file = existing.file.to_string();
            if !opts.update {
                diags.push(file_diagnostic(
                    &file,
                    "import-exists",
                    Pos::START,
                    format!(
                        "advisory {id} already exists; the record {} from {} is not imported over it",
                        imp.record_id, imp.source
                    ),
                    "pass --update to rewrite it from the record, keeping the fields the record leaves out",
                ));
                continue;
            }
            if !file.ends_with(".md") {
                diags.push(file_diagnostic(
                    &file,
                    "import-exists",
                    Pos::START,
                    format!("advisory {id} is a .yaml file; --update rewrites Markdown files only"),
                    "update this advisory by hand, or turn it into a .md file first",
                ));
                continue;
            }
            let Some(parsed) = sources
                .advisories
                .iter()
                .find(|f| f.name.0 == file)
                .and_then(|f| {
                    crate::load::parse_advisory(f, &mut crate::diagnostic::Diagnostics::new())
                })
            else {
                continue;
            };
            let (merged, kept) = draft.over(&Draft::from_parsed(&parsed));
            draft = merged;
            if !kept.is_empty() {
                notes.push(format!("kept from {file}: {}", kept.join(", ")));
            }
            replaces = Some(file);
        }
        imp.notes = notes;
        pending.push(Pending {
            imp,
            draft,
            replaces,
        });
    }
    if !diags.is_empty() {
        return Err(ImportError::content(diags, texts));
    }

    let releases_out = releases_output(&sources, &catalogue)?;
    let repository = site.config.project.repository.as_deref();
    let render = |pending: &[Pending]| -> Vec<Output> {
        pending
            .iter()
            .map(|p| {
                let path = p.replaces.clone().unwrap_or_else(|| p.draft.path());
                Output::new(path, p.draft.render(repository))
            })
            .collect()
    };
    let mut files = render(&pending);
    let mut checked = check(
        &sources,
        &files,
        releases_out.as_ref(),
        opts.now,
        &mut texts,
    )?;

    // `modified`: only when the record's is later than what the records
    // of the site would say anyway (its releases and withdrawal).
    let mut changed = false;
    for p in &mut pending {
        let Some(modified) = p.imp.modified else {
            continue;
        };
        let Some(a) = checked.advisory(&p.draft.id) else {
            continue;
        };
        if modified < a.published.at {
            p.imp.notes.push(format!(
                "modified ({}) is before published: left out",
                paths::utc_timestamp(modified)
            ));
        } else if modified > ranges::last_change(a, &checked.releases, opts.now) {
            p.draft.modified = Some(paths::utc_timestamp(modified));
            changed = true;
        }
    }
    if changed {
        files = render(&pending);
        checked = check(
            &sources,
            &files,
            releases_out.as_ref(),
            opts.now,
            &mut texts,
        )?;
    }

    for p in &pending {
        if let Err(d) = verify(p, &checked, target, opts.now) {
            diags.push(d);
        }
    }
    if !diags.is_empty() {
        return Err(ImportError::content(diags, texts));
    }

    let mut plan = Plan::default();
    for (p, f) in pending.iter().zip(files) {
        if p.replaces.is_some() {
            plan.updated.push(f);
        } else {
            plan.created.push(f);
        }
        plan.records.push(RecordReport {
            source: p.imp.source.clone(),
            record_id: p.imp.record_id.clone(),
            advisory: p.draft.id.clone(),
            notes: p.imp.notes.clone(),
        });
    }
    plan.catalogue = catalogue_report(&catalogue);
    plan.releases = releases_out;
    plan.warnings = check_warnings(&sources, &plan, opts.now);
    Ok(plan)
}

fn utc_date(t: Timestamp) -> Date {
    scaffold::utc_date(t)
}

fn range_error(source: &str, message: &str) -> Diagnostic {
    file_diagnostic(
        source,
        CODE_RANGE,
        Pos::START,
        message.to_string(),
        "list the releases the range needs in content/releases.yaml or a --versions file; a range that skips releases inside one series needs one advisory per run",
    )
}

/// A range problem, at the part of the record that states the versions.
fn claim_error(imp: &Imported, message: &str) -> Diagnostic {
    let mut d = range_error(&imp.source, message);
    if let Some((path, pos)) = &imp.claim_at {
        d.message = format!("{path}: {}", d.message);
        d.line = pos.line.max(1);
        d.column = pos.column.max(1);
    }
    d
}

/// Whether version `v` lies in what a hint says of its series.
fn hint_holds(h: &SeriesHint, v: &Version) -> bool {
    let Some(i) = &h.introduced else { return false };
    v >= i
        && match (&h.fixed, &h.last_affected) {
            (Some(f), _) => v <= f,
            (None, Some(l)) => v <= l,
            (None, None) => true,
        }
}

/// The advisory file a record becomes.
fn draft_of(
    imp: &Imported,
    id: &str,
    entries: &[Entry],
    site: &Site,
    catalogue: &Catalogue,
    ids: &IdPolicy,
    notes: &mut Vec<String>,
) -> Result<Draft, Diagnostic> {
    let missing = |what: &str| {
        file_diagnostic(
            &imp.source,
            CODE_FIELD,
            Pos::START,
            format!("record {} has no {what}", imp.record_id),
            "an advisory needs a publish time, a title or description, and details",
        )
    };
    let published = imp.published.ok_or_else(|| missing("publish time"))?;
    if imp.details.trim().is_empty() {
        return Err(missing("details or summary"));
    }
    let mut aliases: Vec<String> = Vec::new();
    if matches!(ids, IdPolicy::Renumber { .. }) && !imp.shared_record {
        aliases.push(imp.record_id.clone());
    }
    for a in &imp.aliases {
        let a = a.trim().to_string();
        if a != id && !aliases.contains(&a) {
            aliases.push(a);
        }
    }

    // Affected entries with their patches.
    let mut affected: Vec<DraftAffected> = entries
        .iter()
        .map(|e| DraftAffected {
            series: e.series.clone(),
            introduced: e.introduced.as_ref().map(ToString::to_string),
            fixed: e.fixed.as_ref().map(ToString::to_string),
            patches: Vec::new(),
        })
        .collect();
    for h in &imp.hints {
        let entry = match affected.iter_mut().find(|a| a.series == h.series) {
            Some(e) => e,
            None if h.branch => {
                affected.push(DraftAffected {
                    series: h.series.clone(),
                    ..DraftAffected::default()
                });
                affected.last_mut().expect("just pushed")
            }
            None => {
                notes.push(format!(
                    "the record's series {} holds no release it says is affected: not listed",
                    h.series
                ));
                continue;
            }
        };
        entry.patches = h.patches.iter().map(patch).collect();
        if let Some(i) = &h.introduced
            && entry.introduced.as_deref() != Some(i.as_str())
        {
            notes.push(format!(
                "series {}: the record's own series facts say introduced {i}, its ranges {}",
                h.series,
                entry.introduced.as_deref().unwrap_or("nothing")
            ));
        }
    }
    let mut references: Vec<(String, String)> = Vec::new();
    if imp.own {
        // Written order: the order the fix commits appear in the GIT range.
        let rank = |a: &DraftAffected| {
            a.patches
                .iter()
                .filter_map(|p| {
                    imp.loose_patches
                        .iter()
                        .position(|l| l.commit.is_some() && l.commit == p.commit)
                })
                .min()
                .unwrap_or(usize::MAX)
        };
        affected.sort_by_key(rank);
    } else {
        // Newest series first, as advisory files list them.
        let order = |a: &DraftAffected| {
            catalogue
                .get(&a.series)
                .and_then(|s| s.versions.first().map(|k| k.version.clone()))
        };
        affected.sort_by_key(|a| std::cmp::Reverse(order(a)));
        let fixed: Vec<usize> = affected
            .iter()
            .enumerate()
            .filter(|(_, a)| a.fixed.is_some())
            .map(|(i, _)| i)
            .collect();
        let mut loose: Vec<PatchRef> = Vec::new();
        for p in &imp.loose_patches {
            if !loose.iter().any(|l| l.commit == p.commit) {
                loose.push(p.clone());
            }
        }
        // FIX references that name a commit are patches too.
        for (kind, url) in &imp.references {
            if *kind == crate::model::ReferenceType::Fix
                && let Some(commit) = super::record::commit_in_url(url)
            {
                match loose
                    .iter_mut()
                    .find(|l| l.commit.as_deref() == Some(commit.as_str()))
                {
                    Some(l) => l.url = Some(url.clone()),
                    None => loose.push(PatchRef {
                        commit: Some(commit),
                        url: Some(url.clone()),
                        label: None,
                    }),
                }
            }
        }
        if !loose.is_empty() {
            if let [only] = fixed.as_slice() {
                affected[*only].patches = loose.iter().map(patch).collect();
                notes.push(format!(
                    "fix commits attached to series {}, the only one with a fix",
                    affected[*only].series
                ));
            } else {
                for l in &loose {
                    match &l.url {
                        Some(url) => {
                            if !imp.references.iter().any(|(_, u)| u == url) {
                                references.push(("fix".into(), url.clone()));
                            }
                        }
                        None => notes.push(format!(
                            "fix commit {} has no URL the site can link: left out",
                            l.commit.as_deref().unwrap_or("?")
                        )),
                    }
                }
                notes.push(format!(
                    "{} fix commit(s) kept as `fix` references: with {} fixed series the record does not say which commit fixes which",
                    loose.len(),
                    fixed.len()
                ));
            }
        }
    }

    // References, less what the site's own records add by themselves.
    let page = paths::absolute_url(&site.config, &format!("advisories/{id}/"));
    let patch_urls: Vec<String> = affected
        .iter()
        .flat_map(|a| &a.patches)
        .filter_map(|p| p.url.clone())
        .collect();
    let mut refs: Vec<(String, String)> = imp
        .references
        .iter()
        .map(|(k, u)| (k.osv_name().to_ascii_lowercase(), u.clone()))
        .collect();
    if imp.own {
        refs.retain(|(k, u)| {
            !(k == "advisory" && (Some(u) == imp.page_url.as_ref() || *u == page))
        });
        while refs
            .last()
            .is_some_and(|(k, u)| k == "fix" && patch_urls.contains(u))
        {
            refs.pop();
        }
    }
    if let Some(home) = &imp.page_url
        && *home != page
        && !refs.iter().any(|(_, u)| u == home)
    {
        refs.push(("advisory".into(), home.clone()));
        notes.push(format!(
            "the record's page in its database, {home}, is kept as an advisory reference"
        ));
    }
    refs.extend(references);

    let levels = &site.config.severity.levels;
    let severity = imp.severity.as_ref().and_then(|s| {
        let found = levels.iter().find(|l| l.eq_ignore_ascii_case(s)).cloned();
        if found.is_none() {
            notes.push(format!(
                "severity `{s}` is not on the site's scale ({}): left unrated",
                levels.join(", ")
            ));
        }
        found
    });
    let (withdrawn_reason, reason_written) = match (&imp.withdrawn, &imp.withdrawn_reason) {
        (Some(_), Some(r)) if !r.trim().is_empty() => (Some(r.clone()), false),
        (Some(_), _) => {
            notes.push("withdrawn without a reason in the record: the importer wrote one".into());
            (
                Some(format!(
                    "Withdrawn in the source database ({}), which gives no reason.",
                    imp.record_id
                )),
                true,
            )
        }
        (None, _) => (None, false),
    };
    let mut provenance = vec![format!(
        "Imported from record {} by disclose import.",
        imp.record_id
    )];
    provenance.extend(notes.iter().map(|n| format!("- {}", n.replace('\n', " "))));
    Ok(Draft {
        id: id.to_string(),
        provenance,
        title: imp.title.clone(),
        aliases,
        published: paths::utc_timestamp(published),
        announce: None,
        modified: None,
        withdrawn: imp.withdrawn.map(paths::utc_timestamp),
        withdrawn_reason,
        reason_written,
        severity,
        cvss: imp.cvss.clone(),
        cwe: imp.cwe.clone(),
        package: None,
        affected,
        credits: imp
            .credits
            .iter()
            .map(|c| DraftCredit {
                name: c.name.clone(),
                contact: c.contact.clone(),
                kind: c.kind.osv_name().to_ascii_lowercase(),
            })
            .collect(),
        references: refs,
        details: imp.details.clone(),
    })
}

fn patch(p: &PatchRef) -> DraftPatch {
    DraftPatch {
        commit: p.commit.clone(),
        url: p.url.clone(),
        label: p.label.clone(),
    }
}

/// The releases file with what the catalogue adds, when it adds anything.
fn releases_output(
    sources: &SiteSources,
    catalogue: &Catalogue,
) -> Result<Option<Output>, ImportError> {
    let adds = catalogue.new_series().next().is_some()
        || catalogue.new_versions_of_existing().next().is_some();
    if !adds {
        return Ok(None);
    }
    let Some(file) = &sources.releases else {
        return Ok(None);
    };
    let raw = crate::load::parse_releases(file, &mut crate::diagnostic::Diagnostics::new());
    let Some(raw) = raw else { return Ok(None) };
    let edited = super::releases_edit::edit(&file.text, &raw, catalogue).map_err(|m| {
        ImportError::content(
            vec![file_diagnostic(
                crate::load::RELEASES_FILE,
                "import-releases-layout",
                Pos::START,
                m,
                "add the series and versions by hand, then import again",
            )],
            BTreeMap::new(),
        )
    })?;
    Ok(Some(Output::new(crate::load::RELEASES_FILE, edited)))
}

/// The site as it would be, checked; its errors stop the import.
fn check(
    sources: &SiteSources,
    files: &[Output],
    releases: Option<&Output>,
    now: Timestamp,
    texts: &mut BTreeMap<String, String>,
) -> Result<Site, ImportError> {
    let candidate = super::candidate_sources(sources, files, releases);
    let (site, diags) = super::check_candidate(&candidate, now);
    match site {
        Some(site) => Ok(site),
        None => {
            for (name, text) in candidate.texts_by_name() {
                texts.insert(name.to_string(), text.to_string());
            }
            let errors = diags
                .into_iter()
                .filter(|d| d.severity == Severity::Error)
                .collect();
            Err(ImportError::content(errors, std::mem::take(texts)))
        }
    }
}

fn check_warnings(sources: &SiteSources, plan: &Plan, now: Timestamp) -> Vec<Diagnostic> {
    let files: Vec<Output> = plan.created.iter().chain(&plan.updated).cloned().collect();
    let candidate = super::candidate_sources(sources, &files, plan.releases.as_ref());
    let touched: Vec<&str> = files
        .iter()
        .map(|f| f.path.as_str())
        .chain(plan.releases.iter().map(|r| r.path.as_str()))
        .collect();
    super::check_candidate(&candidate, now)
        .1
        .into_iter()
        .filter(|d| d.severity == Severity::Warning && touched.contains(&d.file.as_str()))
        .collect()
}

/// The OSV record the site would build for the advisory, read back with
/// the reader the source went through, must state the same affected
/// releases as the source on every release the site knows.
fn verify(p: &Pending, site: &Site, target: Target<'_>, now: Timestamp) -> Result<(), Diagnostic> {
    let Some(a) = site.advisory(&p.draft.id) else {
        return Ok(());
    };
    let record = crate::render::osv::record::build(&site.config, &site.releases, a, now);
    let bytes = serde_json::to_vec(&record).unwrap_or_default();
    let built = super::osv::parse_osv(&bytes, "built.json", target)?;
    let cutoff = ranges::cutoff(a, now);
    let differ = differences(&p.imp.claim, &built.claim, site, cutoff);
    if differ.is_empty() {
        return Ok(());
    }
    Err(claim_error(
        &p.imp,
        &format!(
            "record {}: the site's records would not state the same affected releases: {}",
            p.imp.record_id,
            differ.join(", ")
        ),
    ))
}

/// Every release out by `cutoff` on which two claims disagree.
pub fn differences(
    source: &VersionSet,
    built: &VersionSet,
    site: &Site,
    cutoff: Timestamp,
) -> Vec<String> {
    let mut out = Vec::new();
    for s in &site.releases.series {
        for r in ranges::released(s, cutoff) {
            let (a, b) = (source.contains(&r.version), built.contains(&r.version));
            if a != b {
                out.push(format!(
                    "{} {}",
                    r.version,
                    if a {
                        "is affected in the record but not on the site"
                    } else {
                        "is affected on the site but not in the record"
                    }
                ));
            }
        }
    }
    out
}

fn catalogue_report(c: &Catalogue) -> Vec<String> {
    let mut out = Vec::new();
    for s in c.new_series() {
        if s.development {
            out.push(format!(
                "new series {} (a branch without releases, development: true)",
                s.name
            ));
            continue;
        }
        let estimated = s.versions.iter().filter(|k| k.date.is_none()).count();
        let list: Vec<String> = s.versions.iter().map(|k| k.version.to_string()).collect();
        out.push(format!(
            "new series {}: {} ({} with an estimated date); released and security_until set from its first and last release",
            s.name,
            list.join(", "),
            estimated
        ));
    }
    for (s, k) in c.new_versions_of_existing() {
        out.push(format!(
            "new version {} in series {}{}",
            k.version,
            s.name,
            if k.date.is_none() {
                format!(
                    ", date estimated as {}",
                    k.written_date().map(|d| d.to_string()).unwrap_or_default()
                )
            } else {
                String::new()
            }
        ));
    }
    out
}
