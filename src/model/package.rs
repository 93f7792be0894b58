//! Packages: OSV ecosystems and version-free package URLs.

use serde::Serialize;

/// The ecosystems the OSV schema accepts for `affected[].package.ecosystem`.
pub const OSV_ECOSYSTEMS: &[&str] = &[
    "AlmaLinux",
    "Alpaquita",
    "Alpine",
    "Android",
    "Azure Linux",
    "BellSoft Hardened Containers",
    "Bioconductor",
    "Bitnami",
    "Chainguard",
    "CleanStart",
    "ConanCenter",
    "CRAN",
    "crates.io",
    "Debian",
    "Docker Hardened Images",
    "Echo",
    "FreeBSD",
    "GHC",
    "GitHub Actions",
    "Go",
    "Hackage",
    "Hex",
    "Julia",
    "Kubernetes",
    "Linux",
    "Mageia",
    "Maven",
    "MinimOS",
    "npm",
    "NuGet",
    "opam",
    "openEuler",
    "openSUSE",
    "OSS-Fuzz",
    "Packagist",
    "Photon OS",
    "Pub",
    "PyPI",
    "Red Hat",
    "Rocky Linux",
    "Root",
    "RubyGems",
    "SUSE",
    "SwiftURL",
    "TuxCare",
    "Ubuntu",
    "VSCode",
    "Wolfi",
];

/// The package an advisory is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Package {
    pub ecosystem: String,
    pub name: String,
    /// Package URL without a version.
    pub purl: String,
}

/// Checks that `purl` is a package URL without a version, as OSV wants in
/// `affected[].package.purl`.
pub fn check_purl(purl: &str) -> Result<(), String> {
    let parsed = packageurl::PackageUrl::from_str_checked(purl)
        .map_err(|e| format!("`{purl}` is not a package URL: {e}"))?;
    if parsed.version().is_some() {
        return Err(format!("package URL `{purl}` names a version"));
    }
    Ok(())
}

trait FromStrChecked: Sized {
    fn from_str_checked(s: &str) -> Result<Self, packageurl::Error>;
}

impl FromStrChecked for packageurl::PackageUrl<'static> {
    fn from_str_checked(s: &str) -> Result<Self, packageurl::Error> {
        s.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purls() {
        assert!(check_purl("pkg:pypi/larch").is_ok());
        assert!(check_purl("pkg:pypi/larch@1.0").is_err());
        assert!(check_purl("pypi/larch").is_err());
    }
}
