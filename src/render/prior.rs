//! What the site a build replaces published, as plain data the targets
//! build on: a CSAF document keeps the revisions it was published with and
//! only adds to them. Where the data came from (the output directory, a
//! downloaded copy of the deployed site) is the history check's business.

use std::collections::BTreeMap;

use jiff::Timestamp;

/// The published facts the targets carry forward.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PriorSite {
    /// CSAF tracking id (the advisory id) → its revision history as
    /// published, oldest first.
    pub csaf_revisions: BTreeMap<String, Vec<PriorRevision>>,
}

/// One published revision of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriorRevision {
    pub at: Timestamp,
    pub summary: String,
}
