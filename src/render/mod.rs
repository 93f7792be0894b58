//! Rendering: each output target turns the public site into files in
//! memory. Targets never see withheld advisories and never touch the disk.

pub mod atom;
pub mod csaf;
pub mod cve;
pub mod html;
pub mod osv;
pub mod paths;
pub mod prior;
pub mod security_txt;

use jiff::Timestamp;

use crate::embargo::PublicSite;
use crate::model::Advisory;
use crate::timings::{Timings, Work};

/// One file of the built site: a relative, `/`-separated path and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub path: String,
    pub bytes: Vec<u8>,
}

impl Output {
    pub fn new(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        Output {
            path: path.into(),
            bytes: bytes.into(),
        }
    }
}

/// What every target renders from.
pub struct RenderContext<'a> {
    pub public: &'a PublicSite,
    pub now: Timestamp,
    /// The OpenPGP key that signs CSAF documents and security.txt, when one
    /// is configured.
    pub signer: Option<&'a dyn Signer>,
    /// What the site this build replaces published, when there is one:
    /// CSAF documents keep its revision histories and only add to them.
    pub prior: Option<&'a prior::PriorSite>,
    /// A local preview that shows advisories still under embargo: every page
    /// then says so and asks not to be indexed. Only `disclose serve
    /// --embargoed` sets it; `build` never does.
    pub preview: bool,
    /// Where the time goes, when the build is asked (`build --timings`).
    pub timings: Option<&'a Timings>,
}

impl<'a> RenderContext<'a> {
    /// The context of `public` at `now`: unsigned, with no prior site, not
    /// a preview, not timed.
    pub fn new(public: &'a PublicSite, now: Timestamp) -> Self {
        RenderContext {
            public,
            now,
            signer: None,
            prior: None,
            preview: false,
            timings: None,
        }
    }

    /// Runs `f` as part of `work`, timed when the build is timed.
    pub fn work<T>(&self, work: Work, f: impl FnOnce() -> T) -> T {
        match self.timings {
            Some(t) => t.work(work, f),
            None => f(),
        }
    }
}

/// Where outputs go as soon as they are made: the staged tree of a build
/// (scanned for leaks and written as they come, so the site is never held
/// in memory whole), or a list for the outputs kept in memory.
pub trait Sink: Sync {
    /// Takes one output. An error stops the rendering.
    fn put(&self, output: Output) -> Result<(), RenderError>;
}

/// Keeps every output in memory.
#[derive(Debug, Default)]
pub struct Collect(std::sync::Mutex<Vec<Output>>);

impl Collect {
    /// The outputs, sorted by path.
    pub fn into_sorted(self) -> Vec<Output> {
        let mut outputs = self.0.into_inner().unwrap_or_else(|e| e.into_inner());
        outputs.sort_by(|a, b| a.path.cmp(&b.path));
        outputs
    }
}

impl Sink for Collect {
    fn put(&self, output: Output) -> Result<(), RenderError> {
        self.0
            .lock()
            .map_err(|_| RenderError {
                target: "output",
                message: "a rendering thread panicked".into(),
            })?
            .push(output);
        Ok(())
    }
}

/// An OpenPGP signing key as the targets use it. Signatures are made at the
/// build clock so that the same inputs give the same bytes.
pub trait Signer: Sync {
    /// The key's fingerprint in upper-case hex, without spaces.
    fn fingerprint(&self) -> String;
    /// The public key, ASCII-armored, for publishing beside what it signs.
    fn public_key_armored(&self) -> String;
    /// A detached, ASCII-armored signature of `data`.
    fn sign_detached(&self, data: &[u8]) -> Result<String, RenderError>;
    /// `text` wrapped in an OpenPGP cleartext signature (RFC 9580 §7).
    fn clearsign(&self, text: &str) -> Result<String, RenderError>;
}

/// A problem in rendering (a broken theme template, say).
#[derive(Debug, thiserror::Error)]
#[error("{target}: {message}")]
pub struct RenderError {
    pub target: &'static str,
    pub message: String,
}

/// One kind of output (HTML pages, a feed format, …).
pub trait Target: Sync {
    fn name(&self) -> &'static str;

    /// Every output of the target.
    fn render(&self, ctx: &RenderContext<'_>) -> Result<Vec<Output>, RenderError> {
        let all = Collect::default();
        self.stream(ctx, &all)?;
        Ok(all.into_sorted())
    }

    /// Puts each output into `sink` as soon as it is made. A target that
    /// makes many outputs streams them; the others render all, then put.
    fn stream(&self, ctx: &RenderContext<'_>, sink: &dyn Sink) -> Result<(), RenderError> {
        for output in self.render(ctx)? {
            sink.put(output)?;
        }
        Ok(())
    }

    /// The paths of the outputs that depend on advisory `a` alone (its
    /// records, with their hashes and signature): known without rendering
    /// them, so that the preview renders one when it is asked for instead
    /// of the whole target.
    fn advisory_paths(&self, _ctx: &RenderContext<'_>, _a: &Advisory) -> Vec<String> {
        Vec::new()
    }

    /// Whether an output at `path` would be this target's, told from the
    /// path alone: each target writes under folders of its own, so the
    /// preview renders only the target that makes a requested file.
    fn claims(&self, path: &str) -> bool;

    /// The outputs at [`Target::advisory_paths`], the very bytes
    /// [`Target::stream`] makes of them.
    fn advisory_outputs(
        &self,
        _ctx: &RenderContext<'_>,
        _a: &Advisory,
    ) -> Result<Vec<Output>, RenderError> {
        Ok(Vec::new())
    }
}

/// Every target the build runs, in a fixed order.
pub fn targets() -> Vec<Box<dyn Target>> {
    vec![
        Box::new(html::Html),
        Box::new(atom::Atom),
        Box::new(osv::Osv),
        Box::new(csaf::Csaf),
        Box::new(cve::Cve),
        Box::new(security_txt::SecurityTxt),
    ]
}

/// Runs every target; outputs come back sorted by path.
pub fn render_all(ctx: &RenderContext<'_>) -> Result<Vec<Output>, RenderError> {
    let all = Collect::default();
    stream_all(ctx, &all)?;
    Ok(all.into_sorted())
}

/// Runs every target at once, each putting its outputs into `sink` as it
/// makes them. The targets do not depend on one another. Of several
/// failures, the first target's (in [`targets`] order) is reported.
pub fn stream_all(ctx: &RenderContext<'_>, sink: &dyn Sink) -> Result<(), RenderError> {
    use rayon::prelude::*;
    let results: Vec<Result<(), RenderError>> = targets()
        .par_iter()
        .map(|target| match ctx.timings {
            Some(t) => t.time_at(1, target.name(), || target.stream(ctx, sink)),
            None => target.stream(ctx, sink),
        })
        .collect();
    results.into_iter().collect()
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}
