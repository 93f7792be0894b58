//! The fuzz targets: each takes the fuzzer's bytes and panics when a
//! property fails. They are plain functions, so `tests/fuzz_corpus.rs` in
//! the main crate replays every corpus and regression input through them
//! on each `cargo test`, without AFL.
//!
//! The import parsers (`import_osv`, `import_csaf`, `import_cve`) take a
//! record as the fixture site would import it: never a panic, and a refusal
//! always says where in the record.

#![allow(clippy::disallowed_methods)] // check_site writes a scratch site

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use disclose::diagnostic::{Diagnostics, SourceName};
use disclose::load::{SiteSources, SourceFile};
use disclose::model::{Cvss, Version, VersionScheme};

/// A target: its name (the corpus folder under `fuzz/corpus/`) and function.
pub type Target = (&'static str, fn(&[u8]));

/// Every target, in the order CI runs them.
pub const TARGETS: &[Target] = &[
    ("frontmatter", frontmatter),
    ("advisory", advisory),
    ("releases", releases),
    ("site_toml", site_toml),
    ("version", version),
    ("cvss", cvss),
    ("markdown_html", markdown_html),
    ("markdown_finder", markdown_finder),
    ("leak_scan", leak_scan),
    ("check_site", check_site),
    ("import_osv", import_osv),
    ("import_csaf", import_csaf),
    ("import_cve", import_cve),
];

/// The target called `name`.
pub fn target(name: &str) -> Option<fn(&[u8])> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

const NOW: &str = "2026-12-10T00:00:00Z";

fn now() -> jiff::Timestamp {
    NOW.parse().expect("a valid clock")
}

const SITE_TOML: &str = include_str!("../../tests/fixtures/site/site.toml");
const RELEASES: &str = include_str!("../../tests/fixtures/site/content/releases.yaml");
const ADVISORIES: &[(&str, &str)] = &[
    (
        "content/advisories/QUILL-2025-0001.md",
        include_str!("../../tests/fixtures/site/content/advisories/QUILL-2025-0001.md"),
    ),
    (
        "content/advisories/QUILL-2026-0001.yaml",
        include_str!("../../tests/fixtures/site/content/advisories/QUILL-2026-0001.yaml"),
    ),
    (
        "content/advisories/QUILL-2026-0002.md",
        include_str!("../../tests/fixtures/site/content/advisories/QUILL-2026-0002.md"),
    ),
];
const POLICY: &str = include_str!("../../tests/fixtures/site/content/pages/policy.md");

fn source(name: &str, text: &str) -> SourceFile {
    SourceFile {
        name: SourceName(name.to_string()),
        text: text.to_string(),
    }
}

/// The fixture site in memory.
fn fixture_sources() -> SiteSources {
    SiteSources {
        root: PathBuf::from("fuzz-site"),
        config: Some(source("site.toml", SITE_TOML)),
        releases: Some(source("content/releases.yaml", RELEASES)),
        advisories: ADVISORIES.iter().map(|(n, t)| source(n, t)).collect(),
        pages: vec![source("content/pages/policy.md", POLICY)],
        theme_files: Vec::new(),
    }
}

/// Validates `sources`; a site that validates is split at the clock, so
/// the embargo filter runs on everything the validator accepts.
fn validate(sources: &SiteSources) {
    let mut diags = Diagnostics::new();
    if let Some(site) = disclose::validate::validate_site(sources, now(), &mut diags) {
        let embargoed = disclose::embargo::apply(site, now());
        for w in &embargoed.withheld {
            assert!(
                !w.tokens.is_empty(),
                "a withheld advisory has no leak tokens"
            );
        }
    }
    for d in diags.sorted() {
        assert!(
            d.line >= 1 && d.column >= 1,
            "diagnostic without a position: {d:?}"
        );
        assert!(d.code.starts_with("disclose::"), "{d:?}");
    }
}

fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// Front matter splitting: the YAML and the body are the file's own text,
/// in order, with the body's line number right.
pub fn frontmatter(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let mut diags = Diagnostics::new();
    let name = SourceName("a.md".into());
    if let Some(split) = disclose::load::frontmatter::split_front_matter(text, &name, &mut diags) {
        let yaml = split.yaml.text;
        let at = yaml.as_ptr() as usize - text.as_ptr() as usize;
        assert!(at + yaml.len() <= text.len());
        assert!(
            text.ends_with(&split.body.value),
            "the body is the file's tail"
        );
        let body_at = text.len() - split.body.value.len();
        assert!(body_at >= at + yaml.len(), "the body starts after the YAML");
        let line = text[..body_at].matches('\n').count() + 1;
        assert_eq!(split.body.pos.line as usize, line, "body line");
    } else {
        assert!(!diags.sorted().is_empty(), "refused without a diagnostic");
    }
}

/// An advisory file (front matter + Markdown when the first byte is even,
/// pure YAML when odd) checked with the fixture site.
pub fn advisory(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let Some(text) = text(rest) else { return };
    let mut sources = fixture_sources();
    let ext = if first % 2 == 0 { "md" } else { "yaml" };
    sources.advisories.push(source(
        &format!("content/advisories/QUILL-2026-0009.{ext}"),
        text,
    ));
    validate(&sources);
}

/// `content/releases.yaml` checked with the fixture's advisories.
pub fn releases(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let mut sources = fixture_sources();
    sources.releases = Some(source("content/releases.yaml", text));
    validate(&sources);
}

/// `site.toml` checked with the fixture's content.
pub fn site_toml(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let mut sources = fixture_sources();
    sources.config = Some(source("site.toml", text));
    validate(&sources);
}

/// Up to three lines parsed as versions in both schemes: what parses keeps
/// its text, and the order is total (reflexive, antisymmetric, transitive).
pub fn version(data: &[u8]) {
    let Some(text) = text(data) else { return };
    for scheme in [VersionScheme::Pep440, VersionScheme::Semver] {
        let vs: Vec<Version> = text
            .lines()
            .take(3)
            .filter_map(|l| Version::parse(l, scheme).ok())
            .collect();
        for a in &vs {
            assert_eq!(a.cmp(a), std::cmp::Ordering::Equal);
            let again = Version::parse(a.as_str(), scheme).expect("a version reparses");
            assert_eq!(a.cmp(&again), std::cmp::Ordering::Equal);
            for b in &vs {
                assert_eq!(a.cmp(b), b.cmp(a).reverse(), "{a:?} vs {b:?}");
                for c in &vs {
                    if a <= b && b <= c {
                        assert!(a <= c, "{a:?} <= {b:?} <= {c:?}");
                    }
                }
            }
        }
    }
}

/// A CVSS vector: a valid one scores within 0–10 with one decimal and the
/// rating the score implies.
pub fn cvss(data: &[u8]) {
    let Some(text) = text(data) else { return };
    if let Ok(c) = Cvss::parse(text) {
        assert!((0.0..=10.0).contains(&c.score), "{c:?}");
        assert!(
            ((c.score * 10.0).round() - c.score * 10.0).abs() < 1e-9,
            "{c:?}"
        );
        let expected = match c.score {
            s if s <= 0.0 => "none",
            s if s < 4.0 => "low",
            s if s < 7.0 => "medium",
            s if s < 9.0 => "high",
            _ => "critical",
        };
        assert_eq!(c.rating, expected, "{c:?}");
    }
}

/// Markdown → sanitized HTML: a browser builds no script, frame, event
/// handler or script URL from the output, for any input.
pub fn markdown_html(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let html = disclose::markdown::to_html(text);
    let active = super::oracle::active(&html);
    assert!(active.is_empty(), "sanitized HTML has {active:?}:\n{html}");
    let found = disclose::markup::find_active(&html, false);
    assert!(
        found.is_empty(),
        "the finder sees {found:?} in sanitized HTML:\n{html}"
    );
}

/// The same Markdown options `disclose::markdown` renders with.
fn md_options() -> pulldown_cmark::Options {
    use pulldown_cmark::Options;
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// Differential: whatever active content a browser builds from the
/// Markdown's HTML before sanitizing, `check`'s finder reports.
pub fn markdown_finder(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let mut html = String::new();
    pulldown_cmark::html::push_html(
        &mut html,
        pulldown_cmark::Parser::new_ext(text, md_options()),
    );
    let browser = super::oracle::active(&html);
    if browser.is_empty() {
        return;
    }
    let found: Vec<String> = disclose::markdown::find_unsafe(text)
        .into_iter()
        .map(|f| {
            assert!(f.offset <= text.len() && text.is_char_boundary(f.offset));
            f.what
        })
        .collect();
    for what in &browser {
        assert!(
            found.contains(what),
            "a browser builds {what}, check reports {found:?}\nMarkdown: {text:?}\nHTML: {html:?}"
        );
    }
}

/// Differential: when the text a browser builds from a page contains a
/// withheld token, the leak scan fails the build. The first line is the
/// token (3–60 characters, not all space), the rest the page.
pub fn leak_scan(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let Some((token, page)) = text.split_once('\n') else {
        return;
    };
    let token = token.trim();
    if !(3..=60).contains(&token.len()) || token.contains(['\r', '\0']) {
        return;
    }
    let fold = |s: &str| {
        String::from_utf8_lossy(&disclose::embargo::fold_whitespace(s.as_bytes()))
            .to_ascii_lowercase()
    };
    let seen = fold(&super::oracle::parse(page).text);
    let outputs = vec![disclose::render::Output::new("x/index.html", page)];
    let scan = disclose::output::scan_for_leaks(&outputs, &[token.to_string()]);
    if seen.contains(&fold(token)) {
        assert!(
            scan.is_err(),
            "a reader sees {token:?} in {page:?} (text {seen:?}); the scan does not"
        );
    }
}

static SCRATCH: AtomicU64 = AtomicU64::new(0);

/// A scratch directory removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Which paths an input may write: the inputs of a site, nothing else.
fn allowed(path: &str) -> bool {
    let ok_name = |n: &str| {
        !n.is_empty()
            && n.len() <= 40
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            && !n.starts_with('.')
    };
    match path.rsplit_once('/') {
        None => path == "site.toml",
        Some(("content", "releases.yaml")) => true,
        Some(("content/advisories" | "content/pages", name)) => ok_name(name),
        _ => false,
    }
}

/// The whole `check` and an in-memory build over a site directory: the
/// fixture site with the files the input gives (`=== path` starts a file;
/// a first line `NOW <time>` sets the clock). Whatever the input, check
/// returns, a site without errors builds or fails cleanly, and two builds
/// give the same bytes.
pub fn check_site(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let dir = std::env::temp_dir().join(format!(
        "disclose-fuzz-{}-{}",
        std::process::id(),
        SCRATCH.fetch_add(1, Ordering::Relaxed)
    ));
    let scratch = Scratch(dir);
    let root = scratch.0.as_path();
    write_fixture(root);
    let mut now = now();
    let mut current: Option<(String, String)> = None;
    let mut files = Vec::new();
    for line in text.split_inclusive('\n') {
        if let Some(path) = line.strip_prefix("=== ") {
            files.extend(current.take());
            current = Some((path.trim().to_string(), String::new()));
        } else if let Some((_, body)) = &mut current {
            body.push_str(line);
        } else if let Some(t) = line.strip_prefix("NOW ")
            && let Ok(t) = t.trim().parse()
        {
            now = t;
        }
    }
    files.extend(current);
    for (path, body) in files {
        if allowed(&path) {
            let target = root.join(&path);
            if let Some(parent) = target.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            let _ = std::fs::write(target, body);
        }
    }
    let opts = disclose::Options::new(root, now);
    let report = disclose::check(&opts).expect("the scratch site loads");
    if report.has_errors() {
        return;
    }
    let first = disclose::render_site(&opts);
    let second = disclose::render_site(&opts);
    match (first, second) {
        (Ok((a, ..)), Ok((b, ..))) => {
            assert_eq!(a.len(), b.len());
            for (x, y) in a.iter().zip(&b) {
                assert!(x.path == y.path && x.bytes == y.bytes, "{} differs", x.path);
            }
        }
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        (a, b) => panic!("two builds disagree: {:?} / {:?}", a.is_ok(), b.is_ok()),
    }
}

fn write_fixture(root: &Path) {
    let mut all = vec![
        ("site.toml", SITE_TOML),
        ("content/releases.yaml", RELEASES),
        ("content/pages/policy.md", POLICY),
    ];
    all.extend_from_slice(ADVISORIES);
    for (path, text) in all {
        let target = root.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).expect("scratch directory");
        }
        std::fs::write(target, text).expect("scratch file");
    }
}

