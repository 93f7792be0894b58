//! `site.toml` → [`SiteConfig`]: the site's settings, with unknown keys
//! rejected and every value checked once, here.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::diagnostic::{Diagnostics, Pos, SourceName};
use crate::load::SourceFile;
use crate::model::VersionScheme;

/// The site's settings, as written in `site.toml`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "disclose site.toml")]
pub struct SiteConfig {
    /// The site's title, e.g. `Larch security`.
    pub title: String,
    /// Absolute URL the site is served from, ending in `/`.
    pub base_url: String,
    /// BCP 47 language tag of the content.
    #[serde(default = "default_language")]
    pub language: String,
    /// Theme folder under `themes/`.
    #[serde(default = "default_theme")]
    pub theme: String,
    /// Minify HTML output.
    #[serde(default)]
    pub minify: bool,
    /// Path (relative to the site) of an armored OpenPGP secret key used to
    /// sign security.txt and CSAF documents.
    pub signing_key: Option<String>,
    pub project: ProjectConfig,
    #[serde(default)]
    pub severity: SeverityConfig,
    pub security_txt: SecurityTxtConfig,
    pub csaf: CsafConfig,
    #[serde(default)]
    pub osv: OsvConfig,
    #[serde(default)]
    pub feeds: FeedsConfig,
    #[serde(default)]
    pub cve: CveConfig,
    #[serde(default)]
    pub disclosure: DisclosureConfig,
}

/// The project whose advisories these are.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectConfig {
    pub name: String,
    /// Who makes it (CSAF vendor).
    pub vendor: String,
    /// Source repository URL; commit hashes in patches link under `<repository>/commit/`.
    pub repository: Option<String>,
    /// How versions compare.
    pub version_scheme: VersionScheme,
    /// URL of an advisory's source file, with `{path}` standing for its path
    /// in the site, e.g. `https://github.com/o/r/blob/main/{path}`.
    pub source_url: Option<String>,
    pub package: PackageConfig,
}

/// The default package of every advisory.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PackageConfig {
    /// OSV ecosystem, e.g. `PyPI`.
    pub ecosystem: String,
    pub name: String,
    /// Package URL without a version.
    pub purl: String,
}

/// The severity scale.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SeverityConfig {
    /// Levels, highest first.
    pub levels: Vec<String>,
}

impl Default for SeverityConfig {
    fn default() -> Self {
        SeverityConfig {
            levels: vec!["high".into(), "moderate".into(), "low".into()],
        }
    }
}

/// security.txt fields (RFC 9116).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityTxtConfig {
    /// `mailto:`, `https:` or `tel:` URIs, most preferred first.
    pub contact: Vec<String>,
    /// URL of the OpenPGP key to encrypt reports with.
    pub encryption: Option<String>,
    #[serde(default)]
    pub preferred_languages: Vec<String>,
    /// Policy URL; defaults to the site's `/policy/` page.
    pub policy: Option<String>,
    pub hiring: Option<String>,
    /// Days from the build until `Expires`; under a year.
    #[serde(default = "default_expires_days")]
    pub expires_days: u32,
}

/// The CSAF publisher.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CsafConfig {
    pub publisher_name: String,
    /// URL that identifies the publisher.
    pub namespace: String,
    pub category: CsafCategory,
    pub contact_details: Option<String>,
    pub issuing_authority: Option<String>,
}

/// CSAF publisher categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CsafCategory {
    Coordinator,
    Discoverer,
    Other,
    Translator,
    User,
    Vendor,
}

/// OSV export settings.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OsvConfig {
    /// Put before each advisory id to make its OSV id: a registered OSV
    /// database prefix, or `x_` for an unregistered one.
    #[serde(default = "default_osv_prefix")]
    pub id_prefix: String,
}

impl Default for OsvConfig {
    fn default() -> Self {
        OsvConfig {
            id_prefix: default_osv_prefix(),
        }
    }
}

/// Atom feed settings.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedsConfig {
    /// How many entries each feed carries, newest first.
    #[serde(default = "default_feed_entries")]
    pub entries: usize,
}

impl Default for FeedsConfig {
    fn default() -> Self {
        FeedsConfig {
            entries: default_feed_entries(),
        }
    }
}

/// CVE JSON 5 export settings: who assigned the CVE ids (the CNA).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CveConfig {
    /// The CNA's organization UUID in the CVE Services registry. When absent,
    /// records carry the placeholder `00000000-0000-4000-8000-000000000000`,
    /// which CVE Services replace with the submitting CNA's id.
    pub assigner_org_id: Option<String>,
    /// The CNA's short name (2–32 characters), e.g. `larch`.
    pub assigner_short_name: Option<String>,
}

