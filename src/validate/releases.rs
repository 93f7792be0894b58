//! `releases.yaml` → [`Releases`]: series names, dates in order, versions in
//! the site's scheme and in release order.

use std::collections::BTreeMap;

use crate::diagnostic::{Diagnostics, SourceName};
use crate::load::raw::RawReleases;
use crate::load::yaml::Located;
use crate::model::{
    Release, Releases, Series, Version, VersionScheme, is_safe_segment, parse_date,
};

pub fn validate_releases(
    raw: RawReleases,
    scheme: VersionScheme,
    file: &SourceName,
    diags: &mut Diagnostics,
) -> Releases {
    let mut seen_series: BTreeMap<String, ()> = BTreeMap::new();
    let mut seen_versions: BTreeMap<String, String> = BTreeMap::new();
    let mut series = Vec::with_capacity(raw.series.len());
    if raw.series.is_empty() {
        diags
            .error(
                "missing-series",
                file,
                crate::diagnostic::Pos::START,
                "no release series are listed",
            )
            .help("list at least the main branch: `series: [{name: main, development: true}]`");
    }
    for s in raw.series {
        let name = s.name.value.clone();
        if !is_safe_segment(&name) {
            diags
                .error(
                    "invalid-series-name",
                    file,
                    s.name.pos,
                    format!("series name `{name}` is not a safe path segment"),
                )
                .help("use letters, digits, `.`, `_` and `-`, e.g. `5.1` or `main`");
        }
        if seen_series.insert(name.clone(), ()).is_some() {
            diags
                .error(
                    "duplicate-series",
                    file,
                    s.name.pos,
                    format!("series `{name}` is listed twice"),
                )
                .help("list each series once");
        }
        let date = |d: &Option<Located<String>>, diags: &mut Diagnostics| {
            d.as_ref().and_then(|d| match parse_date(&d.value) {
                Ok(v) => Some((v, d.pos)),
                Err(msg) => {
                    diags
                        .error("invalid-date", file, d.pos, msg)
                        .help("write the date as YYYY-MM-DD");
                    None
                }
            })
        };
        let released = date(&s.released, diags);
        let bugfix_until = date(&s.bugfix_until, diags);
        let security_until = date(&s.security_until, diags);

        if s.development {
            if let Some(r) = &s.released {
                diags
                    .error(
                        "development-released",
                        file,
                        r.pos,
                        format!("series `{name}` is in development but has a release date"),
                    )
                    .help("remove `released`, or remove `development: true` once the series is released");
            }
        } else {
            if s.released.is_none() {
                diags
                    .error(
                        "missing-release-date",
                        file,
                        s.name.pos,
                        format!("series `{name}` has no `released` date"),
                    )
                    .help("add `released: YYYY-MM-DD`, or `development: true` for the main branch");
            }
            if s.security_until.is_none() {
                diags
                    .error(
                        "missing-security-end",
                        file,
                        s.name.pos,
                        format!("series `{name}` has no `security_until` date"),
                    )
                    .help("add the date security support ends, `security_until: YYYY-MM-DD`");
            }
        }
        let ordered = [
            ("released", released),
            ("bugfix_until", bugfix_until),
            ("security_until", security_until),
        ];
        let present: Vec<_> = ordered
            .iter()
            .filter_map(|(k, v)| v.map(|v| (*k, v)))
            .collect();
        for pair in present.windows(2) {
            let ((ka, (da, _)), (kb, (db, pos))) = (pair[0], pair[1]);
            if db < da {
                diags
                    .error(
                        "dates-out-of-order",
                        file,
                        pos,
                        format!("series `{name}`: {kb} {db} is before {ka} {da}"),
                    )
                    .help("a series is released, then leaves mainstream support, then security support");
            }
        }

        let mut versions: Vec<Release> = Vec::with_capacity(s.versions.len());
        for rv in s.versions {
            let version = match Version::parse(&rv.version.value, scheme) {
                Ok(v) => v,
                Err(msg) => {
                    diags
                        .error("invalid-version", file, rv.version.pos, msg)
                        .help(version_help(scheme));
                    continue;
                }
            };
            let Ok(vdate) = parse_date(&rv.date.value).map_err(|msg| {
                diags
                    .error("invalid-date", file, rv.date.pos, msg)
                    .help("write the date as YYYY-MM-DD");
            }) else {
                continue;
            };
            if let Some(other) = seen_versions.insert(version.to_string(), name.clone()) {
                diags
                    .error(
                        "duplicate-version",
                        file,
                        rv.version.pos,
                        format!("version `{version}` is already listed in series `{other}`"),
                    )
                    .help("each released version belongs to one series, once");
                continue;
            }
            if let Some(prev) = versions.last() {
                if version <= prev.version {
                    diags
                        .error(
                            "versions-out-of-order",
                            file,
                            rv.version.pos,
                            format!("version `{version}` is listed after `{}`", prev.version),
                        )
                        .help("list the versions of a series oldest first");
                } else if vdate < prev.date {
                    diags
                        .error(
                            "dates-out-of-order",
                            file,
                            rv.date.pos,
                            format!(
                                "version `{version}` is dated {vdate}, before `{}` ({})",
                                prev.version, prev.date
                            ),
                        )
                        .help("a later version cannot be released earlier");
                }
            }
            if let Some((released, _)) = released
                && vdate < released
                && !version.is_prerelease()
            {
                diags
                    .error(
                        "dates-out-of-order",
                        file,
                        rv.date.pos,
                        format!("version `{version}` is dated {vdate}, before series `{name}` was released ({released})"),
                    )
                    .help("fix the version's date or the series' `released` date");
            }
            versions.push(Release {
                version,
                date: vdate,
            });
        }

        series.push(Series {
            name,
            development: s.development,
            released: released.map(|d| d.0),
            lts: s.lts,
            bugfix_until: bugfix_until.map(|d| d.0),
            security_until: security_until.map(|d| d.0),
            versions,
        });
    }
    Releases { scheme, series }
}

pub fn version_help(scheme: VersionScheme) -> &'static str {
    match scheme {
        VersionScheme::Pep440 => {
            "write a PEP 440 version in normalized form, e.g. \"5.1.2\" or \"6.0rc1\", and quote it"
        }
        VersionScheme::Semver => {
            "write a SemVer version, e.g. \"1.4.2\" or \"2.0.0-rc.1\", and quote it"
        }
    }
}
