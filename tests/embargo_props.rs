//! The embargo guarantees as a property: random sites (advisories in both
//! file forms, publish times in several offsets and as bare dates, with and
//! without `announce`), random clocks and feed caps, rendered in memory.
//! For every case no byte of any output — nor of any entry of `osv/all.zip`,
//! nor any output path — names a withheld advisory; every published advisory
//! is in every output; and pre-notifications carry only the release date and
//! severities, exactly while `announce <= now < published`.
//!
//! The expected lift times are computed here from the text written, not by
//! the crate, so a parsing mistake in the model cannot hide itself.

#![allow(clippy::disallowed_methods)]

use crate::support;
use support::*;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Read as _;
use std::path::Path;

use aho_corasick::AhoCorasick;
use disclose::Options;
use disclose::render::Output;
use jiff::tz::{Offset, TimeZone};
use jiff::{SignedDuration, Timestamp, ToSpan};
use proptest::prelude::*;

const DAY: i64 = 86_400;
/// Publish times and clocks fall in this many seconds after [`base`].
const WINDOW: i64 = 60 * DAY;
const LEVELS: [&str; 3] = ["high", "moderate", "low"];
const HOST: &str = "prop.example";
/// A credit shared by withheld and published advisories: not a token, and
/// it must stay on the thanks page while a published advisory carries it.
const SHARED_CREDIT: &str = "Pat Sharedhelper";

fn base() -> Timestamp {
    "2030-03-01T00:00:00Z".parse().unwrap()
}

fn at(secs: i64) -> Timestamp {
    base().checked_add(SignedDuration::from_secs(secs)).unwrap()
}

fn utc(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// One advisory as the strategy draws it; the tokens come from the case seed.
#[derive(Debug, Clone)]
struct AdvSpec {
    published: i64,
    /// Published at the same time as an earlier advisory: one release.
    same_time_as: Option<prop::sample::Index>,
    /// 0: UTC `Z`, 1: `+05:30`, 2: `-08:00`, 3: a bare date.
    zone: u8,
    announce_lead: Option<i64>,
    modified_after: Option<i64>,
    withdrawn_after: Option<i64>,
    /// An index into [`LEVELS`], or 3 for not rated.
    severity: usize,
    /// 0: series 1.0, 1: series 2.0, 2: both.
    series: u8,
    /// 0: commit URL, 1: bare hash, 2: `{commit, label}`.
    patch_form: u8,
    yaml: bool,
    /// 0: none, 1: a CVE, 2: a CVE and a GHSA id, 3: two CVEs.
    aliases: u8,
    shared_credit: bool,
}

fn adv_spec() -> impl Strategy<Value = AdvSpec> {
    (
        (
            0..WINDOW,
            0u8..4,
            prop::option::of(1..45 * DAY),
            prop::option::of(1..10 * DAY),
            prop::option::weighted(0.15, 1..10 * DAY),
            prop::option::weighted(0.4, any::<prop::sample::Index>()),
        ),
        (
            0usize..4,
            0u8..3,
            0u8..3,
            any::<bool>(),
            0u8..4,
            any::<bool>(),
        ),
    )
        .prop_map(
            |(
                (published, zone, announce_lead, modified_after, withdrawn_after, same_time_as),
                (severity, series, patch_form, yaml, aliases, shared_credit),
            )| AdvSpec {
                published,
                same_time_as,
                zone,
                announce_lead,
                modified_after,
                withdrawn_after,
                severity,
                series,
                patch_form,
                yaml,
                aliases,
                shared_credit,
            },
        )
}

/// SplitMix64, seeded per case, so a failing case replays with its tokens.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn pick(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len)
            .map(|_| char::from(alphabet[(self.next() % alphabet.len() as u64) as usize]))
            .collect()
    }
}

const LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS: &[u8] = b"0123456789";
const HEX: &[u8] = b"0123456789abcdef";
const GHSA: &[u8] = b"23456789cfghjmpqrvwx";

