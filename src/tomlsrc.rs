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

/// A whole TOML file as read, with its line starts for locating messages.
pub struct TomlFile {
    /// Path relative to the root.
    pub path: std::path::PathBuf,
    /// The text.
    pub text: String,
    /// Line starts of `text`.
    pub lines: LineIndex,
}

/// Why a TOML file could not be read.
#[derive(Debug, PartialEq, Eq)]
pub enum ReadError {
    /// It does not exist (the caller decides whether that is an error).
    Missing,
    /// It exists but could not be read; already reported.
    Reported,
}

impl TomlFile {
    /// Reads `root/rel` as UTF-8 text, reporting unreadable or non-UTF-8 files.
    pub fn read(root: &Path, rel: &Path, diags: &mut Diagnostics) -> Result<TomlFile, ReadError> {
        let bytes = match std::fs::read(root.join(rel)) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Err(ReadError::Missing)
            }
            Err(err) => {
                diags.file_error(rel, format!("cannot be read: {err}"));
                return Err(ReadError::Reported);
            }
        };
        let Ok(text) = String::from_utf8(bytes) else {
            diags.file_error(rel, "not valid UTF-8 (save it as UTF-8)");
            return Err(ReadError::Reported);
        };
        Ok(TomlFile {
            path: rel.to_path_buf(),
            lines: LineIndex::new(&text),
            text,
        })
    }

    /// The whole file as a source for `deserialize`.
    pub fn source(&self) -> TomlSource<'_> {
        TomlSource {
            path: &self.path,
            file_text: &self.text,
            lines: &self.lines,
            base: 0,
        }
    }

    /// Deserialises the whole file, reporting any error at its place.
    pub fn deserialize<T: DeserializeOwned>(&self, diags: &mut Diagnostics) -> Option<T> {
        deserialize(&self.text, &self.source(), diags)
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
