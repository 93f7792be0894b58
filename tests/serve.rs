//! `disclose serve` over real HTTP on an ephemeral port: it serves exactly
//! what `build` would publish (plus the live-reload script in HTML), shows
//! embargoed advisories only when asked and then marks every response, never
//! serves a path outside the rendered site, and rebuilds on a change.

#![allow(clippy::disallowed_methods)]

use crate::support;
use support::*;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

use disclose::Options;
use disclose::serve::{ServeOptions, Server};

const NOW: &str = "2026-12-10T00:00:00Z";
const BASE: &str = "/security/";
const PUBLISHED: &str = "/security/advisories/QUILL-2025-0001/";
const EMBARGOED: &str = "/security/advisories/QUILL-2026-0002/";
const BANNER: &str = "Preview including embargoed advisories — do not publish";
const SCRIPT: &str = "data-disclose-live-reload";

fn start(root: &Path, embargoed: bool, watch: bool) -> Server {
    let mut opts = ServeOptions::new(root, "127.0.0.1:0".parse().unwrap(), NOW.parse().unwrap());
    opts.embargoed = embargoed;
    opts.watch = watch;
    opts.debounce = Duration::from_millis(50);
    Server::start(opts).unwrap()
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap()
    }
}

/// One request over a fresh connection; the path goes out exactly as given,
/// so traversal attempts reach the server unnormalized.
fn request(addr: SocketAddr, method: &str, path: &str) -> Reply {
    request_as(addr, &addr.to_string(), method, path)
}

fn request_as(addr: SocketAddr, host: &str, method: &str, path: &str) -> Reply {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(40)))
        .unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete response head");
    let head = std::str::from_utf8(&raw[..split]).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().split(' ').nth(1).unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    Reply {
        status: status.parse().unwrap(),
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

fn get(addr: SocketAddr, path: &str) -> Reply {
    request(addr, "GET", path)
}

/// A served HTML page with the live-reload script taken out again.
fn without_script(html: &str) -> String {
    let start = html.find("<script data-disclose-live-reload>").unwrap();
    let end = start + html[start..].find("</script>").unwrap() + "</script>".len();
    format!("{}{}", &html[..start], &html[end..])
}

#[test]
fn without_the_flag_it_serves_exactly_what_build_publishes() {
    let (outputs, _, _) =
        disclose::render_site(&Options::new(fixture(), NOW.parse().unwrap())).unwrap();
    let server = start(&fixture(), false, false);
    let addr = server.addr();
    assert_eq!(server.url(), format!("http://{addr}{BASE}"));
    for o in &outputs {
        let r = get(addr, &format!("{BASE}{}", o.path));
        assert_eq!(r.status, 200, "{}", o.path);
        assert_eq!(r.header("x-robots-tag"), None, "{}", o.path);
        if o.path.ends_with(".html") {
            assert!(r.text().contains(SCRIPT), "{}", o.path);
            assert_eq!(
                without_script(r.text()).as_bytes(),
                &o.bytes[..],
                "{}",
                o.path
            );
        } else {
            assert_eq!(r.body, o.bytes, "{}", o.path);
        }
    }

    let page = get(addr, PUBLISHED);
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(!page.text().contains(BANNER));
    assert!(!page.text().contains("noindex"));

    let hidden = get(addr, EMBARGOED);
    assert_eq!(hidden.status, 404);
    assert!(hidden.text().contains("Page not found"));
    assert!(!hidden.text().contains("QUILL-2026-0002"));
    for path in ["osv/x_QUILL-2026-0002.json", "advisories/QUILL-2026-0002/"] {
        assert_eq!(get(addr, &format!("{BASE}{path}")).status, 404, "{path}");
    }
    server.stop();
}

#[test]
fn content_types_redirects_and_methods() {
    let server = start(&fixture(), false, false);
    let addr = server.addr();
    for (path, kind) in [
        ("", "text/html; charset=utf-8"),
        ("static/style.css", "text/css; charset=utf-8"),
        ("feeds/all.atom", "application/atom+xml; charset=utf-8"),
        ("sitemap.xml", "application/xml; charset=utf-8"),
        ("osv/x_QUILL-2025-0001.json", "application/json"),
        (".well-known/security.txt", "text/plain; charset=utf-8"),
        ("osv/all.zip", "application/zip"),
    ] {
        let r = get(addr, &format!("{BASE}{path}"));
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.header("content-type"), Some(kind), "{path}");
        assert_eq!(r.header("cache-control"), Some("no-store"), "{path}");
    }
    for (from, to) in [
        ("/", BASE),
        ("/security", BASE),
        (
            "/security/advisories/QUILL-2025-0001",
            "/security/advisories/QUILL-2025-0001/",
        ),
    ] {
        let r = get(addr, from);
        assert_eq!(r.status, 302, "{from}");
        assert_eq!(r.header("location"), Some(to), "{from}");
    }
    let head = request(addr, "HEAD", PUBLISHED);
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    let post = request(addr, "POST", PUBLISHED);
    assert_eq!(post.status, 405);
    assert_eq!(post.header("allow"), Some("GET, HEAD"));
    server.stop();
}

