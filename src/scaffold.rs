//! What `disclose init` and `disclose new` put on disk, computed in memory:
//! the files of a new site and the text of the next advisory, with every
//! date taken from the build clock so the same inputs give the same bytes.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use crate::model::VersionScheme;
use crate::render::Output;

/// What a new site is about.
#[derive(Debug, Clone)]
pub struct InitParams {
    /// Project name as people write it, e.g. `Quill`.
    pub name: String,
    /// OSV ecosystem of the project's package.
    pub ecosystem: String,
    /// Package name in that ecosystem.
    pub package: String,
    pub scheme: VersionScheme,
    /// Absolute URL the site will be served from, ending in `/`.
    pub base_url: String,
    /// The build clock.
    pub now: Timestamp,
}

impl InitParams {
    /// Settings for project `name` with the defaults `init` uses for every
    /// option not given: the scheme's usual ecosystem, the name in lower case
    /// as package, and a placeholder `.example` URL.
    pub fn with_defaults(
        name: &str,
        ecosystem: Option<String>,
        package: Option<String>,
        scheme: VersionScheme,
        base_url: Option<String>,
        now: Timestamp,
    ) -> Self {
        let slug = slug(name);
        let ecosystem = ecosystem.unwrap_or_else(|| {
            match scheme {
                VersionScheme::Pep440 => "PyPI",
                VersionScheme::Semver => "crates.io",
            }
            .to_string()
        });
        let mut base_url = base_url.unwrap_or_else(|| format!("https://{slug}.example/security/"));
        if !base_url.ends_with('/') {
            base_url.push('/');
        }
        InitParams {
            name: name.to_string(),
            ecosystem,
            package: package.unwrap_or(slug),
            scheme,
            base_url,
            now,
        }
    }
}

/// `name` in lower case with runs of other characters turned into one `-`:
/// usable as a package name and a host name label.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "project".into()
    } else {
        out
    }
}

/// The advisory id prefix made from a project name: its ASCII letters and
/// digits in upper case (`Quill` → `QUILL`).
pub fn id_prefix_for(name: &str) -> String {
    let prefix: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if prefix.is_empty() {
        "SEC".into()
    } else {
        prefix
    }
}

/// Splits an id of the form `<PREFIX>-<YEAR>-<NNNN>` into its parts.
pub fn split_id(id: &str) -> Option<(&str, i16, u32)> {
    let (rest, number) = id.rsplit_once('-')?;
    let (prefix, year) = rest.rsplit_once('-')?;
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    if prefix.is_empty() || year.len() != 4 || !digits(year) || !digits(number) {
        return None;
    }
    Some((prefix, year.parse().ok()?, number.parse().ok()?))
}

/// The prefix the existing advisories use most (ties: the alphabetically
/// first), or `None` when no id has the `<PREFIX>-<YEAR>-<NNNN>` form.
pub fn prefix_in_use<'a>(ids: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    for id in ids {
        if let Some((prefix, _, _)) = split_id(id) {
            *counts.entry(prefix).or_default() += 1;
        }
    }
    let best = counts.values().copied().max()?;
    counts
        .into_iter()
        .find(|&(_, n)| n == best)
        .map(|(p, _)| p.to_string())
}

/// The next free id for `prefix` in `year`: one more than the highest number
/// used that year, zero-padded to four digits.
pub fn next_id<'a>(ids: impl IntoIterator<Item = &'a str>, prefix: &str, year: i16) -> String {
    let highest = ids
        .into_iter()
        .filter_map(split_id)
        .filter(|&(p, y, _)| p == prefix && y == year)
        .map(|(_, _, n)| n)
        .max()
        .unwrap_or(0);
    format!("{prefix}-{year:04}-{:04}", highest + 1)
}

/// The UTC calendar date of `t`.
pub fn utc_date(t: Timestamp) -> Date {
    t.to_zoned(TimeZone::UTC).date()
}

fn days(n: i64) -> SignedDuration {
    SignedDuration::from_hours(24 * n)
}

