//! Themes: the default theme is compiled into the binary; a `ROOT/themes/<name>/`
//! folder overrides it template by template and static file by static file.

use crate::diagnostics::{display_path, Diagnostics};
use std::path::{Path, PathBuf};
use tera::Tera;

/// The templates every theme provides.
pub const TEMPLATES: [&str; 9] = [
    "base.html",
    "series.html",
    "part.html",
    "book-index.html",
    "index-entries.html",
    "bibliography.html",
    "edition.html",
    "search.html",
    "404.html",
];

const EMBEDDED_TEMPLATES: [(&str, &str); 9] = [
    ("base.html", include_str!("../themes/default/base.html")),
    ("series.html", include_str!("../themes/default/series.html")),
    (
        "index-entries.html",
        include_str!("../themes/default/index-entries.html"),
    ),
    ("part.html", include_str!("../themes/default/part.html")),
    (
        "book-index.html",
        include_str!("../themes/default/book-index.html"),
    ),
    (
        "bibliography.html",
        include_str!("../themes/default/bibliography.html"),
    ),
    (
        "edition.html",
        include_str!("../themes/default/edition.html"),
    ),
    ("search.html", include_str!("../themes/default/search.html")),
    ("404.html", include_str!("../themes/default/404.html")),
];

const EMBEDDED_STATIC: [(&str, &[u8]); 2] = [
    (
        "style.css",
        include_bytes!("../themes/default/static/style.css"),
    ),
    (
        "search.js",
        include_bytes!("../themes/default/static/search.js"),
    ),
];

/// A loaded theme: compiled templates and the static files to publish.
pub struct Theme {
    /// The templates, autoescaping on for `.html`.
    pub tera: Tera,
    /// Static files: (path under the output root, bytes).
    pub statics: Vec<(String, Vec<u8>)>,
    /// Templates taken from a theme folder, with their paths relative to the root.
    overrides: Vec<(String, PathBuf)>,
    /// Whether a template reads the locator lists (`parts`) of index entries
    /// and cited works; without it they are left empty (see `reads_locator_lists`).
    pub locator_lists: bool,
}

impl Theme {
    /// Where a template comes from, for messages: its file, or the built-in theme.
    pub fn origin(&self, template: &str) -> PathBuf {
        self.overrides
            .iter()
            .find(|(name, _)| name == template)
            .map_or_else(
                || PathBuf::from(format!("(built-in theme)/{template}")),
                |(_, p)| p.clone(),
            )
    }
}

/// Loads the theme named in `series.toml`, reporting broken overrides.
pub fn load(root: &Path, name: &str, diags: &mut Diagnostics) -> Option<Theme> {
    let dir_rel = PathBuf::from("themes").join(name);
    let dir = root.join(&dir_rel);
    if name != "default" && !dir.is_dir() {
        diags.file_error(
            Path::new(crate::config::CONFIG_PATH),
            format!(
                "unknown theme `{name}`: there is no folder {}/ (create it, or use the built-in \
                 theme with `theme = \"default\"`)",
                display_path(&dir_rel)
            ),
        );
        return None;
    }
    let mut sources: Vec<(String, String)> = EMBEDDED_TEMPLATES
        .iter()
        .map(|(n, s)| (n.to_string(), s.to_string()))
        .collect();
    let mut failed = false;
    let mut overrides = Vec::new();
    for (file, rel) in override_files(&dir, &dir_rel, "html") {
        match std::fs::read_to_string(&file) {
            Ok(text) => {
                let name = display_path(rel.strip_prefix(&dir_rel).unwrap_or(&rel));
                sources.retain(|(n, _)| *n != name);
                overrides.push((name.clone(), rel.clone()));
                sources.push((name, text));
            }
            Err(err) => {
                diags.file_error(&rel, format!("cannot be read: {err}"));
                failed = true;
            }
        }
    }
    let locator_lists = sources.iter().any(|(_, text)| reads_locator_lists(text));
    let mut tera = Tera::default();
    // Tera's default escaping also turns `/` into `&#x2F;`, which is valid but
    // makes every URL unreadable; quote and angle bracket escaping is what matters.
    tera.set_escape_fn(crate::markdown::html::escape);
    if let Err(err) = tera.add_raw_templates(sources) {
        diags.file_error(
            &dir_rel,
            format!("theme templates do not compile: {}", tera_message(&err)),
        );
        return None;
    }
    let mut statics: Vec<(String, Vec<u8>)> = EMBEDDED_STATIC
        .iter()
        .map(|(n, b)| (n.to_string(), b.to_vec()))
        .collect();
    let static_rel = dir_rel.join("static");
    for (file, rel) in override_files(&root.join(&static_rel), &static_rel, "") {
        match std::fs::read(&file) {
            Ok(bytes) => {
                let name = display_path(rel.strip_prefix(&static_rel).unwrap_or(&rel));
                statics.retain(|(n, _)| *n != name);
                statics.push((name, bytes));
            }
            Err(err) => {
                diags.file_error(&rel, format!("cannot be read: {err}"));
                failed = true;
            }
        }
    }
    (!failed).then_some(Theme {
        tera,
        statics,
        overrides,
        locator_lists,
    })
}

/// Whether a template reads the `parts` of something (`e.parts`,
/// `e["parts"]`): the locator lists of index entries and cited works, which a
/// large index has tens of thousands of. The template engine copies all it is
/// given into its own values before rendering, which cost more than the rest
/// of the index page, and the default theme writes the same locators from
/// `locators_html` and `cited_html`; so the lists are built only for a theme
/// that names them.
fn reads_locator_lists(source: &str) -> bool {
    [".parts", "[\"parts\"]", "['parts']"]
        .iter()
        .any(|read| source.contains(read))
}

/// Files directly in `dir` (templates) or below it (static), with their root-relative paths.
fn override_files(dir: &Path, rel: &Path, ext: &str) -> Vec<(PathBuf, PathBuf)> {
    if !dir.is_dir() {
        return Vec::new();
    }
    let depth = if ext.is_empty() { usize::MAX } else { 1 };
    walkdir::WalkDir::new(dir)
        .max_depth(depth)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'))
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter(|e| ext.is_empty() || e.path().extension().is_some_and(|x| x == ext))
        .filter_map(|e| {
            let inner = e.path().strip_prefix(dir).ok()?;
            Some((e.path().to_path_buf(), rel.join(inner)))
        })
        .collect()
}

/// Tera's error with its causes, on one line.
pub fn tera_message(err: &tera::Error) -> String {
    let mut message = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message.replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locator_lists_are_built_for_a_template_that_names_them() {
        assert!(reads_locator_lists(
            "{% for p in e.parts %}{{ p.number }}{% endfor %}"
        ));
        assert!(reads_locator_lists("{{ r[\"parts\"] | length }}"));
        assert!(reads_locator_lists("{{ sub['parts'] }}"));
        // The edition's own list of parts is another thing.
        assert!(!reads_locator_lists(
            "{% for p in parts %}{{ p.title }}{% endfor %}"
        ));
        let default = EMBEDDED_TEMPLATES
            .iter()
            .any(|(_, t)| reads_locator_lists(t));
        assert!(
            !default,
            "the default theme writes locators from the HTML fields"
        );
    }
}
