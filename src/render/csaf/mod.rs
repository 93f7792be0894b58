//! CSAF 2.0: one document per published advisory and the static tree of a
//! CSAF provider around them (CSAF 2.0 section 7.1: provider metadata,
//! one folder per year, `index.txt`, `changes.csv`, directory listings, a
//! ROLIE feed, hashes, and signatures with their key when a key is set).

pub mod document;
pub mod format;
pub mod product;

use std::fmt::Write as _;

use jiff::Timestamp;
use serde::Serialize;
use sha2::{Digest, Sha256, Sha512};

use crate::model::Advisory;

use super::{Output, RenderContext, RenderError, Sink, Target, escape_html, paths};
use crate::timings::Work;
use format::{
    Category, Content, DistributionPoint, Entry, Format, Link, OpenPgpKey, ProviderMetadata, Rolie,
    RolieFeed, RolieFeedDocument, RolieFeedRef,
};

const TARGET: &str = "csaf";
const CSAF_SCHEMA: &str = "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json";

/// The CSAF target.
pub struct Csaf;

impl Target for Csaf {
    fn name(&self) -> &'static str {
        TARGET
    }

    /// The documents, their indexes, the provider metadata and the public
    /// key, all under `.well-known/csaf/`.
    fn claims(&self, path: &str) -> bool {
        path.starts_with(paths::CSAF_DIR)
    }

    fn stream(&self, ctx: &RenderContext<'_>, sink: &dyn Sink) -> Result<(), RenderError> {
        use rayon::prelude::*;
        let site = &ctx.public.site;
        let config = &site.config;
        // Each document, its hashes and its signature go out as they are
        // made; what the index files need of them is kept.
        let mut published: Vec<Published> = site
            .advisories
            .par_iter()
            .map(|a| {
                let (doc, outputs) = document_outputs(ctx, a)?;
                outputs.into_iter().try_for_each(|o| sink.put(o))?;
                Ok(doc)
            })
            .collect::<Result<_, RenderError>>()?;
        let mut outputs = Vec::new();
        // Newest change first, ties by path, for changes.csv and the feed.
        published.sort_by(|a, b| b.updated.cmp(&a.updated).then(a.path.cmp(&b.path)));
        let last_updated = published.first().map_or(ctx.now, |d| d.updated);
        let signed = ctx.signer.is_some();

        outputs.push(Output::new(paths::CSAF_INDEX, index_txt(&published)));
        outputs.push(Output::new(paths::CSAF_CHANGES, changes_csv(&published)));
        outputs.push(Output::new(
            paths::CSAF_ROLIE_FEED,
            to_json(&rolie_feed(ctx, &published, last_updated, signed))?,
        ));
        outputs.extend(listings(ctx, &published, signed));

        let mut keys = Vec::new();
        if let Some(signer) = ctx.signer {
            let fingerprint = signer.fingerprint();
            let key_path = paths::openpgp_public_key(&fingerprint);
            keys.push(OpenPgpKey {
                fingerprint,
                url: paths::absolute_url(config, &key_path),
            });
            outputs.push(Output::new(key_path, signer.public_key_armored()));
        }
        let metadata = ProviderMetadata {
            canonical_url: paths::absolute_url(config, paths::CSAF_PROVIDER_METADATA),
            distributions: vec![
                DistributionPoint {
                    directory_url: Some(paths::absolute_url(config, paths::CSAF_WHITE_DIR)),
                    rolie: None,
                },
                DistributionPoint {
                    directory_url: None,
                    rolie: Some(Rolie {
                        feeds: vec![RolieFeedRef {
                            summary: format!(
                                "All TLP:WHITE advisories of {}.",
                                config.project.name
                            ),
                            tlp_label: "WHITE",
                            url: paths::absolute_url(config, paths::CSAF_ROLIE_FEED),
                        }],
                    }),
                },
            ],
            last_updated: paths::utc_timestamp(last_updated),
            list_on_csaf_aggregators: true,
            metadata_version: "2.0",
            mirror_on_csaf_aggregators: true,
            public_openpgp_keys: keys,
            publisher: document::publisher(config),
            role: "csaf_provider",
        };
        outputs.push(Output::new(
            paths::CSAF_PROVIDER_METADATA,
            to_json(&metadata)?,
        ));
        outputs.into_iter().try_for_each(|o| sink.put(o))
    }

    fn advisory_paths(&self, ctx: &RenderContext<'_>, a: &Advisory) -> Vec<String> {
        let path = paths::csaf_document(a);
        let mut paths = vec![format!("{path}.sha256"), format!("{path}.sha512")];
        if ctx.signer.is_some() {
            paths.push(format!("{path}.asc"));
        }
        paths.push(path);
        paths
    }

    fn advisory_outputs(
        &self,
        ctx: &RenderContext<'_>,
        a: &Advisory,
    ) -> Result<Vec<Output>, RenderError> {
        Ok(document_outputs(ctx, a)?.1)
    }
}

