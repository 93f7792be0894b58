//! A JSON or YAML document as a tree whose every node remembers where it
//! is, so a problem found while reading a record names the file, the line
//! and the JSON path (`$.affected[0].ranges[1]`).
//!
//! JSON is read by a small parser of our own (serde_json keeps no
//! positions); YAML through serde-saphyr with the same kind of limits the
//! site's own files are read with. Scalars keep their text: a YAML `1.20`
//! stays `1.20`, not the number 1.2.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::diagnostic::Pos;

/// How deep a record may nest; real records stay under ten levels.
pub const MAX_DEPTH: usize = 48;

/// One value of the document.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub pos: Pos,
    pub kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Null,
    Bool(bool),
    /// A number as written.
    Number(String),
    String(String),
    Array(Vec<Node>),
    /// Members in document order.
    Object(Vec<(String, Node)>),
}

impl Kind {
    /// What a reader calls this kind of value, for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool(_) => "a boolean",
            Kind::Number(_) => "a number",
            Kind::String(_) => "a string",
            Kind::Array(_) => "an array",
            Kind::Object(_) => "an object",
        }
    }
}

/// Why a document could not be read as a tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub pos: Pos,
    pub message: String,
}

/// Parses JSON text (RFC 8259) into a tree, refusing nesting deeper than
/// [`MAX_DEPTH`] and duplicate member names.
pub fn parse_json(text: &str) -> Result<Node, SyntaxError> {
    let mut p = JsonParser {
        text,
        bytes: text.as_bytes(),
        at: 0,
    };
    p.skip_ws();
    let node = p.value(0)?;
    p.skip_ws();
    if p.at < p.bytes.len() {
        return Err(p.error("unexpected text after the JSON value"));
    }
    Ok(node)
}

struct JsonParser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
}

