//! The site as the preview serves it: the outputs of the build pipeline in
//! memory, keyed by path. Without `--embargoed` this is exactly what `build`
//! would publish, leak scan included; with it, every advisory is rendered
//! as if published and the pages say it is a preview.

use std::collections::BTreeMap;

use jiff::Timestamp;

use crate::diagnostic::render_human;
use crate::embargo::{self, PublicSite};
use crate::render::{self, RenderContext};
use crate::{BuildError, Options};

/// A rendered site, ready to serve.
#[derive(Debug)]
pub struct Rendered {
    /// Output path (`advisories/X/index.html`) → bytes. The server answers
    /// only for these paths.
    pub files: BTreeMap<String, Vec<u8>>,
    /// The path of the site's base URL (`/security/`), where it is served
    /// so that the links between its pages work as they will when published.
    pub base_path: String,
    pub now: Timestamp,
    /// Advisories on the site.
    pub published: usize,
    /// Advisories under embargo at `now` (shown only in an embargoed preview).
    pub withheld: usize,
}

/// Renders the site at `opts.now`. `embargoed` renders every advisory as
/// published, unsigned, with the preview banner, and without the leak scan.
pub fn render(opts: &Options, embargoed: bool) -> Result<Rendered, BuildError> {
    if !embargoed {
        let (outputs, split, _) = crate::render_site(opts)?;
        return Ok(Rendered {
            files: into_map(outputs),
            base_path: base_path(&split.public.site.config.base_url),
            now: opts.now,
            published: split.public.site.advisories.len(),
            withheld: split.withheld.len(),
        });
    }
    let mut report = crate::check(opts)?;
    let Some(site) = report.site.take() else {
        return Err(BuildError::Content(Box::new(report)));
    };
    let withheld = site
        .advisories
        .iter()
        .filter(|a| !embargo::is_public(a, opts.now))
        .count();
    // Every advisory counts as published, so none is pre-announced.
    let public = PublicSite {
        site,
        now: opts.now,
        announcements: Vec::new(),
    };
    // Unsigned: a signature would make a preview file look like a release.
    let ctx = RenderContext {
        preview: true,
        ..RenderContext::new(&public, opts.now)
    };
    let outputs = render::render_all(&ctx)?;
    Ok(Rendered {
        files: into_map(outputs),
        base_path: base_path(&public.site.config.base_url),
        now: opts.now,
        published: public.site.advisories.len() - withheld,
        withheld,
    })
}

fn into_map(outputs: Vec<render::Output>) -> BTreeMap<String, Vec<u8>> {
    outputs.into_iter().map(|o| (o.path, o.bytes)).collect()
}

/// What the served site is, for the pages' live reload and the console.
#[derive(Debug, Clone)]
pub struct Info {
    pub base_path: String,
    pub now: Timestamp,
    pub published: usize,
    pub withheld: usize,
    /// HTML pages of the site.
    pub pages: usize,
}

/// What the render thread answers for a request path.
#[derive(Debug)]
pub(crate) enum Answer {
    File {
        path: String,
        bytes: Vec<u8>,
    },
    Redirect(String),
    /// No output there; the site's 404 page when it has one.
    NotFound(Option<Vec<u8>>),
    /// The output could not be made, or holds what must not be shown.
    Failed(String),
}

/// What the render thread is asked.
pub(crate) enum Msg {
    Get {
        raw_path: String,
        reply: tokio::sync::oneshot::Sender<Answer>,
    },
    Rebuild,
    Stop,
}

/// How the render thread goes on after serving a build.
enum Next {
    Rebuild,
    Stop,
}

/// One build of the preview: the model the pages render from.
struct Built {
    public: PublicSite,
    key: Option<crate::sign::OpenPgpKey>,
    forbidden: Vec<String>,
    info: Info,
}

/// The thread that keeps the latest build and renders what is asked of it.
/// Pages and the records of one advisory (OSV, CVE, a CSAF document with
/// its hashes) are rendered when they are requested, and the files made of
/// every advisory (feeds, indexes, archives, security.txt) a target at a
/// time, the first time one of that target's files is: after an edit, only
/// the model is rebuilt — parsing again only the files that changed — so a
/// large site's preview is current as soon as that is done, and each page
/// or record shows the edit when it is loaded.
pub(crate) struct Live {
    pub root: std::path::PathBuf,
    /// What the rebuilds keep of the sources; the watcher marks in it what
    /// it saw change.
    pub cache: std::sync::Arc<crate::RebuildCache>,
    pub signing: crate::sign::KeySettings,
    pub clock: super::Clock,
    pub embargoed: bool,
    pub report: super::Reporter,
    pub state: std::sync::Arc<super::State>,
}

