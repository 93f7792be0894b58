//! The comparison of a new site with the one it replaces, one record at a
//! time: a build hands each history-bearing output to a [`Comparison`] as it
//! is rendered, so the new site's facts are never gathered whole; only the
//! previous site's are held, and the ids the new site has shown.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;

use super::read::{
    CsafTrace, CveTrace, Digest, Garbled, OsvTrace, Parsed, Published, Stamp, id_taken, short_hex,
};
use super::{NewSite, Rewrite, RewriteKind};
use crate::render::paths;

/// `<time>, content <digest>`: one revision of a record, for a message.
fn revision_text(at: &str, digest: &Digest) -> String {
    format!("{at}, content sha256:{}…", short_hex(digest))
}

/// Every way `new` rewrites what `previous` published, sorted by advisory.
///
/// Advisories only in `new` are new publications, never a problem. The feed
/// holds only the newest entries, so an advisory that is in one feed and not
/// the other has fallen out of (or into) the window: only advisories in both
/// are compared there. A record whose bytes changed must show it in its
/// revision (`modified`, the CSAF revision history, `dateUpdated`).
pub fn compare(previous: &Published, new: &Published, site: &NewSite) -> Vec<Rewrite> {
    let comparison = Comparison::new(previous, site);
    let mut found = Found::default();
    for (id, trace) in &new.osv {
        comparison.osv(&mut found, id, trace);
    }
    for (id, trace) in &new.csaf {
        comparison.csaf(&mut found, id, trace);
    }
    for (id, trace) in &new.cve {
        comparison.cve(&mut found, id, trace);
    }
    found.feed = Some(new.feed.clone());
    found.release_feed = Some(new.release_feed.clone());
    comparison.conclude(found)
}

/// A comparison under way: the previous site, and what the new one has
/// shown so far.
pub struct Comparison<'a> {
    previous: &'a Published,
    site: &'a NewSite,
    found: Mutex<Found>,
}

/// What the records of the new site seen so far told.
#[derive(Default)]
struct Found {
    rewrites: Vec<Rewrite>,
    /// Per format, the ids the new site carries, with the file each came
    /// from: what vanished is what the previous site has and these lack.
    osv: HashMap<Box<str>, Box<str>>,
    csaf: HashMap<Box<str>, Box<str>>,
    cve: HashMap<Box<str>, Box<str>>,
    feed: Option<BTreeMap<String, String>>,
    release_feed: Option<BTreeMap<String, String>>,
    /// The first file in path order that does not say what it should.
    garbled: Option<Garbled>,
}

impl Found {
    /// Keeps the garbled file that comes first by path, so that of several
    /// the same one is reported on every run, whatever order they came in.
    fn garbled(&mut self, g: Garbled) {
        if self
            .garbled
            .as_ref()
            .is_none_or(|first| g.file < first.file)
        {
            self.garbled = Some(g);
        }
    }

    /// Notes that `file` carries `id`; `false` (and the file reported as
    /// garbled) when another file carries it too. Of the two, the later by
    /// path is the garbled one, as when the files are read in order.
    fn carries(&mut self, format: Format, id: &str, file: &str) -> bool {
        let ids = match format {
            Format::Osv => &mut self.osv,
            Format::Csaf => &mut self.csaf,
            Format::Cve => &mut self.cve,
        };
        let Some(other) = ids.get(id) else {
            ids.insert(id.into(), file.into());
            return true;
        };
        let (first, second) = if **other < *file {
            (&**other, file)
        } else {
            (file, &**other)
        };
        let g = id_taken(format.id_name(), id, first, second);
        self.garbled(g);
        false
    }
}

#[derive(Clone, Copy)]
enum Format {
    Osv,
    Csaf,
    Cve,
}

impl Format {
    fn id_name(self) -> &'static str {
        match self {
            Format::Osv => "OSV id",
            Format::Csaf => "tracking id",
            Format::Cve => "CVE id",
        }
    }
}

