//! Every output of an advisory says the same thing: for every advisory of
//! the example site, its HTML page, Atom entry, OSV record, CSAF document
//! and CVE records state the ids, dates, severity, affected series and fixed
//! versions of the one model they were all rendered from.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use disclose::Options;
use disclose::model::{Advisory, Site, ranges};
use disclose::render::paths;
use serde_json::Value;

/// After the example's embargo lifts, so every advisory is checked.
const NOW: &str = "2027-07-01T00:00:00Z";

struct Built {
    site: Site,
    files: BTreeMap<String, Vec<u8>>,
}

impl Built {
    fn example() -> Self {
        let opts = Options::new(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")),
            NOW.parse().unwrap(),
        );
        let site = disclose::check(&opts).unwrap().site.unwrap();
        let (outputs, embargoed, _) = disclose::render_site(&opts).unwrap();
        assert!(
            embargoed.withheld.is_empty(),
            "the clock lifts every embargo"
        );
        let files = outputs.into_iter().map(|o| (o.path, o.bytes)).collect();
        Built { site, files }
    }

    fn text(&self, path: &str) -> &str {
        let bytes = self
            .files
            .get(path)
            .unwrap_or_else(|| panic!("no output {path}"));
        std::str::from_utf8(bytes).unwrap()
    }

