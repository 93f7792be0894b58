//! Adding series and versions to `content/releases.yaml` as text, so that
//! the file keeps its comments, order and layout: new versions go into
//! their series' list in version order, new series into the list of
//! series in the order the file keeps (newest first unless it is the other
//! way round). Every estimated date carries a comment saying so.

use jiff::civil::Date;

use crate::load::raw::RawReleases;
use crate::model::{Version, VersionScheme};

use super::series::{CatSeries, Catalogue, Known};

/// The comment on a line whose date the importer estimated.
pub const ESTIMATED: &str = "date not known: estimated by disclose import";

/// The releases file with the catalogue's new series and versions added.
pub fn edit(text: &str, raw: &RawReleases, catalogue: &Catalogue) -> Result<String, String> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    // (insert before this 0-based line, lines to insert)
    let mut inserts: Vec<(usize, Vec<String>)> = Vec::new();
    let scheme = catalogue.scheme;

    let series_starts: Vec<usize> = raw
        .series
        .iter()
        .map(|s| item_start(&lines, s.name.pos.line as usize - 1))
        .collect();
    let block_end = |i: usize| -> usize {
        // The last non-blank, non-comment line before the next series (exclusive end).
        let next = series_starts.get(i + 1).copied().unwrap_or(lines.len());
        let mut end = next;
        while end > series_starts[i] + 1 && is_blank_or_comment(lines[end - 1]) {
            end -= 1;
        }
        end
    };

    for (s, k) in catalogue.new_versions_of_existing() {
        let Some(i) = raw.series.iter().position(|r| r.name.value == s.name) else {
            continue;
        };
        let rs = &raw.series[i];
        let line = version_line(k, scheme);
        if rs.versions.is_empty() {
            let key_col = key_column(lines[rs.name.pos.line as usize - 1], "name");
            let pad = " ".repeat(key_col);
            // The whole new `versions:` list goes in one insert per series.
            let at = block_end(i);
            match inserts
                .iter_mut()
                .find(|(pos, _)| *pos == at && at != usize::MAX)
            {
                Some((_, existing))
                    if existing.first().is_some_and(|l| l.trim() == "versions:") =>
                {
                    existing.push(format!("{pad}  {line}\n"));
                }
                _ => inserts.push((
                    at,
                    vec![format!("{pad}versions:\n"), format!("{pad}  {line}\n")],
                )),
            }
            continue;
        }
        let parsed: Vec<Option<Version>> = rs
            .versions
            .iter()
            .map(|v| Version::parse(&v.version.value, scheme).ok())
            .collect();
        let first_line = rs.versions[0].version.pos.line as usize - 1;
        let dash = lines[item_start(&lines, first_line)]
            .find('-')
            .ok_or("cannot find the `-` of a version item in content/releases.yaml")?;
        if lines[first_line].contains('[') && !lines[first_line].trim_start().starts_with('-') {
            return Err(format!(
                "series `{}` lists its versions on one line; add these by hand: {}",
                s.name, k.version
            ));
        }
        let pad = " ".repeat(dash);
        let after = parsed
            .iter()
            .position(|p| p.as_ref().is_some_and(|p| *p > k.version));
        let at = match after {
            Some(j) => item_start(&lines, rs.versions[j].version.pos.line as usize - 1),
            None => {
                let last = &rs.versions[rs.versions.len() - 1];
                (last.version.pos.line.max(last.date.pos.line)) as usize
            }
        };
        inserts.push((at, vec![format!("{pad}{line}\n")]));
    }

    // New series, each as a block in the list of series.
    let item_col = series_starts
        .first()
        .and_then(|&l| lines[l].find('-'))
        .unwrap_or(2);
    let spaced = series_starts.len() > 1
        && series_starts
            .iter()
            .skip(1)
            .all(|&l| l > 0 && lines[l - 1].trim().is_empty());
    let newest_first = {
        let numbered: Vec<Version> = raw
            .series
            .iter()
            .filter_map(|s| series_number(&s.name.value, scheme))
            .collect();
        !numbered.windows(2).all(|w| w[0] < w[1]) || numbered.len() < 2
    };
    let mut new_series: Vec<&CatSeries> = catalogue.new_series().collect();
    new_series.sort_by(|a, b| {
        let (na, nb) = (
            series_number(&a.name, scheme),
            series_number(&b.name, scheme),
        );
        b.development.cmp(&a.development).then(if newest_first {
            nb.cmp(&na)
        } else {
            na.cmp(&nb)
        })
    });
    for s in new_series {
        let block = series_block(s, item_col, scheme, spaced);
        let number = series_number(&s.name, scheme);
        let at = match &number {
            Some(n) if !s.development => raw
                .series
                .iter()
                .enumerate()
                .find(|(_, r)| {
                    series_number(&r.name.value, scheme)
                        .is_some_and(|m| if newest_first { m < *n } else { m > *n })
                })
                .map(|(i, _)| series_starts[i]),
            _ => series_starts
                .get(1)
                .copied()
                .filter(|_| s.development)
                .or(None),
        };
        let at = match at {
            Some(at) => at,
            None => {
                if raw.series.is_empty() {
                    return Err("content/releases.yaml lists no series to add to".into());
                }
                block_end(raw.series.len() - 1)
            }
        };
        inserts.push((at, block));
    }

    // Apply bottom-up; inserts at one line keep the order they were made in.
    let mut grouped: std::collections::BTreeMap<usize, Vec<String>> = Default::default();
    for (at, ls) in inserts {
        grouped.entry(at).or_default().extend(ls);
    }
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    if let Some(last) = out.last_mut()
        && !last.ends_with('\n')
    {
        last.push('\n');
    }
    for (at, ls) in grouped.into_iter().rev() {
        let at = at.min(out.len());
        out.splice(at..at, ls);
    }
    Ok(out.concat())
}