/// Draws strings that are unique across the whole site (case-insensitively),
/// and long enough that none can turn up in other text by chance.
struct Fresh {
    rng: Rng,
    seen: BTreeSet<String>,
}

impl Fresh {
    fn draw(&mut self, make: impl Fn(&mut Rng) -> String) -> String {
        loop {
            let t = make(&mut self.rng);
            if self.seen.insert(t.to_ascii_lowercase()) {
                return t;
            }
        }
    }

    fn word(&mut self) -> String {
        self.draw(|r| r.pick(LOWER, 10))
    }

    fn name(&mut self) -> String {
        self.draw(|r| {
            let cap = |w: String| w[..1].to_ascii_uppercase() + &w[1..];
            format!("{} {}", cap(r.pick(LOWER, 8)), cap(r.pick(LOWER, 9)))
        })
    }
}

/// Everything about one generated advisory that the test checks.
#[derive(Debug)]
struct Adv {
    id: String,
    aliases: Vec<String>,
    cves: Vec<String>,
    title: String,
    /// Words that occur only in this advisory: title words, the details
    /// marker, a patch label and a reference path.
    words: Vec<String>,
    hashes: Vec<String>,
    credit: String,
    shared_credit: bool,
    lift: Timestamp,
    announce: Option<Timestamp>,
    /// When its feed entry last changed (withdrawal or modification).
    updated: Timestamp,
    severity: Option<&'static str>,
}

impl Adv {
    /// Every string that would reveal this advisory.
    fn tokens(&self) -> Vec<String> {
        let mut t = vec![self.id.clone(), self.title.clone(), self.credit.clone()];
        t.extend(self.aliases.iter().cloned());
        t.extend(self.words.iter().cloned());
        for h in &self.hashes {
            t.push(h.clone());
            t.push(h[..12].to_string());
        }
        t
    }

    fn entry_id(&self) -> String {
        format!(
            "tag:{HOST},{}:advisory/{}",
            self.lift.strftime("%Y-%m-%d"),
            self.id
        )
    }
}

