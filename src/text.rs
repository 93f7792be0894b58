//! Words and plain text as people read them: dates as the site's pages write
//! them, counts in the right number, lists joined with "and", and the plain
//! text of the mailed texts (paragraphs wrapped at 72 columns, headings that
//! survive an OpenPGP cleartext signature, Markdown reflowed for email).
//! The pre-notification packets, the release-day texts, the calendar and the
//! command-line messages all word things here, so they say them one way.

use std::fmt::Write as _;

use jiff::Timestamp;
use jiff::tz::TimeZone;

/// Lines of the texts we word ourselves are wrapped here, as email expects.
pub const WIDTH: usize = 72;

/// "4 March 2026".
pub fn human_date(t: Timestamp) -> String {
    t.to_zoned(TimeZone::UTC).strftime("%-d %B %Y").to_string()
}

/// "4 March 2026, 14:00 UTC".
pub fn human_time(t: Timestamp) -> String {
    t.to_zoned(TimeZone::UTC)
        .strftime("%-d %B %Y, %H:%M UTC")
        .to_string()
}

/// "2026-03-04T14:00:00Z": a time to the second in UTC, as the command line
/// prints it (and as `--now` takes it back).
pub fn utc_second(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// "1 advisory", "2 advisories".
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// "a", "a and b", "a, b and c".
pub fn and_list<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [init @ .., last] => {
            let init: Vec<&str> = init.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", init.join(", "), last.as_ref())
        }
    }
}

/// A Markdown heading that survives a cleartext signature unchanged: the
/// title is underlined with `=` (a `-` rule or list item would be
/// dash-escaped, RFC 9580 §7.2), and lower levels are `##`-style.
pub fn heading(t: &mut String, level: usize, text: &str) {
    if level == 1 {
        let rule: String = std::iter::repeat_n('=', text.chars().count()).collect();
        let _ = writeln!(t, "{text}\n{rule}\n");
    } else {
        let _ = writeln!(t, "{} {text}\n", "#".repeat(level));
    }
}

/// `text` wrapped at [`WIDTH`] columns, then a blank line.
pub fn paragraph(t: &mut String, text: &str) {
    wrap_into(t, text, "", "");
    t.push('\n');
}

/// A list item: `* ` then `text` wrapped at [`WIDTH`] columns, continued
/// under its first word.
pub fn item(t: &mut String, text: &str) {
    wrap_into(t, text, "* ", "  ");
}

/// `text` wrapped at [`WIDTH`] columns, the first line after `first`, the
/// others after `rest`; a word longer than a line (a URL) keeps a line of its
/// own rather than being broken.
fn wrap_into(t: &mut String, text: &str, first: &str, rest: &str) {
    let mut line_len = 0;
    let mut started = false;
    for word in text.split_whitespace() {
        let len = word.chars().count();
        if !started {
            t.push_str(first);
            line_len = first.chars().count();
            started = true;
        } else if line_len + 1 + len > WIDTH {
            t.push('\n');
            t.push_str(rest);
            line_len = rest.chars().count();
        } else {
            t.push(' ');
            line_len += 1;
        }
        t.push_str(word);
        line_len += len;
    }
    if started {
        t.push('\n');
    }
}

/// Markdown as plain text for email: paragraphs and list items rewrapped at
/// [`WIDTH`] columns (`-` and `+` bullets written `*`, so that no line is
/// dash-escaped when signed), code blocks, tables, quotes and headings kept
/// as written. Markdown reads well as text; only its line lengths change.
pub fn reflow_markdown(markdown: &str) -> String {
    let mut t = String::new();
    let mut lines = markdown.trim().lines().peekable();
    let mut block: Vec<&str> = Vec::new();
    let flush = |t: &mut String, block: &mut Vec<&str>| {
        if block.is_empty() {
            return;
        }
        reflow_block(t, block);
        block.clear();
    };
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if let Some(fence) = ["```", "~~~"].into_iter().find(|f| trimmed.starts_with(f)) {
            flush(&mut t, &mut block);
            let _ = writeln!(t, "{line}");
            for inner in lines.by_ref() {
                let _ = writeln!(t, "{inner}");
                if inner.trim_start().starts_with(fence) {
                    break;
                }
            }
            t.push('\n');
        } else if line.trim().is_empty() {
            flush(&mut t, &mut block);
        } else {
            block.push(line);
        }
    }
    flush(&mut t, &mut block);
    trim_end(t)
}