fn is_blank_or_comment(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
}

/// The line where the list item holding line `line` starts: the nearest
/// line at or above it that begins with `-`.
fn item_start(lines: &[&str], line: usize) -> usize {
    let mut i = line.min(lines.len().saturating_sub(1));
    loop {
        if lines[i].trim_start().starts_with('-') || i == 0 {
            return i;
        }
        i -= 1;
    }
}

/// The column of `key:` on a line (`  - name: main` → 4).
fn key_column(line: &str, key: &str) -> usize {
    line.find(&format!("{key}:")).unwrap_or(4)
}

/// A numbered series name as a version, for ordering series.
fn series_number(name: &str, scheme: VersionScheme) -> Option<Version> {
    let numeric = !name.is_empty()
        && name
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if !numeric {
        return None;
    }
    let text = match scheme {
        VersionScheme::Pep440 => name.to_string(),
        VersionScheme::Semver => {
            let mut parts: Vec<&str> = name.split('.').collect();
            while parts.len() < 3 {
                parts.push("0");
            }
            parts.join(".")
        }
    };
    Version::parse(&text, scheme).ok()
}

fn version_line(k: &Known, _scheme: VersionScheme) -> String {
    let date = k.written_date().map(|d| d.to_string()).unwrap_or_default();
    let mut line = format!("- {{ version: \"{}\", date: {date} }}", k.version);
    if k.date.is_none() {
        line.push_str(&format!("  # {ESTIMATED}"));
    }
    line
}

fn series_block(s: &CatSeries, col: usize, scheme: VersionScheme, spaced: bool) -> Vec<String> {
    let pad = " ".repeat(col);
    let mut out = Vec::new();
    if spaced {
        out.push("\n".to_string());
    }
    out.push(format!("{pad}- name: \"{}\"\n", s.name));
    if s.development {
        out.push(format!(
            "{pad}  # Created by disclose import for the patches of imported advisories.\n"
        ));
        out.push(format!("{pad}  development: true\n"));
        return out;
    }
    let estimated = s.versions.iter().any(|k| k.date.is_none());
    out.push(format!(
        "{pad}  # Created by disclose import. `released` is the date of the first release and\n"
    ));
    out.push(format!(
        "{pad}  # `security_until` that of the last one known{}: correct both.\n",
        if estimated {
            "; dates marked as estimated are not known"
        } else {
            ""
        }
    ));
    let fallback = Date::constant(1970, 1, 1);
    out.push(format!(
        "{pad}  released: {}\n",
        s.first_date().unwrap_or(fallback)
    ));
    out.push(format!(
        "{pad}  security_until: {}\n",
        s.last_date().unwrap_or(fallback)
    ));
    out.push(format!("{pad}  versions:\n"));
    for k in &s.versions {
        out.push(format!("{pad}    {}\n", version_line(k, scheme)));
    }
    out
}
