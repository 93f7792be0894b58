//! The OSV target: one OSV 1.7 record per published advisory under `osv/`,
//! and the indexes an OSV importer reads — `osv-index.json` and
//! `osv/modified_id.csv` for osv.dev's REST sources, `osv/all.zip` for bulk
//! download.

pub mod record;

use std::io::{Cursor, Write};

use serde::Serialize;
use zip::write::SimpleFileOptions;

use super::{Output, RenderContext, RenderError, Sink, Target};
use crate::model::Advisory;
use crate::render::paths;

pub use record::OsvRecord;

pub struct Osv;

/// One line of `all.json`.
#[derive(Debug, Serialize)]
struct IndexEntry<'a> {
    id: &'a str,
    modified: &'a str,
}

impl Target for Osv {
    fn name(&self) -> &'static str {
        "osv"
    }

    fn claims(&self, path: &str) -> bool {
        path == paths::OSV_INDEX || path.starts_with(paths::OSV_DIR)
    }

    fn stream(&self, ctx: &RenderContext<'_>, sink: &dyn Sink) -> Result<(), RenderError> {
        use rayon::prelude::*;
        let site = &ctx.public.site;
        // The archive lists the records by id, and the ids share the site's
        // prefix: advisories in id order are records in id order. They are
        // made a batch at a time in that order, so each batch's compressed
        // entries join the archive and are freed before the next batch is
        // made; each record goes out as it is made, and the indexes need
        // only ids and times.
        let mut advisories: Vec<&Advisory> = site.advisories.iter().collect();
        advisories.sort_by(|a, b| a.id.as_str().cmp(b.id.as_str()));
        let mut archive = ZipMerger::new();
        let mut records: Vec<(String, String)> = Vec::with_capacity(advisories.len());
        for batch in advisories.chunks(ARCHIVE_BATCH) {
            let made: Vec<(String, String, Vec<u8>)> = batch
                .par_iter()
                .map(|a| {
                    let (rec, output) = record_output(ctx, a)?;
                    let entry =
                        zip_records(&[(format!("{}.json", rec.id), &output.bytes, &rec.modified)])?;
                    sink.put(output)?;
                    Ok((rec.id, rec.modified, entry))
                })
                .collect::<Result<_, RenderError>>()?;
            for (id, modified, entry) in made {
                archive.add(&entry)?;
                records.push((id, modified));
            }
        }
        sink.put(Output::new(paths::OSV_ALL_ZIP, archive.finish()?))?;

        let index: Vec<IndexEntry<'_>> = records
            .iter()
            .map(|(id, modified)| IndexEntry { id, modified })
            .collect();
        sink.put(Output::new(paths::OSV_INDEX, to_json(&index)?))?;
        sink.put(Output::new(
            paths::OSV_MODIFIED_ID,
            modified_id_csv(
                records
                    .iter()
                    .map(|(id, modified)| (modified.as_str(), id.as_str()))
                    .collect(),
            ),
        ))
    }

    fn advisory_paths(&self, ctx: &RenderContext<'_>, a: &Advisory) -> Vec<String> {
        vec![paths::osv_record(&ctx.public.site.config, a)]
    }

    fn advisory_outputs(
        &self,
        ctx: &RenderContext<'_>,
        a: &Advisory,
    ) -> Result<Vec<Output>, RenderError> {
        Ok(vec![record_output(ctx, a)?.1])
    }
}

/// The record of `a`, and its output.
fn record_output(
    ctx: &RenderContext<'_>,
    a: &Advisory,
) -> Result<(OsvRecord, Output), RenderError> {
    let site = &ctx.public.site;
    let rec = record::build(&site.config, &site.releases, a, ctx.now);
    let bytes = to_json(&rec)?;
    Ok((rec, Output::new(paths::osv_record(&site.config, a), bytes)))
}

/// How many records are made at once for `all.zip`: enough to keep every
/// core busy, few enough that their compressed entries weigh nothing.
const ARCHIVE_BATCH: usize = 512;

fn err(message: impl std::fmt::Display) -> RenderError {
    RenderError {
        target: "osv",
        message: message.to_string(),
    }
}

fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, RenderError> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(err)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// `(modified, id)` pairs as `<modified>,<id>` per line, newest first, as osv.dev's exports and REST
/// sources have it: an importer reads until it reaches a time it has seen.
/// RFC 3339 UTC strings of one width sort as the times they name.
fn modified_id_csv(mut lines: Vec<(&str, &str)>) -> Vec<u8> {
    lines.sort_by(|a, b| b.0.cmp(a.0).then_with(|| a.1.cmp(b.1)));
    lines
        .into_iter()
        .map(|(m, id)| format!("{m},{id}\n"))
        .collect::<String>()
        .into_bytes()
}

