//! Command-line arguments (clap derive types only).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Build a project's security site, feeds and advisories from files in git.
#[derive(Debug, Parser)]
#[command(name = "disclose", version, about, propagate_version = true)]
pub struct Cli {
    /// The site directory (the one with site.toml).
    #[arg(long, global = true, default_value = ".", value_name = "DIR")]
    pub root: PathBuf,

    #[command(subcommand)]
    pub command: Command,
}

/// The build clock, shared by the commands that decide what is published.
#[derive(Debug, clap::Args)]
pub struct ClockArgs {
    /// The time to build for (RFC 3339, e.g. 2026-03-04T14:00:00Z).
    /// Defaults to SOURCE_DATE_EPOCH, then to the current time.
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
}

/// How `build` guards the history of the site it replaces.
#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// The deployed site to compare with, instead of the output directory
    /// (relative paths are under --root, like --out). A missing or empty
    /// directory means a first build.
    #[arg(long, value_name = "DIR")]
    pub previous: Option<PathBuf>,
    /// Build even when an advisory disappears or a published date, CSAF
    /// revision or feed entry id changes; the rewrites are printed as warnings.
    #[arg(long)]
    pub allow_rewrite: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check every input file and report every problem.
    Check {
        #[command(flatten)]
        clock: ClockArgs,
        /// How to print problems.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Build the site into the output directory.
    Build {
        #[command(flatten)]
        clock: ClockArgs,
        /// Output directory, replaced whole on success.
        #[arg(long, default_value = "public", value_name = "DIR")]
        out: PathBuf,
        /// Armored OpenPGP secret key that signs security.txt and CSAF
        /// documents, instead of site.toml's `signing_key`. A protected key
        /// is unlocked with DISCLOSE_SIGNING_KEY_PASSPHRASE.
        #[arg(long, env = "DISCLOSE_SIGNING_KEY", value_name = "PATH")]
        signing_key: Option<PathBuf>,
        #[command(flatten)]
        history: HistoryArgs,
        /// Print where the time went: the wall time of each stage (load,
        /// validate, the previous site, each target, the history check, the
        /// swap) and the leak scan, writing and hashing summed over threads.
        #[arg(long)]
        timings: bool,
    },
    /// Preview the site on a local web server, rebuilding and reloading open
    /// pages when the sources change.
    Serve {
        #[command(flatten)]
        clock: ClockArgs,
        /// The port to listen on (0 picks a free one).
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// The address to listen on.
        #[arg(long, default_value = "127.0.0.1", value_name = "ADDR")]
        bind: std::net::IpAddr,
        /// Also show advisories under embargo. Every page then carries a
        /// banner and asks search engines not to index it.
        #[arg(long)]
        embargoed: bool,
        /// Armored OpenPGP secret key, as for `build`.
        #[arg(long, env = "DISCLOSE_SIGNING_KEY", value_name = "PATH")]
        signing_key: Option<PathBuf>,
    },
    /// List advisories under embargo and when each lifts.
    Embargo {
        #[command(flatten)]
        clock: ClockArgs,
        /// How to print the list.
        #[arg(long, value_enum, default_value_t = ListFormat::Human)]
        format: ListFormat,
    },
    /// Write the public notice and the confidential packet of each coming
    /// security release, outside the published site.
    Prenotify {
        /// Advisories to notify about; by default every one under embargo.
        #[arg(value_name = "ID")]
        ids: Vec<String>,
        #[command(flatten)]
        clock: ClockArgs,
        /// Directory for the texts; never inside the published site.
        #[arg(long, default_value = "prenotify", value_name = "DIR")]
        out: PathBuf,
        /// Armored OpenPGP secret key that clear-signs both texts, instead
        /// of site.toml's `signing_key`.
        #[arg(long, env = "DISCLOSE_SIGNING_KEY", value_name = "PATH")]
        signing_key: Option<PathBuf>,
    },
    /// Write the release-day texts of a security release outside the
    /// published site: the announcement post, the mails for the announce
    /// list and oss-security, and the CVE publication commands.
    Announce {
        /// The release: its date as on its page (e.g. 2026-11-04), its publish
        /// time, or one of its advisories. By default the next coming release,
        /// else the latest published one.
        #[arg(value_name = "RELEASE")]
        release: Option<String>,
        #[command(flatten)]
        clock: ClockArgs,
        /// Directory for the texts; never inside the published site.
        #[arg(long, default_value = "announce", value_name = "DIR")]
        out: PathBuf,
        /// Armored OpenPGP secret key that clear-signs the mails, instead of
        /// site.toml's `signing_key`.
        #[arg(long, env = "DISCLOSE_SIGNING_KEY", value_name = "PATH")]
        signing_key: Option<PathBuf>,
    },
    /// List the steps of the disclosure process, with their dates, for every
    /// coming security release.
    Calendar {
        #[command(flatten)]
        clock: ClockArgs,
        /// How to print the steps.
        #[arg(long, value_enum, default_value_t = ListFormat::Human)]
        format: ListFormat,
        /// Also write them as an iCalendar file a team can subscribe to;
        /// never inside the published site.
        #[arg(long, value_name = "FILE")]
        ics: Option<PathBuf>,
        /// Name the advisories of each release (ids, CVE ids, titles), not
        /// only its date and severities. For the security team only.
        #[arg(long)]
        confidential: bool,
    },
    /// Create a new site in DIR with an example advisory, a releases file and
    /// a security policy page.
    Init {
        /// The directory to create the site in.
        #[arg(default_value = ".", value_name = "DIR")]
        dir: PathBuf,
        #[command(flatten)]
        clock: ClockArgs,
        /// The project's name; defaults to the directory's name.
        #[arg(long)]
        name: Option<String>,
        /// OSV ecosystem of the package; defaults to PyPI for pep440 and
        /// crates.io for semver.
        #[arg(long)]
        ecosystem: Option<String>,
        /// Package name; defaults to the project name in lower case.
        #[arg(long)]
        package: Option<String>,
        /// How versions compare.
        #[arg(long, value_enum, default_value_t = Scheme::Semver)]
        scheme: Scheme,
        /// The URL the site will be served from.
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
    },
    /// Create the next advisory as an embargoed draft and print its path.
    New {
        #[command(flatten)]
        clock: ClockArgs,
        /// A level of the site's severity scale.
        #[arg(long, value_name = "LEVEL")]
        severity: Option<String>,
        /// The advisory's title.
        #[arg(long)]
        title: Option<String>,
        /// An affected release series; repeat for several. Defaults to every
        /// series supported at the clock.
        #[arg(long, value_name = "S")]
        series: Vec<String>,
        /// The version that fixes the preceding --series.
        #[arg(long, value_name = "V")]
        fixed: Vec<String>,
    },
    /// Turn OSV, CSAF or CVE records into advisory files, with the series
    /// and versions they need in content/releases.yaml. Nothing is written
    /// unless the whole site then checks.
    Import {
        /// What the records are.
        #[arg(value_enum)]
        format: ImportFormat,
        /// Record files, directories of them, or zip archives (OSV's
        /// all.zip); for CSAF also a provider tree (provider-metadata.json).
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        clock: ClockArgs,
        /// Print the files that would be written, and write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Rewrite advisories that exist already, keeping the fields the
        /// records leave out.
        #[arg(long)]
        update: bool,
        /// Number the advisories `<PREFIX>-<YEAR>-<NNNN>` and keep each
        /// record's id as an alias, instead of using the records' ids.
        #[arg(long)]
        renumber: bool,
        /// The id prefix for --renumber; defaults to the one the site uses.
        #[arg(long, value_name = "PREFIX", requires = "renumber")]
        prefix: Option<String>,
        /// How many version numbers name a new series (2: `5.1`); by
        /// default as the site's series are named.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=3))]
        series_depth: Option<u8>,
        /// The project's released versions, one a line, each optionally
        /// followed by its release date (YYYY-MM-DD), e.g. from the git tags.
        #[arg(long, value_name = "FILE")]
        versions: Option<PathBuf>,
    },
    /// Write the JSON Schemas of the input files into DIR.
    #[command(hide = true)]
    Schemas {
        #[arg(default_value = "schemas")]
        dir: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Messages with the source line, for people.
    Human,
    /// One JSON document.
    Json,
    /// GitHub Actions annotations.
    Github,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Human,
    Json,
}

/// What `import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImportFormat {
    /// OSV records (JSON or YAML).
    Osv,
    /// CSAF 2.0 documents.
    Csaf,
    /// CVE JSON 5 records.
    Cve,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scheme {
    Pep440,
    Semver,
}
