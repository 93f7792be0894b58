//! YAML parsing with the limits on and every error turned into a diagnostic
//! that points at the file and position, including inside front matter.

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_saphyr::Error as YamlError;

use crate::diagnostic::{Diagnostics, Pos, SourceName};

/// A value together with the position of the YAML node it came from, so that
/// rules checked after parsing can still point at the right place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<T> {
    pub value: T,
    /// Position inside the YAML document (1-based), before any front-matter shift.
    pub pos: Pos,
}

impl<T> Located<T> {
    pub fn new(value: T, pos: Pos) -> Self {
        Located { value, pos }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Located<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = serde_saphyr::Spanned::<T>::deserialize(deserializer)?;
        let pos = Pos::new(
            spanned.referenced.line() as u32,
            spanned.referenced.column() as u32,
        );
        Ok(Located {
            value: spanned.value,
            pos,
        })
    }
}

impl<T: JsonSchema> JsonSchema for Located<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }
    fn schema_id() -> std::borrow::Cow<'static, str> {
        T::schema_id()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

/// A YAML document embedded in a file: its text and the file line it starts on.
#[derive(Debug, Clone, Copy)]
pub struct YamlDoc<'a> {
    pub text: &'a str,
    pub first_line: u32,
}

const MAX_DEPTH: usize = 24;
const MAX_NODES: usize = 100_000;

/// Limits for one input document. Real advisories are a few kilobytes with no
/// anchors; these bounds stop alias bombs and deep nesting long before they
/// cost time or memory.
fn options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        with_snippet: false,
        budget: serde_saphyr::budget! {
            max_depth: MAX_DEPTH,
            max_events: 200_000,
            max_nodes: MAX_NODES,
            max_aliases: 256,
            max_anchors: 256,
            max_documents: 1,
            max_total_scalar_bytes: 4 * 1024 * 1024,
        },
    }
}

/// Parses `doc` into `T`, reporting a failure as a diagnostic in `file`.
pub fn parse<T: DeserializeOwned>(
    doc: YamlDoc<'_>,
    file: &SourceName,
    diags: &mut Diagnostics,
) -> Option<T> {
    match serde_saphyr::from_str_with_options::<T>(doc.text, options()) {
        Ok(value) => Some(value),
        Err(err) => {
            report(&err, doc, file, diags);
            None
        }
    }
}

fn report(err: &YamlError, doc: YamlDoc<'_>, file: &SourceName, diags: &mut Diagnostics) {
    let err = err.without_snippet();
    let pos = err
        .location()
        .map(|l| Pos::new(l.line() as u32, l.column() as u32))
        .unwrap_or(Pos::START)
        .shifted(doc.first_line);
    let raw_message =
        strip_location(&err.render_with_formatter(&serde_saphyr::UserMessageFormatter));
    let (code, help) = classify(err, &raw_message);
    let (message, help) = if doc.text.trim().is_empty() {
        (
            "the document is empty".to_string(),
            "write the fields; docs/format.md shows a complete example".to_string(),
        )
    } else if code == "yaml-limit" {
        (limit_message(&raw_message), help)
    } else if raw_message.contains("Documents") {
        (
            "the file holds more than one YAML document".to_string(),
            help,
        )
    } else {
        (raw_message, help)
    };
    diags.error(code, file, pos, message).help(help);
}

/// Says which safety limit a document broke, in words.
fn limit_message(raw: &str) -> String {
    if raw.contains("Depth") || raw.contains("recursion") || raw.contains("nesting") {
        format!("the document is nested deeper than {MAX_DEPTH} levels")
    } else if raw.contains("Alias")
        || raw.contains("alias")
        || raw.contains("Nodes")
        || raw.contains("Events")
    {
        format!(
            "the document expands to more than {MAX_NODES} values (an alias bomb or a huge document)"
        )
    } else if raw.contains("Scalar") {
        "the document's text is larger than 4 MiB".to_string()
    } else {
        "the document exceeds the parser's safety limits".to_string()
    }
}

/// Our diagnostics carry the position separately; drop the parser's suffix.
fn strip_location(message: &str) -> String {
    let first = message.lines().next().unwrap_or(message);
    match first.find(" at line ") {
        Some(i) => first[..i].to_string(),
        None => first.to_string(),
    }
}

