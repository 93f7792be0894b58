//! The site's theme: the built-in default theme, with the site's
//! `themes/<name>/` files laid over it, compiled once so that a broken
//! template is reported by `check` with its file and line.

use crate::diagnostic::{Diagnostics, Pos, SourceName};
use crate::load::ThemeFile;
use crate::model::{TemplateSource, Theme};
use crate::render::html::{builtin, compile_templates};

pub fn build_theme(
    name: &str,
    files: &[ThemeFile],
    config_file: &SourceName,
    theme_key: Pos,
    diags: &mut Diagnostics,
) -> Theme {
    let mut theme = Theme {
        name: name.to_string(),
        ..Theme::default()
    };
    for (file, text) in builtin::TEMPLATES {
        theme.templates.insert(
            (*file).to_string(),
            TemplateSource {
                text: (*text).to_string(),
                origin: format!("<built-in>/templates/{file}"),
            },
        );
    }
    for (file, bytes) in builtin::STATIC {
        theme
            .static_files
            .insert((*file).to_string(), bytes.to_vec());
    }

    let prefix = format!("{name}/");
    let mut found = false;
    for f in files.iter().filter(|f| f.path.starts_with(&prefix)) {
        found = true;
        let rel = &f.path[prefix.len()..];
        let origin = format!("themes/{}", f.path);
        if let Some(template) = rel.strip_prefix("templates/") {
            match String::from_utf8(f.bytes.clone()) {
                Ok(text) => {
                    theme.templates.insert(
                        template.to_string(),
                        TemplateSource {
                            text: text.replace("\r\n", "\n"),
                            origin,
                        },
                    );
                }
                Err(_) => {
                    diags
                        .error(
                            "not-utf8",
                            &SourceName(origin),
                            Pos::START,
                            "template is not UTF-8",
                        )
                        .help("save the template as UTF-8");
                }
            }
        } else if let Some(asset) = rel.strip_prefix("static/") {
            theme
                .static_files
                .insert(asset.to_string(), f.bytes.clone());
        }
    }
    if !found && name != "default" && crate::model::is_safe_segment(name) {
        diags
            .error(
                "unknown-theme",
                config_file,
                theme_key,
                format!("theme `{name}` has no folder themes/{name}/"),
            )
            .help("create themes/<name>/templates/ with the templates to override, or use theme = \"default\"");
    }
    if let Err(problems) = compile_templates(&theme) {
        for p in problems {
            diags
                .error("template-error", &SourceName(p.origin), p.pos, p.message)
                .help("fix the template; the built-in templates in the disclose repository's themes/default/ show every variable");
        }
    }
    theme
}
