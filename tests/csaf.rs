//! The CSAF 2.0 target: snapshots of the fixture site's provider tree, the
//! product tree and product status across series, withdrawal, hash and
//! signature sidecars, and the invariants the mandatory tests of CSAF 2.0
//! section 6.1 check, over every advisory of the example site.

#![allow(clippy::disallowed_methods)]

use crate::support;
use support::*;

use std::collections::BTreeSet;
use std::path::PathBuf;

use disclose::Options;
use disclose::model::{Advisory, Site, Withdrawal};
use disclose::render::csaf::document;
use disclose::render::csaf::product::{Products, Status};
use disclose::render::{Output, RenderContext, RenderError, Signer, Target};
use serde_json::Value;
use sha2::{Digest, Sha256, Sha512};

const NOW: &str = "2026-12-10T00:00:00Z";

fn opts(root: PathBuf, now: &str) -> Options {
    Options::new(root, now.parse().unwrap())
}

fn advisory<'a>(site: &'a Site, id: &str) -> &'a Advisory {
    site.advisory(id).unwrap()
}

/// Renders only the CSAF target of the public site at `now`.
fn render(root: PathBuf, now: &str, signer: Option<&dyn Signer>) -> Vec<Output> {
    let opts = opts(root, now);
    let site = disclose::check(&opts).unwrap().site.unwrap();
    let embargoed = disclose::embargo::apply(site, opts.now);
    let ctx = RenderContext {
        signer,
        ..RenderContext::new(&embargoed.public, opts.now)
    };
    let mut outputs = disclose::render::csaf::Csaf.render(&ctx).unwrap();
    outputs.sort_by(|a, b| a.path.cmp(&b.path));
    outputs
}

fn file<'a>(outputs: &'a [Output], path: &str) -> &'a [u8] {
    &outputs
        .iter()
        .find(|o| o.path == path)
        .unwrap_or_else(|| panic!("no {path}"))
        .bytes
}

fn json(outputs: &[Output], path: &str) -> Value {
    serde_json::from_slice(file(outputs, path)).unwrap()
}

fn status_of(doc: &Value) -> (Vec<String>, Vec<String>, Vec<String>) {
    let status = &doc["vulnerabilities"][0]["product_status"];
    let list = |key: &str| -> Vec<String> {
        status[key]
            .as_array()
            .map(|a| a.iter().map(|v| v.as_str().unwrap().to_string()).collect())
            .unwrap_or_default()
    };
    (
        list("known_affected"),
        list("fixed"),
        list("known_not_affected"),
    )
}

fn doc_of(site: &Site, a: &Advisory) -> Value {
    let now = NOW.parse().unwrap();
    let changes = document::changes(a, &site.releases, now, None);
    serde_json::to_value(document::build(site, a, now, &changes)).unwrap()
}

const WHITE: &str = ".well-known/csaf/white/";

#[test]
fn provider_tree_snapshot() {
    let outputs = render(fixture(), NOW, None);
    for path in [
        ".well-known/csaf/white/2025/quill-2025-0001.json",
        ".well-known/csaf/white/2026/quill-2026-0001.json",
        ".well-known/csaf/provider-metadata.json",
        ".well-known/csaf/white/index.txt",
        ".well-known/csaf/white/changes.csv",
        ".well-known/csaf/white/csaf-feed-tlp-white.json",
        ".well-known/csaf/white/2026/index.html",
    ] {
        insta::assert_snapshot!(
            path.trim_start_matches(".well-known/").replace('/', "_"),
            text(&outputs, path)
        );
    }
}

