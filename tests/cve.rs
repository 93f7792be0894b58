//! CVE JSON 5 records of the fixture site: snapshots, one record per CVE
//! alias of each published advisory, version ranges per series, the
//! assigner settings, and REJECTED records for withdrawn advisories.

use crate::support;
use support::*;

use disclose::model::{Advisory, Alias, Site, Withdrawal};
use disclose::render::cve;
use serde_json::{Value, json};

const NOW: &str = "2026-12-10T00:00:00Z";

fn json_of(site: &Site, a: &Advisory, cve_id: &str) -> Value {
    let record = cve::record(
        site,
        a,
        &Alias::parse(cve_id).unwrap(),
        NOW.parse().unwrap(),
    );
    serde_json::to_value(record).unwrap()
}

#[test]
fn records_snapshot() {
    let outputs = render_at(fixture(), NOW);
    for path in ["cve/CVE-2025-40001.json", "cve/CVE-2026-40002.json"] {
        let o = outputs.iter().find(|o| o.path == path).unwrap();
        insta::assert_snapshot!(
            path.replace('/', "_"),
            std::str::from_utf8(&o.bytes).unwrap()
        );
    }
}

#[test]
fn one_record_per_cve_alias_of_each_published_advisory() {
    let outputs = render_at(fixture(), NOW);
    let records: Vec<&str> = outputs
        .iter()
        .map(|o| o.path.as_str())
        .filter(|p| p.starts_with("cve/"))
        .collect();
    // GHSA aliases get no record; the embargoed CVE-2026-40003 neither.
    assert_eq!(
        records,
        ["cve/CVE-2025-40001.json", "cve/CVE-2026-40002.json"]
    );
    let after = render_at(fixture(), "2026-12-16T00:00:00Z");
    assert!(after.iter().any(|o| o.path == "cve/CVE-2026-40003.json"));
}

#[test]
fn version_ranges_follow_each_series() {
    let site = checked_site(fixture(), NOW);
    let a = site.advisory("QUILL-2025-0001").unwrap();
    let record = json_of(&site, a, "CVE-2025-40001");
    let versions = &record["containers"]["cna"]["affected"][0]["versions"];
    assert_eq!(
        versions,
        &json!([
            // main, not listed and supported on the publish date.
            {"version": "main", "status": "unaffected"},
            // 1.1: affected up to the fix, then the fix and every later
            // release of the series, open to the releases still to come.
            {"version": "1.1.0", "status": "affected", "versionType": "semver", "lessThan": "1.1.1"},
            {"version": "1.1.1", "status": "unaffected", "versionType": "semver", "lessThanOrEqual": "1.1.*"},
            // 1.0: unaffected before the version that introduced it.
            {"version": "1.0.0", "status": "unaffected", "versionType": "semver", "lessThan": "1.0.1"},
            {"version": "1.0.1", "status": "affected", "versionType": "semver", "lessThan": "1.0.2"},
            {"version": "1.0.2", "status": "unaffected", "versionType": "semver", "lessThanOrEqual": "1.0.*"},
        ])
    );
    assert_eq!(
        record["containers"]["cna"]["affected"][0]["defaultStatus"],
        "unknown"
    );

    // Without a fix, every release from the first affected one is affected.
    let mut unfixed = a.clone();
    for e in &mut unfixed.affected {
        e.fixed = None;
    }
    let ranges = cve::version_ranges(&site, &unfixed, NOW.parse().unwrap());
    let ranges = serde_json::to_value(ranges).unwrap();
    assert_eq!(
        ranges,
        json!([
            {"version": "main", "status": "unaffected"},
            {"version": "1.1.0", "status": "affected", "versionType": "semver", "lessThanOrEqual": "1.1.*"},
            {"version": "1.0.0", "status": "unaffected", "versionType": "semver", "lessThan": "1.0.1"},
            {"version": "1.0.1", "status": "affected", "versionType": "semver", "lessThanOrEqual": "1.0.*"},
        ])
    );

    // A series supported on the publish date and not listed is unaffected.
    let b = site.advisory("QUILL-2026-0001").unwrap();
    let mut only_main = b.clone();
    only_main.affected.retain(|e| e.series == "main");
    let ranges =
        serde_json::to_value(cve::version_ranges(&site, &only_main, NOW.parse().unwrap())).unwrap();
    assert_eq!(
        ranges,
        json!([
            // The branch has its patch: the fix is on it.
            {"version": "main", "status": "unaffected"},
            {"version": "1.1.0", "status": "unaffected", "versionType": "semver", "lessThanOrEqual": "1.1.*"},
        ])
    );
    let mut main_unpatched = only_main.clone();
    main_unpatched.affected[0].patches.clear();
    let ranges = serde_json::to_value(cve::version_ranges(
        &site,
        &main_unpatched,
        NOW.parse().unwrap(),
    ))
    .unwrap();
    assert_eq!(ranges[0], json!({"version": "main", "status": "affected"}));
}