/// Writes the advisory file and returns what the test expects of it.
fn write_advisory(dir: &Path, spec: &AdvSpec, fresh: &mut Fresh) -> Adv {
    let id = fresh.draw(|r| format!("{}-2030-{}", r.pick(UPPER, 4), r.pick(DIGITS, 5)));
    let mut cves = Vec::new();
    let mut aliases = Vec::new();
    let cve = |f: &mut Fresh| f.draw(|r| format!("CVE-2030-{}", r.pick(DIGITS, 6)));
    match spec.aliases {
        1 => cves.push(cve(fresh)),
        2 => {
            cves.push(cve(fresh));
            aliases.push(fresh.draw(|r| {
                format!(
                    "GHSA-{}-{}-{}",
                    r.pick(GHSA, 4),
                    r.pick(GHSA, 4),
                    r.pick(GHSA, 4)
                )
            }));
        }
        3 => {
            cves.push(cve(fresh));
            cves.push(cve(fresh));
        }
        _ => {}
    }
    aliases.splice(0..0, cves.iter().cloned());
    let title_words = [fresh.word(), fresh.word(), fresh.word()];
    let title = format!(
        "{} in {} when {}",
        title_words[0], title_words[1], title_words[2]
    );
    let marker = fresh.word();
    let label = fresh.word();
    let reference = fresh.word();
    let credit = fresh.name();

    let instant = at(spec.published);
    let (published_text, lift) = match spec.zone {
        3 => {
            let date = instant.to_zoned(TimeZone::UTC).date();
            let lift = date
                .checked_add(1.day())
                .unwrap()
                .at(12, 0, 0, 0)
                .to_zoned(TimeZone::UTC)
                .unwrap()
                .timestamp();
            (date.to_string(), lift)
        }
        z => {
            let offset = match z {
                1 => Offset::from_seconds(5 * 3600 + 1800).unwrap(),
                2 => Offset::from_hours(-8).unwrap(),
                _ => Offset::UTC,
            };
            let text = instant
                .to_zoned(TimeZone::fixed(offset))
                .strftime("%Y-%m-%dT%H:%M:%S%:z")
                .to_string();
            (text, instant)
        }
    };
    let after = |s: i64| lift.checked_add(SignedDuration::from_secs(s)).unwrap();
    let announce = spec
        .announce_lead
        .map(|l| lift.checked_sub(SignedDuration::from_secs(l)).unwrap());
    let modified = spec.modified_after.map(after);
    let withdrawn = spec.withdrawn_after.map(after);
    let severity = LEVELS.get(spec.severity).copied();
    let series: &[(&str, &str)] = match spec.series {
        0 => &[("1.0", "1.0.3")],
        1 => &[("2.0", "2.0.2")],
        _ => &[("2.0", "2.0.2"), ("1.0", "1.0.3")],
    };
    let hashes: Vec<String> = series
        .iter()
        .map(|_| fresh.draw(|r| r.pick(HEX, 40)))
        .collect();

    let mut y = String::new();
    if spec.yaml {
        let _ = writeln!(y, "id: {id}");
    }
    let _ = writeln!(y, "title: {title}");
    if !aliases.is_empty() {
        let _ = writeln!(y, "aliases: [{}]", aliases.join(", "));
    }
    let _ = writeln!(y, "published: \"{published_text}\"");
    if let Some(t) = announce {
        let _ = writeln!(y, "announce: \"{}\"", utc(t));
    }
    if let Some(t) = modified {
        let _ = writeln!(y, "modified: \"{}\"", utc(t));
    }
    if let Some(t) = withdrawn {
        let _ = writeln!(y, "withdrawn: \"{}\"", utc(t));
        let _ = writeln!(y, "withdrawn_reason: not a vulnerability after all");
    }
    if let Some(s) = severity {
        let _ = writeln!(y, "severity: {s}");
    }
    let _ = writeln!(y, "affected:");
    for ((name, fixed), hash) in series.iter().zip(&hashes) {
        let _ = writeln!(
            y,
            "  - series: \"{name}\"\n    fixed: \"{fixed}\"\n    patches:"
        );
        match spec.patch_form {
            0 => {
                let _ = writeln!(y, "      - https://github.com/prop/prop/commit/{hash}");
            }
            1 => {
                let _ = writeln!(y, "      - {hash}");
            }
            _ => {
                let _ = writeln!(y, "      - commit: {hash}\n        label: {label} branch");
            }
        }
    }
    let _ = writeln!(y, "credits:\n  - name: {credit}\n    type: finder");
    if spec.shared_credit {
        let _ = writeln!(y, "  - name: {SHARED_CREDIT}\n    type: reporter");
    }
    let _ = writeln!(
        y,
        "references:\n  - type: report\n    url: https://{HOST}/issues/{reference}"
    );
    let details = format!(
        "The {marker} parser of {id} read past its buffer.\n\nUpgrade to a fixed release.\n"
    );
    let (file, text) = if spec.yaml {
        let indented: String = details.lines().map(|l| format!("  {l}\n")).collect();
        (format!("{id}.yaml"), format!("{y}details: |\n{indented}"))
    } else {
        (format!("{id}.md"), format!("---\n{y}---\n{details}"))
    };
    std::fs::write(dir.join(file), text).unwrap();

    let mut words = title_words.to_vec();
    words.push(marker);
    if spec.patch_form == 2 {
        words.push(label);
    }
    words.push(reference);
    Adv {
        id,
        aliases,
        cves,
        title,
        words,
        hashes,
        credit,
        shared_credit: spec.shared_credit,
        lift,
        announce,
        updated: withdrawn.map_or(modified.unwrap_or(lift), |w| {
            w.max(modified.unwrap_or(lift))
        }),
        severity,
    }
}