impl<'a> Comparison<'a> {
    /// A comparison of a new site with `previous`.
    pub fn new(previous: &'a Published, site: &'a NewSite) -> Comparison<'a> {
        Comparison {
            previous,
            site,
            found: Mutex::new(Found::default()),
        }
    }

    /// Compares one history-bearing file of the new site, as read by
    /// [`super::parse_file`], with what the previous site published under
    /// its id. Files may come in any order and from any thread; only the
    /// id and file name of a record are kept.
    pub fn record(&self, parsed: Result<Parsed, Garbled>) {
        let mut found = self.found.lock().unwrap_or_else(|e| e.into_inner());
        match parsed {
            Err(g) => found.garbled(g),
            Ok(Parsed::Osv(id, trace)) => self.osv(&mut found, &id, &trace),
            Ok(Parsed::Csaf(id, trace)) => self.csaf(&mut found, &id, &trace),
            Ok(Parsed::Cve(id, trace)) => self.cve(&mut found, &id, &trace),
            Ok(Parsed::Feed(entries)) => found.feed = Some(entries),
            Ok(Parsed::ReleaseFeed(entries)) => found.release_feed = Some(entries),
        }
    }

    /// Every rewrite, sorted, once the whole new site has been recorded; or
    /// the new file that did not say what it should.
    pub fn finish(mut self) -> Result<Vec<Rewrite>, Garbled> {
        let found = self.found.get_mut().unwrap_or_else(|e| e.into_inner());
        let mut found = std::mem::take(found);
        if let Some(g) = found.garbled.take() {
            return Err(g);
        }
        Ok(self.conclude(found))
    }

    fn rewrite(
        &self,
        advisory: &str,
        kind: RewriteKind,
        file: &str,
        old: String,
        new: String,
    ) -> Rewrite {
        Rewrite {
            advisory: advisory.to_string(),
            kind,
            file: file.to_string(),
            old,
            new,
            suggestion: (kind == RewriteKind::UnrevisedChange)
                .then(|| self.site.correction(advisory))
                .flatten(),
        }
    }

    /// The advisory id of an OSV id (the OSV id when it has not the site's
    /// prefix).
    fn advisory_of<'i>(&self, osv_id: &'i str) -> &'i str {
        osv_id
            .strip_prefix(self.site.osv_prefix.as_str())
            .unwrap_or(osv_id)
    }

    fn osv(&self, found: &mut Found, osv_id: &str, now: &OsvTrace) {
        if !found.carries(Format::Osv, osv_id, &now.file) {
            return;
        }
        let Some(old) = self.previous.osv.get(osv_id) else {
            return;
        };
        let advisory = self.advisory_of(osv_id);
        let mut push = |kind, old_text: &str, new_text: &str| {
            let r = self.rewrite(advisory, kind, &old.file, old_text.into(), new_text.into());
            found.rewrites.push(r);
        };
        if now.published.at != old.published.at {
            push(
                RewriteKind::PublishedChanged,
                &old.published.text,
                &now.published.text,
            );
        }
        if let (Some(withdrawn), None) = (&old.withdrawn, &now.withdrawn) {
            push(
                RewriteKind::WithdrawalUndone,
                &format!("withdrawn at {}", withdrawn.text),
                "not withdrawn",
            );
        }
        self.revision(
            found,
            advisory,
            &old.file,
            (&old.modified, &old.digest),
            (&now.modified, &now.digest),
        );
    }

    /// A record's revision time (OSV `modified`, CVE `dateUpdated`) may
    /// only move forward, and must move when its bytes changed.
    fn revision(
        &self,
        found: &mut Found,
        advisory: &str,
        file: &str,
        (old, old_digest): (&Stamp, &Digest),
        (now, now_digest): (&Stamp, &Digest),
    ) {
        if now.at < old.at {
            found.rewrites.push(self.rewrite(
                advisory,
                RewriteKind::ModifiedBackwards,
                file,
                old.text.clone(),
                now.text.clone(),
            ));
        } else if now.at == old.at && now_digest != old_digest {
            found.rewrites.push(self.rewrite(
                advisory,
                RewriteKind::UnrevisedChange,
                file,
                revision_text(&old.text, old_digest),
                revision_text(&now.text, now_digest),
            ));
        }
    }

    fn csaf(&self, found: &mut Found, id: &str, now: &CsafTrace) {
        if !found.carries(Format::Csaf, id, &now.file) {
            return;
        }
        let Some(old) = self.previous.csaf.get(id) else {
            return;
        };
        // The first revision that differs is the one to restore; those after
        // it follow from it.
        let changed = old
            .revisions
            .iter()
            .enumerate()
            .find(|(i, r)| !now.revisions.get(*i).is_some_and(|n| n.same_as(r)));
        if let Some((i, r)) = changed {
            found.rewrites.push(
                self.rewrite(
                    id,
                    RewriteKind::RevisionsRewritten,
                    &old.file,
                    r.to_string(),
                    now.revisions
                        .get(i)
                        .map_or_else(|| format!("no revision {}", r.number), |n| n.to_string()),
                ),
            );
        } else if now.revisions.len() == old.revisions.len() && now.digest != old.digest {
            let last = |t: &CsafTrace| {
                t.revisions
                    .last()
                    .map_or_else(String::new, |r| r.to_string())
            };
            found.rewrites.push(self.rewrite(
                id,
                RewriteKind::UnrevisedChange,
                &old.file,
                revision_text(&last(old), &old.digest),
                revision_text(&last(now), &now.digest),
            ));
        }
    }

    fn cve(&self, found: &mut Found, cve_id: &str, now: &CveTrace) {
        if !found.carries(Format::Cve, cve_id, &now.file) {
            return;
        }
        let Some(old) = self.previous.cve.get(cve_id) else {
            return;
        };
        let advisory = self
            .site
            .cve_advisories
            .get(cve_id)
            .map_or(cve_id, String::as_str);
        self.revision(
            found,
            advisory,
            &old.file,
            (&old.date_updated, &old.digest),
            (&now.date_updated, &now.digest),
        );
    }

    /// What can only be told once every record has been seen: the records
    /// that vanished, and the feeds' entry ids.
    fn conclude(&self, found: Found) -> Vec<Rewrite> {
        let Found {
            mut rewrites,
            osv,
            csaf,
            feed,
            release_feed,
            ..
        } = found;
        let mut vanished = BTreeSet::new();
        for (osv_id, old) in &self.previous.osv {
            if osv.contains_key(osv_id.as_str()) {
                continue;
            }
            let advisory = self.advisory_of(osv_id);
            vanished.insert(advisory);
            rewrites.push(self.rewrite(
                advisory,
                RewriteKind::Vanished,
                &old.file,
                format!("published at {}", old.published.text),
                "absent".into(),
            ));
        }
        for (id, old) in &self.previous.csaf {
            if csaf.contains_key(id.as_str()) || vanished.contains(id.as_str()) {
                continue;
            }
            rewrites.push(
                self.rewrite(
                    id,
                    RewriteKind::Vanished,
                    &old.file,
                    old.revisions
                        .first()
                        .map_or_else(|| "published".into(), |r| r.to_string()),
                    "absent".into(),
                ),
            );
        }
        let feeds = [
            (&self.previous.feed, feed, paths::FEED_ALL, ""),
            (
                &self.previous.release_feed,
                release_feed,
                paths::FEED_RELEASES,
                "security release ",
            ),
        ];
        for (old_feed, new_feed, file, what) in feeds {
            let new_feed = new_feed.unwrap_or_default();
            for (key, old_id) in old_feed {
                if let Some(new_id) = new_feed.get(key)
                    && new_id != old_id
                {
                    rewrites.push(self.rewrite(
                        &format!("{what}{key}"),
                        RewriteKind::FeedIdChanged,
                        file,
                        old_id.clone(),
                        new_id.clone(),
                    ));
                }
            }
        }
        rewrites.sort();
        rewrites
    }
}