impl Live {
    /// Builds, serves, and builds again on every `Rebuild`, until `Stop`
    /// (or until every sender is gone). `ready` is told when the first
    /// build is done.
    pub(crate) fn run(
        self,
        rx: std::sync::mpsc::Receiver<Msg>,
        ready: std::sync::mpsc::Sender<()>,
    ) {
        let mut ready = Some(ready);
        let mut pending = std::collections::VecDeque::new();
        // A failed rebuild keeps the last good build served.
        let mut current: Option<Built> = None;
        loop {
            let started = std::time::Instant::now();
            let fresh = match self.build() {
                Ok(built) => {
                    if let Some(old) = current.replace(built) {
                        drop_aside(old);
                    }
                    Some(started)
                }
                Err(message) => {
                    self.publish(Err(message), started);
                    None
                }
            };
            let next = match &current {
                Some(built) => self.serve(built, fresh, &mut ready, &rx, &mut pending),
                None => {
                    if let Some(r) = ready.take() {
                        let _ = r.send(());
                    }
                    self.serve_nothing(&rx, &mut pending)
                }
            };
            if let Next::Stop = next {
                return;
            }
        }
    }

    fn build(&self) -> Result<Built, String> {
        let now = (self.clock)()?;
        let opts = Options {
            root: self.root.clone(),
            now,
            signing: self.signing.clone(),
        };
        let mut report =
            crate::check_cached(&opts, &self.cache).map_err(|e| describe(&e.into()))?;
        let Some(site) = report.site.take() else {
            return Err(describe(&BuildError::Content(Box::new(report))));
        };
        let base_path = base_path(&site.config.base_url);
        let (public, withheld, forbidden, key) = if self.embargoed {
            let withheld = site
                .advisories
                .iter()
                .filter(|a| !embargo::is_public(a, now))
                .count();
            // Every advisory counts as published, so none is pre-announced;
            // unsigned, as a signature would make a preview look released.
            let public = PublicSite {
                site,
                now,
                announcements: Vec::new(),
            };
            (public, withheld, Vec::new(), None)
        } else {
            let key =
                crate::load_signing_key(&opts, &site.config).map_err(|e| describe(&e.into()))?;
            let split = embargo::apply(site, now);
            let forbidden = split.forbidden_tokens();
            (split.public, split.withheld.len(), forbidden, key)
        };
        let info = Info {
            base_path,
            now,
            published: public.site.advisories.len() - if self.embargoed { withheld } else { 0 },
            withheld,
            pages: 0,
        };
        Ok(Built {
            public,
            key,
            forbidden,
            info,
        })
    }

    /// Tells the pages and the console how the build went.
    fn publish(&self, info: Result<&Info, String>, started: std::time::Instant) {
        let mut event = None;
        self.state.current.send_modify(|s| {
            s.version += 1;
            event = Some(match info {
                Ok(info) => {
                    s.error = None;
                    s.site = Some(std::sync::Arc::new(info.clone()));
                    super::Event::Built {
                        version: s.version,
                        now: info.now,
                        pages: info.pages,
                        published: info.published,
                        withheld: info.withheld,
                        elapsed: started.elapsed(),
                    }
                }
                Err(message) => {
                    s.error = Some(message.as_str().into());
                    super::Event::Failed {
                        version: s.version,
                        message,
                        kept: s.site.is_some(),
                    }
                }
            });
        });
        if let Some(event) = event {
            (self.report)(&event);
        }
    }

    /// The next message: a queued one first.
    fn next_msg(
        rx: &std::sync::mpsc::Receiver<Msg>,
        pending: &mut std::collections::VecDeque<Msg>,
    ) -> Option<Msg> {
        pending.pop_front().or_else(|| rx.recv().ok())
    }

    /// After a `Rebuild`, the ones that came meanwhile are the same
    /// rebuild; requests wait for it.
    fn coalesce(
        rx: &std::sync::mpsc::Receiver<Msg>,
        pending: &mut std::collections::VecDeque<Msg>,
    ) -> Next {
        while let Ok(m) = rx.try_recv() {
            match m {
                Msg::Rebuild => {}
                Msg::Stop => return Next::Stop,
                get => pending.push_back(get),
            }
        }
        Next::Rebuild
    }

