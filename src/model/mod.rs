//! The checked model: every type here can only hold valid values, so later
//! stages (embargo, renderers) never re-check input.

mod advisory;
mod cvss;
mod cwe_names;
mod id;
mod package;
pub mod ranges;
mod releases;
mod site;
mod theme;
mod time;
mod version;

pub use advisory::{Advisory, Affected, Credit, Patch, Reference, SeriesImpact, Withdrawal};
pub use cvss::{Cvss, CvssVersion};
pub use cwe_names::cwe_name;
pub use id::{AdvisoryId, Alias, Cwe, is_safe_segment, osv_id_is_valid};
pub use package::{OSV_ECOSYSTEMS, Package, check_purl};
pub use releases::{Release, Releases, Series, SupportStatus};
pub use site::{Page, Site};
pub use theme::{TemplateSource, Theme};
pub use time::{Instant, parse_date, parse_instant, utc_date};
pub use version::{Version, VersionScheme};

pub use crate::load::raw::{CreditType, ReferenceType};
