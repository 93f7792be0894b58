//! Every output of an advisory says the same thing: for every advisory of
//! the example site, its HTML page, Atom entry, OSV record, CSAF document
//! and CVE records state the ids, dates, severity, affected series and fixed
//! versions of the one model they were all rendered from.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use disclose::Options;
use disclose::model::{Advisory, Site};
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
            aliases: a.aliases.iter().map(|x| x.to_string()).collect(),
            cves: a.cve_ids().map(|x| x.to_string()).collect(),
            published: paths::utc_timestamp(a.published.at),
            updated: paths::utc_timestamp(a.withdrawn.as_ref().map_or(a.modified, |w| w.at)),
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
    // OSV's `modified` also moves when a new release widens `versions`.
    assert!(
        osv["modified"].as_str().unwrap() >= f.updated.as_str(),
        "{}: OSV modified",
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
    let mut ranges = BTreeMap::new();
    for affected in osv["affected"].as_array().into_iter().flatten() {
        for r in affected["ranges"].as_array().into_iter().flatten() {
            if r["type"] != "ECOSYSTEM" {
                continue;
            }
            let series = r["database_specific"]["series"]
                .as_str()
                .unwrap()
                .to_string();
            let mut introduced = None;
            let mut fixed = None;
            for e in r["events"].as_array().unwrap() {
                if let Some(v) = e["introduced"].as_str() {
                    introduced = Some(v.to_string());
                }
                if let Some(v) = e["fixed"].as_str() {
                    fixed = Some(v.to_string());
                }
            }
            ranges.insert(series, (introduced.unwrap(), fixed));
        }
    }
    assert_eq!(ranges, f.series, "{}: OSV ranges", f.id);
}

/// Product id → version, from the product tree's purls.
fn csaf_products(doc: &Value) -> BTreeMap<String, String> {
    fn walk(node: &Value, out: &mut BTreeMap<String, String>) {
        if let Some(p) = node.get("product") {
            let purl = p["product_identification_helper"]["purl"]
                .as_str()
                .unwrap_or("");
            if let Some((_, version)) = purl.rsplit_once('@') {
                out.insert(
                    p["product_id"].as_str().unwrap().to_string(),
                    version.to_string(),
                );
            }
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
        f.updated.as_str(),
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
    let status = |kind: &str| -> BTreeSet<String> {
        strings(&vuln["product_status"][kind])
            .iter()
            .filter_map(|id| products.get(id).cloned())
            .collect()
    };
    let (affected, fixed) = (status("known_affected"), status("fixed"));
    for (series, (first, fix)) in &f.series {
        assert!(
            affected.contains(first),
            "{}: CSAF {series} {first} affected",
            f.id
        );
        if let Some(fix) = fix {
            assert!(
                fixed.contains(fix),
                "{}: CSAF {series} fixed in {fix}",
                f.id
            );
            assert!(
                !affected.contains(fix),
                "{}: CSAF {fix} both affected and fixed",
                f.id
            );
        }
    }
}

fn check_cve(b: &Built, a: &Advisory, f: &Facts) {
    for cve in a.cve_ids() {
        let record = b.json(&paths::cve_record(cve));
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
