//! The embargo at its edges, on the fixture site: one second before a lift
//! the advisory is withheld from every output, at the lift it is in every
//! output — for UTC times, other offsets, bare dates, `announce`, and the
//! clock given as `--now` with an offset or as `SOURCE_DATE_EPOCH`.

#![allow(clippy::disallowed_methods)]

use crate::support;
use support::*;

use std::io::Read as _;
use std::path::Path;

use assert_cmd::Command;
use disclose::Options;
use disclose::render::Output;

/// The fixture's embargoed advisory and everything that would reveal it.
const ID: &str = "QUILL-2026-0002";
const FILE: &str = "content/advisories/QUILL-2026-0002.md";
const TOKENS: &[&str] = &[
    ID,
    "CVE-2026-40003",
    "Secret token disclosed in debug output",
    "aa11bb22cc33",
    "Hidden Reporter",
    "printed the session's secret token",
];
/// Its lift in the fixture: `published: 2026-12-15T12:00:00Z`.
const LIFT: &str = "2026-12-15T12:00:00Z";
const JUST_BEFORE: &str = "2026-12-15T11:59:59Z";
/// `announce: 2026-12-08T12:00:00Z`.
const ANNOUNCE: &str = "2026-12-08T12:00:00Z";

/// A copy of the fixture whose embargoed advisory has these `published`
/// and `announce` values (`None` removes `announce`).
fn site_with(published: &str, announce: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), dir.path());
    let file = dir.path().join(FILE);
    let text = std::fs::read_to_string(&file).unwrap();
    let announce_line = match announce {
        Some(a) => format!("announce: \"{a}\"\n"),
        None => String::new(),
    };
    let text = text
        .replace(
            "published: 2026-12-15T12:00:00Z\n",
            &format!("published: \"{published}\"\n"),
        )
        .replace("announce: 2026-12-08T12:00:00Z\n", &announce_line);
    assert!(text.contains(published), "fixture changed: {text}");
    std::fs::write(&file, text).unwrap();
    dir
}

fn render(root: &Path, now: &str) -> Vec<Output> {
    let opts = Options::new(root, now.parse().unwrap());
    match disclose::render_site(&opts) {
        Ok((outputs, _, _)) => outputs,
        Err(e) => panic!("render at {now}: {e}"),
    }
}

/// Every output with the entries of zip outputs decompressed.
fn every_byte(outputs: &[Output]) -> Vec<(String, Vec<u8>)> {
    let mut all = Vec::new();
    for o in outputs {
        all.push((format!("{} (path)", o.path), o.path.clone().into_bytes()));
        all.push((o.path.clone(), o.bytes.clone()));
        if o.path.ends_with(".zip") {
            let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&o.bytes)).unwrap();
            for i in 0..zip.len() {
                let mut entry = zip.by_index(i).unwrap();
                let name = entry.name().unwrap().into_owned();
                let mut bytes = Vec::new();
                entry.read_to_end(&mut bytes).unwrap();
                all.push((format!("{}!{name} (name)", o.path), name.clone().into()));
                all.push((format!("{}!{name}", o.path), bytes));
            }
        }
    }
    all
}

fn assert_withheld(outputs: &[Output], when: &str) {
    for (name, bytes) in every_byte(outputs) {
        let text = String::from_utf8_lossy(&bytes);
        for token in TOKENS {
            assert!(!text.contains(token), "{when}: `{token}` in {name}");
        }
    }
}

fn output<'a>(outputs: &'a [Output], path: &str, when: &str) -> &'a str {
    let o = outputs
        .iter()
        .find(|o| o.path == path)
        .unwrap_or_else(|| panic!("{when}: no {path}"));
    std::str::from_utf8(&o.bytes).unwrap()
}

fn assert_public(outputs: &[Output], when: &str) {
    let page = output(outputs, &format!("advisories/{ID}/index.html"), when);
    assert!(
        page.contains("Secret token disclosed in debug output"),
        "{when}"
    );
    for path in [
        format!("osv/x_{ID}.json"),
        ".well-known/csaf/white/2026/quill-2026-0002.json".to_string(),
        "cve/CVE-2026-40003.json".to_string(),
    ] {
        assert!(output(outputs, &path, when).contains(ID), "{when}: {path}");
    }
    assert!(
        output(outputs, "feeds/all.atom", when).contains(&format!("advisory/{ID}</id>")),
        "{when}"
    );
    assert!(output(outputs, "thanks/index.html", when).contains("Hidden Reporter"));
    assert!(output(outputs, "index.html", when).contains(ID), "{when}");
}

