//! `disclose serve`: a local preview. The site is rendered in memory by the
//! same pipeline as `build` (nothing is written to disk), served over HTTP,
//! rendered again whenever its sources change, and open pages reload
//! themselves. A failed rebuild keeps the last good site up and shows why.

mod http;
mod site;
mod watch;

pub use site::{Info, Rendered, render};

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::{oneshot, watch as channel};

use crate::sign;

/// The build clock of each rebuild: a fixed `--now`, or the current time so
/// that an embargo lifting while the preview runs shows on the next rebuild.
pub type Clock = Arc<dyn Fn() -> Result<Timestamp, String> + Send + Sync>;

/// What the server tells its caller as it runs (the CLI prints it).
pub type Reporter = Arc<dyn Fn(&Event) + Send + Sync>;

/// How to serve a site.
pub struct ServeOptions {
    /// The site directory (holds `site.toml`).
    pub root: PathBuf,
    /// The signing key settings, as `build` takes them.
    pub signing: sign::KeySettings,
    pub clock: Clock,
    /// Where to listen; port 0 picks a free one.
    pub addr: SocketAddr,
    /// Show advisories under embargo, with a banner and `noindex` everywhere.
    pub embargoed: bool,
    /// Rebuild when the sources change.
    pub watch: bool,
    /// How long the sources must stay quiet before a rebuild starts, so an
    /// editor's save (or a `git checkout`) gives one rebuild, not dozens.
    pub debounce: Duration,
    pub report: Reporter,
}

impl ServeOptions {
    /// Options for the site at `root`, served at `addr`, built at `now`
    /// every time, watching the sources, reporting nothing.
    pub fn new(root: impl Into<PathBuf>, addr: SocketAddr, now: Timestamp) -> Self {
        ServeOptions {
            root: root.into(),
            signing: sign::KeySettings::default(),
            clock: Arc::new(move || Ok(now)),
            addr,
            embargoed: false,
            watch: true,
            debounce: Duration::from_millis(150),
            report: Arc::new(|_| {}),
        }
    }
}

/// Something that happened while serving.
#[derive(Debug, Clone)]
pub enum Event {
    /// A rebuild succeeded; pages showing an older version reload.
    Built {
        version: u64,
        now: Timestamp,
        /// HTML pages; they and the other files render when requested.
        pages: usize,
        published: usize,
        withheld: usize,
        elapsed: Duration,
    },
    /// A rebuild failed; `kept` says whether an earlier site is still served.
    Failed {
        version: u64,
        message: String,
        kept: bool,
    },
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot start the server: {0}")]
    Start(std::io::Error),
    #[error("cannot watch {path} for changes: {source}")]
    Watch {
        path: PathBuf,
        source: notify::Error,
    },
}

/// One state of the served site. Every rebuild, good or bad, makes a new
/// version, so open pages reload to show the new site or the error.
#[derive(Clone, Default)]
pub(crate) struct Snapshot {
    pub version: u64,
    /// The site of the last build, if it built.
    pub site: Option<Arc<Info>>,
    /// Why the latest rebuild failed, if it did.
    pub error: Option<Arc<str>>,
    /// The server is stopping: waiting pollers return at once.
    pub closing: bool,
}

/// What the HTTP handlers share.
pub(crate) struct State {
    pub embargoed: bool,
    /// Listening on a loopback address: answer only to local host names.
    pub loopback: bool,
    pub current: channel::Sender<Snapshot>,
    /// Where requests go: the render thread.
    pub requests: std::sync::mpsc::Sender<site::Msg>,
}

/// A running preview server. Dropping it stops it.
pub struct Server {
    addr: SocketAddr,
    state: Arc<State>,
    shutdown: Option<oneshot::Sender<()>>,
    http: Option<std::thread::JoinHandle<std::io::Result<()>>>,
    render: Option<std::thread::JoinHandle<()>>,
    watcher: Option<watch::SiteWatcher>,
}

impl Server {
    /// Listens, builds the site once, then serves it (and watches the
    /// sources) on background threads. A site that does not build is still
    /// served: every page shows the error until a rebuild succeeds.
    pub fn start(opts: ServeOptions) -> Result<Server, ServeError> {
        let bind = |source| ServeError::Bind {
            addr: opts.addr,
            source,
        };
        let listener = std::net::TcpListener::bind(opts.addr).map_err(bind)?;
        listener.set_nonblocking(true).map_err(bind)?;
        let addr = listener.local_addr().map_err(bind)?;

        let (current, _) = channel::channel(Snapshot::default());
        let (requests, inbox) = std::sync::mpsc::channel();
        let state = Arc::new(State {
            embargoed: opts.embargoed,
            loopback: addr.ip().is_loopback(),
            current,
            requests: requests.clone(),
        });
        let cache = Arc::new(crate::RebuildCache::default());
        let live = site::Live {
            root: opts.root.clone(),
            cache: Arc::clone(&cache),
            signing: opts.signing,
            clock: opts.clock,
            embargoed: opts.embargoed,
            report: opts.report,
            state: Arc::clone(&state),
        };
        // The render thread builds once before the server answers.
        let (ready, first) = std::sync::mpsc::channel();
        let render = std::thread::Builder::new()
            .name("disclose-render".into())
            .spawn(move || live.run(inbox, ready))
            .map_err(ServeError::Start)?;
        let _ = first.recv();

        let watcher = if opts.watch {
            let tx = requests.clone();
            let cache = Arc::clone(&cache);
            Some(watch::SiteWatcher::start(
                &opts.root,
                opts.debounce,
                move |changed| {
                    if changed.unknown {
                        cache.read.mark_all_changed();
                    }
                    cache.read.mark_changed(changed.names);
                    let _ = tx.send(site::Msg::Rebuild);
                },
            )?)
        } else {
            None
        };

        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(ServeError::Start)?;
        let (shutdown, stopped) = oneshot::channel::<()>();
        let app = http::router(Arc::clone(&state));
        let http = std::thread::Builder::new()
            .name("disclose-serve".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener)?;
                    axum::serve(listener, app)
                        .with_graceful_shutdown(async {
                            let _ = stopped.await;
                        })
                        .await
                })
            })
            .map_err(ServeError::Start)?;

        Ok(Server {
            addr,
            state,
            shutdown: Some(shutdown),
            http: Some(http),
            render: Some(render),
            watcher,
        })
    }

    /// The address the server listens on (with the port it picked).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The URL of the site's home page: the base URL's path on this server.
    pub fn url(&self) -> String {
        let current = self.state.current.borrow();
        let base = current.site.as_ref().map_or("/", |s| s.base_path.as_str());
        format!("http://{}{base}", self.addr)
    }

    /// The number of builds so far; it changes with every rebuild.
    pub fn version(&self) -> u64 {
        self.state.current.borrow().version
    }

    /// Blocks until the server stops (it only stops on an I/O error).
    pub fn wait(mut self) -> std::io::Result<()> {
        match self.http.take().map(std::thread::JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(std::io::Error::other("the server thread panicked")),
            None => Ok(()),
        }
    }

    /// Stops watching and serving, and waits for both to end.
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.watcher.take();
        self.state.current.send_modify(|s| s.closing = true);
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(http) = self.http.take() {
            let _ = http.join();
        }
        let _ = self.state.requests.send(site::Msg::Stop);
        if let Some(render) = self.render.take() {
            let _ = render.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.halt();
    }
}
