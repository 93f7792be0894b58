//! `disclose new`: write the next advisory as an embargoed draft, checked
//! against the whole site before it is written, and print its path.

use std::path::PathBuf;
use std::process::ExitCode;

use disclose::diagnostic::{Diagnostics, Severity, SourceName, render_human};
use disclose::load::{ADVISORIES_DIR, SourceFile};
use disclose::render::Output;
use disclose::scaffold::{
    NewAdvisory, id_prefix_for, new_advisory, next_id, prefix_in_use, utc_date,
};
use disclose::{Options, check, validate};

use super::{CONTENT_ERROR, OK, exit, usage_error};
use crate::cli::ClockArgs;

pub fn run(
    root: PathBuf,
    clock: &ClockArgs,
    severity: Option<String>,
    title: Option<String>,
    series: Vec<String>,
    fixed: Vec<String>,
) -> ExitCode {
    let now = match super::resolve_clock(clock) {
        Ok(t) => t,
        Err(e) => return usage_error(e),
    };
    if fixed.len() > series.len() {
        return usage_error(format!(
            "{} --fixed for {} --series: each --fixed belongs to the --series in the same position",
            fixed.len(),
            series.len()
        ));
    }
    let mut report = match check(&Options::new(&root, now)) {
        Ok(r) => r,
        Err(e) => return usage_error(e),
    };
    let Some(site) = report.site.take() else {
        eprint!(
            "{}",
            render_human(&report.diagnostics, |f| report.sources.text_of(f))
        );
        eprintln!("error: the site has errors; fix them before adding an advisory");
        return exit(CONTENT_ERROR);
    };
    let levels = &site.config.severity.levels;
    if let Some(level) = &severity
        && !levels.contains(level)
    {
        eprintln!(
            "error: severity `{level}` is not a level of the site's scale ({}); see [severity] levels in site.toml",
            levels.join(", ")
        );
        return exit(CONTENT_ERROR);
    }
    let affected: Vec<(String, Option<String>)> = if series.is_empty() {
        site.releases
            .series
            .iter()
            .filter(|s| s.status(now).is_supported())
            .map(|s| (s.name.clone(), None))
            .collect()
    } else {
        series
            .iter()
            .enumerate()
            .map(|(i, s)| (s.clone(), fixed.get(i).cloned()))
            .collect()
    };
    if affected.is_empty() {
        eprintln!(
            "error: no release series is supported at {}; name the affected ones with --series",
            super::time(now)
        );
        return exit(CONTENT_ERROR);
    }

    let stems: Vec<String> = report
        .sources
        .advisories
        .iter()
        .filter_map(|f| {
            std::path::Path::new(f.name.as_str())
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
        })
        .collect();
    let prefix = prefix_in_use(stems.iter().map(String::as_str))
        .unwrap_or_else(|| id_prefix_for(&site.config.project.name));
    let id = next_id(
        stems.iter().map(String::as_str),
        &prefix,
        utc_date(now).year(),
    );
    let path = format!("{ADVISORIES_DIR}/{id}.md");
    let text = new_advisory(&NewAdvisory {
        id: &id,
        title: title.as_deref(),
        severity: severity.as_deref(),
        affected: &affected,
        now,
    });

    // Check the draft with the rest of the site before writing it, so what
    // is written is always a file `check` accepts.
    let mut sources = report.sources;
    sources.advisories.push(SourceFile {
        name: SourceName(path.clone()),
        text: text.clone(),
    });
    let mut diags = Diagnostics::new();
    validate::validate_site(&sources, now, &mut diags);
    let problems: Vec<_> = diags
        .sorted()
        .into_iter()
        .filter(|d| d.file == path && d.severity == Severity::Error)
        .collect();
    if !problems.is_empty() {
        eprint!("{}", render_human(&problems, |f| sources.text_of(f)));
        eprintln!("error: {path} not written");
        return exit(CONTENT_ERROR);
    }

    match disclose::output::create_new_files(&root, &[Output::new(path.clone(), text)]) {
        Ok(_) => {
            println!("{}", root.join(&path).display());
            exit(OK)
        }
        Err(e) => usage_error(e),
    }
}
