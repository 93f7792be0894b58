//! Release series, their released versions, and their support status at a
//! given clock.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;

use super::time::utc_date;
use super::version::{Version, VersionScheme};

/// One released version.
#[derive(Debug, Clone, Serialize)]
pub struct Release {
    pub version: Version,
    pub date: Date,
}

/// A release series (branch) with its support dates.
#[derive(Debug, Clone, Serialize)]
pub struct Series {
    pub name: String,
    pub development: bool,
    pub released: Option<Date>,
    pub lts: bool,
    pub bugfix_until: Option<Date>,
    pub security_until: Option<Date>,
    /// Oldest first.
    pub versions: Vec<Release>,
}

/// Where a series stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SupportStatus {
    InDevelopment,
    Supported,
    SecurityOnly,
    EndOfLife,
}

impl SupportStatus {
    pub fn label(self) -> &'static str {
        match self {
            SupportStatus::InDevelopment => "in development",
            SupportStatus::Supported => "supported",
            SupportStatus::SecurityOnly => "security fixes only",
            SupportStatus::EndOfLife => "end of life",
        }
    }

    /// Receives security fixes.
    pub fn is_supported(self) -> bool {
        self != SupportStatus::EndOfLife
    }
}

impl Series {
    /// The status on the UTC day of `now`. Support ends after the last day given.
    pub fn status(&self, now: Timestamp) -> SupportStatus {
        let today = utc_date(now);
        match self.released {
            _ if self.development => SupportStatus::InDevelopment,
            None => SupportStatus::InDevelopment,
            Some(released) if today < released => SupportStatus::InDevelopment,
            Some(_) => {
                let security_end = self.security_until;
                let bugfix_end = self.bugfix_until.or(security_end);
                if bugfix_end.is_none_or(|d| today <= d) {
                    SupportStatus::Supported
                } else if security_end.is_none_or(|d| today <= d) {
                    SupportStatus::SecurityOnly
                } else {
                    SupportStatus::EndOfLife
                }
            }
        }
    }

    /// Whether the series received security fixes on `date`: the development
    /// branch always does; a released series from its release to the end of
    /// security support.
    pub fn supported_on(&self, date: Date) -> bool {
        if self.development {
            return true;
        }
        match self.released {
            Some(released) => date >= released && self.security_until.is_none_or(|end| date <= end),
            None => false,
        }
    }

    pub fn first_version(&self) -> Option<&Version> {
        self.versions.first().map(|r| &r.version)
    }

    pub fn latest_version(&self) -> Option<&Version> {
        self.versions.last().map(|r| &r.version)
    }

    pub fn release(&self, version: &Version) -> Option<&Release> {
        self.versions.iter().find(|r| &r.version == version)
    }
}

/// Every release series of the project, newest first as listed.
#[derive(Debug, Clone, Serialize)]
pub struct Releases {
    pub scheme: VersionScheme,
    pub series: Vec<Series>,
}

impl Releases {
    pub fn get(&self, name: &str) -> Option<&Series> {
        self.series.iter().find(|s| s.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(released: &str, bugfix: &str, security: &str) -> Series {
        Series {
            name: "1.0".into(),
            development: false,
            released: Some(released.parse().unwrap()),
            lts: false,
            bugfix_until: Some(bugfix.parse().unwrap()),
            security_until: Some(security.parse().unwrap()),
            versions: vec![],
        }
    }

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn status_follows_the_dates_inclusively() {
        let s = series("2025-01-01", "2025-06-30", "2025-12-31");
        assert_eq!(
            s.status(at("2024-12-31T23:59:59Z")),
            SupportStatus::InDevelopment
        );
        assert_eq!(
            s.status(at("2025-01-01T00:00:00Z")),
            SupportStatus::Supported
        );
        assert_eq!(
            s.status(at("2025-06-30T23:59:59Z")),
            SupportStatus::Supported
        );
        assert_eq!(
            s.status(at("2025-07-01T00:00:00Z")),
            SupportStatus::SecurityOnly
        );
        assert_eq!(
            s.status(at("2025-12-31T12:00:00Z")),
            SupportStatus::SecurityOnly
        );
        assert_eq!(
            s.status(at("2026-01-01T00:00:00Z")),
            SupportStatus::EndOfLife
        );
    }

    #[test]
    fn development_series_is_always_in_development_and_supported() {
        let mut s = series("2025-01-01", "2025-06-30", "2025-12-31");
        s.development = true;
        assert_eq!(
            s.status(at("2030-01-01T00:00:00Z")),
            SupportStatus::InDevelopment
        );
        assert!(s.supported_on("2001-01-01".parse().unwrap()));
    }

    #[test]
    fn supported_on_covers_release_to_security_end() {
        let s = series("2025-01-01", "2025-06-30", "2025-12-31");
        assert!(!s.supported_on("2024-12-31".parse().unwrap()));
        assert!(s.supported_on("2025-01-01".parse().unwrap()));
        assert!(s.supported_on("2025-12-31".parse().unwrap()));
        assert!(!s.supported_on("2026-01-01".parse().unwrap()));
    }
}
