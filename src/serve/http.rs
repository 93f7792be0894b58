//! The preview's HTTP side: answers only for paths of the rendered site
//! (so no request can reach a file on disk), with the content type each
//! format needs, and adds the live-reload script to the HTML it serves —
//! never to what `build` writes.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State as Shared;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use serde::Serialize;

use super::site::Answer;
use super::{Snapshot, State};

/// Where open pages ask whether the site changed.
pub const VERSION_ENDPOINT: &str = "/__disclose/version";

/// How long a page's poll waits for a rebuild before asking again; short
/// enough that no proxy or browser gives up on the request first.
const LONG_POLL: Duration = Duration::from_secs(25);

/// The marker of the banner in an embargoed preview, as the default theme
/// writes it.
const BANNER_CLASS: &str = "preview-banner";
const BANNER_TEXT: &str = "Preview including embargoed advisories — do not publish";

pub(crate) fn router(state: Arc<State>) -> Router {
    Router::new().fallback(handle).with_state(state)
}

async fn handle(
    Shared(state): Shared<Arc<State>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let mut response = if state.loopback && !host.is_some_and(is_loopback_host) {
        plain(
            StatusCode::FORBIDDEN,
            "this preview answers only to localhost addresses\n",
        )
    } else if method != Method::GET && method != Method::HEAD {
        let mut r = plain(StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD\n");
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        r
    } else if uri.path() == VERSION_ENDPOINT {
        version(&state, uri.query()).await
    } else {
        let snapshot = state.current.borrow().clone();
        respond(&state, &snapshot, uri.path()).await
    };
    let headers = response.headers_mut();
    // A preview must always show the latest build.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if state.embargoed {
        headers.insert("x-robots-tag", HeaderValue::from_static("noindex"));
    }
    response
}

/// Whether a `Host` header names this machine. A server on a loopback
/// address refuses other names, so that a web page whose domain is made to
/// resolve to 127.0.0.1 (DNS rebinding) cannot read the preview — which may
/// hold embargoed advisories.
pub(crate) fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[derive(Serialize)]
struct VersionView<'a> {
    version: u64,
    error: Option<&'a str>,
}

/// The current version; with `?after=N`, waits until it is no longer `N`
/// (a long poll, so a page reloads as soon as a rebuild ends).
async fn version(state: &State, query: Option<&str>) -> Response {
    let after = query
        .unwrap_or("")
        .split('&')
        .find_map(|kv| kv.strip_prefix("after="))
        .and_then(|v| v.parse::<u64>().ok());
    let mut rx = state.current.subscribe();
    if let Some(after) = after {
        let changed = rx.wait_for(|s| s.version != after || s.closing);
        let _ = tokio::time::timeout(LONG_POLL, async { changed.await.map(|_| ()) }).await;
    }
    let body = {
        let s = rx.borrow();
        serde_json::to_vec(&VersionView {
            version: s.version,
            error: s.error.as_deref(),
        })
    };
    match body {
        Ok(body) => with_type(StatusCode::OK, "application/json", body),
        Err(e) => plain(StatusCode::INTERNAL_SERVER_ERROR, &format!("{e}\n")),
    }
}

/// The answer to a GET for `raw_path` from this state of the site, as the
/// render thread gives it.
pub(crate) async fn respond(state: &State, snapshot: &Snapshot, raw_path: &str) -> Response {
    let embargoed = state.embargoed;
    let failed = |message: &str| {
        with_type(
            StatusCode::INTERNAL_SERVER_ERROR,
            "text/html; charset=utf-8",
            error_page(message, snapshot.version),
        )
    };
    if snapshot.site.is_none() {
        let message = snapshot
            .error
            .as_deref()
            .unwrap_or("the site is not built yet");
        return failed(message);
    }
    let (reply, answer) = tokio::sync::oneshot::channel();
    let asked = state.requests.send(super::site::Msg::Get {
        raw_path: raw_path.to_string(),
        reply,
    });
    let answer = match (asked, answer.await) {
        (Ok(()), Ok(answer)) => answer,
        _ => return failed("the preview is stopping"),
    };
    match answer {
        Answer::File { path, bytes } => {
            let kind = content_type(&path);
            let body = if kind.starts_with("text/html") {
                decorate(&bytes, snapshot, embargoed)
            } else {
                bytes
            };
            with_type(StatusCode::OK, kind, body)
        }
        Answer::Redirect(location) => {
            let mut r = plain(StatusCode::FOUND, &format!("see {location}\n"));
            if let Ok(v) = HeaderValue::from_str(&location) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            r
        }
        Answer::NotFound(Some(page)) => with_type(
            StatusCode::NOT_FOUND,
            "text/html; charset=utf-8",
            decorate(&page, snapshot, embargoed),
        ),
        Answer::NotFound(None) => plain(StatusCode::NOT_FOUND, "not found\n"),
        Answer::Failed(message) => failed(&message),
    }
}

