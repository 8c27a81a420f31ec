//! `series/series.toml`: the series as a whole.

use crate::date::Date;
use crate::diagnostics::Diagnostics;
use crate::tomlsrc::{ReadError, TomlFile, TomlSource};
use serde::Deserialize;
use std::path::Path;
use toml::Spanned;

/// A date as TOML lets an author write it: `"2024-03-01"` or bare `2024-03-01`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum RawDate {
    /// Quoted.
    Text(String),
    /// TOML's own date type.
    Toml(toml::value::Datetime),
}

impl RawDate {
    fn as_text(&self) -> String {
        match self {
            RawDate::Text(s) => s.clone(),
            RawDate::Toml(dt) => dt.to_string(),
        }
    }
}

/// Checks a spanned date, reporting an invalid one at its place in the file.
pub fn check_date(
    raw: &Option<Spanned<RawDate>>,
    key: &str,
    src: &TomlSource<'_>,
    diags: &mut Diagnostics,
) -> Option<Date> {
    let raw = raw.as_ref()?;
    let text = raw.get_ref().as_text();
    let date = Date::parse(&text);
    if date.is_none() {
        diags.error_at(
            src.path,
            src.line_col(raw.span().start),
            format!("`{key}` must be a date written YYYY-MM-DD, found `{text}`"),
        );
    }
    date
}

/// A part announced in `series.toml` before it is written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Forthcoming {
    /// The part number it will have.
    pub part: u32,
    /// Its working title.
    pub title: String,
    /// An optional teaser.
    pub summary: Option<String>,
    /// When it is due, if a scheduled part of this number exists.
    #[serde(skip)]
    pub date: Option<Date>,
}

/// `series.toml` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeriesConfig {
    /// The series title (required).
    pub title: String,
    /// Shown under the title.
    pub subtitle: Option<String>,
    /// The author's name.
    pub author: Option<String>,
    /// A paragraph describing the series.
    pub description: Option<String>,
    /// Absolute URL the site is deployed at, for feeds and canonical links.
    pub base_url: Option<String>,
    /// BCP 47 language tag of the text.
    #[serde(default = "default_language")]
    pub language: String,
    /// Theme folder name under `themes/`; `default` is built in.
    #[serde(default = "default_theme")]
    pub theme: String,
    /// How citations and reference lists are formatted: a style name
    /// (`chicago-notes`, `chicago-author-date`, `apa`, `mla`, …) or a `.csl` file in `series/`.
    pub citation_style: Option<String>,
    /// Announced parts.
    #[serde(default)]
    pub forthcoming: Vec<Forthcoming>,
    /// Free-form values for templates.
    #[serde(default)]
    pub extra: toml::Table,
}

fn default_language() -> String {
    "en".to_string()
}

fn default_theme() -> String {
    "default".to_string()
}

/// Where `series.toml` lives, relative to the root.
pub const CONFIG_PATH: &str = "series/series.toml";

/// Reads `ROOT/series/series.toml`, reporting any problem into `diags`.
pub fn load(root: &Path, diags: &mut Diagnostics) -> Option<SeriesConfig> {
    let rel = Path::new(CONFIG_PATH);
    let file = match TomlFile::read(root, rel, diags) {
        Ok(file) => file,
        Err(ReadError::Missing) => {
            diags.file_error(
                rel,
                "not found: every series needs one; create it with at least a title, \
                 e.g. `title = \"My Series\"` (see README, \"Authoring\")",
            );
            return None;
        }
        Err(ReadError::Reported) => return None,
    };
    let config: SeriesConfig = file.deserialize(diags)?;
    check(&config, &file.source(), diags);
    Some(config)
}

fn check(config: &SeriesConfig, src: &TomlSource<'_>, diags: &mut Diagnostics) {
    let mut seen = std::collections::BTreeSet::new();
    for entry in &config.forthcoming {
        if !seen.insert(entry.part) {
            let at = find_line(src.file_text, &format!("part = {}", entry.part));
            diags.error_at(
                src.path,
                at,
                format!(
                    "part {} is announced twice in [[forthcoming]] (keep one entry)",
                    entry.part
                ),
            );
        }
    }
    if let Some(style) = &config.citation_style {
        if !crate::bibliography::is_known_style(style) {
            let names = crate::bibliography::style_names();
            let hint = crate::tomlsrc::closest(style, &names)
                .map(|n| format!("did you mean `{n}`? "))
                .unwrap_or_default();
            diags.error_at(
                src.path,
                find_line(src.file_text, "citation_style"),
                format!(
                    "unknown citation style `{style}` ({hint}use a `.csl` file in series/ or one of: {})",
                    names.join(", ")
                ),
            );
        }
    }
    if let Some(url) = &config.base_url {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            let at = find_line(src.file_text, "base_url");
            diags.error_at(
                src.path,
                at,
                format!("`base_url` must be an absolute http(s) URL, found `{url}`"),
            );
        }
    }
}

/// Line of the last occurrence of `needle` (a best effort for values serde gives no span for).
fn find_line(text: &str, needle: &str) -> (usize, usize) {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .last()
        .map_or((1, 1), |(i, l)| (i + 1, l.find(needle).unwrap_or(0) + 1))
}