/// The steps of a security release that `disclose calendar` schedules and
/// `disclose announce` writes the texts for.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DisclosureConfig {
    /// Days before a security release to send its pre-notification, when
    /// none of its advisories sets `announce`: the policy's "about a week".
    #[serde(default = "default_prenotify_days")]
    pub prenotify_days: u32,
    /// Days before a security release to request the CVE ids of its
    /// advisories; no fewer than `prenotify_days`, since the confidential
    /// pre-notification names them.
    #[serde(default = "default_cve_request_days")]
    pub cve_request_days: u32,
    /// The project's announce list: the release-day mail is addressed to it,
    /// e.g. `larch-announce@lists.larch.example`.
    pub announce_list: Option<String>,
    /// Also write the release-day mail for oss-security
    /// (`oss-security@lists.openwall.com`), the public list of distributions.
    #[serde(default = "default_true")]
    pub oss_security: bool,
    /// The sender of the release-day mails, e.g. `Larch security team
    /// <security@larch.example>`; defaults to the site's title and the first
    /// `mailto:` contact of security.txt.
    pub mail_from: Option<String>,
}

impl Default for DisclosureConfig {
    fn default() -> Self {
        DisclosureConfig {
            prenotify_days: default_prenotify_days(),
            cve_request_days: default_cve_request_days(),
            announce_list: None,
            oss_security: true,
            mail_from: None,
        }
    }
}

/// The public list of distributions and security researchers.
pub const OSS_SECURITY: &str = "oss-security@lists.openwall.com";

impl DisclosureConfig {
    /// The `From:` of the release-day mails, when one is known.
    pub fn sender(&self, config: &SiteConfig) -> Option<String> {
        self.mail_from.clone().or_else(|| {
            let address = config
                .security_txt
                .contact
                .iter()
                .find_map(|c| c.strip_prefix("mailto:"))?;
            Some(format!("{} <{address}>", config.title))
        })
    }
}

/// Whether `s` can stand in a mail header as an address: one line, with an
/// `@`, no control characters.
fn is_mail_address(s: &str) -> bool {
    s.contains('@') && !s.chars().any(char::is_control) && !s.trim().is_empty()
}

/// Whether `s` is a version 4 UUID, the shape CVE JSON 5 wants for org ids.
pub fn is_uuid_v4(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    let hex = |g: &str| g.chars().all(|c| c.is_ascii_hexdigit());
    groups.len() == 5
        && groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups.iter().all(|g| hex(g))
        && groups[2].starts_with('4')
        && groups[3].starts_with(['8', '9', 'a', 'b', 'A', 'B'])
}

fn default_language() -> String {
    "en".into()
}
fn default_theme() -> String {
    "default".into()
}
fn default_expires_days() -> u32 {
    180
}
fn default_osv_prefix() -> String {
    "x_".into()
}
fn default_feed_entries() -> usize {
    50
}
fn default_prenotify_days() -> u32 {
    7
}
fn default_cve_request_days() -> u32 {
    14
}
fn default_true() -> bool {
    true
}

/// Parses and checks `site.toml`. Returns `None` when it cannot be read at all.
pub fn parse_config(file: &SourceFile, diags: &mut Diagnostics) -> Option<SiteConfig> {
    let mut config: SiteConfig = match toml::from_str(&file.text) {
        Ok(c) => c,
        Err(e) => {
            let pos = e
                .span()
                .map(|s| Pos::of_offset(&file.text, s.start))
                .unwrap_or(Pos::START);
            let message = e.message().trim().to_string();
            let (code, help) = if message.starts_with("unknown field") {
                (
                    "unknown-field",
                    "remove the key or fix its spelling; docs/format.md lists every key",
                )
            } else if message.starts_with("missing field") {
                (
                    "missing-field",
                    "add the key; docs/format.md shows a complete site.toml",
                )
            } else {
                (
                    "invalid-config",
                    "fix the value; docs/format.md shows a complete site.toml",
                )
            };
            diags.error(code, &file.name, pos, message).help(help);
            return None;
        }
    };
    check(&mut config, &file.name, &file.text, diags);
    Some(config)
}