    /// While the sources do not build: every request is answered with the
    /// error (the pages show it), until the next rebuild.
    fn serve_nothing(
        &self,
        rx: &std::sync::mpsc::Receiver<Msg>,
        pending: &mut std::collections::VecDeque<Msg>,
    ) -> Next {
        loop {
            match Self::next_msg(rx, pending) {
                None | Some(Msg::Stop) => return Next::Stop,
                Some(Msg::Rebuild) => return Self::coalesce(rx, pending),
                Some(Msg::Get { reply, .. }) => {
                    let _ = reply.send(Answer::Failed("the site does not build".into()));
                }
            }
        }
    }

    /// Serves `built` until the next rebuild; when it was just built
    /// (`fresh`: when that began), says so first, and tells `ready` the
    /// first time.
    fn serve(
        &self,
        built: &Built,
        fresh: Option<std::time::Instant>,
        ready: &mut Option<std::sync::mpsc::Sender<()>>,
        rx: &std::sync::mpsc::Receiver<Msg>,
        pending: &mut std::collections::VecDeque<Msg>,
    ) -> Next {
        let ctx = RenderContext {
            signer: built.key.as_ref().map(|k| k as &dyn render::Signer),
            preview: self.embargoed,
            ..RenderContext::new(&built.public, built.info.now)
        };
        let pages = render::html::Pages::new(&ctx);
        if let Some(started) = fresh {
            match &pages {
                Ok(pages) => {
                    let info = Info {
                        pages: pages.paths().count(),
                        ..built.info.clone()
                    };
                    self.publish(Ok(&info), started);
                }
                Err(e) => self.publish(Err(format!("error: {e}\n")), started),
            }
        }
        if let Some(r) = ready.take() {
            let _ = r.send(());
        }
        let Ok(pages) = pages else {
            return self.serve_nothing(rx, pending);
        };
        let scanner = crate::output::LeakScanner::new(&built.forbidden)
            .ok()
            .flatten();
        let targets = render::targets();
        let files = Files {
            ctx: &ctx,
            pages: &pages,
            targets: &targets,
            records: std::cell::OnceCell::new(),
            extras: std::cell::OnceCell::new(),
            machine: targets.iter().map(|_| std::cell::OnceCell::new()).collect(),
        };
        let next = loop {
            match Self::next_msg(rx, pending) {
                None | Some(Msg::Stop) => break Next::Stop,
                Some(Msg::Rebuild) => break Self::coalesce(rx, pending),
                Some(Msg::Get { raw_path, reply }) => {
                    let answer = files.answer(&built.info.base_path, &raw_path, scanner.as_ref());
                    let _ = reply.send(answer);
                }
            }
        };
        drop_aside((
            files.machine,
            files.extras.into_inner(),
            files.records.into_inner(),
        ));
        next
    }
}

/// Frees a build's outputs or model on a thread of its own: at scale that
/// is hundreds of megabytes in a hundred thousand allocations, and the next
/// build should not wait for it.
fn drop_aside<T: Send + 'static>(value: T) {
    // Without a thread, the value is freed here, only later than it could be.
    let _ = std::thread::Builder::new()
        .name("disclose-free".into())
        .spawn(move || drop(value));
}

/// Output path → bytes.
type Outputs = BTreeMap<String, Vec<u8>>;

/// The outputs of one build, made as they are asked for.
struct Files<'a> {
    ctx: &'a RenderContext<'a>,
    pages: &'a render::html::Pages<'a>,
    targets: &'a [Box<dyn render::Target>],
    /// The path of each output that depends on one advisory alone → the
    /// index of its target and of its advisory.
    records: std::cell::OnceCell<std::collections::HashMap<String, (usize, usize)>>,
    /// The theme's static files and the sitemap.
    extras: std::cell::OnceCell<BTreeMap<String, Vec<u8>>>,
    /// One per target, in the order of `targets`: every output it makes, or
    /// why it could not make them (the pages' stays empty: they render one
    /// at a time).
    machine: Vec<std::cell::OnceCell<Result<Outputs, String>>>,
}