fn classify(err: &YamlError, message: &str) -> (&'static str, String) {
    if matches!(err, YamlError::MultipleDocuments { .. }) || message.contains("Documents") {
        return (
            "yaml-syntax",
            "a file holds one YAML document: remove the extra `---` line".into(),
        );
    }
    let over_budget = [
        "limits breached",
        "too large or too complex",
        "recursion limit",
        "nesting",
    ]
    .iter()
    .any(|m| message.contains(m));
    match err {
        _ if over_budget => (
            "yaml-limit",
            "advisory files are small, flat documents: remove the deep nesting, repeated aliases or huge values".into(),
        ),
        YamlError::Budget { .. }
        | YamlError::AliasReplayLimitExceeded { .. }
        | YamlError::AliasExpansionLimitExceeded { .. }
        | YamlError::AliasReplayStackDepthExceeded { .. }
        | YamlError::AliasReplayCounterOverflow { .. } => (
            "yaml-limit",
            "advisory files are small, flat documents: remove the deep nesting, repeated aliases or huge values".into(),
        ),
        YamlError::SerdeUnknownField { .. } => (
            "unknown-field",
            "remove the field or fix its spelling; docs/format.md lists every field".into(),
        ),
        YamlError::SerdeMissingField { .. } => (
            "missing-field",
            "add the field; docs/format.md lists the required fields".into(),
        ),
        YamlError::DuplicateMappingKey { .. } => (
            "duplicate-key",
            "each key may appear once in a mapping: remove one of them".into(),
        ),
        YamlError::SerdeUnknownVariant { .. } => (
            "invalid-value",
            "use one of the values listed in the message".into(),
        ),
        YamlError::SerdeInvalidType { .. }
        | YamlError::SerdeInvalidValue { .. }
        | YamlError::SerdeInvalidLength { .. }
        | YamlError::InvalidScalar { .. }
        | YamlError::NullIntoString { .. }
        | YamlError::InvalidBooleanStrict { .. }
        | YamlError::Unexpected { .. }
        | YamlError::ExternallyTaggedEnumExpectedScalarOrMapping { .. } => (
            "wrong-type",
            if message.contains("string") {
                "quote the value, or give a single value where a list or mapping is not expected".into()
            } else {
                "check the value's type against docs/format.md".into()
            },
        ),
        YamlError::MultipleDocuments { .. } => (
            "yaml-syntax",
            "a file holds one YAML document: remove the extra `---` separator".into(),
        ),
        _ => (
            "yaml-syntax",
            "fix the YAML syntax at this position (indentation, quotes, brackets)".into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Doc {
        #[allow(dead_code)]
        name: Located<String>,
    }

    fn errors_as<T: DeserializeOwned>(
        text: &str,
        first_line: u32,
    ) -> Vec<crate::diagnostic::Diagnostic> {
        let mut diags = Diagnostics::new();
        let file = SourceName("f.yaml".into());
        let _ = parse::<T>(YamlDoc { text, first_line }, &file, &mut diags);
        diags.sorted()
    }

    fn errors(text: &str, first_line: u32) -> Vec<crate::diagnostic::Diagnostic> {
        errors_as::<Doc>(text, first_line)
    }

    #[test]
    fn positions_are_shifted_into_the_enclosing_file() {
        let d = errors("name: a\nbogus: 1\n", 2);
        assert_eq!(d[0].code, "disclose::unknown-field");
        assert_eq!((d[0].line, d[0].column), (3, 1));
        assert!(!d[0].message.contains("at line"));
    }

    #[test]
    fn alias_bomb_is_stopped_by_the_budget() {
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = (b'a' + i - 1) as char;
            let this = (b'a' + i) as char;
            let items = vec![format!("*{prev}"); 10].join(", ");
            bomb.push_str(&format!("{this}: &{this} [{items}]\n"));
        }
        let d = errors_as::<serde_json::Value>(&bomb, 1);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].code, "disclose::yaml-limit", "{d:?}");
    }

    #[test]
    fn deep_nesting_is_stopped_by_the_budget() {
        let text = format!("name: {}", "[".repeat(10_000));
        let d = errors_as::<serde_json::Value>(&text, 1);
        assert_eq!(d[0].code, "disclose::yaml-limit", "{d:?}");
    }
}
