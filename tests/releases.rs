//! Security releases on the site: the model (advisories published together,
//! the versions issued, the advice per series), the release pages, the index
//! and the feed, the links from advisories and pre-notifications, and the
//! embargo: a coming release has no page, entry or feed item anywhere.

#![allow(clippy::disallowed_methods)]

use crate::support;
use support::*;

use disclose::Options;
use disclose::release::{self, Advice};
use disclose::render::Output;

const FIXTURE_NOW: &str = "2026-12-10T00:00:00Z";
const EXAMPLE_NOW: &str = "2026-11-23T12:00:00Z";
/// The fixture's embargoed advisory lifts then.
const FIXTURE_LIFT: &str = "2026-12-15T12:00:00Z";

fn public_at(root: &std::path::Path, now: &str) -> disclose::embargo::PublicSite {
    let site = checked_site(root, now);
    disclose::embargo::apply(site, now.parse().unwrap()).public
}

fn paths_under<'a>(outputs: &'a [Output], prefix: &str) -> Vec<&'a str> {
    outputs
        .iter()
        .map(|o| o.path.as_str())
        .filter(|p| p.starts_with(prefix))
        .collect()
}

#[test]
fn example_release_page_index_and_feed_snapshot() {
    let outputs = render_at(example(), EXAMPLE_NOW);
    for (name, path) in [
        ("example_release_page", "releases/2026-11-04/index.html"),
        ("example_releases_index", "releases/index.html"),
        ("example_releases_feed", "feeds/releases.atom"),
    ] {
        insta::assert_snapshot!(name, text(&outputs, path));
    }
}

#[test]
fn fixture_release_page_index_and_feed_snapshot() {
    let outputs = render_at(fixture(), FIXTURE_NOW);
    for (name, path) in [
        ("fixture_release_page", "releases/2026-02-03/index.html"),
        ("fixture_releases_index", "releases/index.html"),
        ("fixture_releases_feed", "feeds/releases.atom"),
    ] {
        insta::assert_snapshot!(name, text(&outputs, path));
    }
    // The release that was announced, once it is out.
    let after = render_at(fixture(), FIXTURE_LIFT);
    insta::assert_snapshot!(
        "fixture_announced_release_page",
        text(&after, "releases/2026-12-15/index.html")
    );
    insta::assert_snapshot!(
        "fixture_announcements_after_the_release",
        text(&after, "feeds/announcements.atom")
    );
}

#[test]
fn advisories_published_together_are_one_release() {
    let public = public_at(&example(), EXAMPLE_NOW);
    let releases = release::releases(&public);
    assert_eq!(
        releases.len(),
        17,
        "18 published advisories, two on one day"
    );
    let r = &releases[0];
    assert_eq!(r.slug, "2026-11-04");
    let ids: Vec<&str> = r.advisories.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["LARCH-2026-0005", "LARCH-2026-0007"], "high first");
    assert_eq!(
        r.title("Larch"),
        "Larch security releases issued: 6.0.1, 5.2.8 and 5.1.16"
    );
    assert_eq!(r.highest_severity, Some("high"));
    assert_eq!(r.announced, Some("2026-10-28T14:00:00Z".parse().unwrap()));
    assert_eq!(r.cve_ids(), ["CVE-2026-18907", "CVE-2026-18958"]);
    let advice: Vec<String> = public
        .site
        .releases
        .series
        .iter()
        .filter_map(|s| {
            let a = r.advice(s)?;
            Some(match a {
                Advice::Upgrade(v) => format!("{}: upgrade to {v}", s.name),
                Advice::Branch => format!("{}: branch", s.name),
                Advice::NoFix => format!("{}: no fix", s.name),
                Advice::NotAffected => format!("{}: not affected", s.name),
                Advice::Unsupported => format!("{}: unsupported", s.name),
            })
        })
        .collect();
    assert_eq!(
        advice,
        [
            "main: branch",
            "6.0: upgrade to 6.0.1",
            "5.2: upgrade to 5.2.8",
            "5.1: upgrade to 5.1.16",
            "5.0: unsupported",
            "4.2: unsupported",
            "4.1: unsupported",
            "3.2: unsupported",
        ]
    );
    let credits: Vec<(String, usize)> = r
        .credits()
        .iter()
        .map(|c| (c.name.to_string(), c.advisories.len()))
        .collect();
    assert_eq!(
        credits,
        [
            ("Keiko Morimoto".to_string(), 1),
            ("Mariana Costa".to_string(), 2),
            ("Simon Achterberg".to_string(), 2),
            ("Ines Duarte".to_string(), 1),
        ]
    );
    // A release of one advisory that issued no version is named by its date.
    let withdrawn = release::find(&releases, "LARCH-2024-0002").unwrap();
    assert_eq!(
        withdrawn.title("Larch"),
        "Larch security release of 7 May 2024"
    );
    assert_eq!(
        release::find(&releases, "2026-11-04T14:00:00Z").map(|r| &r.slug),
        Some(&r.slug)
    );
    assert_eq!(
        release::find(&releases, "CVE-2026-18958").map(|r| &r.slug),
        Some(&r.slug)
    );
    assert!(
        release::find(&releases, "2027-06-01").is_none(),
        "still coming"
    );
}

