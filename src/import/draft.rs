//! The advisory file an import writes: the fields of the site's input
//! format (`load::raw`), rendered as a Markdown file with YAML front
//! matter in the order docs/format.md lists them, quoted where YAML would
//! misread a value, with comments saying where the file came from and
//! what the importer wrote itself. Same draft, same bytes.
//!
//! `--update` reads an existing file back into a draft, so that the
//! fields a record does not state keep what the file says.

use crate::load::ParsedAdvisory;
use crate::load::raw::{OneOrMany, RawPatch};

/// One advisory file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Draft {
    pub id: String,
    /// Comment lines put first in the front matter.
    pub provenance: Vec<String>,
    pub title: String,
    pub aliases: Vec<String>,
    pub published: String,
    pub announce: Option<String>,
    pub modified: Option<String>,
    pub withdrawn: Option<String>,
    pub withdrawn_reason: Option<String>,
    /// The reason was written by the importer, not taken from the record.
    pub reason_written: bool,
    pub severity: Option<String>,
    pub cvss: Option<String>,
    pub cwe: Vec<String>,
    pub package: Option<(Option<String>, Option<String>, Option<String>)>,
    pub affected: Vec<DraftAffected>,
    pub credits: Vec<DraftCredit>,
    /// `(type, url)`, type in the file's spelling (`web`).
    pub references: Vec<(String, String)>,
    pub details: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DraftAffected {
    pub series: String,
    pub introduced: Option<String>,
    pub fixed: Option<String>,
    pub patches: Vec<DraftPatch>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DraftPatch {
    pub commit: Option<String>,
    pub url: Option<String>,
    pub label: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DraftCredit {
    pub name: String,
    pub contact: Vec<String>,
    /// In the file's spelling (`remediation_developer`).
    pub kind: String,
}

/// A YAML/JSON double-quoted string.
fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// `s` as a plain YAML scalar when it reads back as the same string, else quoted.
fn scalar(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-/:@+%=?&~".contains(c))
        && !s.contains(": ")
        && !s.ends_with(':')
        && !["true", "false", "null", "yes", "no", "on", "off", "y", "n"]
            .contains(&s.to_ascii_lowercase().as_str());
    if plain { s.to_string() } else { quoted(s) }
}

impl Draft {
    /// The file's path under the site: `content/advisories/<id>.md`.
    pub fn path(&self) -> String {
        format!("{}/{}.md", crate::load::ADVISORIES_DIR, self.id)
    }

    /// The file's text.
    pub fn render(&self, repository: Option<&str>) -> String {
        let mut out = String::from("---\n");
        for line in &self.provenance {
            out.push_str(&format!("# {line}\n"));
        }
        out.push_str(&format!("id: {}\n", scalar(&self.id)));
        out.push_str(&format!("title: {}\n", quoted(&self.title)));
        if !self.aliases.is_empty() {
            let list: Vec<String> = self.aliases.iter().map(|a| scalar(a)).collect();
            out.push_str(&format!("aliases: [{}]\n", list.join(", ")));
        }
        out.push_str(&format!("published: {}\n", scalar(&self.published)));
        for (key, value) in [
            ("announce", &self.announce),
            ("modified", &self.modified),
            ("withdrawn", &self.withdrawn),
        ] {
            if let Some(v) = value {
                out.push_str(&format!("{key}: {}\n", scalar(v)));
            }
        }
        if let Some(reason) = &self.withdrawn_reason {
            if self.reason_written {
                out.push_str(
                    "# The source record gives no reason for the withdrawal; disclose import wrote this one.\n",
                );
            }
            out.push_str(&format!("withdrawn_reason: {}\n", quoted(reason)));
        }
        if let Some(s) = &self.severity {
            out.push_str(&format!("severity: {}\n", scalar(s)));
        }
        if let Some(c) = &self.cvss {
            out.push_str(&format!("cvss: {}\n", scalar(c)));
        }
        if !self.cwe.is_empty() {
            out.push_str(&format!("cwe: [{}]\n", self.cwe.join(", ")));
        }
        if let Some((ecosystem, name, purl)) = &self.package {
            out.push_str("package:\n");
            for (k, v) in [("ecosystem", ecosystem), ("name", name), ("purl", purl)] {
                if let Some(v) = v {
                    out.push_str(&format!("  {k}: {}\n", quoted(v)));
                }
            }
        }
        if !self.affected.is_empty() {
            out.push_str("affected:\n");
        }
        for a in &self.affected {
            out.push_str(&format!("  - series: {}\n", quoted(&a.series)));
            if let Some(i) = &a.introduced {
                out.push_str(&format!("    introduced: {}\n", quoted(i)));
            }
            if let Some(f) = &a.fixed {
                out.push_str(&format!("    fixed: {}\n", quoted(f)));
            }
            if !a.patches.is_empty() {
                out.push_str("    patches:\n");
            }
            for p in &a.patches {
                out.push_str(&patch_yaml(p, repository));
            }
        }
        if !self.credits.is_empty() {
            out.push_str("credits:\n");
        }
        for c in &self.credits {
            out.push_str(&format!("  - name: {}\n", quoted(&c.name)));
            match c.contact.as_slice() {
                [] => {}
                [one] => out.push_str(&format!("    contact: {}\n", scalar(one))),
                many => {
                    let list: Vec<String> = many.iter().map(|c| quoted(c)).collect();
                    out.push_str(&format!("    contact: [{}]\n", list.join(", ")));
                }
            }
            out.push_str(&format!("    type: {}\n", c.kind));
        }
        if !self.references.is_empty() {
            out.push_str("references:\n");
        }
        for (kind, url) in &self.references {
            out.push_str(&format!("  - type: {kind}\n    url: {}\n", scalar(url)));
        }
        out.push_str("---\n");
        out.push_str(&self.details);
        out
    }

    /// The fields of an existing advisory file, for `--update`.
    pub fn from_parsed(p: &ParsedAdvisory) -> Draft {
        let raw = &p.raw;
        let text =
            |l: &Option<crate::load::yaml::Located<String>>| l.as_ref().map(|l| l.value.clone());
        Draft {
            id: raw
                .id
                .as_ref()
                .map_or_else(|| p.stem.clone(), |i| i.value.clone()),
            provenance: Vec::new(),
            title: raw.title.value.clone(),
            aliases: raw.aliases.iter().map(|a| a.value.clone()).collect(),
            published: raw.published.value.clone(),
            announce: text(&raw.announce),
            modified: text(&raw.modified),
            withdrawn: text(&raw.withdrawn),
            withdrawn_reason: text(&raw.withdrawn_reason),
            reason_written: false,
            severity: text(&raw.severity),
            cvss: text(&raw.cvss),
            cwe: raw.cwe.iter().map(|c| c.value.clone()).collect(),
            package: raw.package.as_ref().map(|p| {
                (
                    p.value.ecosystem.clone(),
                    p.value.name.clone(),
                    p.value.purl.clone(),
                )
            }),
            affected: raw
                .affected
                .iter()
                .map(|a| DraftAffected {
                    series: a.series.value.clone(),
                    introduced: text(&a.introduced),
                    fixed: text(&a.fixed),
                    patches: a
                        .patches
                        .iter()
                        .map(|p| match &p.value {
                            RawPatch::Plain(s) if s.contains('/') => DraftPatch {
                                url: Some(s.clone()),
                                ..DraftPatch::default()
                            },
                            RawPatch::Plain(s) => DraftPatch {
                                commit: Some(s.clone()),
                                ..DraftPatch::default()
                            },
                            RawPatch::Labelled(l) => DraftPatch {
                                commit: l.commit.clone(),
                                url: l.url.clone(),
                                label: l.label.clone(),
                            },
                        })
                        .collect(),
                })
                .collect(),
            credits: raw
                .credits
                .iter()
                .map(|c| DraftCredit {
                    name: c.name.value.clone(),
                    contact: c
                        .contact
                        .as_ref()
                        .map(|l| match &l.value {
                            OneOrMany::One(s) => vec![s.clone()],
                            OneOrMany::Many(v) => v.clone(),
                        })
                        .unwrap_or_default(),
                    kind: c.kind.value.osv_name().to_ascii_lowercase(),
                })
                .collect(),
            references: raw
                .references
                .iter()
                .map(|r| {
                    (
                        r.kind.value.osv_name().to_ascii_lowercase(),
                        r.url.value.clone(),
                    )
                })
                .collect(),
            details: p
                .body
                .as_ref()
                .map(|b| b.value.clone())
                .or_else(|| text(&raw.details))
                .unwrap_or_default(),
        }
    }

    /// `self` (from a record) laid over `file` (the advisory as the file
    /// has it): every field the record states wins, every field it leaves
    /// out keeps the file's value. Returns the names of the fields kept.
    pub fn over(mut self, file: &Draft) -> (Draft, Vec<&'static str>) {
        let mut kept = Vec::new();
        macro_rules! keep {
            ($field:ident, $empty:expr) => {
                if $empty(&self.$field) && !$empty(&file.$field) {
                    self.$field = file.$field.clone();
                    kept.push(stringify!($field));
                }
            };
        }
        keep!(announce, Option::is_none);
        keep!(modified, Option::is_none);
        keep!(severity, Option::is_none);
        keep!(cvss, Option::is_none);
        keep!(cwe, Vec::is_empty);
        keep!(package, Option::is_none);
        keep!(credits, Vec::is_empty);
        keep!(references, Vec::is_empty);
        keep!(aliases, Vec::is_empty);
        if self.withdrawn.is_none() && file.withdrawn.is_some() {
            self.withdrawn = file.withdrawn.clone();
            self.withdrawn_reason = file.withdrawn_reason.clone();
            self.reason_written = false;
            kept.push("withdrawn");
        } else if self.reason_written && file.withdrawn_reason.is_some() {
            self.withdrawn_reason = file.withdrawn_reason.clone();
            self.reason_written = false;
            kept.push("withdrawn_reason");
        }
        if self.details.trim().is_empty() {
            self.details = file.details.clone();
            kept.push("details");
        }
        // Patch labels are the file's own words where the record has none.
        for a in &mut self.affected {
            if let Some(old) = file.affected.iter().find(|o| o.series == a.series)
                && a.patches.is_empty()
                && !old.patches.is_empty()
            {
                a.patches = old.patches.clone();
                kept.push("patches");
            }
        }
        (self, kept)
    }
}

/// One patch: a commit hash or URL alone, or a mapping with its label.
fn patch_yaml(p: &DraftPatch, repository: Option<&str>) -> String {
    let derived_url = match (repository, &p.commit) {
        (Some(repo), Some(c)) => Some(format!("{}/commit/{c}", repo.trim_end_matches('/'))),
        _ => None,
    };
    let url_implied = p.url.is_none() || p.url == derived_url;
    let commit_implied = p.commit.is_none()
        || p.url.as_deref().and_then(commit_in_site_url).as_deref() == p.commit.as_deref();
    let (commit, url) = if url_implied && p.commit.is_some() {
        (p.commit.as_deref(), None)
    } else if commit_implied {
        (None, p.url.as_deref())
    } else {
        (p.commit.as_deref(), p.url.as_deref())
    };
    match (&p.label, commit, url) {
        (None, Some(c), None) => format!("      - {c}\n"),
        (None, None, Some(u)) => format!("      - {}\n", scalar(u)),
        _ => {
            let mut fields = Vec::new();
            if let Some(c) = commit {
                fields.push(format!("commit: {c}"));
            }
            if let Some(u) = url {
                fields.push(format!("url: {}", scalar(u)));
            }
            if let Some(l) = &p.label {
                fields.push(format!("label: {}", quoted(l)));
            }
            let mut out = format!("      - {}\n", fields[0]);
            for f in &fields[1..] {
                out.push_str(&format!("        {f}\n"));
            }
            out
        }
    }
}

/// The commit a `check` reads from a patch URL (`…/commit/<hash>`,
/// `…/commits/<hash>`, cgit `?id=`), as `validate` does.
fn commit_in_site_url(url: &str) -> Option<String> {
    ["/commit/?id=", "/commit/", "/commits/"]
        .iter()
        .find_map(|m| url.split_once(m).map(|(_, t)| t))
        .map(|t| {
            t.chars()
                .take_while(|c| c.is_ascii_hexdigit())
                .collect::<String>()
        })
        .filter(|h| (7..=64).contains(&h.len()))
        .map(|h| h.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_are_quoted_only_where_yaml_would_misread_them() {
        assert_eq!(scalar("CVE-2024-1"), "CVE-2024-1");
        assert_eq!(scalar("https://x.org/a?b=c"), "https://x.org/a?b=c");
        assert_eq!(scalar("yes"), "\"yes\"");
        assert_eq!(scalar("a: b"), "\"a: b\"");
        assert_eq!(scalar("2024-01-01T00:00:00Z"), "\"2024-01-01T00:00:00Z\"");
        assert_eq!(scalar("#x"), "\"#x\"");
    }

    #[test]
    fn patches_say_no_more_than_check_needs() {
        let repo = Some("https://github.com/o/r");
        let c = "0123456789abcdef0123456789abcdef01234567";
        let same = DraftPatch {
            commit: Some(c.into()),
            url: Some(format!("https://github.com/o/r/commit/{c}")),
            label: None,
        };
        assert_eq!(patch_yaml(&same, repo), format!("      - {c}\n"));
        let elsewhere = DraftPatch {
            commit: Some(c.into()),
            url: Some(format!("https://go.googlesource.com/go/+/{c}")),
            label: Some("1.18 branch".into()),
        };
        assert_eq!(
            patch_yaml(&elsewhere, repo),
            format!(
                "      - commit: {c}\n        url: https://go.googlesource.com/go/+/{c}\n        label: \"1.18 branch\"\n"
            )
        );
    }
}