/// One block of Markdown between blank lines.
fn reflow_block(t: &mut String, block: &[&str]) {
    let kept = |l: &&str| {
        let s = l.trim_start();
        l.starts_with("    ") || l.starts_with('\t') || s.starts_with('|') || s.starts_with('>')
    };
    if block
        .first()
        .is_some_and(|l| l.trim_start().starts_with('#'))
        || block.iter().all(kept)
    {
        for l in block {
            let _ = writeln!(t, "{}", l.trim_end());
        }
        t.push('\n');
        return;
    }
    // List items start with a bullet or a number; other lines continue them.
    let mut items: Vec<(String, String)> = Vec::new();
    for l in block {
        match list_marker(l) {
            Some((marker, rest)) => items.push((marker, rest.to_string())),
            None => match items.last_mut() {
                Some((_, text)) => {
                    text.push(' ');
                    text.push_str(l.trim());
                }
                None => items.push((String::new(), l.trim().to_string())),
            },
        }
    }
    for (marker, text) in &items {
        if marker.is_empty() {
            wrap_into(t, text, "", "");
        } else {
            let indent = " ".repeat(marker.chars().count());
            wrap_into(t, text, marker, &indent);
        }
    }
    t.push('\n');
}

/// `- item` → (`* `, `item`); `12. item` → (`12. `, `item`).
fn list_marker(line: &str) -> Option<(String, &str)> {
    let s = line.trim_start();
    for bullet in ["- ", "* ", "+ "] {
        if let Some(rest) = s.strip_prefix(bullet) {
            return Some(("* ".into(), rest.trim()));
        }
    }
    let digits = s.chars().take_while(char::is_ascii_digit).count();
    let rest = s.get(digits..)?;
    if digits > 0 && digits < 4 {
        for end in [". ", ") "] {
            if let Some(rest) = rest.strip_prefix(end) {
                return Some((format!("{}{end}", &s[..digits]), rest.trim()));
            }
        }
    }
    None
}

/// One final line break, no blank lines after it.
pub fn trim_end(mut t: String) -> String {
    let len = t.trim_end().len();
    t.truncate(len);
    t.push('\n');
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_wrap_at_the_width_and_keep_long_words() {
        let mut t = String::new();
        let long = "x".repeat(80);
        paragraph(&mut t, &format!("{} {long} end", "word ".repeat(20)));
        for line in t.lines() {
            assert!(line.len() <= WIDTH || line == long, "{line}");
        }
        assert!(t.ends_with("end\n\n"));
    }

    #[test]
    fn headings_are_underlined_to_their_length() {
        let mut t = String::new();
        heading(&mut t, 1, "Ünïcode");
        assert_eq!(t, "Ünïcode\n=======\n\n");
    }

    #[test]
    fn counts_and_lists_read_as_words() {
        assert_eq!(count(1, "advisory", "advisories"), "1 advisory");
        assert_eq!(count(0, "advisory", "advisories"), "0 advisories");
        assert_eq!(and_list(&["6.0.1"]), "6.0.1");
        assert_eq!(and_list(&["6.0.1", "5.2.8"]), "6.0.1 and 5.2.8");
        assert_eq!(and_list(&["a", "b", "c"]), "a, b and c");
        assert_eq!(and_list::<&str>(&[]), "");
    }

    #[test]
    fn times_are_written_to_the_second_in_utc() {
        let t: Timestamp = "2026-12-01T22:52:35.470070213+01:00".parse().unwrap();
        assert_eq!(utc_second(t), "2026-12-01T21:52:35Z");
        assert_eq!(human_date(t), "1 December 2026");
        assert_eq!(human_time(t), "1 December 2026, 21:52 UTC");
    }

    #[test]
    fn markdown_is_rewrapped_but_code_and_tables_are_kept() {
        let md = format!(
            "Intro {}\nend.\n\n```python\n{}\n```\n\n- one {}\n  continued\n- two\n\n| a | b |\n|---|---|\n\n1. first\n",
            "word ".repeat(20),
            "x = 1  # a code line that is long ".repeat(3),
            "long ".repeat(16)
        );
        let text = reflow_markdown(&md);
        for line in text.lines() {
            assert!(
                line.chars().count() <= WIDTH || line.starts_with("x = 1"),
                "{line}"
            );
            assert!(!line.starts_with('-'), "{line}");
        }
        assert!(text.contains("```python\nx = 1"));
        assert!(text.contains("\n* one long"));
        assert!(text.contains("\n  long"), "{text}");
        assert!(text.contains("continued\n* two\n"), "{text}");
        assert!(text.contains("| a | b |\n|---|---|\n"));
        assert!(text.ends_with("1. first\n"));
    }
}