#[test]
fn the_release_page_names_its_versions_and_every_issue() {
    let outputs = render_at(example(), EXAMPLE_NOW);
    let page = text(&outputs, "releases/2026-11-04/index.html");
    for expected in [
        "<h1>Larch security releases issued: 6.0.1, 5.2.8 and 5.1.16</h1>",
        "<title>Larch security releases issued: 6.0.1, 5.2.8 and 5.1.16 · Larch security</title>",
        "CVE-2026-18907: Potential SQL injection via column aliases in FilteredRelation",
        "CVE-2026-18958: Denial of service in strip_tags() with deeply nested incomplete tags",
        "href=\"../../versions/6.0/6.0.1/\"",
        "href=\"../../versions/5.1/5.1.16/\"",
        "Upgrade to <a href=\"../../versions/5.2/5.2.8/\">5.2.8</a>",
        "Fixed on the branch",
        "https://github.com/larch-project/larch/commit/c58cf1c5b7d447f9a1765d1ceaab33cd8fd08aa0",
        "https://github.com/larch-project/larch/commit/7b2c4d6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c",
        "Keiko Morimoto",
        "Ines Duarte",
        "href=\"../../osv/x_LARCH-2026-0007.json\"",
        "href=\"../../cve/CVE-2026-18907.json\"",
        "were no longer supported on the release date",
        "28 October 2026",
    ] {
        assert!(page.contains(expected), "{expected}");
    }
}

#[test]
fn every_advisory_page_and_archive_entry_links_its_release() {
    let outputs = render_at(example(), EXAMPLE_NOW);
    let public = public_at(&example(), EXAMPLE_NOW);
    let releases = release::releases(&public);
    let index = text(&outputs, "index.html");
    let entries: Vec<&str> = index.split("<li class=\"advisory").skip(1).collect();
    assert_eq!(entries.len(), public.site.advisories.len());
    for r in &releases {
        for a in &r.advisories {
            let page = text(&outputs, &format!("advisories/{}/index.html", a.id));
            let link = format!("href=\"../../releases/{}/\"", r.slug);
            assert!(page.contains(&link), "{} does not link {link}", a.id);
            let entry = entries
                .iter()
                .find(|e| e.contains(&format!(">{}</a>", a.id)))
                .unwrap_or_else(|| panic!("no archive entry for {}", a.id));
            let link = format!("href=\"releases/{}/\"", r.slug);
            assert!(
                entry.contains(&link),
                "archive entry of {} lacks {link}",
                a.id
            );
        }
        assert!(
            text(&outputs, "releases/index.html")
                .contains(&format!("href=\"../releases/{}/\"", r.slug))
        );
        assert!(text(&outputs, "sitemap.xml").contains(&format!(
            "<loc>https://larch.example/security/releases/{}/</loc>",
            r.slug
        )));
    }
    let page = text(&outputs, "advisories/LARCH-2026-0007/index.html");
    assert!(page.contains("with 1 other advisory"));
}

#[test]
fn a_coming_release_has_no_page_entry_or_feed_item() {
    let before = "2026-12-15T11:59:59Z";
    let outputs = render_at(fixture(), before);
    assert_eq!(
        paths_under(&outputs, "releases/"),
        [
            "releases/2025-09-10/index.html",
            "releases/2026-02-03/index.html",
            "releases/index.html"
        ]
    );
    for o in &outputs {
        let t = String::from_utf8_lossy(&o.bytes);
        assert!(!t.contains("releases/2026-12-15"), "{}", o.path);
        assert!(!t.contains("security-release/20261215"), "{}", o.path);
    }
    let feed = text(&outputs, "feeds/releases.atom");
    assert_eq!(feed.matches("<entry>").count(), 2);
    assert!(!text(&outputs, "releases/index.html").contains("15 December 2026"));

    // At the lift it is everywhere.
    let outputs = render_at(fixture(), FIXTURE_LIFT);
    assert!(paths_under(&outputs, "releases/").contains(&"releases/2026-12-15/index.html"));
    let feed = text(&outputs, "feeds/releases.atom");
    assert!(
        feed.contains("<id>tag:quill.example,2026-12-15:security-release/20261215T120000Z</id>")
    );
    assert!(text(&outputs, "releases/index.html").contains("15 December 2026"));

    // The example's embargoed release, announced, has none either.
    let outputs = render_at(example(), EXAMPLE_NOW);
    assert!(
        !paths_under(&outputs, "releases/2027-06-01")
            .iter()
            .any(|_| true)
    );
    assert!(!text(&outputs, "feeds/releases.atom").contains("20270601"));
}