/// The day `n` days from the clock's UTC date (negative: before). Saturates
/// at the calendar's ends instead of failing.
fn day_offset(now: Timestamp, n: i64) -> Date {
    let date = utc_date(now);
    date.checked_add(days(n))
        .unwrap_or(if n < 0 { Date::MIN } else { Date::MAX })
}

/// A YAML/JSON double-quoted string: JSON strings are valid YAML scalars.
fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// A TOML basic string.
fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The package URL type of an OSV ecosystem, when purl defines one.
fn purl_type(ecosystem: &str) -> &'static str {
    match ecosystem {
        "PyPI" => "pypi",
        "crates.io" => "cargo",
        "npm" => "npm",
        "Go" => "golang",
        "Maven" => "maven",
        "NuGet" => "nuget",
        "RubyGems" => "gem",
        "Packagist" => "composer",
        "Hex" => "hex",
        "Pub" => "pub",
        "Hackage" => "hackage",
        "CRAN" => "cran",
        "SwiftURL" => "swift",
        "ConanCenter" => "conan",
        _ => "generic",
    }
}

/// The series and versions the scaffold uses; valid in both schemes.
const RELEASED_SERIES: &str = "1.0";
const FIRST_VERSION: &str = "1.0.0";
const FIXED_VERSION: &str = "1.0.1";
/// Placeholder commits of the example fixes.
const FIX_COMMIT_MAIN: &str = "4c0d7a1e9b2f3e5d6c8a0b1f2e3d4c5b6a7f8e9d";
const FIX_COMMIT_SERIES: &str = "9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f";

