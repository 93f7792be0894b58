//! Content problems as structured diagnostics: a stable code, the file, the
//! position, a one-line message and a help line, rendered for people or as JSON.
//!
//! Every stage that reads user input reports through [`Diagnostics`] instead of
//! returning early, so `check` can show every mistake in one run.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// How bad a problem is: errors fail `check` and `build`, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A 1-based line and column (columns count characters, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

impl Pos {
    pub const fn new(line: u32, column: u32) -> Self {
        Pos { line, column }
    }

    /// The start of a file, for problems that concern the file as a whole.
    pub const START: Pos = Pos { line: 1, column: 1 };

    /// Moves a position found inside an embedded document (front matter) to
    /// the position in the enclosing file, whose first line is `first_line`.
    pub fn shifted(self, first_line: u32) -> Pos {
        Pos {
            line: self.line + first_line - 1,
            column: self.column,
        }
    }

    /// The position of byte `offset` in `text`.
    pub fn of_offset(text: &str, offset: usize) -> Pos {
        let offset = offset.min(text.len());
        let before = text.get(..offset).unwrap_or(text);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        Pos::new(line as u32, column as u32)
    }
}

/// One problem found in the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable identifier, e.g. `disclose::unknown-series`.
    pub code: String,
    /// Path relative to the site root, with `/` separators.
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn pos(&self) -> Pos {
        Pos::new(self.line, self.column)
    }
}

/// The problems found so far. Stages push into it and go on.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

/// Builder returned by [`Diagnostics::error`] and [`Diagnostics::warning`] so
/// that a help line can be added fluently.
pub struct Pending<'a> {
    diag: &'a mut Diagnostic,
}

impl Pending<'_> {
    pub fn help(self, help: impl Into<String>) {
        self.diag.help = Some(help.into());
    }
}

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }

    fn push(
        &mut self,
        severity: Severity,
        code: &str,
        file: &SourceName,
        pos: Pos,
        message: String,
    ) -> Pending<'_> {
        self.items.push(Diagnostic {
            severity,
            code: format!("disclose::{code}"),
            file: file.0.clone(),
            line: pos.line.max(1),
            column: pos.column.max(1),
            message,
            help: None,
        });
        let last = self.items.len() - 1;
        Pending {
            diag: &mut self.items[last],
        }
    }

    pub fn error(
        &mut self,
        code: &str,
        file: &SourceName,
        pos: Pos,
        message: impl Into<String>,
    ) -> Pending<'_> {
        self.push(Severity::Error, code, file, pos, message.into())
    }

    pub fn warning(
        &mut self,
        code: &str,
        file: &SourceName,
        pos: Pos,
        message: impl Into<String>,
    ) -> Pending<'_> {
        self.push(Severity::Warning, code, file, pos, message.into())
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    pub fn error_count(&self) -> usize {
        self.count(Severity::Error)
    }

    pub fn warning_count(&self) -> usize {
        self.count(Severity::Warning)
    }

    fn count(&self, severity: Severity) -> usize {
        self.items.iter().filter(|d| d.severity == severity).count()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The diagnostics in a stable order: by file, position, then code, so
    /// that parallel loading never changes what `check` prints.
    pub fn sorted(mut self) -> Vec<Diagnostic> {
        self.items.sort_by(|a, b| {
            (&a.file, a.line, a.column, &a.code, &a.message)
                .cmp(&(&b.file, b.line, b.column, &b.code, &b.message))
        });
        self.items.dedup();
        self.items
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }
}

/// The name of an input file as diagnostics show it: relative to the site
/// root, `/`-separated, so output is the same on every machine.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SourceName(pub String);

