//! `disclose init [DIR]`: scaffold a new site that `check` and `build`
//! accept as it is, refusing to touch a directory that already holds one.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use disclose::load::{ADVISORIES_DIR, CONFIG_FILE};
use disclose::model::{OSV_ECOSYSTEMS, VersionScheme, is_safe_segment};
use disclose::scaffold::{InitParams, init_files};

use super::{OK, exit, usage_error};
use crate::cli::{ClockArgs, Scheme};

/// The options of `init` beyond the directory and the clock.
pub struct Settings {
    pub name: Option<String>,
    pub ecosystem: Option<String>,
    pub package: Option<String>,
    pub scheme: Scheme,
    pub base_url: Option<String>,
}

pub fn run(dir: PathBuf, clock: &ClockArgs, settings: Settings) -> ExitCode {
    let now = match super::resolve_clock(clock) {
        Ok(t) => t,
        Err(e) => return usage_error(e),
    };
    if let Err(e) = refuse_existing_site(&dir) {
        return usage_error(e);
    }
    let name = match settings.name {
        Some(n) => n,
        None => match dir_name(&dir) {
            Some(n) => n,
            None => {
                return usage_error(format!(
                    "cannot tell the project's name from {}; pass --name",
                    dir.display()
                ));
            }
        },
    };
    if name.trim().is_empty() || name.chars().any(char::is_control) {
        return usage_error(format!("--name `{name}` is not a one-line name"));
    }
    if let Some(eco) = &settings.ecosystem
        && !OSV_ECOSYSTEMS.contains(&eco.as_str())
    {
        return usage_error(format!(
            "--ecosystem `{eco}` is not an OSV ecosystem (e.g. PyPI, crates.io, npm, Go, Maven)"
        ));
    }
    if let Some(package) = &settings.package
        && !is_package_name(package)
    {
        return usage_error(format!(
            "--package `{package}` is not a package name (letters, digits, `.`, `_`, `-`, `/`)"
        ));
    }
    if let Some(url) = &settings.base_url
        && !(url.starts_with("https://") || url.starts_with("http://"))
    {
        return usage_error(format!("--base-url `{url}` is not an absolute http(s) URL"));
    }
    let scheme = match settings.scheme {
        Scheme::Pep440 => VersionScheme::Pep440,
        Scheme::Semver => VersionScheme::Semver,
    };
    let params = InitParams::with_defaults(
        &name,
        settings.ecosystem,
        settings.package,
        scheme,
        settings.base_url,
        now,
    );
    match disclose::output::create_new_files(&dir, &init_files(&params)) {
        Ok(paths) => {
            for p in paths {
                println!("created {}", p.display());
            }
            exit(OK)
        }
        Err(e) => usage_error(e),
    }
}

/// A site is there when `site.toml` exists or `content/` holds anything.
fn refuse_existing_site(dir: &Path) -> Result<(), String> {
    if dir.join(CONFIG_FILE).exists() {
        return Err(format!(
            "{} already has a site.toml; nothing written",
            dir.display()
        ));
    }
    let content = dir.join(
        Path::new(ADVISORIES_DIR)
            .parent()
            .unwrap_or(Path::new("content")),
    );
    if content.is_dir() {
        let mut entries =
            std::fs::read_dir(&content).map_err(|e| format!("{}: {e}", content.display()))?;
        if entries.next().is_some() {
            return Err(format!(
                "{} is not empty; nothing written (init only creates new sites)",
                content.display()
            ));
        }
    } else if content.exists() {
        return Err(format!(
            "{} exists and is not a directory; nothing written",
            content.display()
        ));
    }
    Ok(())
}

/// The last component of `dir`, resolving `.` and `..` against the file
/// system when the directory exists.
fn dir_name(dir: &Path) -> Option<String> {
    let resolved = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    resolved
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty())
}

/// Package names across ecosystems: path-like tokens (Go and Maven use `/`
/// and `:`, npm scopes `@`), without spaces.
fn is_package_name(s: &str) -> bool {
    s.split(['/', ':', '@'])
        .filter(|p| !p.is_empty())
        .all(is_safe_segment)
        && s.chars().any(|c| c.is_ascii_alphanumeric())
}