#[test]
fn a_pre_notification_turns_into_a_link_to_its_release() {
    let outputs = render_at(fixture(), FIXTURE_NOW);
    let page = text(&outputs, "announcements/index.html");
    assert!(page.contains("15 December 2026, 12:00 UTC"));
    assert!(!page.contains("releases/2026-12-15/"));

    let outputs = render_at(fixture(), FIXTURE_LIFT);
    let page = text(&outputs, "announcements/index.html");
    assert!(page.contains("No security release is announced"));
    assert!(
        page.contains(
            "<a href=\"../releases/2026-12-15/\">Quill security release of 15 December 2026</a>"
        ),
        "{page}"
    );
    let release = text(&outputs, "releases/2026-12-15/index.html");
    assert!(release.contains("8 December 2026"), "announced on");
}

#[test]
fn slugs_and_feed_ids_do_not_change_when_releases_are_added() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), dir.path());
    let before = render_at(dir.path(), FIXTURE_NOW);
    let feed_ids = |outputs: &[Output]| -> Vec<String> {
        text(outputs, "feeds/releases.atom")
            .split("<id>")
            .skip(2)
            .map(|s| s[..s.find("</id>").unwrap()].to_string())
            .collect()
    };
    let ids_before = feed_ids(&before);
    // A second release later on the same day, and an advisory joining the
    // first release of that day.
    for (name, published) in [
        ("QUILL-2026-0003", "2026-02-03T20:00:00Z"),
        ("QUILL-2026-0004", "2026-02-03T09:00:00-05:00"),
    ] {
        std::fs::write(
            dir.path().join(format!("content/advisories/{name}.md")),
            format!(
                "---\ntitle: Issue {name}\npublished: {published}\nseverity: low\n\
                 affected:\n  - series: \"1.1\"\n    fixed: \"1.1.2\"\n---\nDetails of {name}.\n"
            ),
        )
        .unwrap();
    }
    let after = render_at(dir.path(), FIXTURE_NOW);
    let first = text(&after, "releases/2026-02-03/index.html");
    assert!(first.contains("QUILL-2026-0001") && first.contains("QUILL-2026-0004"));
    let later = text(&after, "releases/2026-02-03-2000/index.html");
    assert!(later.contains("QUILL-2026-0003") && !later.contains("QUILL-2026-0001"));
    let ids_after = feed_ids(&after);
    for id in &ids_before {
        assert!(ids_after.contains(id), "{id} changed");
    }
    assert!(
        ids_after.contains(
            &"tag:quill.example,2026-02-03:security-release/20260203T200000Z".to_string()
        )
    );
    let opts = Options::new(dir.path(), FIXTURE_NOW.parse().unwrap());
    assert!(disclose::render_site(&opts).is_ok());
}

#[test]
fn advice_covers_unfixed_unaffected_and_unsupported_series() {
    let public = public_at(&fixture(), FIXTURE_LIFT);
    let releases = release::releases(&public);
    let r = release::find(&releases, "QUILL-2026-0002").unwrap();
    assert!(r.versions.is_empty(), "no release fixes it yet");
    assert_eq!(
        r.title("Quill"),
        "Quill security release of 15 December 2026"
    );
    let advice: Vec<(String, String)> = public
        .site
        .releases
        .series
        .iter()
        .filter_map(|s| {
            let a = match r.advice(s)? {
                Advice::Upgrade(v) => format!("upgrade to {v}"),
                Advice::Branch => "branch".into(),
                Advice::NoFix => "no fix".into(),
                Advice::NotAffected => "not affected".into(),
                Advice::Unsupported => "unsupported".into(),
            };
            Some((s.name.clone(), a))
        })
        .collect();
    assert_eq!(
        advice,
        [
            ("main".to_string(), "not affected".to_string()),
            ("1.1".to_string(), "no fix".to_string()),
            ("1.0".to_string(), "unsupported".to_string()),
        ]
    );
    let page = text(
        &render_at(fixture(), FIXTURE_LIFT),
        "releases/2026-12-15/index.html",
    )
    .to_string();
    assert!(page.contains("Affected, no release fixes it yet"));
    assert!(page.contains("was no longer supported on the release date"));
}
