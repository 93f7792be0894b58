//! Markdown back from the HTML a description was rendered to, for CVE
//! records: their text description loses code spans, paragraphs and
//! links, while the `text/html` supporting media keeps them. Only the
//! HTML a Markdown renderer writes is read (paragraphs, code, emphasis,
//! links, lists, headings, quotes); the Markdown is used only when it
//! renders to the same HTML again, so nothing is guessed.

/// The Markdown that renders to `html`, when it can be found.
pub fn markdown_from_html(html: &str) -> Option<String> {
    let mut w = Writer::default();
    let mut rest = html;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('<') {
            let end = after.find('>')?;
            let tag = &after[..end];
            rest = &after[end + 1..];
            let name = tag
                .trim_start_matches('/')
                .split_whitespace()
                .next()
                .unwrap_or("");
            if w.pre && name != "code" && name != "pre" {
                return None;
            }
            w.tag(tag)?;
        } else {
            let end = rest.find('<').unwrap_or(rest.len());
            w.text(&rest[..end])?;
            rest = &rest[end..];
        }
    }
    let mut out = w.out.trim_end().to_string();
    out.push('\n');
    (crate::markdown::to_html(&out) == html).then_some(out)
}

#[derive(Default)]
struct Writer {
    out: String,
    /// Prefixes of the open blocks: `> ` for quotes, indentation in lists.
    prefix: Vec<String>,
    /// Open lists: `None` bulleted, `Some(n)` numbered from n.
    lists: Vec<Option<u64>>,
    /// The marker of a list item not yet written.
    marker: Option<String>,
    link: Vec<String>,
    pre: bool,
    code: bool,
}

impl Writer {
    fn at_line_start(&self) -> bool {
        self.out.is_empty() || self.out.ends_with('\n')
    }

    fn start_line(&mut self) {
        if !self.at_line_start() {
            self.out.push('\n');
        }
        let prefix: String = self.prefix.concat();
        match self.marker.take() {
            Some(m) => {
                let indent = prefix.len().saturating_sub(m.len());
                self.out.push_str(&prefix[..indent.min(prefix.len())]);
                self.out.push_str(&m);
            }
            None => self.out.push_str(&prefix),
        }
    }

    fn blank_line(&mut self) {
        if self.out.is_empty() {
            return;
        }
        if !self.out.ends_with('\n') {
            self.out.push('\n');
        }
        if !self.out.ends_with("\n\n") && self.lists.is_empty() {
            self.out.push('\n');
        }
    }

    fn tag(&mut self, tag: &str) -> Option<()> {
        let (closing, body) = match tag.strip_prefix('/') {
            Some(b) => (true, b),
            None => (false, tag.trim_end_matches('/').trim()),
        };
        let name = body.split_whitespace().next().unwrap_or("");
        match (name, closing) {
            ("p", false) => self.start_line(),
            ("p", true) => self.blank_line(),
            ("code", false) if self.pre => {
                // `<pre><code class="language-x">` is a fence with its language.
                if let Some(lang) = attribute(body, "class")
                    .and_then(|c| c.strip_prefix("language-").map(str::to_string))
                    && self.out.ends_with("```\n")
                {
                    self.out.truncate(self.out.len() - 1);
                    self.out.push_str(&lang);
                    self.out.push('\n');
                }
            }
            ("code", false) => {
                self.code = true;
                self.out.push('`');
            }
            ("code", true) if self.pre => {}
            ("code", true) => {
                self.code = false;
                self.out.push('`');
            }
            ("pre", false) => {
                self.start_line();
                self.out.push_str("```\n");
                self.pre = true;
            }
            ("pre", true) => {
                if !self.out.ends_with('\n') {
                    self.out.push('\n');
                }
                self.out.push_str("```");
                self.pre = false;
                self.blank_line();
            }
            ("em", _) => self.out.push('*'),
            ("strong", _) => self.out.push_str("**"),
            ("a", false) => {
                let href = attribute(body, "href")?;
                self.link.push(href);
                self.out.push('[');
            }
            ("a", true) => {
                let href = self.link.pop()?;
                self.out.push_str(&format!("]({href})"));
            }
            ("br", _) => self.out.push_str("\\\n"),
            ("hr", _) => {
                self.start_line();
                self.out.push_str("***");
                self.blank_line();
            }
            (h, false) if h.len() == 2 && h.starts_with('h') => {
                let level: usize = h[1..].parse().ok().filter(|l| (1..=6).contains(l))?;
                self.start_line();
                self.out.push_str(&"#".repeat(level));
                self.out.push(' ');
            }
            (h, true) if h.len() == 2 && h.starts_with('h') => self.blank_line(),
            ("blockquote", false) => {
                self.start_line();
                self.prefix.push("> ".into());
            }
            ("blockquote", true) => {
                self.prefix.pop();
                self.blank_line();
            }
            ("ul", false) | ("ol", false) => {
                if !self.at_line_start() {
                    self.out.push('\n');
                }
                let start = attribute(body, "start")
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(1);
                self.lists.push((name == "ol").then_some(start));
            }
            ("ul", true) | ("ol", true) => {
                self.lists.pop()?;
                self.blank_line();
            }
            ("li", false) => {
                let marker = match self.lists.last_mut()? {
                    None => "- ".to_string(),
                    Some(n) => {
                        let m = format!("{n}. ");
                        *n += 1;
                        m
                    }
                };
                self.prefix.push(" ".repeat(marker.len()));
                self.marker = Some(marker);
                self.start_line();
            }
            ("li", true) => {
                self.prefix.pop();
                if !self.out.ends_with('\n') {
                    self.out.push('\n');
                }
            }
            _ => return None,
        }
        Some(())
    }

