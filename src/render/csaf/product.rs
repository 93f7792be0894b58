//! The products a CSAF document speaks about: for every series the
//! advisory has a verdict on, the affected range of versions, the release
//! that fixes it, the versions before the issue came in, the series checked
//! and not affected, or the branch of a series without releases. Ranges are
//! `vers:` ranges (CSAF 2.0 section 3.1.2.2.9 `product_version_range`), so
//! a new release changes the document only where the advisory has no fix
//! yet. One list feeds the product tree, `product_status`, the remediations
//! and the scores, so they cannot disagree about a product id.

use jiff::Timestamp;

use crate::config::SiteConfig;
use crate::model::ranges::{self, SeriesEnd, SeriesRange, Verdict};
use crate::model::{Advisory, Releases, Series, Version, VersionScheme};

use super::format::{
    Branch, FullProductName, GenericUri, IdentificationHelper, ProductStatus, ProductTree,
};

/// The SPDX "download location" syntax, `git+<repository>@<ref>`, names a
/// branch of a repository when there is no package version to name.
const SPDX_DOWNLOAD_LOCATION: &str =
    "https://spdx.github.io/spdx-spec/v2.3/package-information/#77-package-download-location-field";

/// What the advisory says about one product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Affected,
    Fixed,
    NotAffected,
}

/// One product: a range of versions, one released version, or a series
/// that has no release yet (a branch), which can still be affected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    pub id: String,
    /// `product_version_range` or `product_version`.
    pub category: &'static str,
    /// The branch name: a `vers:` range, a version, or the series name.
    pub version_name: String,
    pub full_name: String,
    pub purl: Option<String>,
    /// For a branch: `git+<repository>@<branch>`.
    pub branch_uri: Option<String>,
    pub series: String,
    pub status: Status,
}

/// The products of one advisory, series in release-file order.
#[derive(Debug, Clone)]
pub struct Products {
    /// The vendor and product name branches above the versions.
    pub vendor: String,
    pub product_name: String,
    pub products: Vec<Product>,
}

/// Builds the products of one advisory.
struct Builder<'a> {
    config: &'a SiteConfig,
    a: &'a Advisory,
    product_name: String,
    /// The `vers:` versioning scheme: the package's purl type.
    vers_type: String,
    scheme: VersionScheme,
    products: Vec<Product>,
}

impl Builder<'_> {
    fn push(&mut self, mut product: Product) {
        // A withdrawn advisory affects nothing: every product it names is
        // not affected.
        if self.a.is_withdrawn() {
            product.status = Status::NotAffected;
        }
        if !self.products.iter().any(|p| p.id == product.id) {
            self.products.push(product);
        }
    }

    /// `vers:<type>/<constraints>`, constraints in version order.
    fn vers(&self, constraints: &[String]) -> String {
        format!("vers:{}/{}", self.vers_type, constraints.join("|"))
    }

    fn range(
        &self,
        series: &Series,
        id: String,
        full_name: String,
        constraints: &[String],
        status: Status,
    ) -> Product {
        Product {
            id,
            category: "product_version_range",
            version_name: self.vers(constraints),
            full_name,
            purl: Some(self.a.package.purl.clone()),
            branch_uri: None,
            series: series.name.clone(),
            status,
        }
    }

    /// The constraint that ends a range with its series: below the next
    /// series' numbers, or at the latest release.
    fn end(&self, end: &SeriesEnd<'_>) -> Option<String> {
        match end {
            SeriesEnd::Open(prefix) => prefix.exclusive_upper(self.scheme).map(|u| format!("<{u}")),
            SeriesEnd::Latest(v) => Some(format!("<={v}")),
            SeriesEnd::Unreleased => None,
        }
    }

    fn add(&mut self, r: &SeriesRange<'_>) {
        let pkg = self.a.package.name.clone();
        let series = r.series;
        let s = &series.name;
        let name = self.product_name.clone();
        match r.verdict {
            Verdict::Affected {
                introduced, fixed, ..
            } => {
                let first = r.first.filter(|f| *f < introduced);
                if let Some(first) = first {
                    let p = self.range(
                        series,
                        format!("{pkg}-{s}-before-{introduced}"),
                        format!("{name} {s} before {introduced}"),
                        &[format!(">={first}"), format!("<{introduced}")],
                        Status::NotAffected,
                    );
                    self.push(p);
                }
                let from = if first.is_some() {
                    format!(" from {introduced}")
                } else {
                    String::new()
                };
                let mut constraints = vec![format!(">={introduced}")];
                let full_name = match fixed {
                    Some(f) => {
                        constraints.push(format!("<{f}"));
                        format!("{name} {s}{from} before {f}")
                    }
                    None => {
                        constraints.extend(self.end(&r.end));
                        format!("{name} {s}{from}")
                    }
                };
                let p = self.range(
                    series,
                    format!("{pkg}-{s}-affected"),
                    full_name,
                    &constraints,
                    Status::Affected,
                );
                self.push(p);
                if let Some(f) = fixed {
                    let p = self.version(series, f, Status::Fixed);
                    self.push(p);
                }
            }
            Verdict::NotAffected { first: None } => {
                let mut p = self.branch(series, true);
                p.status = Status::NotAffected;
                self.push(p);
            }
            Verdict::NotAffected { first: Some(first) } => {
                let mut constraints = vec![format!(">={first}")];
                constraints.extend(self.end(&r.end));
                let p = self.range(
                    series,
                    format!("{pkg}-{s}"),
                    format!("{name} {s}"),
                    &constraints,
                    Status::NotAffected,
                );
                self.push(p);
            }
            Verdict::Branch { fixed } => {
                let p = self.branch(series, fixed);
                self.push(p);
            }
        }
    }

    fn version(&self, series: &Series, v: &Version, status: Status) -> Product {
        Product {
            id: format!("{}-{v}", self.a.package.name),
            category: "product_version",
            version_name: v.to_string(),
            full_name: format!("{} {v}", self.product_name),
            purl: purl_at(&self.a.package.purl, v),
            branch_uri: None,
            series: series.name.clone(),
            status,
        }
    }

    /// A series without releases stands for its branch; it has no package
    /// version, so no purl either. It is fixed when the advisory lists
    /// patches for it (the fix is on the branch), else affected.
    fn branch(&self, series: &Series, fixed: bool) -> Product {
        let kind = if series.development {
            "development branch"
        } else {
            "branch"
        };
        let (config, a) = (self.config, self.a);
        Product {
            id: format!("{}-branch-{}", a.package.name, series.name),
            category: "product_version",
            version_name: series.name.clone(),
            full_name: format!("{} {} ({kind})", self.product_name, series.name),
            purl: None,
            branch_uri: config
                .project
                .repository
                .as_ref()
                .filter(|_| a.package.purl == config.project.package.purl)
                .map(|repo| format!("git+{}@{}", repo.trim_end_matches('/'), series.name)),
            series: series.name.clone(),
            status: if fixed {
                Status::Fixed
            } else {
                Status::Affected
            },
        }
    }
}