/// Whether the site shows a pre-notification, checked on all three places
/// it appears so they cannot disagree.
fn announced(outputs: &[Output], when: &str) -> bool {
    let index = output(outputs, "index.html", when).contains("Security release announced");
    let page = !output(outputs, "announcements/index.html", when)
        .contains("No security release is announced");
    // Once published, the entry stays in the feed as a link to the release.
    let feed = output(outputs, "feeds/announcements.atom", when).contains("is planned for");
    assert_eq!(
        (index, page),
        (feed, feed),
        "{when}: archive, /announcements/ and the feed disagree"
    );
    feed
}

/// Withheld one second before `lift`, public at `lift`.
fn assert_lifts_at(root: &Path, before: &str, lift: &str) {
    assert_withheld(&render(root, before), before);
    assert_public(&render(root, lift), lift);
}

#[test]
fn utc_publish_time_lifts_at_the_exact_second() {
    let site = site_with(LIFT, Some(ANNOUNCE));
    assert_lifts_at(site.path(), JUST_BEFORE, LIFT);
    assert_public(&render(site.path(), "2027-01-01T00:00:00Z"), "later");
}

#[test]
fn publish_times_in_other_offsets_lift_at_the_same_instant() {
    for published in ["2026-12-15T17:30:00+05:30", "2026-12-15T04:00:00-08:00"] {
        let site = site_with(published, Some(ANNOUNCE));
        assert_lifts_at(site.path(), JUST_BEFORE, LIFT);
        // Read as UTC, the local wall time would lift seven hours early.
        assert_withheld(&render(site.path(), "2026-12-15T04:00:00Z"), published);
    }
}

#[test]
fn bare_date_lifts_when_that_day_has_ended_everywhere() {
    let site = site_with("2026-12-14", Some(ANNOUNCE));
    // The day has ended in UTC, and at UTC+14, but not yet at UTC-12.
    for still_secret in ["2026-12-14T23:59:59Z", "2026-12-15T00:00:00Z", JUST_BEFORE] {
        assert_withheld(&render(site.path(), still_secret), still_secret);
    }
    assert_public(&render(site.path(), LIFT), LIFT);
    // The pre-notification states the real lift, not the bare date.
    let outputs = render(site.path(), "2026-12-10T00:00:00Z");
    assert!(output(&outputs, "announcements/index.html", "before").contains(LIFT));
}

#[test]
fn bare_date_under_embargo_is_warned_about_only_while_withheld() {
    let site = site_with("2026-12-14", None);
    let warned = |now: &str| {
        let report = disclose::check(&Options::new(site.path(), now.parse().unwrap())).unwrap();
        assert!(!report.has_errors(), "{:?}", report.diagnostics);
        report
            .diagnostics
            .iter()
            .any(|d| d.code == "disclose::bare-date-embargo")
    };
    assert!(warned(JUST_BEFORE));
    assert!(!warned(LIFT));
}

#[test]
fn pre_notification_shows_from_announce_until_the_lift() {
    let site = site_with(LIFT, Some("2026-12-08T17:30:00+05:30"));
    let at = |now: &str| {
        let outputs = render(site.path(), now);
        if outputs
            .iter()
            .any(|o| o.path == format!("advisories/{ID}/index.html"))
        {
            assert_public(&outputs, now);
        } else {
            assert_withheld(&outputs, now);
        }
        announced(&outputs, now)
    };
    assert!(!at("2026-12-08T11:59:59Z"), "not before announce");
    assert!(at(ANNOUNCE), "from announce");
    assert!(at(JUST_BEFORE), "until the lift");
    assert!(!at(LIFT), "the release replaces the notice");
}

