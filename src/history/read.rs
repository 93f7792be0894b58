//! What a site has told the world about each advisory, read back from its
//! machine outputs: OSV records, CSAF documents, CVE records and the Atom
//! feed of all advisories — their dates, revisions and ids, and a digest of
//! each record's bytes. The same parser reads the outputs just rendered and the files
//! of the site being replaced, so the two are compared like with like.

use std::collections::BTreeMap;

use jiff::Timestamp;
use quick_xml::Reader;
use quick_xml::events::Event;
use rayon::prelude::*;
use serde::Deserialize;

use crate::render::prior::{PriorRevision, PriorSite};
use crate::render::{Output, paths};

/// A time as a file wrote it, and the instant it names: messages quote the
/// text, comparisons use the instant (a different spelling of the same
/// instant is not a change).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    pub text: String,
    pub at: Timestamp,
}

impl Stamp {
    pub fn parse(text: &str) -> Result<Stamp, String> {
        let at = text
            .parse::<Timestamp>()
            .map_err(|_| format!("`{text}` is not an RFC 3339 date-time"))?;
        Ok(Stamp {
            text: text.to_string(),
            at,
        })
    }
}

/// The SHA-256 of a file's bytes: whether a record changed at all, without
/// keeping the previous site's files in memory.
pub type Digest = [u8; 32];

/// The digest of `bytes`.
pub fn digest(bytes: &[u8]) -> Digest {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes).into()
}

/// The first bytes of a digest in hex, to tell two contents apart in a message.
pub fn short_hex(d: &Digest) -> String {
    d[..6].iter().map(|b| format!("{b:02x}")).collect()
}

/// The dates of one OSV record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OsvTrace {
    /// Where the record is, relative to the site root.
    pub file: String,
    pub published: Stamp,
    pub modified: Stamp,
    pub withdrawn: Option<Stamp>,
    pub digest: Digest,
}

/// The revision date of one CVE record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CveTrace {
    pub file: String,
    pub date_updated: Stamp,
    pub digest: Digest,
}

/// One entry of a CSAF document's `tracking.revision_history`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    pub number: String,
    pub date: Stamp,
    pub summary: String,
}

impl Revision {
    /// The same revision: number and summary as written, the date as an instant.
    pub fn same_as(&self, other: &Revision) -> bool {
        self.number == other.number
            && self.date.at == other.date.at
            && self.summary == other.summary
    }
}

impl std::fmt::Display for Revision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "revision {} of {}: {}",
            self.number, self.date.text, self.summary
        )
    }
}

/// The revision history of one CSAF document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsafTrace {
    pub file: String,
    pub revisions: Vec<Revision>,
    pub digest: Digest,
}

/// What one site published, keyed the way each format names an advisory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Published {
    /// By OSV id.
    pub osv: BTreeMap<String, OsvTrace>,
    /// By CSAF tracking id, which is the advisory id.
    pub csaf: BTreeMap<String, CsafTrace>,
    /// By CVE id.
    pub cve: BTreeMap<String, CveTrace>,
    /// Advisory id → Atom entry id, for the entries of `feeds/all.atom`.
    pub feed: BTreeMap<String, String>,
    /// Release page slug → Atom entry id, for `feeds/releases.atom`.
    pub release_feed: BTreeMap<String, String>,
}

/// A file of a site that does not say what it should.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct Garbled {
    /// Relative to the site root.
    pub file: String,
    pub message: String,
}

/// Which of the history-bearing outputs a path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Osv,
    Csaf,
    Cve,
    Feed,
    ReleaseFeed,
}

