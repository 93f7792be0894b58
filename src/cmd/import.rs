//! `disclose import osv|csaf|cve PATH…`: plan the import in memory, print
//! what it would write and what it inferred, and write it only when the
//! whole site checks (nothing with `--dry-run`).

use std::path::PathBuf;
use std::process::ExitCode;

use disclose::diagnostic::render_human;
use disclose::import::{self, Format, IdPolicy, ImportError, ImportOptions, Plan};

use super::{CONTENT_ERROR, OK, exit, usage_error};
use crate::cli::{ClockArgs, ImportFormat};

/// The arguments of `import` beyond the site and the clock.
pub struct Request {
    pub format: ImportFormat,
    pub paths: Vec<PathBuf>,
    pub dry_run: bool,
    pub update: bool,
    pub renumber: bool,
    pub prefix: Option<String>,
    pub series_depth: Option<u8>,
    pub versions: Option<PathBuf>,
}

pub fn run(root: PathBuf, clock: &ClockArgs, req: Request) -> ExitCode {
    let now = match super::resolve_clock(clock) {
        Ok(t) => t,
        Err(e) => return usage_error(e),
    };
    // A provider tree is read from its folder.
    let paths = req
        .paths
        .into_iter()
        .map(|p| {
            if p.file_name().is_some_and(|n| n == "provider-metadata.json") {
                p.parent().map(PathBuf::from).unwrap_or(p)
            } else {
                p
            }
        })
        .collect();
    let opts = ImportOptions {
        root: root.clone(),
        now,
        format: match req.format {
            ImportFormat::Osv => Format::Osv,
            ImportFormat::Csaf => Format::Csaf,
            ImportFormat::Cve => Format::Cve,
        },
        paths,
        ids: if req.renumber {
            IdPolicy::Renumber { prefix: req.prefix }
        } else {
            IdPolicy::Keep
        },
        series_depth: req.series_depth.map(usize::from),
        versions: req.versions,
        update: req.update,
    };
    let plan = match import::plan(&opts) {
        Ok(plan) => plan,
        Err(ImportError::Site(e)) => return usage_error(e),
        Err(ImportError::Input(e)) => return usage_error(e),
        Err(ImportError::Content { diagnostics, texts }) => {
            eprint!(
                "{}",
                render_human(&diagnostics, |f| texts.get(f).map(String::as_str))
            );
            eprintln!(
                "error: {} problem(s); nothing imported, nothing written",
                diagnostics.len()
            );
            return exit(CONTENT_ERROR);
        }
    };
    print!("{}", report(&plan, opts.format));
    if req.dry_run {
        for f in plan
            .releases
            .iter()
            .chain(&plan.created)
            .chain(&plan.updated)
        {
            println!("--- {} ---", f.path);
            print!("{}", String::from_utf8_lossy(&f.bytes));
        }
        println!("dry run: nothing written");
        return exit(OK);
    }
    let rewritten: Vec<_> = plan.releases.iter().chain(&plan.updated).cloned().collect();
    if !rewritten.is_empty()
        && let Err(e) = disclose::output::write_files(&root, &rewritten)
    {
        return usage_error(e);
    }
    match disclose::output::create_new_files(&root, &plan.created) {
        Ok(paths) => {
            for p in rewritten.iter().map(|f| root.join(&f.path)) {
                println!("updated {}", p.display());
            }
            for p in paths {
                println!("created {}", p.display());
            }
            exit(OK)
        }
        Err(e) => usage_error(e),
    }
}

/// What the import does, record by record, and what it adds to the releases.
fn report(plan: &Plan, format: Format) -> String {
    let mut out = String::new();
    for r in &plan.records {
        out.push_str(&format!(
            "{} {} ({}) → {}\n",
            format.name(),
            r.record_id,
            r.source,
            r.advisory
        ));
        for n in &r.notes {
            out.push_str(&format!("  - {n}\n"));
        }
    }
    if !plan.catalogue.is_empty() {
        out.push_str("content/releases.yaml:\n");
        for line in &plan.catalogue {
            out.push_str(&format!("  - {line}\n"));
        }
    }
    if !plan.warnings.is_empty() {
        out.push_str(&render_human(&plan.warnings, |_| None));
    }
    out.push_str(&format!(
        "{} advisories to create, {} to update{}\n",
        plan.created.len(),
        plan.updated.len(),
        if plan.releases.is_some() {
            ", content/releases.yaml to extend"
        } else {
            ""
        }
    ));
    out
}
