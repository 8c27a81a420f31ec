//! One Markdown file under `series/`: its front matter and its body.

use crate::config::{check_date, RawDate};
use crate::date::Date;
use crate::diagnostics::{Diagnostics, LineIndex};
use crate::tomlsrc::{self, TomlSource};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use toml::Spanned;

/// Front matter as written between the `+++` lines.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    /// Required.
    pub title: String,
    /// Shown under the title.
    pub subtitle: Option<String>,
    /// Part number; defaults to the file name's numeric prefix.
    pub part: Option<Spanned<u32>>,
    /// Publication date.
    pub date: Option<Spanned<RawDate>>,
    /// Date of the last substantial revision.
    pub updated: Option<Spanned<RawDate>>,
    /// One or two sentences for the series page, feeds and metadata.
    pub summary: Option<String>,
    /// URL segment; defaults to the file name without prefix and extension.
    pub slug: Option<Spanned<String>>,
    /// Drafts are built only with `--drafts`.
    #[serde(default)]
    pub draft: bool,
    /// A scheduled part (dated in the future) is listed as forthcoming with its date.
    #[serde(default)]
    pub announce: bool,
    /// Free-form values for templates.
    #[serde(default)]
    pub extra: toml::Table,
}

/// A loaded part: the file, its checked metadata and where its body starts.
#[derive(Debug, Clone)]
pub struct Part {
    /// Path relative to the project root, e.g. `series/03-october.md`.
    pub source: PathBuf,
    /// The whole file, shared with its parse (whose events borrow from it).
    /// Emptied once the part is parsed (`release_text`).
    pub text: Arc<String>,
    /// Line starts of `text`, for locating messages.
    pub lines: LineIndex,
    /// Byte offset of the Markdown body in `text`.
    pub body_start: usize,
    /// The front matter.
    pub meta: FrontMatter,
    /// Part number, from front matter or file name.
    pub number: u32,
    /// Where the number came from: the `part` key's position, or the file name (1:1).
    pub number_at: (usize, usize),
    /// URL segment.
    pub slug: String,
    /// Where the slug came from.
    pub slug_at: (usize, usize),
    /// Checked publication date.
    pub date: Option<Date>,
    /// Checked revision date.
    pub updated: Option<Date>,
}

impl Part {
    /// Lets go of the file and its line index once the part is parsed:
    /// later stages have all they need in the parse (messages carry their
    /// line and column), and a build of a large series need not hold every
    /// file to the end.
    pub fn release_text(&mut self) {
        self.text = Arc::default();
        self.lines = LineIndex::new("");
    }

    /// The Markdown body.
    pub fn body(&self) -> &str {
        &self.text[self.body_start..]
    }

    /// Line and column in the file of a byte offset into the body.
    pub fn body_line_col(&self, body_offset: usize) -> (usize, usize) {
        self.lines
            .line_col(&self.text, self.body_start + body_offset)
    }
}

