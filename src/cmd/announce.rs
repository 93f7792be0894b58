//! `disclose announce`: write the release-day texts of a security release
//! outside the published site, and say whether they may be sent yet.

use std::path::PathBuf;
use std::process::ExitCode;

use disclose::announce::{self, AnnounceError};
use disclose::text::{count, human_date};

use super::{CONTENT_ERROR, OK, exit, time};
use crate::cli::ClockArgs;

pub fn run(
    root: PathBuf,
    clock: &ClockArgs,
    release: Option<&str>,
    out: PathBuf,
    signing_key: Option<PathBuf>,
) -> ExitCode {
    let out = super::under_root(&root, out);
    let opts = match super::options(root, clock, signing_key) {
        Ok(opts) => opts,
        Err(code) => return code,
    };
    match announce::write(&opts, release, &out) {
        Ok((made, written)) => {
            println!(
                "security release of {} ({}): {}",
                human_date(made.release_at),
                count(made.advisories.len(), "advisory", "advisories"),
                made.advisories.join(", ")
            );
            println!("  {}", made.title);
            for path in &written {
                println!("wrote {}", path.display());
            }
            match &made.signed_by {
                Some(fingerprint) => println!("signed the mails with OpenPGP key {fingerprint}"),
                None => println!("not signed: no signing key is configured"),
            }
            if made.announce_list.is_none() {
                println!(
                    "the announce-list mail has no To: set `announce_list` under [disclosure] in site.toml"
                );
            }
            if made.cve_ids.is_empty() {
                println!("no CVE ids in this release: no CVE records to publish");
            }
            if made.under_embargo() {
                println!(
                    "UNDER EMBARGO until {}: these texts are for review; post, mail and publish the CVE records only from then",
                    time(made.release_at)
                );
            } else {
                println!(
                    "published at {}: the texts are ready to send",
                    time(made.release_at)
                );
            }
            exit(OK)
        }
        Err(e @ (AnnounceError::UnknownRelease(_) | AnnounceError::NoRelease)) => {
            eprintln!("error: {e}");
            exit(CONTENT_ERROR)
        }
        Err(AnnounceError::Build(e)) => super::site_error(e),
    }
}