/// Where a request path leads in the rendered site.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Resolved {
    /// The output at this path.
    File(String),
    /// A directory without its trailing slash (or the server root when the
    /// site lives below it): relative links only work from the slash form.
    Redirect(String),
    NotFound,
}

/// Maps a request path (still percent-encoded) to an output. Only exact
/// output paths match, so `..`, encoded or not, can never leave the site.
pub(crate) fn resolve(exists: impl Fn(&str) -> bool, base_path: &str, raw_path: &str) -> Resolved {
    let found = |p: &str| exists(p).then(|| p.to_string());
    let base_dir = base_path.trim_end_matches('/');
    if raw_path == base_dir || (raw_path == "/" && base_path != "/") {
        return Resolved::Redirect(base_path.to_string());
    }
    let Some(rest_raw) = raw_path.strip_prefix(base_path) else {
        return Resolved::NotFound;
    };
    let Some(rest) = percent_decode(rest_raw) else {
        return Resolved::NotFound;
    };
    let segments: Vec<&str> = rest.split('/').collect();
    let last = segments.len() - 1;
    let unsafe_segment = segments.iter().enumerate().any(|(i, s)| {
        (s.is_empty() && i != last) || *s == "." || *s == ".." || s.contains(['\\', '\0'])
    });
    if unsafe_segment {
        return Resolved::NotFound;
    }
    if rest.is_empty() || rest.ends_with('/') {
        return found(&format!("{rest}index.html")).map_or(Resolved::NotFound, Resolved::File);
    }
    if let Some(path) = found(&rest) {
        return Resolved::File(path);
    }
    if found(&format!("{rest}/index.html")).is_some() {
        return Resolved::Redirect(format!("{raw_path}/"));
    }
    Resolved::NotFound
}

/// Decodes `%XX` escapes; `None` for a broken escape or text that is not
/// UTF-8 once decoded.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The media type of an output, from its extension.
pub(crate) fn content_type(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or(path);
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    match ext.to_ascii_lowercase().as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "atom" => "application/atom+xml; charset=utf-8",
        "xml" => "application/xml; charset=utf-8",
        "json" => "application/json",
        "txt" | "sha256" | "sha512" => "text/plain; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "zip" => "application/zip",
        // Armored public keys live in the CSAF `openpgp/` folder; every
        // other `.asc` is a detached signature.
        "asc" if path.contains("/openpgp/") => "application/pgp-keys",
        "asc" => "application/pgp-signature",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        _ => "application/octet-stream",
    }
}

/// An HTML page as the preview serves it: the live-reload script, the last
/// build error when there is one, and — in an embargoed preview whose theme
/// left them out — the banner and `noindex`.
fn decorate(html: &[u8], snapshot: &Snapshot, embargoed: bool) -> Vec<u8> {
    let mut out = html.to_vec();
    if embargoed {
        if !contains(&out, b"noindex")
            && let Some(at) = after_open_tag(&out, b"<head")
        {
            splice(&mut out, at, b"<meta name=\"robots\" content=\"noindex\">");
        }
        if !contains(&out, BANNER_CLASS.as_bytes())
            && let Some(at) = after_open_tag(&out, b"<body")
        {
            let banner = format!(
                "<p class=\"{BANNER_CLASS}\" style=\"margin:0;padding:.5rem 1rem;text-align:center;background:#a4161a;color:#fff\"><strong>{BANNER_TEXT}</strong></p>"
            );
            splice(&mut out, at, banner.as_bytes());
        }
    }
    let mut tail = String::new();
    if let Some(error) = &snapshot.error {
        tail.push_str(&error_overlay(error));
    }
    tail.push_str(&reload_script(snapshot.version));
    let at = rfind_ignore_case(&out, b"</body").unwrap_or(out.len());
    splice(&mut out, at, tail.as_bytes());
    out
}

