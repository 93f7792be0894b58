//! `/.well-known/security.txt` of the fixture site: the unsigned file byte
//! for byte, the signed one verifying with the published key and coming out
//! the same twice, and the `check` warning for a file that would expire
//! before the next scheduled rebuild.

#![allow(clippy::disallowed_methods)]

use crate::support;
use support::*;

use std::path::Path;

use disclose::Options;
use disclose::render::Output;
use disclose::render::paths;
use disclose::sign::{self, KeySettings};

const NOW: &str = "2026-12-10T00:00:00Z";

fn render(opts: &Options) -> Vec<Output> {
    disclose::render_site(opts)
        .map(|(outputs, _, _)| outputs)
        .unwrap()
}

#[test]
fn unsigned_security_txt_snapshot() {
    let outputs = render(&Options::new(fixture(), NOW.parse().unwrap()));
    insta::assert_snapshot!(text(&outputs, paths::SECURITY_TXT));
    assert!(
        !outputs.iter().any(|o| o.path.ends_with(".asc")),
        "no key, no signature files"
    );
}

#[test]
fn expires_follows_the_build_clock() {
    let outputs = render(&Options::new(
        fixture(),
        "2027-01-31T08:30:00Z".parse().unwrap(),
    ));
    // expires_days = 90 in the fixture.
    assert!(text(&outputs, paths::SECURITY_TXT).contains("\nExpires: 2027-05-01T08:30:00Z\n"));
}

fn signed_options(dir: &Path) -> Options {
    let key = dir.join("signing.asc");
    let armored = sign::generate_key(
        "Quill security <security@quill.example>",
        "2020-01-01T00:00:00Z".parse().unwrap(),
        [3; 32],
        None,
    )
    .unwrap();
    std::fs::write(&key, armored).unwrap();
    Options {
        signing: KeySettings {
            path_override: Some(key),
            passphrase: None,
        },
        ..Options::new(fixture(), NOW.parse().unwrap())
    }
}

#[test]
fn signed_security_txt_verifies_and_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let opts = signed_options(dir.path());
    let first = render(&opts);
    let second = render(&opts);
    assert_eq!(first, second, "same inputs and clock, same bytes");

    let signed = text(&first, paths::SECURITY_TXT);
    assert!(signed.starts_with("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n# How"));
    assert!(signed.ends_with("-----END PGP SIGNATURE-----\n"));

    let key_file = first
        .iter()
        .find(|o| o.path.starts_with(".well-known/csaf/openpgp/") && o.path.ends_with(".asc"))
        .expect("the public key is published");
    let public = std::str::from_utf8(&key_file.bytes).unwrap();
    let verified = sign::verify_cleartext(public, signed).unwrap();

    let unsigned = render(&Options::new(fixture(), NOW.parse().unwrap()));
    assert_eq!(
        verified,
        text(&unsigned, paths::SECURITY_TXT).replace('\n', "\r\n"),
        "the signed text is the unsigned file"
    );
}

#[test]
fn check_warns_when_security_txt_expires_before_the_next_lift() {
    // QUILL-2026-0002 lifts at 2026-12-15T12:00:00Z; 90 days before that
    // there is no build the site is sure to get in between.
    let report = disclose::check(&Options::new(
        fixture(),
        "2026-09-01T00:00:00Z".parse().unwrap(),
    ))
    .unwrap();
    let warning = report
        .diagnostics
        .iter()
        .find(|d| d.code == "disclose::security-txt-expires-before-lift")
        .expect("a warning");
    assert_eq!(warning.file, "site.toml");
    assert!(
        warning.message.contains("2026-11-30T00:00:00Z"),
        "{}",
        warning.message
    );
    assert!(
        warning
            .help
            .as_deref()
            .unwrap_or_default()
            .contains("raise expires_days to 106"),
        "{warning:?}"
    );

    let report = disclose::check(&Options::new(fixture(), NOW.parse().unwrap())).unwrap();
    assert!(
        !report
            .diagnostics
            .iter()
            .any(|d| d.code == "disclose::security-txt-expires-before-lift")
    );
}