#[test]
fn no_path_outside_the_rendered_site_is_served() {
    let server = start(&fixture(), false, false);
    let addr = server.addr();
    for path in [
        "/security/../site.toml",
        "/security/%2e%2e/site.toml",
        "/security/%2E%2E%2Fsite.toml",
        "/security/..%2f..%2fetc%2fpasswd",
        "/security/advisories/../../site.toml",
        "/security//etc/passwd",
        "/security/site.toml",
        "/security/content/advisories/QUILL-2025-0001.md",
        "/security/content/advisories/QUILL-2026-0002.md",
        "/site.toml",
        "/security/%00",
        "/security/advisories%5c..%5csite.toml",
    ] {
        let r = get(addr, path);
        assert_eq!(r.status, 404, "{path}");
        assert!(!r.text().contains("base_url"), "{path}");
    }
    server.stop();
}

#[test]
fn the_embargoed_preview_shows_everything_and_marks_every_response() {
    let opts = Options::new(fixture(), NOW.parse().unwrap());
    let preview = disclose::serve::render(&opts, true).unwrap();
    assert_eq!(preview.withheld, 1);
    let server = start(&fixture(), true, false);
    let addr = server.addr();

    let hidden = get(addr, EMBARGOED);
    assert_eq!(hidden.status, 200);
    assert!(hidden.text().contains("QUILL-2026-0002"));
    assert_eq!(
        get(addr, "/security/osv/x_QUILL-2026-0002.json").status,
        200
    );

    for path in preview.files.keys() {
        let r = get(addr, &format!("{BASE}{path}"));
        assert_eq!(r.header("x-robots-tag"), Some("noindex"), "{path}");
        if path.ends_with(".html") {
            let html = r.text();
            assert!(html.contains(BANNER), "{path}");
            assert!(
                html.contains("<meta name=\"robots\" content=\"noindex\">"),
                "{path}"
            );
            assert!(html.contains(SCRIPT), "{path}");
        }
    }
    // A page on another domain that resolves to this machine gets nothing.
    let rebound = request_as(addr, "attacker.example", "GET", EMBARGOED);
    assert_eq!(rebound.status, 403);
    assert!(!rebound.text().contains("QUILL-2026-0002"));
    let local = request_as(
        addr,
        &format!("localhost:{}", addr.port()),
        "GET",
        EMBARGOED,
    );
    assert_eq!(local.status, 200);
    for path in ["/", "/security/nope", "/__disclose/version"] {
        assert_eq!(
            get(addr, path).header("x-robots-tag"),
            Some("noindex"),
            "{path}"
        );
    }
    server.stop();
}

#[test]
fn built_output_never_carries_the_preview_marks() {
    let (outputs, _, _) =
        disclose::render_site(&Options::new(fixture(), NOW.parse().unwrap())).unwrap();
    for o in &outputs {
        let text = String::from_utf8_lossy(&o.bytes);
        for mark in [BANNER, "preview-banner\"", "noindex", SCRIPT, "__disclose"] {
            assert!(!text.contains(mark), "{} has {mark}", o.path);
        }
    }
}

/// The version and error the endpoint reports, waiting while it is `after`.
fn poll_version(addr: SocketAddr, after: u64) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = get(addr, &format!("/__disclose/version?after={after}"));
        assert_eq!(r.status, 200);
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        if v["version"] != after || Instant::now() > deadline {
            return v;
        }
    }
}

