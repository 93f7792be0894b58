//! The OSV output of the fixture site, rendered in memory: snapshots of every
//! record and index, and the structure the OSV 1.7 schema asks of each
//! record (the official schema itself is checked by the conformance run).

#![allow(clippy::disallowed_methods)]

use crate::support;
use support::*;

use std::io::{Cursor, Read};

use disclose::model::{OSV_ECOSYSTEMS, Version, VersionScheme};
use disclose::render::Output;
use serde_json::Value;

/// Every advisory is public (the last one, unfixed, since 2026-12-15).
const NOW: &str = "2026-12-20T00:00:00Z";

fn file<'a>(outputs: &'a [Output], path: &str) -> &'a [u8] {
    &outputs
        .iter()
        .find(|o| o.path == path)
        .unwrap_or_else(|| panic!("no {path}"))
        .bytes
}

fn records(outputs: &[Output]) -> Vec<&Output> {
    outputs
        .iter()
        .filter(|o| o.path.starts_with("osv/") && o.path.ends_with(".json"))
        .collect()
}

#[test]
fn records_and_indexes_snapshot() {
    let outputs = render_at(fixture(), NOW);
    let recs = records(&outputs);
    assert_eq!(recs.len(), 3);
    for o in recs {
        insta::assert_snapshot!(
            o.path.replace('/', "_"),
            std::str::from_utf8(&o.bytes).unwrap()
        );
    }
    for path in ["osv-index.json", "osv/modified_id.csv"] {
        insta::assert_snapshot!(
            path.replace('/', "_"),
            std::str::from_utf8(file(&outputs, path)).unwrap()
        );
    }
}

fn is_utc_timestamp(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.len() == 20 && s.ends_with('Z') && s.parse::<jiff::Timestamp>().is_ok())
}

/// What the OSV schema requires of a record, asserted field by field.
fn assert_osv_shape(path: &str, r: &Value) {
    let id = r["id"].as_str().unwrap();
    assert!(id.starts_with("x_"), "{path}: id {id}");
    assert_eq!(path, format!("osv/{id}.json"));
    assert!(r["schema_version"].as_str().unwrap().starts_with("1.7."));
    for key in ["modified", "published"] {
        assert!(is_utc_timestamp(&r[key]), "{path}: {key}");
    }
    if let Some(w) = r.get("withdrawn") {
        assert!(is_utc_timestamp(w), "{path}: withdrawn");
    }
    assert!(r["modified"].as_str() >= r["published"].as_str());
    assert!(!r["summary"].as_str().unwrap().contains('\n'));
    assert!(!r["details"].as_str().unwrap().is_empty());
    for s in r["severity"].as_array().into_iter().flatten() {
        let (kind, score) = (s["type"].as_str().unwrap(), s["score"].as_str().unwrap());
        match kind {
            "CVSS_V3" => assert!(score.starts_with("CVSS:3.")),
            "CVSS_V4" => assert!(score.starts_with("CVSS:4.0/")),
            other => panic!("{path}: severity type {other}"),
        }
    }
    for a in r["affected"].as_array().unwrap() {
        let pkg = &a["package"];
        assert!(OSV_ECOSYSTEMS.contains(&pkg["ecosystem"].as_str().unwrap()));
        assert!(!pkg["name"].as_str().unwrap().is_empty());
        let purl = pkg["purl"].as_str().unwrap();
        assert!(purl.starts_with("pkg:") && !purl.contains('@'), "{purl}");
        let ranges = a["ranges"].as_array().unwrap();
        assert!(
            ranges.iter().filter(|r| r["type"] == "ECOSYSTEM").count() <= 1,
            "{path}: one ECOSYSTEM range per package"
        );
        for range in ranges {
            let events = range["events"].as_array().unwrap();
            assert!(events[0].get("introduced").is_some(), "{path}: first event");
            assert!(
                range.get("database_specific").is_none(),
                "{path}: osv.dev drops it"
            );
            for e in events {
                let obj = e.as_object().unwrap();
                assert_eq!(obj.len(), 1);
                assert!(
                    obj.contains_key("introduced")
                        || obj.contains_key("fixed")
                        || obj.contains_key("last_affected")
                );
            }
            match range["type"].as_str().unwrap() {
                "ECOSYSTEM" => assert!(range.get("repo").is_none()),
                "GIT" => assert!(range["repo"].as_str().unwrap().starts_with("https://")),
                other => panic!("{path}: range type {other}"),
            }
        }
    }
    let refs = r["references"].as_array().unwrap();
    assert_eq!(refs[0]["type"], "ADVISORY");
    for x in refs {
        assert!(x["url"].as_str().unwrap().starts_with("https://"));
    }
    for c in r["credits"].as_array().into_iter().flatten() {
        assert!(!c["name"].as_str().unwrap().is_empty());
    }
}

