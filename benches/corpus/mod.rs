//! Generates a synthetic site with many advisories, for benchmarks: PEP 440
//! releases over ten series, advisories in both file forms, with aliases,
//! CVSS, credits, references and a few paragraphs of Markdown each.

#![allow(clippy::disallowed_methods, dead_code)]

use std::fmt::Write as _;
use std::path::Path;

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

pub const SERIES: u32 = 10;
pub const POINTS: u32 = 40;

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

    let mut releases = String::from("series:\n  - name: main\n    development: true\n");
    for s in (1..=SERIES).rev() {
        let year = 2000 + s;
        let _ = write!(
            releases,
            "  - name: \"{s}.0\"\n    released: {year}-01-01\n    bugfix_until: {}-01-01\n    security_until: {}-12-31\n    versions:\n",
            year + 1,
            year + 2
        );
        for p in 0..POINTS {
            let version = if p == 0 {
                format!("{s}.0")
            } else {
                format!("{s}.0.{p}")
            };
            let _ = writeln!(
                releases,
                "      - {{ version: \"{version}\", date: {year}-{:02}-{:02} }}",
                1 + p / 4,
                1 + p % 4 * 7
            );
        }
    }
    std::fs::write(root.join("content/releases.yaml"), releases).unwrap();

    let mut rng = Lcg(42);
    for i in 0..count {
        let s = 1 + (i as u32 % SERIES);
        let year = 2000 + s;
        let fix_point = 1 + rng.pick((POINTS - 1) as u64) as u32;
        let month = 1 + fix_point / 4;
        let day = 1 + fix_point % 4 * 7;
        let id = format!("BENCH-{year}-{i:05}");
        let severity = ["high", "moderate", "low"][rng.pick(3) as usize];
        let hash: String = (0..40)
            .map(|_| char::from_digit(rng.pick(16) as u32, 16).unwrap())
            .collect();
        let mut fields = String::new();
        let _ = write!(
            fields,
            "title: Denial of service in component {i} when parsing crafted input\n\
             aliases: [CVE-{year}-{:05}]\n\
             published: {year}-{month:02}-{day:02}T14:00:00Z\n\
             severity: {severity}\n\
             cvss: CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H\n\
             cwe: [CWE-400, CWE-770]\n\
             affected:\n  - series: \"{s}.0\"\n    fixed: \"{s}.0.{fix_point}\"\n    patches:\n      - https://github.com/bench/bench/commit/{hash}\n  - series: main\n\
             credits:\n  - name: Reporter {i}\n    contact: mailto:r{i}@example.org\n    type: finder\n  - name: Fixer {i}\n    type: remediation_developer\n\
             references:\n  - type: report\n    url: https://github.com/bench/bench/issues/{i}\n  - type: web\n    url: https://bench.example/blog/{i}\n",
            10000 + i
        );
        let details = "The parser in `component` allocated memory in proportion to a length \
field it read from the input, before checking that the input was that long. A crafted \
request of a few bytes could make the process allocate gigabytes and be killed.\n\n\
The length is now checked against the bytes available first, and allocations are capped.\n\n\
- Upgrade to the fixed release of your series.\n- If you cannot upgrade, limit request sizes in your proxy.\n";
        if i % 2 == 0 {
            let text = format!("---\n{fields}---\n{details}");
            std::fs::write(adv.join(format!("{id}.md")), text).unwrap();
        } else {
            let indented: String = details.lines().map(|l| format!("  {l}\n")).collect();
            let text = format!("{fields}details: |\n{indented}");
            std::fs::write(adv.join(format!("{id}.yaml")), text).unwrap();
        }
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
