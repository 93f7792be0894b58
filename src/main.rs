//! The `disclose` binary: parse arguments, run one command, exit with
//! 0 (success), 1 (content errors) or 2 (usage or I/O errors).

mod cli;
mod cmd;

use std::process::ExitCode;

use clap::Parser;

/// A build makes millions of small template values on every core at once;
/// mimalloc serves them faster than the system allocator and keeps less
/// freed memory resident (measured in BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                cmd::exit(cmd::USAGE_ERROR)
            } else {
                cmd::exit(cmd::OK)
            };
        }
    };
    match cli.command {
        cli::Command::Check { clock, format } => cmd::check::run(cli.root, &clock, format),
        cli::Command::Build {
            clock,
            out,
            signing_key,
            history,
            timings,
        } => cmd::build::run(cli.root, &clock, out, signing_key, history, timings),
        cli::Command::Serve {
            clock,
            port,
            bind,
            embargoed,
            signing_key,
        } => cmd::serve::run(
            cli.root,
            clock,
            std::net::SocketAddr::new(bind, port),
            embargoed,
            signing_key,
        ),
        cli::Command::Embargo { clock, format } => cmd::embargo::run(cli.root, &clock, format),
        cli::Command::Prenotify {
            ids,
            clock,
            out,
            signing_key,
        } => cmd::prenotify::run(cli.root, &clock, &ids, out, signing_key),
        cli::Command::Announce {
            release,
            clock,
            out,
            signing_key,
        } => cmd::announce::run(cli.root, &clock, release.as_deref(), out, signing_key),
        cli::Command::Calendar {
            clock,
            format,
            ics,
            confidential,
        } => cmd::calendar::run(cli.root, &clock, format, ics, confidential),
        cli::Command::Schemas { dir } => cmd::schemas::run(dir),
        cli::Command::Import {
            format,
            paths,
            clock,
            dry_run,
            update,
            renumber,
            prefix,
            series_depth,
            versions,
        } => cmd::import::run(
            cli.root,
            &clock,
            cmd::import::Request {
                format,
                paths,
                dry_run,
                update,
                renumber,
                prefix,
                series_depth,
                versions,
            },
        ),
        cli::Command::Init {
            dir,
            clock,
            name,
            ecosystem,
            package,
            scheme,
            base_url,
        } => cmd::init::run(
            dir,
            &clock,
            cmd::init::Settings {
                name,
                ecosystem,
                package,
                scheme,
                base_url,
            },
        ),
        cli::Command::New {
            clock,
            severity,
            title,
            series,
            fixed,
        } => cmd::new::run(cli.root, &clock, severity, title, series, fixed),
    }
}
