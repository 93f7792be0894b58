//! The CVE publication step of a release: the CNA container of each of its
//! CVE records, as the site renders them at the publish time, and a script
//! of cvelib `cve` commands that publishes them and refuses to run early.

use std::fmt::Write as _;

use super::AnnounceError;
use crate::BuildError;
use crate::embargo::PublicSite;
use crate::release::SecurityRelease;
use crate::render::{Output, RenderContext, Target, paths};
use crate::text::{count, human_date};

/// The CNA container of each CVE record of the release, and the script of
/// `cve` commands that publishes them.
pub(super) fn cve_step(
    public: &PublicSite,
    r: &SecurityRelease<'_>,
) -> Result<Vec<Output>, AnnounceError> {
    let ctx = RenderContext::new(public, r.published);
    let records = crate::render::cve::Cve
        .render(&ctx)
        .map_err(BuildError::from)?;
    let mut out = Vec::new();
    let mut commands = Vec::new();
    for a in &r.advisories {
        for cve in a.cve_ids() {
            let record = records
                .iter()
                .find(|o| o.path == paths::cve_record(&cve))
                .and_then(|o| serde_json::from_slice::<serde_json::Value>(&o.bytes).ok());
            let Some(cna) = record.as_ref().map(|v| &v["containers"]["cna"]) else {
                continue;
            };
            let mut bytes = serde_json::to_vec_pretty(cna).map_err(|e| {
                BuildError::Render(crate::render::RenderError {
                    target: "announce",
                    message: format!("{cve}: {e}"),
                })
            })?;
            bytes.push(b'\n');
            let file = paths::announce_cve_container(&r.slug, &cve);
            let verb = if a.is_withdrawn() {
                "reject"
            } else {
                "publish"
            };
            commands.push(format!("cve {verb} {cve} --cve-json-file {file}"));
            out.push(Output::new(file, bytes));
        }
    }
    if commands.is_empty() {
        return Ok(out);
    }
    let config = &public.site.config;
    let at = paths::utc_timestamp(r.published);
    let mut s = String::from("#!/bin/sh\n");
    let _ = writeln!(
        s,
        "# Publishes the CVE records of the {} security release of {}\n\
         # ({}) with cvelib's `cve` command (pip install cvelib), from the CNA\n\
         # containers beside this script. Run it once the release is public:\n\
         #   CVE_USER=... CVE_ORG=... CVE_API_KEY=... sh {}\n\
         # (CVE_ENVIRONMENT=test tries it on the test instance first).",
        config.project.name,
        human_date(r.published),
        count(commands.len(), "record", "records"),
        paths::announce_cve_script(&r.slug),
    );
    let _ = writeln!(
        s,
        "set -eu\ncd \"$(dirname \"$0\")\"\n\
         if [ \"$(date -u +%s)\" -lt {} ]; then\n  \
         echo \"under embargo until {at}: do not publish the CVE records yet\" >&2\n  \
         exit 1\nfi",
        r.published.as_second()
    );
    for c in &commands {
        let _ = writeln!(s, "{c}");
    }
    out.insert(0, Output::new(paths::announce_cve_script(&r.slug), s));
    Ok(out)
}
