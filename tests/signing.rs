//! The OpenPGP key that signs the site's outputs: detached and cleartext
//! signatures verify (in process, and with GnuPG's `gpgv` where installed),
//! are the same bytes for the same clock, and a bad key file is a clear
//! error with the exit code the CLI promises.

#![allow(clippy::disallowed_methods)]

use crate::support;
use support::*;

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use assert_cmd::Command;
use disclose::render::Signer;
use disclose::sign::{self, KeyError, KeySource, OpenPgpKey};
use jiff::Timestamp;

const NOW: &str = "2026-12-10T00:00:00Z";
const KEY_CREATED: &str = "2020-01-01T00:00:00Z";
const USER_ID: &str = "Quill security <security@quill.example>";

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn armored_key(seed: u8, passphrase: Option<&str>) -> String {
    sign::generate_key(USER_ID, ts(KEY_CREATED), [seed; 32], passphrase).unwrap()
}

fn key_at(now: &str) -> OpenPgpKey {
    OpenPgpKey::from_armored(&armored_key(7, None), None, ts(now)).unwrap()
}

#[test]
fn detached_signature_verifies_and_rejects_other_data() {
    let key = key_at(NOW);
    let data = br#"{"document": {"category": "csaf_security_advisory"}}"#;
    let sig = key.sign_detached(data).unwrap();
    assert!(sig.starts_with("-----BEGIN PGP SIGNATURE-----\n"), "{sig}");
    assert!(sig.ends_with("-----END PGP SIGNATURE-----\n"), "{sig}");
    let public = key.public_key_armored();
    sign::verify_detached(&public, data, &sig).unwrap();
    assert!(sign::verify_detached(&public, b"{}", &sig).is_err());
    let other = key_at(NOW);
    assert_eq!(other.fingerprint(), key.fingerprint());
    let stranger = OpenPgpKey::from_armored(&armored_key(8, None), None, ts(NOW)).unwrap();
    assert!(sign::verify_detached(&stranger.public_key_armored(), data, &sig).is_err());
}

#[test]
fn cleartext_signature_verifies_and_rejects_tampering() {
    let key = key_at(NOW);
    let text = "Contact: mailto:security@quill.example\n- a line with a dash\nExpires: 2027-03-10T00:00:00Z\n";
    let signed = key.clearsign(text).unwrap();
    assert!(signed.starts_with("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nContact:"));
    assert!(
        signed.contains("\n- - a line with a dash\n"),
        "dash-escaped: {signed}"
    );
    let public = key.public_key_armored();
    let verified = sign::verify_cleartext(&public, &signed).unwrap();
    assert_eq!(verified, text.replace('\n', "\r\n"));
    let tampered = signed.replace("2027-03-10", "2099-03-10");
    assert!(sign::verify_cleartext(&public, &tampered).is_err());
}

#[test]
fn trailing_blanks_do_not_break_a_cleartext_signature() {
    let key = key_at(NOW);
    let signed = key.clearsign("line with blanks  \t\nnext\n").unwrap();
    let verified = sign::verify_cleartext(&key.public_key_armored(), &signed).unwrap();
    assert_eq!(verified, "line with blanks\r\nnext\r\n");
}

#[test]
fn signatures_are_the_same_bytes_for_the_same_clock() {
    let a = key_at(NOW);
    let b = key_at(NOW);
    assert_eq!(
        a.sign_detached(b"data").unwrap(),
        b.sign_detached(b"data").unwrap()
    );
    assert_eq!(
        a.clearsign("text\n").unwrap(),
        b.clearsign("text\n").unwrap()
    );
    assert_eq!(a.public_key_armored(), b.public_key_armored());
    // The clock is in the signature: another build time, other bytes.
    let later = key_at("2026-12-11T00:00:00Z");
    assert_ne!(
        a.sign_detached(b"data").unwrap(),
        later.sign_detached(b"data").unwrap()
    );
}

#[test]
fn fingerprint_is_upper_case_hex() {
    let fp = key_at(NOW).fingerprint();
    assert_eq!(fp.len(), 40, "{fp}");
    assert!(
        fp.chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()),
        "{fp}"
    );
}

#[test]
fn protected_key_needs_its_passphrase() {
    let armored = armored_key(9, Some("correct horse"));
    let without = OpenPgpKey::from_armored(&armored, None, ts(NOW)).unwrap_err();
    assert!(
        without.contains("DISCLOSE_SIGNING_KEY_PASSPHRASE"),
        "{without}"
    );
    let wrong = OpenPgpKey::from_armored(&armored, Some("battery staple"), ts(NOW)).unwrap_err();
    assert!(wrong.contains("DISCLOSE_SIGNING_KEY_PASSPHRASE"), "{wrong}");
    let key = OpenPgpKey::from_armored(&armored, Some("correct horse"), ts(NOW)).unwrap();
    let sig = key.sign_detached(b"x").unwrap();
    sign::verify_detached(&key.public_key_armored(), b"x", &sig).unwrap();
}