impl Products {
    /// The products of `a`, judged with the releases out by `now`.
    pub fn of(config: &SiteConfig, releases: &Releases, a: &Advisory, now: Timestamp) -> Products {
        // A package other than the site's own is named by its package name.
        let product_name = if a.package.purl == config.project.package.purl {
            config.project.name.clone()
        } else {
            a.package.name.clone()
        };
        let vers_type = a
            .package
            .purl
            .parse::<packageurl::PackageUrl<'_>>()
            .map(|p| p.ty().to_string())
            .unwrap_or_else(|_| "generic".to_string());
        let mut builder = Builder {
            config,
            a,
            product_name,
            vers_type,
            scheme: releases.scheme,
            products: Vec::new(),
        };
        for r in ranges::series_ranges(a, releases, ranges::cutoff(a, now)) {
            builder.add(&r);
        }
        Products {
            vendor: config.project.vendor.clone(),
            product_name: builder.product_name,
            products: builder.products,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.products.is_empty()
    }

    pub fn ids_with(&self, status: Status) -> Vec<String> {
        self.products
            .iter()
            .filter(|p| p.status == status)
            .map(|p| p.id.clone())
            .collect()
    }

    /// The affected products of one series.
    pub fn affected_in(&self, series: &str) -> Vec<String> {
        self.products
            .iter()
            .filter(|p| p.series == series && p.status == Status::Affected)
            .map(|p| p.id.clone())
            .collect()
    }

    pub fn status(&self) -> ProductStatus {
        ProductStatus {
            known_affected: self.ids_with(Status::Affected),
            fixed: self.ids_with(Status::Fixed),
            known_not_affected: self.ids_with(Status::NotAffected),
        }
    }

    /// vendor → product name → one leaf per product.
    pub fn tree(&self) -> ProductTree {
        let versions = self
            .products
            .iter()
            .map(|p| Branch {
                category: p.category,
                name: p.version_name.clone(),
                branches: Vec::new(),
                product: Some(FullProductName {
                    name: p.full_name.clone(),
                    product_id: p.id.clone(),
                    product_identification_helper: helper(p),
                }),
            })
            .collect();
        ProductTree {
            branches: vec![Branch {
                category: "vendor",
                name: self.vendor.clone(),
                branches: vec![Branch {
                    category: "product_name",
                    name: self.product_name.clone(),
                    branches: versions,
                    product: None,
                }],
                product: None,
            }],
        }
    }
}

/// Every product can be matched (optional test 6.2.16): a release by its
/// purl, a branch by its repository and name when the repository is known.
fn helper(p: &Product) -> Option<IdentificationHelper> {
    if p.purl.is_none() && p.branch_uri.is_none() {
        return None;
    }
    Some(IdentificationHelper {
        purl: p.purl.clone(),
        x_generic_uris: p
            .branch_uri
            .iter()
            .map(|uri| GenericUri {
                namespace: SPDX_DOWNLOAD_LOCATION,
                uri: uri.clone(),
            })
            .collect(),
    })
}

/// The package URL with `@version`, placed before any qualifiers.
fn purl_at(purl: &str, v: &Version) -> Option<String> {
    let mut parsed: packageurl::PackageUrl<'_> = purl.parse().ok()?;
    parsed.with_version(v.to_string()).ok()?;
    Some(parsed.to_string())
}
