//! `disclose prenotify`: write the public notice and the confidential packet
//! of each coming security release, and say what was written.

use std::path::PathBuf;
use std::process::ExitCode;

use disclose::prenotify::{self, PrenotifyError};

use super::{CONTENT_ERROR, OK, exit};
use crate::cli::ClockArgs;

pub fn run(
    root: PathBuf,
    clock: &ClockArgs,
    ids: &[String],
    out: PathBuf,
    signing_key: Option<PathBuf>,
) -> ExitCode {
    let out = super::under_root(&root, out);
    let opts = match super::options(root, clock, signing_key) {
        Ok(opts) => opts,
        Err(code) => return code,
    };
    match prenotify::write(&opts, ids, &out) {
        Ok((made, written)) => {
            if made.releases.is_empty() {
                println!(
                    "no advisories under embargo at {}: nothing to write",
                    super::time(opts.now)
                );
                return exit(OK);
            }
            for r in &made.releases {
                println!(
                    "release at {}: {}",
                    super::time(r.release_at),
                    r.advisories.join(", ")
                );
                println!("  {}", r.site_status());
                if !r.left_out.is_empty() {
                    println!(
                        "  not in this packet, same release time: {}",
                        r.left_out.join(", ")
                    );
                }
            }
            for path in &written {
                println!("wrote {}", path.display());
            }
            match &made.signed_by {
                Some(fingerprint) => println!("signed with OpenPGP key {fingerprint}"),
                None => println!("not signed: no signing key is configured"),
            }
            exit(OK)
        }
        Err(e @ (PrenotifyError::UnknownId(_) | PrenotifyError::Published { .. })) => {
            eprintln!("error: {e}");
            exit(CONTENT_ERROR)
        }
        Err(PrenotifyError::Build(e)) => super::site_error(e),
    }
}