fn write_site(root: &Path, feed_cap: usize) {
    std::fs::create_dir_all(root.join("content/advisories")).unwrap();
    std::fs::create_dir_all(root.join("content/pages")).unwrap();
    // Expires lands after every publish time, so no date in security.txt
    // can equal a lift time by chance.
    let toml = format!(
        r#"title = "Prop security"
base_url = "https://{HOST}/security/"

[project]
name = "Prop"
vendor = "Prop Developers"
repository = "https://github.com/prop/prop"
version_scheme = "semver"

[project.package]
ecosystem = "crates.io"
name = "prop"
purl = "pkg:cargo/prop"

[security_txt]
contact = ["mailto:security@{HOST}"]
expires_days = 200

[csaf]
publisher_name = "Prop Developers"
namespace = "https://{HOST}"
category = "vendor"

[feeds]
entries = {feed_cap}
"#
    );
    std::fs::write(root.join("site.toml"), toml).unwrap();
    std::fs::write(
        root.join("content/releases.yaml"),
        r#"series:
  - name: main
    development: true
  - name: "2.0"
    released: 2029-06-01
    bugfix_until: 2031-06-01
    security_until: 2032-06-01
    versions:
      - { version: "2.0.0", date: 2029-06-01 }
      - { version: "2.0.1", date: 2029-09-01 }
      - { version: "2.0.2", date: 2030-01-15 }
  - name: "1.0"
    released: 2028-06-01
    bugfix_until: 2029-06-01
    security_until: 2031-06-01
    versions:
      - { version: "1.0.0", date: 2028-06-01 }
      - { version: "1.0.1", date: 2028-09-01 }
      - { version: "1.0.2", date: 2029-03-01 }
      - { version: "1.0.3", date: 2030-01-15 }
"#,
    )
    .unwrap();
    std::fs::write(
        root.join("content/pages/policy.md"),
        "---\ntitle: Security policy\n---\nReport issues to security@prop.example.\n",
    )
    .unwrap();
}

/// Each output, and each entry of a zip output decompressed, with the name
/// a leak would be reported under.
fn all_bytes(outputs: &[Output]) -> Vec<(String, Vec<u8>)> {
    let mut all = Vec::new();
    for o in outputs {
        all.push((format!("{} (path)", o.path), o.path.clone().into_bytes()));
        all.push((o.path.clone(), o.bytes.clone()));
        if o.path.ends_with(".zip") {
            for (name, bytes) in unzip(&o.bytes) {
                all.push((
                    format!("{}!{name} (entry name)", o.path),
                    name.clone().into(),
                ));
                all.push((format!("{}!{name}", o.path), bytes));
            }
        }
    }
    all
}

fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).unwrap();
            let name = file.name().unwrap().into_owned();
            let mut content = Vec::new();
            file.read_to_end(&mut content).unwrap();
            (name, content)
        })
        .collect()
}

