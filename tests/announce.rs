//! `disclose announce`: the release-day texts of a security release — the
//! blog post, the mails for the announce list and oss-security, the CVE
//! publication step — for the example's two-advisory release and for the
//! fixture's coming one; plain text at 72 columns, clear-signed mails, CNA
//! containers equal to the site's CVE records, nothing of a later release,
//! and never written into the published site.

#![allow(clippy::disallowed_methods)]

use crate::support;
use support::*;

use std::path::Path;

use disclose::Options;
use disclose::announce::{self, AnnounceError, ReleaseDay};
use disclose::render::{Output, Signer};
use disclose::sign;
use jiff::Timestamp;

const FIXTURE_NOW: &str = "2026-12-10T00:00:00Z";
const EXAMPLE_NOW: &str = "2026-11-23T12:00:00Z";

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn prepare(root: &Path, now: &str, release: Option<&str>) -> ReleaseDay {
    announce::prepare(&Options::new(root, ts(now)), release).unwrap()
}

fn body(o: &Output) -> &str {
    std::str::from_utf8(&o.bytes).unwrap()
}

fn file<'a>(made: &'a ReleaseDay, suffix: &str) -> &'a str {
    let o = made
        .texts
        .iter()
        .find(|o| o.path.ends_with(suffix))
        .unwrap_or_else(|| panic!("no text *{suffix}"));
    body(o)
}

#[test]
fn example_release_day_texts_snapshot() {
    let made = prepare(&example(), EXAMPLE_NOW, Some("2026-11-04"));
    assert!(!made.under_embargo());
    assert_eq!(made.advisories, ["LARCH-2026-0005", "LARCH-2026-0007"]);
    let paths: Vec<&str> = made.texts.iter().map(|o| o.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "release-2026-11-04-announcement.md",
            "release-2026-11-04-announce-mail.txt",
            "release-2026-11-04-oss-security-mail.txt",
            "release-2026-11-04-cve-publish.sh",
            "release-2026-11-04-cve/CVE-2026-18907.json",
            "release-2026-11-04-cve/CVE-2026-18958.json",
        ]
    );
    for (name, suffix) in [
        ("example_post", "-announcement.md"),
        ("example_announce_mail", "-announce-mail.txt"),
        ("example_oss_security_mail", "-oss-security-mail.txt"),
        ("example_cve_publish", "-cve-publish.sh"),
    ] {
        insta::assert_snapshot!(name, file(&made, suffix));
    }
}

#[test]
fn fixture_coming_release_texts_snapshot() {
    // Without a release named, the next coming one.
    let made = prepare(&fixture(), FIXTURE_NOW, None);
    assert!(made.under_embargo());
    assert_eq!(made.slug, "2026-12-15");
    assert_eq!(made.advisories, ["QUILL-2026-0002"]);
    for (name, suffix) in [
        ("fixture_post", "-announcement.md"),
        ("fixture_announce_mail", "-announce-mail.txt"),
        ("fixture_oss_security_mail", "-oss-security-mail.txt"),
        ("fixture_cve_publish", "-cve-publish.sh"),
    ] {
        insta::assert_snapshot!(name, file(&made, suffix));
    }
    // Once nothing is coming, the latest published release.
    let later = prepare(&fixture(), "2027-01-01T00:00:00Z", None);
    assert_eq!(later.slug, "2026-12-15");
    assert!(!later.under_embargo());
}