    fn text(&mut self, html_text: &str) -> Option<()> {
        let text = decode(html_text)?;
        // The line breaks between blocks are not text.
        if !self.pre && self.at_line_start() && text.trim().is_empty() {
            return Some(());
        }
        if self.pre || self.code {
            if self.code && text.contains('`') {
                return None;
            }
            self.out.push_str(&text);
            return Some(());
        }
        let prefix: String = self.prefix.concat();
        for (i, line) in text.split('\n').enumerate() {
            if i > 0 {
                self.out.push('\n');
                self.out.push_str(&prefix);
            }
            let at_start =
                self.out.is_empty() || self.out.ends_with('\n') || self.out.ends_with(&prefix);
            for (j, c) in line.chars().enumerate() {
                let special = matches!(c, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '&')
                    || (j == 0 && at_start && matches!(c, '#' | '>' | '-' | '+' | '=' | '|'));
                if special {
                    self.out.push('\\');
                }
                self.out.push(c);
            }
        }
        Some(())
    }
}

/// The value of `name="…"` in a tag.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
    let end = tag[start..].find('"')? + start;
    decode(&tag[start..end])
}

/// HTML text with its character references decoded.
fn decode(s: &str) -> Option<String> {
    quick_xml::escape::unescape(s).ok().map(|c| c.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(markdown: &str) -> Option<String> {
        markdown_from_html(&crate::markdown::to_html(markdown))
    }

    #[test]
    fn markdown_comes_back_from_its_html() {
        let md = "The `Accept-Language` header of every request is parsed by\n`larch.utils.x()` when\n*enabled*.\n\nSee [the notes](https://example.org/a?b=1&c=2) and **this**.\n";
        assert_eq!(round_trip(md).as_deref(), Some(md));
        let fence = "Passing:\n\n```python\nBook.objects.annotate(**{k: v})\n```\n";
        // The sanitizer drops the language, so the fence comes back without it.
        let back = round_trip(fence).unwrap();
        assert_eq!(
            crate::markdown::to_html(&back),
            crate::markdown::to_html(fence)
        );
        let list = "Affected:\n\n- one\n- two `x`\n";
        assert!(round_trip(list).is_some());
        let text = "Text such as `See \"<b>hello</b>` and a \\ backslash, 5 * 3.\n";
        let back = round_trip(text).unwrap();
        assert_eq!(
            crate::markdown::to_html(&back),
            crate::markdown::to_html(text)
        );
    }

    #[test]
    fn unknown_markup_is_not_guessed() {
        assert_eq!(
            markdown_from_html("<table><tr><td>x</td></tr></table>"),
            None
        );
    }
}
