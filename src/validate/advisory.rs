//! One advisory file → [`Advisory`]: every field checked, and every series
//! and version checked against the releases file.

use crate::config::SiteConfig;
use crate::diagnostic::{Diagnostics, Pos, SourceName};
use crate::load::ParsedAdvisory;
use crate::load::raw::RawPatch;
use crate::load::yaml::Located;
use crate::markdown;
use crate::model::{
    Advisory, AdvisoryId, Affected, Alias, Credit, Cvss, Cwe, Instant, OSV_ECOSYSTEMS, Package,
    Patch, Reference, Releases, Version, Withdrawal, check_purl, parse_instant,
};

use super::releases::version_help;

/// What an advisory is checked against.
pub struct Context<'a> {
    pub config: &'a SiteConfig,
    pub releases: &'a Releases,
}

/// Reports problems in `diags`; returns the advisory when it has no errors.
pub fn validate_advisory(
    parsed: ParsedAdvisory,
    ctx: &Context<'_>,
    diags: &mut Diagnostics,
) -> Option<Advisory> {
    let errors_before = diags.error_count();
    let file = &parsed.file;
    let at = |p: Pos| p.shifted(parsed.yaml_first_line);
    let raw = &parsed.raw;

    // id: defaults to the file stem, must equal it.
    let id_text = raw
        .id
        .as_ref()
        .map_or(parsed.stem.as_str(), |i| i.value.as_str());
    let id_pos = raw.id.as_ref().map_or(Pos::START, |i| at(i.pos));
    let id = match AdvisoryId::parse(id_text) {
        Ok(id) => Some(id),
        Err(msg) => {
            diags
                .error("invalid-id", file, id_pos, msg)
                .help("rename the file and its id to e.g. PROJECT-2026-0001");
            None
        }
    };
    if let Some(given) = &raw.id
        && given.value != parsed.stem
        && id.is_some()
    {
        diags
            .error(
                "id-mismatch",
                file,
                at(given.pos),
                format!(
                    "id `{}` differs from the file name `{}`",
                    given.value, parsed.stem
                ),
            )
            .help(format!(
                "rename the file to `{}.{}`, or remove `id`",
                given.value,
                extension(file)
            ));
    }
    if let Some(id) = &id
        && ctx.config.osv.id_prefix.is_empty()
    {
        let osv_id = format!("{}{}", ctx.config.osv.id_prefix, id);
        if !crate::model::osv_id_is_valid(&osv_id) {
            diags
                .error(
                    "invalid-osv-id",
                    file,
                    id_pos,
                    format!(
                        "OSV id `{osv_id}` does not start with a registered OSV prefix or `x_`"
                    ),
                )
                .help("with an empty [osv] id_prefix, advisory ids must start with a registered OSV prefix; or set id_prefix = \"x_\" in site.toml");
        }
    }

    // title: one line of plain text.
    let title = raw.title.value.trim().to_string();
    if title.is_empty() {
        diags
            .error("invalid-title", file, at(raw.title.pos), "title is empty")
            .help("give the advisory a one-line title");
    } else if title.contains('\n') {
        diags
            .error(
                "invalid-title",
                file,
                at(raw.title.pos),
                "title spans more than one line",
            )
            .help("keep the title to one line; put the rest in the details");
    } else if title.chars().count() > 200 {
        diags
            .warning(
                "long-title",
                file,
                at(raw.title.pos),
                "title is longer than 200 characters",
            )
            .help("feeds and lists cut long titles; move detail to the text");
    }

    // aliases
    let mut aliases: Vec<Alias> = Vec::new();
    for a in &raw.aliases {
        match Alias::parse(a.value.trim()) {
            Ok(alias) if aliases.contains(&alias) || alias.as_str() == id_text => {
                diags
                    .error(
                        "duplicate-alias",
                        file,
                        at(a.pos),
                        format!("alias `{alias}` is listed twice"),
                    )
                    .help("list each alias once, and not the advisory's own id");
            }
            Ok(alias) => aliases.push(alias),
            Err(msg) => {
                diags
                    .error("invalid-alias", file, at(a.pos), msg)
                    .help("write e.g. CVE-2026-12345 or GHSA-abcd-efgh-ijkl");
            }
        }
    }

    // times
    let instant = |l: &Located<String>, field: &str, diags: &mut Diagnostics| -> Option<Instant> {
        parse_instant(&l.value)
            .map_err(|msg| {
                diags
                    .error("invalid-date", file, at(l.pos), format!("{field}: {msg}"))
                    .help("write an RFC 3339 date-time with offset, e.g. 2026-03-04T14:00:00Z, or a date 2026-03-04");
            })
            .ok()
    };
    let published = instant(&raw.published, "published", diags);
    let announce = raw
        .announce
        .as_ref()
        .and_then(|l| instant(l, "announce", diags).map(|i| (i, l.pos)));
    let modified = raw
        .modified
        .as_ref()
        .and_then(|l| instant(l, "modified", diags).map(|i| (i, l.pos)));
    let withdrawn_at = raw
        .withdrawn
        .as_ref()
        .and_then(|l| instant(l, "withdrawn", diags).map(|i| (i, l.pos)));
    if let Some(published) = published {
        if let Some((a, pos)) = announce
            && a.at >= published.at
        {
            diags
                .error(
                    "announce-after-published",
                    file,
                    at(pos),
                    format!("announce ({}) is not before published ({})", a.at, published.at),
                )
                .help("the pre-notification comes before the release: move announce earlier, or remove it");
        }
        if let Some((m, pos)) = modified
            && m.at < published.at
        {
            diags
                .error(
                    "modified-before-published",
                    file,
                    at(pos),
                    format!("modified ({}) is before published ({})", m.at, published.at),
                )
                .help("modified is the last change, at or after published; remove it if there was none");
        }
        if let Some((w, pos)) = withdrawn_at
            && w.at < published.at
        {
            diags
                .error(
                    "withdrawn-before-published",
                    file,
                    at(pos),
                    format!(
                        "withdrawn ({}) is before published ({})",
                        w.at, published.at
                    ),
                )
                .help("an advisory is withdrawn after it was published");
        }
    }
    let withdrawal = match (&withdrawn_at, &raw.withdrawn_reason) {
        (Some((w, _)), Some(reason)) if !reason.value.trim().is_empty() => Some(Withdrawal {
            at: w.at,
            reason: reason.value.trim().to_string(),
        }),
        (Some((_, pos)), _) => {
            diags
                .error("missing-withdrawn-reason", file, at(*pos), "withdrawn advisory has no withdrawn_reason")
                .help("say why the advisory was withdrawn, e.g. `withdrawn_reason: not a vulnerability`");
            None
        }
        (None, Some(reason)) if raw.withdrawn.is_none() => {
            diags
                .error(
                    "withdrawn-reason-without-date",
                    file,
                    at(reason.pos),
                    "withdrawn_reason without withdrawn",
                )
                .help("add `withdrawn:` with the date-time it was withdrawn");
            None
        }
        _ => None,
    };
    let is_withdrawn = raw.withdrawn.is_some();

    // severity and scores
    let severity = raw.severity.as_ref().and_then(|s| {
        let level = s.value.trim();
        if ctx.config.severity.levels.iter().any(|l| l == level) {
            Some(level.to_string())
        } else {
            diags
                .error(
                    "unknown-severity",
                    file,
                    at(s.pos),
                    format!("severity `{level}` is not on the site's scale"),
                )
                .help(format!(
                    "use one of: {} (site.toml [severity] levels), or remove it for not rated",
                    ctx.config.severity.levels.join(", ")
                ));
            None
        }
    });
    let cvss = raw.cvss.as_ref().and_then(|c| {
        Cvss::parse(&c.value)
            .map_err(|msg| {
                diags
                    .error("invalid-cvss", file, at(c.pos), msg)
                    .help("paste the vector from a CVSS calculator, e.g. CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
            })
            .ok()
    });
    let mut cwe: Vec<Cwe> = Vec::new();
    for c in &raw.cwe {
        match Cwe::parse(c.value.trim()) {
            Ok(v) if !cwe.contains(&v) => cwe.push(v),
            Ok(v) => {
                diags
                    .warning(
                        "duplicate-cwe",
                        file,
                        at(c.pos),
                        format!("{v} is listed twice"),
                    )
                    .help("list each CWE once");
            }
            Err(msg) => {
                diags
                    .error("invalid-cwe", file, at(c.pos), msg)
                    .help("write e.g. CWE-79");
            }
        }
    }

    // package
    let site_pkg = &ctx.config.project.package;
    let package = match &raw.package {
        None => Package {
            ecosystem: site_pkg.ecosystem.clone(),
            name: site_pkg.name.clone(),
            purl: site_pkg.purl.clone(),
        },
        Some(p) => {
            let pkg = Package {
                ecosystem: p
                    .value
                    .ecosystem
                    .clone()
                    .unwrap_or_else(|| site_pkg.ecosystem.clone()),
                name: p
                    .value
                    .name
                    .clone()
                    .unwrap_or_else(|| site_pkg.name.clone()),
                purl: p
                    .value
                    .purl
                    .clone()
                    .unwrap_or_else(|| site_pkg.purl.clone()),
            };
            if let Err(msg) = check_purl(&pkg.purl) {
                diags
                    .error("invalid-purl", file, at(p.pos), msg)
                    .help("write a package URL without a version, e.g. pkg:pypi/name");
            }
            if !OSV_ECOSYSTEMS.contains(&pkg.ecosystem.as_str()) {
                diags
                    .warning("unknown-ecosystem", file, at(p.pos), format!("`{}` is not an OSV ecosystem", pkg.ecosystem))
                    .help("OSV consumers match packages by ecosystem: use e.g. PyPI, crates.io, npm, Go, Maven");
            }
            pkg
        }
    };

    // affected
    let affected = validate_affected(&raw.affected, ctx, file, &at, diags);
    if raw.affected.is_empty() && !is_withdrawn {
        diags
            .error("missing-affected", file, at(raw.title.pos), "no affected series are listed")
            .help("add `affected:` with one entry per affected release series, e.g. `- {series: \"5.1\", fixed: \"5.1.3\"}`");
    }

    // credits and references
    let mut credits = Vec::with_capacity(raw.credits.len());
    for c in &raw.credits {
        let name = c.name.value.trim();
        if name.is_empty() {
            diags
                .error(
                    "invalid-credit",
                    file,
                    at(c.name.pos),
                    "credit has an empty name",
                )
                .help("name the person or organisation");
            continue;
        }
        let contact = c.contact.clone().map(|l| (l.value.into_vec(), l.pos));
        if let Some((urls, pos)) = &contact {
            for u in urls {
                if !(u.starts_with("mailto:")
                    || u.starts_with("https://")
                    || u.starts_with("http://"))
                {
                    diags
                        .error(
                            "invalid-url",
                            file,
                            at(*pos),
                            format!("contact `{u}` is not a mailto: or http(s) URL"),
                        )
                        .help("write e.g. mailto:jane@example.org or https://example.org/jane");
                }
            }
        }
        credits.push(Credit {
            name: name.to_string(),
            contact: contact.map(|c| c.0).unwrap_or_default(),
            kind: c.kind.value,
        });
    }
    let mut references = Vec::with_capacity(raw.references.len());
    for r in &raw.references {
        let url = r.url.value.trim();
        if !is_http_url(url) {
            diags
                .error(
                    "invalid-url",
                    file,
                    at(r.url.pos),
                    format!("reference `{url}` is not an http(s) URL"),
                )
                .help("write an absolute URL, e.g. https://example.org/post");
            continue;
        }
        references.push(Reference {
            kind: r.kind.value,
            url: url.to_string(),
        });
    }

    // details: the Markdown body of a .md file, or the `details` field of a .yaml file.
    let details = match (&parsed.body, &raw.details) {
        (Some(_), Some(d)) => {
            diags
                .error("details-in-front-matter", file, at(d.pos), "details given both in front matter and as the Markdown body")
                .help("in a .md file the Markdown after the front matter is the details: remove the `details` field");
            Some(String::new())
        }
        (Some(body), None) => Some(body.value.clone()),
        (None, Some(d)) => Some(d.value.clone()),
        (None, None) => None,
    };
    let details = match details {
        Some(text) if raw.details.is_some() && parsed.body.is_some() => text,
        Some(text) if !text.trim().is_empty() => {
            check_markdown(&text, file, &parsed, &raw.details, diags);
            text
        }
        _ => {
            let pos = parsed.body.as_ref().map_or(Pos::START, |b| b.pos);
            diags
                .error("missing-details", file, pos, "the advisory has no details")
                .help(if file.as_str().ends_with(".md") {
                    "write the description in Markdown after the front matter"
                } else {
                    "add a `details: |` field with the Markdown description"
                });
            String::new()
        }
    };

    if diags.error_count() > errors_before {
        return None;
    }
    let published = published?;
    Some(Advisory {
        id: id?,
        file: file.clone(),
        title,
        aliases,
        published,
        announce: announce.map(|a| a.0.at),
        modified: modified.map_or(published.at, |m| m.0.at),
        withdrawn: withdrawal,
        severity,
        cvss,
        cwe,
        package,
        affected,
        credits,
        references,
        details,
    })
}

fn extension(file: &SourceName) -> &str {
    file.as_str().rsplit('.').next().unwrap_or("md")
}

fn is_http_url(s: &str) -> bool {
    (s.starts_with("https://") || s.starts_with("http://"))
        && s.len() > "https://".len()
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Reports active content in the details at its position in the file.
fn check_markdown(
    text: &str,
    file: &SourceName,
    parsed: &ParsedAdvisory,
    yaml_details: &Option<Located<String>>,
    diags: &mut Diagnostics,
) {
    for found in markdown::find_unsafe(text) {
        let pos = match (&parsed.body, yaml_details) {
            (Some(body), _) => {
                let p = Pos::of_offset(text, found.offset);
                Pos::new(p.line + body.pos.line - 1, p.column)
            }
            // In a YAML block scalar the text is re-indented; point at the field.
            (None, Some(d)) => d.pos.shifted(parsed.yaml_first_line),
            (None, None) => Pos::START,
        };
        report_unsafe(diags, file, pos, &found.what);
    }
}

pub fn report_unsafe(diags: &mut Diagnostics, file: &SourceName, pos: Pos, what: &str) {
    diags
        .error("unsafe-html", file, pos, format!("the Markdown contains {what}"))
        .help("scripts, frames, event handlers and script URLs are not allowed; describe the payload in a code span instead");
}

fn validate_affected(
    raw: &[crate::load::raw::RawAffected],
    ctx: &Context<'_>,
    file: &SourceName,
    at: &dyn Fn(Pos) -> Pos,
    diags: &mut Diagnostics,
) -> Vec<Affected> {
    let scheme = ctx.releases.scheme;
    let mut out: Vec<Affected> = Vec::with_capacity(raw.len());
    for a in raw {
        let name = a.series.value.trim();
        let Some(series) = ctx.releases.get(name) else {
            let known: Vec<&str> = ctx
                .releases
                .series
                .iter()
                .map(|s| s.name.as_str())
                .collect();
            diags
                .error(
                    "unknown-series",
                    file,
                    at(a.series.pos),
                    format!("series `{name}` is not in content/releases.yaml"),
                )
                .help(format!(
                    "use one of: {}; or add the series to content/releases.yaml",
                    known.join(", ")
                ));
            continue;
        };
        if out.iter().any(|o| o.series == name) {
            diags
                .error(
                    "duplicate-series",
                    file,
                    at(a.series.pos),
                    format!("series `{name}` is listed twice"),
                )
                .help("list each series once; put all its patches in one entry");
            continue;
        }
        let version = |l: &Located<String>, diags: &mut Diagnostics| {
            Version::parse(l.value.trim(), scheme)
                .map_err(|msg| {
                    diags
                        .error("invalid-version", file, at(l.pos), msg)
                        .help(version_help(scheme));
                })
                .ok()
        };
        let fixed = a.fixed.as_ref().and_then(|f| {
            let v = version(f, diags)?;
            if series.release(&v).is_none() {
                let latest = series.latest_version().map_or("none yet".to_string(), |l| l.to_string());
                diags
                    .error(
                        "unreleased-fix",
                        file,
                        at(f.pos),
                        format!("fixed version `{v}` is not a released version of series `{name}`"),
                    )
                    .help(format!(
                        "add `{v}` to the series' versions in content/releases.yaml (latest listed: {latest}), or correct the version"
                    ));
            }
            Some(v)
        });
        let introduced = a.introduced.as_ref().and_then(|i| {
            let v = version(i, diags)?;
            if series.release(&v).is_none() {
                diags
                    .error(
                        "introduced-not-in-series",
                        file,
                        at(i.pos),
                        format!("introduced version `{v}` is not a released version of series `{name}`"),
                    )
                    .help("name the first affected release of this series, or remove `introduced` to mean the series' first version");
            }
            Some((v, i.pos))
        });
        if let (Some((i, pos)), Some(f)) = (&introduced, &fixed)
            && i >= f
        {
            diags
                .error(
                    "introduced-after-fixed",
                    file,
                    at(*pos),
                    format!("introduced version `{i}` is not before fixed version `{f}`"),
                )
                .help("the first affected version comes before the fix");
        }
        let patches = a
            .patches
            .iter()
            .filter_map(|p| validate_patch(p, ctx, file, at, diags))
            .collect();
        out.push(Affected {
            series: name.to_string(),
            introduced: introduced.map(|i| i.0),
            fixed,
            patches,
        });
    }
    out
}

/// A commit hash: 7 to 64 hexadecimal digits (SHA-1 and SHA-256 object ids).
fn is_commit_hash(s: &str) -> bool {
    (7..=64).contains(&s.len()) && s.chars().all(|c| c.is_ascii_hexdigit())
}

/// The hash in a commit URL such as `…/commit/<hash>` (GitHub, GitLab,
/// Gitea, cgit `?id=<hash>`).
fn commit_in_url(url: &str) -> Option<String> {
    ["/commit/?id=", "/commit/", "/commits/"]
        .iter()
        .find_map(|marker| url.split_once(marker).map(|(_, tail)| tail))
        .map(|tail| {
            tail.chars()
                .take_while(|c| c.is_ascii_hexdigit())
                .collect::<String>()
        })
        .filter(|hash| is_commit_hash(hash))
        .map(|hash| hash.to_ascii_lowercase())
}

fn validate_patch(
    p: &Located<RawPatch>,
    ctx: &Context<'_>,
    file: &SourceName,
    at: &dyn Fn(Pos) -> Pos,
    diags: &mut Diagnostics,
) -> Option<Patch> {
    let (commit, url, label) = match &p.value {
        RawPatch::Plain(s) => {
            let s = s.trim();
            if is_commit_hash(s) {
                (Some(s.to_string()), None, None)
            } else {
                (None, Some(s.to_string()), None)
            }
        }
        RawPatch::Labelled(l) => (l.commit.clone(), l.url.clone(), l.label.clone()),
    };
    if let Some(c) = &commit
        && !is_commit_hash(c)
    {
        diags
            .error(
                "invalid-patch",
                file,
                at(p.pos),
                format!("`{c}` is not a commit hash"),
            )
            .help("write the commit's hexadecimal hash (7 to 64 digits), or its URL");
        return None;
    }
    if let Some(u) = &url
        && !is_http_url(u)
    {
        diags
            .error("invalid-patch", file, at(p.pos), format!("patch `{u}` is neither a commit hash nor an http(s) URL"))
            .help("write a commit URL such as https://github.com/org/repo/commit/<hash>, or the hash alone");
        return None;
    }
    if commit.is_none() && url.is_none() {
        diags
            .error(
                "invalid-patch",
                file,
                at(p.pos),
                "patch has neither `commit` nor `url`",
            )
            .help("give the commit hash (`commit:`) or its URL (`url:`)");
        return None;
    }
    let commit = commit
        .map(|c| c.to_ascii_lowercase())
        .or_else(|| url.as_deref().and_then(commit_in_url));
    let url = url.or_else(|| {
        let repo = ctx.config.project.repository.as_deref()?;
        Some(format!(
            "{}/commit/{}",
            repo.trim_end_matches('/'),
            commit.as_deref()?
        ))
    });
    Some(Patch { commit, url, label })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_hashes_are_read_from_common_forge_urls() {
        let h = "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567";
        assert_eq!(
            commit_in_url(&format!("https://github.com/o/r/commit/{h}")).as_deref(),
            Some(h)
        );
        assert_eq!(
            commit_in_url(&format!("https://gitlab.com/o/r/-/commit/{h}")).as_deref(),
            Some(h)
        );
        assert_eq!(
            commit_in_url(&format!("https://git.example.org/r.git/commit/?id={h}")).as_deref(),
            Some(h)
        );
        assert_eq!(commit_in_url("https://github.com/o/r/pull/12"), None);
    }
}
