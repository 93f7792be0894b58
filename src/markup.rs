//! Reading HTML (and the XML of feeds and sitemaps) as a browser or feed
//! reader does, with html5ever's tokenizer: character references decoded
//! by the standard's rules, attributes split as a browser splits them, and
//! `<script>`, `<style>`, `<title>` and the other raw-text elements switched
//! into their own states the way the tree builder switches them.
//!
//! Two checks read markup: `check` looks for active content in the HTML an
//! author wrote, and the leak scan looks for withheld tokens in the text a
//! reader sees. A hand-written scanner that reads a document differently
//! from a browser would hide exactly what they look for, so both read it
//! here. Where a reading depends on context the tokenizer alone cannot know
//! (`<style>` is raw text in HTML but not inside `<svg>`; `<![CDATA[` is text
//! only in foreign content), both readings are taken: a finder that misses
//! nothing must consider either.

use std::cell::RefCell;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, CharacterTokens, StartTag, TagToken, Token, TokenSink, TokenSinkResult, Tokenizer,
    TokenizerOpts,
};

/// How raw-text elements and CDATA sections are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// As an HTML page: `<script>`, `<style>`, `<title>`, `<textarea>` … hold
    /// raw text; `<![CDATA[` opens a bogus comment.
    Html,
    /// As markup without raw-text elements (XML, or HTML inside `<svg>` and
    /// `<math>`): every `<` may open a tag, and CDATA sections are text.
    Flat,
}

/// The raw-text state the tree builder puts the tokenizer in after a start
/// tag of `name` in an HTML document (scripting enabled, as in a browser).
fn raw_kind(name: &str) -> Option<TokenSinkResult<()>> {
    Some(match name {
        "title" | "textarea" => TokenSinkResult::RawData(RawKind::Rcdata),
        "style" | "xmp" | "iframe" | "noembed" | "noframes" | "noscript" => {
            TokenSinkResult::RawData(RawKind::Rawtext)
        }
        "script" => TokenSinkResult::RawData(RawKind::ScriptData),
        "plaintext" => TokenSinkResult::Plaintext,
        _ => return None,
    })
}

struct Sink<F> {
    reading: Reading,
    on_token: RefCell<F>,
    /// Whether a raw-text state was entered: a [`Reading::Flat`] reading of
    /// the same text may then differ.
    switched: std::cell::Cell<bool>,
}

impl<F: FnMut(Token)> TokenSink for Sink<F> {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let switch = match (&token, self.reading) {
            (TagToken(tag), Reading::Html) if tag.kind == StartTag => raw_kind(&tag.name),
            _ => None,
        };
        (self.on_token.borrow_mut())(token);
        match switch {
            Some(state) => {
                self.switched.set(true);
                state
            }
            None => TokenSinkResult::Continue,
        }
    }

    fn adjusted_current_node_present_but_not_in_html_namespace(&self) -> bool {
        self.reading == Reading::Flat
    }
}

/// Tokenizes `source`, calling `on_token` with every token and the byte
/// offset in `source` at which the tokenizer had read enough to emit it
/// (just past a tag's `>`). With `exact` false the whole text is fed at once
/// and the offset is always `source.len()`: much faster, for callers that
/// only need offsets when they found something. Returns whether the reading
/// entered a raw-text state.
pub fn tokenize(
    source: &str,
    reading: Reading,
    exact: bool,
    mut on_token: impl FnMut(Token, usize),
) -> bool {
    let offset = std::cell::Cell::new(source.len());
    let sink = Sink {
        reading,
        on_token: RefCell::new(|t| on_token(t, offset.get())),
        switched: std::cell::Cell::new(false),
    };
    let opts = TokenizerOpts {
        discard_bom: false,
        ..TokenizerOpts::default()
    };
    let tokenizer = Tokenizer::new(sink, opts);
    let queue = BufferQueue::default();
    if exact {
        for (i, c) in source.char_indices() {
            offset.set(i + c.len_utf8());
            queue.push_back(StrTendril::from_char(c));
            let _ = tokenizer.feed(&queue);
        }
    } else {
        queue.push_back(StrTendril::from_slice(source));
        let _ = tokenizer.feed(&queue);
    }
    offset.set(source.len());
    tokenizer.end();
    tokenizer.sink.switched.get()
}

/// The text of a document as a reader gets it: character data with its
/// references decoded, then every attribute value (titles, alt text, link
/// targets: what a browser shows or a crawler reads), one per line.
/// Comments are left out; a token hidden in one is still in the bytes.
pub fn visible_text(source: &str, reading: Reading) -> String {
    let mut text = String::with_capacity(source.len());
    let mut attrs = String::new();
    let switched = collect_text(source, reading, &mut text, &mut attrs);
    if switched {
        // Inside `<svg>` a `<style>` holds markup, not raw text.
        text.push('\n');
        collect_text(source, Reading::Flat, &mut text, &mut attrs);
    }
    text.push('\n');
    text.push_str(&attrs);
    text
}

