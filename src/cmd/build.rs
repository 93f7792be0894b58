//! `disclose build`: build the site and say what was published and withheld.

use std::path::PathBuf;
use std::process::ExitCode;

use disclose::diagnostic::render_human;
use disclose::{BuildError, Options, build};

use super::{CONTENT_ERROR, OK, exit, usage_error};
use crate::cli::ClockArgs;

pub fn run(root: PathBuf, clock: &ClockArgs, out: PathBuf) -> ExitCode {
    let now = match super::resolve_clock(clock) {
        Ok(t) => t,
        Err(e) => return usage_error(e),
    };
    let out = if out.is_absolute() {
        out
    } else {
        root.join(out)
    };
    match build(&Options { root, now }, &out) {
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
        Err(BuildError::Render(e)) => {
            eprintln!("error: {e}");
            exit(CONTENT_ERROR)
        }
        Err(e) => usage_error(e),
    }
}
