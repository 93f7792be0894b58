//! Where each output lives, in one place, so every target links to the
//! others the same way: pages, feeds, OSV, CSAF and CVE records.

use crate::config::SiteConfig;
use crate::model::{Advisory, Alias};

/// The site's absolute URL for a path relative to its root (`""` is the root).
pub fn absolute_url(config: &SiteConfig, path: &str) -> String {
    format!("{}{}", config.base_url, path.trim_start_matches('/'))
}

/// The advisory's page: `advisories/<id>/`.
pub fn advisory_page(a: &Advisory) -> String {
    format!("advisories/{}/", a.id)
}

/// The advisory's OSV id: the site's prefix and the advisory id.
pub fn osv_id(config: &SiteConfig, a: &Advisory) -> String {
    format!("{}{}", config.osv.id_prefix, a.id)
}

/// `osv/<osv-id>.json`.
pub fn osv_record(config: &SiteConfig, a: &Advisory) -> String {
    format!("osv/{}.json", osv_id(config, a))
}

/// The OSV REST-source index (`[{id, modified}]`). It lives outside `osv/`
/// because importers that read a directory of records take every `.json`
/// there for one.
pub const OSV_INDEX: &str = "osv-index.json";
/// `<modified>,<id>` lines, newest first.
pub const OSV_MODIFIED_ID: &str = "osv/modified_id.csv";
/// Every OSV record in one zip.
pub const OSV_ALL_ZIP: &str = "osv/all.zip";

/// The CSAF file name of CSAF 2.0 section 5.1: the tracking id lower-cased,
/// every run of characters other than `+`, `-`, `a-z` and `0-9` replaced by
/// one `_`.
pub fn csaf_file_name(a: &Advisory) -> String {
    csaf_file_name_for(a.id.as_str())
}

fn csaf_file_name_for(tracking_id: &str) -> String {
    let mut name = String::with_capacity(tracking_id.len() + 5);
    for c in tracking_id.chars().map(|c| c.to_ascii_lowercase()) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '+' || c == '-' {
            name.push(c);
        } else if !name.ends_with('_') {
            name.push('_');
        }
    }
    name + ".json"
}

/// `.well-known/csaf/white/<year of initial release>/<file>` (requirement 7.1.11).
pub fn csaf_document(a: &Advisory) -> String {
    let year = a.published.at.to_zoned(jiff::tz::TimeZone::UTC).year();
    format!("{CSAF_WHITE_DIR}{year}/{}", csaf_file_name(a))
}

/// The folder of the CVE records.
pub const CVE_DIR: &str = "cve/";

/// `cve/<CVE-id>.json`.
pub fn cve_record(alias: &Alias) -> String {
    format!("{CVE_DIR}{alias}.json")
}

/// The folder of the Atom feeds.
pub const FEEDS_DIR: &str = "feeds/";

pub const FEED_ALL: &str = "feeds/all.atom";

pub fn feed_series(series: &str) -> String {
    format!("{FEEDS_DIR}series/{series}.atom")
}

pub fn feed_severity(level: &str) -> String {
    format!("{FEEDS_DIR}severity/{level}.atom")
}

pub const FEED_ANNOUNCEMENTS: &str = "feeds/announcements.atom";
/// One entry per published security release.
pub const FEED_RELEASES: &str = "feeds/releases.atom";
pub const SECURITY_TXT: &str = ".well-known/security.txt";
pub const CSAF_PROVIDER_METADATA: &str = ".well-known/csaf/provider-metadata.json";
pub const POLICY_PAGE: &str = "policy/";
pub const THANKS_PAGE: &str = "thanks/";
pub const VERSIONS_PAGE: &str = "versions/";
pub const ANNOUNCEMENTS_PAGE: &str = "announcements/";
/// The index of published security releases.
pub const RELEASES_PAGE: &str = "releases/";

/// A security release's page: `releases/<slug>/` (the slug is its date, see
/// [`crate::release::SecurityRelease::slug`]).
pub fn release_page(slug: &str) -> String {
    format!("releases/{slug}/")
}

/// `versions/<series>/`.
pub fn series_page(series: &str) -> String {
    format!("versions/{series}/")
}

