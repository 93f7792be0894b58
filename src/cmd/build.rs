//! `disclose build`: build the site and say what was published and withheld.

use std::path::PathBuf;
use std::process::ExitCode;

use disclose::diagnostic::render_human;
use disclose::history::{Outcome, Policy};
use disclose::timings::Timings;
use disclose::{BuildError, build_timed};

use disclose::text::count;

use super::{CONTENT_ERROR, OK, USAGE_ERROR, exit, time, usage_error};
use crate::cli::{ClockArgs, HistoryArgs};

pub fn run(
    root: PathBuf,
    clock: &ClockArgs,
    out: PathBuf,
    signing_key: Option<PathBuf>,
    history: HistoryArgs,
    timings: bool,
) -> ExitCode {
    let out = super::under_root(&root, out);
    let policy = Policy {
        previous: history.previous.map(|p| super::under_root(&root, p)),
        allow_rewrite: history.allow_rewrite,
    };
    let opts = match super::options(root, clock, signing_key) {
        Ok(opts) => opts,
        Err(code) => return code,
    };
    let now = opts.now;
    let started = std::time::Instant::now();
    let profile = timings.then(Timings::new);
    let result = build_timed(&opts, &out, &policy, profile.as_ref());
    if let Some(profile) = &profile {
        eprint!("{}", profile.render(started.elapsed()));
    }
    match result {
        Ok(report) => {
            print_history(&report.history);
            eprintln!(
                "built {} into {} for {}: {} published, {} withheld",
                count(report.files, "file", "files"),
                out.display(),
                time(now),
                count(report.published, "advisory", "advisories"),
                report.withheld.len()
            );
            for w in &report.withheld {
                eprintln!("  withheld {} until {}", w.id, time(w.lifts_at));
            }
            if let Some(next) = report.next_lift {
                eprintln!("next embargo lifts at {}: rebuild then", time(next));
            }
            if let Some(fingerprint) = &report.signed_by {
                eprintln!("signed with OpenPGP key {fingerprint}");
            }
            eprintln!(
                "security.txt expires at {}: build again before then",
                time(report.security_txt_expires)
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
        Err(BuildError::Rewritten { previous, rewrites }) => {
            for r in &rewrites {
                eprintln!("{}", r.render("error", &previous));
            }
            eprintln!(
                "error: the new site rewrites {} of {}; build stopped, {} left unchanged",
                count(rewrites.len(), "published fact", "published facts"),
                previous.display(),
                out.display()
            );
            exit(CONTENT_ERROR)
        }
        Err(e @ BuildError::PreviousSite(_)) => {
            eprintln!("error: {e}");
            eprintln!("error: build stopped; {} left unchanged", out.display());
            exit(USAGE_ERROR)
        }
        Err(BuildError::Render(e)) => {
            eprintln!("error: {e}");
            exit(CONTENT_ERROR)
        }
        Err(e) => usage_error(e),
    }
}

/// What the comparison with the previous site found. Rewrites get here only
/// when allowed, so they are warnings.
fn print_history(outcome: &Outcome) {
    for r in &outcome.rewrites {
        eprintln!("{}", r.render("warning", &outcome.previous));
    }
    match (outcome.compared, outcome.rewrites.len()) {
        (0, _) => eprintln!(
            "no earlier site in {}: first build, no history to keep",
            outcome.previous.display()
        ),
        (1, 0) => eprintln!(
            "history kept: the advisory published in {} keeps its ids, dates and revisions",
            outcome.previous.display()
        ),
        (n, 0) => eprintln!(
            "history kept: the {n} advisories published in {} keep their ids, dates and revisions",
            outcome.previous.display()
        ),
        (n, k) => eprintln!(
            "warning: {} of the history of {} in {} allowed by --allow-rewrite",
            count(k, "rewrite", "rewrites"),
            count(n, "advisory", "advisories"),
            outcome.previous.display()
        ),
    }
}
