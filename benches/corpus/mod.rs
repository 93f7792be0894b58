//! Generates a synthetic site with many advisories, for benchmarks, in the
//! shape of a real project's history: PEP 440 releases over 40 series
//! (1.0 … 8.4, a new series every four months), each with 1–25 patch
//! releases a month apart, an LTS every fifth series (x.2) supported three
//! years and the others eight months; each advisory affects the series
//! supported on its publish day that still get releases (one to three),
//! with the fix and a patch URL in each. Advisories come in both file
//! forms, with an alias, CVSS, CWEs, credits, references and a few
//! paragraphs of Markdown each. Deterministic: every run writes the same
//! corpus.

#![allow(clippy::disallowed_methods, dead_code)]

use std::fmt::Write as _;
use std::path::Path;

use jiff::ToSpan;
use jiff::civil::Date;

/// A tiny deterministic generator, so every run writes the same corpus.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn pick(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

pub const MAJORS: u32 = 8;
pub const MINORS: u32 = 5;
/// The most patch releases a series gets.
pub const MAX_PATCHES: u64 = 25;

/// One release series of the corpus.
struct Series {
    name: String,
    lts: bool,
    released: Date,
    bugfix_until: Date,
    security_until: Date,
    /// Version and date, oldest first.
    versions: Vec<(String, Date)>,
}

fn start() -> Date {
    Date::new(2000, 1, 1).unwrap()
}

fn series(rng: &mut Lcg) -> Vec<Series> {
    let mut all = Vec::new();
    for major in 1..=MAJORS {
        for minor in 0..MINORS {
            let k = ((major - 1) * MINORS + minor) as i64;
            let released = start().checked_add((4 * k).months()).unwrap();
            let lts = minor == 2;
            let security_until = released
                .checked_add(if lts { 36.months() } else { 8.months() })
                .unwrap();
            let patches = 1 + rng.pick(MAX_PATCHES) as i64;
            let versions = (0..=patches)
                .map(|p| {
                    let v = if p == 0 {
                        format!("{major}.{minor}")
                    } else {
                        format!("{major}.{minor}.{p}")
                    };
                    (v, released.checked_add(p.months()).unwrap())
                })
                .collect();
            all.push(Series {
                name: format!("{major}.{minor}"),
                lts,
                released,
                bugfix_until: released.checked_add(4.months()).unwrap(),
                security_until,
                versions,
            });
        }
    }
    all
}

fn releases_yaml(all: &[Series]) -> String {
    let mut y = String::from("series:\n  - name: main\n    development: true\n");
    for s in all.iter().rev() {
        let _ = writeln!(y, "  - name: \"{}\"", s.name);
        if s.lts {
            y.push_str("    lts: true\n");
        }
        let _ = write!(
            y,
            "    released: {}\n    bugfix_until: {}\n    security_until: {}\n    versions:\n",
            s.released, s.bugfix_until, s.security_until
        );
        for (v, d) in &s.versions {
            let _ = writeln!(y, "      - {{ version: \"{v}\", date: {d} }}");
        }
    }
    y
}

/// Writes a complete site with `count` advisories under `root`.
pub fn write_site(root: &Path, count: usize) {
    let adv = root.join("content/advisories");
    std::fs::create_dir_all(&adv).unwrap();
    std::fs::create_dir_all(root.join("content/pages")).unwrap();
    std::fs::write(root.join("site.toml"), SITE_TOML).unwrap();
    std::fs::write(
        root.join("content/pages/policy.md"),
        "---\ntitle: Security policy\n---\nReport to security@bench.example.\n",
    )
    .unwrap();
    let mut rng = Lcg(42);
    let all = series(&mut rng);
    std::fs::write(root.join("content/releases.yaml"), releases_yaml(&all)).unwrap();

    let last_day = all
        .iter()
        .filter_map(|s| s.versions.last().map(|(_, d)| *d))
        .max()
        .unwrap();
    let span = (last_day - start()).get_days() as u64;
    let mut i = 0;
    while i < count {
        let day = start().checked_add((rng.pick(span) as i64).days()).unwrap();
        // The series supported that day that release again: each gets its
        // next release as the fix.
        let fixes: Vec<(&Series, &str)> = all
            .iter()
            .filter(|s| s.released <= day && day <= s.security_until)
            .filter_map(|s| {
                s.versions
                    .iter()
                    .find(|(_, d)| *d >= day && *d > s.released)
                    .map(|(v, _)| (s, v.as_str()))
            })
            .take(3)
            .collect();
        if fixes.is_empty() {
            continue;
        }
        let published = fixes
            .iter()
            .filter_map(|(s, v)| s.versions.iter().find(|(x, _)| x == v).map(|(_, d)| *d))
            .max()
            .unwrap();
        write_advisory(&adv, &mut rng, i, published, &fixes);
        i += 1;
    }
}

fn write_advisory(adv: &Path, rng: &mut Lcg, i: usize, published: Date, fixes: &[(&Series, &str)]) {
    let year = published.year();
    let id = format!("BENCH-{year}-{i:05}");
    let severity = ["high", "moderate", "low"][rng.pick(3) as usize];
    let mut affected = String::new();
    for (s, fixed) in fixes {
        let hash: String = (0..40)
            .map(|_| char::from_digit(rng.pick(16) as u32, 16).unwrap())
            .collect();
        let _ = write!(
            affected,
            "  - series: \"{}\"\n    fixed: \"{fixed}\"\n    patches:\n      - https://github.com/bench/bench/commit/{hash}\n",
            s.name
        );
    }
    let mut fields = String::new();
    let _ = write!(
        fields,
        "title: Denial of service in component {i} when parsing crafted input\n\
         aliases: [CVE-{year}-{:05}]\n\
         published: {published}T14:00:00Z\n\
         severity: {severity}\n\
         cvss: CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H\n\
         cwe: [CWE-400, CWE-770]\n\
         affected:\n{affected}\
         credits:\n  - name: Reporter {i}\n    contact: mailto:r{i}@example.org\n    type: finder\n  - name: Fixer {i}\n    type: remediation_developer\n\
         references:\n  - type: report\n    url: https://github.com/bench/bench/issues/{i}\n  - type: web\n    url: https://bench.example/blog/{i}\n",
        10000 + i
    );
    let details = "The parser in `component` allocated memory in proportion to a length \
field it read from the input, before checking that the input was that long. A crafted \
request of a few bytes could make the process allocate gigabytes and be killed.\n\n\
The length is now checked against the bytes available first, and allocations are capped.\n\n\
- Upgrade to the fixed release of your series.\n- If you cannot upgrade, limit request sizes in your proxy.\n";
    if i.is_multiple_of(2) {
        let text = format!("---\n{fields}---\n{details}");
        std::fs::write(adv.join(format!("{id}.md")), text).unwrap();
    } else {
        let indented: String = details.lines().map(|l| format!("  {l}\n")).collect();
        let text = format!("{fields}details: |\n{indented}");
        std::fs::write(adv.join(format!("{id}.yaml")), text).unwrap();
    }
}

const SITE_TOML: &str = r#"title = "Bench security"
base_url = "https://bench.example/security/"

[project]
name = "Bench"
vendor = "Bench Foundation"
repository = "https://github.com/bench/bench"
version_scheme = "pep440"

[project.package]
ecosystem = "PyPI"
name = "bench"
purl = "pkg:pypi/bench"

[security_txt]
contact = ["mailto:security@bench.example"]

[csaf]
publisher_name = "Bench Foundation"
namespace = "https://bench.example"
category = "vendor"
"#;