#[test]
fn every_record_has_the_osv_structure() {
    for o in records(&render_at(fixture(), NOW)) {
        let r: Value = serde_json::from_slice(&o.bytes).unwrap();
        assert_osv_shape(&o.path, &r);
    }
}

#[test]
fn series_ranges_match_the_fixture() {
    let outputs = render_at(fixture(), NOW);
    let rec = |id: &str| -> Value {
        serde_json::from_slice(file(&outputs, &format!("osv/x_{id}.json"))).unwrap()
    };
    // Fixed in 1.1.1 and, introduced later, in 1.0.2: one range, the pairs
    // in version order.
    let r = rec("QUILL-2025-0001");
    let ranges = &r["affected"][0]["ranges"];
    assert_eq!(
        ranges[0]["events"],
        serde_json::json!([
            {"introduced": "1.0.1"}, {"fixed": "1.0.2"},
            {"introduced": "1.1.0"}, {"fixed": "1.1.1"}
        ])
    );
    assert_eq!(ranges[1]["type"], "GIT");
    assert_eq!(
        r["affected"][0]["versions"],
        serde_json::json!(["1.0.1", "1.1.0"])
    );
    assert_eq!(
        r["affected"][0]["database_specific"]["series"][1],
        serde_json::json!({
            "series": "1.0", "introduced": "1.0.1", "fixed": "1.0.2",
            "patches": [{
                "url": "https://github.com/quill-rs/quill/commit/4a5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7",
                "commit": "4a5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7",
                "label": "1.0 branch"
            }]
        })
    );
    // No fix yet: the range ends at the latest release, every 1.1 release
    // is listed, and `main` has no pair (its patch is the GIT range).
    let r = rec("QUILL-2026-0002");
    let ranges = r["affected"][0]["ranges"].as_array().unwrap();
    assert_eq!(
        ranges[0]["events"],
        serde_json::json!([{"introduced": "1.1.0"}, {"last_affected": "1.1.2"}])
    );
    assert_eq!(
        r["affected"][0]["versions"],
        serde_json::json!(["1.1.0", "1.1.1", "1.1.2"])
    );
}

#[test]
fn output_is_byte_identical_and_the_zip_holds_every_record() {
    let one = render_at(fixture(), NOW);
    let two = render_at(fixture(), NOW);
    let osv = |o: &[Output]| -> Vec<(String, Vec<u8>)> {
        o.iter()
            .filter(|o| o.path.starts_with("osv"))
            .map(|o| (o.path.clone(), o.bytes.clone()))
            .collect()
    };
    assert_eq!(osv(&one), osv(&two));

    let mut zip = zip::ZipArchive::new(Cursor::new(file(&one, "osv/all.zip"))).unwrap();
    let recs = records(&one);
    assert_eq!(zip.len(), recs.len());
    for (i, o) in recs.iter().enumerate() {
        let mut entry = zip.by_index(i).unwrap();
        assert_eq!(format!("osv/{}", entry.name().unwrap()), o.path);
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        assert_eq!(bytes, o.bytes);
    }
}