impl Files<'_> {
    fn extras(&self) -> &BTreeMap<String, Vec<u8>> {
        self.extras.get_or_init(|| into_map(self.pages.extras()))
    }

    fn records(&self) -> &std::collections::HashMap<String, (usize, usize)> {
        self.records.get_or_init(|| {
            let advisories = &self.ctx.public.site.advisories;
            let mut records = std::collections::HashMap::new();
            for (t, target) in self.targets.iter().enumerate() {
                for (i, a) in advisories.iter().enumerate() {
                    for path in target.advisory_paths(self.ctx, a) {
                        records.insert(path, (t, i));
                    }
                }
            }
            records
        })
    }

    /// The output at `path` when it depends on one advisory alone, made of
    /// that advisory only.
    fn record(&self, path: &str) -> Option<Result<Vec<u8>, String>> {
        let &(t, i) = self.records().get(path)?;
        let a = &self.ctx.public.site.advisories[i];
        Some(
            self.targets[t]
                .advisory_outputs(self.ctx, a)
                .map_err(|e| e.to_string())
                .and_then(|outputs| {
                    outputs
                        .into_iter()
                        .find(|o| o.path == path)
                        .map(|o| o.bytes)
                        .ok_or_else(|| format!("no output {path}"))
                }),
        )
    }

    /// The outputs of the target that claims `path`, when it is not the
    /// pages' (those are rendered one at a time): all of them, made the
    /// first time one is asked for.
    fn machine(&self, path: &str) -> Option<Result<&Outputs, &str>> {
        let t = self
            .targets
            .iter()
            .position(|t| t.name() != "html" && t.claims(path))?;
        let made = self.machine[t].get_or_init(|| {
            let all = render::Collect::default();
            self.targets[t]
                .stream(self.ctx, &all)
                .map_err(|e| e.to_string())?;
            Ok(into_map(all.into_sorted()))
        });
        Some(made.as_ref().map_err(String::as_str))
    }

    fn exists(&self, path: &str) -> bool {
        self.pages.has(path)
            || self.extras().contains_key(path)
            || self.records().contains_key(path)
            || self
                .machine(path)
                .is_some_and(|m| m.is_ok_and(|m| m.contains_key(path)))
    }

    fn bytes(&self, path: &str) -> Result<Vec<u8>, String> {
        if let Some(page) = self.pages.render(path) {
            return page.map_err(|e| e.to_string());
        }
        if let Some(b) = self.extras().get(path) {
            return Ok(b.clone());
        }
        if let Some(record) = self.record(path) {
            return record;
        }
        match self.machine(path) {
            Some(Ok(m)) => m
                .get(path)
                .cloned()
                .ok_or_else(|| format!("no output {path}")),
            Some(Err(e)) => Err(e.to_string()),
            None => Err(format!("no output {path}")),
        }
    }

    fn answer(
        &self,
        base_path: &str,
        raw_path: &str,
        scanner: Option<&crate::output::LeakScanner>,
    ) -> Answer {
        // What is shown is scanned as `build` scans what it writes.
        let checked = |path: &str| -> Result<Vec<u8>, String> {
            let bytes = self.bytes(path)?;
            if let Some(scanner) = scanner {
                let output = render::Output::new(path, bytes);
                scanner.scan(&output).map_err(|e| e.to_string())?;
                return Ok(output.bytes);
            }
            Ok(bytes)
        };
        match super::http::resolve(|p| self.exists(p), base_path, raw_path) {
            super::http::Resolved::File(path) => match checked(&path) {
                Ok(bytes) => Answer::File { path, bytes },
                Err(e) => Answer::Failed(e),
            },
            super::http::Resolved::Redirect(to) => Answer::Redirect(to),
            super::http::Resolved::NotFound => match checked("404.html") {
                Ok(page) => Answer::NotFound(Some(page)),
                Err(_) => Answer::NotFound(None),
            },
        }
    }
}

/// The path part of an absolute URL, with a trailing slash:
/// `https://example.org/security/` → `/security/`.
pub(crate) fn base_path(base_url: &str) -> String {
    let after_scheme = base_url
        .split_once("://")
        .map_or(base_url, |(_, rest)| rest);
    let path = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
    let path = path.split(['?', '#']).next().unwrap_or("/");
    if path.ends_with('/') {
        path.to_string()
    } else {
        format!("{path}/")
    }
}

/// A build error as the console and the error page show it.
pub(crate) fn describe(err: &BuildError) -> String {
    match err {
        BuildError::Content(report) => {
            let mut text = render_human(&report.diagnostics, |f| report.sources.text_of(f));
            text.push_str("error: the site has errors; fix them and save to rebuild\n");
            text
        }
        other => format!("error: {other}\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::base_path;

    #[test]
    fn base_path_is_the_url_path_with_a_trailing_slash() {
        assert_eq!(base_path("https://larch.example/security/"), "/security/");
        assert_eq!(base_path("https://larch.example/a/b"), "/a/b/");
        assert_eq!(base_path("https://larch.example"), "/");
        assert_eq!(base_path("https://larch.example/"), "/");
        assert_eq!(base_path("http://h:8080/x/?q=1"), "/x/");
    }
}
