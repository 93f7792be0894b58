//! A theme: Tera templates and static assets. A site's `themes/<name>/`
//! overrides the built-in default theme file by file.

use std::collections::BTreeMap;

/// One template's text and where it came from (for error messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateSource {
    pub text: String,
    /// `themes/<name>/templates/<file>`, or `<built-in>/<file>`.
    pub origin: String,
}

/// The templates and static files a site renders with.
#[derive(Debug, Clone, Default)]
pub struct Theme {
    pub name: String,
    /// By template name (`base.html`, `advisory.html`, …).
    pub templates: BTreeMap<String, TemplateSource>,
    /// By path under `static/` (`style.css`); copied to `static/` in the output.
    pub static_files: BTreeMap<String, Vec<u8>>,
}
