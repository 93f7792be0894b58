//! The Atom feeds of the fixture site, rendered in memory: snapshots, the
//! set of feeds, entry ids that survive edits, withdrawn and updated
//! marking, and pre-notifications that say nothing but date and severity.

use crate::support;
use support::*;

use disclose::model::Withdrawal;
use disclose::render::atom;

const NOW: &str = "2026-12-10T00:00:00Z";

#[test]
fn feeds_snapshot() {
    let outputs = render_at(fixture(), NOW);
    for path in [
        "feeds/all.atom",
        "feeds/series/1.0.atom",
        "feeds/severity/moderate.atom",
        "feeds/announcements.atom",
    ] {
        insta::assert_snapshot!(path.replace('/', "_"), text(&outputs, path));
    }
}

#[test]
fn every_series_every_level_and_the_unrated_have_a_feed() {
    let outputs = render_at(fixture(), NOW);
    let feeds: Vec<&str> = outputs
        .iter()
        .map(|o| o.path.as_str())
        .filter(|p| p.starts_with("feeds/"))
        .collect();
    assert_eq!(
        feeds,
        [
            "feeds/all.atom",
            "feeds/announcements.atom",
            "feeds/releases.atom",
            "feeds/series/1.0.atom",
            "feeds/series/1.1.atom",
            "feeds/series/main.atom",
            "feeds/severity/critical.atom",
            "feeds/severity/high.atom",
            "feeds/severity/low.atom",
            "feeds/severity/moderate.atom",
            "feeds/severity/not-rated.atom",
        ]
    );
    // A feed with no entries is still a complete feed, dated by the clock.
    let low = text(&outputs, "feeds/severity/low.atom");
    assert!(!low.contains("<entry>"));
    assert!(low.contains("<updated>2026-12-10T00:00:00Z</updated>"));
    assert!(low.contains("href=\"https://quill.example/security/severity/low/\""));
}

#[test]
fn feeds_with_entries_do_not_change_with_the_clock() {
    let a = render_at(fixture(), NOW);
    let b = render_at(fixture(), "2026-12-11T08:00:00Z");
    for path in [
        "feeds/all.atom",
        "feeds/series/1.1.atom",
        "feeds/announcements.atom",
    ] {
        assert_eq!(text(&a, path), text(&b, path), "{path}");
    }
}

#[test]
fn entry_ids_survive_edits_updates_and_withdrawal() {
    let site = checked_site(fixture(), NOW);
    let original = site.advisory("QUILL-2026-0001").unwrap().clone();
    let id = atom::entry_id(&site.config, &original);
    assert_eq!(id, "tag:quill.example,2026-02-03:advisory/QUILL-2026-0001");

    let mut edited = original.clone();
    edited.title = "A different title".into();
    edited.modified = "2026-05-01T00:00:00Z".parse().unwrap();
    edited.withdrawn = Some(Withdrawal {
        at: "2026-06-01T00:00:00Z".parse().unwrap(),
        reason: "not a bug".into(),
    });
    assert_eq!(atom::entry_id(&site.config, &edited), id);
    assert_eq!(atom::advisory_entry(&site, &edited).id, id);
}

#[test]
fn updated_and_withdrawn_entries_are_marked() {
    let site = checked_site(fixture(), NOW);
    let fresh = site.advisory("QUILL-2025-0001").unwrap();
    let entry = atom::advisory_entry(&site, fresh);
    assert_eq!(entry.updated, entry.published);
    assert!(!entry.content.contains("Updated"));
    assert!(!entry.title.contains("[withdrawn]"));

    let modified = site.advisory("QUILL-2026-0001").unwrap();
    let entry = atom::advisory_entry(&site, modified);
    assert_eq!(
        entry.updated,
        "2026-02-10T10:00:00Z".parse::<jiff::Timestamp>().unwrap()
    );
    assert!(
        entry
            .content
            .contains("<strong>Updated</strong> on 2026-02-10")
    );

    let mut withdrawn = fresh.clone();
    withdrawn.withdrawn = Some(Withdrawal {
        at: "2026-01-05T00:00:00Z".parse().unwrap(),
        reason: "the <parser> was never reachable".into(),
    });
    let entry = atom::advisory_entry(&site, &withdrawn);
    assert_eq!(
        entry.title,
        "[withdrawn] QUILL-2025-0001: Out-of-bounds read when parsing a truncated header"
    );
    assert_eq!(entry.updated, withdrawn.withdrawn.as_ref().unwrap().at);
    assert!(
        entry
            .content
            .contains("Withdrawn</strong> on 2026-01-05: the &lt;parser&gt; was never reachable")
    );
}

#[test]
fn announcements_carry_only_date_and_severity() {
    let outputs = render_at(fixture(), NOW);
    let feed = text(&outputs, "feeds/announcements.atom");
    assert!(feed.contains("tag:quill.example,2026-12-15:release/20261215T120000Z"));
    assert!(feed.contains("1 issue of critical severity"));
    let hidden = checked_site(fixture(), NOW);
    let hidden = hidden.advisory("QUILL-2026-0002").unwrap();
    for token in [
        "QUILL-2026-0002",
        "CVE-2026-40003",
        hidden.title.as_str(),
        "Hidden Reporter",
        "aa11bb22cc33",
        "printed the session",
    ] {
        assert!(!feed.contains(token), "{token} in the announcements feed");
        for o in &outputs {
            assert!(
                !String::from_utf8_lossy(&o.bytes).contains(token),
                "{token} in {}",
                o.path
            );
        }
    }
    // Once the release is out, the notice stays in its feed under the same
    // id, now a link to the release's page, and the advisory enters the
    // other feeds.
    let after = render_at(fixture(), "2026-12-16T00:00:00Z");
    let notices = text(&after, "feeds/announcements.atom");
    assert_eq!(notices.matches("<entry>").count(), 1);
    assert!(notices.contains("tag:quill.example,2026-12-15:release/20261215T120000Z"));
    assert!(notices.contains("href=\"https://quill.example/security/releases/2026-12-15/\""));
    assert!(!notices.contains("is planned for"));
    assert!(text(&after, "feeds/all.atom").contains("QUILL-2026-0002"));
    assert!(text(&after, "feeds/releases.atom").contains("QUILL-2026-0002"));
}

#[test]
fn feeds_are_well_formed_atom_with_escaped_content() {
    let outputs = render_at(fixture(), NOW);
    for o in outputs.iter().filter(|o| o.path.ends_with(".atom")) {
        let t = std::str::from_utf8(&o.bytes).unwrap();
        assert!(t.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\""));
        let self_link = format!(
            "<link rel=\"self\" type=\"application/atom+xml\" href=\"https://quill.example/security/{}\"/>",
            o.path
        );
        assert!(t.contains(&self_link), "{}", o.path);
        // Content HTML is escaped text, never raw markup in the XML.
        assert!(!t.contains("<p>"), "{}", o.path);
        let mut reader = quick_xml::Reader::from_str(t);
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!("{}: {e}", o.path),
            }
        }
    }
}