#[test]
fn key_created_after_the_build_clock_is_refused() {
    let err = OpenPgpKey::from_armored(&armored_key(7, None), None, ts("2019-06-01T00:00:00Z"))
        .unwrap_err();
    assert!(err.contains("after the build clock"), "{err}");
}

#[test]
fn bad_key_files_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.asc");
    let err = sign::load_key(&missing, KeySource::SiteConfig, None, ts(NOW)).unwrap_err();
    assert!(matches!(err, KeyError::Io { .. }));
    assert!(!err.is_content_error());
    assert!(err.to_string().contains("missing.asc"), "{err}");

    let garbage = dir.path().join("garbage.asc");
    std::fs::write(
        &garbage,
        "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nnot a key\n",
    )
    .unwrap();
    let err = sign::load_key(&garbage, KeySource::SiteConfig, None, ts(NOW)).unwrap_err();
    assert!(matches!(err, KeyError::Invalid { .. }));
    assert!(err.is_content_error());
    assert!(
        err.to_string()
            .starts_with(&format!("{}: ", garbage.display())),
        "{err}"
    );

    // A public key is not enough to sign with.
    let public = dir.path().join("public.asc");
    std::fs::write(&public, key_at(NOW).public_key_armored()).unwrap();
    let err = sign::load_key(&public, KeySource::Override, None, ts(NOW)).unwrap_err();
    assert!(matches!(err, KeyError::Invalid { .. }));
    assert!(!err.is_content_error(), "an override is a usage error");
}

/// `gpgv` is what consumers verify with; the test is skipped where GnuPG is
/// not installed.
fn gpgv_keyring(dir: &Path, key: &OpenPgpKey) -> Option<PathBuf> {
    // GnuPG wants a home directory only its owner can read.
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let armored = dir.join("key.asc");
    std::fs::write(&armored, key.public_key_armored()).unwrap();
    let keyring = dir.join("key.gpg");
    let status = Process::new("gpg")
        .args(["--batch", "--yes", "--dearmor", "-o"])
        .arg(&keyring)
        .arg(&armored)
        .env("GNUPGHOME", dir)
        .status()
        .ok()?;
    (status.success() && Process::new("gpgv").arg("--version").output().is_ok()).then_some(keyring)
}

#[test]
fn gpgv_verifies_detached_and_cleartext_signatures() {
    let dir = tempfile::tempdir().unwrap();
    let key = key_at(NOW);
    let Some(keyring) = gpgv_keyring(dir.path(), &key) else {
        eprintln!("gpg/gpgv not installed: skipped");
        return;
    };
    let data = dir.path().join("doc.json");
    std::fs::write(&data, b"{\"a\": 1}\n").unwrap();
    let sig = dir.path().join("doc.json.asc");
    std::fs::write(&sig, key.sign_detached(b"{\"a\": 1}\n").unwrap()).unwrap();
    let clear = dir.path().join("security.txt");
    std::fs::write(
        &clear,
        key.clearsign("Contact: mailto:a@b.example\n").unwrap(),
    )
    .unwrap();

    let gpgv = |args: &[&Path]| {
        Process::new("gpgv")
            .arg("--keyring")
            .arg(&keyring)
            .args(args)
            .env("GNUPGHOME", dir.path())
            .output()
            .unwrap()
    };
    let out = gpgv(&[&sig, &data]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = gpgv(&[&clear]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    std::fs::write(&data, b"{\"a\": 2}\n").unwrap();
    assert!(!gpgv(&[&sig, &data]).status.success());
}

// ---- the CLI ----

fn disclose() -> Command {
    let mut cmd = Command::cargo_bin("disclose").unwrap();
    cmd.env_remove("SOURCE_DATE_EPOCH")
        .env_remove("DISCLOSE_SIGNING_KEY")
        .env_remove("DISCLOSE_SIGNING_KEY_PASSPHRASE");
    cmd
}

/// A copy of the fixture site and a key file beside it (outside the site).
fn site_and_key(passphrase: Option<&str>) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    copy_dir(&fixture(), &site);
    let key = dir.path().join("signing.asc");
    std::fs::write(&key, armored_key(7, passphrase)).unwrap();
    (dir, site, key)
}

fn security_txt(site: &Path) -> String {
    std::fs::read_to_string(site.join("public/.well-known/security.txt")).unwrap()
}

fn stderr(out: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&out.get_output().stderr).into_owned()
}