impl JsonParser<'_> {
    fn pos(&self) -> Pos {
        Pos::of_offset(self.text, self.at)
    }

    fn error(&self, message: impl Into<String>) -> SyntaxError {
        SyntaxError {
            pos: self.pos(),
            message: message.into(),
        }
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node, SyntaxError> {
        if depth > MAX_DEPTH {
            return Err(self.error(format!(
                "the document is nested deeper than {MAX_DEPTH} levels"
            )));
        }
        let pos = self.pos();
        let kind = match self.bytes.get(self.at) {
            None => return Err(self.error("the document ends where a value was expected")),
            Some(b'{') => self.object(depth)?,
            Some(b'[') => self.array(depth)?,
            Some(b'"') => Kind::String(self.string()?),
            Some(b't') => self.literal("true", Kind::Bool(true))?,
            Some(b'f') => self.literal("false", Kind::Bool(false))?,
            Some(b'n') => self.literal("null", Kind::Null)?,
            Some(b'-' | b'0'..=b'9') => Kind::Number(self.number()?),
            Some(_) => {
                let c = self.text[self.at..].chars().next().unwrap_or('?');
                return Err(self.error(format!("`{c}` cannot start a JSON value")));
            }
        };
        Ok(Node { pos, kind })
    }

    fn literal(&mut self, word: &str, kind: Kind) -> Result<Kind, SyntaxError> {
        if self.text[self.at..].starts_with(word) {
            self.at += word.len();
            Ok(kind)
        } else {
            Err(self.error(format!("expected `{word}`")))
        }
    }

    fn number(&mut self) -> Result<String, SyntaxError> {
        let start = self.at;
        let digits = |p: &mut Self| {
            let from = p.at;
            while p.bytes.get(p.at).is_some_and(u8::is_ascii_digit) {
                p.at += 1;
            }
            p.at > from
        };
        if self.bytes.get(self.at) == Some(&b'-') {
            self.at += 1;
        }
        if !digits(self) {
            return Err(self.error("a number needs digits"));
        }
        if self.bytes.get(self.at) == Some(&b'.') {
            self.at += 1;
            if !digits(self) {
                return Err(self.error("a number needs digits after `.`"));
            }
        }
        if let Some(b'e' | b'E') = self.bytes.get(self.at) {
            self.at += 1;
            if let Some(b'+' | b'-') = self.bytes.get(self.at) {
                self.at += 1;
            }
            if !digits(self) {
                return Err(self.error("a number needs digits in its exponent"));
            }
        }
        Ok(self.text[start..self.at].to_string())
    }

    fn string(&mut self) -> Result<String, SyntaxError> {
        self.at += 1; // the opening quote
        let mut out = String::new();
        loop {
            let run_start = self.at;
            while let Some(&b) = self.bytes.get(self.at) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.at += 1;
            }
            out.push_str(&self.text[run_start..self.at]);
            match self.bytes.get(self.at) {
                None => return Err(self.error("a string is not closed")),
                Some(b'"') => {
                    self.at += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.at += 1;
                    let escaped = match self.bytes.get(self.at) {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.at += 1;
                            let c = self.unicode_escape()?;
                            out.push(c);
                            continue;
                        }
                        _ => return Err(self.error("unknown escape in a string")),
                    };
                    self.at += 1;
                    out.push(escaped);
                }
                Some(_) => return Err(self.error("a control character inside a string")),
            }
        }
    }

    /// After `\u`: four hex digits, and a second escape for a surrogate pair.
    fn unicode_escape(&mut self) -> Result<char, SyntaxError> {
        let first = self.hex4()?;
        if (0xD800..0xDC00).contains(&first) {
            if self.text[self.at..].starts_with("\\u") {
                self.at += 2;
                let second = self.hex4()?;
                if (0xDC00..0xE000).contains(&second) {
                    let c = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                    return char::from_u32(c).ok_or_else(|| self.error("invalid \\u escape"));
                }
            }
            return Err(self.error("an unpaired surrogate in a \\u escape"));
        }
        char::from_u32(first).ok_or_else(|| self.error("an unpaired surrogate in a \\u escape"))
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let digits = self
            .text
            .get(self.at..self.at + 4)
            .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| self.error("\\u needs four hexadecimal digits"))?;
        self.at += 4;
        u32::from_str_radix(digits, 16).map_err(|_| self.error("invalid \\u escape"))
    }

    fn array(&mut self, depth: usize) -> Result<Kind, SyntaxError> {
        self.at += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.bytes.get(self.at) == Some(&b']') {
            self.at += 1;
            return Ok(Kind::Array(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value(depth + 1)?);
            self.skip_ws();
            match self.bytes.get(self.at) {
                Some(b',') => self.at += 1,
                Some(b']') => {
                    self.at += 1;
                    return Ok(Kind::Array(items));
                }
                _ => return Err(self.error("expected `,` or `]` in an array")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Kind, SyntaxError> {
        self.at += 1;
        let mut members: Vec<(String, Node)> = Vec::new();
        self.skip_ws();
        if self.bytes.get(self.at) == Some(&b'}') {
            self.at += 1;
            return Ok(Kind::Object(members));
        }
        loop {
            self.skip_ws();
            if self.bytes.get(self.at) != Some(&b'"') {
                return Err(self.error("expected a member name in quotes"));
            }
            let key_pos = self.pos();
            let key = self.string()?;
            if members.iter().any(|(k, _)| *k == key) {
                return Err(SyntaxError {
                    pos: key_pos,
                    message: format!("member `{key}` appears twice"),
                });
            }
            self.skip_ws();
            if self.bytes.get(self.at) != Some(&b':') {
                return Err(self.error("expected `:` after a member name"));
            }
            self.at += 1;
            self.skip_ws();
            let value = self.value(depth + 1)?;
            members.push((key, value));
            self.skip_ws();
            match self.bytes.get(self.at) {
                Some(b',') => self.at += 1,
                Some(b'}') => {
                    self.at += 1;
                    return Ok(Kind::Object(members));
                }
                _ => return Err(self.error("expected `,` or `}` in an object")),
            }
        }
    }
}

/// Parses a YAML document (PyPA writes its records in YAML) into a tree.
pub fn parse_yaml(text: &str) -> Result<Node, SyntaxError> {
    let options = serde_saphyr::options! {
        with_snippet: false,
        budget: serde_saphyr::budget! {
            max_depth: MAX_DEPTH,
            max_events: 1_000_000,
            max_nodes: 500_000,
            max_aliases: 256,
            max_anchors: 256,
            max_documents: 1,
            max_total_scalar_bytes: 16 * 1024 * 1024,
        },
    };
    let raw: YamlNode = serde_saphyr::from_str_with_options(text, options).map_err(|e| {
        let e = e.without_snippet();
        let pos = e
            .location()
            .map(|l| Pos::new(l.line() as u32, l.column() as u32))
            .unwrap_or(Pos::START);
        let message = e.to_string();
        let first = message.lines().next().unwrap_or(&message);
        let message = match first.find(" at line ") {
            Some(i) => first[..i].to_string(),
            None => first.to_string(),
        };
        SyntaxError { pos, message }
    })?;
    Ok(raw.into_node(text))
}

/// A YAML node as serde-saphyr hands it over, with the span of its text.
struct YamlNode {
    line: u32,
    column: u32,
    span: Option<(usize, usize)>,
    value: YamlValue,
}

enum YamlValue {
    Null,
    Bool(bool),
    /// A number as the YAML parser read it; its text is taken from the span.
    Number(String),
    String(String),
    Array(Vec<YamlNode>),
    Object(Vec<(String, YamlNode)>),
}

impl YamlNode {
    fn into_node(self, text: &str) -> Node {
        let pos = Pos::new(self.line.max(1), self.column.max(1));
        let kind = match self.value {
            YamlValue::Null => Kind::Null,
            YamlValue::Bool(b) => Kind::Bool(b),
            // `1.20` read as a float would lose its last digit: keep the
            // text as written, which is what a version means.
            YamlValue::Number(parsed) => Kind::Number(
                self.span
                    .and_then(|(from, len)| text.get(from..from + len))
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .unwrap_or(parsed),
            ),
            YamlValue::String(s) => Kind::String(s),
            YamlValue::Array(items) => {
                Kind::Array(items.into_iter().map(|n| n.into_node(text)).collect())
            }
            YamlValue::Object(members) => Kind::Object(
                members
                    .into_iter()
                    .map(|(k, n)| (k, n.into_node(text)))
                    .collect(),
            ),
        };
        Node { pos, kind }
    }
}

impl<'de> Deserialize<'de> for YamlNode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let spanned = serde_saphyr::Spanned::<YamlValue>::deserialize(d)?;
        let loc = spanned.referenced;
        let span = loc.span();
        Ok(YamlNode {
            line: loc.line() as u32,
            column: loc.column() as u32,
            span: span
                .byte_offset()
                .zip(span.byte_len())
                .map(|(o, l)| (o as usize, l as usize)),
            value: spanned.value,
        })
    }
}

impl<'de> Deserialize<'de> for YamlValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(YamlVisitor)
    }
}

