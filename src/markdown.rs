//! Markdown → sanitized HTML, and the check that finds active content
//! (scripts, frames, event handlers, script URLs) in Markdown source.
//!
//! `check` rejects active content so authors learn of it; the renderer
//! sanitizes everything anyway, so nothing slips through if a check misses.

use std::sync::LazyLock;

use pulldown_cmark::{Event, Options, Parser, Tag};

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
        .id_prefix(Some("md-"));
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

const ACTIVE_TAGS: &[&str] = &[
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "meta", "link",
    "form", "style",
];
const ACTIVE_SCHEMES: &[&str] = &["javascript:", "vbscript:", "data:"];

/// Finds scripts, frames and other active tags, `on…=` event handler
/// attributes and script URLs, in raw HTML and in link destinations.
pub fn find_unsafe(markdown: &str) -> Vec<UnsafeContent> {
    let mut found = Vec::new();
    for (event, range) in Parser::new_ext(markdown, options()).into_offset_iter() {
        match event {
            Event::Html(html) | Event::InlineHtml(html) => {
                scan_html(&html, range.start, &mut found);
            }
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                if let Some(scheme) = active_scheme(&dest_url) {
                    let at = markdown[range.clone()]
                        .find(dest_url.as_ref())
                        .map_or(range.start, |i| range.start + i);
                    found.push(UnsafeContent {
                        offset: at,
                        what: format!("a `{scheme}` URL"),
                    });
                }
            }
            _ => {}
        }
    }
    found.sort_by_key(|f| f.offset);
    found.dedup();
    found
}

/// The active URL scheme a destination uses, ignoring case, spaces,
/// control characters and character references, as browsers do.
fn active_scheme(url: &str) -> Option<&'static str> {
    let folded: String = decode_references(url)
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .flat_map(char::to_lowercase)
        .collect();
    ACTIVE_SCHEMES
        .iter()
        .copied()
        .find(|s| folded.starts_with(s))
}

/// Decodes the character references a browser decodes in an attribute
/// value before it reads the URL scheme: numeric (`&#106;`, `&#x6A;`) and
/// the named ones that can spell a scheme separator or hide whitespace.
fn decode_references(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let end = rest[1..]
            .find(|c: char| !c.is_ascii_alphanumeric() && c != '#')
            .map_or(rest.len(), |i| i + 1);
        let entity = &rest[1..end];
        let decoded = if let Some(num) = entity
            .strip_prefix("#x")
            .or_else(|| entity.strip_prefix("#X"))
        {
            u32::from_str_radix(num, 16).ok().and_then(char::from_u32)
        } else if let Some(num) = entity.strip_prefix('#') {
            num.parse().ok().and_then(char::from_u32)
        } else {
            match entity.to_ascii_lowercase().as_str() {
                "colon" => Some(':'),
                "tab" => Some('\t'),
                "newline" => Some('\n'),
                _ => None,
            }
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = rest[end..].strip_prefix(';').unwrap_or(&rest[end..]);
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn scan_html(html: &str, base: usize, found: &mut Vec<UnsafeContent>) {
    let lower = html.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut i = 0;
    while let Some(lt) = lower[i..].find('<') {
        let start = i + lt;
        let name_start = start + 1 + usize::from(bytes.get(start + 1) == Some(&b'/'));
        let name_end = lower[name_start..]
            .find(|c: char| !c.is_ascii_alphanumeric())
            .map_or(lower.len(), |n| name_start + n);
        let name = &lower[name_start..name_end];
        let tag_end = lower[start..].find('>').map_or(lower.len(), |n| start + n);
        if name.is_empty() {
            // A `<` that opens no tag (`len < 8`): the next tag may follow.
            i = start + 1;
            continue;
        }
        if ACTIVE_TAGS.contains(&name) && bytes.get(start + 1) != Some(&b'/') {
            let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            };
            found.push(UnsafeContent {
                offset: base + start,
                what: format!("{article} <{name}> element"),
            });
        }
        scan_attributes(&lower[name_end..tag_end], base + name_end, found);
        i = tag_end.max(start + 1);
    }
}

/// Attribute names starting with `on` (event handlers) and attribute values
/// with an active URL scheme.
fn scan_attributes(attrs: &str, base: usize, found: &mut Vec<UnsafeContent>) {
    let bytes = attrs.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let at_word_start =
            i == 0 || matches!(bytes[i - 1], b' ' | b'\t' | b'\n' | b'/' | b'"' | b'\'');
        if at_word_start && attrs[i..].starts_with("on") {
            let name_len = attrs[i..]
                .find(|c: char| !c.is_ascii_alphanumeric())
                .unwrap_or(attrs.len() - i);
            if name_len > 2 && attrs[i + name_len..].trim_start().starts_with('=') {
                found.push(UnsafeContent {
                    offset: base + i,
                    what: format!("an event handler attribute `{}`", &attrs[i..i + name_len]),
                });
            }
            i += name_len;
            continue;
        }
        if bytes[i] == b'=' {
            let value = attrs[i + 1..].trim_start().trim_start_matches(['"', '\'']);
            if let Some(scheme) = active_scheme(value) {
                found.push(UnsafeContent {
                    offset: base + i + 1,
                    what: format!("a `{scheme}` URL"),
                });
            }
        }
        i += 1;
    }
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
    fn plain_text_drops_markup() {
        assert_eq!(to_plain_text("A *b* `c`\n\n- d"), "A b c d");
    }
}
