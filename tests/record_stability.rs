//! Records change only with their revision, as a property over random
//! sites (both version schemes, series named by their version prefix or
//! not, advisories fixed and unfixed per series, introduced later, withdrawn,
//! named by their CVE id). For every case:
//!
//! - a new release of one series changes the OSV record, CSAF document and
//!   CVE records of exactly the advisories still unfixed in that series
//!   (the new release is affected) — and of no other advisory while the
//!   series is named by its version prefix —, and every record that changes
//!   moves its revision: OSV `modified`, the CSAF revision history, CVE
//!   `dateUpdated`;
//! - moving the clock forward changes no record, hash or index.
//!
//! Which advisories are unfixed is read from what the test wrote, not from
//! the crate's model.

#![allow(clippy::disallowed_methods)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use disclose::Options;
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use proptest::prelude::*;
use serde_json::Value;

const DAY: i64 = 86_400;

fn base() -> Date {
    Date::new(2031, 1, 1).unwrap()
}

fn day(n: i64) -> Date {
    base().checked_add(n.days()).unwrap()
}

fn instant(secs: i64) -> Timestamp {
    day(0)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .unwrap()
        .timestamp()
        .checked_add(jiff::SignedDuration::from_secs(secs))
        .unwrap()
}

fn utc(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[derive(Debug, Clone)]
struct SeriesSpec {
    /// Named by its version prefix (`2.0`), or not (`line-2`).
    prefix: bool,
    releases: usize,
}

#[derive(Debug, Clone)]
struct EntrySpec {
    series: usize,
    introduced: Option<usize>,
    /// An index above `introduced`; out of range means no fix yet.
    fixed: usize,
    has_fix: bool,
}

#[derive(Debug, Clone)]
struct AdvSpec {
    /// Seconds after the last initial release.
    published: i64,
    entries: Vec<EntrySpec>,
    withdrawn_after: Option<i64>,
    own_cve: bool,
    alias_cve: bool,
}

#[derive(Debug, Clone)]
struct SiteSpec {
    semver: bool,
    series: Vec<SeriesSpec>,
    advisories: Vec<AdvSpec>,
    /// Which series gets the new release.
    grown: usize,
    /// Days after the latest publication the new release comes out.
    release_lag: i64,
    /// Days the clock moves forward.
    later: i64,
}

fn site_spec() -> impl Strategy<Value = SiteSpec> {
    let series = prop::collection::vec(
        (prop::bool::weighted(0.75), 2usize..6)
            .prop_map(|(prefix, releases)| SeriesSpec { prefix, releases }),
        1..4,
    );
    (any::<bool>(), series).prop_flat_map(|(semver, series)| {
        let n = series.len();
        let entry = (0..n, prop::option::of(0usize..5), 0usize..6, any::<bool>()).prop_map(
            |(series, introduced, fixed, has_fix)| EntrySpec {
                series,
                introduced,
                fixed,
                has_fix,
            },
        );
        let adv = (
            0..120 * DAY,
            prop::collection::vec(entry, 1..4),
            prop::option::weighted(0.2, 1..30 * DAY),
            prop::bool::weighted(0.3),
            prop::bool::weighted(0.3),
        )
            .prop_map(
                |(published, entries, withdrawn_after, own_cve, alias_cve)| AdvSpec {
                    published,
                    entries,
                    withdrawn_after,
                    own_cve,
                    alias_cve,
                },
            );
        (
            Just(semver),
            Just(series),
            prop::collection::vec(adv, 1..6),
            0..n,
            1i64..60,
            1i64..400,
        )
            .prop_map(
                |(semver, series, advisories, grown, release_lag, later)| SiteSpec {
                    semver,
                    series,
                    advisories,
                    grown,
                    release_lag,
                    later,
                },
            )
    })
}

/// What the test knows of one written advisory.
#[derive(Debug)]
struct Written {
    id: String,
    year: i16,
    cves: Vec<String>,
    /// Series index → (introduced index, fixed index if any).
    entries: BTreeMap<usize, (usize, Option<usize>)>,
    withdrawn: Option<Timestamp>,
}

/// A generated site in a directory.
struct Generated {
    dir: tempfile::TempDir,
    advisories: Vec<Written>,
    /// The moment after every release and publication.
    now: Timestamp,
}

fn series_name(spec: &SiteSpec, i: usize) -> String {
    if spec.series[i].prefix {
        format!("{}.0", i + 1)
    } else {
        format!("line-{}", i + 1)
    }
}

fn version(spec: &SiteSpec, series: usize, k: usize) -> String {
    let major = series + 1;
    match (spec.semver, k) {
        (true, k) => format!("{major}.0.{k}"),
        (false, 0) => format!("{major}.0"),
        (false, k) => format!("{major}.0.{k}"),
    }
}

/// Series `i` releases one version every 30 days from day `40 * i`.
fn release_day(i: usize, k: usize) -> i64 {
    40 * i as i64 + 30 * k as i64
}

fn releases_yaml(spec: &SiteSpec, extra: Option<(usize, i64)>) -> String {
    let mut y = String::from("series:\n");
    // Newest series first, as release files list them.
    for i in (0..spec.series.len()).rev() {
        let s = &spec.series[i];
        let _ = writeln!(y, "  - name: \"{}\"", series_name(spec, i));
        let _ = writeln!(y, "    released: {}", day(release_day(i, 0)));
        let _ = writeln!(y, "    security_until: 2040-01-01");
        y.push_str("    versions:\n");
        for k in 0..s.releases {
            let _ = writeln!(
                y,
                "      - {{ version: \"{}\", date: {} }}",
                version(spec, i, k),
                day(release_day(i, k))
            );
        }
        if let Some((grown, on)) = extra
            && grown == i
        {
            let _ = writeln!(
                y,
                "      - {{ version: \"{}\", date: {} }}",
                version(spec, i, s.releases),
                day(on)
            );
        }
    }
    y
}

fn site_toml(spec: &SiteSpec) -> String {
    let (scheme, ecosystem, purl) = if spec.semver {
        ("semver", "crates.io", "pkg:cargo/prop")
    } else {
        ("pep440", "PyPI", "pkg:pypi/prop")
    };
    format!(
        r#"title = "Prop security"
base_url = "https://prop.example/security/"
[project]
name = "Prop"
vendor = "Prop Developers"
repository = "https://github.com/prop/prop"
version_scheme = "{scheme}"
[project.package]
ecosystem = "{ecosystem}"
name = "prop"
purl = "{purl}"
[security_txt]
contact = ["mailto:security@prop.example"]
expires_days = 300
[csaf]
publisher_name = "Prop Developers"
namespace = "https://prop.example"
category = "vendor"
[osv]
id_prefix = "x_"
"#
    )
}

/// Writes the site; `extra` adds one release `(series, day)`.
fn generate(spec: &SiteSpec, extra: Option<(usize, i64)>, into: &Path) -> Generated {
    let dir = tempfile::tempdir_in(into).unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("content/advisories")).unwrap();
    std::fs::write(root.join("site.toml"), site_toml(spec)).unwrap();
    std::fs::write(
        root.join("content/releases.yaml"),
        releases_yaml(spec, extra),
    )
    .unwrap();
    // Every advisory comes after every series' first release.
    let start = release_day(spec.series.len() - 1, 0) * DAY + DAY;
    let mut advisories = Vec::new();
    let mut latest = instant(start);
    for (n, a) in spec.advisories.iter().enumerate() {
        let published = instant(start + a.published);
        let id = if a.own_cve {
            format!("CVE-2031-{}", 10_000 + n)
        } else {
            format!("PROP-2031-{:04}", n + 1)
        };
        let mut cves = Vec::new();
        if a.own_cve {
            cves.push(id.clone());
        }
        let mut y = format!(
            "id: {id}\ntitle: Issue number {n}\npublished: {}\n",
            utc(published)
        );
        if a.alias_cve {
            let alias = format!("CVE-2031-{}", 20_000 + n);
            let _ = writeln!(y, "aliases: [{alias}]");
            cves.push(alias);
        }
        let withdrawn = a
            .withdrawn_after
            .map(|after| instant(start + a.published + after));
        if let Some(w) = withdrawn {
            let _ = writeln!(y, "withdrawn: {}\nwithdrawn_reason: duplicate", utc(w));
        }
        let mut entries = BTreeMap::new();
        y.push_str("affected:\n");
        for e in &a.entries {
            if entries.contains_key(&e.series) {
                continue;
            }
            let count = spec.series[e.series].releases;
            // Only versions released by the publish time can be named.
            let out_by = (0..count)
                .filter(|k| instant(release_day(e.series, *k) * DAY) <= published)
                .count()
                .max(1);
            let introduced = e.introduced.map(|i| i % out_by);
            let from = introduced.unwrap_or(0);
            let fixed =
                (e.has_fix && from + 1 < out_by).then(|| from + 1 + e.fixed % (out_by - from - 1));
            let _ = writeln!(y, "  - series: \"{}\"", series_name(spec, e.series));
            if let Some(i) = introduced {
                let _ = writeln!(y, "    introduced: \"{}\"", version(spec, e.series, i));
            }
            if let Some(f) = fixed {
                let _ = writeln!(y, "    fixed: \"{}\"", version(spec, e.series, f));
            }
            let _ = writeln!(
                y,
                "    patches:\n      - https://github.com/prop/prop/commit/{:040x}",
                (n as u128) << 8 | e.series as u128
            );
            entries.insert(e.series, (from, fixed));
        }
        let _ = writeln!(y, "details: |\n  Issue {n}.");
        std::fs::write(root.join(format!("content/advisories/{id}.yaml")), y).unwrap();
        latest = latest.max(published).max(withdrawn.unwrap_or(published));
        advisories.push(Written {
            year: published.to_zoned(jiff::tz::TimeZone::UTC).year(),
            id,
            cves,
            entries,
            withdrawn,
        });
    }
    let last_release = (0..spec.series.len())
        .map(|i| release_day(i, spec.series[i].releases - 1) * DAY)
        .max()
        .unwrap();
    let now = latest.max(instant(last_release)) + jiff::SignedDuration::from_hours(1);
    Generated {
        dir,
        advisories,
        now,
    }
}