#[test]
fn indexes_list_exactly_the_published_records() {
    // Before 2026-12-15 the third advisory is under embargo.
    let outputs = render_at(fixture(), "2026-12-10T00:00:00Z");
    let index: Vec<Value> = serde_json::from_slice(file(&outputs, "osv-index.json")).unwrap();
    let ids: Vec<&str> = index.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["x_QUILL-2025-0001", "x_QUILL-2026-0001"]);
    for e in &index {
        let rec: Value = serde_json::from_slice(file(
            &outputs,
            &format!("osv/{}.json", e["id"].as_str().unwrap()),
        ))
        .unwrap();
        assert_eq!(rec["modified"], e["modified"]);
    }
    let csv = std::str::from_utf8(file(&outputs, "osv/modified_id.csv")).unwrap();
    assert_eq!(
        csv,
        "2026-02-10T10:00:00Z,x_QUILL-2026-0001\n2025-09-10T12:00:00Z,x_QUILL-2025-0001\n"
    );
    let zip = zip::ZipArchive::new(Cursor::new(file(&outputs, "osv/all.zip"))).unwrap();
    assert_eq!(zip.len(), 2);
}

/// The ECOSYSTEM range as osv.dev and pip-audit's OSV service evaluate it:
/// events sorted by version, `introduced` opens, `fixed` closes at the
/// version, `last_affected` after it.
fn in_range(range: &Value, v: &Version, scheme: VersionScheme) -> bool {
    let mut events: Vec<(Version, u8, String)> = range["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let (kind, value) = e.as_object().unwrap().iter().next().unwrap();
            let order = u8::from(kind != "introduced");
            let value = Version::parse(value.as_str().unwrap(), scheme).unwrap();
            (value, order, kind.clone())
        })
        .collect();
    events.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut affected = false;
    for (at, _, kind) in &events {
        match kind.as_str() {
            "introduced" if v >= at => affected = true,
            "fixed" if v >= at => affected = false,
            "last_affected" if v > at => affected = false,
            _ => {}
        }
    }
    affected
}

/// For every released version of the example: the one ECOSYSTEM range of
/// each record reads exactly as the model says, and the smallest fix it
/// offers above an affected version is the fix of that version's own series
/// (what `pip-audit --fix` would install).
#[test]
fn the_one_range_reads_as_the_model_for_every_release_of_the_example() {
    let now = "2027-07-01T00:00:00Z";
    let site = checked_site(example(), now);
    let outputs = render_at(example(), now);
    let scheme = site.releases.scheme;
    let mut checked = 0;
    for a in site.advisories.iter().filter(|a| !a.is_withdrawn()) {
        let record: Value = serde_json::from_slice(file(
            &outputs,
            &disclose::render::paths::osv_record(&site.config, a),
        ))
        .unwrap();
        let eco: Vec<&Value> = record["affected"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|x| x["ranges"].as_array().into_iter().flatten())
            .filter(|r| r["type"] == "ECOSYSTEM")
            .collect();
        let fixes: Vec<Version> = eco
            .iter()
            .flat_map(|r| r["events"].as_array().into_iter().flatten())
            .filter_map(|e| e["fixed"].as_str())
            .map(|f| Version::parse(f, scheme).unwrap())
            .collect();
        for series in &site.releases.series {
            for r in &series.versions {
                let expected = a.affects_version(series, &r.version);
                let read = eco.iter().any(|range| in_range(range, &r.version, scheme));
                assert_eq!(read, expected, "{} at {}", a.id, r.version);
                let fix = a
                    .affected_entry(&series.name)
                    .and_then(|e| e.fixed.as_ref());
                if expected && let Some(fix) = fix {
                    let offered = fixes.iter().filter(|f| **f > r.version).min();
                    assert_eq!(offered, Some(fix), "{} at {}", a.id, r.version);
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 1000, "{checked}");
}