#[test]
fn the_tree_holds_exactly_the_published_documents_and_their_sidecars() {
    let outputs = render(fixture(), NOW, None);
    let paths: Vec<&str> = outputs.iter().map(|o| o.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            ".well-known/csaf/provider-metadata.json",
            ".well-known/csaf/white/2025/index.html",
            ".well-known/csaf/white/2025/quill-2025-0001.json",
            ".well-known/csaf/white/2025/quill-2025-0001.json.sha256",
            ".well-known/csaf/white/2025/quill-2025-0001.json.sha512",
            ".well-known/csaf/white/2026/index.html",
            ".well-known/csaf/white/2026/quill-2026-0001.json",
            ".well-known/csaf/white/2026/quill-2026-0001.json.sha256",
            ".well-known/csaf/white/2026/quill-2026-0001.json.sha512",
            ".well-known/csaf/white/changes.csv",
            ".well-known/csaf/white/csaf-feed-tlp-white.json",
            ".well-known/csaf/white/index.html",
            ".well-known/csaf/white/index.txt",
        ]
    );
    // The embargoed advisory is in no file, not even by id.
    for o in &outputs {
        let s = String::from_utf8_lossy(&o.bytes);
        assert!(
            !s.contains("QUILL-2026-0002") && !s.contains("quill-2026-0002"),
            "{}",
            o.path
        );
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn hash_sidecars_match_the_document_bytes() {
    let outputs = render(example(), "2026-11-23T12:00:00Z", None);
    let docs: Vec<&Output> = outputs
        .iter()
        .filter(|o| o.path.starts_with(WHITE) && o.path.ends_with(".json"))
        .filter(|o| !o.path.ends_with("csaf-feed-tlp-white.json"))
        .collect();
    assert_eq!(docs.len(), 18);
    for doc in docs {
        let name = doc.path.rsplit('/').next().unwrap();
        assert_eq!(
            text(&outputs, &format!("{}.sha256", doc.path)),
            format!("{}  {name}\n", hex(&Sha256::digest(&doc.bytes)))
        );
        assert_eq!(
            text(&outputs, &format!("{}.sha512", doc.path)),
            format!("{}  {name}\n", hex(&Sha512::digest(&doc.bytes)))
        );
    }
}

#[test]
fn output_is_byte_identical_for_the_same_inputs_and_clock() {
    let a = render(example(), "2026-11-23T12:00:00Z", None);
    let b = render(example(), "2026-11-23T12:00:00Z", None);
    assert_eq!(a, b);
}

#[test]
fn index_and_changes_list_every_document_once() {
    let outputs = render(example(), "2026-11-23T12:00:00Z", None);
    let index: Vec<&str> = text(&outputs, ".well-known/csaf/white/index.txt")
        .lines()
        .collect();
    let mut sorted = index.clone();
    sorted.sort_unstable();
    assert_eq!(index, sorted);
    assert_eq!(index.len(), 18);
    for line in &index {
        file(&outputs, &format!("{WHITE}{line}"));
    }
    let changes: Vec<(String, String)> = text(&outputs, ".well-known/csaf/white/changes.csv")
        .lines()
        .map(|l| {
            let (p, t) = l.split_once(',').unwrap();
            (
                p.trim_matches('"').to_string(),
                t.trim_matches('"').to_string(),
            )
        })
        .collect();
    assert_eq!(changes.len(), 18);
    // Newest first, and each time is the document's current release date.
    assert!(changes.windows(2).all(|w| w[0].1 >= w[1].1));
    for (path, time) in &changes {
        let doc = json(&outputs, &format!("{WHITE}{path}"));
        assert_eq!(doc["document"]["tracking"]["current_release_date"], *time);
    }
    let feed = json(&outputs, ".well-known/csaf/white/csaf-feed-tlp-white.json");
    assert_eq!(feed["feed"]["entry"].as_array().unwrap().len(), 18);
    assert_eq!(feed["feed"]["updated"], changes[0].1);
    let meta = json(&outputs, ".well-known/csaf/provider-metadata.json");
    assert_eq!(meta["last_updated"], changes[0].1);
}

/// What the validators' mandatory tests check, over every document of the
/// example site: product ids defined once and used only when defined, the
/// version equal to the last revision, revisions ascending by date, no
/// product in two statuses.
#[test]
fn every_example_document_keeps_the_mandatory_rules() {
    let outputs = render(example(), "2026-11-23T12:00:00Z", None);
    let index = text(&outputs, ".well-known/csaf/white/index.txt");
    for line in index.lines() {
        let doc = json(&outputs, &format!("{WHITE}{line}"));
        let mut defined = Vec::new();
        collect_products(&doc["product_tree"], &mut defined);
        let set: BTreeSet<&String> = defined.iter().collect();
        assert_eq!(set.len(), defined.len(), "{line}: duplicate product id");

        let (affected, fixed, not_affected) = status_of(&doc);
        let mut used: Vec<String> = affected.clone();
        used.extend(fixed.clone());
        used.extend(not_affected.clone());
        assert_eq!(
            used.len(),
            defined.len(),
            "{line}: a product has no status or two"
        );
        for id in &used {
            assert!(set.contains(id), "{line}: {id} not defined");
        }
        let vuln = &doc["vulnerabilities"][0];
        for r in vuln["remediations"].as_array().into_iter().flatten() {
            for id in r["product_ids"].as_array().unwrap() {
                assert!(
                    affected.contains(&id.as_str().unwrap().to_string()),
                    "{line}"
                );
            }
        }
        for s in vuln["scores"].as_array().into_iter().flatten() {
            assert!(
                s["cvss_v3"]["vectorString"]
                    .as_str()
                    .unwrap()
                    .starts_with("CVSS:3.1/")
            );
            for id in s["products"].as_array().unwrap() {
                assert!(
                    affected.contains(&id.as_str().unwrap().to_string()),
                    "{line}"
                );
            }
        }

        let tracking = &doc["document"]["tracking"];
        let revisions = tracking["revision_history"].as_array().unwrap();
        assert_eq!(
            tracking["version"],
            revisions.last().unwrap()["number"],
            "{line}"
        );
        for (i, r) in revisions.iter().enumerate() {
            assert_eq!(r["number"], (i + 1).to_string());
        }
        assert!(
            revisions
                .windows(2)
                .all(|w| w[0]["date"].as_str() <= w[1]["date"].as_str())
        );
        assert_eq!(tracking["initial_release_date"], revisions[0]["date"]);
        assert_eq!(
            tracking["current_release_date"],
            revisions.last().unwrap()["date"]
        );
        let self_ref = format!("https://larch.example/security/{WHITE}{line}");
        assert!(
            doc["document"]["references"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["category"] == "self" && r["url"] == self_ref.as_str()),
            "{line}"
        );
    }
}

fn collect_products(v: &Value, out: &mut Vec<String>) {
    if let Some(id) = v["product"]["product_id"].as_str() {
        out.push(id.to_string());
    }
    for b in v["branches"].as_array().into_iter().flatten() {
        collect_products(b, out);
    }
}

/// The branch names of the product tree's leaves.
fn csaf_leaves(doc: &Value) -> Vec<String> {
    fn walk(v: &Value, out: &mut Vec<String>) {
        if v.get("product").is_some() {
            out.push(v["name"].as_str().unwrap().to_string());
        }
        for b in v["branches"].as_array().into_iter().flatten() {
            walk(b, out);
        }
    }
    let mut out = Vec::new();
    walk(&doc["product_tree"], &mut out);
    out
}

fn ids(products: &Products, status: Status) -> Vec<String> {
    products.ids_with(status)
}

#[test]
fn introduced_and_fixed_per_series() {
    let site = checked_site(fixture(), NOW);
    let a = advisory(&site, "QUILL-2025-0001");
    let p = Products::of(&site.config, &site.releases, a, NOW.parse().unwrap());
    // 1.1: affected from its first release up to the fix; 1.0: from
    // `introduced`, so the releases before it are not affected; main,
    // unlisted and supported on the publish date, is not affected.
    assert_eq!(
        ids(&p, Status::Affected),
        ["quill-1.1-affected", "quill-1.0-affected"]
    );
    assert_eq!(ids(&p, Status::Fixed), ["quill-1.1.1", "quill-1.0.2"]);
    assert_eq!(
        ids(&p, Status::NotAffected),
        ["quill-branch-main", "quill-1.0-before-1.0.1"]
    );
    let names: Vec<(&str, &str)> = p
        .products
        .iter()
        .map(|p| (p.category, p.version_name.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("product_version", "main"),
            ("product_version_range", "vers:cargo/>=1.1.0|<1.1.1"),
            ("product_version", "1.1.1"),
            ("product_version_range", "vers:cargo/>=1.0.0|<1.0.1"),
            ("product_version_range", "vers:cargo/>=1.0.1|<1.0.2"),
            ("product_version", "1.0.2"),
        ]
    );
    let purls: Vec<Option<&str>> = p.products.iter().map(|p| p.purl.as_deref()).collect();
    assert_eq!(purls[0], None);
    assert_eq!(purls[1], Some("pkg:cargo/quill"));
    assert_eq!(purls[2], Some("pkg:cargo/quill@1.1.1"));
}

/// A new release changes the products only where there is no fix yet and
/// the series is not named by its version prefix.
#[test]
fn a_new_release_leaves_the_products_of_a_fixed_advisory_alone() {
    let site = checked_site(fixture(), NOW);
    let now = NOW.parse().unwrap();
    let a = advisory(&site, "QUILL-2025-0001");
    let before = Products::of(&site.config, &site.releases, a, now);
    let mut more = site.releases.clone();
    let s = more.series.iter_mut().find(|s| s.name == "1.1").unwrap();
    s.versions.push(disclose::model::Release {
        version: disclose::model::Version::parse("1.1.3", disclose::model::VersionScheme::Semver)
            .unwrap(),
        date: jiff::civil::date(2026, 3, 1),
    });
    let after = Products::of(&site.config, &more, a, now);
    assert_eq!(before.products, after.products);
}

#[test]
fn series_not_evaluated_are_left_out_and_an_unreleased_branch_is_a_product() {
    let site = checked_site(fixture(), NOW);
    let a = advisory(&site, "QUILL-2026-0001");
    let p = Products::of(&site.config, &site.releases, a, NOW.parse().unwrap());
    // 1.0 left security support before the publish date: not evaluated.
    assert!(p.products.iter().all(|p| p.series != "1.0"));
    assert_eq!(ids(&p, Status::Affected), ["quill-1.1-affected"]);
    // main has the patch: the fix is on the branch.
    assert_eq!(ids(&p, Status::Fixed), ["quill-branch-main", "quill-1.1.2"]);
    assert!(ids(&p, Status::NotAffected).is_empty());
}

#[test]
fn unfixed_series_get_the_patch_or_say_why_there_is_no_fix() {
    let site = checked_site(fixture(), NOW);
    let a = advisory(&site, "QUILL-2026-0002");
    let doc = doc_of(&site, a);
    let (affected, fixed, _) = status_of(&doc);
    assert_eq!(affected, ["quill-1.1-affected"]);
    assert!(fixed.is_empty());
    let products = csaf_leaves(&doc);
    assert!(
        products.contains(&"vers:cargo/>=1.1.0|<1.2.0-0".to_string()),
        "open within the series: {products:?}"
    );
    let r = &doc["vulnerabilities"][0]["remediations"][0];
    assert_eq!(r["category"], "vendor_fix");
    assert_eq!(
        r["url"],
        "https://github.com/quill-rs/quill/commit/aa11bb22cc33dd44ee55ff6677889900aabbccdd"
    );

    // Without a patch, a supported series has no fix available yet …
    let mut unpatched = a.clone();
    unpatched.affected[0].patches.clear();
    let doc = doc_of(&site, &unpatched);
    let r = &doc["vulnerabilities"][0]["remediations"][0];
    assert_eq!(r["category"], "none_available");
    assert_eq!(r["product_ids"], serde_json::json!(["quill-1.1-affected"]));

    // … and a series past its security support gets none.
    let mut late = unpatched.clone();
    late.published = disclose::model::parse_instant("2027-03-01T00:00:00Z").unwrap();
    late.modified = late.published.at;
    let doc = doc_of(&site, &late);
    assert_eq!(
        doc["vulnerabilities"][0]["remediations"][0]["category"],
        "no_fix_planned"
    );
}

#[test]
fn a_withdrawn_advisory_keeps_its_document_with_a_new_revision_and_no_affected_product() {
    let site = checked_site(fixture(), NOW);
    let mut a = advisory(&site, "QUILL-2025-0001").clone();
    let at: jiff::Timestamp = "2025-10-01T08:00:00Z".parse().unwrap();
    a.withdrawn = Some(Withdrawal {
        at,
        reason: "The crash needs a build with debug assertions.".into(),
    });
    let doc = doc_of(&site, &a);
    assert_eq!(doc["document"]["category"], "csaf_security_advisory");
    let tracking = &doc["document"]["tracking"];
    assert_eq!(tracking["status"], "final");
    assert_eq!(tracking["version"], "2");
    assert_eq!(tracking["current_release_date"], "2025-10-01T08:00:00Z");
    let last = &tracking["revision_history"][1];
    assert!(
        last["summary"]
            .as_str()
            .unwrap()
            .starts_with("Advisory withdrawn: The crash")
    );
    assert!(
        doc["document"]["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["title"] == "Withdrawn")
    );
    let (affected, fixed, not_affected) = status_of(&doc);
    assert!(affected.is_empty() && fixed.is_empty());
    assert_eq!(not_affected.len(), 6);
    let vuln = &doc["vulnerabilities"][0];
    assert!(vuln.get("remediations").is_none());
    assert!(vuln.get("scores").is_none());
    // The withdrawal is the only change at its time: no separate update.
    a.modified = at;
    assert_eq!(
        document::changes(&a, &site.releases, NOW.parse().unwrap(), None).len(),
        2
    );
}

#[test]
fn a_withdrawn_advisory_without_any_product_falls_back_to_the_base_profile() {
    let site = checked_site(fixture(), NOW);
    let mut a = advisory(&site, "QUILL-2025-0001").clone();
    a.affected.clear();
    a.published = disclose::model::parse_instant("2020-01-01T00:00:00Z").unwrap();
    a.modified = a.published.at;
    a.withdrawn = Some(Withdrawal {
        at: "2020-02-01T00:00:00Z".parse().unwrap(),
        reason: "Duplicate.".into(),
    });
    // No series was supported in 2020, and main is dropped from the
    // fixture's releases to leave nothing at all.
    let mut site = site.clone();
    site.releases.series.retain(|s| !s.development);
    let doc = doc_of(&site, &a);
    assert_eq!(doc["document"]["category"], "csaf_base");
    assert!(doc.get("product_tree").is_none());
    assert!(doc["vulnerabilities"][0].get("product_status").is_none());
}

#[test]
fn cvss_v3_is_a_score_and_cvss_v4_a_note() {
    let site = checked_site(fixture(), NOW);
    let doc = doc_of(&site, advisory(&site, "QUILL-2025-0001"));
    let score = &doc["vulnerabilities"][0]["scores"][0];
    assert_eq!(score["cvss_v3"]["baseScore"], 9.1);
    assert_eq!(score["cvss_v3"]["baseSeverity"], "CRITICAL");
    assert_eq!(
        score["products"],
        serde_json::json!(["quill-1.1-affected", "quill-1.0-affected"])
    );

    let doc = doc_of(&site, advisory(&site, "QUILL-2026-0001"));
    let vuln = &doc["vulnerabilities"][0];
    assert!(vuln.get("scores").is_none());
    assert!(vuln["notes"].as_array().unwrap().iter().any(
        |n| n["title"] == "CVSS v4.0" && n["text"].as_str().unwrap().contains("CVSS:4.0/AV:N")
    ));
    assert_eq!(vuln["cve"], "CVE-2026-40002");
    assert_eq!(vuln["ids"][0]["text"], "GHSA-q7rm-4x9v-2jpw");
}

/// Stands in for the OpenPGP key: a "signature" that names the bytes it
/// covers, so the test can tell that each document got its own.
struct FakeSigner;

impl Signer for FakeSigner {
    fn fingerprint(&self) -> String {
        "0123456789ABCDEF0123456789ABCDEF01234567".into()
    }
    fn public_key_armored(&self) -> String {
        "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nfake\n-----END PGP PUBLIC KEY BLOCK-----\n".into()
    }
    fn sign_detached(&self, data: &[u8]) -> Result<String, RenderError> {
        Ok(format!("signature of {}\n", hex(&Sha256::digest(data))))
    }
    fn clearsign(&self, text: &str) -> Result<String, RenderError> {
        Ok(text.to_string())
    }
}

#[test]
fn with_a_key_every_document_is_signed_and_the_key_published() {
    let signer = FakeSigner;
    let outputs = render(fixture(), NOW, Some(&signer));
    let doc = ".well-known/csaf/white/2026/quill-2026-0001.json";
    assert_eq!(
        text(&outputs, &format!("{doc}.asc")),
        format!(
            "signature of {}\n",
            hex(&Sha256::digest(file(&outputs, doc)))
        )
    );
    file(
        &outputs,
        ".well-known/csaf/white/2025/quill-2025-0001.json.asc",
    );
    let key = ".well-known/csaf/openpgp/0123456789ABCDEF0123456789ABCDEF01234567.asc";
    assert!(text(&outputs, key).starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----"));

    let meta = json(&outputs, ".well-known/csaf/provider-metadata.json");
    assert_eq!(
        meta["public_openpgp_keys"],
        serde_json::json!([{
            "fingerprint": "0123456789ABCDEF0123456789ABCDEF01234567",
            "url": format!("https://quill.example/security/{key}"),
        }])
    );
    let feed = json(&outputs, ".well-known/csaf/white/csaf-feed-tlp-white.json");
    let links = &feed["feed"]["entry"][0]["link"];
    assert!(
        links
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["rel"] == "signature" && l["href"].as_str().unwrap().ends_with(".json.asc"))
    );
    assert!(text(&outputs, ".well-known/csaf/white/2026/index.html").contains(".json.asc"));

    // Without a key there is nothing to sign and no key to point to.
    let unsigned = render(fixture(), NOW, None);
    assert!(unsigned.iter().all(|o| !o.path.ends_with(".asc")));
    let meta = json(&unsigned, ".well-known/csaf/provider-metadata.json");
    assert!(meta.get("public_openpgp_keys").is_none());
}

/// Runs `test` with the fixture site's public advisories rendered through a
/// context that signs, as a build with a key does.
fn with_signed_fixture(test: impl FnOnce(&RenderContext, &[Advisory])) {
    let dir = tempfile::tempdir().unwrap();
    let (_, key) = signing_key_file(dir.path(), 3, NOW);
    let opts = opts(fixture(), NOW);
    let site = disclose::check(&opts).unwrap().site.unwrap();
    let embargoed = disclose::embargo::apply(site, opts.now);
    let ctx = RenderContext {
        signer: Some(&key),
        ..RenderContext::new(&embargoed.public, opts.now)
    };
    test(&ctx, &embargoed.public.site.advisories);
}

/// The preview renders an advisory's records alone; they must be the very
/// bytes the whole target makes, signature included, at the paths the
/// target names without rendering them.
#[test]
fn each_advisorys_records_rendered_alone_are_the_bytes_of_the_whole_render() {
    with_signed_fixture(|ctx, advisories| {
        let whole = disclose::render::render_all(ctx).unwrap();
        let mut records = 0;
        for target in disclose::render::targets() {
            for a in advisories {
                let alone = target.advisory_outputs(ctx, a).unwrap();
                let mut paths: Vec<&str> = alone.iter().map(|o| o.path.as_str()).collect();
                paths.sort();
                let mut named = target.advisory_paths(ctx, a);
                named.sort();
                assert_eq!(paths, named, "{} of {}", target.name(), a.id);
                for o in &alone {
                    assert_eq!(o.bytes, file(&whole, &o.path), "{}", o.path);
                    records += 1;
                }
            }
        }
        assert!(
            whole.iter().any(|o| o.path.ends_with(".json.asc")),
            "the documents are signed"
        );
        let advisories = advisories.len();
        // An OSV record and a CSAF document with two hashes and a signature each,
        // and at least one CVE record.
        assert!(
            records > advisories * 5,
            "{records} records of {advisories}"
        );
    });
}

/// The preview renders only the target that claims a requested path: every
/// output must be claimed by the target that makes it, and by no other.
#[test]
fn each_output_is_claimed_by_the_target_that_makes_it_alone() {
    with_signed_fixture(|ctx, _| {
        let targets = disclose::render::targets();
        for target in &targets {
            let outputs = target.render(ctx).unwrap();
            assert!(!outputs.is_empty(), "{}", target.name());
            for o in &outputs {
                let claimed: Vec<&str> = targets
                    .iter()
                    .filter(|t| t.claims(&o.path))
                    .map(|t| t.name())
                    .collect();
                assert_eq!(claimed, [target.name()], "{}", o.path);
            }
        }
    });
}
