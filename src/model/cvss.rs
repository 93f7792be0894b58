//! CVSS vectors with their base score computed, never typed by hand.

use std::fmt;

use serde::Serialize;

/// Which CVSS version a vector is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CvssVersion {
    #[serde(rename = "3.1")]
    V3_1,
    #[serde(rename = "4.0")]
    V4_0,
}

/// A CVSS v3.1 or v4.0 base vector and its computed score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cvss {
    pub vector: String,
    pub version: CvssVersion,
    /// Base score, 0.0–10.0, one decimal.
    pub score: f64,
    /// Qualitative rating: none, low, medium, high, critical.
    pub rating: &'static str,
}

impl Cvss {
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.starts_with("CVSS:3.1/") {
            let v: cvss::v3::Vector = s
                .parse()
                .map_err(|e| format!("`{s}` is not a valid CVSS 3.1 vector: {e}"))?;
            let score = v.score();
            Ok(Cvss {
                vector: s.to_string(),
                version: CvssVersion::V3_1,
                score: score.value(),
                rating: score.severity().as_str(),
            })
        } else if s.starts_with("CVSS:4.0/") {
            let v: cvss::v4::Vector = s
                .parse()
                .map_err(|e| format!("`{s}` is not a valid CVSS 4.0 vector: {e}"))?;
            let score = v.score();
            let rating = score.clone().severity().as_str();
            Ok(Cvss {
                vector: s.to_string(),
                version: CvssVersion::V4_0,
                score: (score.value() * 10.0).round() / 10.0,
                rating,
            })
        } else {
            Err(format!(
                "`{s}` is not a CVSS 3.1 or 4.0 vector (it must start with CVSS:3.1/ or CVSS:4.0/)"
            ))
        }
    }
}

impl fmt::Display for Cvss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.1}", self.score)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_are_computed() {
        let c = Cvss::parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").unwrap();
        assert_eq!(c.score, 9.8);
        assert_eq!(c.rating, "critical");
        let c = Cvss::parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H").unwrap();
        assert_eq!(c.score, 7.5);
        let c =
            Cvss::parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N").unwrap();
        assert_eq!(c.score, 9.3);
        assert_eq!(c.version, CvssVersion::V4_0);
    }

    #[test]
    fn bad_vectors_are_rejected() {
        assert!(Cvss::parse("CVSS:3.1/AV:X").is_err());
        assert!(Cvss::parse("AV:N/AC:L").is_err());
        assert!(Cvss::parse("CVSS:2.0/AV:N").is_err());
    }
}