/// The document of `a` as the index files list it, and its outputs: the
/// hashes, the signature when the build signs, then the document.
fn document_outputs(
    ctx: &RenderContext<'_>,
    a: &Advisory,
) -> Result<(Published, Vec<Output>), RenderError> {
    let site = &ctx.public.site;
    let previous = ctx
        .prior
        .and_then(|p| p.csaf_revisions.get(a.id.as_str()))
        .map(Vec::as_slice);
    let changes = document::changes(a, &site.releases, ctx.now, previous);
    let bytes = to_json(&document::build(site, a, ctx.now, &changes))?;
    let updated = changes.last().map_or(a.published.at, |c| c.at);
    let doc = Published::new(a, updated);
    let (sha256, sha512) = ctx.work(Work::Hashing, || {
        (
            hash_line(&Sha256::digest(&bytes), &doc.file_name),
            hash_line(&Sha512::digest(&bytes), &doc.file_name),
        )
    });
    let mut outputs = vec![
        Output::new(format!("{}.sha256", doc.path), sha256),
        Output::new(format!("{}.sha512", doc.path), sha512),
    ];
    if let Some(signer) = ctx.signer {
        let signature = ctx.work(Work::Signing, || signer.sign_detached(&bytes))?;
        outputs.push(Output::new(format!("{}.asc", doc.path), signature));
    }
    outputs.push(Output::new(doc.path.clone(), bytes));
    Ok((doc, outputs))
}

/// A document in the provider tree, as the index files list it.
#[derive(Debug, Clone)]
struct Published {
    tracking_id: String,
    title: String,
    /// Under the site root.
    path: String,
    /// Under the TLP:WHITE folder: `<year>/<file>`.
    white_path: String,
    year: String,
    file_name: String,
    initial: Timestamp,
    updated: Timestamp,
}

impl Published {
    fn new(a: &Advisory, updated: Timestamp) -> Published {
        let path = paths::csaf_document(a);
        let white_path = path
            .strip_prefix(paths::CSAF_WHITE_DIR)
            .unwrap_or(&path)
            .to_string();
        let (year, file_name) = match white_path.split_once('/') {
            Some((y, f)) => (y.to_string(), f.to_string()),
            None => (String::new(), white_path.clone()),
        };
        Published {
            tracking_id: a.id.to_string(),
            title: a.title.clone(),
            path,
            white_path,
            year,
            file_name,
            initial: a.published.at,
            updated,
        }
    }
}

/// Pretty JSON with a final newline: what the hashes and signatures cover.
fn to_json<T: Serialize>(value: &T) -> Result<Vec<u8>, RenderError> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|e| RenderError {
        target: TARGET,
        message: e.to_string(),
    })?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// `<hex>  <file name>` as `sha256sum` and `sha512sum` print it, so that
/// `sha256sum -c` works in the year folder (requirement 7.1.18).
fn hash_line(digest: &[u8], file_name: &str) -> String {
    let mut line = String::with_capacity(digest.len() * 2 + file_name.len() + 3);
    for b in digest {
        let _ = write!(line, "{b:02x}");
    }
    line.push_str("  ");
    line.push_str(file_name);
    line.push('\n');
    line
}

