//! The site as the preview serves it: the outputs of the build pipeline in
//! memory, keyed by path. Without `--embargoed` this is exactly what `build`
//! would publish, leak scan included; with it, every advisory is rendered
//! as if published and the pages say it is a preview.

use std::collections::BTreeMap;

use jiff::Timestamp;

use crate::diagnostic::render_human;
use crate::embargo::{self, PublicSite};
use crate::render::{self, RenderContext};
use crate::{BuildError, Options};

/// A rendered site, ready to serve.
#[derive(Debug)]
pub struct Rendered {
    /// Output path (`advisories/X/index.html`) → bytes. The server answers
    /// only for these paths.
    pub files: BTreeMap<String, Vec<u8>>,
    /// The path of the site's base URL (`/security/`), where it is served
    /// so that the links between its pages work as they will when published.
    pub base_path: String,
    pub now: Timestamp,
    /// Advisories on the site.
    pub published: usize,
    /// Advisories under embargo at `now` (shown only in an embargoed preview).
    pub withheld: usize,
}

/// Renders the site at `opts.now`. `embargoed` renders every advisory as
/// published, unsigned, with the preview banner, and without the leak scan.
pub fn render(opts: &Options, embargoed: bool) -> Result<Rendered, BuildError> {
    if !embargoed {
        let (outputs, split, _) = crate::render_site(opts)?;
        return Ok(Rendered {
            files: into_map(outputs),
            base_path: base_path(&split.public.site.config.base_url),
            now: opts.now,
            published: split.public.site.advisories.len(),
            withheld: split.withheld.len(),
        });
    }
    let mut report = crate::check(opts)?;
    let Some(site) = report.site.take() else {
        return Err(BuildError::Content(Box::new(report)));
    };
    let withheld = site
        .advisories
        .iter()
        .filter(|a| !embargo::is_public(a, opts.now))
        .count();
    // Every advisory counts as published, so none is pre-announced.
    let public = PublicSite {
        site,
        now: opts.now,
        announcements: Vec::new(),
    };
    // Unsigned: a signature would make a preview file look like a release.
    let ctx = RenderContext {
        preview: true,
        ..RenderContext::new(&public, opts.now)
    };
    let outputs = render::render_all(&ctx)?;
    Ok(Rendered {
        files: into_map(outputs),
        base_path: base_path(&public.site.config.base_url),
        now: opts.now,
        published: public.site.advisories.len() - withheld,
        withheld,
    })
}

fn into_map(outputs: Vec<render::Output>) -> BTreeMap<String, Vec<u8>> {
    outputs.into_iter().map(|o| (o.path, o.bytes)).collect()
}

/// The path part of an absolute URL, with a trailing slash:
/// `https://example.org/security/` → `/security/`.
pub(crate) fn base_path(base_url: &str) -> String {
    let after_scheme = base_url
        .split_once("://")
        .map_or(base_url, |(_, rest)| rest);
    let path = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
    let path = path.split(['?', '#']).next().unwrap_or("/");
    if path.ends_with('/') {
        path.to_string()
    } else {
        format!("{path}/")
    }
}

/// A build error as the console and the error page show it.
pub(crate) fn describe(err: &BuildError) -> String {
    match err {
        BuildError::Content(report) => {
            let mut text = render_human(&report.diagnostics, |f| report.sources.text_of(f));
            text.push_str("error: the site has errors; fix them and save to rebuild\n");
            text
        }
        other => format!("error: {other}\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::base_path;

    #[test]
    fn base_path_is_the_url_path_with_a_trailing_slash() {
        assert_eq!(base_path("https://larch.example/security/"), "/security/");
        assert_eq!(base_path("https://larch.example/a/b"), "/a/b/");
        assert_eq!(base_path("https://larch.example"), "/");
        assert_eq!(base_path("https://larch.example/"), "/");
        assert_eq!(base_path("http://h:8080/x/?q=1"), "/x/");
    }
}
