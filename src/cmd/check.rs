//! `disclose check`: report every problem in the site's inputs.

use std::process::ExitCode;

use disclose::diagnostic::{render_github, render_human, render_json};
use disclose::{Options, check};

use super::{CONTENT_ERROR, OK, exit, usage_error};
use crate::cli::{ClockArgs, Format};

pub fn run(root: std::path::PathBuf, clock: &ClockArgs, format: Format) -> ExitCode {
    let now = match super::resolve_clock(clock) {
        Ok(t) => t,
        Err(e) => return usage_error(e),
    };
    let report = match check(&Options::new(root, now)) {
        Ok(r) => r,
        Err(e) => return usage_error(e),
    };
    let d = &report.diagnostics;
    match format {
        Format::Json => print!("{}", render_json(d)),
        Format::Github => print!("{}", render_github(d)),
        Format::Human => {
            eprint!("{}", render_human(d, |f| report.sources.text_of(f)));
            eprintln!("{}", summary(&report));
        }
    }
    let code = if report.has_errors() {
        CONTENT_ERROR
    } else {
        OK
    };
    // The process ends here: freeing every parsed advisory one by one
    // would only delay the exit (50 ms of a 20,000-advisory check).
    std::mem::forget(report);
    exit(code)
}

fn summary(report: &disclose::CheckReport) -> String {
    let errors = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == disclose::diagnostic::Severity::Error)
        .count();
    let warnings = report.diagnostics.len() - errors;
    let files = report.sources.advisories.len()
        + report.sources.pages.len()
        + 1
        + usize::from(report.sources.releases.is_some());
    let plural = |n: usize, w: &str| disclose::text::count(n, w, &format!("{w}s"));
    if errors == 0 {
        format!(
            "checked {}: no errors, {}",
            plural(files, "file"),
            plural(warnings, "warning")
        )
    } else {
        format!(
            "checked {}: {}, {}",
            plural(files, "file"),
            plural(errors, "error"),
            plural(warnings, "warning")
        )
    }
}