/// The OSV records are the `.json` files directly in `osv/`; the CSAF
/// documents those one folder (the year) below the TLP:WHITE folder, beside
/// which the ROLIE feed and indexes lie.
pub fn source_of(path: &str) -> Option<Source> {
    if path == paths::FEED_ALL {
        return Some(Source::Feed);
    }
    if path == paths::FEED_RELEASES {
        return Some(Source::ReleaseFeed);
    }
    if !path.ends_with(".json") {
        return None;
    }
    if let Some(name) = path.strip_prefix(paths::OSV_DIR)
        && !name.contains('/')
    {
        return Some(Source::Osv);
    }
    if let Some(rest) = path.strip_prefix(paths::CSAF_WHITE_DIR)
        && rest.matches('/').count() == 1
    {
        return Some(Source::Csaf);
    }
    if let Some(name) = path.strip_prefix(paths::CVE_DIR)
        && !name.contains('/')
    {
        return Some(Source::Cve);
    }
    None
}

/// One history-bearing file, read.
pub enum Parsed {
    Osv(String, OsvTrace),
    Csaf(String, CsafTrace),
    Cve(String, CveTrace),
    Feed(BTreeMap<String, String>),
    ReleaseFeed(BTreeMap<String, String>),
}

/// A file read, by its path relative to the site root.
pub type ParsedFile = (String, Result<Parsed, Garbled>);