/// Requirement 7.1.12: every document's path under the folder, sorted.
fn index_txt(published: &[Published]) -> String {
    let mut lines: Vec<&str> = published.iter().map(|d| d.white_path.as_str()).collect();
    lines.sort_unstable();
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// Requirement 7.1.13: `"<path>","<current release date>"`, newest first.
fn changes_csv(published: &[Published]) -> String {
    published
        .iter()
        .map(|d| {
            format!(
                "\"{}\",\"{}\"\n",
                d.white_path,
                paths::utc_timestamp(d.updated)
            )
        })
        .collect()
}

/// Requirement 7.1.15, with the hash (7.1.18) and signature (7.1.19) links.
fn rolie_feed(
    ctx: &RenderContext<'_>,
    published: &[Published],
    updated: Timestamp,
    signed: bool,
) -> RolieFeedDocument {
    let config = &ctx.public.site.config;
    let entry = published
        .iter()
        .map(|d| {
            let url = paths::absolute_url(config, &d.path);
            let mut link = vec![
                Link {
                    rel: "self",
                    href: url.clone(),
                },
                Link {
                    rel: "hash",
                    href: format!("{url}.sha256"),
                },
                Link {
                    rel: "hash",
                    href: format!("{url}.sha512"),
                },
            ];
            if signed {
                link.push(Link {
                    rel: "signature",
                    href: format!("{url}.asc"),
                });
            }
            Entry {
                id: d.tracking_id.clone(),
                title: d.title.clone(),
                link,
                published: paths::utc_timestamp(d.initial),
                updated: paths::utc_timestamp(d.updated),
                content: Content {
                    kind: "application/json",
                    src: url,
                },
                format: Format {
                    schema: CSAF_SCHEMA,
                    version: "2.0",
                },
            }
        })
        .collect();
    RolieFeedDocument {
        feed: RolieFeed {
            id: "csaf-feed-tlp-white".into(),
            title: format!("{} CSAF feed (TLP:WHITE)", config.project.name),
            link: vec![Link {
                rel: "self",
                href: paths::absolute_url(config, paths::CSAF_ROLIE_FEED),
            }],
            category: vec![Category {
                scheme: "urn:ietf:params:rolie:category:information-type",
                term: "csaf",
            }],
            updated: paths::utc_timestamp(updated),
            entry,
        },
    }
}

/// Requirement 7.1.14 asks for directory listings; a static host has no
/// server to generate them, so each folder gets an `index.html` that lists
/// its files the way such a server would.
fn listings(ctx: &RenderContext<'_>, published: &[Published], signed: bool) -> Vec<Output> {
    let mut years: Vec<&str> = published.iter().map(|d| d.year.as_str()).collect();
    years.sort_unstable();
    years.dedup();

    let mut top: Vec<String> = years.iter().map(|y| format!("{y}/")).collect();
    let feed_name = paths::CSAF_ROLIE_FEED
        .strip_prefix(paths::CSAF_WHITE_DIR)
        .unwrap_or(paths::CSAF_ROLIE_FEED);
    for file in [paths::CSAF_CHANGES, paths::CSAF_INDEX] {
        top.push(
            file.strip_prefix(paths::CSAF_WHITE_DIR)
                .unwrap_or(file)
                .to_string(),
        );
    }
    top.push(feed_name.to_string());
    top.sort();

    let mut outputs = vec![Output::new(
        format!("{}index.html", paths::CSAF_WHITE_DIR),
        listing_page(ctx, paths::CSAF_WHITE_DIR, &top, false),
    )];
    for year in years {
        let mut files = Vec::new();
        for d in published.iter().filter(|d| d.year == year) {
            files.push(d.file_name.clone());
            files.push(format!("{}.sha256", d.file_name));
            files.push(format!("{}.sha512", d.file_name));
            if signed {
                files.push(format!("{}.asc", d.file_name));
            }
        }
        files.sort();
        let dir = format!("{}{year}/", paths::CSAF_WHITE_DIR);
        outputs.push(Output::new(
            format!("{dir}index.html"),
            listing_page(ctx, &dir, &files, true),
        ));
    }
    outputs
}

/// `parent` links `../`, which only a folder with a listing above it has.
fn listing_page(ctx: &RenderContext<'_>, dir: &str, entries: &[String], parent: bool) -> String {
    let site = &ctx.public.site;
    let depth = dir.matches('/').count();
    let root = "../".repeat(depth);
    let title = format!("Index of /{dir}");
    let mut html = String::new();
    html.push_str("<!DOCTYPE html>\n");
    let _ = writeln!(
        html,
        "<html lang=\"{}\">",
        escape_html(&site.config.language)
    );
    html.push_str("<head>\n<meta charset=\"utf-8\">\n");
    html.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(html, "<title>{}</title>", escape_html(&title));
    if site.theme.static_files.contains_key("style.css") {
        let _ = writeln!(
            html,
            "<link rel=\"stylesheet\" href=\"{root}static/style.css\">"
        );
    }
    html.push_str("</head>\n<body>\n<main id=\"main\">\n");
    let _ = writeln!(html, "<h1>{}</h1>", escape_html(&title));
    html.push_str("<ul>\n");
    if parent {
        html.push_str("<li><a href=\"../\">../</a></li>\n");
    }
    for e in entries {
        let e = escape_html(e);
        let _ = writeln!(html, "<li><a href=\"{e}\">{e}</a></li>");
    }
    html.push_str("</ul>\n</main>\n</body>\n</html>\n");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_lines_look_like_sha256sum() {
        let line = hash_line(&Sha256::digest(b"abc"), "x.json");
        assert_eq!(
            line,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  x.json\n"
        );
    }
}
