//! `disclose build`: build the site and say what was published and withheld.

use std::path::PathBuf;
use std::process::ExitCode;

use disclose::diagnostic::render_human;
use disclose::sign::KeySettings;
use disclose::{BuildError, Options, build};

use super::{CONTENT_ERROR, OK, exit, usage_error};
use crate::cli::ClockArgs;

/// Unlocks a passphrase-protected signing key; read from the environment
/// only, so it never shows in a process list or shell history.
pub const PASSPHRASE_VAR: &str = "DISCLOSE_SIGNING_KEY_PASSPHRASE";

pub fn run(
    root: PathBuf,
    clock: &ClockArgs,
    out: PathBuf,
    signing_key: Option<PathBuf>,
) -> ExitCode {
    let now = match super::resolve_clock(clock) {
        Ok(t) => t,
        Err(e) => return usage_error(e),
    };
    let out = if out.is_absolute() {
        out
    } else {
        root.join(out)
    };
    let signing = KeySettings {
        path_override: signing_key,
        passphrase: std::env::var(PASSPHRASE_VAR).ok(),
    };
    let opts = Options { root, now, signing };
    match build(&opts, &out) {
        Ok(report) => {
            eprintln!(
                "built {} files into {} for {now}: {} advisories published, {} withheld",
                report.files,
                out.display(),
                report.published,
                report.withheld.len()
            );
            for w in &report.withheld {
                eprintln!("  withheld {} until {}", w.id, w.lifts_at);
            }
            if let Some(next) = report.next_lift {
                eprintln!("next embargo lifts at {next}: rebuild then");
            }
            if let Some(fingerprint) = &report.signed_by {
                eprintln!("signed with OpenPGP key {fingerprint}");
            }
            eprintln!(
                "security.txt expires at {}: build again before then",
                report.security_txt_expires
            );
            exit(OK)
        }
        Err(BuildError::Content(report)) => {
            eprint!(
                "{}",
                render_human(&report.diagnostics, |f| report.sources.text_of(f))
            );
            eprintln!("error: build stopped; {} left unchanged", out.display());
            exit(CONTENT_ERROR)
        }
        Err(BuildError::Output(e)) if e.is_content_error() => {
            eprintln!("error: {e}");
            eprintln!("error: build stopped; {} left unchanged", out.display());
            exit(CONTENT_ERROR)
        }
        Err(BuildError::SigningKey(e)) if e.is_content_error() => {
            eprintln!("error: {e}");
            eprintln!("error: build stopped; {} left unchanged", out.display());
            exit(CONTENT_ERROR)
        }
        Err(BuildError::Render(e)) => {
            eprintln!("error: {e}");
            exit(CONTENT_ERROR)
        }
        Err(e) => usage_error(e),
    }
}