/// Every record file of a build: OSV records, CSAF documents, CVE records.
fn records(root: &Path, now: Timestamp) -> BTreeMap<String, Vec<u8>> {
    let opts = Options::new(root, now);
    let (outputs, embargoed, _) = disclose::render_site(&opts).unwrap_or_else(|e| {
        let report = disclose::check(&opts).unwrap();
        panic!("{e}: {:#?}", report.diagnostics)
    });
    assert!(embargoed.withheld.is_empty());
    outputs
        .into_iter()
        .filter(|o| {
            o.path.starts_with("osv")
                || o.path.starts_with("cve/")
                || o.path.starts_with(".well-known/csaf/white/")
        })
        .map(|o| (o.path, o.bytes))
        .collect()
}

/// The revision a record shows: OSV `modified`, the number of CSAF
/// revisions and the last one's date, CVE `dateUpdated`.
fn revision(path: &str, bytes: &[u8]) -> String {
    let v: Value = serde_json::from_slice(bytes).unwrap();
    if path.starts_with("osv/") {
        v["modified"].as_str().unwrap().to_string()
    } else if path.starts_with("cve/") {
        v["cveMetadata"]["dateUpdated"]
            .as_str()
            .unwrap()
            .to_string()
    } else {
        let history = v["document"]["tracking"]["revision_history"]
            .as_array()
            .unwrap();
        format!(
            "{:04} {}",
            history.len(),
            history.last().unwrap()["date"].as_str().unwrap()
        )
    }
}