    fn json(&self, path: &str) -> Value {
        serde_json::from_str(self.text(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
    }
}

/// What every format must state about one advisory, read from the model.
struct Facts {
    id: String,
    aliases: Vec<String>,
    cves: Vec<String>,
    published: String,
    /// The last change: a withdrawal, else `modified`.
    updated: String,
    /// The last change of the records (which a new release of a series
    /// without a fix also makes).
    revised: String,
    withdrawn: bool,
    severity: Option<String>,
    /// Series with released versions that the advisory lists: first
    /// affected version and fix.
    series: BTreeMap<String, (String, Option<String>)>,
}

impl Facts {
    fn of(a: &Advisory, site: &Site) -> Self {
        let series = a
            .affected_series(&site.releases)
            .into_iter()
            .filter_map(|s| {
                let e = a.affected_entry(&s.name)?;
                let first = e.introduced.as_ref().or(s.first_version())?;
                Some((
                    s.name.clone(),
                    (first.to_string(), e.fixed.as_ref().map(|v| v.to_string())),
                ))
            })
            .collect();
        Facts {
            id: a.id.to_string(),
            aliases: a
                .vulnerability_ids()
                .iter()
                .map(|x| x.to_string())
                .collect(),
            cves: a.cve_ids().iter().map(|x| x.to_string()).collect(),
            published: paths::utc_timestamp(a.published.at),
            updated: paths::utc_timestamp(a.withdrawn.as_ref().map_or(a.modified, |w| w.at)),
            revised: paths::utc_timestamp(ranges::last_change(
                a,
                &site.releases,
                NOW.parse().unwrap(),
            )),
            withdrawn: a.is_withdrawn(),
            severity: a.severity.clone(),
            series,
        }
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn check_html(b: &Built, a: &Advisory, f: &Facts) {
    let page = b.text(&format!("{}index.html", paths::advisory_page(a)));
    let at = |what: &str| format!("{}: HTML page does not state {what}", f.id);
    assert!(page.contains(&f.id), "{}", at("its id"));
    for alias in &f.aliases {
        assert!(page.contains(alias.as_str()), "{}", at(alias));
    }
    assert!(
        page.contains(&format!("datetime=\"{}\"", f.published)),
        "{}",
        at("the publish time")
    );
    let sev_class = match &f.severity {
        Some(s) => format!("sev sev-{s}"),
        None => "sev sev-not-rated".to_string(),
    };
    assert!(page.contains(&sev_class), "{}", at("the severity"));
    if f.withdrawn {
        assert!(page.contains("withdrawn"), "{}", at("the withdrawal"));
        return;
    }
    for (series, (_, fixed)) in &f.series {
        if let Some(fixed) = fixed {
            let link = format!("versions/{series}/{fixed}/\">{fixed}</a>");
            assert!(
                page.contains(&link),
                "{}",
                at(&format!("{series} fixed in {fixed}"))
            );
        }
    }
}

fn check_atom(b: &Built, f: &Facts) {
    let feed = b.text(paths::FEED_ALL);
    let entry = feed
        .split("<entry>")
        .find(|e| e.contains(&format!(":advisory/{}</id>", f.id)))
        .unwrap_or_else(|| panic!("{}: no entry in {}", f.id, paths::FEED_ALL));
    assert!(
        entry.contains(&format!("<published>{}</published>", f.published)),
        "{}: Atom published",
        f.id
    );
    assert!(
        entry.contains(&format!("<updated>{}</updated>", f.updated)),
        "{}: Atom updated",
        f.id
    );
    assert_eq!(
        entry.contains("[withdrawn]"),
        f.withdrawn,
        "{}: Atom withdrawal mark",
        f.id
    );
}

fn check_osv(b: &Built, a: &Advisory, f: &Facts) {
    let osv = b.json(&paths::osv_record(&b.site.config, a));
    assert_eq!(osv["id"], paths::osv_id(&b.site.config, a));
    assert_eq!(strings(&osv["aliases"]), f.aliases, "{}: OSV aliases", f.id);
    assert_eq!(
        osv["published"],
        f.published.as_str(),
        "{}: OSV published",
        f.id
    );
    assert_eq!(
        osv["modified"].as_str(),
        Some(f.revised.as_str()),
        "{}: OSV modified",
        f.id
    );
    assert!(
        f.revised >= f.updated,
        "{}: records revised before the advisory",
        f.id
    );
    assert_eq!(
        osv["withdrawn"].as_str().is_some(),
        f.withdrawn,
        "{}: OSV withdrawn",
        f.id
    );
    assert_eq!(
        osv["database_specific"]["severity"].as_str(),
        f.severity.as_deref(),
        "{}: OSV severity",
        f.id
    );
    let affected = osv["affected"].as_array().cloned().unwrap_or_default();
    assert!(affected.len() <= 1, "{}: one affected package", f.id);
    let mut ranges = BTreeMap::new();
    let mut pairs = BTreeSet::new();
    for affected in &affected {
        let eco: Vec<&Value> = affected["ranges"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| r["type"] == "ECOSYSTEM")
            .collect();
        assert!(eco.len() <= 1, "{}: one ECOSYSTEM range", f.id);
        let events: Vec<(String, String)> = eco
            .iter()
            .flat_map(|r| r["events"].as_array().into_iter().flatten())
            .map(|e| {
                let (k, v) = e.as_object().unwrap().iter().next().unwrap();
                (k.clone(), v.as_str().unwrap().to_string())
            })
            .collect();
        for pair in events.chunks(2) {
            pairs.insert(pair.to_vec());
        }
        for s in affected["database_specific"]["series"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let Some(introduced) = s["introduced"].as_str() else {
                continue; // a branch: no released version
            };
            let fixed = s["fixed"].as_str().map(String::from);
            let end = match (&fixed, s["last_affected"].as_str()) {
                (Some(fix), _) => ("fixed".to_string(), fix.clone()),
                (None, Some(last)) => ("last_affected".to_string(), last.to_string()),
                (None, None) => continue,
            };
            assert!(
                pairs.contains(&vec![
                    ("introduced".to_string(), introduced.to_string()),
                    end
                ]),
                "{}: OSV series {} has no pair of events",
                f.id,
                s["series"]
            );
            ranges.insert(
                s["series"].as_str().unwrap().to_string(),
                (introduced.to_string(), fixed),
            );
        }
    }
    assert_eq!(ranges, f.series, "{}: OSV ranges", f.id);
}

/// Product id → (branch category, branch name) of the product tree's leaves.
fn csaf_products(doc: &Value) -> BTreeMap<String, (String, String)> {
    fn walk(node: &Value, out: &mut BTreeMap<String, (String, String)>) {
        if let Some(p) = node.get("product") {
            out.insert(
                p["product_id"].as_str().unwrap().to_string(),
                (
                    node["category"].as_str().unwrap().to_string(),
                    node["name"].as_str().unwrap().to_string(),
                ),
            );
        }
        for b in node["branches"].as_array().into_iter().flatten() {
            walk(b, out);
        }
    }
    let mut out = BTreeMap::new();
    walk(&doc["product_tree"], &mut out);
    out
}

fn check_csaf(b: &Built, a: &Advisory, f: &Facts) {
    let doc = b.json(&paths::csaf_document(a));
    let tracking = &doc["document"]["tracking"];
    assert_eq!(tracking["id"], f.id.as_str());
    assert_eq!(
        tracking["initial_release_date"],
        f.published.as_str(),
        "{}: CSAF initial release",
        f.id
    );
    assert_eq!(
        tracking["current_release_date"],
        f.revised.as_str(),
        "{}: CSAF current release",
        f.id
    );
    assert_eq!(
        doc["document"]["aggregate_severity"]["text"].as_str(),
        f.severity.as_deref(),
        "{}: CSAF severity",
        f.id
    );
    let vuln = &doc["vulnerabilities"][0];
    assert_eq!(
        vuln["cve"].as_str(),
        f.cves.first().map(String::as_str),
        "{}: CSAF cve",
        f.id
    );
    if f.withdrawn {
        return;
    }
    let products = csaf_products(&doc);
    let status = |kind: &str| -> BTreeSet<(String, String)> {
        strings(&vuln["product_status"][kind])
            .iter()
            .filter_map(|id| products.get(id).cloned())
            .collect()
    };
    let (affected, fixed) = (status("known_affected"), status("fixed"));
    let purl_type = b
        .site
        .config
        .project
        .package
        .purl
        .trim_start_matches("pkg:")
        .split('/')
        .next()
        .unwrap()
        .to_string();
    for (series, (first, fix)) in &f.series {
        let lower = format!("vers:{purl_type}/>={first}");
        let range = affected
            .iter()
            .find(|(cat, name)| cat == "product_version_range" && name.starts_with(&lower))
            .unwrap_or_else(|| panic!("{}: CSAF {series} affected from {first}", f.id));
        if let Some(fix) = fix {
            assert_eq!(
                range.1,
                format!("{lower}|<{fix}"),
                "{}: CSAF {series} affected before {fix}",
                f.id
            );
            assert!(
                fixed.contains(&("product_version".to_string(), fix.clone())),
                "{}: CSAF {series} fixed in {fix}",
                f.id
            );
        }
    }
}

fn check_cve(b: &Built, a: &Advisory, f: &Facts) {
    for cve in a.cve_ids() {
        let record = b.json(&paths::cve_record(&cve));
        let meta = &record["cveMetadata"];
        assert_eq!(meta["cveId"], cve.as_str());
        if f.withdrawn {
            assert_eq!(meta["state"], "REJECTED", "{cve}: withdrawn advisory");
            continue;
        }
        assert_eq!(
            meta["datePublished"],
            f.published.as_str(),
            "{cve}: CVE published"
        );
        assert_eq!(
            meta["dateUpdated"],
            f.revised.as_str(),
            "{cve}: CVE updated"
        );
        let cna = &record["containers"]["cna"];
        let versions: Vec<&Value> = cna["affected"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|x| x["versions"].as_array().into_iter().flatten())
            .collect();
        for (series, (first, fix)) in &f.series {
            let range = versions
                .iter()
                .find(|v| v["version"] == first.as_str() && v["status"] == "affected")
                .unwrap_or_else(|| panic!("{cve}: no affected range from {first} ({series})"));
            if let Some(fix) = fix {
                assert_eq!(
                    range["lessThan"],
                    fix.as_str(),
                    "{cve}: {series} fixed in {fix}"
                );
            }
        }
    }
}

#[test]
fn every_output_of_every_advisory_agrees_with_the_model() {
    let b = Built::example();
    assert!(b.site.advisories.len() >= 12);
    for a in &b.site.advisories {
        let f = Facts::of(a, &b.site);
        check_html(&b, a, &f);
        check_atom(&b, &f);
        check_osv(&b, a, &f);
        check_csaf(&b, a, &f);
        check_cve(&b, a, &f);
    }
}

#[test]
fn the_example_exercises_every_kind_of_advisory() {
    let b = Built::example();
    let facts: Vec<Facts> = b
        .site
        .advisories
        .iter()
        .map(|a| Facts::of(a, &b.site))
        .collect();
    assert!(facts.iter().any(|f| f.withdrawn));
    assert!(facts.iter().any(|f| f.severity.is_none()));
    assert!(
        facts
            .iter()
            .any(|f| f.updated != f.published && !f.withdrawn)
    );
    assert!(facts.iter().any(|f| f.series.len() > 1));
    assert!(
        facts
            .iter()
            .any(|f| f.series.values().any(|(_, fix)| fix.is_none()))
    );
    assert!(facts.iter().any(|f| !f.cves.is_empty()));
}
