//! JSON Schemas of the input files, generated from the input types so they
//! can never drift from what `check` accepts.

use schemars::JsonSchema;

/// File name in `schemas/` and the schema text, for every input kind.
pub fn all() -> Vec<(&'static str, String)> {
    vec![
        (
            "advisory.schema.json",
            render::<crate::load::raw::RawAdvisory>(),
        ),
        (
            "releases.schema.json",
            render::<crate::load::raw::RawReleases>(),
        ),
        ("page.schema.json", render::<crate::load::raw::RawPage>()),
        ("site.schema.json", render::<crate::config::SiteConfig>()),
    ]
}

fn render<T: JsonSchema>() -> String {
    let schema = schemars::schema_for!(T);
    serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n"
}
