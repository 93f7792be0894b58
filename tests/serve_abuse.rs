//! `disclose serve` under load and abuse, on loopback only and with every
//! loop bounded: many concurrent clients, slow clients, path traversal in
//! every encoding, oversized request lines and headers, and requests while
//! the site rebuilds (well and badly). It keeps answering, serves the last
//! good site, and never a byte of a file outside the rendered site.

#![allow(clippy::disallowed_methods)]

use crate::support;
use support::*;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

use disclose::serve::{ServeOptions, Server};

const NOW: &str = "2026-12-10T00:00:00Z";
const SECRET: &str = "SECRET-BESIDE-THE-SITE-91c2";

fn start(root: &Path, watch: bool) -> Server {
    let mut opts = ServeOptions::new(root, "127.0.0.1:0".parse().unwrap(), NOW.parse().unwrap());
    opts.watch = watch;
    opts.debounce = Duration::from_millis(30);
    Server::start(opts).unwrap()
}

/// Sends `raw` as the whole request and reads the reply: the status (0
/// when the server closed without one) and the body.
fn exchange(addr: SocketAddr, raw: &[u8]) -> (u16, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    if s.write_all(raw).is_err() {
        return (0, Vec::new());
    }
    let mut reply = Vec::new();
    let _ = s.read_to_end(&mut reply);
    let Some(split) = reply.windows(4).position(|w| w == b"\r\n\r\n") else {
        return (0, reply);
    };
    let head = String::from_utf8_lossy(&reply[..split]);
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, reply[split + 4..].to_vec())
}

fn get(addr: SocketAddr, path: &str) -> (u16, Vec<u8>) {
    exchange(
        addr,
        format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").as_bytes(),
    )
}

/// A site with secrets beside it and inside its sources.
fn site() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    copy_dir(&fixture(), &root);
    std::fs::write(tmp.path().join("secret.txt"), SECRET).unwrap();
    std::fs::write(root.join("secret.txt"), SECRET).unwrap();
    std::fs::write(root.join("content/secret.txt"), SECRET).unwrap();
    (tmp, root)
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn many_concurrent_clients_all_get_the_whole_page() {
    let (_tmp, root) = site();
    let server = start(&root, false);
    let addr = server.addr();
    let (_, index) = get(addr, "/security/");
    assert!(contains(&index, "</html>"));
    let threads: Vec<_> = (0..32)
        .map(|_| {
            std::thread::spawn(move || {
                let mut ok = 0;
                for path in [
                    "/security/",
                    "/security/feeds/all.atom",
                    "/security/osv-index.json",
                ]
                .iter()
                .cycle()
                .take(15)
                {
                    let (status, body) = get(addr, path);
                    assert_eq!(status, 200, "{path}");
                    assert!(!body.is_empty());
                    ok += 1;
                }
                ok
            })
        })
        .collect();
    let total: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(total, 32 * 15);
}

#[test]
fn slow_clients_do_not_hold_up_the_others() {
    let (_tmp, root) = site();
    let server = start(&root, false);
    let addr = server.addr();
    // Sixty-four connections that send half a request line and stall.
    let slow: Vec<TcpStream> = (0..64)
        .map(|_| {
            let mut s = TcpStream::connect(addr).unwrap();
            s.write_all(b"GET /security/ HT").unwrap();
            s
        })
        .collect();
    let start = Instant::now();
    for _ in 0..10 {
        assert_eq!(get(addr, "/security/").0, 200);
    }
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "ten requests beside 64 stalled clients took {:?}",
        start.elapsed()
    );
    // A client that trickles its request a byte at a time is answered too.
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    for b in b"GET /security/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n" {
        s.write_all(&[*b]).unwrap();
        std::thread::sleep(Duration::from_millis(5));
    }
    let mut reply = Vec::new();
    s.read_to_end(&mut reply).unwrap();
    assert!(reply.starts_with(b"HTTP/1.1 200"));
    drop(slow);
}