/// Every file of a new site, by path relative to its directory.
pub fn init_files(p: &InitParams) -> Vec<Output> {
    let id = format!(
        "{}-{:04}-0001",
        id_prefix_for(&p.name),
        utc_date(p.now).year()
    );
    let mut files = vec![
        Output::new("site.toml", site_toml(p)),
        Output::new("content/releases.yaml", releases_yaml(p)),
        Output::new(
            format!("content/advisories/{id}.md"),
            example_advisory(p, &id),
        ),
        Output::new("content/pages/policy.md", policy_page(p)),
        Output::new(".gitignore", "public/\nprenotify/\nannounce/\n"),
    ];
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

fn site_toml(p: &InitParams) -> String {
    let slug = slug(&p.name);
    let host = p
        .base_url
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or("example.org")
        .to_string();
    let origin = p
        .base_url
        .split_once("://")
        .map(|(scheme, _)| format!("{scheme}://{host}"))
        .unwrap_or_else(|| format!("https://{host}"));
    let scheme = match p.scheme {
        VersionScheme::Pep440 => "pep440",
        VersionScheme::Semver => "semver",
    };
    let contact = format!("mailto:security@{host}");
    format!(
        r#"# Settings of the {name} security site. docs/format.md lists every key.

title = {title}
# Where the site is served from; every link and feed id is built on it.
base_url = {base_url}
language = "en"
theme = "default"

[project]
name = {name_str}
# Who makes the project: the vendor in CSAF documents.
vendor = {vendor}
# Commit hashes in patches link under <repository>/commit/.
repository = {repository}
# How versions compare: "pep440" or "semver".
version_scheme = "{scheme}"

# The package every advisory is about unless it names another.
[project.package]
ecosystem = {ecosystem}
name = {package}
purl = {purl}

[severity]
levels = ["high", "moderate", "low"] # highest first

[security_txt]
# Where to report a vulnerability, most preferred first.
contact = [{contact}]
preferred_languages = ["en"]
# Expires is this many days after each build: rebuild well before then.
expires_days = 180

[csaf]
publisher_name = {vendor}
# A URL that identifies the publisher.
namespace = {origin}
category = "vendor"
contact_details = {contact_details}

[osv]
# "x_" until the database has a registered OSV prefix.
id_prefix = "x_"

[feeds]
entries = 50

# The steps of a security release: `disclose calendar` dates them,
# `disclose announce` writes the release-day texts.
[disclosure]
# The pre-notification goes out this many days before the release when no
# advisory of it sets `announce`: the policy's "about a week".
prenotify_days = 7
# Request the CVE ids this many days before the release (no fewer than
# prenotify_days: the confidential pre-notification names them).
cve_request_days = 14
# The release-day mail goes to the project's announce list, and to
# oss-security (the public list of distributions) unless this is false.
# announce_list = {announce_list}
oss_security = true
# The sender of the mails; by default the site's title and the first
# mailto: contact above.
# mail_from = {mail_from}
"#,
        name = p.name.replace('\n', " "),
        title = toml_str(&format!("{} security", p.name)),
        base_url = toml_str(&p.base_url),
        name_str = toml_str(&p.name),
        vendor = toml_str(&format!("{} developers", p.name)),
        repository = toml_str(&format!("https://github.com/{slug}/{slug}")),
        ecosystem = toml_str(&p.ecosystem),
        package = toml_str(&p.package),
        purl = toml_str(&format!(
            "pkg:{}/{}",
            purl_type(&p.ecosystem),
            // An npm scope's `@` is percent-encoded in a purl's namespace.
            p.package.replace('@', "%40")
        )),
        contact = toml_str(&contact),
        origin = toml_str(&origin),
        contact_details = toml_str(&format!("security@{host}")),
        announce_list = toml_str(&format!("{slug}-announce@{host}")),
        mail_from = toml_str(&format!("{} security team <security@{host}>", p.name)),
    )
}

fn releases_yaml(p: &InitParams) -> String {
    format!(
        r#"# Release series, newest first. The support status of each is computed
# from these dates for the build's clock.
series:
  - name: main
    development: true
  - name: "{RELEASED_SERIES}"
    released: {released}
    bugfix_until: {bugfix_until}
    security_until: {security_until}
    versions:
      - {{ version: "{FIRST_VERSION}", date: {released} }}
      - {{ version: "{FIXED_VERSION}", date: {fixed_on} }}
"#,
        released = day_offset(p.now, -365),
        bugfix_until = day_offset(p.now, 180),
        security_until = day_offset(p.now, 365),
        fixed_on = day_offset(p.now, -30),
    )
}

fn example_advisory(p: &InitParams, id: &str) -> String {
    let published = day_offset(p.now, -30);
    let year = published.year();
    let repository = format!("https://github.com/{0}/{0}", slug(&p.name));
    format!(
        r#"---
# An example advisory with every field; edit it or delete it. The file name
# is the advisory id.
title: {title}
aliases: [CVE-{year:04}-0000001]
published: {published}T14:00:00Z
severity: moderate
cvss: CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N
cwe: [CWE-79]
affected:
  - series: "{RELEASED_SERIES}"
    introduced: "{FIRST_VERSION}"
    fixed: "{FIXED_VERSION}"
    patches:
      - commit: {FIX_COMMIT_SERIES}
        label: {RELEASED_SERIES} branch
  - series: main
    patches:
      - commit: {FIX_COMMIT_MAIN}
        label: main branch
credits:
  - name: Alex Example
    contact: https://github.com/alex-example
    type: finder
  - name: {team}
    type: coordinator
references:
  - type: advisory
    url: {url}
  - type: fix
    url: {repository}/commit/{FIX_COMMIT_MAIN}
---
The error page of {name} showed the requested path without escaping it. A
link to a path with a `<script>` element in it ran that script in the
browser of whoever followed the link, with their session on the site.

Sites are affected when they show the built-in error page, which is the
default. The path is now escaped; as a workaround on older versions,
configure a custom error page.
"#,
        title = quoted(&format!(
            "Cross-site scripting in the {} error page",
            p.name
        )),
        team = quoted(&format!("{} security team", p.name)),
        url = quoted(&format!("{}advisories/{id}/", p.base_url)),
        name = p.name,
    )
}

fn policy_page(p: &InitParams) -> String {
    let name = &p.name;
    format!(
        r#"---
title: Security policy
slug: policy
---
## Reporting a vulnerability

Report security issues in {name} privately to the contact listed in
[security.txt](../.well-known/security.txt), never in a public issue. Say
which version you use, how to reproduce the problem and what an attacker
gains. Encrypt the report if you can.

## What happens next

We acknowledge a report within three working days, confirm or reject it
within two weeks, and keep the reporter informed until it is fixed. Fixes
are prepared in private and released for every supported series at once.

## Supported versions

Security fixes are made for the series listed as supported on the
[versions page](../versions/). Upgrade to a supported series to keep
receiving them.

## Severity

Each advisory is rated high, moderate or low, from the impact on a typical
deployment; a CVSS vector is given when one has been assessed.

## Disclosure

About a week before a security release we announce its date and severity,
without details. On release day the advisory, its CVE ids, the patches and
the fixed versions are published together, and the reporter is credited
unless they ask not to be.
"#
    )
}

/// What `disclose new` writes.
#[derive(Debug, Clone)]
pub struct NewAdvisory<'a> {
    pub id: &'a str,
    pub title: Option<&'a str>,
    pub severity: Option<&'a str>,
    /// `(series, fixed version)`; no entries means the given default series.
    pub affected: &'a [(String, Option<String>)],
    pub now: Timestamp,
}

