//! Watches a site's sources — `site.toml`, `content/` and `themes/` — and
//! runs a rebuild once they have been quiet for a moment. Only those are
//! watched, not the whole site root: the root is often a repository whose
//! `target/`, `.git/` or `public/` change all the time and would trigger
//! rebuilds (and cost a watch per folder) for nothing.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};

use super::ServeError;
use crate::load::THEMES_DIR;

/// The folders watched recursively, and the one file at the root.
const DIRS: [&str; 2] = ["content", THEMES_DIR];
const CONFIG: &str = "site.toml";

/// What a burst of events changed, as far as the watcher saw.
#[derive(Debug, Default)]
pub(crate) struct Changed {
    /// Site-relative names (`content/advisories/A-1.md`) of the files and
    /// folders the events named.
    pub names: std::collections::BTreeSet<String>,
    /// The watcher reported an error (a queue overflow, say): changes may
    /// have gone unseen.
    pub unknown: bool,
}

impl Changed {
    fn add(&mut self, root: &Path, event: &notify::Event) {
        for path in &event.paths {
            if is_source(root, path) {
                self.names
                    .insert(crate::diagnostic::SourceName::new(root, path).0);
            }
        }
    }
}

enum Message {
    Fs(notify::Result<notify::Event>),
    Stop,
}

/// A running watcher; dropping it stops it and waits for a rebuild in
/// progress to end.
pub(crate) struct SiteWatcher {
    tx: mpsc::Sender<Message>,
    thread: Option<JoinHandle<()>>,
}

impl SiteWatcher {
    pub fn start(
        root: &Path,
        debounce: Duration,
        rebuild: impl Fn(Changed) + Send + 'static,
    ) -> Result<SiteWatcher, ServeError> {
        let root = root.canonicalize().map_err(|e| ServeError::Watch {
            path: root.to_path_buf(),
            source: notify::Error::io(e),
        })?;
        let (tx, rx) = mpsc::channel();
        let events = tx.clone();
        let mut watcher = notify::recommended_watcher(move |e| {
            let _ = events.send(Message::Fs(e));
        })
        .map_err(|source| ServeError::Watch {
            path: root.clone(),
            source,
        })?;
        // The root itself, without recursion: site.toml, and content/ or
        // themes/ being created, replaced or removed.
        watcher
            .watch(&root, RecursiveMode::NonRecursive)
            .map_err(|source| ServeError::Watch {
                path: root.clone(),
                source,
            })?;
        watch_dirs(&mut watcher, &root);
        let thread = std::thread::Builder::new()
            .name("disclose-watch".into())
            .spawn(move || run(watcher, &root, &rx, debounce, rebuild))
            .map_err(|e| ServeError::Watch {
                path: PathBuf::new(),
                source: notify::Error::io(e),
            })?;
        Ok(SiteWatcher {
            tx,
            thread: Some(thread),
        })
    }
}

impl Drop for SiteWatcher {
    fn drop(&mut self) {
        let _ = self.tx.send(Message::Stop);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Adds a recursive watch on each source folder that exists. A folder that
/// was already watched is watched again, which is harmless, and one that
/// was replaced (a `git checkout`) gets its watch back.
fn watch_dirs(watcher: &mut RecommendedWatcher, root: &Path) {
    for dir in DIRS {
        let path = root.join(dir);
        if path.is_dir() {
            // A folder that vanishes in between is picked up again on the
            // event its return causes.
            let _ = watcher.watch(&path, RecursiveMode::Recursive);
        }
    }
}

fn run(
    mut watcher: RecommendedWatcher,
    root: &Path,
    rx: &mpsc::Receiver<Message>,
    debounce: Duration,
    rebuild: impl Fn(Changed),
) {
    loop {
        let mut changed = Changed::default();
        match rx.recv() {
            Ok(Message::Fs(Ok(event))) if is_source_change(root, &event) => {
                changed.add(root, &event);
            }
            // An error from the watcher (a queue overflow, say) may hide a
            // change: rebuild to be safe.
            Ok(Message::Fs(Err(_))) => changed.unknown = true,
            Ok(Message::Fs(Ok(_))) => continue,
            Ok(Message::Stop) | Err(_) => return,
        }
        // Wait for a quiet moment, so a burst of changes gives one rebuild.
        loop {
            match rx.recv_timeout(debounce) {
                Ok(Message::Stop) => return,
                Ok(Message::Fs(Ok(event))) => changed.add(root, &event),
                Ok(Message::Fs(Err(_))) => changed.unknown = true,
                Err(mpsc::RecvTimeoutError::Timeout) => break,
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            }
        }
        // Watching again walks every folder; the rebuild need not wait.
        rebuild(changed);
        watch_dirs(&mut watcher, root);
    }
}

/// Whether the event touches a source of the site. Reads (the rebuild's
/// own included) are not changes.
fn is_source_change(root: &Path, event: &notify::Event) -> bool {
    if matches!(event.kind, EventKind::Access(_)) {
        return false;
    }
    event.paths.iter().any(|p| is_source(root, p))
}

fn is_source(root: &Path, path: &Path) -> bool {
    let Ok(rel) = path.strip_prefix(root) else {
        return false;
    };
    let mut parts = rel.components();
    match parts.next().and_then(|c| c.as_os_str().to_str()) {
        Some(CONFIG) => parts.next().is_none(),
        Some(first) => DIRS.contains(&first),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::is_source;
    use std::path::Path;

    #[test]
    fn only_site_toml_content_and_themes_are_sources() {
        let root = Path::new("/site");
        for p in [
            "/site/site.toml",
            "/site/content",
            "/site/content/advisories/A-1.md",
            "/site/themes/default/templates/base.html",
        ] {
            assert!(is_source(root, Path::new(p)), "{p}");
        }
        for p in [
            "/site/public/index.html",
            "/site/target/debug/x",
            "/site/.git/index",
            "/site/README.md",
            "/site",
            "/elsewhere/site.toml",
        ] {
            assert!(!is_source(root, Path::new(p)), "{p}");
        }
    }
}
