//! Markdown → sanitized HTML, and the check that finds active content
//! (scripts, frames, event handlers, script URLs) in Markdown source.
//!
//! `check` rejects active content so authors learn of it; the renderer
//! sanitizes everything anyway, so nothing slips through if a check misses.

use std::sync::LazyLock;

use pulldown_cmark::{Event, Options, Parser, Tag};

use crate::markup;

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_HEADING_ATTRIBUTES
}

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    b.link_rel(Some("noopener noreferrer"))
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .add_generic_attributes(["id"])
        .id_prefix(Some("md-"))
        // ammonia reads a URL's scheme as the URL standard does, where a
        // control character inside `javascript:` makes a relative URL;
        // `check` reads schemes with controls removed, as older browsers
        // did. One rule for both: what `check` calls active never stays.
        .attribute_filter(|_, _, value| {
            (crate::markup::active_scheme(value).is_none()).then_some(value.into())
        });
    b
});

/// Renders Markdown to HTML and removes anything active from it.
pub fn to_html(markdown: &str) -> String {
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, Parser::new_ext(markdown, options()));
    SANITIZER.clean(&html).to_string()
}

/// Plain text of Markdown (for summaries and feed titles).
pub fn to_plain_text(markdown: &str) -> String {
    let mut out = String::new();
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(_) if !out.ends_with(' ') && !out.is_empty() => out.push(' '),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text a reader sees in Markdown, as it reads (emphasis, code spans and
/// links joined into their words), with a map back to the source: each
/// entry is (offset in the text, offset in `markdown`) where a piece starts.
pub fn visible_text(markdown: &str) -> (String, Vec<(usize, usize)>) {
    let mut text = String::with_capacity(markdown.len());
    let mut starts = Vec::new();
    for (event, range) in Parser::new_ext(markdown, options()).into_offset_iter() {
        match event {
            Event::Text(t) | Event::Code(t) => {
                starts.push((text.len(), range.start));
                text.push_str(&t);
            }
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            Event::End(_) if !text.ends_with(' ') => text.push(' '),
            _ => {}
        }
    }
    (text, starts)
}

/// Active content found in Markdown: what it is and its byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsafeContent {
    pub offset: usize,
    pub what: String,
}

/// Finds scripts, frames and other active tags, `on…=` event handler
/// attributes and script URLs: in link destinations, and in the HTML the
/// Markdown renders to, read as a browser reads it ([`crate::markup`]). The
/// whole rendered page is read at once, so a tag that an HTML block spreads
/// over several lines is seen whole, as a browser sees it, and so are the
/// attributes a heading's `{…}` adds.
pub fn find_unsafe(markdown: &str) -> Vec<UnsafeContent> {
    let mut found = Vec::new();
    let parser = Parser::new_ext(markdown, options()).into_offset_iter();
    let mut pieces: Vec<Piece> = Vec::new();
    let written = std::cell::Cell::new(0usize);
    let events = parser.map(|(event, range)| {
        let raw = matches!(event, Event::Html(_) | Event::InlineHtml(_));
        let link = matches!(event, Event::Start(Tag::Link { .. } | Tag::Image { .. }));
        if let Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) = &event
            && let Some(scheme) = markup::active_scheme(dest_url)
        {
            let at = markdown[range.clone()]
                .find(dest_url.as_ref())
                .map_or(range.start, |i| range.start + i);
            found.push(UnsafeContent {
                offset: at,
                what: format!("a `{scheme}` URL"),
            });
        }
        pieces.push(Piece {
            html_start: written.get(),
            source: range,
            raw,
            link,
        });
        event
    });
    let mut html = Counting {
        out: String::with_capacity(markdown.len() * 3 / 2),
        written: &written,
    };
    // Writing into a String cannot fail.
    let _ = pulldown_cmark::html::write_html_fmt(&mut html, events);
    let html = html.out;
    if !markup::find_active(&html, false).is_empty() {
        for active in markup::find_active(&html, true) {
            let at = active_offset(&html, &active);
            let Some(piece) = pieces.iter().rev().find(|p| p.html_start <= at) else {
                continue;
            };
            // Link destinations are reported above, where they are written;
            // anything else that ends inside a link's tag is not.
            if piece.link && matches!(active.attribute.as_deref(), Some("href" | "src")) {
                continue;
            }
            found.push(UnsafeContent {
                offset: source_offset(markdown, &html, piece, at),
                what: active.what,
            });
        }
    }
    found.sort_by_key(|f| f.offset);
    found.dedup();
    found
}

