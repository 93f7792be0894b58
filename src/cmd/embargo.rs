//! `disclose embargo`: what is withheld and when it lifts, so CI can schedule
//! the rebuild.

use std::path::PathBuf;
use std::process::ExitCode;

use disclose::{Options, embargo};
use serde::Serialize;

use super::{OK, exit, time, usage_error};
use crate::cli::{ClockArgs, ListFormat};

/// `--format json`: what CI reads to schedule the next build.
#[derive(Serialize)]
struct EmbargoReport<'a> {
    now: String,
    withheld: Vec<WithheldEntry<'a>>,
    /// The earliest lift; `null` when nothing is withheld.
    next_lift: Option<String>,
}

#[derive(Serialize)]
struct WithheldEntry<'a> {
    id: &'a str,
    file: &'a str,
    lifts_at: String,
    announce: Option<String>,
    severity: Option<&'a str>,
}

pub fn run(root: PathBuf, clock: &ClockArgs, format: ListFormat) -> ExitCode {
    let now = match super::resolve_clock(clock) {
        Ok(t) => t,
        Err(e) => return usage_error(e),
    };
    let site = match super::checked_site(&Options::new(root, now)) {
        Ok(site) => site,
        Err(code) => return code,
    };
    let split = embargo::apply(site, now);
    let mut withheld = split.withheld.clone();
    withheld.sort_by(|a, b| a.lifts_at.cmp(&b.lifts_at).then_with(|| a.id.cmp(&b.id)));
    match format {
        ListFormat::Json => {
            let doc = EmbargoReport {
                now: now.to_string(),
                withheld: withheld
                    .iter()
                    .map(|w| WithheldEntry {
                        id: &w.id,
                        file: &w.file,
                        lifts_at: w.lifts_at.to_string(),
                        announce: w.announce.map(|t| t.to_string()),
                        severity: w.severity.as_deref(),
                    })
                    .collect(),
                next_lift: split.next_lift().map(|t| t.to_string()),
            };
            println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        }
        ListFormat::Human => {
            if withheld.is_empty() {
                println!("no advisories under embargo at {}", time(now));
            }
            for w in &withheld {
                let announce = match w.announce {
                    Some(t) if t <= now => format!("announced since {}", time(t)),
                    Some(t) => format!("announced from {}", time(t)),
                    None => "not announced".into(),
                };
                println!(
                    "{}\tlifts {}\t{}\t{}",
                    w.id,
                    time(w.lifts_at),
                    w.severity.as_deref().unwrap_or("not rated"),
                    announce
                );
            }
            if let Some(next) = split.next_lift() {
                println!("next lift: {}", time(next));
            }
        }
    }
    exit(OK)
}
