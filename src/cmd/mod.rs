//! One thin module per subcommand: turn arguments into [`Options`], call the
//! library, print, and pick the exit code.

pub mod announce;
pub mod build;
pub mod calendar;
pub mod check;
pub mod embargo;
pub mod import;
pub mod init;
pub mod new;
pub mod prenotify;
pub mod schemas;
pub mod serve;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use disclose::sign::KeySettings;
use jiff::Timestamp;

use crate::cli::ClockArgs;

/// Exit codes: 0 success, 1 content errors, 2 usage or I/O errors.
pub const OK: u8 = 0;
pub const CONTENT_ERROR: u8 = 1;
pub const USAGE_ERROR: u8 = 2;

pub fn exit(code: u8) -> ExitCode {
    ExitCode::from(code)
}

/// The build clock: `--now`, else `SOURCE_DATE_EPOCH`, else the wall clock.
/// This is the only place the program reads the current time.
pub fn resolve_clock(args: &ClockArgs) -> Result<Timestamp, String> {
    if let Some(now) = &args.now {
        return now.parse::<Timestamp>().map_err(|_| {
            format!(
                "--now `{now}` is not an RFC 3339 date-time with offset (e.g. 2026-03-04T14:00:00Z)"
            )
        });
    }
    if let Ok(epoch) = std::env::var("SOURCE_DATE_EPOCH") {
        return epoch
            .trim()
            .parse::<i64>()
            .ok()
            .and_then(|s| Timestamp::from_second(s).ok())
            .ok_or_else(|| {
                format!("SOURCE_DATE_EPOCH `{epoch}` is not a number of seconds since 1970")
            });
    }
    Ok(Timestamp::now())
}

/// Holds the passphrase of a protected signing key, so it stays out of
/// arguments and shell history.
pub const PASSPHRASE_VAR: &str = "DISCLOSE_SIGNING_KEY_PASSPHRASE";

/// The signing key given on the command line (`--signing-key`, or
/// `DISCLOSE_SIGNING_KEY` through clap), over site.toml's, and its passphrase.
pub fn key_settings(signing_key: Option<PathBuf>) -> KeySettings {
    KeySettings {
        path_override: signing_key,
        passphrase: std::env::var(PASSPHRASE_VAR).ok(),
    }
}

/// The options of a command that reads the site at the clock and may sign:
/// the root, `--now` (or its defaults) and the signing-key settings. A bad
/// clock is a usage error, printed here.
pub fn options(
    root: PathBuf,
    clock: &ClockArgs,
    signing_key: Option<PathBuf>,
) -> Result<disclose::Options, ExitCode> {
    let now = resolve_clock(clock).map_err(usage_error)?;
    Ok(disclose::Options {
        root,
        now,
        signing: key_settings(signing_key),
    })
}

/// A directory argument: relative paths are taken from the site root.
pub fn under_root(root: &Path, dir: PathBuf) -> PathBuf {
    if dir.is_absolute() {
        dir
    } else {
        root.join(dir)
    }
}

/// The checked site, or — when it has errors — the exit code to return after
/// they are printed.
pub fn checked_site(opts: &disclose::Options) -> Result<disclose::model::Site, ExitCode> {
    let mut report = disclose::check(opts).map_err(usage_error)?;
    report.site.take().ok_or_else(|| {
        eprint!(
            "{}",
            disclose::diagnostic::render_human(&report.diagnostics, |f| report.sources.text_of(f))
        );
        exit(CONTENT_ERROR)
    })
}

/// Prints why a command that reads the whole site made nothing, and picks
/// the exit code: content problems (the site's errors, a leak, a bad key
/// named in site.toml, a broken template) are 1, usage and I/O problems 2.
pub fn site_error(e: disclose::BuildError) -> ExitCode {
    use disclose::BuildError;
    match e {
        BuildError::Content(report) => {
            eprint!(
                "{}",
                disclose::diagnostic::render_human(&report.diagnostics, |f| report
                    .sources
                    .text_of(f))
            );
            eprintln!("error: the site has errors; nothing written");
            exit(CONTENT_ERROR)
        }
        BuildError::Output(e) if e.is_content_error() => {
            eprintln!("error: {e}");
            exit(CONTENT_ERROR)
        }
        BuildError::SigningKey(e) if e.is_content_error() => {
            eprintln!("error: {e}");
            exit(CONTENT_ERROR)
        }
        BuildError::Render(e) => {
            eprintln!("error: {e}");
            exit(CONTENT_ERROR)
        }
        e => usage_error(e),
    }
}

/// A time as the command line prints it: to the second, in UTC.
pub fn time(t: Timestamp) -> String {
    disclose::text::utc_second(t)
}

/// Prints a usage or I/O error and returns exit code 2.
pub fn usage_error(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    exit(USAGE_ERROR)
}