/// Reads and checks one part file; `rel` is relative to `root`.
pub fn load(root: &Path, rel: &Path, diags: &mut Diagnostics) -> Option<Part> {
    let bytes = match std::fs::read(root.join(rel)) {
        Ok(b) => b,
        Err(err) => {
            diags.file_error(rel, format!("cannot be read: {err}"));
            return None;
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(err) => {
            let valid = err.utf8_error().valid_up_to();
            let bytes = err.as_bytes();
            let prefix = String::from_utf8_lossy(&bytes[..valid]);
            let at = LineIndex::new(&prefix).line_col(&prefix, valid);
            diags.error_at(
                rel,
                at,
                "not valid UTF-8 text (re-save the file with UTF-8 encoding)",
            );
            return None;
        }
    };
    parse(rel, text, diags)
}

/// Checks a part's text: front matter, number and slug.
pub fn parse(rel: &Path, text: String, diags: &mut Diagnostics) -> Option<Part> {
    // CommonMark reads NUL as U+FFFD; done here, once, it also keeps NUL out
    // of the HTML, where it marks the slots for link destinations.
    let text = match memchr::memchr(0, text.as_bytes()) {
        Some(_) => text.replace('\0', "\u{FFFD}"),
        None => text,
    };
    let lines = LineIndex::new(&text);
    let (fm_start, fm_end, body_start) = split_front_matter(&text, rel, diags)?;
    let src = TomlSource {
        path: rel,
        file_text: &text,
        lines: &lines,
        base: fm_start,
    };
    let meta: FrontMatter = tomlsrc::deserialize(&text[fm_start..fm_end], &src, diags)?;
    let mut local = Diagnostics::default();
    let diags_out = diags;
    let diags = &mut local;
    let date = check_date(&meta.date, "date", &src, diags);
    let updated = check_date(&meta.updated, "updated", &src, diags);
    if meta.title.trim().is_empty() {
        diags.error_at(
            rel,
            src.line_col(0),
            "`title` is empty (give the part a title)",
        );
    }
    let stem = rel
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (prefix, rest) = split_number_prefix(&stem);
    let (number, number_at) = match (&meta.part, prefix) {
        (Some(p), _) => (*p.get_ref(), src.line_col(p.span().start)),
        (None, Some(n)) => (n, (1, 1)),
        (None, None) => {
            diags.error_at(
                rel,
                (1, 1),
                "no part number: add `part = N` to the front matter or name the file with a \
                 number prefix such as `03-october.md`",
            );
            (0, (1, 1))
        }
    };
    if number == 0 && (meta.part.is_some() || prefix.is_some()) {
        diags.error_at(rel, number_at, "part numbers start at 1");
    }
    let (slug, slug_at) = match &meta.slug {
        Some(s) => (s.get_ref().clone(), src.line_col(s.span().start)),
        None => (crate::slug::slugify(rest), (1, 1)),
    };
    if !is_valid_slug(&slug) {
        diags.error_at(
            rel,
            slug_at,
            format!(
                "slug `{slug}` cannot be a URL segment (use letters, digits and hyphens, \
                 e.g. `slug = \"october\"`)"
            ),
        );
    }
    let failed = local.has_errors();
    diags_out.extend(local);
    if failed {
        return None;
    }
    Some(Part {
        source: rel.to_path_buf(),
        lines,
        body_start,
        meta,
        number,
        number_at,
        slug,
        slug_at,
        date,
        updated,
        text: Arc::new(text),
    })
}

/// Reserved first segments of the output that a part's slug must not take.
pub const RESERVED_SLUGS: &[&str] = &["assets", "static", "index", "all", "search", "bibliography"];

fn is_valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && !RESERVED_SLUGS.contains(&slug)
        && slug
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
        && !slug.starts_with(['-', '_'])
}

/// `03-october` → (Some(3), "october"); `october` → (None, "october").
fn split_number_prefix(stem: &str) -> (Option<u32>, &str) {
    let digits = stem.len() - stem.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 {
        return (None, stem);
    }
    let number = stem[..digits].parse().ok();
    let rest = stem[digits..].trim_start_matches(['-', '_', '.', ' ']);
    (number, if rest.is_empty() { stem } else { rest })
}

/// Finds the `+++` fences: (TOML start, TOML end, body start), as byte offsets.
fn split_front_matter(
    text: &str,
    rel: &Path,
    diags: &mut Diagnostics,
) -> Option<(usize, usize, usize)> {
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let first_line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    if text[start..first_line_end].trim_end() != "+++" {
        diags.error_at(
            rel,
            (1, 1),
            "missing front matter: start the file with a `+++` line, then at least \
             `title = \"...\"`, then another `+++` line",
        );
        return None;
    }
    let toml_start = (first_line_end + 1).min(text.len());
    let mut offset = toml_start;
    for line in text[toml_start..].split_inclusive('\n') {
        if line.trim_end() == "+++" {
            return Some((toml_start, offset, offset + line.len()));
        }
        offset += line.len();
    }
    diags.error_at(
        rel,
        (1, 1),
        "front matter opened here is never closed (add a line `+++` after the last key)",
    );
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_is_read_as_the_replacement_character() {
        let mut d = Diagnostics::default();
        let text = "+++\ntitle = \"T\"\n+++\na\0b\n".to_string();
        let part = parse(Path::new("series/01-t.md"), text, &mut d).unwrap();
        assert_eq!(part.body(), "a\u{FFFD}b\n");
    }

    #[test]
    fn number_prefix_is_split_from_the_name() {
        assert_eq!(split_number_prefix("03-october"), (Some(3), "october"));
        assert_eq!(split_number_prefix("october"), (None, "october"));
        assert_eq!(split_number_prefix("12"), (Some(12), "12"));
    }

    #[test]
    fn body_offsets_map_to_file_lines() {
        let mut d = Diagnostics::default();
        let text = "+++\ntitle = \"A\"\n+++\n\nHello\n".to_string();
        let part = parse(Path::new("series/01-a.md"), text, &mut d).unwrap();
        assert_eq!(part.body(), "\nHello\n");
        assert_eq!(part.body_line_col(1), (5, 1));
        assert_eq!((part.number, part.slug.as_str()), (1, "a"));
    }
}
