//! A plain archive page listing every published advisory: the site's
//! smallest complete output until the themed pages exist.

use std::fmt::Write as _;

use super::{Output, RenderContext, RenderError, Target, escape_html};

pub struct MinimalHtml;

impl Target for MinimalHtml {
    fn name(&self) -> &'static str {
        "html"
    }

    fn render(&self, ctx: &RenderContext<'_>) -> Result<Vec<Output>, RenderError> {
        let site = &ctx.public.site;
        let title = escape_html(&site.config.title);
        let mut html = String::new();
        let _ = write!(
            html,
            "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{title}</title>\n</head>\n<body>\n<main>\n<h1>{title}</h1>\n",
            escape_html(&site.config.language)
        );
        for x in &ctx.public.announcements {
            let levels: Vec<&str> = x
                .severities
                .iter()
                .map(|s| s.as_deref().unwrap_or("not rated"))
                .collect();
            let _ = writeln!(
                html,
                "<p>A security release is planned for <time datetime=\"{at}\">{at}</time> ({n} issue{s}: {levels}).</p>",
                at = x.release_at,
                n = levels.len(),
                s = if levels.len() == 1 { "" } else { "s" },
                levels = escape_html(&levels.join(", ")),
            );
        }
        html.push_str("<ul>\n");
        for a in &site.advisories {
            let _ = writeln!(
                html,
                "<li><time datetime=\"{at}\">{date}</time> {id}: {t} ({sev}){w}</li>",
                at = a.published.at,
                date = &a.published.at.to_string()[..10],
                id = escape_html(a.id.as_str()),
                t = escape_html(&a.title),
                sev = escape_html(a.severity.as_deref().unwrap_or("not rated")),
                w = if a.is_withdrawn() { " (withdrawn)" } else { "" },
            );
        }
        html.push_str("</ul>\n</main>\n</body>\n</html>\n");
        Ok(vec![Output::new("index.html", html)])
    }
}