/// How long after the clock a new draft is published: it starts embargoed.
pub const DRAFT_EMBARGO_DAYS: i64 = 7;

/// The text of a new advisory: an embargoed draft, published
/// [`DRAFT_EMBARGO_DAYS`] after the clock at 12:00 UTC.
pub fn new_advisory(a: &NewAdvisory<'_>) -> String {
    let published = day_offset(a.now, DRAFT_EMBARGO_DAYS);
    // The id in the default title keeps it unique, so the leak scan never
    // mistakes ordinary words on published pages for this draft.
    let title = a
        .title
        .map(str::to_string)
        .unwrap_or_else(|| format!("Vulnerability {} (title to be written)", a.id));
    let mut out = String::from("---\n");
    out.push_str(&format!("title: {}\n", quoted(&title)));
    out.push_str(&format!("published: {published}T12:00:00Z\n"));
    if let Some(severity) = a.severity {
        out.push_str(&format!("severity: {}\n", quoted(severity)));
    }
    out.push_str("affected:\n");
    for (series, fixed) in a.affected {
        out.push_str(&format!("  - series: {}\n", quoted(series)));
        if let Some(fixed) = fixed {
            out.push_str(&format!("    fixed: {}\n", quoted(fixed)));
        }
    }
    out.push_str(
        "---\n\
         This advisory is under embargo until its publish date. Describe the\n\
         vulnerability here before then: what is affected and under which\n\
         conditions, what an attacker can do, and how to upgrade or work around it.\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_id_follows_the_highest_number_of_the_year() {
        let ids = ["QUILL-2026-0001", "QUILL-2026-0003", "QUILL-2025-0009"];
        assert_eq!(next_id(ids, "QUILL", 2026), "QUILL-2026-0004");
        assert_eq!(next_id(ids, "QUILL", 2027), "QUILL-2027-0001");
        assert_eq!(next_id(ids, "OTHER", 2026), "OTHER-2026-0001");
    }

    #[test]
    fn ids_split_only_in_the_documented_form() {
        assert_eq!(split_id("A-B-2026-0012"), Some(("A-B", 2026, 12)));
        assert_eq!(split_id("QUILL-26-0001"), None);
        assert_eq!(split_id("QUILL-2026-"), None);
        assert_eq!(split_id("2026-0001"), None);
    }

    #[test]
    fn prefix_from_ids_or_name() {
        assert_eq!(
            prefix_in_use(["LARCH-2026-0001", "LARCH-2025-0001", "X-2026-0001"]),
            Some("LARCH".into())
        );
        assert_eq!(prefix_in_use(["notes"]), None);
        assert_eq!(id_prefix_for("my-project 2"), "MYPROJECT2");
        assert_eq!(slug("My Project!"), "my-project");
    }
}