/// The fixture site's settings, which the import parsers read records for.
fn fixture_config() -> disclose::config::SiteConfig {
    let mut diags = Diagnostics::new();
    disclose::config::parse_config(&source("site.toml", SITE_TOML), &mut diags)
        .expect("the fixture's site.toml parses")
}

/// A record read by an import parser: it converts, or it is refused with a
/// diagnostic that names the record and a position in it.
fn import_with<T>(
    data: &[u8],
    parse: impl Fn(
        &[u8],
        &str,
        disclose::import::record::Target<'_>,
    ) -> Result<T, disclose::diagnostic::Diagnostic>,
) {
    let config = fixture_config();
    let target = disclose::import::record::Target { config: &config };
    if let Err(d) = parse(data, "fuzz.json", target) {
        assert_eq!(d.file, "fuzz.json", "{d:?}");
        assert!(d.line >= 1 && d.column >= 1, "{d:?}");
        assert!(d.code.starts_with("disclose::"), "{d:?}");
    }
}

/// An OSV record (JSON or YAML) as `disclose import osv` reads it.
pub fn import_osv(data: &[u8]) {
    import_with(data, disclose::import::osv::parse_osv);
}

/// A CSAF 2.0 document as `disclose import csaf` reads it.
pub fn import_csaf(data: &[u8]) {
    import_with(data, disclose::import::csaf::parse_csaf);
}

/// A CVE JSON 5 record as `disclose import cve` reads it.
pub fn import_cve(data: &[u8]) {
    import_with(data, disclose::import::cve::parse_cve);
}