#[test]
fn cli_signs_with_the_signing_key_flag() {
    let (_dir, site, key) = site_and_key(None);
    let out = disclose()
        .arg("--root")
        .arg(&site)
        .args(["build", "--now", NOW, "--signing-key"])
        .arg(&key)
        .assert()
        .code(0);
    let err = stderr(&out);
    let fingerprint = key_at(NOW).fingerprint();
    assert!(
        err.contains(&format!("signed with OpenPGP key {fingerprint}")),
        "{err}"
    );
    assert!(
        err.contains("security.txt expires at 2027-03-10T00:00:00Z"),
        "{err}"
    );
    let text = security_txt(&site);
    let public = std::fs::read_to_string(
        site.join(format!("public/.well-known/csaf/openpgp/{fingerprint}.asc")),
    )
    .unwrap();
    sign::verify_cleartext(&public, &text).unwrap();
}

#[test]
fn cli_signs_with_the_environment_key_and_passphrase() {
    let (_dir, site, key) = site_and_key(Some("s3cret"));
    disclose()
        .arg("--root")
        .arg(&site)
        .args(["build", "--now", NOW])
        .env("DISCLOSE_SIGNING_KEY", &key)
        .env("DISCLOSE_SIGNING_KEY_PASSPHRASE", "s3cret")
        .assert()
        .code(0);
    assert!(security_txt(&site).starts_with("-----BEGIN PGP SIGNED MESSAGE-----\n"));
}

#[test]
fn cli_flag_overrides_the_environment_and_site_toml() {
    let (_dir, site, key) = site_and_key(None);
    let toml = std::fs::read_to_string(site.join("site.toml")).unwrap();
    std::fs::write(
        site.join("site.toml"),
        toml.replace(
            "theme = \"default\"",
            "theme = \"default\"\nsigning_key = \"keys/absent.asc\"",
        ),
    )
    .unwrap();
    disclose()
        .arg("--root")
        .arg(&site)
        .args(["build", "--now", NOW, "--signing-key"])
        .arg(&key)
        .env("DISCLOSE_SIGNING_KEY", "/nonexistent/key.asc")
        .assert()
        .code(0);
    assert!(security_txt(&site).starts_with("-----BEGIN PGP SIGNED MESSAGE-----\n"));
}

#[test]
fn cli_unsigned_without_a_key() {
    let (_dir, site, _key) = site_and_key(None);
    disclose()
        .arg("--root")
        .arg(&site)
        .args(["build", "--now", NOW])
        .assert()
        .code(0);
    assert!(security_txt(&site).starts_with("# How to report"));
    assert!(!site.join("public/.well-known/csaf/openpgp").exists());
}

#[test]
fn cli_bad_key_in_site_toml_is_a_content_error() {
    let (_dir, site, _key) = site_and_key(None);
    std::fs::create_dir_all(site.join("keys")).unwrap();
    std::fs::write(site.join("keys/signing.asc"), "not a key\n").unwrap();
    let toml = std::fs::read_to_string(site.join("site.toml")).unwrap();
    std::fs::write(
        site.join("site.toml"),
        toml.replace(
            "theme = \"default\"",
            "theme = \"default\"\nsigning_key = \"keys/signing.asc\"",
        ),
    )
    .unwrap();
    let out = disclose()
        .arg("--root")
        .arg(&site)
        .args(["build", "--now", NOW])
        .assert()
        .code(1);
    let err = stderr(&out);
    assert!(
        err.contains("keys/signing.asc: not a usable OpenPGP secret key"),
        "{err}"
    );
    assert!(!site.join("public").exists());
}

#[test]
fn cli_missing_key_file_is_an_io_error() {
    let (_dir, site, _key) = site_and_key(None);
    let out = disclose()
        .arg("--root")
        .arg(&site)
        .args(["build", "--now", NOW])
        .env("DISCLOSE_SIGNING_KEY", site.join("nope.asc"))
        .assert()
        .code(2);
    let err = stderr(&out);
    assert!(
        err.contains("nope.asc: cannot read the signing key"),
        "{err}"
    );
    assert!(!site.join("public").exists());
}

#[test]
fn cli_wrong_passphrase_is_a_usage_error() {
    let (_dir, site, key) = site_and_key(Some("right"));
    let out = disclose()
        .arg("--root")
        .arg(&site)
        .args(["build", "--now", NOW, "--signing-key"])
        .arg(&key)
        .env("DISCLOSE_SIGNING_KEY_PASSPHRASE", "wrong")
        .assert()
        .code(2);
    assert!(stderr(&out).contains("signing.asc: not a usable OpenPGP secret key"));
}