#[test]
fn a_source_change_rebuilds_and_a_broken_one_keeps_the_last_good_site() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    copy_dir(&fixture(), &root);
    let server = start(&root, false, true);
    let addr = server.addr();
    let first: serde_json::Value =
        serde_json::from_slice(&get(addr, "/__disclose/version").body).unwrap();
    assert_eq!(first["version"], 1);
    assert!(first["error"].is_null());

    let policy = root.join("content/pages/policy.md");
    let text = std::fs::read_to_string(&policy).unwrap();
    std::fs::write(
        &policy,
        format!("{text}\nA sentence added while serving.\n"),
    )
    .unwrap();
    let second = poll_version(addr, 1);
    assert_eq!(second["version"], 2, "no rebuild after a change");
    assert!(second["error"].is_null());
    assert!(
        get(addr, "/security/policy/")
            .text()
            .contains("A sentence added while serving.")
    );

    std::fs::write(root.join("site.toml"), "title = [broken\n").unwrap();
    let third = poll_version(addr, 2);
    assert_eq!(third["version"], 3, "no rebuild after a change");
    assert!(third["error"].as_str().unwrap().contains("site.toml"));
    let page = get(addr, "/security/policy/");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("A sentence added while serving."));
    assert!(page.text().contains("data-disclose-error"));
    assert_eq!(server.version(), 3);
    server.stop();
}

#[test]
fn a_site_that_never_built_shows_the_error_on_every_path() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    copy_dir(&fixture(), &root);
    std::fs::write(
        root.join("content/advisories/QUILL-2025-0001.md"),
        "---\ntitle: [\n---\n",
    )
    .unwrap();
    let server = start(&root, false, false);
    for path in ["/", PUBLISHED, "/security/feeds/all.atom"] {
        let r = get(server.addr(), path);
        assert_eq!(r.status, 500, "{path}");
        assert!(r.text().contains("QUILL-2025-0001.md"), "{path}");
        assert!(r.text().contains(SCRIPT), "{path}");
    }
    server.stop();
}

/// A preview rebuild parses again only the files that changed; what it
/// checks is what a fresh check of the same sources says.
#[test]
fn a_cached_check_after_an_edit_says_what_a_fresh_check_says() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), dir.path());
    let opts = Options::new(dir.path(), NOW.parse().unwrap());
    let cache = disclose::RebuildCache::default();
    let first = disclose::check_cached(&opts, &cache).unwrap();
    assert!(first.site.is_some());
    let file = dir.path().join("content/advisories/QUILL-2025-0001.md");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("severity: high", "severity: medium")).unwrap();
    let cached = disclose::check_cached(&opts, &cache).unwrap();
    let fresh = disclose::check(&opts).unwrap();
    assert_eq!(cached.diagnostics, fresh.diagnostics);
    assert!(
        cached.has_errors(),
        "the edit is seen: `medium` is off the scale"
    );
    std::fs::write(&file, text).unwrap();
    let back = disclose::check_cached(&opts, &cache).unwrap();
    let site = back.site.unwrap();
    let fresh = disclose::check(&opts).unwrap().site.unwrap();
    assert_eq!(
        format!("{:?}", site.advisories),
        format!("{:?}", fresh.advisories)
    );
}

/// What a rebuild keeps is checked against the releases it was checked
/// with; a changed releases file and a removed and an added advisory are
/// seen as a fresh check sees them.
#[test]
fn a_cached_check_sees_changed_releases_and_added_and_removed_files() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), dir.path());
    let opts = Options::new(dir.path(), NOW.parse().unwrap());
    let cache = disclose::RebuildCache::default();
    let same_as_fresh = |what: &str| {
        let cached = disclose::check_cached(&opts, &cache).unwrap();
        let fresh = disclose::check(&opts).unwrap();
        assert_eq!(cached.diagnostics, fresh.diagnostics, "{what}");
        assert_eq!(
            format!("{:?}", cached.site.map(|s| s.advisories)),
            format!("{:?}", fresh.site.map(|s| s.advisories)),
            "{what}"
        );
        cached.diagnostics.len()
    };
    same_as_fresh("first");

    let releases = dir.path().join("content/releases.yaml");
    let text = std::fs::read_to_string(&releases).unwrap();
    std::fs::write(&releases, text.replace("\"1.1.2\"", "\"1.1.9\"")).unwrap();
    assert!(same_as_fresh("a release renamed") > 0, "a fix names 1.1.2");
    std::fs::write(&releases, &text).unwrap();
    same_as_fresh("the release back");

    let advisories = dir.path().join("content/advisories");
    std::fs::copy(
        advisories.join("QUILL-2026-0001.yaml"),
        advisories.join("QUILL-2026-0009.yaml"),
    )
    .unwrap();
    assert!(same_as_fresh("a copy added") > 0, "the copy clashes");
    std::fs::remove_file(advisories.join("QUILL-2026-0009.yaml")).unwrap();
    std::fs::remove_file(advisories.join("QUILL-2025-0001.md")).unwrap();
    same_as_fresh("two removed");
}