struct YamlVisitor;

impl<'de> Visitor<'de> for YamlVisitor {
    type Value = YamlValue;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a YAML value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<YamlValue, E> {
        Ok(YamlValue::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<YamlValue, E> {
        Ok(YamlValue::Null)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<YamlValue, E> {
        Ok(YamlValue::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<YamlValue, E> {
        Ok(YamlValue::Number(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<YamlValue, E> {
        Ok(YamlValue::Number(v.to_string()))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<YamlValue, E> {
        Ok(YamlValue::Number(v.to_string()))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<YamlValue, E> {
        Ok(YamlValue::Number(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<YamlValue, E> {
        Ok(YamlValue::Number(v.to_string()))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<YamlValue, E> {
        Ok(YamlValue::String(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<YamlValue, E> {
        Ok(YamlValue::String(v))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<YamlValue, D::Error> {
        YamlValue::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<YamlValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<YamlNode>()? {
            items.push(item);
        }
        Ok(YamlValue::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<YamlValue, A::Error> {
        let mut members: Vec<(String, YamlNode)> = Vec::new();
        while let Some(key) = map.next_key::<YamlKey>()? {
            let value = map.next_value::<YamlNode>()?;
            if members.iter().any(|(k, _)| *k == key.0) {
                return Err(de::Error::custom(format!("key `{}` appears twice", key.0)));
            }
            members.push((key.0, value));
        }
        Ok(YamlValue::Object(members))
    }
}

/// A mapping key, whatever scalar it was written as.
struct YamlKey(String);

impl<'de> Deserialize<'de> for YamlKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = YamlKey;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<YamlKey, E> {
                Ok(YamlKey(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<YamlKey, E> {
                Ok(YamlKey(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<YamlKey, E> {
                Ok(YamlKey(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<YamlKey, E> {
                Ok(YamlKey(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<YamlKey, E> {
                Ok(YamlKey(v.to_string()))
            }
        }
        d.deserialize_any(KeyVisitor)
    }
}

/// A node and the JSON path that leads to it, for reading a record field
/// by field with messages that say where a field is missing or wrong.
#[derive(Debug, Clone, Copy)]
pub struct At<'a> {
    pub node: &'a Node,
    path: &'a Path<'a>,
}

/// A JSON path kept as a chain of steps from the root.
#[derive(Debug)]
pub enum Path<'a> {
    Root,
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root => f.write_str("$"),
            Path::Key(parent, key) => {
                let plain = !key.is_empty()
                    && key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                if plain {
                    write!(f, "{parent}.{key}")
                } else {
                    write!(
                        f,
                        "{parent}[{}]",
                        serde_json::to_string(key).unwrap_or_default()
                    )
                }
            }
            Path::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

/// A field that is missing, has the wrong type or a bad value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub pos: Pos,
    /// The JSON path, e.g. `$.affected[0].package`.
    pub path: String,
    pub message: String,
}

impl<'a> At<'a> {
    pub fn root(node: &'a Node) -> Self {
        At {
            node,
            path: &Path::Root,
        }
    }

    pub fn path(&self) -> String {
        self.path.to_string()
    }

    /// An error about this node.
    pub fn error(&self, message: impl Into<String>) -> FieldError {
        FieldError {
            pos: self.node.pos,
            path: self.path(),
            message: message.into(),
        }
    }

    fn wrong_type(&self, expected: &str) -> FieldError {
        self.error(format!(
            "expected {expected}, found {}",
            self.node.kind.name()
        ))
    }

    /// Runs `f` on member `key` when present and not null.
    pub fn with<T>(
        &self,
        key: &str,
        f: impl FnOnce(At<'_>) -> Result<T, FieldError>,
    ) -> Result<Option<T>, FieldError> {
        let Kind::Object(members) = &self.node.kind else {
            return Err(self.wrong_type("an object"));
        };
        match members.iter().find(|(k, _)| k == key) {
            Some((_, node)) if node.kind != Kind::Null => {
                let path = Path::Key(self.path, key);
                f(At { node, path: &path }).map(Some)
            }
            _ => Ok(None),
        }
    }

    /// Runs `f` on member `key`, which must be present.
    pub fn need<T>(
        &self,
        key: &str,
        f: impl FnOnce(At<'_>) -> Result<T, FieldError>,
    ) -> Result<T, FieldError> {
        self.with(key, f)?.ok_or_else(|| {
            let path = Path::Key(self.path, key);
            FieldError {
                pos: self.node.pos,
                path: path.to_string(),
                message: format!("`{key}` is missing"),
            }
        })
    }

    /// Runs `f` on every item of this array.
    pub fn each<T>(
        &self,
        mut f: impl FnMut(At<'_>) -> Result<T, FieldError>,
    ) -> Result<Vec<T>, FieldError> {
        let Kind::Array(items) = &self.node.kind else {
            return Err(self.wrong_type("an array"));
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, node) in items.iter().enumerate() {
            let path = Path::Index(self.path, i);
            out.push(f(At { node, path: &path })?);
        }
        Ok(out)
    }

    /// The items of member `key`, an array; none when absent.
    pub fn list<T>(
        &self,
        key: &str,
        f: impl FnMut(At<'_>) -> Result<T, FieldError>,
    ) -> Result<Vec<T>, FieldError> {
        Ok(self.with(key, |a| a.each(f))?.unwrap_or_default())
    }

    /// Every member of this object with its name.
    pub fn members<T>(
        &self,
        mut f: impl FnMut(&str, At<'_>) -> Result<T, FieldError>,
    ) -> Result<Vec<T>, FieldError> {
        let Kind::Object(members) = &self.node.kind else {
            return Err(self.wrong_type("an object"));
        };
        let mut out = Vec::with_capacity(members.len());
        for (key, node) in members {
            let path = Path::Key(self.path, key);
            out.push(f(key, At { node, path: &path })?);
        }
        Ok(out)
    }

    /// This node as text: a string, or a number as written (YAML files
    /// often leave versions unquoted).
    pub fn text(&self) -> Result<String, FieldError> {
        match &self.node.kind {
            Kind::String(s) => Ok(s.clone()),
            Kind::Number(n) => Ok(n.clone()),
            _ => Err(self.wrong_type("a string")),
        }
    }

    pub fn bool(&self) -> Result<bool, FieldError> {
        match self.node.kind {
            Kind::Bool(b) => Ok(b),
            _ => Err(self.wrong_type("a boolean")),
        }
    }

    pub fn number(&self) -> Result<f64, FieldError> {
        match &self.node.kind {
            Kind::Number(n) => n
                .parse()
                .map_err(|_| self.error(format!("`{n}` is not a number"))),
            _ => Err(self.wrong_type("a number")),
        }
    }

    /// Member `key` as text, when present.
    pub fn text_at(&self, key: &str) -> Result<Option<String>, FieldError> {
        self.with(key, |a| a.text())
    }

    /// Whether member `key` is present and not null.
    pub fn has(&self, key: &str) -> bool {
        matches!(&self.node.kind, Kind::Object(m) if m.iter().any(|(k, n)| k == key && n.kind != Kind::Null))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_keeps_positions_and_paths() {
        let text = "{\n  \"id\": \"X\",\n  \"affected\": [\n    {\"package\": 3}\n  ]\n}";
        let root = parse_json(text).unwrap();
        let at = At::root(&root);
        let err = at
            .need("affected", |a| {
                a.each(|e| e.need("package", |p| p.need("name", |n| n.text())))
            })
            .unwrap_err();
        assert_eq!(err.path, "$.affected[0].package");
        assert_eq!(err.message, "expected an object, found a number");
        assert_eq!((err.pos.line, err.pos.column), (4, 17));
        assert_eq!(at.text_at("id").unwrap().as_deref(), Some("X"));
    }

    #[test]
    fn json_syntax_errors_point_at_the_problem() {
        let err = parse_json("{\"a\": [1, 2,, 3]}").unwrap_err();
        assert_eq!((err.pos.line, err.pos.column), (1, 13));
        assert!(
            parse_json("{\"a\": 1, \"a\": 2}")
                .unwrap_err()
                .message
                .contains("twice")
        );
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert!(parse_json(&deep).unwrap_err().message.contains("deeper"));
        let s = parse_json("\"\\u00e9\\ud83d\\ude00\\n\"").unwrap();
        assert_eq!(s.kind, Kind::String("é😀\n".into()));
        assert!(parse_json("\"\\ud83d\"").is_err());
        assert!(parse_json("{} x").is_err());
    }

    #[test]
    fn yaml_numbers_keep_their_text_and_nodes_their_lines() {
        let root = parse_yaml("id: X\nevents:\n- introduced: 1.20\n- fixed: 2\n").unwrap();
        let at = At::root(&root);
        let versions = at
            .list("events", |e| {
                e.members(|_, v| Ok((v.text()?, v.node.pos.line)))
            })
            .unwrap();
        assert_eq!(
            versions,
            [vec![("1.20".to_string(), 3)], vec![("2".to_string(), 4)]]
        );
        assert!(parse_yaml("a: [").is_err());
        assert!(parse_yaml(&format!("a: {}", "[".repeat(100))).is_err());
    }
}
