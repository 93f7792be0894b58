//! Identifiers: advisory ids (used as path segments), aliases and CWE ids.

use std::fmt;

use serde::Serialize;

/// True when `s` is safe as one URL path segment and file name on every
/// platform: ASCII letters, digits, `.`, `_`, `-`, starting with a letter or
/// digit, at most 100 characters.
pub fn is_safe_segment(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 100
        && s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// An advisory id, e.g. `LARCH-2026-0004`: a safe path segment.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct AdvisoryId(String);

impl AdvisoryId {
    pub fn parse(s: &str) -> Result<Self, String> {
        if is_safe_segment(s) {
            Ok(AdvisoryId(s.to_string()))
        } else {
            Err(format!(
                "id `{s}` is not a safe path segment (letters, digits, `.`, `_`, `-`, starting with a letter or digit)"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AdvisoryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Another id of the same vulnerability.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Alias(String);

impl Alias {
    /// Checks the shape of well-known id kinds (CVE, GHSA); other ids need
    /// only be one token.
    pub fn parse(s: &str) -> Result<Self, String> {
        if let Some(rest) = s.strip_prefix("CVE-") {
            let mut parts = rest.splitn(2, '-');
            let year = parts.next().unwrap_or("");
            let num = parts.next().unwrap_or("");
            let ok = year.len() == 4
                && year.chars().all(|c| c.is_ascii_digit())
                && num.len() >= 4
                && num.chars().all(|c| c.is_ascii_digit());
            if !ok {
                return Err(format!("alias `{s}` is not a CVE id (CVE-YYYY-NNNN)"));
            }
        } else if let Some(rest) = s.strip_prefix("GHSA-") {
            let ok = rest.split('-').count() == 3
                && rest.split('-').all(|p| {
                    p.len() == 4
                        && p.chars()
                            .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase())
                });
            if !ok {
                return Err(format!(
                    "alias `{s}` is not a GHSA id (GHSA-xxxx-xxxx-xxxx)"
                ));
            }
        } else if s.is_empty() || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!("alias `{s}` is not a single identifier"));
        }
        Ok(Alias(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_cve(&self) -> bool {
        self.0.starts_with("CVE-")
    }

    pub fn is_ghsa(&self) -> bool {
        self.0.starts_with("GHSA-")
    }
}

impl fmt::Display for Alias {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A CWE id, `CWE-<number>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cwe(u32);

impl Cwe {
    pub fn parse(s: &str) -> Result<Self, String> {
        s.strip_prefix("CWE-")
            .filter(|n| !n.is_empty() && n.len() <= 7 && n.chars().all(|c| c.is_ascii_digit()))
            .and_then(|n| n.parse().ok())
            .map(Cwe)
            .ok_or_else(|| format!("`{s}` is not a CWE id (CWE-<number>)"))
    }

    pub fn number(self) -> u32 {
        self.0
    }

    /// The weakness's official name, when known.
    pub fn name(self) -> Option<&'static str> {
        super::cwe_names::cwe_name(self.0)
    }

    /// "CWE-79: Improper Neutralization …", or the id alone when the name
    /// is not known.
    pub fn label(self) -> String {
        match self.name() {
            Some(name) => format!("{self}: {name}"),
            None => self.to_string(),
        }
    }

    /// "CWE-79 (Improper Neutralization …)", for a name inside a list, or
    /// the id alone when the name is not known.
    pub fn label_in_parens(self) -> String {
        match self.name() {
            Some(name) => format!("{self} ({name})"),
            None => self.to_string(),
        }
    }
}

impl fmt::Display for Cwe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CWE-{}", self.0)
    }
}

impl Serialize for Cwe {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Home-database prefixes the OSV schema accepts for ids (`x_` marks an
/// unregistered database).
const OSV_PREFIXES: &[&str] = &[
    "ASB-A",
    "PUB-A",
    "ALPINE",
    "ALSA",
    "ALBA",
    "ALEA",
    "AZL",
    "BELL",
    "BIT",
    "CGA",
    "CLEANSTART",
    "CLSA",
    "CURL",
    "CVE",
    "DEBIAN",
    "DHI",
    "DRUPAL",
    "DSA",
    "DLA",
    "ELA",
    "DTSA",
    "ECHO",
    "EEF",
    "FreeBSD",
    "GHSA",
    "GO",
    "GSD",
    "HSEC",
    "JLSEC",
    "KUBE",
    "LBSEC",
    "LSN",
    "MAL",
    "MINI",
    "MGASA",
    "OESA",
    "OSEC",
    "OSV",
    "openSUSE-SU",
    "PHSA",
    "PSF",
    "PYSEC",
    "RHBA",
    "RHEA",
    "RHSA",
    "RLSA",
    "RXSA",
    "RSEC",
    "ROOT",
    "RUSTSEC",
    "SUSE-SU",
    "SUSE-RU",
    "SUSE-FU",
    "SUSE-OU",
    "UBUNTU",
    "USN",
    "V8",
];

/// Whether `id` is acceptable as an OSV record id.
pub fn osv_id_is_valid(id: &str) -> bool {
    id.starts_with("x_")
        || OSV_PREFIXES
            .iter()
            .any(|p| id.strip_prefix(p).is_some_and(|rest| rest.starts_with('-')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_segments() {
        for ok in ["LARCH-2026-0001", "a", "x_1.2"] {
            assert!(is_safe_segment(ok), "{ok}");
        }
        for bad in ["", "../x", "a/b", ".hidden", "-x", "a b", "ä", "con\u{0}"] {
            assert!(!is_safe_segment(bad), "{bad}");
        }
    }

    #[test]
    fn aliases() {
        assert!(Alias::parse("CVE-2026-12345").is_ok());
        assert!(Alias::parse("CVE-26-1").is_err());
        assert!(Alias::parse("GHSA-abcd-2345-wxyz").is_ok());
        assert!(Alias::parse("GHSA-ABCD-2345-wxyz").is_err());
        assert!(Alias::parse("PYSEC-2026-3").is_ok());
        assert!(Alias::parse("two words").is_err());
    }

    #[test]
    fn cwe_ids() {
        assert_eq!(Cwe::parse("CWE-79").unwrap().number(), 79);
        assert!(Cwe::parse("CWE-").is_err());
        assert!(Cwe::parse("79").is_err());
    }
}
