//! Fuzz targets for disclose and the reference browser the differential
//! targets compare with. `src/main.rs` runs one under AFL++.

pub mod oracle;
pub mod targets;
