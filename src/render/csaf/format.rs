//! The CSAF 2.0 JSON formats this target writes, as serde structs: the
//! advisory document (schema `csaf_json_schema.json`), the provider metadata
//! (`provider_json_schema.json`) and the ROLIE feed (section 7.1.15). Field
//! names follow the schemas; optional members are left out when empty
//! because the schemas reject empty arrays. Fields are declared in
//! alphabetical order of their JSON names, the order CSAF 2.0 optional test
//! 6.2.13 asks for.

use serde::Serialize;

/// A CSAF 2.0 document.
#[derive(Debug, Clone, Serialize)]
pub struct Csaf {
    pub document: Document,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_tree: Option<ProductTree>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vulnerabilities: Vec<Vulnerability>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Document {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aggregate_severity: Option<AggregateSeverity>,
    pub category: &'static str,
    pub csaf_version: &'static str,
    pub distribution: Distribution,
    pub lang: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
    pub publisher: Publisher,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
    pub title: String,
    pub tracking: Tracking,
}

#[derive(Debug, Clone, Serialize)]
pub struct Publisher {
    pub category: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_details: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuing_authority: Option<String>,
    pub name: String,
    pub namespace: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Distribution {
    pub tlp: Tlp,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tlp {
    pub label: &'static str,
    pub url: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct AggregateSeverity {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Note {
    pub category: &'static str,
    pub text: String,
    pub title: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Reference {
    pub category: &'static str,
    pub summary: String,
    pub url: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tracking {
    pub current_release_date: String,
    pub generator: Generator,
    pub id: String,
    pub initial_release_date: String,
    pub revision_history: Vec<Revision>,
    pub status: &'static str,
    pub version: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Revision {
    pub date: String,
    pub number: String,
    pub summary: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Generator {
    pub engine: Engine,
}

#[derive(Debug, Clone, Serialize)]
pub struct Engine {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProductTree {
    pub branches: Vec<Branch>,
}

/// A branch holds either further branches or, as a leaf, one product.
#[derive(Debug, Clone, Serialize)]
pub struct Branch {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub branches: Vec<Branch>,
    pub category: &'static str,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<FullProductName>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FullProductName {
    pub name: String,
    pub product_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_identification_helper: Option<IdentificationHelper>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IdentificationHelper {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub x_generic_uris: Vec<GenericUri>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GenericUri {
    pub namespace: &'static str,
    pub uri: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Vulnerability {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub acknowledgments: Vec<Acknowledgment>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cve: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cwe: Option<Weakness>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ids: Vec<VulnerabilityId>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_status: Option<ProductStatus>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
    pub release_date: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub remediations: Vec<Remediation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scores: Vec<Score>,
    pub title: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct VulnerabilityId {
    pub system_name: String,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Weakness {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProductStatus {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fixed: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub known_affected: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub known_not_affected: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Remediation {
    pub category: &'static str,
    pub details: String,
    pub product_ids: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Score {
    pub cvss_v3: CvssV3,
    pub products: Vec<String>,
}

/// The properties of FIRST's CVSS v3.1 JSON schema that the vector fixes;
/// the others are left out so that none can disagree with the vector
/// (mandatory test 6.1.10).
#[derive(Debug, Clone, Serialize)]
pub struct CvssV3 {
    #[serde(rename = "baseScore")]
    pub base_score: f64,
    #[serde(rename = "baseSeverity")]
    pub base_severity: String,
    #[serde(rename = "vectorString")]
    pub vector_string: String,
    pub version: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Acknowledgment {
    pub names: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<String>,
}

/// `provider-metadata.json` (requirement 7.1.7).
#[derive(Debug, Clone, Serialize)]
pub struct ProviderMetadata {
    pub canonical_url: String,
    pub distributions: Vec<DistributionPoint>,
    pub last_updated: String,
    #[serde(rename = "list_on_CSAF_aggregators")]
    pub list_on_csaf_aggregators: bool,
    pub metadata_version: &'static str,
    #[serde(rename = "mirror_on_CSAF_aggregators")]
    pub mirror_on_csaf_aggregators: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub public_openpgp_keys: Vec<OpenPgpKey>,
    pub publisher: Publisher,
    pub role: &'static str,
}

/// One way to fetch the documents: a directory tree or ROLIE feeds.
#[derive(Debug, Clone, Serialize)]
pub struct DistributionPoint {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub directory_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rolie: Option<Rolie>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Rolie {
    pub feeds: Vec<RolieFeedRef>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RolieFeedRef {
    pub summary: String,
    pub tlp_label: &'static str,
    pub url: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct OpenPgpKey {
    pub fingerprint: String,
    pub url: String,
}

/// A ROLIE feed document in its JSON form.
#[derive(Debug, Clone, Serialize)]
pub struct RolieFeedDocument {
    pub feed: RolieFeed,
}

#[derive(Debug, Clone, Serialize)]
pub struct RolieFeed {
    pub category: Vec<Category>,
    pub entry: Vec<Entry>,
    pub id: String,
    pub link: Vec<Link>,
    pub title: String,
    pub updated: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Link {
    pub href: String,
    pub rel: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Category {
    pub scheme: &'static str,
    pub term: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub content: Content,
    pub format: Format,
    pub id: String,
    pub link: Vec<Link>,
    pub published: String,
    pub title: String,
    pub updated: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Content {
    pub src: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Format {
    pub schema: &'static str,
    pub version: &'static str,
}