/// The script that reloads the page when the site is rebuilt. It waits on
/// the version endpoint and retries quietly while the server is away.
fn reload_script(version: u64) -> String {
    format!(
        "<script data-disclose-live-reload>(function(){{var v={version};\
function poll(){{fetch(\"{VERSION_ENDPOINT}?after=\"+v,{{cache:\"no-store\"}})\
.then(function(r){{return r.json()}})\
.then(function(j){{if(j.version!==v){{location.reload()}}else{{poll()}}}},\
function(){{setTimeout(poll,1000)}})}}poll()}})();</script>"
    )
}

/// The last build error, over the last good site.
fn error_overlay(error: &str) -> String {
    format!(
        "<div data-disclose-error role=\"alert\" style=\"position:fixed;inset:auto 0 0 0;max-height:60vh;overflow:auto;z-index:1000;margin:0;padding:1rem;background:#1b1f24;color:#fff;border-top:4px solid #a4161a\"><p style=\"margin:0 0 .5rem;font-weight:700\">The site did not rebuild; this is the last good version.</p><pre style=\"margin:0;white-space:pre-wrap\">{}</pre></div>",
        crate::render::escape_html(error)
    )
}

/// What every path shows while no build has succeeded yet.
fn error_page(error: &str, version: u64) -> Vec<u8> {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"robots\" content=\"noindex\">\n<title>Build failed · disclose serve</title>\n</head>\n<body>\n<h1>The site does not build</h1>\n<pre style=\"white-space:pre-wrap\">{}</pre>\n<p>This page reloads when the sources change.</p>\n{}\n</body>\n</html>\n",
        crate::render::escape_html(error),
        reload_script(version)
    )
    .into_bytes()
}

