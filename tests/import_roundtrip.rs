//! Round trips over the example site: its published OSV records (as
//! `osv/all.zip`), CSAF provider tree and CVE records, imported into the
//! site without its advisories, build again into the same records —
//! byte for byte where the format carries every field, and otherwise
//! field by field for what it does carry.

#![allow(clippy::disallowed_methods)] // tests set up scratch sites

use crate::support;
use support::*;

use std::path::{Path, PathBuf};

use disclose::import::{self, Format, IdPolicy, ImportError, ImportOptions};
use disclose::render::Output;

/// The example's clock in CI: one advisory is still under embargo, and
/// so is in none of the records.
const NOW: &str = "2026-11-23T12:00:00Z";

/// The example site without its advisories; `releases` keeps or empties
/// its releases file.
fn empty_example(keep_releases: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = example();
    std::fs::copy(root.join("site.toml"), dir.path().join("site.toml")).unwrap();
    copy_dir(
        &root.join("content/pages"),
        &dir.path().join("content/pages"),
    );
    copy_dir(&root.join("themes"), &dir.path().join("themes"));
    let releases = if keep_releases {
        std::fs::read_to_string(root.join("content/releases.yaml")).unwrap()
    } else {
        "series:\n  - name: main\n    development: true\n".to_string()
    };
    std::fs::write(dir.path().join("content/releases.yaml"), releases).unwrap();
    dir
}

/// Writes the outputs under `prefix` into `dir`, keeping their paths.
fn write_outputs(outputs: &[Output], prefix: &str, dir: &Path) {
    for o in outputs.iter().filter(|o| o.path.starts_with(prefix)) {
        let path = dir.join(&o.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, &o.bytes).unwrap();
    }
}

fn import_into(root: &Path, format: Format, paths: Vec<PathBuf>) -> import::Plan {
    let opts = ImportOptions {
        root: root.to_path_buf(),
        now: NOW.parse().unwrap(),
        format,
        paths,
        ids: IdPolicy::Keep,
        series_depth: None,
        versions: None,
        update: false,
    };
    let plan = match import::plan(&opts) {
        Ok(p) => p,
        Err(ImportError::Content { diagnostics, texts }) => panic!(
            "{}",
            disclose::diagnostic::render_human(&diagnostics, |f| texts.get(f).map(String::as_str))
        ),
        Err(e) => panic!("{e:?}"),
    };
    let rewritten: Vec<_> = plan.releases.iter().cloned().collect();
    disclose::output::write_files(root, &rewritten).unwrap();
    disclose::output::create_new_files(root, &plan.created).unwrap();
    plan
}

fn records<'a>(outputs: &'a [Output], prefix: &str, ext: &str) -> Vec<&'a Output> {
    outputs
        .iter()
        .filter(|o| o.path.starts_with(prefix) && o.path.ends_with(ext))
        .collect()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.bytes).unwrap()
}

fn built_again(outputs: &[Output], path: &str) -> Option<Output> {
    outputs.iter().find(|o| o.path == path).cloned()
}

#[test]
fn osv_records_round_trip_byte_for_byte_and_so_do_csaf_and_cve() {
    let original = render_at(example(), NOW);
    let scratch = tempfile::tempdir().unwrap();
    write_outputs(&original, "osv/all.zip", scratch.path());
    let site = empty_example(true);
    let plan = import_into(
        site.path(),
        Format::Osv,
        vec![scratch.path().join("osv/all.zip")],
    );
    let osv_records = records(&original, "osv/", ".json").len();
    assert_eq!(plan.created.len(), osv_records, "one advisory per record");
    assert!(
        plan.releases.is_none(),
        "every version is in the releases file"
    );
    let again = render_at(site.path(), NOW);
    for prefix in ["osv/x_", ".well-known/csaf/white/2", "cve/"] {
        let before = records(&original, prefix, ".json");
        assert!(!before.is_empty());
        for o in before {
            assert_eq!(
                Some(o),
                built_again(&again, &o.path).as_ref(),
                "{} differs after the OSV round trip",
                o.path
            );
        }
    }
}

/// CSAF documents carry every field the OSV records state, credits'
/// contacts included: both come back byte for byte.
#[test]
fn csaf_documents_round_trip_byte_for_byte() {
    let original = render_at(example(), NOW);
    let scratch = tempfile::tempdir().unwrap();
    write_outputs(&original, ".well-known/csaf/", scratch.path());
    let site = empty_example(true);
    import_into(
        site.path(),
        Format::Csaf,
        vec![scratch.path().join(".well-known/csaf")],
    );
    let again = render_at(site.path(), NOW);
    for o in records(&original, ".well-known/csaf/white/2", ".json") {
        assert_eq!(Some(o), built_again(&again, &o.path).as_ref(), "{}", o.path);
    }
    for o in records(&original, "osv/x_", ".json") {
        let before = json(o);
        let after = json(&built_again(&again, &o.path).unwrap());
        assert_eq!(before, after, "{}", o.path);
    }
}

/// A CVE record holds the description as text and HTML, not Markdown:
/// the Markdown is read back from the HTML (and used only when it renders
/// to the same HTML), so the records come back byte for byte. A REJECTED
/// record holds only its reason, so its advisory is named by its CVE id.
#[test]
fn cve_records_round_trip_byte_for_byte() {
    let original = render_at(example(), NOW);
    let scratch = tempfile::tempdir().unwrap();
    write_outputs(&original, "cve/", scratch.path());
    let site = empty_example(true);
    let plan = import_into(site.path(), Format::Cve, vec![scratch.path().join("cve")]);
    let now: jiff::Timestamp = NOW.parse().unwrap();
    let with_cves = checked_site(example(), NOW)
        .advisories
        .iter()
        .filter(|a| a.published.at <= now && !a.cve_ids().is_empty())
        .count();
    assert_eq!(
        plan.created.len(),
        with_cves,
        "one advisory per advisory, not per CVE id"
    );
    assert!(
        plan.records
            .iter()
            .all(|r| r.notes.iter().all(|n| !n.contains("plain text")))
    );
    let again = render_at(site.path(), NOW);
    for o in records(&original, "cve/", ".json") {
        let after =
            built_again(&again, &o.path).unwrap_or_else(|| panic!("{} is not built again", o.path));
        assert_eq!(o, &after, "{}", o.path);
    }
}

/// Into a site that knows no releases, the OSV records still state the
/// same ids, aliases, dates, ranges, severity, credits and references:
/// the series come from the records' own series facts, the versions from
/// their version lists.
#[test]
fn osv_round_trip_into_a_site_without_releases_states_the_same_facts() {
    let original = render_at(example(), NOW);
    let scratch = tempfile::tempdir().unwrap();
    write_outputs(&original, "osv/x_", scratch.path());
    let site = empty_example(false);
    let plan = import_into(site.path(), Format::Osv, vec![scratch.path().join("osv")]);
    assert!(plan.releases.is_some());
    assert!(
        plan.catalogue
            .iter()
            .any(|c| c.starts_with("new series 5.1:")),
        "{:?}",
        plan.catalogue
    );
    let again = render_at(site.path(), NOW);
    for o in records(&original, "osv/x_", ".json") {
        let before = json(o);
        let after = json(&built_again(&again, &o.path).unwrap());
        for field in [
            "id",
            "aliases",
            "published",
            "modified",
            "withdrawn",
            "summary",
            "details",
            "severity",
            "affected",
            "references",
            "credits",
            "database_specific",
        ] {
            assert_eq!(before.get(field), after.get(field), "{}: {field}", o.path);
        }
    }
}
