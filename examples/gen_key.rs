//! Writes a fresh throwaway OpenPGP signing key (Ed25519, armored, no
//! passphrase) for CI and local builds:
//! `cargo run --example gen_key -- OUT.asc [USER-ID] [--created TIME]`, then
//! `DISCLOSE_SIGNING_KEY=OUT.asc disclose build`.
//!
//! The key's creation time defaults to 2000-01-01T00:00:00Z: verifiers
//! reject a signature made before its key was created, and builds sign at
//! the build clock (`--now`), which tests set in the past.

#![allow(clippy::disallowed_methods)]

use std::process::ExitCode;

const DEFAULT_CREATED: &str = "2000-01-01T00:00:00Z";
const DEFAULT_USER_ID: &str = "disclose throwaway signing key <security@example.invalid>";

fn main() -> ExitCode {
    let mut positional = Vec::new();
    let mut created = DEFAULT_CREATED.to_string();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--created" {
            match args.next() {
                Some(t) => created = t,
                None => return usage(),
            }
        } else {
            positional.push(arg);
        }
    }
    let (out, user_id) = match positional.as_slice() {
        [out] => (out.clone(), DEFAULT_USER_ID.to_string()),
        [out, uid] => (out.clone(), uid.clone()),
        _ => return usage(),
    };
    let Ok(created) = created.parse::<jiff::Timestamp>() else {
        eprintln!("error: --created `{created}` is not an RFC 3339 date-time");
        return ExitCode::from(2);
    };
    // A real key: its seed comes from the operating system.
    let seed: [u8; 32] = rand::random();
    let armored = match disclose::sign::generate_key(&user_id, created, seed, None) {
        Ok(k) => k,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    if let Err(e) = std::fs::write(&out, armored) {
        eprintln!("error: {out}: {e}");
        return ExitCode::from(2);
    }
    println!("wrote an Ed25519 secret key for `{user_id}` to {out}");
    ExitCode::SUCCESS
}

fn usage() -> ExitCode {
    eprintln!("usage: gen_key OUT.asc [USER-ID] [--created TIME]");
    ExitCode::from(2)
}