fn record_paths(a: &Written) -> Vec<String> {
    let mut paths = vec![
        format!("osv/x_{}.json", a.id),
        format!(
            ".well-known/csaf/white/{}/{}.json",
            a.year,
            a.id.to_lowercase()
        ),
    ];
    paths.extend(a.cves.iter().map(|c| format!("cve/{c}.json")));
    paths
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn records_change_only_with_their_revision(spec in site_spec()) {
        let scratch = tempfile::tempdir().unwrap();
        let before = generate(&spec, None, scratch.path());
        let start = before.now;
        let grown = spec.grown;
        // The new release comes out after everything published so far.
        let on_day = (start.as_second() - instant(0).as_second()) / DAY + spec.release_lag;
        let released = instant(on_day * DAY);
        let after = generate(&spec, Some((grown, on_day)), scratch.path());
        let now = released + jiff::SignedDuration::from_hours(12);

        let old = records(before.dir.path(), now);
        let new = records(after.dir.path(), now);
        prop_assert_eq!(old.keys().collect::<Vec<_>>(), new.keys().collect::<Vec<_>>());

        for a in &before.advisories {
            let unfixed_in_grown = a
                .entries
                .get(&grown)
                .is_some_and(|(_, fixed)| fixed.is_none())
                && a.withdrawn.is_none_or(|w| w >= released);
            for path in record_paths(a) {
                let (o, n) = (&old[&path], &new[&path]);
                if unfixed_in_grown {
                    prop_assert_ne!(o, n, "{} names no new affected release", path);
                }
                if o != n {
                    prop_assert!(
                        revision(&path, n) > revision(&path, o),
                        "{} changed under revision {}", path, revision(&path, o)
                    );
                    prop_assert!(
                        unfixed_in_grown || !spec.series[grown].prefix,
                        "{} changed though {} is fixed or unaffected in {}",
                        path, a.id, series_name(&spec, grown)
                    );
                }
            }
        }
        // The indexes follow the records' revisions, nothing else.
        let later = records(after.dir.path(), now + jiff::SignedDuration::from_hours(24 * spec.later));
        prop_assert!(new == later, "moving the clock forward changed a record");
    }
}
