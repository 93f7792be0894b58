//! `disclose calendar`: the steps of the disclosure process for every coming
//! security release, for people, for CI and as an iCalendar file; dates and
//! severities only unless the confidential form is asked for.

#![allow(clippy::disallowed_methods)]

use crate::support;
use support::*;

use std::path::Path;

use disclose::calendar::{self, Status, StepKind};
use jiff::Timestamp;

const FIXTURE_NOW: &str = "2026-12-10T00:00:00Z";
const EXAMPLE_NOW: &str = "2026-11-23T12:00:00Z";

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// Every way the calendar is written, for the site at `root`.
fn forms(root: &Path, now: &str, confidential: bool) -> (String, String, String) {
    let site = checked_site(root, now);
    let cal = calendar::calendar(&site, ts(now));
    (
        cal.human(&site.config.project.name, confidential),
        serde_json::to_string_pretty(&cal.json(confidential)).unwrap(),
        cal.ics(&site, confidential),
    )
}

#[test]
fn calendar_snapshots() {
    for (name, root, now) in [
        ("example", example(), EXAMPLE_NOW),
        ("fixture", fixture(), FIXTURE_NOW),
    ] {
        let (human, json, ics) = forms(&root, now, false);
        insta::assert_snapshot!(format!("{name}_human"), human);
        insta::assert_snapshot!(format!("{name}_json"), json);
        insta::assert_snapshot!(format!("{name}_ics"), ics);
    }
    let (human, _, ics) = forms(&example(), "2026-10-01T00:00:00Z", true);
    insta::assert_snapshot!("example_confidential_human", human);
    insta::assert_snapshot!("example_confidential_ics", ics);
}

#[test]
fn the_public_form_names_dates_and_severities_only() {
    for (root, now) in [(example(), EXAMPLE_NOW), (fixture(), FIXTURE_NOW)] {
        let (_, embargoed, _) =
            disclose::render_site(&disclose::Options::new(&root, ts(now))).unwrap();
        let tokens = embargoed.forbidden_tokens();
        assert!(!tokens.is_empty());
        let (human, json, ics) = forms(&root, now, false);
        let unfolded = ics.replace("\r\n ", "");
        for t in &tokens {
            for (form, text) in [("human", &human), ("json", &json), ("ics", &unfolded)] {
                assert!(!text.contains(t.as_str()), "{t} in the {form} calendar");
            }
        }
        let (human, json, ics) = forms(&root, now, true);
        let unfolded = ics.replace("\r\n ", "").replace("\\,", ",");
        for w in &embargoed.withheld {
            for (form, text) in [("human", &human), ("json", &json), ("ics", &unfolded)] {
                assert!(
                    text.contains(&w.id),
                    "{} not in the confidential {form} calendar",
                    w.id
                );
            }
        }
    }
}

#[test]
fn steps_follow_the_settings_and_the_site() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), dir.path());
    let toml = std::fs::read_to_string(dir.path().join("site.toml")).unwrap()
        + "\n[disclosure]\nprenotify_days = 5\ncve_request_days = 10\n";
    std::fs::write(dir.path().join("site.toml"), toml).unwrap();
    // A release without `announce` and without a CVE id.
    std::fs::write(
        dir.path().join("content/advisories/QUILL-2026-0003.md"),
        "---\ntitle: Panic on an empty table row\npublished: 2027-01-12T15:00:00Z\n\
         severity: low\naffected:\n  - series: \"1.1\"\n---\nAn empty row panicked.\n",
    )
    .unwrap();
    let site = checked_site(dir.path(), FIXTURE_NOW);
    let cal = calendar::calendar(&site, ts(FIXTURE_NOW));
    assert_eq!(cal.releases.len(), 2);
    let steps = |i: usize| -> Vec<(StepKind, String, Status)> {
        cal.releases[i]
            .steps
            .iter()
            .map(|s| (s.step, disclose::text::utc_second(s.at), s.status))
            .collect()
    };
    // Announced on 8 December, before the CVE request date the setting gives.
    assert_eq!(
        steps(0),
        [
            (
                StepKind::RequestCve,
                "2026-12-05T12:00:00Z".into(),
                Status::Done
            ),
            (
                StepKind::Prenotify,
                "2026-12-08T12:00:00Z".into(),
                Status::Done
            ),
            (
                StepKind::Announce,
                "2026-12-15T12:00:00Z".into(),
                Status::Coming
            ),
            (
                StepKind::Publish,
                "2026-12-15T12:00:00Z".into(),
                Status::Coming
            ),
            (
                StepKind::Rebuild,
                "2026-12-15T12:00:00Z".into(),
                Status::Coming
            ),
        ]
    );
    assert_eq!(
        steps(1)[..2],
        [
            (
                StepKind::RequestCve,
                "2027-01-02T15:00:00Z".into(),
                Status::Coming
            ),
            (
                StepKind::Prenotify,
                "2027-01-07T15:00:00Z".into(),
                Status::Coming
            ),
        ]
    );
    assert_eq!(
        cal.releases[1].steps[0].note.as_deref(),
        Some("1 advisory without a CVE id")
    );
    // Past its date, a step the site cannot confirm is past, not done.
    let late = calendar::calendar(&site, ts("2027-01-08T00:00:00Z"));
    let statuses: Vec<Status> = late.releases[0].steps.iter().map(|s| s.status).collect();
    assert_eq!(statuses[..2], [Status::Past, Status::Past]);
}

