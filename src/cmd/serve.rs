//! `disclose serve`: preview the site locally, rebuilt on every change.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use disclose::serve::{Event, ServeOptions, Server};

use super::usage_error;
use crate::cli::ClockArgs;

pub fn run(
    root: PathBuf,
    clock: ClockArgs,
    addr: SocketAddr,
    embargoed: bool,
    signing_key: Option<PathBuf>,
) -> ExitCode {
    // A bad --now is a usage error now, not a failed build later.
    if let Err(e) = super::resolve_clock(&clock) {
        return usage_error(e);
    }
    if !root.join("site.toml").is_file() {
        return usage_error(disclose::load::LoadError::NotASite { path: root });
    }
    let opts = ServeOptions {
        root,
        signing: super::key_settings(signing_key),
        clock: Arc::new(move || super::resolve_clock(&clock)),
        addr,
        embargoed,
        watch: true,
        debounce: Duration::from_millis(150),
        report: Arc::new(print_event),
    };
    let server = match Server::start(opts) {
        Ok(s) => s,
        Err(e) => return usage_error(e),
    };
    if embargoed {
        eprintln!(
            "warning: showing advisories under embargo; every page says so and is marked noindex. Do not publish what you see"
        );
        if !addr.ip().is_loopback() {
            eprintln!(
                "warning: {} is reachable from other machines: anyone who can connect sees the embargoed advisories",
                addr.ip()
            );
        }
    }
    eprintln!(
        "serving {} (sources are watched; press Ctrl-C to stop)",
        server.url()
    );
    match server.wait() {
        Ok(()) => super::exit(super::OK),
        Err(e) => usage_error(e),
    }
}

fn print_event(event: &Event) {
    match event {
        Event::Built {
            version,
            now,
            pages,
            published,
            withheld,
            elapsed,
        } => eprintln!(
            "build {version}: {} for {}, {} published, {withheld} under embargo ({} ms)",
            disclose::text::count(*pages, "page", "pages"),
            super::time(*now),
            disclose::text::count(*published, "advisory", "advisories"),
            elapsed.as_millis()
        ),
        Event::Failed {
            version,
            message,
            kept,
        } => {
            eprint!("{message}");
            if *kept {
                eprintln!("build {version} failed; still serving the last good site");
            } else {
                eprintln!("build {version} failed; pages show the error until it is fixed");
            }
        }
    }
}