#[test]
fn traversal_in_every_encoding_never_leaves_the_site() {
    let (_tmp, root) = site();
    let server = start(&root, false);
    let addr = server.addr();
    let sources: Vec<Vec<u8>> = [
        "site.toml",
        "content/releases.yaml",
        "content/advisories/QUILL-2026-0002.md",
    ]
    .iter()
    .map(|p| std::fs::read(root.join(p)).unwrap())
    .collect();
    let mut tried = 0;
    for prefix in ["/", "/security/", "/security/advisories/"] {
        for dots in [
            "..",
            "%2e%2e",
            "%2E%2E",
            ".%2e",
            "%2e.",
            "%252e%252e",
            "%c0%ae%c0%ae",
            "%e0%80%ae%e0%80%ae",
            "%uff0e%uff0e",
            "\u{ff0e}\u{ff0e}",
            "..;",
            "...",
            "....",
        ] {
            for sep in ["/", "%2f", "%2F", "%252f", "\\", "%5c", "%c0%af", "%00/"] {
                for target in [
                    "secret.txt",
                    "site.toml",
                    "content/secret.txt",
                    "etc/passwd",
                ] {
                    let path = format!("{prefix}{dots}{sep}{dots}{sep}{target}");
                    let (status, body) = get(addr, &path);
                    tried += 1;
                    assert!(
                        !contains(&body, SECRET),
                        "{path}: {status} served the secret"
                    );
                    assert!(
                        !sources.contains(&body),
                        "{path}: {status} served a source file"
                    );
                }
            }
        }
    }
    for path in [
        "//etc/passwd",
        "/security//secret.txt",
        "/security/secret.txt",
        "/security/site.toml",
        "/security/content/secret.txt",
        "/security/content/advisories/QUILL-2026-0002.md",
        "http://localhost/security/../secret.txt",
        "/security/%2e%2e/secret.txt?x=../../secret.txt",
        "/security/advisories/QUILL-2025-0001/..%2f..%2f..%2fsecret.txt",
    ] {
        let (status, body) = get(addr, path);
        tried += 1;
        assert!(!contains(&body, SECRET), "{path}: {status}");
        assert!(!sources.contains(&body), "{path}: {status}");
    }
    eprintln!("{tried} traversal requests, none left the site");
    // And the server still serves.
    assert_eq!(get(addr, "/security/").0, 200);
}

#[test]
fn oversized_request_lines_and_headers_are_refused_and_serving_goes_on() {
    let (_tmp, root) = site();
    let server = start(&root, false);
    let addr = server.addr();
    let long_url = format!("/security/{}", "a".repeat(1 << 20));
    let long_header = format!("X-Big: {}\r\n", "b".repeat(1 << 20));
    let many_headers: String = (0..10_000).map(|i| format!("X-H{i}: v\r\n")).collect();
    for (what, request) in [
        (
            "a 1 MiB URL",
            format!("GET {long_url} HTTP/1.1\r\nHost: localhost\r\n\r\n"),
        ),
        (
            "a 1 MiB header",
            format!("GET /security/ HTTP/1.1\r\nHost: localhost\r\n{long_header}\r\n"),
        ),
        (
            "10,000 headers",
            format!("GET /security/ HTTP/1.1\r\nHost: localhost\r\n{many_headers}\r\n"),
        ),
        ("garbage", "\u{0}\u{1}\u{2} not http\r\n\r\n".to_string()),
    ] {
        let (status, _) = exchange(addr, request.as_bytes());
        assert!(
            status == 0 || (400..500).contains(&status),
            "{what}: answered {status}"
        );
        assert_eq!(get(addr, "/security/").0, 200, "after {what}");
    }
}

#[test]
fn requests_during_rebuilds_get_a_whole_site_and_the_last_good_one_stays() {
    let (_tmp, root) = site();
    let server = start(&root, true);
    let addr = server.addr();
    let config = root.join("site.toml");
    let original = std::fs::read_to_string(&config).unwrap();
    let first_line = original.lines().next().unwrap().to_string();
    assert!(first_line.starts_with("title = "), "{first_line}");
    let client = std::thread::spawn(move || {
        let mut seen = std::collections::BTreeSet::new();
        let until = Instant::now() + Duration::from_secs(8);
        while Instant::now() < until {
            let (status, body) = get(addr, "/security/");
            assert_eq!(status, 200, "a request during a rebuild failed");
            let text = String::from_utf8_lossy(&body);
            assert!(text.contains("</html>"), "a partial page");
            let title = ["Rebuilt 0", "Rebuilt 1", "Rebuilt 2", "Rebuilt 3", "Quill"]
                .into_iter()
                .find(|t| text.contains(t))
                .expect("a page of one known version");
            seen.insert(title);
        }
        seen
    });
    for i in 0..4 {
        let before = server.version();
        std::fs::write(
            &config,
            original.replacen(&first_line, &format!("title = \"Rebuilt {i}\""), 1),
        )
        .unwrap();
        wait_for_version(&server, before);
        // A broken site.toml between good ones: the last good site stays.
        let before = server.version();
        std::fs::write(&config, "title = [unclosed").unwrap();
        wait_for_version(&server, before);
        let (status, body) = get(addr, "/security/");
        assert_eq!(status, 200);
        assert!(contains(&body, &format!("Rebuilt {i}")));
    }
    let seen = client.join().unwrap();
    assert!(seen.len() >= 2, "the client saw only {seen:?}");
}

fn wait_for_version(server: &Server, before: u64) {
    let until = Instant::now() + Duration::from_secs(20);
    while server.version() == before {
        assert!(Instant::now() < until, "no rebuild within 20 s");
        std::thread::sleep(Duration::from_millis(20));
    }
}
