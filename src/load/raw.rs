//! The input files as written: serde types that mirror the YAML exactly, with
//! positions kept. They are turned into checked model types by `validate`,
//! and the JSON Schemas in `schemas/` are generated from them.

use schemars::JsonSchema;
use serde::Deserialize;

use super::yaml::Located;

/// A security advisory: YAML front matter of a `.md` file (whose body is the
/// details) or a whole `.yaml` file with a `details` field.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "disclose advisory")]
pub struct RawAdvisory {
    /// The advisory id, e.g. `LARCH-2026-0004`. Defaults to the file name
    /// without extension, and must equal it when given.
    pub id: Option<Located<String>>,
    /// One line of plain text.
    pub title: Located<String>,
    /// Other ids of the same vulnerability: `CVE-…`, `GHSA-…`, …
    #[serde(default)]
    pub aliases: Vec<Located<String>>,
    /// When the advisory becomes public (the embargo lift): an RFC 3339
    /// date-time with offset, or a bare date meaning the end of that day
    /// everywhere on Earth (the next day 12:00 UTC).
    pub published: Located<String>,
    /// From this time until `published`, a pre-notification shows the date
    /// and severity of the coming release, nothing else.
    pub announce: Option<Located<String>>,
    /// The last change; defaults to `published`, never earlier.
    pub modified: Option<Located<String>>,
    /// When the advisory was withdrawn; needs `withdrawn_reason`.
    pub withdrawn: Option<Located<String>>,
    /// Why the advisory was withdrawn.
    pub withdrawn_reason: Option<Located<String>>,
    /// A level of the site's severity scale; absent means not rated.
    pub severity: Option<Located<String>>,
    /// A CVSS v3.1 or v4.0 vector; the base score is computed from it.
    pub cvss: Option<Located<String>>,
    /// Weakness ids, `CWE-<number>`.
    #[serde(default)]
    pub cwe: Vec<Located<String>>,
    /// The affected package; each field defaults to the site's package.
    pub package: Option<Located<RawPackage>>,
    /// One entry per affected release series. Required unless withdrawn.
    #[serde(default)]
    pub affected: Vec<RawAffected>,
    /// People and organisations to thank.
    #[serde(default)]
    pub credits: Vec<RawCredit>,
    /// Links to more information.
    #[serde(default)]
    pub references: Vec<RawReference>,
    /// Markdown description (pure YAML files only; in Markdown files it is the body).
    pub details: Option<Located<String>>,
}

/// A package in a packaging ecosystem.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPackage {
    /// OSV ecosystem name, e.g. `PyPI`, `crates.io`, `npm`.
    pub ecosystem: Option<String>,
    /// Package name in that ecosystem.
    pub name: Option<String>,
    /// Package URL without a version, e.g. `pkg:pypi/larch`.
    pub purl: Option<String>,
}

/// How one release series is affected.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAffected {
    /// A series name from `content/releases.yaml`.
    pub series: Located<String>,
    /// First affected version of the series; defaults to its first version.
    pub introduced: Option<Located<String>>,
    /// The release of this series that fixes it; absent means no fix yet.
    pub fixed: Option<Located<String>>,
    /// Commits that fix it on this series.
    #[serde(default)]
    pub patches: Vec<Located<RawPatch>>,
}

/// A fix commit: a commit URL or hash, or a mapping with a label.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RawPatch {
    /// A commit URL or a commit hash.
    Plain(String),
    /// A commit with a label, e.g. the branch it landed on.
    Labelled(RawLabelledPatch),
}

/// A fix commit with a label.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawLabelledPatch {
    /// A commit hash (hexadecimal, 7 to 64 digits).
    pub commit: Option<String>,
    /// A commit URL.
    pub url: Option<String>,
    /// Shown with the link, e.g. `5.1 branch`.
    pub label: Option<String>,
}

/// Someone credited for the advisory.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCredit {
    pub name: Located<String>,
    /// A URL (`https:`, `mailto:`) or a list of them.
    pub contact: Option<Located<OneOrMany>>,
    /// What they did, as OSV credit types.
    #[serde(rename = "type")]
    pub kind: Located<CreditType>,
}

