//! Located, collected build messages: every stage pushes into one `Diagnostics`
//! and the build stops only after a whole stage has reported everything it found.

use std::fmt;
use std::path::{Path, PathBuf};

/// How serious a message is: errors fail the build, warnings are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The build fails and `output/` is left as it was.
    Error,
    /// Printed; the build goes on.
    Warning,
}

/// One message about one place in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Path relative to the project root, e.g. `series/03-october.md`.
    pub path: PathBuf,
    /// 1-based line and column (in characters); `None` when the message is about the whole file.
    pub location: Option<(usize, usize)>,
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, and how to fix it.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = display_path(&self.path);
        let prefix = match self.severity {
            Severity::Error => "",
            Severity::Warning => "warning: ",
        };
        match self.location {
            Some((line, col)) => write!(f, "{path}:{line}:{col}: {prefix}{}", self.message),
            None => write!(f, "{path}: {prefix}{}", self.message),
        }
    }
}

/// Paths in messages always use `/`, whatever the platform.
pub fn display_path(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// Every message of a build, in the order found.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// An error about a whole file.
    pub fn file_error(&mut self, path: &Path, message: impl Into<String>) {
        self.push(path, None, Severity::Error, message);
    }

    /// An error at a 1-based line and column.
    pub fn error_at(&mut self, path: &Path, line_col: (usize, usize), message: impl Into<String>) {
        self.push(path, Some(line_col), Severity::Error, message);
    }

    /// A warning at a 1-based line and column.
    pub fn warning_at(
        &mut self,
        path: &Path,
        line_col: (usize, usize),
        message: impl Into<String>,
    ) {
        self.push(path, Some(line_col), Severity::Warning, message);
    }

    fn push(
        &mut self,
        path: &Path,
        location: Option<(usize, usize)>,
        severity: Severity,
        message: impl Into<String>,
    ) {
        self.items.push(Diagnostic {
            path: path.to_path_buf(),
            location,
            severity,
            message: message.into(),
        });
    }

    /// Takes all messages of another collection.
    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    /// True when at least one message is an error.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    /// All messages, sorted by file and position so that reports are stable.
    pub fn sorted(&self) -> Vec<Diagnostic> {
        let mut items = self.items.clone();
        items.sort_by(|a, b| {
            (&a.path, a.location, a.severity).cmp(&(&b.path, b.location, b.severity))
        });
        items.dedup();
        items
    }

    /// The warnings only.
    pub fn warnings(&self) -> Vec<Diagnostic> {
        self.sorted()
            .into_iter()
            .filter(|d| d.severity == Severity::Warning)
            .collect()
    }

    /// True when nothing was reported.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// Maps byte offsets of one source file to 1-based line and column.
#[derive(Debug, Clone)]
pub struct LineIndex {
    line_starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes the line starts of `text`.
    pub fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        LineIndex { line_starts }
    }

    /// Line and column (counted in characters) of a byte offset into the file.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let col = text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line + 1, col + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_from_one() {
        let text = "ab\ncé d\n";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(text, 0), (1, 1));
        assert_eq!(index.line_col(text, 3), (2, 1));
        // 'é' is two bytes but one column.
        assert_eq!(index.line_col(text, 6), (2, 3));
    }

    #[test]
    fn display_has_path_line_col() {
        let mut d = Diagnostics::default();
        d.error_at(Path::new("series/a.md"), (3, 4), "bad");
        d.warning_at(Path::new("series/a.md"), (1, 1), "meh");
        let sorted = d.sorted();
        assert_eq!(sorted[0].to_string(), "series/a.md:1:1: warning: meh");
        assert_eq!(sorted[1].to_string(), "series/a.md:3:4: bad");
        assert!(d.has_errors());
    }
}