#[test]
fn record_states_the_model() {
    let site = checked_site(fixture(), NOW);
    let a = site.advisory("QUILL-2025-0001").unwrap();
    let r = json_of(&site, a, "CVE-2025-40001");
    let cna = &r["containers"]["cna"];
    assert_eq!(r["cveMetadata"]["state"], "PUBLISHED");
    assert_eq!(r["cveMetadata"]["datePublished"], "2025-09-10T12:00:00Z");
    assert_eq!(cna["metrics"][0]["cvssV3_1"]["baseScore"], 9.1);
    assert_eq!(cna["metrics"][0]["cvssV3_1"]["baseSeverity"], "CRITICAL");
    assert_eq!(
        cna["problemTypes"][0]["descriptions"][0]["description"],
        "CWE-125: Out-of-bounds Read"
    );
    assert_eq!(
        cna["credits"][0],
        json!({"lang": "en", "value": "Ada Example", "type": "finder"})
    );
    assert_eq!(cna["affected"][0]["collectionURL"], "https://crates.io");
    let urls: Vec<&str> = cna["references"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["url"].as_str().unwrap())
        .collect();
    assert_eq!(
        urls,
        [
            "https://quill.example/security/advisories/QUILL-2025-0001/",
            "https://github.com/quill-rs/quill/issues/120",
            "https://github.com/quill-rs/quill/commit/3f1e2d4c5b6a79881726354a5b6c7d8e9f0a1b2c",
            "https://github.com/quill-rs/quill/commit/4a5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7",
        ]
    );
}

#[test]
fn assigner_comes_from_the_config_or_is_the_placeholder() {
    let mut site = checked_site(fixture(), NOW);
    let a = site.advisory("QUILL-2025-0001").unwrap().clone();
    let r = json_of(&site, &a, "CVE-2025-40001");
    assert_eq!(r["cveMetadata"]["assignerOrgId"], cve::PLACEHOLDER_ORG_ID);
    assert!(r["cveMetadata"].get("assignerShortName").is_none());

    site.config.cve.assigner_org_id = Some("8254265b-2729-46b6-b9e3-3dfca2d5bfca".into());
    site.config.cve.assigner_short_name = Some("quill".into());
    let r = json_of(&site, &a, "CVE-2025-40001");
    assert_eq!(
        r["cveMetadata"]["assignerOrgId"],
        "8254265b-2729-46b6-b9e3-3dfca2d5bfca"
    );
    assert_eq!(r["cveMetadata"]["assignerShortName"], "quill");
    assert_eq!(
        r["containers"]["cna"]["providerMetadata"],
        json!({"orgId": "8254265b-2729-46b6-b9e3-3dfca2d5bfca", "shortName": "quill"})
    );
}

#[test]
fn withdrawn_advisory_gives_a_rejected_record() {
    let site = checked_site(fixture(), NOW);
    let mut a = site.advisory("QUILL-2026-0001").unwrap().clone();
    a.withdrawn = Some(Withdrawal {
        at: "2026-03-01T08:00:00Z".parse().unwrap(),
        reason: "Not reachable from any public API.".into(),
    });
    let r = json_of(&site, &a, "CVE-2026-40002");
    assert_eq!(
        r,
        json!({
            "dataType": "CVE_RECORD",
            "dataVersion": "5.1.1",
            "cveMetadata": {
                "cveId": "CVE-2026-40002",
                "assignerOrgId": cve::PLACEHOLDER_ORG_ID,
                "state": "REJECTED",
                "datePublished": "2026-02-03T14:00:00Z",
                "dateUpdated": "2026-03-01T08:00:00Z",
                "dateRejected": "2026-03-01T08:00:00Z",
            },
            "containers": {"cna": {
                "providerMetadata": {"orgId": cve::PLACEHOLDER_ORG_ID},
                "rejectedReasons": [{"lang": "en", "value": "Not reachable from any public API."}],
            }},
        })
    );
}
