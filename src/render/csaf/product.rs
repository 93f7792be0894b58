//! The products a CSAF document speaks about: every released version of
//! every series the advisory has a verdict on, with its status. One list
//! feeds the product tree, `product_status`, the remediations and the
//! scores, so they cannot disagree about a product id.

use crate::config::SiteConfig;
use crate::model::{Advisory, Releases, Series, SeriesImpact, Version};

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

/// One product: a released version, or a series that has no release yet
/// (the development branch), which can still be affected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    pub id: String,
    /// The `product_version` branch name: the version, or the series name.
    pub version_name: String,
    pub full_name: String,
    pub purl: Option<String>,
    /// For a branch: `git+<repository>@<branch>`.
    pub branch_uri: Option<String>,
    pub series: String,
    pub status: Status,
}

/// The products of one advisory, series in release-file order, versions
/// oldest first.
#[derive(Debug, Clone)]
pub struct Products {
    /// The vendor and product name branches above the versions.
    pub vendor: String,
    pub product_name: String,
    pub products: Vec<Product>,
}

impl Products {
    pub fn of(config: &SiteConfig, releases: &Releases, a: &Advisory) -> Products {
        // A package other than the site's own is named by its package name.
        let product_name = if a.package.purl == config.project.package.purl {
            config.project.name.clone()
        } else {
            a.package.name.clone()
        };
        let mut products = Vec::new();
        for series in &releases.series {
            if matches!(a.impact_on(series), SeriesImpact::NotEvaluated) {
                continue;
            }
            if series.versions.is_empty() {
                products.push(branch_product(config, a, series, &product_name));
            }
            for release in &series.versions {
                let v = &release.version;
                products.push(Product {
                    id: format!("{}-{}", a.package.name, v),
                    version_name: v.to_string(),
                    full_name: format!("{product_name} {v}"),
                    purl: purl_at(&a.package.purl, v),
                    branch_uri: None,
                    series: series.name.clone(),
                    status: version_status(a, series, v),
                });
            }
        }
        Products {
            vendor: config.project.vendor.clone(),
            product_name,
            products,
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

    /// vendor → product name → one `product_version` leaf per product.
    pub fn tree(&self) -> ProductTree {
        let versions = self
            .products
            .iter()
            .map(|p| Branch {
                category: "product_version",
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

/// A released version: affected from `introduced` up to the fix, fixed from
/// the fix on, not affected before `introduced`. A withdrawn advisory
/// affects nothing, so every product it lists is not affected.
fn version_status(a: &Advisory, series: &Series, v: &Version) -> Status {
    if a.affects_version(series, v) {
        return Status::Affected;
    }
    match a.affected_entry(&series.name) {
        Some(entry) if !a.is_withdrawn() && entry.fixed.as_ref().is_some_and(|f| v >= f) => {
            Status::Fixed
        }
        _ => Status::NotAffected,
    }
}

/// A series without releases stands for its branch; it has no package
/// version, so no purl either. Listed means affected: a fix on the branch is
/// not yet in any release.
fn branch_product(
    config: &SiteConfig,
    a: &Advisory,
    series: &Series,
    product_name: &str,
) -> Product {
    let listed = a.affected_entry(&series.name).is_some();
    let kind = if series.development {
        "development branch"
    } else {
        "branch"
    };
    Product {
        id: format!("{}-branch-{}", a.package.name, series.name),
        version_name: series.name.clone(),
        full_name: format!("{product_name} {} ({kind})", series.name),
        purl: None,
        branch_uri: config
            .project
            .repository
            .as_ref()
            .filter(|_| a.package.purl == config.project.package.purl)
            .map(|repo| format!("git+{}@{}", repo.trim_end_matches('/'), series.name)),
        series: series.name.clone(),
        status: if listed && !a.is_withdrawn() {
            Status::Affected
        } else {
            Status::NotAffected
        },
    }
}

/// The package URL with `@version`, placed before any qualifiers.
fn purl_at(purl: &str, v: &Version) -> Option<String> {
    let mut parsed: packageurl::PackageUrl<'_> = purl.parse().ok()?;
    parsed.with_version(v.to_string()).ok()?;
    Some(parsed.to_string())
}
