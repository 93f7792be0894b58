//! `disclose` turns a project's security advisories — YAML/Markdown files in
//! git — into a public security site and machine-readable feeds, and never
//! lets an advisory under embargo into any output before its publish time.
//!
//! The pipeline runs one way:
//! `load → validate → Site → embargo → render targets → output::commit`.
//! Every stage before [`output`] is pure and works in memory; [`check`] and
//! [`build`] share it.

pub mod announce;
pub mod calendar;
pub mod config;
pub mod diagnostic;
pub mod embargo;
pub mod history;
pub mod import;
pub mod load;
pub mod markdown;
pub mod markup;
pub mod model;
pub mod output;
pub mod prenotify;
pub mod release;
pub mod render;
pub mod scaffold;
pub mod schema;
pub mod serve;
pub mod sign;
pub mod text;
pub mod timings;
pub mod validate;

use std::path::PathBuf;

use jiff::Timestamp;

use diagnostic::{Diagnostic, Diagnostics};
use load::{LoadError, SiteSources};
use timings::Timings;

/// What a command runs on.
#[derive(Debug, Clone)]
pub struct Options {
    /// The site directory (holds `site.toml`).
    pub root: PathBuf,
    /// The build clock: what is published is decided against it.
    pub now: Timestamp,
    /// Which OpenPGP key signs the outputs, beyond site.toml's `signing_key`.
    pub signing: sign::KeySettings,
}

impl Options {
    /// Options for the site at `root` built at `now`, with the key (if any)
    /// that site.toml names.
    pub fn new(root: impl Into<PathBuf>, now: Timestamp) -> Self {
        Options {
            root: root.into(),
            now,
            signing: sign::KeySettings::default(),
        }
    }
}

/// The outcome of checking a site.
#[derive(Debug)]
pub struct CheckReport {
    pub sources: SiteSources,
    /// Sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
    /// The checked site, when there are no errors.
    pub site: Option<model::Site>,
}

impl CheckReport {
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == diagnostic::Severity::Error)
    }
}

/// Loads and checks every input of the site.
pub fn check(opts: &Options) -> Result<CheckReport, LoadError> {
    check_timed(opts, None, None)
}

/// What a preview keeps between rebuilds so that after an edit only the
/// changed files are read, parsed and checked again.
#[derive(Debug, Default)]
pub struct RebuildCache {
    pub read: load::ReadCache,
    pub advisories: validate::AdvisoryCache,
}

/// [`check`], reading, parsing and checking again only the files that
/// changed since `cache` last saw them.
pub fn check_cached(opts: &Options, cache: &RebuildCache) -> Result<CheckReport, LoadError> {
    check_timed(opts, None, Some(cache))
}

fn check_timed(
    opts: &Options,
    timings: Option<&Timings>,
    cache: Option<&RebuildCache>,
) -> Result<CheckReport, LoadError> {
    let mut diags = Diagnostics::new();
    let sources = timed(timings, "load", || {
        load::read_site_cached(&opts.root, &mut diags, cache.map(|c| &c.read))
    })?;
    let site = timed(timings, "validate", || {
        validate::validate_site_cached(&sources, opts.now, &mut diags, cache.map(|c| &c.advisories))
    });
    Ok(CheckReport {
        sources,
        diagnostics: diags.sorted(),
        site,
    })
}

/// Runs `f` as the stage `name` of `timings`, when the build is timed.
fn timed<T>(timings: Option<&Timings>, name: &str, f: impl FnOnce() -> T) -> T {
    match timings {
        Some(t) => t.time(name, f),
        None => f(),
    }
}

