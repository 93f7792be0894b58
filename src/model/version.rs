//! Versions compared by the site's scheme (PEP 440 or SemVer).

use std::cmp::Ordering;
use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How the project numbers its releases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum VersionScheme {
    /// Python's PEP 440 (`5.1`, `5.1.2`, `6.0rc1`).
    Pep440,
    /// Semantic Versioning 2.0 (`1.4.2`, `2.0.0-rc.1`).
    Semver,
}

/// A version valid in the site's scheme. Keeps the text as written, which is
/// what every output shows.
#[derive(Debug, Clone)]
pub struct Version {
    text: String,
    parsed: Parsed,
}

#[derive(Debug, Clone)]
enum Parsed {
    Pep440(pep440_rs::Version),
    Semver(semver::Version),
}

impl Version {
    pub fn parse(s: &str, scheme: VersionScheme) -> Result<Self, String> {
        let parsed = match scheme {
            VersionScheme::Pep440 => {
                // PEP 440 allows a leading `v` and surrounding spaces; a
                // release file should not, so accept only what prints back.
                let v: pep440_rs::Version = s
                    .parse()
                    .map_err(|_| format!("`{s}` is not a PEP 440 version"))?;
                if v.to_string() != s {
                    return Err(format!("`{s}` is not in normalized PEP 440 form (`{v}`)"));
                }
                Parsed::Pep440(v)
            }
            VersionScheme::Semver => Parsed::Semver(
                semver::Version::parse(s)
                    .map_err(|e| format!("`{s}` is not a SemVer version: {e}"))?,
            ),
        };
        Ok(Version {
            text: s.to_string(),
            parsed,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn is_prerelease(&self) -> bool {
        match &self.parsed {
            Parsed::Pep440(v) => v.any_prerelease(),
            Parsed::Semver(v) => !v.pre.is_empty(),
        }
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        match (&self.parsed, &other.parsed) {
            (Parsed::Pep440(a), Parsed::Pep440(b)) => a.cmp(b),
            (Parsed::Semver(a), Parsed::Semver(b)) => a.cmp_precedence(b).then_with(|| a.cmp(b)),
            // One site has one scheme; order mixed values by text so Ord stays total.
            _ => self.text.cmp(&other.text),
        }
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pep(s: &str) -> Version {
        Version::parse(s, VersionScheme::Pep440).unwrap()
    }
    fn sem(s: &str) -> Version {
        Version::parse(s, VersionScheme::Semver).unwrap()
    }

    #[test]
    fn pep440_orders_numerically_and_puts_prereleases_first() {
        assert!(pep("5.10") > pep("5.9"));
        assert!(pep("6.0rc1") < pep("6.0"));
        assert!(pep("6.0a1") < pep("6.0b1"));
        assert!(pep("6.0.post1") > pep("6.0"));
        assert!(pep("6.0.dev1") < pep("6.0a1"));
        assert_eq!(pep("5.0"), pep("5.0.0"));
        assert!(pep("6.0rc1").is_prerelease());
    }

    #[test]
    fn pep440_rejects_unnormalized_and_garbage() {
        assert!(Version::parse("v1.0", VersionScheme::Pep440).is_err());
        assert!(Version::parse("1.0-RC1", VersionScheme::Pep440).is_err());
        assert!(Version::parse("banana", VersionScheme::Pep440).is_err());
    }

    #[test]
    fn semver_orders_by_precedence() {
        assert!(sem("1.10.0") > sem("1.9.9"));
        assert!(sem("2.0.0-rc.1") < sem("2.0.0"));
        assert!(sem("2.0.0-alpha") < sem("2.0.0-alpha.1"));
        assert!(Version::parse("1.0", VersionScheme::Semver).is_err());
    }

    proptest! {
        /// Release versions order like their number tuples, in both schemes.
        #[test]
        fn release_order_matches_tuples(a in prop::array::uniform3(0u64..50), b in prop::array::uniform3(0u64..50)) {
            let fmt = |v: [u64; 3]| format!("{}.{}.{}", v[0], v[1], v[2]);
            prop_assert_eq!(pep(&fmt(a)).cmp(&pep(&fmt(b))), a.cmp(&b));
            prop_assert_eq!(sem(&fmt(a)).cmp(&sem(&fmt(b))), a.cmp(&b));
        }

        /// A pre-release sorts before its release and after the previous release.
        #[test]
        fn prerelease_sits_between_releases(major in 1u64..50, minor in 0u64..50, n in 1u64..9) {
            let rel = pep(&format!("{major}.{minor}"));
            let rc = pep(&format!("{major}.{minor}rc{n}"));
            let prev = pep(&format!("{}.{minor}", major - 1));
            prop_assert!(prev < rc && rc < rel);
            let srel = sem(&format!("{major}.{minor}.0"));
            let src = sem(&format!("{major}.{minor}.0-rc.{n}"));
            let sprev = sem(&format!("{}.{minor}.0", major - 1));
            prop_assert!(sprev < src && src < srel);
        }

        /// Ordering is total and consistent: antisymmetric and transitive on samples.
        #[test]
        fn ordering_is_consistent(a in "[0-9]{1,2}(\\.[0-9]{1,2}){0,2}((a|b|rc)[0-9])?",
                                  b in "[0-9]{1,2}(\\.[0-9]{1,2}){0,2}((a|b|rc)[0-9])?",
                                  c in "[0-9]{1,2}(\\.[0-9]{1,2}){0,2}((a|b|rc)[0-9])?") {
            let p = |s: &str| Version::parse(s, VersionScheme::Pep440).ok();
            if let (Some(a), Some(b), Some(c)) = (p(&a), p(&b), p(&c)) {
                prop_assert_eq!(a.cmp(&b), b.cmp(&a).reverse());
                if a <= b && b <= c { prop_assert!(a <= c); }
            }
        }
    }
}