/// `versions/<series>/<version>/`.
pub fn version_page(series: &str, version: &str) -> String {
    format!("versions/{series}/{version}/")
}

/// RFC 3339 in UTC with a `Z` and whole seconds, as OSV, CSAF, CVE and Atom want.
pub fn utc_timestamp(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Everything the CSAF target publishes is under this folder.
pub const CSAF_DIR: &str = ".well-known/csaf/";

/// The folder of TLP:WHITE CSAF documents (requirements 7.1.11 to 7.1.14).
pub const CSAF_WHITE_DIR: &str = ".well-known/csaf/white/";

/// `index.txt` of the TLP:WHITE folder: every document path (requirement 7.1.12).
pub const CSAF_INDEX: &str = ".well-known/csaf/white/index.txt";

/// `changes.csv` of the TLP:WHITE folder, newest change first (requirement 7.1.13).
pub const CSAF_CHANGES: &str = ".well-known/csaf/white/changes.csv";

/// The ROLIE feed of the TLP:WHITE documents (requirement 7.1.15).
pub const CSAF_ROLIE_FEED: &str = ".well-known/csaf/white/csaf-feed-tlp-white.json";

/// The slug of the severity pages and feed of advisories without a rating.
pub const NOT_RATED: &str = "not-rated";

/// `severity/<level>/`: the archive filtered to one severity level.
pub fn severity_page(level: &str) -> String {
    format!("severity/{level}/")
}

/// The public half of the signing key, named by its fingerprint as CSAF
/// providers publish it (the folder of CSAF 2.0 section 7.1.19's example):
/// `.well-known/csaf/openpgp/<FINGERPRINT>.asc`.
pub fn openpgp_public_key(fingerprint: &str) -> String {
    format!("{CSAF_DIR}openpgp/{fingerprint}.asc")
}

/// The folder of the OSV records (`osv/<osv-id>.json`).
pub const OSV_DIR: &str = "osv/";

/// The public pre-notification text of the release at `release_at`, kept
/// outside the site: `release-<YYYY-MM-DD>T<HHMM>Z-public-notice.txt`.
pub fn prenotify_notice(release_at: jiff::Timestamp) -> String {
    format!("release-{}-public-notice.txt", release_stem(release_at))
}

/// The confidential packet of the release at `release_at`, never published:
/// `release-<YYYY-MM-DD>T<HHMM>Z-confidential-packet.txt`.
pub fn prenotify_packet(release_at: jiff::Timestamp) -> String {
    format!(
        "release-{}-confidential-packet.txt",
        release_stem(release_at)
    )
}

/// The release-day texts of a release, kept outside the site and named by
/// its page's segment: `release-<slug>-announcement.md`, the blog post.
pub fn announce_post(slug: &str) -> String {
    format!("release-{slug}-announcement.md")
}

/// The mail for the project's announce list.
pub fn announce_mail(slug: &str) -> String {
    format!("release-{slug}-announce-mail.txt")
}

/// The mail for oss-security.
pub fn announce_oss_security_mail(slug: &str) -> String {
    format!("release-{slug}-oss-security-mail.txt")
}

/// The script of `cve` commands that publishes the release's CVE records.
pub fn announce_cve_script(slug: &str) -> String {
    format!("release-{slug}-cve-publish.sh")
}

/// The CNA container of one CVE record, as `cve publish` takes it.
pub fn announce_cve_container(slug: &str, cve: &Alias) -> String {
    format!("release-{slug}-cve/{cve}.json")
}

/// The release date with its UTC time, so two releases on one day differ.
fn release_stem(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H%MZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csaf_file_names_follow_section_5_1() {
        assert_eq!(
            csaf_file_name_for("LARCH-2026-0001"),
            "larch-2026-0001.json"
        );
        assert_eq!(csaf_file_name_for("A._b..C"), "a_b_c.json");
    }

    #[test]
    fn timestamps_are_utc_with_z() {
        let t: jiff::Timestamp = "2026-03-04T09:00:00.5-05:00".parse().unwrap();
        assert_eq!(utc_timestamp(t), "2026-03-04T14:00:00Z");
    }
}