fn with_type(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

fn plain(status: StatusCode, text: &str) -> Response {
    with_type(
        status,
        "text/plain; charset=utf-8",
        text.as_bytes().to_vec(),
    )
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The byte offset just after the opening tag `<name ...>`, if present.
fn after_open_tag(html: &[u8], name: &[u8]) -> Option<usize> {
    let start = html
        .windows(name.len())
        .position(|w| w.eq_ignore_ascii_case(name))?;
    let close = html[start..].iter().position(|&b| b == b'>')?;
    Some(start + close + 1)
}

fn rfind_ignore_case(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .rposition(|w| w.eq_ignore_ascii_case(needle))
}

fn splice(buf: &mut Vec<u8>, at: usize, insert: &[u8]) {
    buf.splice(at..at, insert.iter().copied());
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn files() -> impl Fn(&str) -> bool {
        let f = table();
        move |p| f.contains_key(p)
    }

    fn table() -> BTreeMap<String, ()> {
        [
            "index.html",
            "advisories/A-1/index.html",
            "feeds/all.atom",
            ".well-known/security.txt",
            "404.html",
        ]
        .into_iter()
        .map(|p| (p.to_string(), ()))
        .collect()
    }

    #[test]
    fn directories_serve_their_index_and_redirect_without_a_slash() {
        let f = files();
        assert_eq!(resolve(&f, "/", "/"), Resolved::File("index.html".into()));
        assert_eq!(
            resolve(&f, "/", "/advisories/A-1/"),
            Resolved::File("advisories/A-1/index.html".into())
        );
        assert_eq!(
            resolve(&f, "/", "/advisories/A-1"),
            Resolved::Redirect("/advisories/A-1/".into())
        );
        assert_eq!(
            resolve(&f, "/", "/feeds/all.atom"),
            Resolved::File("feeds/all.atom".into())
        );
        assert_eq!(resolve(&f, "/", "/advisories/"), Resolved::NotFound);
    }

    #[test]
    fn the_site_lives_under_the_base_path() {
        let f = files();
        assert_eq!(
            resolve(&f, "/sec/", "/"),
            Resolved::Redirect("/sec/".into())
        );
        assert_eq!(
            resolve(&f, "/sec/", "/sec"),
            Resolved::Redirect("/sec/".into())
        );
        assert_eq!(
            resolve(&f, "/sec/", "/sec/"),
            Resolved::File("index.html".into())
        );
        assert_eq!(resolve(&f, "/sec/", "/index.html"), Resolved::NotFound);
        assert_eq!(
            resolve(&f, "/sec/", "/sec/%2Ewell-known/security.txt"),
            Resolved::File(".well-known/security.txt".into())
        );
    }

    #[test]
    fn traversal_and_broken_escapes_are_not_found() {
        let f = files();
        for path in [
            "/../index.html",
            "/advisories/../index.html",
            "/advisories/%2e%2e/index.html",
            "/%2e%2e%2f%2e%2e%2fetc/passwd",
            "/advisories//A-1/",
            "/./index.html",
            "/%zz",
            "/%ff",
            "/advisories\\A-1\\index.html",
            "/index.html%00",
        ] {
            assert_eq!(resolve(&f, "/", path), Resolved::NotFound, "{path}");
        }
    }

    #[test]
    fn only_local_host_names_are_answered() {
        for host in [
            "localhost",
            "localhost:1111",
            "127.0.0.1:1111",
            "127.0.0.2",
            "[::1]:1111",
            "LOCALHOST",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "evil.example",
            "evil.example:1111",
            "192.0.2.1:1111",
            "localhost.evil.example",
            "[2001:db8::1]:80",
            "",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }

    #[test]
    fn content_types_follow_the_format() {
        assert_eq!(content_type("a/index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("static/style.css"), "text/css; charset=utf-8");
        assert_eq!(
            content_type("feeds/all.atom"),
            "application/atom+xml; charset=utf-8"
        );
        assert_eq!(
            content_type("sitemap.xml"),
            "application/xml; charset=utf-8"
        );
        assert_eq!(content_type("osv/A-1.json"), "application/json");
        assert_eq!(
            content_type(".well-known/security.txt"),
            "text/plain; charset=utf-8"
        );
        assert_eq!(content_type("osv/all.zip"), "application/zip");
        assert_eq!(content_type("x/a.json.asc"), "application/pgp-signature");
        assert_eq!(
            content_type(".well-known/csaf/openpgp/ABC.asc"),
            "application/pgp-keys"
        );
        assert_eq!(content_type(".well-known"), "application/octet-stream");
    }

    #[test]
    fn served_html_gets_the_script_before_the_end_of_body() {
        let snapshot = Snapshot {
            version: 7,
            ..Snapshot::default()
        };
        let html = b"<html><head></head><body><p>x</p></body></html>";
        let out = String::from_utf8(decorate(html, &snapshot, false)).unwrap();
        let script = out.find("data-disclose-live-reload").unwrap();
        assert!(script < out.find("</body>").unwrap());
        assert!(out.contains("var v=7;"));
        assert!(!out.contains(BANNER_CLASS));
    }

    #[test]
    fn an_embargoed_preview_adds_what_a_custom_theme_left_out() {
        let snapshot = Snapshot::default();
        let html = b"<html><head><title>t</title></head><body class=\"x\"><p>x</p></body></html>";
        let out = String::from_utf8(decorate(html, &snapshot, true)).unwrap();
        assert!(out.starts_with("<html><head><meta name=\"robots\" content=\"noindex\"><title>"));
        assert!(out.contains("<body class=\"x\"><p class=\"preview-banner\""));
        assert!(out.contains(BANNER_TEXT));
    }

    #[test]
    fn a_failed_rebuild_shows_its_error_escaped() {
        let snapshot = Snapshot {
            version: 2,
            error: Some("error: <bad> & worse".into()),
            ..Snapshot::default()
        };
        let out = String::from_utf8(decorate(b"<body></body>", &snapshot, false)).unwrap();
        assert!(out.contains("error: &lt;bad&gt; &amp; worse"));
        assert!(out.contains("data-disclose-error"));
    }
}
