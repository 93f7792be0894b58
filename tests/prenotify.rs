//! `disclose prenotify`: the public notice says only what the site's
//! pre-notification says, the confidential packet says everything, both are
//! clear-signed with the site's key, and the texts never land in the
//! published site.

#![allow(clippy::disallowed_methods)]

use crate::support;
use support::*;

use std::path::Path;

use disclose::Options;
use disclose::prenotify::{self, Prenotification, PrenotifyError};
use disclose::render::{Output, Signer};
use disclose::sign;
use jiff::Timestamp;

const FIXTURE_NOW: &str = "2026-12-10T00:00:00Z";
const EXAMPLE_NOW: &str = "2026-11-23T12:00:00Z";

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn prepare(root: &Path, now: &str, ids: &[&str]) -> Prenotification {
    let ids: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
    prenotify::prepare(&Options::new(root, ts(now)), &ids).unwrap()
}

fn text(o: &Output) -> &str {
    std::str::from_utf8(&o.bytes).unwrap()
}

/// The text with every run of white space as one space: paragraphs are
/// wrapped for email, so a phrase may span lines.
fn flat(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The tokens no public output may contain at `now`.
fn forbidden(root: &Path, now: &str) -> Vec<String> {
    let (_, embargoed, _) = disclose::render_site(&Options::new(root, ts(now))).unwrap();
    embargoed.forbidden_tokens()
}

#[test]
fn fixture_notice_and_packet_snapshot() {
    let made = prepare(&fixture(), FIXTURE_NOW, &[]);
    assert_eq!(made.releases.len(), 1);
    let r = &made.releases[0];
    assert_eq!(r.advisories, ["QUILL-2026-0002"]);
    assert_eq!(r.notice.path, "release-2026-12-15T1200Z-public-notice.txt");
    assert_eq!(
        r.packet.path,
        "release-2026-12-15T1200Z-confidential-packet.txt"
    );
    insta::assert_snapshot!("fixture_public_notice", text(&r.notice));
    insta::assert_snapshot!("fixture_confidential_packet", text(&r.packet));
}

#[test]
fn example_notice_and_packet_snapshot() {
    let made = prepare(&example(), EXAMPLE_NOW, &[]);
    assert_eq!(made.releases.len(), 1);
    let r = &made.releases[0];
    assert_eq!(r.advisories, ["LARCH-2026-0006"]);
    insta::assert_snapshot!("example_public_notice", text(&r.notice));
    insta::assert_snapshot!("example_confidential_packet", text(&r.packet));
}

#[test]
fn public_notice_holds_no_withheld_token() {
    for (root, now) in [(fixture(), FIXTURE_NOW), (example(), EXAMPLE_NOW)] {
        let tokens = forbidden(&root, now);
        assert!(!tokens.is_empty());
        for r in prepare(&root, now, &[]).releases {
            let notice = text(&r.notice).to_lowercase();
            for t in &tokens {
                assert!(
                    !notice.contains(&t.to_lowercase()),
                    "{t} in {}",
                    r.notice.path
                );
            }
        }
    }
}

#[test]
fn packet_holds_every_detail() {
    let made = prepare(&fixture(), FIXTURE_NOW, &[]);
    let packet = text(&made.releases[0].packet);
    for expected in [
        "CONFIDENTIAL",
        "QUILL-2026-0002",
        "CVE-2026-40003",
        "Secret token disclosed in debug output",
        "* Severity: critical",
        "The `Debug` implementation of `Session` printed the session's secret token.",
        "* 1.1: affected, patch available, no release yet (>= 1.1.0)",
        "released versions affected: 1.1.0, 1.1.1, 1.1.2",
        "* 1.0: not evaluated",
        "commit aa11bb22cc33dd44ee55ff6677889900aabbccdd",
        "https://github.com/quill-rs/quill/commit/aa11bb22cc33dd44ee55ff6677889900aabbccdd",
        "Hidden Reporter (finder)",
        "under embargo until 2026-12-15T12:00:00Z",
    ] {
        assert!(packet.contains(expected), "{expected}\n{packet}");
    }
    for token in forbidden(&fixture(), FIXTURE_NOW) {
        assert!(packet.contains(&token), "{token}");
    }

    let made = prepare(&example(), EXAMPLE_NOW, &[]);
    let packet = text(&made.releases[0].packet);
    for expected in [
        "* CVSS 3.1: 7.4 (high), CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N",
        "CWE-178",
        "* main: fixed on the branch",
        "released versions affected: 6.0, 6.0.1",
        "commit 9b5bcd370ffcc3c337adcacc4f80c3c495867ef2",
        "Noor Haddad (finder) <https://github.com/noorhaddad>",
    ] {
        assert!(packet.contains(expected), "{expected}\n{packet}");
    }
}

#[test]
fn public_notice_agrees_with_the_site() {
    let opts = Options::new(fixture(), ts(FIXTURE_NOW));
    let (outputs, embargoed, _) = disclose::render_site(&opts).unwrap();
    let feed = outputs
        .iter()
        .find(|o| o.path == disclose::render::paths::FEED_ANNOUNCEMENTS)
        .unwrap();
    let feed = text(feed);
    let made = prepare(&fixture(), FIXTURE_NOW, &[]);
    let r = &made.releases[0];
    assert_eq!(
        Some(&r.announcement),
        embargoed.public.announcements.first()
    );
    assert_eq!(r.site_status(), "the site shows the same pre-notification");
    let notice = flat(text(&r.notice));
    for shared in [
        "2026-12-15 12:00 UTC",
        "It fixes 1 issue of critical severity",
    ] {
        assert!(feed.contains(shared), "feed lacks {shared}");
        assert!(notice.contains(shared), "notice lacks {shared}");
    }
}

#[test]
fn texts_are_clear_signed_with_the_site_key_and_verify() {
    let dir = tempfile::tempdir().unwrap();
    let (key_file, key) = signing_key_file(dir.path(), 9, FIXTURE_NOW);
    let public = key.public_key_armored();

    let mut opts = Options::new(fixture(), ts(FIXTURE_NOW));
    opts.signing.path_override = Some(key_file);
    let signed = prenotify::prepare(&opts, &[]).unwrap();
    assert_eq!(signed.signed_by, Some(key.fingerprint()));
    let plain = prepare(&fixture(), FIXTURE_NOW, &[]);
    for (s, p) in signed.releases.iter().zip(&plain.releases) {
        for (signed, plain) in [(&s.notice, &p.notice), (&s.packet, &p.packet)] {
            assert_eq!(signed.path, plain.path);
            let signed = text(signed);
            assert!(signed.starts_with("-----BEGIN PGP SIGNED MESSAGE-----\n"));
            assert!(
                !signed.contains("\n- "),
                "no line of ours is dash-escaped in the signed text"
            );
            let content = sign::verify_cleartext(&public, signed).unwrap();
            assert_eq!(
                content.replace("\r\n", "\n").trim_end(),
                text(plain).trim_end()
            );
            let tampered = signed.replacen("2026-12-15", "2026-12-16", 1);
            assert!(sign::verify_cleartext(&public, &tampered).is_err());
        }
    }
    let again = prenotify::prepare(&opts, &[]).unwrap();
    assert_eq!(again.outputs(), signed.outputs(), "same inputs, same bytes");
}

#[test]
fn ids_select_advisories_and_unknown_or_published_ids_are_refused() {
    let all = prepare(&fixture(), FIXTURE_NOW, &[]);
    let chosen = prepare(
        &fixture(),
        FIXTURE_NOW,
        &["QUILL-2026-0002", "QUILL-2026-0002"],
    );
    assert_eq!(all.outputs(), chosen.outputs());

    let opts = Options::new(fixture(), ts(FIXTURE_NOW));
    match prenotify::prepare(&opts, &["QUILL-2099-0001".into()]) {
        Err(PrenotifyError::UnknownId(id)) => assert_eq!(id, "QUILL-2099-0001"),
        other => panic!("unexpected {other:?}"),
    }
    match prenotify::prepare(&opts, &["QUILL-2026-0002".into(), "QUILL-2025-0001".into()]) {
        Err(PrenotifyError::Published { id, .. }) => assert_eq!(id, "QUILL-2025-0001"),
        other => panic!("unexpected {other:?}"),
    }

    let (_dir, site) = temp_site();
    for (id, message) in [
        (
            "QUILL-2099-0001",
            "no advisory `QUILL-2099-0001` in this site",
        ),
        ("QUILL-2025-0001", "`QUILL-2025-0001` is already published"),
    ] {
        let out = disclose()
            .arg("--root")
            .arg(&site)
            .args(["prenotify", id, "--now", FIXTURE_NOW])
            .assert()
            .code(1);
        assert!(stderr(&out).contains(message), "{}", stderr(&out));
    }
    assert!(!site.join("prenotify").exists(), "nothing is written");
}

#[test]
fn releases_are_grouped_by_publish_time() {
    let (_dir, site) = temp_site();
    std::fs::write(
        site.join("content/advisories/QUILL-2026-0003.md"),
        "---\ntitle: Panic on an empty table row\npublished: 2027-01-12T15:00:00Z\n\
         severity: low\naffected:\n  - series: \"1.1\"\n---\nAn empty row panicked.\n",
    )
    .unwrap();
    let made = prepare(&site, FIXTURE_NOW, &[]);
    let releases: Vec<(String, Vec<String>)> = made
        .releases
        .iter()
        .map(|r| (r.release_at.to_string(), r.advisories.clone()))
        .collect();
    assert_eq!(
        releases,
        [
            (
                "2026-12-15T12:00:00Z".to_string(),
                vec!["QUILL-2026-0002".to_string()]
            ),
            (
                "2027-01-12T15:00:00Z".to_string(),
                vec!["QUILL-2026-0003".to_string()]
            ),
        ]
    );
    let later = &made.releases[1];
    assert_eq!(
        later.site_status(),
        "the site does not announce this release: no advisory in it sets `announce`"
    );
    assert!(flat(text(&later.notice)).contains("It fixes 1 issue of low severity"));
    assert!(!text(&later.notice).contains("Panic on an empty table row"));
    assert!(!text(&made.releases[0].packet).contains("QUILL-2026-0003"));
}

#[test]
fn cli_writes_the_texts_outside_the_site_and_says_so() {
    let (_dir, site) = temp_site();
    let run = || {
        disclose()
            .arg("--root")
            .arg(&site)
            .args(["prenotify", "--now", FIXTURE_NOW])
            .assert()
            .code(0)
    };
    let out = run();
    let printed = stdout(&out);
    let dir = site.join("prenotify");
    let made = prepare(&site, FIXTURE_NOW, &[]);
    for o in made.outputs() {
        let path = dir.join(&o.path);
        assert!(
            printed.contains(&format!("wrote {}", path.display())),
            "{printed}"
        );
        assert_eq!(std::fs::read(&path).unwrap(), o.bytes);
    }
    assert!(printed.contains("release at 2026-12-15T12:00:00Z: QUILL-2026-0002"));
    assert!(printed.contains("not signed"));
    // A second run replaces the texts with the same bytes and keeps other files.
    std::fs::write(dir.join("notes.txt"), "mine").unwrap();
    run();
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 3);

    let nothing = disclose()
        .arg("--root")
        .arg(&site)
        .args([
            "prenotify",
            "--now",
            "2027-01-01T00:00:00Z",
            "--out",
            "later",
        ])
        .assert()
        .code(0);
    assert!(stdout(&nothing).contains("nothing to write"));
    assert!(!site.join("later").exists());
}

#[test]
fn cli_refuses_an_out_dir_inside_the_published_site() {
    assert_refuses_the_published_site("prenotify", "--out", "", FIXTURE_NOW);
}