#[test]
fn mails_are_72_columns_with_headers_and_every_fact() {
    let made = prepare(&example(), EXAMPLE_NOW, Some("LARCH-2026-0007"));
    for suffix in ["-announce-mail.txt", "-oss-security-mail.txt"] {
        let mail = file(&made, suffix);
        let mut in_code = false;
        for line in mail.lines() {
            if line.trim_start().starts_with("```") {
                in_code = !in_code;
                continue;
            }
            let one_word = !line.trim().contains(' ');
            assert!(
                in_code || line.chars().count() <= 72 || one_word,
                "{suffix}: {} columns: {line}",
                line.chars().count()
            );
        }
        let (headers, text) = mail.split_once("\n\n").unwrap();
        assert!(headers.contains("From: Larch security team <security@larch.example>"));
        assert!(headers.contains("Content-Type: text/plain; charset=utf-8"));
        for expected in [
            "CVE-2026-18907",
            "CVE-2026-18958",
            "Larch 6.0: affected (>= 6.0, < 6.0.1); fixed in 6.0.1",
            "Larch 5.1: affected (>= 5.1.4, < 5.1.16); fixed in 5.1.16",
            "https://github.com/larch-project/larch/commit/c58cf1c5b7d447f9a1765d1ceaab33cd8fd08aa0",
            "https://github.com/larch-project/larch/commit/5f7a9b1c3d5e7f9a0b2c4d6e8f0a1b3c5d7e9f10",
            "Keiko Morimoto (finder)",
            "Ines Duarte (reporter)",
            "https://larch.example/security/advisories/LARCH-2026-0005/",
            "https://larch.example/security/osv/x_LARCH-2026-0007.json",
            "https://larch.example/security/.well-known/csaf/white/2026/larch-2026-0005.json",
            "https://larch.example/security/cve/CVE-2026-18958.json",
            "https://larch.example/security/releases/2026-11-04/",
            "Larch 5.2: upgrade to 5.2.8",
        ] {
            assert!(text.contains(expected), "{suffix} lacks {expected}");
        }
    }
    let announce = file(&made, "-announce-mail.txt");
    assert!(announce.contains("To: larch-announce@lists.larch.example\n"));
    assert!(
        announce.contains("Subject: Larch security releases issued: 6.0.1, 5.2.8 and 5.1.16\n")
    );
    let oss = file(&made, "-oss-security-mail.txt");
    assert!(oss.contains("To: oss-security@lists.openwall.com\n"));
    assert!(
        oss.contains("Subject: Larch 6.0.1, 5.2.8 and 5.1.16: CVE-2026-18907, CVE-2026-18958\n")
    );
}

#[test]
fn cve_step_publishes_the_records_the_site_publishes() {
    let made = prepare(&example(), EXAMPLE_NOW, Some("2026-11-04"));
    let site = render_at(example(), EXAMPLE_NOW);
    let script = file(&made, "-cve-publish.sh");
    for cve in ["CVE-2026-18907", "CVE-2026-18958"] {
        assert!(script.contains(&format!(
            "\ncve publish {cve} --cve-json-file release-2026-11-04-cve/{cve}.json\n"
        )));
        let record: serde_json::Value =
            serde_json::from_str(text(&site, &format!("cve/{cve}.json"))).unwrap();
        let container: serde_json::Value =
            serde_json::from_str(file(&made, &format!("-cve/{cve}.json"))).unwrap();
        assert_eq!(container, record["containers"]["cna"], "{cve}");
    }
    // The script refuses to run before the publish time.
    let epoch = ts("2026-11-04T14:00:00Z").as_second();
    assert!(script.contains(&format!("if [ \"$(date -u +%s)\" -lt {epoch} ]; then")));
}

#[test]
fn texts_of_a_release_name_nothing_of_a_later_one() {
    let made = prepare(&example(), EXAMPLE_NOW, Some("2026-11-04"));
    let site = checked_site(example(), EXAMPLE_NOW);
    let later = site.advisory("LARCH-2026-0006").unwrap();
    for o in &made.texts {
        let t = body(o);
        for token in disclose::embargo::leak_tokens(later) {
            assert!(!t.contains(&token), "{token} in {}", o.path);
        }
    }
}

