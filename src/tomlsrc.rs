//! TOML read from a file (or from a part's front matter) with errors mapped
//! to the line and column of the file, and unknown keys named with a suggestion.

use crate::diagnostics::{Diagnostics, LineIndex};
use serde::de::DeserializeOwned;
use std::path::Path;

/// Where a piece of TOML text sits in its file.
pub struct TomlSource<'a> {
    /// The file, relative to the project root.
    pub path: &'a Path,
    /// The whole file.
    pub file_text: &'a str,
    /// Line starts of the whole file.
    pub lines: &'a LineIndex,
    /// Byte offset of the TOML text inside the file.
    pub base: usize,
}

impl TomlSource<'_> {
    /// Line and column in the file of an offset into the TOML text.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        self.lines.line_col(self.file_text, self.base + offset)
    }
}

/// Deserialises `text`, reporting a syntax, type, missing or unknown key error at its place.
pub fn deserialize<T: DeserializeOwned>(
    text: &str,
    src: &TomlSource<'_>,
    diags: &mut Diagnostics,
) -> Option<T> {
    match toml::from_str::<T>(text) {
        Ok(value) => Some(value),
        Err(err) => {
            let at = err
                .span()
                .map_or_else(|| src.line_col(0), |span| src.line_col(span.start));
            diags.error_at(src.path, at, explain(err.message()));
            None
        }
    }
}

/// Rewrites serde's messages into ones that say how to fix the file.
fn explain(message: &str) -> String {
    let joined = message.trim().lines().collect::<Vec<_>>().join("; ");
    let message = joined.as_str();
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let (key, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let known: Vec<&str> = expected
            .split('`')
            .skip(1)
            .step_by(2)
            .filter(|k| !k.is_empty())
            .collect();
        let hint = match closest(key, &known) {
            Some(best) => format!(" (did you mean `{best}`?)"),
            None => String::new(),
        };
        return format!(
            "unknown key `{key}`{hint}; known keys: {}",
            known.join(", ")
        );
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let key = rest.split('`').next().unwrap_or(rest);
        return format!("missing required key `{key}` (add `{key} = ...`)");
    }
    message.to_string()
}

/// The most similar candidate, if it is similar enough to be a likely typo.
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(word, c), *c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_field_message_suggests_closest() {
        let m = explain("unknown field `titel`, expected one of `title`, `subtitle`, `part`");
        assert_eq!(
            m,
            "unknown key `titel` (did you mean `title`?); known keys: title, subtitle, part"
        );
    }

    #[test]
    fn closest_ignores_unrelated_words() {
        assert_eq!(closest("zzz", &["title", "part"]), None);
        assert_eq!(closest("sumary", &["title", "summary"]), Some("summary"));
    }
}
