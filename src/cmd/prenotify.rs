//! `disclose prenotify`: write the public notice and the confidential packet
//! of each coming security release, and say what was written.

use std::path::PathBuf;
use std::process::ExitCode;

use disclose::diagnostic::render_human;
use disclose::prenotify::{self, PrenotifyError};
use disclose::{BuildError, Options};

use super::{CONTENT_ERROR, OK, exit, usage_error};
use crate::cli::ClockArgs;

pub fn run(
    root: PathBuf,
    clock: &ClockArgs,
    ids: &[String],
    out: PathBuf,
    signing_key: Option<PathBuf>,
) -> ExitCode {
    let now = match super::resolve_clock(clock) {
        Ok(t) => t,
        Err(e) => return usage_error(e),
    };
    let out = super::under_root(&root, out);
    let signing = super::key_settings(signing_key);
    let opts = Options { root, now, signing };
    match prenotify::write(&opts, ids, &out) {
        Ok((made, written)) => {
            if made.releases.is_empty() {
                println!("no advisories under embargo at {now}: nothing to write");
                return exit(OK);
            }
            for r in &made.releases {
                println!("release at {}: {}", r.release_at, r.advisories.join(", "));
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
        Err(PrenotifyError::Build(BuildError::Content(report))) => {
            eprint!(
                "{}",
                render_human(&report.diagnostics, |f| report.sources.text_of(f))
            );
            eprintln!("error: the site has errors; nothing written");
            exit(CONTENT_ERROR)
        }
        Err(e @ (PrenotifyError::UnknownId(_) | PrenotifyError::Published { .. })) => {
            eprintln!("error: {e}");
            exit(CONTENT_ERROR)
        }
        Err(PrenotifyError::Build(BuildError::Output(e))) if e.is_content_error() => {
            eprintln!("error: {e}");
            exit(CONTENT_ERROR)
        }
        Err(PrenotifyError::Build(BuildError::SigningKey(e))) if e.is_content_error() => {
            eprintln!("error: {e}");
            exit(CONTENT_ERROR)
        }
        Err(PrenotifyError::Build(BuildError::Render(e))) => {
            eprintln!("error: {e}");
            exit(CONTENT_ERROR)
        }
        Err(e) => usage_error(e),
    }
}
