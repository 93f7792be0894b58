//! Times the preview on a large site: how long `serve` takes to start, and
//! after a one-file edit, how long until the preview has rebuilt and the
//! edited advisory's page, the archive and the advisory's OSV record show
//! the edit.
//!
//! `cargo run --release --example serve_timing -- DIR [RUNS]`, where DIR is
//! a site (e.g. written by `gen_corpus`); its first advisory file is edited
//! and restored.

#![allow(clippy::disallowed_methods)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use disclose::serve::{ServeOptions, Server};

/// The allocator `disclose` itself runs with, so the times are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(120))).ok();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .expect("request");
    let mut bytes = Vec::new();
    s.read_to_end(&mut bytes).expect("response");
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, text)
}

fn version(addr: SocketAddr, after: Option<u64>) -> u64 {
    let path = match after {
        Some(v) => format!("/__disclose/version?after={v}"),
        None => "/__disclose/version".to_string(),
    };
    let (_, text) = get(addr, &path);
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("");
    let json: serde_json::Value = serde_json::from_str(body).expect("version json");
    json["version"].as_u64().expect("a version")
}

fn first_advisory(root: &Path) -> PathBuf {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("content/advisories"))
        .expect("content/advisories")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    files.sort();
    files.into_iter().next().expect("an advisory")
}

fn main() {
    let mut args = std::env::args().skip(1);
    let root = PathBuf::from(args.next().expect("usage: serve_timing DIR [RUNS]"));
    let runs: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(5);
    let now = "2030-01-01T00:00:00Z".parse().expect("clock");
    let started = Instant::now();
    let server = Server::start(ServeOptions::new(
        &root,
        "127.0.0.1:0".parse().expect("address"),
        now,
    ))
    .expect("serve");
    let addr = server.addr();
    let base = server.url();
    let base = base
        .trim_start_matches(&format!("http://{addr}"))
        .to_string();
    println!("serve ready in {:.2?}", started.elapsed());

    let file = first_advisory(&root);
    let id = file
        .file_stem()
        .and_then(|s| s.to_str())
        .expect("id")
        .to_string();
    let original = std::fs::read_to_string(&file).expect("advisory");
    let page = format!("{base}advisories/{id}/");
    let osv = format!("{base}osv/x_{id}.json");
    let (status, _) = get(addr, &page);
    assert_eq!(status, 200, "{page}");
    let t = Instant::now();
    let (status, _) = get(addr, &osv);
    println!(
        "first machine-readable file after a build: {:.2?} (status {status})",
        t.elapsed()
    );

    let mut rebuilt = Vec::new();
    let mut page_after = Vec::new();
    let mut archive_after = Vec::new();
    let mut osv_after = Vec::new();
    let mut index_after = Vec::new();
    let mut feed_after = Vec::new();
    for run in 0..runs {
        let marker = format!("Edited in run {run} of the preview timing.");
        let before = version(addr, None);
        let edit = Instant::now();
        std::fs::write(&file, format!("{original}\n{marker}\n")).expect("edit");
        let mut v = before;
        while v == before {
            v = version(addr, Some(before));
        }
        rebuilt.push(edit.elapsed());
        let (_, text) = get(addr, &page);
        assert!(text.contains(&marker), "the page shows the edit");
        page_after.push(edit.elapsed());
        let t = Instant::now();
        let (status, _) = get(addr, &base);
        assert_eq!(status, 200);
        archive_after.push(t.elapsed());
        let t = Instant::now();
        let (_, text) = get(addr, &osv);
        assert!(text.contains(&marker), "the OSV record shows the edit");
        osv_after.push(t.elapsed());
        let t = Instant::now();
        let (status, _) = get(addr, &format!("{base}feeds/all.atom"));
        assert_eq!(status, 200);
        feed_after.push(t.elapsed());
        let t = Instant::now();
        let (status, _) = get(addr, &format!("{base}osv-index.json"));
        assert_eq!(status, 200);
        index_after.push(t.elapsed());
    }
    std::fs::write(&file, &original).expect("restore");
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    println!(
        "after a one-file edit (median of {runs}): rebuilt in {:.2?}, the edited page shown in {:.2?}; then the archive in {:.2?}, the OSV record in {:.2?}, the feed of every advisory in {:.2?}, the OSV index (every record) in {:.2?}",
        median(&mut rebuilt),
        median(&mut page_after),
        median(&mut archive_after),
        median(&mut osv_after),
        median(&mut feed_after),
        median(&mut index_after)
    );
    server.stop();
}