fn json(outputs: &[Output], path: &str) -> serde_json::Value {
    serde_json::from_str(text(outputs, path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The `<entry>` elements of an Atom feed, as text.
fn entries(feed: &str) -> Vec<&str> {
    feed.split("<entry>").skip(1).collect()
}

/// The entry of a release feed whose id is `tag:<host>,<day>:<kind>/<time>`:
/// the id a release's notice (`release`) or its entry (`security-release`)
/// has, from its publish time alone.
fn entry_of<'a>(
    entries: &[&'a str],
    kind: &str,
    release: Timestamp,
) -> Result<&'a str, TestCaseError> {
    let id = format!(
        "<id>tag:{HOST},{}:{kind}/{}</id>",
        release.strftime("%Y-%m-%d"),
        release.strftime("%Y%m%dT%H%M%SZ")
    );
    entries
        .iter()
        .find(|e| e.contains(&id))
        .copied()
        .ok_or_else(|| TestCaseError::fail(format!("no entry {id}")))
}

/// Feed order: newest `updated` first, then newest published, then entry id.
fn capped<T>(
    mut items: Vec<T>,
    key: impl Fn(&T) -> (Timestamp, Timestamp, String),
    cap: usize,
) -> Vec<T> {
    items.sort_by(|a, b| {
        let (ua, pa, ia) = key(a);
        let (ub, pb, ib) = key(b);
        ub.cmp(&ua).then(pb.cmp(&pa)).then(ia.cmp(&ib))
    });
    items.truncate(cap);
    items
}

/// The build clock: anywhere in the window, or within two seconds of one
/// advisory's lift, where an off-by-one would show.
#[derive(Debug, Clone)]
enum Clock {
    Anywhere(i64),
    NearLift(prop::sample::Index, i64),
}

fn clock() -> impl Strategy<Value = Clock> {
    prop_oneof![
        (0..WINDOW).prop_map(Clock::Anywhere),
        (any::<prop::sample::Index>(), -2i64..=2).prop_map(|(i, d)| Clock::NearLift(i, d)),
    ]
}

fn check_case(
    specs: &[AdvSpec],
    clock: &Clock,
    feed_cap: usize,
    seed: u64,
) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write_site(root, feed_cap);
    let mut fresh = Fresh {
        rng: Rng(seed),
        seen: BTreeSet::new(),
    };
    let mut specs = specs.to_vec();
    for i in 1..specs.len() {
        if let Some(ix) = specs[i].same_time_as {
            let j = ix.index(i);
            specs[i].published = specs[j].published;
            specs[i].zone = specs[j].zone;
        }
    }
    let advs: Vec<Adv> = specs
        .iter()
        .map(|s| write_advisory(&root.join("content/advisories"), s, &mut fresh))
        .collect();
    let now = match clock {
        Clock::Anywhere(secs) => at(*secs),
        Clock::NearLift(i, d) => advs[i.index(advs.len())]
            .lift
            .checked_add(SignedDuration::from_secs(*d))
            .unwrap(),
    };

    let (outputs, embargoed, _) =
        disclose::render_site(&Options::new(root, now)).map_err(|e| match e {
            disclose::BuildError::Content(report) => {
                TestCaseError::fail(format!("the site has errors: {:#?}", report.diagnostics))
            }
            e => TestCaseError::fail(format!("render failed: {e}")),
        })?;

    let (public, withheld): (Vec<&Adv>, Vec<&Adv>) = advs.iter().partition(|a| a.lift <= now);

    // The crate agrees with this test on who is withheld and until when.
    let mut reported: Vec<(String, Timestamp)> = embargoed
        .withheld
        .iter()
        .map(|w| (w.id.clone(), w.lifts_at))
        .collect();
    reported.sort();
    let mut expected: Vec<(String, Timestamp)> =
        withheld.iter().map(|a| (a.id.clone(), a.lift)).collect();
    expected.sort();
    prop_assert_eq!(reported, expected);

    // 1. No withheld token in any byte, path or zip entry.
    let tokens: Vec<String> = withheld.iter().flat_map(|a| a.tokens()).collect();
    let everything = all_bytes(&outputs);
    if !tokens.is_empty() {
        let matcher = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(&tokens)
            .unwrap();
        for (name, bytes) in &everything {
            if let Some(m) = matcher.find(bytes) {
                prop_assert!(
                    false,
                    "withheld token `{}` in {} at byte {}",
                    tokens[m.pattern().as_usize()],
                    name,
                    m.start()
                );
            }
        }
    }

    // 2. Pre-notifications: one per release time whose `announce` has
    // passed, with its severities, and nothing at all for the others.
    let mut groups: BTreeMap<Timestamp, (Vec<Option<&str>>, Timestamp, Timestamp)> =
        BTreeMap::new();
    for a in &withheld {
        if let Some(t) = a.announce.filter(|t| *t <= now) {
            let g = groups.entry(a.lift).or_insert((Vec::new(), t, t));
            g.0.push(a.severity);
            g.1 = g.1.min(t);
            g.2 = g.2.max(t);
        }
    }
    for a in &withheld {
        if groups.contains_key(&a.lift) {
            continue;
        }
        let stamps = [utc(a.lift), a.lift.strftime("%Y%m%dT%H%M%SZ").to_string()];
        let matcher = AhoCorasick::new(&stamps).unwrap();
        for (name, bytes) in &everything {
            prop_assert!(
                !matcher.is_match(bytes),
                "the lift time of unannounced {} is in {}",
                a.id,
                name
            );
        }
    }
    let announcements = text(&outputs, "announcements/index.html");
    let index = text(&outputs, "index.html");
    if groups.is_empty() {
        prop_assert!(announcements.contains("No security release is announced"));
        prop_assert!(!index.contains("Security release announced"));
    }
    for release in groups.keys() {
        let iso = format!("datetime=\"{}\"", utc(*release));
        prop_assert!(
            announcements.contains(&iso),
            "{} not on /announcements/",
            iso
        );
        prop_assert!(index.contains(&iso), "{} not on the archive", iso);
    }
    // Releases: the advisories of one publish time, with the page segment
    // the site gives each (the date, else date and time), decided here.
    let mut releases: BTreeMap<Timestamp, Vec<&Adv>> = BTreeMap::new();
    for a in &advs {
        releases.entry(a.lift).or_default().push(a);
    }
    let mut slugs: BTreeMap<Timestamp, String> = BTreeMap::new();
    for lift in releases.keys() {
        let candidates = [
            lift.strftime("%Y-%m-%d").to_string(),
            lift.strftime("%Y-%m-%d-%H%M").to_string(),
            lift.strftime("%Y-%m-%d-%H%M%S").to_string(),
        ];
        let slug = candidates
            .into_iter()
            .find(|c| !slugs.values().any(|s| s == c))
            .expect("no two releases share a second");
        slugs.insert(*lift, slug);
    }
    // A published release that was announced keeps its pre-notification in
    // the feed, under the same id, then dated by the release.
    /// An entry of the announcements feed: a coming release's notice, or
    /// the notice of a published one.
    struct Notice<'a> {
        release: Timestamp,
        severities: Vec<Option<&'a str>>,
        first: Timestamp,
        last: Timestamp,
        coming: bool,
    }
    let mut notices: Vec<Notice> = groups
        .iter()
        .map(|(release, (severities, first, last))| Notice {
            release: *release,
            severities: severities.clone(),
            first: *first,
            last: *last,
            coming: true,
        })
        .collect();
    for (lift, members) in releases.range(..=now) {
        if let Some(first) = members.iter().filter_map(|a| a.announce).min() {
            notices.push(Notice {
                release: *lift,
                severities: members.iter().map(|a| a.severity).collect(),
                first,
                last: *lift,
                coming: false,
            });
        }
    }

    let feed = text(&outputs, "feeds/announcements.atom");
    let feed_entries = entries(feed);
    let shown = capped(
        notices,
        |n| {
            (
                n.last,
                n.first,
                n.release.strftime("%Y%m%dT%H%M%SZ").to_string(),
            )
        },
        feed_cap,
    );
    prop_assert_eq!(feed_entries.len(), shown.len());
    for Notice {
        release,
        severities,
        coming,
        ..
    } in shown
    {
        let entry = entry_of(&feed_entries, "release", release)?;
        for s in severities {
            let term = format!("term=\"{}\"", s.unwrap_or("not-rated"));
            prop_assert!(entry.contains(&term), "{} missing in {}", term, entry);
        }
        let link = if coming {
            format!("href=\"https://{HOST}/security/announcements/\"")
        } else {
            format!(
                "href=\"https://{HOST}/security/releases/{}/\"",
                slugs[&release]
            )
        };
        prop_assert!(entry.contains(&link), "{} missing in {}", link, entry);
        if !coming {
            prop_assert!(
                announcements.contains(&format!("href=\"../releases/{}/\"", slugs[&release])),
                "/announcements/ does not link the release of {}",
                release
            );
        }
    }

    // 3. Every published advisory is in every output.
    let zip_names: BTreeSet<String> = unzip(
        &outputs
            .iter()
            .find(|o| o.path == "osv/all.zip")
            .unwrap()
            .bytes,
    )
    .into_iter()
    .map(|(n, _)| n)
    .collect();
    let osv_index = json(&outputs, "osv-index.json");
    let thanks = text(&outputs, "thanks/index.html");
    for a in &public {
        let page = text(&outputs, &format!("advisories/{}/index.html", a.id));
        prop_assert!(page.contains(&a.title), "{} page lacks its title", a.id);
        let osv_id = format!("x_{}", a.id);
        let osv = json(&outputs, &format!("osv/{osv_id}.json"));
        prop_assert_eq!(&osv["id"], &serde_json::json!(osv_id));
        prop_assert_eq!(&osv["summary"], &serde_json::json!(a.title));
        for alias in &a.aliases {
            prop_assert!(
                osv["aliases"]
                    .as_array()
                    .is_some_and(|l| l.contains(&serde_json::json!(alias))),
                "{} lacks alias {}",
                osv_id,
                alias
            );
        }
        prop_assert!(
            zip_names.contains(&format!("{osv_id}.json")),
            "{} not in all.zip",
            osv_id
        );
        prop_assert!(
            osv_index
                .as_array()
                .is_some_and(|l| l.iter().any(|r| r["id"] == osv_id.as_str())),
            "{} not in osv-index.json",
            osv_id
        );
        let csaf_path = format!(
            ".well-known/csaf/white/{}/{}.json",
            a.lift.to_zoned(TimeZone::UTC).year(),
            a.id.to_ascii_lowercase()
        );
        let csaf = json(&outputs, &csaf_path);
        prop_assert_eq!(
            &csaf["document"]["tracking"]["id"],
            &serde_json::json!(a.id)
        );
        for cve in &a.cves {
            let record = json(&outputs, &format!("cve/{cve}.json"));
            prop_assert_eq!(&record["cveMetadata"]["cveId"], &serde_json::json!(cve));
        }
        prop_assert!(thanks.contains(&a.credit), "{} not thanked", a.credit);
        if a.shared_credit {
            prop_assert!(thanks.contains(SHARED_CREDIT));
        }
    }
    let all_feed = entries(text(&outputs, "feeds/all.atom"));
    let newest = capped(
        public.clone(),
        |a| (a.updated, a.lift, a.entry_id()),
        feed_cap,
    );
    prop_assert_eq!(all_feed.len(), newest.len());
    for a in newest {
        let id = format!("<id>{}</id>", a.entry_id());
        prop_assert!(
            all_feed.iter().any(|e| e.contains(&id)),
            "{} not in feeds/all.atom",
            a.id
        );
    }

    // 4. A published release has its page, listing each of its advisories,
    // and its feed entry; a coming one has no page, no link, no entry.
    let release_pages: BTreeSet<String> = outputs
        .iter()
        .map(|o| o.path.clone())
        .filter(|p| p.starts_with("releases/") && p != "releases/index.html")
        .collect();
    let expected_pages: BTreeSet<String> = releases
        .range(..=now)
        .map(|(lift, _)| format!("releases/{}/index.html", slugs[lift]))
        .collect();
    prop_assert_eq!(&release_pages, &expected_pages);
    let index_page = text(&outputs, "releases/index.html");
    for (lift, members) in releases.range(..=now) {
        let page = text(&outputs, &format!("releases/{}/index.html", slugs[lift]));
        for a in members {
            prop_assert!(page.contains(&a.id), "release page lacks {}", a.id);
            prop_assert!(
                page.contains(&a.title),
                "release page lacks the title of {}",
                a.id
            );
            let advisory = text(&outputs, &format!("advisories/{}/index.html", a.id));
            let link = format!("href=\"../../releases/{}/\"", slugs[lift]);
            prop_assert!(
                advisory.contains(&link),
                "{} does not link its release",
                a.id
            );
        }
        let link = format!("href=\"../releases/{}/\"", slugs[lift]);
        prop_assert!(index_page.contains(&link), "/releases/ lacks {}", link);
    }
    for (lift, _) in releases.range((std::ops::Bound::Excluded(now), std::ops::Bound::Unbounded)) {
        let link = format!("releases/{}/", slugs[lift]);
        for (name, bytes) in &everything {
            prop_assert!(
                !bytes.windows(link.len()).any(|w| w == link.as_bytes()),
                "the coming release {} is linked from {}",
                link,
                name
            );
        }
    }
    let release_feed = entries(text(&outputs, "feeds/releases.atom"));
    let newest = capped(
        releases.range(..=now).collect(),
        |(lift, members)| {
            (
                members.iter().map(|a| a.updated).max().unwrap_or(**lift),
                **lift,
                lift.strftime("%Y%m%dT%H%M%SZ").to_string(),
            )
        },
        feed_cap,
    );
    prop_assert_eq!(release_feed.len(), newest.len());
    for (lift, members) in newest {
        let entry = entry_of(&release_feed, "security-release", *lift)?;
        for a in members {
            prop_assert!(
                entry.contains(&a.id),
                "{} not in the entry of its release",
                a.id
            );
        }
        let updated = members.iter().map(|a| a.updated).max().unwrap_or(*lift);
        let updated = format!("<updated>{}</updated>", utc(updated));
        prop_assert!(entry.contains(&updated), "{} missing in {}", updated, entry);
    }

    // 5. The release-day texts of every release, prepared at the clock,
    // name each of its advisories and nothing of a release after it.
    for (lift, members) in &releases {
        let made = disclose::announce::prepare(&Options::new(root, now), Some(&utc(*lift)))
            .map_err(|e| TestCaseError::fail(format!("announce {}: {e}", utc(*lift))))?;
        prop_assert_eq!(made.under_embargo(), *lift > now);
        let later: Vec<String> = advs
            .iter()
            .filter(|a| a.lift > *lift)
            .flat_map(|a| a.tokens())
            .collect();
        let matcher = (!later.is_empty()).then(|| {
            AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(&later)
                .unwrap()
        });
        for t in &made.texts {
            if let Some(m) = matcher.as_ref().and_then(|m| m.find(&t.bytes)) {
                prop_assert!(
                    false,
                    "the texts of {} name `{}` of a later release in {}",
                    utc(*lift),
                    later[m.pattern().as_usize()],
                    t.path
                );
            }
        }
        let mail = made
            .texts
            .iter()
            .find(|t| t.path.ends_with("-announce-mail.txt"))
            .ok_or_else(|| TestCaseError::fail("no announce mail"))?;
        let mail = String::from_utf8_lossy(&mail.bytes);
        for a in members {
            prop_assert!(
                mail.contains(&a.id),
                "the mail of {} lacks {}",
                utc(*lift),
                a.id
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 48,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Random sites, clocks and embargo sets: nothing withheld leaks,
    /// everything published is there, and pre-notifications say only when
    /// and how severe.
    #[test]
    fn withheld_advisories_leak_nowhere_and_published_ones_are_everywhere(
        specs in prop::collection::vec(adv_spec(), 1..7),
        clock in clock(),
        feed_cap in 1usize..6,
        seed in any::<u64>(),
    ) {
        check_case(&specs, &clock, feed_cap, seed)?;
    }
}