#[test]
fn without_announce_nothing_is_pre_notified() {
    let site = site_with(LIFT, None);
    for now in ["2026-12-01T00:00:00Z", JUST_BEFORE] {
        let outputs = render(site.path(), now);
        assert_withheld(&outputs, now);
        assert!(!announced(&outputs, now), "{now}");
        // Not even the date of the coming release.
        for (name, bytes) in every_byte(&outputs) {
            assert!(
                !String::from_utf8_lossy(&bytes).contains(LIFT),
                "{now}: the lift time is in {name}"
            );
        }
    }
}

// The clock from the command line.

fn disclose() -> Command {
    let mut cmd = Command::cargo_bin("disclose").unwrap();
    cmd.env_remove("SOURCE_DATE_EPOCH");
    cmd
}

/// Every file under `dir`, sorted by path.
fn read_tree(dir: &Path) -> Vec<Output> {
    let mut files: Vec<Output> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap().to_string_lossy();
            Output::new(rel.replace('\\', "/"), std::fs::read(e.path()).unwrap())
        })
        .collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

/// Builds with `SOURCE_DATE_EPOCH` as the only clock into a fresh output
/// directory (an earlier clock over a later site would rewrite history);
/// returns the tree.
fn build_at_epoch(site: &Path, epoch: &str) -> Vec<Output> {
    let out = site.join(format!("public-{epoch}"));
    disclose()
        .arg("--root")
        .arg(site)
        .args(["build", "--out"])
        .arg(&out)
        .env("SOURCE_DATE_EPOCH", epoch)
        .assert()
        .code(0);
    read_tree(&out)
}

#[test]
fn source_date_epoch_is_the_clock_on_both_sides_of_the_lift() {
    // 1797336000 is 2026-12-15T12:00:00Z.
    let site = site_with(LIFT, Some(ANNOUNCE));
    assert_withheld(&build_at_epoch(site.path(), "1797335999"), "epoch - 1");
    assert_public(&build_at_epoch(site.path(), "1797336000"), "epoch");
    // `--now` wins over SOURCE_DATE_EPOCH.
    let out = site.path().join("public-now");
    disclose()
        .arg("--root")
        .arg(site.path())
        .args(["build", "--now", JUST_BEFORE, "--out"])
        .arg(&out)
        .env("SOURCE_DATE_EPOCH", "1797336000")
        .assert()
        .code(0);
    assert_withheld(&read_tree(&out), "--now over SOURCE_DATE_EPOCH");
}

#[test]
fn now_with_an_offset_is_the_same_instant() {
    let site = site_with(LIFT, Some(ANNOUNCE));
    for (i, (now, public)) in [
        ("2026-12-15T17:29:59+05:30", false),
        ("2026-12-15T17:30:00+05:30", true),
        ("2026-12-15T03:59:59-08:00", false),
        ("2026-12-15T04:00:00-08:00", true),
    ]
    .into_iter()
    .enumerate()
    {
        // A fresh directory each time: going back in time over a site that
        // published the advisory would be refused as a rewrite.
        let out = site.path().join(format!("public-{i}"));
        disclose()
            .arg("--root")
            .arg(site.path())
            .args(["build", "--now", now, "--out"])
            .arg(&out)
            .assert()
            .code(0);
        let tree = read_tree(&out);
        if public {
            assert_public(&tree, now);
        } else {
            assert_withheld(&tree, now);
        }
    }
}

fn embargo_json(site: &Path, epoch: &str) -> serde_json::Value {
    let run = disclose()
        .arg("--root")
        .arg(site)
        .args(["embargo", "--format", "json"])
        .env("SOURCE_DATE_EPOCH", epoch)
        .assert()
        .code(0);
    serde_json::from_slice(&run.get_output().stdout).unwrap()
}

#[test]
fn embargo_json_gives_the_next_lift_for_scheduling() {
    let site = site_with("2026-12-14", Some(ANNOUNCE));
    let before = embargo_json(site.path(), "1797335999");
    assert_eq!(
        before,
        serde_json::json!({
            "now": JUST_BEFORE,
            "next_lift": LIFT,
            "withheld": [{
                "id": ID,
                "file": FILE,
                "lifts_at": LIFT,
                "announce": ANNOUNCE,
                "severity": "critical",
            }],
        })
    );
    let after = embargo_json(site.path(), "1797336000");
    assert_eq!(
        after,
        serde_json::json!({"now": LIFT, "next_lift": null, "withheld": []})
    );
}