impl SourceName {
    pub fn new(root: &Path, path: &Path) -> Self {
        let rel = path.strip_prefix(root).unwrap_or(path);
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        SourceName(parts.join("/"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn path_in(&self, root: &Path) -> PathBuf {
        root.join(&self.0)
    }
}

impl std::fmt::Display for SourceName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Renders diagnostics the way a compiler does: the message, the location,
/// the offending source line with a caret, and the help line.
///
/// `source_of` returns a file's text when it can be shown (it may not be
/// UTF-8, or may be too large to be worth quoting).
pub fn render_human<'a>(
    diagnostics: &[Diagnostic],
    source_of: impl Fn(&str) -> Option<&'a str>,
) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let _ = writeln!(out, "{level}[{}]: {}", d.code, d.message);
        let gutter = d.line.to_string();
        let pad = " ".repeat(gutter.len());
        let _ = writeln!(out, "{pad}--> {}:{}:{}", d.file, d.line, d.column);
        if let Some(line_text) = source_of(&d.file).and_then(|s| s.lines().nth(d.line as usize - 1))
        {
            let shown: String = line_text.chars().take(200).collect();
            let caret_pad = " ".repeat((d.column as usize - 1).min(shown.chars().count()));
            let _ = writeln!(out, "{pad} |");
            let _ = writeln!(out, "{gutter} | {}", shown.trim_end());
            let _ = writeln!(out, "{pad} | {caret_pad}^");
        }
        if let Some(help) = &d.help {
            let _ = writeln!(out, "{pad} = help: {help}");
        }
        out.push('\n');
    }
    out
}

/// One JSON document: the diagnostics and the counts, for tools.
pub fn render_json(diagnostics: &[Diagnostic]) -> String {
    #[derive(Serialize)]
    struct Report<'a> {
        diagnostics: &'a [Diagnostic],
        errors: usize,
        warnings: usize,
    }
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let report = Report {
        diagnostics,
        errors,
        warnings: diagnostics.len() - errors,
    };
    serde_json::to_string_pretty(&report).unwrap_or_default() + "\n"
}

/// GitHub Actions workflow commands, which turn into inline annotations on
/// the pull request.
pub fn render_github(diagnostics: &[Diagnostic]) -> String {
    let escape = |s: &str| {
        s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let escape_prop = |s: &str| escape(s).replace(':', "%3A").replace(',', "%2C");
    let mut out = String::new();
    for d in diagnostics {
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut msg = d.message.clone();
        if let Some(help) = &d.help {
            msg.push_str("\nhelp: ");
            msg.push_str(help);
        }
        let _ = writeln!(
            out,
            "::{level} file={},line={},col={},title={}::{}",
            escape_prop(&d.file),
            d.line,
            d.column,
            escape_prop(&d.code),
            escape(&msg)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_to_position_counts_characters() {
        let text = "ab\nçd\nef";
        assert_eq!(Pos::of_offset(text, 0), Pos::new(1, 1));
        assert_eq!(Pos::of_offset(text, 3), Pos::new(2, 1));
        // 'ç' is two bytes but one column.
        assert_eq!(Pos::of_offset(text, 5), Pos::new(2, 2));
        assert_eq!(Pos::of_offset(text, 100), Pos::new(3, 3));
    }

    #[test]
    fn diagnostics_sort_by_file_then_position() {
        let mut d = Diagnostics::new();
        let b = SourceName("b.md".into());
        let a = SourceName("a.md".into());
        d.error("x", &b, Pos::new(1, 1), "one");
        d.error("x", &a, Pos::new(9, 1), "two");
        d.error("x", &a, Pos::new(2, 1), "three");
        let order: Vec<_> = d.sorted().into_iter().map(|d| d.message).collect();
        assert_eq!(order, ["three", "two", "one"]);
    }

    #[test]
    fn human_rendering_points_at_the_column() {
        let mut d = Diagnostics::new();
        let f = SourceName("a.yaml".into());
        d.error(
            "unknown-series",
            &f,
            Pos::new(2, 11),
            "series `9.9` is unknown",
        )
        .help("add it to content/releases.yaml");
        let text = "a: 1\nseries:   9.9\n";
        let out = render_human(&d.sorted(), |_| Some(text));
        assert!(out.contains("error[disclose::unknown-series]: series `9.9` is unknown"));
        assert!(
            out.contains(
                "\n --> a.yaml:2:11\n  |\n2 | series:   9.9\n  |           ^\n  = help: add it"
            ),
            "{out}"
        );
    }
}