/// A single string or a list of strings.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

/// OSV credit types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CreditType {
    Finder,
    Reporter,
    Analyst,
    Coordinator,
    RemediationDeveloper,
    RemediationReviewer,
    RemediationVerifier,
    Tool,
    Sponsor,
    Other,
}

impl CreditType {
    /// The OSV spelling, e.g. `REMEDIATION_DEVELOPER`.
    pub fn osv_name(self) -> &'static str {
        match self {
            CreditType::Finder => "FINDER",
            CreditType::Reporter => "REPORTER",
            CreditType::Analyst => "ANALYST",
            CreditType::Coordinator => "COORDINATOR",
            CreditType::RemediationDeveloper => "REMEDIATION_DEVELOPER",
            CreditType::RemediationReviewer => "REMEDIATION_REVIEWER",
            CreditType::RemediationVerifier => "REMEDIATION_VERIFIER",
            CreditType::Tool => "TOOL",
            CreditType::Sponsor => "SPONSOR",
            CreditType::Other => "OTHER",
        }
    }

    /// How the site names the role to people.
    pub fn label(self) -> &'static str {
        match self {
            CreditType::Finder => "finder",
            CreditType::Reporter => "reporter",
            CreditType::Analyst => "analyst",
            CreditType::Coordinator => "coordinator",
            CreditType::RemediationDeveloper => "remediation developer",
            CreditType::RemediationReviewer => "remediation reviewer",
            CreditType::RemediationVerifier => "remediation verifier",
            CreditType::Tool => "tool",
            CreditType::Sponsor => "sponsor",
            CreditType::Other => "other",
        }
    }
}

/// A link to more information.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawReference {
    /// What the link is, as OSV reference types.
    #[serde(rename = "type")]
    pub kind: Located<ReferenceType>,
    pub url: Located<String>,
}

/// OSV reference types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReferenceType {
    Advisory,
    Article,
    Detection,
    Discussion,
    Report,
    Fix,
    Introduced,
    Git,
    Package,
    Evidence,
    Web,
}

impl ReferenceType {
    /// The OSV spelling, e.g. `ADVISORY`.
    pub fn osv_name(self) -> &'static str {
        match self {
            ReferenceType::Advisory => "ADVISORY",
            ReferenceType::Article => "ARTICLE",
            ReferenceType::Detection => "DETECTION",
            ReferenceType::Discussion => "DISCUSSION",
            ReferenceType::Report => "REPORT",
            ReferenceType::Fix => "FIX",
            ReferenceType::Introduced => "INTRODUCED",
            ReferenceType::Git => "GIT",
            ReferenceType::Package => "PACKAGE",
            ReferenceType::Evidence => "EVIDENCE",
            ReferenceType::Web => "WEB",
        }
    }
}

/// `content/releases.yaml`: the project's release series.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "disclose releases")]
pub struct RawReleases {
    /// Every release series, including end-of-life ones and `main`.
    pub series: Vec<RawSeries>,
}

/// One release series (a branch with its own point releases).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSeries {
    /// Series name, e.g. `5.1` or `main`; quote numbers.
    pub name: Located<String>,
    /// The main branch, still in development.
    #[serde(default)]
    pub development: bool,
    /// Date of the series' first final release.
    pub released: Option<Located<String>>,
    /// Long-term support series.
    #[serde(default)]
    pub lts: bool,
    /// End of mainstream support (bug fixes).
    pub bugfix_until: Option<Located<String>>,
    /// End of security support.
    pub security_until: Option<Located<String>>,
    /// Released versions of the series, oldest first.
    #[serde(default)]
    pub versions: Vec<RawVersion>,
}

/// A released version.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawVersion {
    /// The version, in the site's scheme (quote it).
    pub version: Located<String>,
    /// Release date.
    pub date: Located<String>,
}

/// Front matter of a page in `content/pages/`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "disclose page front matter")]
pub struct RawPage {
    pub title: Located<String>,
    /// URL path segment; defaults to the file name.
    pub slug: Option<Located<String>>,
    /// One sentence for search engines and link previews.
    pub description: Option<String>,
}
