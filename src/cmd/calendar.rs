//! `disclose calendar`: the steps of the disclosure process for every coming
//! security release, printed, and written as an iCalendar file when asked.

use std::path::PathBuf;
use std::process::ExitCode;

use disclose::render::Output;
use disclose::{Options, calendar, output};

use super::{OK, exit, usage_error};
use crate::cli::{ClockArgs, ListFormat};

pub fn run(
    root: PathBuf,
    clock: &ClockArgs,
    format: ListFormat,
    ics: Option<PathBuf>,
    confidential: bool,
) -> ExitCode {
    let now = match super::resolve_clock(clock) {
        Ok(t) => t,
        Err(e) => return usage_error(e),
    };
    let site = match super::checked_site(&Options::new(&root, now)) {
        Ok(site) => site,
        Err(code) => return code,
    };
    let cal = calendar::calendar(&site, now);
    if let Some(file) = ics {
        let file = super::under_root(&root, file);
        let (Some(dir), Some(name)) = (file.parent(), file.file_name()) else {
            return usage_error(format!("--ics {} is not a file path", file.display()));
        };
        let written = output::check_private_out_dir(&root.join("public"), dir).and_then(|()| {
            let name = name.to_string_lossy();
            output::write_files(dir, &[Output::new(name, cal.ics(&site, confidential))])
        });
        match written {
            Ok(paths) => {
                for p in paths {
                    eprintln!("wrote {}", p.display());
                }
            }
            Err(e) => return usage_error(e),
        }
    }
    match format {
        ListFormat::Human => print!("{}", cal.human(&site.config.project.name, confidential)),
        ListFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&cal.json(confidential)).unwrap_or_default()
        ),
    }
    exit(OK)
}