/// The output of one Markdown event, and where it came from.
struct Piece {
    /// Where its HTML starts in the rendered page.
    html_start: usize,
    /// Its bytes in the Markdown source.
    source: std::ops::Range<usize>,
    /// Raw HTML: written to the page verbatim.
    raw: bool,
    /// The start of a link or an image.
    link: bool,
}

/// A `fmt::Write` that counts what it wrote, so the events feeding the
/// HTML writer know where their output starts.
struct Counting<'a> {
    out: String,
    written: &'a std::cell::Cell<usize>,
}

impl std::fmt::Write for Counting<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.out.push_str(s);
        self.written.set(self.out.len());
        Ok(())
    }
}

/// Where in the rendered HTML a finding is: its attribute's name inside the
/// tag, or the tag's `<`.
fn active_offset(html: &str, active: &markup::Active) -> usize {
    let tag_start = html[..active.tag_end].rfind('<').unwrap_or(0);
    let Some(attr) = &active.attribute else {
        return tag_start;
    };
    html[tag_start..active.tag_end]
        .to_ascii_lowercase()
        .find(attr.as_str())
        .map_or(tag_start, |i| tag_start + i)
}

/// The Markdown offset of rendered byte `at` of `piece`: exact in raw HTML,
/// which is written verbatim, else the start of the Markdown that made it.
fn source_offset(markdown: &str, html: &str, piece: &Piece, at: usize) -> usize {
    if piece.raw {
        let within = at - piece.html_start;
        let guess = piece.source.start + within;
        let want = html.get(at..).unwrap_or("");
        let want = &want[..want.len().min(8)];
        if markdown.get(guess..).is_some_and(|s| s.starts_with(want)) {
            return guess;
        }
        if let Some(i) = markdown
            .get(piece.source.clone())
            .and_then(|s| s.find(want))
        {
            return piece.source.start + i;
        }
    }
    piece.source.start
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whats(md: &str) -> Vec<String> {
        find_unsafe(md).into_iter().map(|f| f.what).collect()
    }

    #[test]
    fn finds_scripts_frames_handlers_and_script_urls() {
        assert_eq!(
            whats("Hi <script>alert(1)</script>"),
            ["a <script> element"]
        );
        assert_eq!(whats("<iframe src=x></iframe>\n"), ["an <iframe> element"]);
        assert_eq!(
            whats("<a href=\"&#106;avascript&colon;x\">a</a>"),
            ["a `javascript:` URL"]
        );
        assert_eq!(
            whats("<a href=\"&#x6A;avascript:x\">a</a>"),
            ["a `javascript:` URL"]
        );
        assert_eq!(
            whats("<p>If len < 8 <a href=\"#f\" onclick=\"x()\">fix</a></p>\n"),
            ["an event handler attribute `onclick`"]
        );
        assert_eq!(
            whats("<img src=x onerror=\"alert(1)\">"),
            ["an event handler attribute `onerror`"]
        );
        assert_eq!(whats("[x](javascript:alert(1))"), ["a `javascript:` URL"]);
        assert_eq!(whats("[x](JaVaScRiPt:alert(1))"), ["a `javascript:` URL"]);
        assert_eq!(
            whats("<a href=\" java\tscript:x\">a</a>"),
            ["a `javascript:` URL"]
        );
        assert_eq!(
            whats("<a href='javascript:x'>a</a>"),
            ["a `javascript:` URL"]
        );
    }

    #[test]
    fn allows_harmless_html_and_text_that_only_looks_alike() {
        assert!(whats("<kbd>Ctrl</kbd> and <abbr title=\"one\">1</abbr>").is_empty());
        assert!(whats("the `<script>` tag is escaped in code").is_empty());
        assert!(whats("online=yes and <span data-x=\"1\">ok</span>").is_empty());
        assert!(whats("[docs](https://example.org/javascript:x)").is_empty());
    }

    /// An HTML block reaches pulldown-cmark's events one line at a time; a
    /// scanner that reads each line alone misses an attribute on the next
    /// line of the tag, which a browser reads as one tag.
    #[test]
    fn an_html_block_tag_spread_over_lines_is_read_whole() {
        let md = "<div\nonclick=\"x()\">\nhi\n</div>\n";
        let f = find_unsafe(md);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].what, "an event handler attribute `onclick`");
        assert_eq!(&md[f[0].offset..f[0].offset + 7], "onclick");
    }

    /// Heading attributes (`{…}`) become attributes of the rendered tag.
    #[test]
    fn a_heading_attribute_that_is_an_event_handler_is_found() {
        assert_eq!(
            whats("# Title {onclick=alert(1)}\n"),
            ["an event handler attribute `onclick`"]
        );
    }

    /// A character reference may spell a scheme a browser runs.
    #[test]
    fn scheme_spelled_with_references_in_html_is_found() {
        assert_eq!(
            whats("<a href=\"&#x6a;ava&#9;script&#x3A;x\">a</a>"),
            ["a `javascript:` URL"]
        );
        assert_eq!(
            whats("<svg><a xlink:href=\"javascript:x\">a</a></svg>"),
            ["a `javascript:` URL"]
        );
    }

    #[test]
    fn offsets_point_at_the_tag() {
        let md = "line one\n\n<p onclick=\"x\">a</p>\n";
        let f = find_unsafe(md);
        assert_eq!(&md[f[0].offset..f[0].offset + 7], "onclick");
    }

    #[test]
    fn rendering_sanitizes_whatever_the_check_missed() {
        let html =
            to_html("<script>alert(1)</script>\n\n[x](javascript:alert(1)) <b onclick=x>b</b>");
        assert!(!html.contains("<script"));
        assert!(!html.contains("javascript:"));
        assert!(!html.contains("onclick"));
        assert!(html.contains("<b>b</b>"));
    }

    #[test]
    fn a_handler_whose_tag_ends_inside_an_autolink_is_reported() {
        // Found by fuzzing (fuzz/regressions/markdown_finder): the unclosed
        // quote runs on into the autolink's tag, and the handler was taken
        // for the link's own destination.
        let f = find_unsafe("<v>\n<a onc=\"\n\n</@v>");
        assert_eq!(
            f.iter().map(|u| u.what.as_str()).collect::<Vec<_>>(),
            ["an event handler attribute `onc`"]
        );
    }

    #[test]
    fn a_control_character_inside_an_active_scheme_does_not_keep_the_link() {
        // Found by fuzzing (fuzz/regressions/markdown_html): ammonia took
        // `javascr\u{8}ipt:` for a relative URL and kept it.
        for markdown in [
            "<a href=\"&#106avascr\u{8}ipt:\">x</a>",
            "<a href=\"java\u{1}script:alert(1)\">x</a>",
            "[x](java\u{0}script:alert(1))",
        ] {
            let html = to_html(markdown);
            assert!(
                crate::markup::find_active(&html, true).is_empty(),
                "{markdown:?} -> {html:?}"
            );
        }
    }

    #[test]
    fn plain_text_drops_markup() {
        assert_eq!(to_plain_text("A *b* `c`\n\n- d"), "A b c d");
    }
}
