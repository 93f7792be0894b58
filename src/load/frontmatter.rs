//! Splitting a Markdown file into its YAML front matter and its body.

use crate::diagnostic::{Diagnostics, Pos, SourceName};

use super::yaml::{Located, YamlDoc};

/// A Markdown file cut in two.
pub struct Split<'a> {
    pub yaml: YamlDoc<'a>,
    pub body: Located<String>,
}

/// Front matter is the YAML between a first line `---` and the next line
/// that is `---` (or `...`). Anything else is reported.
pub fn split_front_matter<'a>(
    text: &'a str,
    file: &SourceName,
    diags: &mut Diagnostics,
) -> Option<Split<'a>> {
    let Some(rest) = text
        .strip_prefix("---\n")
        .or_else(|| (text.trim_end() == "---").then_some(""))
    else {
        diags
            .error(
                "missing-front-matter",
                file,
                Pos::START,
                "file does not start with YAML front matter",
            )
            .help("start the file with a line `---`, the fields, and another line `---`");
        return None;
    };
    let yaml_start = text.len() - rest.len();
    let mut offset = yaml_start;
    for line in rest.split_inclusive('\n') {
        let trimmed = line.trim_end();
        if trimmed == "---" || trimmed == "..." {
            let yaml = &text[yaml_start..offset];
            let body_start = offset + line.len();
            let body_first_line = Pos::of_offset(text, body_start).line;
            return Some(Split {
                yaml: YamlDoc {
                    text: yaml,
                    first_line: 2,
                },
                body: Located::new(text[body_start..].to_string(), Pos::new(body_first_line, 1)),
            });
        }
        offset += line.len();
    }
    diags
        .error(
            "unclosed-front-matter",
            file,
            Pos::START,
            "front matter is not closed",
        )
        .help("end the front matter with a line `---` before the Markdown text");
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_yaml_and_body_with_line_numbers() {
        let mut d = Diagnostics::new();
        let f = SourceName("a.md".into());
        let s = split_front_matter("---\ntitle: x\nid: y\n---\nHello\n", &f, &mut d).unwrap();
        assert_eq!(s.yaml.text, "title: x\nid: y\n");
        assert_eq!(s.yaml.first_line, 2);
        assert_eq!(s.body.value, "Hello\n");
        assert_eq!(s.body.pos.line, 5);
    }

    #[test]
    fn reports_missing_and_unclosed_front_matter() {
        let f = SourceName("a.md".into());
        let mut d = Diagnostics::new();
        assert!(split_front_matter("# Title\n", &f, &mut d).is_none());
        assert!(split_front_matter("---\ntitle: x\n", &f, &mut d).is_none());
        let codes: Vec<_> = d.sorted().into_iter().map(|d| d.code).collect();
        assert_eq!(
            codes,
            [
                "disclose::missing-front-matter",
                "disclose::unclosed-front-matter"
            ]
        );
    }
}
