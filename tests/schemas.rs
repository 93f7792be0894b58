//! The JSON Schemas in `schemas/` are generated from the input types; this
//! fails when they are stale, and with `DISCLOSE_BLESS=1` rewrites them.

#![allow(clippy::disallowed_methods)]

use std::path::Path;

#[test]
fn committed_schemas_match_the_input_types() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    let bless = std::env::var_os("DISCLOSE_BLESS").is_some();
    let mut stale = Vec::new();
    for (name, text) in disclose::schema::all() {
        let path = dir.join(name);
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        if on_disk != text {
            if bless {
                std::fs::write(&path, &text).unwrap();
            } else {
                stale.push(name);
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale schemas: {stale:?}; regenerate with `cargo run -- schemas schemas` or DISCLOSE_BLESS=1 cargo test --test schemas"
    );
}

/// The example site and the test fixture validate against the schemas, so
/// an editor using them agrees with `check`.
#[test]
fn example_inputs_validate_against_the_schemas() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let load = |name: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(root.join("schemas").join(name)).unwrap())
            .unwrap()
    };
    let advisory = jsonschema::validator_for(&load("advisory.schema.json")).unwrap();
    let releases = jsonschema::validator_for(&load("releases.schema.json")).unwrap();
    for site in ["tests/fixtures/site", "."] {
        let site = root.join(site);
        let Ok(entries) = std::fs::read_dir(site.join("content/advisories")) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let yaml = if path.extension().is_some_and(|e| e == "md") {
                text.strip_prefix("---\n")
                    .and_then(|t| t.split_once("\n---\n"))
                    .map(|(y, _)| y.to_string())
                    .unwrap()
            } else {
                text
            };
            let value: serde_json::Value = serde_saphyr::from_str(&yaml).unwrap();
            let errors: Vec<String> = advisory
                .iter_errors(&value)
                .map(|e| e.to_string())
                .collect();
            assert!(errors.is_empty(), "{}: {errors:?}", path.display());
        }
        if let Ok(text) = std::fs::read_to_string(site.join("content/releases.yaml")) {
            let value: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
            assert!(releases.is_valid(&value), "{}", site.display());
        }
    }
}
