//! The default theme, compiled into the binary so a site needs no theme
//! folder; a site's `themes/<name>/` overrides it file by file.

/// `(name, text)` of every built-in template.
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "base.html",
        include_str!("../../../themes/default/templates/base.html"),
    ),
    (
        "macros.html",
        include_str!("../../../themes/default/templates/macros.html"),
    ),
    (
        "index.html",
        include_str!("../../../themes/default/templates/index.html"),
    ),
    (
        "advisory.html",
        include_str!("../../../themes/default/templates/advisory.html"),
    ),
    (
        "page.html",
        include_str!("../../../themes/default/templates/page.html"),
    ),
    (
        "versions.html",
        include_str!("../../../themes/default/templates/versions.html"),
    ),
    (
        "series.html",
        include_str!("../../../themes/default/templates/series.html"),
    ),
    (
        "version.html",
        include_str!("../../../themes/default/templates/version.html"),
    ),
    (
        "severity.html",
        include_str!("../../../themes/default/templates/severity.html"),
    ),
    (
        "thanks.html",
        include_str!("../../../themes/default/templates/thanks.html"),
    ),
    (
        "announcements.html",
        include_str!("../../../themes/default/templates/announcements.html"),
    ),
    (
        "releases.html",
        include_str!("../../../themes/default/templates/releases.html"),
    ),
    (
        "release.html",
        include_str!("../../../themes/default/templates/release.html"),
    ),
    (
        "404.html",
        include_str!("../../../themes/default/templates/404.html"),
    ),
];

/// `(path under static/, bytes)` of every built-in asset.
pub const STATIC: &[(&str, &[u8])] = &[(
    "style.css",
    include_bytes!("../../../themes/default/static/style.css"),
)];