fn collect_text(source: &str, reading: Reading, text: &mut String, attrs: &mut String) -> bool {
    tokenize(source, reading, false, |token, _| match token {
        CharacterTokens(t) => text.push_str(&t),
        TagToken(tag) => {
            for a in &tag.attrs {
                attrs.push_str(&a.value);
                attrs.push('\n');
            }
        }
        _ => {}
    })
}

/// Something in HTML that runs code or loads a document in a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Active {
    /// Offset in the source just past the tag that carries it.
    pub tag_end: usize,
    /// The attribute that carries it, if it is one (lower case, as the
    /// browser names it).
    pub attribute: Option<String>,
    /// For people: "a <script> element", "an event handler attribute `onclick`".
    pub what: String,
}

/// Elements that run code, load other documents or change how the page
/// around them is read.
pub const ACTIVE_TAGS: &[&str] = &[
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "meta", "link",
    "form", "style",
];

/// URL schemes that run code or smuggle a document in.
pub const ACTIVE_SCHEMES: &[&str] = &["javascript:", "vbscript:", "data:"];

/// The active scheme a URL starts with, read as a browser reads it: case
/// ignored, and spaces, tabs, newlines and control characters anywhere
/// removed (a browser strips them before it reads the scheme).
pub fn active_scheme(url: &str) -> Option<&'static str> {
    let folded: String = url
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .take(16)
        .flat_map(char::to_lowercase)
        .collect();
    ACTIVE_SCHEMES
        .iter()
        .copied()
        .find(|s| folded.starts_with(s))
}

/// Every active element, event handler attribute and active URL in `html`,
/// in both readings (see the module docs). With `exact` the offsets are
/// precise; without, every `tag_end` is `html.len()`.
pub fn find_active(html: &str, exact: bool) -> Vec<Active> {
    let mut found = Vec::new();
    let switched = active_in(html, Reading::Html, exact, &mut found);
    if switched {
        active_in(html, Reading::Flat, exact, &mut found);
    }
    found.sort_by(|a, b| (a.tag_end, &a.attribute).cmp(&(b.tag_end, &b.attribute)));
    found.dedup();
    found
}

fn active_in(html: &str, reading: Reading, exact: bool, found: &mut Vec<Active>) -> bool {
    tokenize(html, reading, exact, |token, at| {
        let TagToken(tag) = token else { return };
        if tag.kind != StartTag {
            return;
        }
        let name: &str = &tag.name;
        if ACTIVE_TAGS.contains(&name) {
            let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            };
            found.push(Active {
                tag_end: at,
                attribute: None,
                what: format!("{article} <{name}> element"),
            });
        }
        for a in &tag.attrs {
            let attr: &str = &a.name.local;
            let what = if attr.len() > 2 && attr.starts_with("on") {
                format!("an event handler attribute `{attr}`")
            } else if let Some(scheme) = active_scheme(&a.value) {
                format!("a `{scheme}` URL")
            } else {
                continue;
            };
            found.push(Active {
                tag_end: at,
                attribute: Some(attr.to_string()),
                what,
            });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_decoded_as_a_browser_decodes_them() {
        // `&notin` without its `;` is the legacy `&not` followed by `in`.
        let t = visible_text(
            "<p>&#67;VE-2026-1 &amp; &notin; &notin &colon;</p>",
            Reading::Html,
        );
        assert!(t.starts_with("CVE-2026-1 & ∉ ¬in :"), "{t}");
        let t = visible_text("<a title=\"&#x43;VE\">x</a>", Reading::Html);
        assert!(t.contains("\nCVE\n"), "{t}");
    }

    #[test]
    fn cdata_is_text_only_in_the_flat_reading() {
        let html = visible_text("a<![CDATA[b]]>c", Reading::Html);
        assert!(html.starts_with("ac"), "{html}");
        let flat = visible_text("a<![CDATA[b]]>c", Reading::Flat);
        assert!(flat.starts_with("abc"), "{flat}");
    }

    #[test]
    fn both_readings_of_raw_text_are_searched() {
        // In `<svg>`, `<style>` is not raw text and the `<img>` is real.
        let found = find_active(
            "<svg><style><img src=x onerror=alert(1)></style></svg>",
            false,
        );
        let handlers: Vec<_> = found
            .iter()
            .filter_map(|a| a.attribute.as_deref())
            .collect();
        assert_eq!(handlers, ["onerror"], "{found:?}");
        // Inside a real `<title>`, a tag is text, but it is reported anyway.
        assert!(!find_active("<title><b onclick=x></title>", false).is_empty());
    }

    #[test]
    fn exact_offsets_point_past_the_tag() {
        let html = "<p>x</p><a href=\"java\tscript:x\">y</a>";
        let found = find_active(html, true);
        assert_eq!(found.len(), 1);
        assert_eq!(
            &html[..found[0].tag_end],
            "<p>x</p><a href=\"java\tscript:x\">"
        );
        assert_eq!(found[0].what, "a `javascript:` URL");
    }
}