#[test]
fn mails_are_clear_signed_and_verify() {
    let dir = tempfile::tempdir().unwrap();
    let (key_file, key) = signing_key_file(dir.path(), 7, FIXTURE_NOW);
    let mut opts = Options::new(fixture(), ts(FIXTURE_NOW));
    opts.signing.path_override = Some(key_file);
    let signed = announce::prepare(&opts, None).unwrap();
    assert_eq!(signed.signed_by, Some(key.fingerprint()));
    let plain = prepare(&fixture(), FIXTURE_NOW, None);
    for suffix in ["-announce-mail.txt", "-oss-security-mail.txt"] {
        let (headers, signed_body) = file(&signed, suffix).split_once("\n\n").unwrap();
        let (plain_headers, plain_body) = file(&plain, suffix).split_once("\n\n").unwrap();
        assert_eq!(headers, plain_headers, "headers stay outside the signature");
        assert!(signed_body.starts_with("-----BEGIN PGP SIGNED MESSAGE-----\n"));
        let content = sign::verify_cleartext(&key.public_key_armored(), signed_body).unwrap();
        assert_eq!(
            content.replace("\r\n", "\n").trim_end(),
            plain_body.trim_end()
        );
    }
    // The post and the script are published and run as they are.
    for suffix in ["-announcement.md", "-cve-publish.sh"] {
        assert_eq!(file(&signed, suffix), file(&plain, suffix));
    }
    let again = announce::prepare(&opts, None).unwrap();
    assert_eq!(again.texts, signed.texts, "same inputs, same bytes");
}

#[test]
fn cli_says_when_the_texts_are_under_embargo() {
    let (_dir, site) = temp_site();
    let a = disclose()
        .arg("--root")
        .arg(&site)
        .args(["announce", "--now", FIXTURE_NOW])
        .assert()
        .code(0);
    let printed = stdout(&a);
    assert!(printed.contains("security release of 15 December 2026 (1 advisory): QUILL-2026-0002"));
    assert!(
        printed.contains("UNDER EMBARGO until 2026-12-15T12:00:00Z"),
        "{printed}"
    );
    assert!(printed.contains("the announce-list mail has no To:"));
    let made = prepare(&site, FIXTURE_NOW, None);
    for o in &made.texts {
        let path = site.join("announce").join(&o.path);
        assert!(
            printed.contains(&format!("wrote {}", path.display())),
            "{printed}"
        );
        assert_eq!(std::fs::read(&path).unwrap(), o.bytes);
    }
    let a = disclose()
        .arg("--root")
        .arg(&site)
        .args(["announce", "2025-09-10", "--now", FIXTURE_NOW])
        .assert()
        .code(0);
    assert!(stdout(&a).contains("published at 2025-09-10T12:00:00Z: the texts are ready to send"));

    let a = disclose()
        .arg("--root")
        .arg(&site)
        .args(["announce", "2031-01-01", "--now", FIXTURE_NOW])
        .assert()
        .code(1);
    assert!(stderr(&a).contains("no security release `2031-01-01`"));
    match announce::prepare(&Options::new(&site, ts(FIXTURE_NOW)), Some("nope")) {
        Err(AnnounceError::UnknownRelease(q)) => assert_eq!(q, "nope"),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn cli_refuses_an_out_dir_inside_the_published_site() {
    assert_refuses_the_published_site("announce", "--out", "", FIXTURE_NOW);
}

#[test]
fn settings_address_the_mails_and_can_leave_out_oss_security() {
    let (_dir, site) = temp_site();
    let toml = std::fs::read_to_string(site.join("site.toml")).unwrap()
        + "\n[disclosure]\nannounce_list = \"quill-announce@lists.quill.example\"\n\
           oss_security = false\nmail_from = \"Quill security team <security@quill.example>\"\n";
    std::fs::write(site.join("site.toml"), toml).unwrap();
    let made = prepare(&site, FIXTURE_NOW, None);
    assert!(!made.texts.iter().any(|o| o.path.contains("oss-security")));
    let mail = file(&made, "-announce-mail.txt");
    assert!(mail.starts_with(
        "From: Quill security team <security@quill.example>\nTo: quill-announce@lists.quill.example\n"
    ));
}
