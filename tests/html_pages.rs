//! The human site for the fixture site, rendered in memory: snapshots of the
//! pages a reviewer should see byte for byte, and the properties every page
//! must have.

#![allow(clippy::disallowed_methods)]

use crate::support;
use support::*;

use disclose::render::Output;

const NOW: &str = "2026-12-10T00:00:00Z";

#[test]
fn pages_snapshot() {
    let outputs = render_at(fixture(), NOW);
    for path in [
        "index.html",
        "advisories/QUILL-2025-0001/index.html",
        "versions/index.html",
        "versions/1.1/index.html",
        "versions/1.0/1.0.1/index.html",
        "thanks/index.html",
        "announcements/index.html",
        "sitemap.xml",
    ] {
        insta::assert_snapshot!(path.replace('/', "_"), text(&outputs, path));
    }
}

#[test]
fn every_page_is_complete_and_links_stay_relative() {
    let outputs = render_at(fixture(), NOW);
    let html: Vec<&Output> = outputs
        .iter()
        .filter(|o| o.path.ends_with(".html"))
        .collect();
    assert!(html.len() >= 15, "{} pages", html.len());
    for o in html {
        let text = std::str::from_utf8(&o.bytes).unwrap();
        assert!(
            text.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"),
            "{}",
            o.path
        );
        assert!(text.contains("<main id=\"main\""), "{}", o.path);
        assert!(text.contains("<link rel=\"stylesheet\""), "{}", o.path);
        // Only the 404 page, served at any depth, may link to the site by absolute URL.
        if o.path != "404.html" {
            assert!(
                !text.contains("<a href=\"https://quill.example/"),
                "{}",
                o.path
            );
        }
        assert!(!text.contains("href=\"/"), "{}: root-relative link", o.path);
    }
}

#[test]
fn pre_notification_shows_only_date_and_severity() {
    let outputs = render_at(fixture(), NOW);
    let index = text(&outputs, "index.html");
    assert!(index.contains("Security release announced"));
    assert!(index.contains("15 December 2026, 12:00 UTC"));
    assert!(index.contains("sev-critical"));
    let announcements = text(&outputs, "announcements/index.html");
    assert!(announcements.contains("15 December 2026, 12:00 UTC"));
    // Before `announce`, nothing at all.
    let early = render_at(fixture(), "2026-12-01T00:00:00Z");
    assert!(!text(&early, "index.html").contains("Security release announced"));
    assert!(text(&early, "announcements/index.html").contains("No security release is announced"));
}

#[test]
fn titles_and_fields_are_escaped_and_markdown_is_sanitized() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), dir.path());
    let file = dir.path().join("content/advisories/QUILL-2026-0001.yaml");
    let source = std::fs::read_to_string(&file)
        .unwrap()
        .replace(
            "title: Unbounded recursion in nested block quotes",
            "title: 'Crash on <b>bold</b> & \"quoted\" input'",
        )
        .replace(
            "  Deeply nested",
            "  <abbr title=\"x\">Deeply</abbr> nested",
        );
    std::fs::write(&file, source).unwrap();
    let outputs = render_at(dir.path(), NOW);
    let adv = text(&outputs, "advisories/QUILL-2026-0001/index.html");
    assert!(
        adv.contains("Crash on &lt;b&gt;bold&lt;&#x2f;b&gt; &amp; &quot;quoted&quot; input")
            || adv.contains("Crash on &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot; input"),
        "{adv}"
    );
    assert!(!adv.contains("<b>bold</b>"));
    // Harmless raw HTML survives sanitizing.
    assert!(adv.contains("<abbr title=\"x\">Deeply</abbr>"));
}