#[test]
fn ics_lines_are_crlf_folded_and_ids_are_stable() {
    let site = checked_site(example(), EXAMPLE_NOW);
    let a = calendar::calendar(&site, ts(EXAMPLE_NOW)).ics(&site, true);
    let b = calendar::calendar(&site, ts("2026-11-30T08:00:00Z")).ics(&site, true);
    assert!(a.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
    assert!(a.ends_with("END:VCALENDAR\r\n"));
    for line in a.split("\r\n") {
        assert!(line.len() <= 75, "{} octets: {line}", line.len());
        assert!(!line.contains('\n'));
    }
    let uids = |ics: &str| -> Vec<String> {
        ics.lines()
            .filter_map(|l| l.strip_prefix("UID:"))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(uids(&a).len(), 5);
    assert_eq!(uids(&a), uids(&b));
    assert!(a.contains("DTSTAMP:20261123T120000Z\r\n"));
    assert!(b.contains("DTSTAMP:20261130T080000Z\r\n"));
    assert!(a.contains("UID:publish-20270601T140000Z@larch.example\r\n"));
}

#[test]
fn cli_prints_writes_ics_and_refuses_the_published_site() {
    let (_dir, site) = temp_site();
    let a = disclose()
        .arg("--root")
        .arg(&site)
        .args([
            "calendar",
            "--now",
            FIXTURE_NOW,
            "--ics",
            "team/releases.ics",
        ])
        .assert()
        .code(0);
    let printed = stdout(&a);
    assert!(printed.starts_with("1 coming security release at 10 December 2026, 00:00:00 UTC\n"));
    assert!(printed.contains(
        "Quill security release of 15 December 2026, 12:00:00 UTC: 1 issue of critical severity"
    ));
    assert!(!printed.contains("QUILL-2026-0002"));
    let ics = std::fs::read_to_string(site.join("team/releases.ics")).unwrap();
    assert_eq!(ics, forms(&site, FIXTURE_NOW, false).2);

    let a = disclose()
        .arg("--root")
        .arg(&site)
        .args(["calendar", "--now", FIXTURE_NOW, "--format", "json"])
        .assert()
        .code(0);
    let doc: serde_json::Value = serde_json::from_slice(&a.get_output().stdout).unwrap();
    assert_eq!(doc["releases"][0]["release_at"], "2026-12-15T12:00:00Z");
    assert_eq!(doc["releases"][0]["steps"][1]["step"], "prenotify");
    assert!(doc["releases"][0].get("advisories").is_none());

    assert_refuses_the_published_site("calendar", "--ics", "/releases.ics", FIXTURE_NOW);
}

/// With no coming release there is no event; the file is still a calendar
/// RFC 5545 accepts: one component, the time zone the events would use.
#[test]
fn a_calendar_without_coming_releases_still_holds_a_component() {
    let (human, _, ics) = forms(&fixture(), "2030-01-01T00:00:00Z", false);
    assert!(!ics.contains("BEGIN:VEVENT"), "{ics}");
    assert!(ics.contains("BEGIN:VTIMEZONE\r\nTZID:UTC\r\n"), "{ics}");
    assert!(ics.ends_with("END:VTIMEZONE\r\nEND:VCALENDAR\r\n"), "{ics}");
    assert!(!human.is_empty());
}