/// The position of `key = …` in the TOML text, for problems found after parsing.
pub fn key_pos(text: &str, key: &str) -> Pos {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix(key)
            && rest.trim_start().starts_with('=')
        {
            let indent = line.len() - trimmed.len();
            let value_at = rest.find('=').map_or(0, |i| i + 1);
            let value_at = value_at + rest[value_at..].len() - rest[value_at..].trim_start().len();
            return Pos::of_offset(text, offset + indent + key.len() + value_at);
        }
        offset += line.len();
    }
    Pos::START
}

fn is_http_url(s: &str) -> bool {
    (s.starts_with("https://") || s.starts_with("http://")) && s.len() > "https://".len()
}

fn check(config: &mut SiteConfig, file: &SourceName, text: &str, diags: &mut Diagnostics) {
    if !is_http_url(&config.base_url) {
        diags
            .error(
                "invalid-url",
                file,
                key_pos(text, "base_url"),
                format!(
                    "base_url `{}` is not an absolute http(s) URL",
                    config.base_url
                ),
            )
            .help("write the full URL the site is served from, e.g. https://example.org/security/");
    } else if !config.base_url.ends_with('/') {
        config.base_url.push('/');
    }
    if !crate::model::is_safe_segment(&config.theme) {
        diags
            .error(
                "invalid-config",
                file,
                key_pos(text, "theme"),
                format!("theme `{}` is not a folder name", config.theme),
            )
            .help("name a folder under themes/, e.g. `default`");
    }
    let levels = &config.severity.levels;
    if levels.is_empty() {
        diags
            .error(
                "invalid-config",
                file,
                key_pos(text, "levels"),
                "the severity scale is empty",
            )
            .help("list the levels highest first, e.g. [\"high\", \"moderate\", \"low\"]");
    }
    for (i, level) in levels.iter().enumerate() {
        if !crate::model::is_safe_segment(level) || level.chars().any(|c| c.is_ascii_uppercase()) {
            diags
                .error(
                    "invalid-config",
                    file,
                    key_pos(text, "levels"),
                    format!("severity level `{level}` is not a lower-case word"),
                )
                .help("use lower-case letters, digits and `-`, e.g. `high`");
        }
        if levels[..i].contains(level) {
            diags
                .error(
                    "invalid-config",
                    file,
                    key_pos(text, "levels"),
                    format!("severity level `{level}` is listed twice"),
                )
                .help("list each level once");
        }
    }
    let st = &config.security_txt;
    if st.expires_days == 0 || st.expires_days >= 365 {
        diags
            .error(
                "invalid-config",
                file,
                key_pos(text, "expires_days"),
                format!("expires_days is {}, not between 1 and 364", st.expires_days),
            )
            .help("RFC 9116 recommends that Expires be less than a year away; 180 is usual");
    } else if st.expires_days < 14 {
        diags
            .warning(
                "short-expiry",
                file,
                key_pos(text, "expires_days"),
                format!("security.txt expires {} days after each build", st.expires_days),
            )
            .help("a site that is not rebuilt within that time serves an expired security.txt; schedule a rebuild or raise expires_days");
    }
    if st.contact.is_empty() {
        diags
            .error(
                "invalid-config",
                file,
                key_pos(text, "contact"),
                "security_txt.contact is empty",
            )
            .help("add at least one contact, e.g. \"mailto:security@example.org\"");
    }
    for c in &st.contact {
        if c.contains(char::is_whitespace) {
            diags
                .error(
                    "invalid-url",
                    file,
                    key_pos(text, "contact"),
                    format!(
                        "contact `{}` contains a blank or line break",
                        c.escape_debug()
                    ),
                )
                .help("a URI has no blanks; write %20 for a space");
        } else if !(c.starts_with("mailto:") || c.starts_with("https://") || c.starts_with("tel:"))
        {
            diags
                .error(
                    "invalid-url",
                    file,
                    key_pos(text, "contact"),
                    format!("contact `{c}` is not a mailto:, https: or tel: URI"),
                )
                .help("write e.g. \"mailto:security@example.org\" or an https:// form URL");
        }
    }
    for lang in &st.preferred_languages {
        if lang.is_empty() || !lang.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            diags
                .error(
                    "invalid-config",
                    file,
                    key_pos(text, "preferred_languages"),
                    format!(
                        "preferred language `{}` is not a language tag",
                        lang.escape_debug()
                    ),
                )
                .help("write RFC 5646 tags such as \"en\" or \"pt-BR\"");
        }
    }
    for (key, value) in [
        ("encryption", &st.encryption),
        ("policy", &st.policy),
        ("hiring", &st.hiring),
        ("repository", &config.project.repository),
    ] {
        if let Some(v) = value
            && (!v.starts_with("https://") || v.contains(char::is_whitespace))
        {
            diags
                .error(
                    "invalid-url",
                    file,
                    key_pos(text, key),
                    format!("{key} `{}` is not an https URL", v.escape_debug()),
                )
                .help("write an absolute https:// URL");
        }
    }
    if let Some(src) = &config.project.source_url
        && (!src.starts_with("https://") || !src.contains("{path}"))
    {
        diags
            .error(
                "invalid-url",
                file,
                key_pos(text, "source_url"),
                format!("source_url `{src}` is not an https URL containing {{path}}"),
            )
            .help("write e.g. https://github.com/org/security/blob/main/{path}");
    }
    if !is_http_url(&config.csaf.namespace) {
        diags
            .error(
                "invalid-url",
                file,
                key_pos(text, "namespace"),
                format!(
                    "csaf.namespace `{}` is not an absolute URL",
                    config.csaf.namespace
                ),
            )
            .help("the publisher's namespace is a URL it controls, e.g. https://example.org");
    }
    let pkg = &config.project.package;
    if let Err(msg) = crate::model::check_purl(&pkg.purl) {
        diags
            .error("invalid-purl", file, key_pos(text, "purl"), msg)
            .help("write a package URL without a version, e.g. pkg:pypi/name");
    }
    if !crate::model::OSV_ECOSYSTEMS.contains(&pkg.ecosystem.as_str()) {
        diags
            .warning(
                "unknown-ecosystem",
                file,
                key_pos(text, "ecosystem"),
                format!("`{}` is not an OSV ecosystem", pkg.ecosystem),
            )
            .help("OSV consumers match packages by ecosystem: use e.g. PyPI, crates.io, npm, Go, Maven");
    }
    if let Some(key) = &config.signing_key
        && (key.starts_with('/') || key.split('/').any(|s| s == ".."))
    {
        diags
            .error(
                "invalid-config",
                file,
                key_pos(text, "signing_key"),
                format!("signing_key `{key}` is not a path inside the site"),
            )
            .help("give a path relative to site.toml, e.g. keys/signing.asc");
    }
    let prefix = &config.osv.id_prefix;
    if !prefix.is_empty()
        && !prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        // The OSV id names the record's file and URL (`osv/<id>.json`), so
        // it must stay one plain path segment.
        diags
            .error(
                "invalid-osv-id",
                file,
                key_pos(text, "id_prefix"),
                format!("OSV id prefix `{prefix}` has characters other than letters, digits, `.`, `_` and `-`"),
            )
            .help("OSV ids name files and URLs: use e.g. \"x_\" or your registered prefix such as \"PYSEC-\"");
    } else if !prefix.is_empty() && !crate::model::osv_id_is_valid(&format!("{prefix}X-1")) {
        diags
            .error(
                "invalid-osv-id",
                file,
                key_pos(text, "id_prefix"),
                format!("OSV ids `{prefix}<id>` would not start with a registered OSV prefix or `x_`"),
            )
            .help("use your OSV-registered prefix with its dash (e.g. \"PYSEC-\"), or \"x_\" for an unregistered database");
    }
    if config.feeds.entries == 0 {
        diags
            .error(
                "invalid-config",
                file,
                key_pos(text, "entries"),
                "feeds.entries is 0",
            )
            .help("carry at least one entry per feed; 50 is usual");
    }
    if let Some(id) = &config.cve.assigner_org_id
        && !is_uuid_v4(id)
    {
        diags
            .error(
                "invalid-config",
                file,
                key_pos(text, "assigner_org_id"),
                format!("cve.assigner_org_id `{id}` is not a version 4 UUID"),
            )
            .help("copy your CNA's organization UUID from CVE Services (`cve org`)");
    }
    if let Some(name) = &config.cve.assigner_short_name
        && !(2..=32).contains(&name.chars().count())
    {
        diags
            .error(
                "invalid-config",
                file,
                key_pos(text, "assigner_short_name"),
                format!("cve.assigner_short_name `{name}` is not 2 to 32 characters long"),
            )
            .help("use your CNA's short name as CVE Services lists it");
    }
    let d = &config.disclosure;
    if d.prenotify_days == 0 || d.prenotify_days > 90 {
        diags
            .error(
                "invalid-config",
                file,
                key_pos(text, "prenotify_days"),
                format!(
                    "disclosure.prenotify_days is {}, not between 1 and 90",
                    d.prenotify_days
                ),
            )
            .help("the pre-notification goes out about a week before the release: 7 is usual");
    }
    if d.cve_request_days < d.prenotify_days || d.cve_request_days > 365 {
        diags
            .error(
                "invalid-config",
                file,
                key_pos(text, "cve_request_days"),
                format!(
                    "disclosure.cve_request_days is {}, not between prenotify_days ({}) and 365",
                    d.cve_request_days, d.prenotify_days
                ),
            )
            .help("request CVE ids before the pre-notification, which names them: 14 is usual");
    }
    for (key, value) in [
        ("announce_list", &d.announce_list),
        ("mail_from", &d.mail_from),
    ] {
        if let Some(v) = value
            && !is_mail_address(v)
        {
            diags
                .error(
                    "invalid-config",
                    file,
                    key_pos(text, key),
                    format!("disclosure.{key} `{}` is not a mail address", v.escape_debug()),
                )
                .help("write one address on one line, e.g. \"Larch security <security@larch.example>\"");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
title = "T"
base_url = "https://example.org/security"
[project]
name = "P"
vendor = "V"
version_scheme = "semver"
[project.package]
ecosystem = "crates.io"
name = "p"
purl = "pkg:cargo/p"
[security_txt]
contact = ["mailto:s@example.org"]
[csaf]
publisher_name = "V"
namespace = "https://example.org"
category = "vendor"
"#;

    fn parse(text: &str) -> (Option<SiteConfig>, Vec<crate::diagnostic::Diagnostic>) {
        let mut d = Diagnostics::new();
        let f = SourceFile {
            name: SourceName("site.toml".into()),
            text: text.into(),
        };
        let c = parse_config(&f, &mut d);
        (c, d.sorted())
    }

    #[test]
    fn minimal_config_gets_defaults_and_a_trailing_slash() {
        let (c, d) = parse(MINIMAL);
        assert!(d.is_empty(), "{d:?}");
        let c = c.unwrap();
        assert_eq!(c.base_url, "https://example.org/security/");
        assert_eq!(c.severity.levels, ["high", "moderate", "low"]);
        assert_eq!(c.osv.id_prefix, "x_");
    }

    #[test]
    fn unknown_key_is_an_error_at_its_line() {
        let text = format!("{MINIMAL}\n[feeds]\nentires = 3\n");
        let (c, d) = parse(&text);
        assert!(c.is_none());
        assert_eq!(d[0].code, "disclose::unknown-field");
        let line = text.lines().nth(d[0].line as usize - 1).unwrap();
        assert!(line.starts_with("entires"), "{line}");
    }

    #[test]
    fn osv_prefix_must_be_registered_or_private_and_path_safe() {
        for (prefix, ok) in [
            ("x_", true),
            ("PYSEC-", true),
            ("x_larch-", true),
            ("FOO-", false),
            ("PYSEC", false),
            ("x_a/b-", false),
            ("x_ ", false),
        ] {
            let text = format!("{MINIMAL}\n[osv]\nid_prefix = \"{prefix}\"\n");
            let (_, d) = parse(&text);
            assert_eq!(d.is_empty(), ok, "{prefix}: {d:?}");
            if !ok {
                assert_eq!(d[0].code, "disclose::invalid-osv-id");
                let line = text.lines().nth(d[0].line as usize - 1).unwrap();
                assert!(line.starts_with("id_prefix"), "{line}");
            }
        }
    }

    #[test]
    fn cve_org_ids_must_be_version_4_uuids() {
        assert!(is_uuid_v4("00000000-0000-4000-8000-000000000000"));
        assert!(is_uuid_v4("8254265b-2729-46b6-b9e3-3dfca2d5bfca"));
        assert!(!is_uuid_v4("00000000-0000-0000-0000-000000000000"));
        assert!(!is_uuid_v4("8254265b272946b6b9e33dfca2d5bfca"));
        let text = format!("{MINIMAL}\n[cve]\nassigner_org_id = \"nope\"\n");
        let (_, d) = parse(&text);
        assert_eq!(d[0].code, "disclose::invalid-config");
        assert!(d[0].message.contains("nope"));
    }

    #[test]
    fn expiry_of_a_year_or_more_is_rejected() {
        let text = MINIMAL.replace("[csaf]", "expires_days = 400\n[csaf]");
        let (_, d) = parse(&text);
        assert_eq!(d[0].code, "disclose::invalid-config");
        assert!(d[0].message.contains("400"));
    }
}