/// A zip of `(name, bytes, modified)` entries that is the same bytes for the
/// same entries: names sorted, each entry stamped with its record's
/// `modified` time rather than the clock, fixed permissions and deflate level.
pub fn zip_records(entries: &[(String, &[u8], &str)]) -> Result<Vec<u8>, RenderError> {
    let mut sorted: Vec<&(String, &[u8], &str)> = entries.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes, modified) in sorted {
        let options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(6))
            .unix_permissions(0o644)
            .last_modified_time(dos_time(modified));
        writer.start_file(name.as_str(), options).map_err(err)?;
        writer.write_all(bytes).map_err(err)?;
    }
    Ok(writer.finish().map_err(err)?.into_inner())
}

/// One zip assembled from zips of one record each (as [`zip_records`]
/// makes them), their entries in the order added, copied without being
/// compressed again: the records are compressed in parallel, the archive
/// is assembled in one pass.
pub struct ZipMerger {
    writer: zip::ZipWriter<Cursor<Vec<u8>>>,
}

impl ZipMerger {
    pub fn new() -> ZipMerger {
        ZipMerger {
            writer: zip::ZipWriter::new(Cursor::new(Vec::new())),
        }
    }

    /// Appends the entries of the zip `part`.
    pub fn add(&mut self, part: &[u8]) -> Result<(), RenderError> {
        let archive = zip::ZipArchive::new(Cursor::new(part)).map_err(err)?;
        self.writer.merge_archive(archive).map_err(err)
    }

    /// The archive's bytes.
    pub fn finish(self) -> Result<Vec<u8>, RenderError> {
        Ok(self.writer.finish().map_err(err)?.into_inner())
    }
}

impl Default for ZipMerger {
    fn default() -> Self {
        ZipMerger::new()
    }
}

/// The zip (MS-DOS) time of an RFC 3339 UTC timestamp; zip times start in
/// 1980, so earlier records get the format's epoch.
fn dos_time(rfc3339: &str) -> zip::DateTime {
    rfc3339
        .parse::<jiff::Timestamp>()
        .ok()
        .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC))
        .and_then(|z| {
            zip::DateTime::from_date_and_time(
                u16::try_from(z.year()).ok()?,
                u8::try_from(z.month()).ok()?,
                u8::try_from(z.day()).ok()?,
                u8::try_from(z.hour()).ok()?,
                u8::try_from(z.minute()).ok()?,
                u8::try_from(z.second()).ok()?,
            )
            .ok()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn zip_is_the_same_bytes_whatever_the_input_order() {
        let a: &[u8] = b"{\"id\": \"x_A\"}\n";
        let b: &[u8] = b"{\"id\": \"x_B\"}\n";
        let one = zip_records(&[
            ("x_B.json".into(), b, "2026-02-03T14:00:00Z"),
            ("x_A.json".into(), a, "2025-09-10T12:00:00Z"),
        ])
        .unwrap();
        let two = zip_records(&[
            ("x_A.json".into(), a, "2025-09-10T12:00:00Z"),
            ("x_B.json".into(), b, "2026-02-03T14:00:00Z"),
        ])
        .unwrap();
        assert_eq!(one, two);

        let mut archive = zip::ZipArchive::new(Cursor::new(one)).unwrap();
        let mut f = archive.by_index(0).unwrap();
        assert_eq!(f.name().unwrap(), "x_A.json");
        assert_eq!(f.compression(), zip::CompressionMethod::Deflated);
        let t = f.last_modified().unwrap();
        assert_eq!((t.year(), t.month(), t.day(), t.hour()), (2025, 9, 10, 12));
        let mut content = Vec::new();
        f.read_to_end(&mut content).unwrap();
        assert_eq!(content, a);
    }

    #[test]
    fn merged_zips_are_the_zip_of_all_entries() {
        let a: &[u8] = b"{\"id\": \"x_A\"}\n";
        let b: &[u8] = b"{\"id\": \"x_B\"}\n";
        let entries = [
            ("x_A.json".to_string(), a, "2025-09-10T12:00:00Z"),
            ("x_B.json".to_string(), b, "2026-02-03T14:00:00Z"),
        ];
        let whole = zip_records(&entries).unwrap();
        let parts: Vec<Vec<u8>> = entries
            .iter()
            .map(|e| zip_records(std::slice::from_ref(e)).unwrap())
            .collect();
        let mut merger = ZipMerger::new();
        for part in &parts {
            merger.add(part).unwrap();
        }
        let merged = merger.finish().unwrap();
        assert_eq!(merged, whole, "byte for byte the one-pass archive");
    }

    #[test]
    fn times_before_1980_take_the_zip_epoch() {
        assert_eq!(dos_time("1970-01-01T00:00:00Z"), zip::DateTime::default());
    }

    #[test]
    fn modified_index_is_newest_first_then_by_id() {
        let csv = modified_id_csv(vec![
            ("2025-01-01T00:00:00Z", "x_B"),
            ("2026-01-01T00:00:00Z", "x_C"),
            ("2025-01-01T00:00:00Z", "x_A"),
        ]);
        assert_eq!(
            String::from_utf8(csv).unwrap(),
            "2026-01-01T00:00:00Z,x_C\n2025-01-01T00:00:00Z,x_A\n2025-01-01T00:00:00Z,x_B\n"
        );
    }
}