/// Reads one file of a site: `None` when `path` is not history-bearing.
pub fn parse_file(path: &str, bytes: &[u8]) -> Option<Result<Parsed, Garbled>> {
    let garbled = |message: String| Garbled {
        file: path.to_string(),
        message,
    };
    let parsed = match source_of(path)? {
        // An index of records (`[{id, modified}]`) was kept in `osv/` by
        // earlier sites; only objects are records.
        Source::Osv if bytes.trim_ascii_start().starts_with(b"[") => return None,
        Source::Osv => osv_trace(path, bytes).map(|(id, t)| Parsed::Osv(id, t)),
        Source::Csaf => csaf_trace(path, bytes).map(|(id, t)| Parsed::Csaf(id, t)),
        Source::Cve => cve_trace(path, bytes).map(|(id, t)| Parsed::Cve(id, t)),
        Source::Feed => feed_entries(bytes, "advisories").map(Parsed::Feed),
        Source::ReleaseFeed => feed_entries(bytes, "releases").map(Parsed::ReleaseFeed),
    };
    Some(parsed.map_err(garbled))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CveFacts {
    cve_metadata: CveMetadataFacts,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CveMetadataFacts {
    cve_id: String,
    date_updated: String,
}

#[derive(Deserialize)]
struct OsvFacts {
    id: String,
    published: String,
    modified: String,
    #[serde(default)]
    withdrawn: Option<String>,
}

#[derive(Deserialize)]
struct CsafFacts {
    document: DocumentFacts,
}

#[derive(Deserialize)]
struct DocumentFacts {
    tracking: TrackingFacts,
}

#[derive(Deserialize)]
struct TrackingFacts {
    id: String,
    revision_history: Vec<RevisionFacts>,
}

#[derive(Deserialize)]
struct RevisionFacts {
    date: String,
    number: String,
    summary: String,
}

/// `file` names, as `what` (`OSV id`, …), the `id` that `first` names.
pub(super) fn id_taken(what: &str, id: &str, first: &str, file: &str) -> Garbled {
    Garbled {
        file: file.to_string(),
        message: format!("{what} `{id}` is also the id of {first}"),
    }
}

impl Published {
    /// Reads the history-bearing files among `files` (path relative to the
    /// site root, bytes) and ignores the rest.
    pub fn from_files<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    ) -> Result<Published, Garbled> {
        // Parsing is the cost on a large site, and each file stands alone.
        let files: Vec<(&str, &[u8])> = files.into_iter().collect();
        let parsed: Vec<ParsedFile> = files
            .par_iter()
            .filter_map(|&(path, bytes)| Some((path.to_string(), parse_file(path, bytes)?)))
            .collect();
        Published::from_parsed(parsed)
    }

    /// Gathers files read one by one, in file order (path, what it said), so
    /// that of several garbled files the same one is reported on every run.
    pub fn from_parsed(parsed: impl IntoIterator<Item = ParsedFile>) -> Result<Published, Garbled> {
        let mut published = Published::default();
        for (path, parsed) in parsed {
            match parsed? {
                Parsed::Osv(id, trace) => {
                    if let Some(first) = published.osv.get(&id) {
                        return Err(id_taken("OSV id", &id, &first.file, &path));
                    }
                    published.osv.insert(id, trace);
                }
                Parsed::Csaf(id, trace) => {
                    if let Some(first) = published.csaf.get(&id) {
                        return Err(id_taken("tracking id", &id, &first.file, &path));
                    }
                    published.csaf.insert(id, trace);
                }
                Parsed::Cve(id, trace) => {
                    if let Some(first) = published.cve.get(&id) {
                        return Err(id_taken("CVE id", &id, &first.file, &path));
                    }
                    published.cve.insert(id, trace);
                }
                Parsed::Feed(entries) => published.feed = entries,
                Parsed::ReleaseFeed(entries) => published.release_feed = entries,
            }
        }
        Ok(published)
    }

    /// What the targets carry forward from this site.
    pub fn prior(&self) -> PriorSite {
        PriorSite {
            csaf_revisions: self
                .csaf
                .iter()
                .map(|(id, trace)| {
                    let revisions = trace
                        .revisions
                        .iter()
                        .map(|r| PriorRevision {
                            at: r.date.at,
                            summary: r.summary.clone(),
                        })
                        .collect();
                    (id.clone(), revisions)
                })
                .collect(),
        }
    }

    /// Reads the outputs of a build held in memory.
    pub fn from_outputs(outputs: &[Output]) -> Result<Published, Garbled> {
        Published::from_files(
            outputs
                .iter()
                .map(|o| (o.path.as_str(), o.bytes.as_slice())),
        )
    }

    /// Nothing published yet: a first build.
    pub fn is_empty(&self) -> bool {
        self.osv.is_empty()
            && self.csaf.is_empty()
            && self.cve.is_empty()
            && self.feed.is_empty()
            && self.release_feed.is_empty()
    }

    /// How many advisories the site published, by the format that names the most.
    pub fn advisory_count(&self) -> usize {
        self.osv.len().max(self.csaf.len())
    }
}

fn osv_trace(path: &str, bytes: &[u8]) -> Result<(String, OsvTrace), String> {
    let facts: OsvFacts =
        serde_json::from_slice(bytes).map_err(|e| format!("not an OSV record: {e}"))?;
    let trace = OsvTrace {
        file: path.to_string(),
        published: Stamp::parse(&facts.published).map_err(|e| format!("`published`: {e}"))?,
        modified: Stamp::parse(&facts.modified).map_err(|e| format!("`modified`: {e}"))?,
        withdrawn: facts
            .withdrawn
            .as_deref()
            .map(Stamp::parse)
            .transpose()
            .map_err(|e| format!("`withdrawn`: {e}"))?,
        digest: digest(bytes),
    };
    Ok((facts.id, trace))
}

fn cve_trace(path: &str, bytes: &[u8]) -> Result<(String, CveTrace), String> {
    let facts: CveFacts =
        serde_json::from_slice(bytes).map_err(|e| format!("not a CVE record: {e}"))?;
    let meta = facts.cve_metadata;
    let trace = CveTrace {
        file: path.to_string(),
        date_updated: Stamp::parse(&meta.date_updated)
            .map_err(|e| format!("`dateUpdated`: {e}"))?,
        digest: digest(bytes),
    };
    Ok((meta.cve_id, trace))
}

fn csaf_trace(path: &str, bytes: &[u8]) -> Result<(String, CsafTrace), String> {
    let facts: CsafFacts =
        serde_json::from_slice(bytes).map_err(|e| format!("not a CSAF document: {e}"))?;
    let tracking = facts.document.tracking;
    let revisions = tracking
        .revision_history
        .into_iter()
        .map(|r| {
            Ok(Revision {
                date: Stamp::parse(&r.date)
                    .map_err(|e| format!("revision {}: `date`: {e}", r.number))?,
                number: r.number,
                summary: r.summary,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok((
        tracking.id,
        CsafTrace {
            file: path.to_string(),
            revisions,
            digest: digest(bytes),
        },
    ))
}

/// The page an entry's `alternate` link points at in `section`: the last
/// segment of a `…/<section>/<name>/` page URL (an advisory id, a release
/// slug). Other entries name none.
fn page_of_link<'a>(href: &'a str, section: &str) -> Option<&'a str> {
    let (rest, id) = href.trim_end_matches('/').rsplit_once('/')?;
    let parent = rest.rsplit('/').next()?;
    (parent == section && !id.is_empty()).then_some(id)
}

/// Page name → entry id of every entry of an Atom feed that links to a page
/// of `section` (`advisories`, `releases`).
fn feed_entries(bytes: &[u8], section: &str) -> Result<BTreeMap<String, String>, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8: {e}"))?;
    let mut reader = Reader::from_str(text);
    let mut entries = BTreeMap::new();
    let mut depth = 0usize;
    // The depth of the open `<entry>`, its `<id>` and its advisory.
    let mut entry: Option<(usize, Option<String>, Option<String>)> = None;
    let bad_xml = |reader: &Reader<&[u8]>, e: &dyn std::fmt::Display| {
        format!(
            "not a well-formed Atom feed (byte {}): {e}",
            reader.error_position()
        )
    };
    loop {
        let event = reader.read_event().map_err(|e| bad_xml(&reader, &e))?;
        match event {
            Event::Start(e) => {
                depth += 1;
                let name = e.local_name();
                match (&mut entry, name.as_ref()) {
                    (None, "entry") => entry = Some((depth, None, None)),
                    (Some((d, id, _)), "id") if depth == *d + 1 => {
                        let raw = reader
                            .read_text(e.name())
                            .map_err(|err| bad_xml(&reader, &err))?;
                        depth -= 1;
                        let text = quick_xml::escape::unescape(&raw)
                            .map_err(|err| bad_xml(&reader, &err))?;
                        *id = Some(text.trim().to_string());
                    }
                    (Some((d, _, advisory)), "link") if depth == *d + 1 => {
                        *advisory = alternate_page(&e, section)?.or(advisory.take());
                    }
                    _ => {}
                }
            }
            Event::Empty(e) => {
                if let Some((d, _, advisory)) = &mut entry
                    && depth == *d
                    && e.local_name().as_ref() == "link"
                {
                    *advisory = alternate_page(&e, section)?.or(advisory.take());
                }
            }
            Event::End(e) => {
                // An entry without an advisory link (a notice) names none.
                if e.local_name().as_ref() == "entry"
                    && let Some((_, id, Some(advisory))) = entry.take_if(|(d, ..)| *d == depth)
                {
                    let id =
                        id.ok_or_else(|| format!("the entry of advisory {advisory} has no <id>"))?;
                    if entries.insert(advisory.clone(), id).is_some() {
                        return Err(format!("advisory {advisory} has two entries"));
                    }
                }
                depth = depth.saturating_sub(1);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(entries)
}

/// The page of `section` a `<link>` names when it is the entry's alternate
/// (the default relation, RFC 4287 section 4.2.7.2).
fn alternate_page(
    e: &quick_xml::events::BytesStart<'_>,
    section: &str,
) -> Result<Option<String>, String> {
    let attr = |name: &str| -> Result<Option<String>, String> {
        match e.try_get_attribute(name).map_err(|err| err.to_string())? {
            Some(a) => Ok(Some(
                a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .map_err(|err| err.to_string())?
                    .into_owned(),
            )),
            None => Ok(None),
        }
    };
    if attr("rel")?.is_some_and(|rel| rel != "alternate") {
        return Ok(None);
    }
    Ok(attr("href")?
        .as_deref()
        .and_then(|href| page_of_link(href, section))
        .map(str::to_string))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FEED: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>https://x.example/feeds/all.atom</id>
  <link rel="self" href="https://x.example/feeds/all.atom"/>
  <entry>
    <id>tag:x.example,2026-01-02:advisory/A-1</id>
    <link rel="alternate" type="text/html" href="https://x.example/advisories/A-1/"/>
    <content type="html">&lt;p&gt;text&lt;/p&gt;</content>
  </entry>
  <entry>
    <link href="https://x.example/advisories/A-2/"/>
    <id>tag:x.example,2026-01-03:advisory/A-2&amp;b</id>
  </entry>
  <entry>
    <id>tag:x.example,2026-01-04:release/1</id>
    <link rel="alternate" href="https://x.example/announcements/"/>
  </entry>
</feed>
"#;

    #[test]
    fn feed_entries_are_keyed_by_the_advisory_they_link_to() {
        let entries = feed_entries(FEED.as_bytes(), "advisories").unwrap();
        assert_eq!(
            entries.into_iter().collect::<Vec<_>>(),
            vec![
                (
                    "A-1".to_string(),
                    "tag:x.example,2026-01-02:advisory/A-1".to_string()
                ),
                (
                    "A-2".to_string(),
                    "tag:x.example,2026-01-03:advisory/A-2&b".to_string()
                ),
            ]
        );
    }

    #[test]
    fn release_feed_entries_are_keyed_by_the_release_page() {
        let feed = r#"<feed xmlns="http://www.w3.org/2005/Atom">
  <entry>
    <id>tag:x.example,2026-11-04:security-release/20261104T140000Z</id>
    <link href="https://x.example/releases/2026-11-04/"/>
  </entry>
  <entry>
    <id>tag:x.example,2026-01-02:advisory/A-1</id>
    <link href="https://x.example/advisories/A-1/"/>
  </entry>
</feed>"#;
        let entries = feed_entries(feed.as_bytes(), "releases").unwrap();
        assert_eq!(
            entries.into_iter().collect::<Vec<_>>(),
            vec![(
                "2026-11-04".to_string(),
                "tag:x.example,2026-11-04:security-release/20261104T140000Z".to_string()
            )]
        );
    }

    #[test]
    fn broken_feeds_and_records_are_garbled_with_the_file() {
        assert!(feed_entries(b"<feed><entry></feed>", "advisories").is_err());
        let twice = FEED.replace("advisories/A-2/", "advisories/A-1/");
        assert!(feed_entries(twice.as_bytes(), "advisories").is_err());
        let err = Published::from_files([("osv/x.json", b"{\"id\": 1}".as_slice())]).unwrap_err();
        assert_eq!(err.file, "osv/x.json");
        let err = Published::from_files([(
            "osv/x.json",
            br#"{"id":"X","published":"yesterday","modified":"2026-01-01T00:00:00Z"}"#.as_slice(),
        )])
        .unwrap_err();
        assert!(err.message.contains("`published`"), "{err}");
    }

    #[test]
    fn only_history_files_are_read() {
        assert_eq!(source_of("osv/x_A-1.json"), Some(Source::Osv));
        assert_eq!(source_of("osv/all.zip"), None);
        assert_eq!(source_of("osv/sub/x.json"), None);
        assert_eq!(
            source_of(".well-known/csaf/white/2026/a-1.json"),
            Some(Source::Csaf)
        );
        assert_eq!(
            source_of(".well-known/csaf/white/csaf-feed-tlp-white.json"),
            None
        );
        assert_eq!(
            source_of(".well-known/csaf/white/2026/a-1.json.sha256"),
            None
        );
        assert_eq!(source_of("feeds/all.atom"), Some(Source::Feed));
        assert_eq!(source_of("feeds/releases.atom"), Some(Source::ReleaseFeed));
        assert_eq!(source_of("cve/CVE-2026-1.json"), Some(Source::Cve));
        assert_eq!(source_of("feeds/series/1.1.atom"), None);
        let index = Published::from_files([("osv/all.json", b"[{\"id\":\"X\"}]".as_slice())]);
        assert!(index.unwrap().is_empty(), "an index is not a record");
    }
}
