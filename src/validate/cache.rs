//! What a preview keeps of each advisory file between rebuilds: the file
//! as parsed, and the advisory as checked against the settings and releases
//! of that rebuild, so that one edit checks one advisory again.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use crate::diagnostic::Diagnostics;
use crate::load::cache::{TextKey, text_key};
use crate::load::{ParseCache, SourceFile};
use crate::model::Advisory;

/// Parsed and checked advisories, by file.
#[derive(Debug, Default)]
pub struct AdvisoryCache {
    pub(super) parsed: ParseCache,
    checked: Mutex<Checked>,
}

#[derive(Debug, Default)]
struct Checked {
    /// The texts of site.toml and the releases file the entries were
    /// checked against: an advisory's rules read nothing else beside its
    /// own file, and any change there checks every advisory again.
    context: Option<(TextKey, TextKey)>,
    entries: HashMap<String, Arc<CheckedFile>>,
}

#[derive(Debug, Clone)]
struct CheckedFile {
    text: TextKey,
    advisory: Option<Advisory>,
    /// What parsing and checking the file said.
    diags: Diagnostics,
}

impl AdvisoryCache {
    /// Starts a rebuild checked against the settings and releases texts
    /// given: what was checked against others is dropped.
    pub(super) fn begin(&self, config: &str, releases: &str) {
        let context = Some((text_key(config), text_key(releases)));
        if let Ok(mut checked) = self.checked.lock()
            && checked.context != context
        {
            checked.context = context;
            checked.entries.clear();
        }
    }

    /// What checking `file` gave before, when its text (`key`) is the same.
    pub(super) fn get(
        &self,
        file: &SourceFile,
        key: TextKey,
    ) -> Option<(Option<Advisory>, Diagnostics)> {
        // Copied outside the lock, so that the threads checking do not
        // wait for each other.
        let kept = Arc::clone(self.checked.lock().ok()?.entries.get(file.name.as_str())?);
        (kept.text == key).then(|| (kept.advisory.clone(), kept.diags.clone()))
    }

    pub(super) fn put(
        &self,
        file: &SourceFile,
        key: TextKey,
        advisory: &Option<Advisory>,
        diags: &Diagnostics,
    ) {
        if let Ok(mut checked) = self.checked.lock() {
            checked.entries.insert(
                file.name.as_str().to_string(),
                Arc::new(CheckedFile {
                    text: key,
                    advisory: advisory.clone(),
                    diags: diags.clone(),
                }),
            );
        }
    }

    /// Keeps only the files of this rebuild.
    pub(super) fn retain(&self, files: &[SourceFile]) {
        let names = || files.iter().map(|f| f.name.as_str());
        if let Ok(mut checked) = self.checked.lock() {
            let names: HashSet<&str> = names().collect();
            checked
                .entries
                .retain(|name, _| names.contains(name.as_str()));
        }
        self.parsed.retain(names());
    }
}