/// Why a build did not produce a site.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("the site has errors; run `disclose check` for the full list")]
    Content(Box<CheckReport>),
    #[error(transparent)]
    Render(#[from] render::RenderError),
    #[error(transparent)]
    Output(#[from] output::OutputError),
    #[error(transparent)]
    SigningKey(#[from] sign::KeyError),
    #[error(transparent)]
    PreviousSite(#[from] history::ReadError),
    #[error(
        "the new site rewrites what {} published in {} places; build with --allow-rewrite if this is intentional",
        .previous.display(),
        .rewrites.len()
    )]
    Rewritten {
        previous: PathBuf,
        rewrites: Vec<history::Rewrite>,
    },
}

/// What a build produced and what it held back.
#[derive(Debug)]
pub struct BuildReport {
    pub published: usize,
    pub files: usize,
    pub withheld: Vec<embargo::Withheld>,
    pub next_lift: Option<Timestamp>,
    pub warnings: Vec<Diagnostic>,
    /// When the security.txt just built expires: the next build must run before.
    pub security_txt_expires: Timestamp,
    /// The fingerprint of the key that signed the outputs, if any.
    pub signed_by: Option<String>,
    /// The comparison with the site this build replaced; rewrites here were
    /// allowed.
    pub history: history::Outcome,
}

/// Renders the site in memory and checks it: everything a build does short
/// of writing. The outputs are sorted by path.
pub fn render_site(
    opts: &Options,
) -> Result<(Vec<render::Output>, embargo::Embargoed, CheckReport), BuildError> {
    let r = render(opts, None)?;
    Ok((r.outputs, r.embargoed, r.report))
}

/// What [`render`] made.
struct Rendered {
    outputs: Vec<render::Output>,
    embargoed: embargo::Embargoed,
    report: CheckReport,
}

/// `prior` is what the site being replaced published, if known.
fn render(
    opts: &Options,
    prior: Option<&render::prior::PriorSite>,
) -> Result<Rendered, BuildError> {
    let mut report = check(opts)?;
    let Some(site) = report.site.take() else {
        return Err(BuildError::Content(Box::new(report)));
    };
    let key = load_signing_key(opts, &site.config)?;
    let embargoed = embargo::apply(site, opts.now);
    let ctx = render::RenderContext {
        signer: key.as_ref().map(|k| k as &dyn render::Signer),
        prior,
        ..render::RenderContext::new(&embargoed.public, opts.now)
    };
    let outputs = render::render_all(&ctx)?;
    output::verify(&outputs, &embargoed.forbidden_tokens())?;
    Ok(Rendered {
        outputs,
        embargoed,
        report,
    })
}

/// Reads the signing key, if one is configured, before any target runs: the
/// targets only see it as a [`render::Signer`] and never touch the disk.
pub fn load_signing_key(
    opts: &Options,
    config: &config::SiteConfig,
) -> Result<Option<sign::OpenPgpKey>, sign::KeyError> {
    let Some((path, from)) = opts
        .signing
        .resolve(&opts.root, config.signing_key.as_deref())
    else {
        return Ok(None);
    };
    sign::load_key(&path, from, opts.signing.passphrase.as_deref(), opts.now).map(Some)
}

/// Builds the site into `out`, replacing what was there only on success and
/// only when the new site keeps the history `out` published.
pub fn build(opts: &Options, out: &std::path::Path) -> Result<BuildReport, BuildError> {
    build_with_history(opts, out, &history::Policy::default())
}

/// [`build`], comparing with the site `policy` names.
pub fn build_with_history(
    opts: &Options,
    out: &std::path::Path,
    policy: &history::Policy,
) -> Result<BuildReport, BuildError> {
    build_timed(opts, out, policy, None)
}

/// [`build_with_history`], recording where the time goes in `timings`.
///
/// The outputs stream from the targets (all running at once) through the
/// checks — safe paths, the leak scan — and the reading of history facts
/// into the staging directory, so the site is never held in memory whole;
/// the staged site replaces `out` only when the history check passes.
pub fn build_timed(
    opts: &Options,
    out: &std::path::Path,
    policy: &history::Policy,
    timings: Option<&Timings>,
) -> Result<BuildReport, BuildError> {
    output::check_out_dir(&opts.root, out)?;
    let previous_dir = policy.previous.as_deref().unwrap_or(out);
    // The site being replaced is read while the sources are checked: the
    // two do not depend on each other.
    let (report, previous) = rayon::join(
        || check_timed(opts, timings, None),
        || timed(timings, "previous site", || history::load(previous_dir)),
    );
    let (mut report, previous) = (report?, previous?);
    let Some(site) = report.site.take() else {
        return Err(BuildError::Content(Box::new(report)));
    };
    // The sources served the diagnostics; the build needs only the site.
    let warnings = std::mem::take(&mut report.diagnostics);
    drop(report);
    let key = load_signing_key(opts, &site.config)?;
    let embargoed = timed(timings, "embargo", || embargo::apply(site, opts.now));
    let security_txt_expires =
        render::security_txt::expires_at(&embargoed.public.site.config, opts.now)?;
    let prior = previous.published.prior();
    let staging = output::Staging::begin(out, &embargoed.forbidden_tokens())?;
    let new_site = history::NewSite::of(&embargoed.public.site, opts.now);
    let sink = StagedSink {
        staging: &staging,
        timings,
        history: history::Comparison::new(&previous.published, &new_site),
        failure: std::sync::Mutex::new(None),
    };
    let ctx = render::RenderContext {
        signer: key.as_ref().map(|k| k as &dyn render::Signer),
        prior: Some(&prior),
        timings,
        ..render::RenderContext::new(&embargoed.public, opts.now)
    };
    let rendered = timed(timings, "render", || render::stream_all(&ctx, &sink));
    let (comparison, failure) = sink.finish();
    if let Some(e) = failure {
        return Err(BuildError::Output(e));
    }
    rendered?;
    let rewrites = timed(timings, "history check", || comparison.finish()).map_err(|e| {
        render::RenderError {
            target: "history",
            message: format!("cannot read back the rendered {e}"),
        }
    })?;
    if !rewrites.is_empty() && !policy.allow_rewrite {
        return Err(BuildError::Rewritten {
            previous: previous.dir,
            rewrites,
        });
    }
    let files = staging.count();
    timed(timings, "swap", || staging.commit())?;
    Ok(BuildReport {
        history: history::Outcome {
            compared: previous.published.advisory_count(),
            previous: previous.dir,
            rewrites,
        },
        security_txt_expires,
        signed_by: key.as_ref().map(render::Signer::fingerprint),
        published: embargoed.public.site.advisories.len(),
        files,
        next_lift: embargoed.next_lift(),
        withheld: embargoed.withheld,
        warnings,
    })
}

/// The sink of a build: each output is checked (path, leak scan), compared
/// with the previous site when it bears history, and written into the
/// staging directory, on whichever thread made it.
struct StagedSink<'a> {
    staging: &'a output::Staging,
    timings: Option<&'a Timings>,
    history: history::Comparison<'a>,
    /// Why writing stopped, when it did.
    failure: std::sync::Mutex<Option<output::OutputError>>,
}

impl<'a> StagedSink<'a> {
    fn work<T>(&self, work: timings::Work, f: impl FnOnce() -> T) -> T {
        match self.timings {
            Some(t) => t.work(work, f),
            None => f(),
        }
    }

    /// The comparison with the previous site, and why writing stopped, if
    /// it did.
    fn finish(self) -> (history::Comparison<'a>, Option<output::OutputError>) {
        (
            self.history,
            self.failure.into_inner().unwrap_or_else(|e| e.into_inner()),
        )
    }
}

impl render::Sink for StagedSink<'_> {
    fn put(&self, o: render::Output) -> Result<(), render::RenderError> {
        use timings::Work;
        let result = self
            .work(Work::LeakScan, || self.staging.check(&o))
            .and_then(|()| {
                self.work(Work::HistoryFacts, || {
                    if let Some(parsed) = history::parse_file(&o.path, &o.bytes) {
                        self.history.record(parsed);
                    }
                });
                self.work(Work::Write, || self.staging.write(&o))
            });
        result.map_err(|e| {
            let message = e.to_string();
            if let Ok(mut failure) = self.failure.lock()
                && failure.is_none()
            {
                *failure = Some(e);
            }
            render::RenderError {
                target: "output",
                message,
            }
        })
    }
}
