//! The series bibliography: `series/bibliography.bib` (BibTeX/BibLaTeX) or
//! `series/bibliography.yaml` (hayagriva's YAML), and the CSL style that
//! formats citations and reference lists, both through hayagriva.

use crate::diagnostics::{Diagnostics, LineIndex};
use hayagriva::archive::{locales, ArchivedStyle};
use hayagriva::citationberg::{IndependentStyle, Locale, LocaleCode, Style, StyleClass};
use hayagriva::{
    BibliographyDriver, BibliographyRequest, CitationItem, CitationRequest, ElemChild,
    ElemChildren, Library,
};
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// The bibliography files quire looks for, in this order.
pub const BIB_PATHS: [&str; 3] = [
    "series/bibliography.bib",
    "series/bibliography.yaml",
    "series/bibliography.yml",
];

/// The style used when `series.toml` names none.
pub const DEFAULT_STYLE: &str = "chicago-notes";

/// The works the series may cite, and how to format them.
pub struct Bibliography {
    /// Every entry, by key.
    pub library: Library,
    /// The citation style.
    pub style: IndependentStyle,
    /// CSL locale files (terms like "p." and "edited by").
    pub locales: Vec<Locale>,
    /// The series' language, for the style's terms.
    pub locale: Option<LocaleCode>,
    /// The bibliography file, relative to the root (for messages).
    pub path: PathBuf,
    /// Hash of the bibliography and the style: parses made with other ones are stale.
    pub fingerprint: u64,
}

impl std::fmt::Debug for Bibliography {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bibliography")
            .field("path", &self.path)
            .field("entries", &self.library.len())
            .finish_non_exhaustive()
    }
}

impl Bibliography {
    /// Whether citations become notes (Chicago notes) rather than inline text.
    pub fn is_note_style(&self) -> bool {
        self.style.settings.class == StyleClass::Note
    }

    /// Every key, for did-you-mean suggestions.
    pub fn keys(&self) -> Vec<&str> {
        self.library.keys().collect()
    }

    /// `(prefix, suffix, delimiter)` of the style's citation layout, e.g. `("(", ")", "; ")`.
    pub fn affixes(&self) -> (&str, &str, &str) {
        let layout = &self.style.citation.layout;
        (
            layout.prefix.as_deref().unwrap_or(""),
            layout.suffix.as_deref().unwrap_or(""),
            layout.delimiter.as_deref().unwrap_or("; "),
        )
    }
}

/// The names `citation_style` accepts besides a `.csl` path: hayagriva's archive.
pub fn style_names() -> Vec<&'static str> {
    let mut names: Vec<&str> = ArchivedStyle::all()
        .iter()
        .flat_map(|s| s.names().iter().copied())
        .collect();
    names.sort_unstable();
    names
}

/// Whether `name` is a style quire can use (an archived name or a `.csl` path).
pub fn is_known_style(name: &str) -> bool {
    name.ends_with(".csl") || ArchivedStyle::by_name(name).is_some()
}

/// Reads the bibliography and the style, if the series has a bibliography.
pub fn load(
    root: &Path,
    style_name: Option<&str>,
    language: &str,
    diags: &mut Diagnostics,
) -> Option<Bibliography> {
    let found: Vec<&str> = BIB_PATHS
        .iter()
        .copied()
        .filter(|p| root.join(p).is_file())
        .collect();
    let rel = Path::new(*found.first()?);
    if found.len() > 1 {
        diags.file_error(
            Path::new(found[1]),
            format!(
                "a series has one bibliography, and `{}` is already there (merge the two files)",
                found[0]
            ),
        );
        return None;
    }
    let text = match std::fs::read_to_string(root.join(rel)) {
        Ok(text) => text,
        Err(err) => {
            diags.file_error(rel, format!("cannot be read: {err}"));
            return None;
        }
    };
    let library = parse_library(rel, &text, diags)?;
    let style_name = style_name.unwrap_or(DEFAULT_STYLE);
    let (style, style_text) = load_style(root, style_name, diags)?;
    let fingerprint = xxhash_rust::xxh3::xxh3_64(
        format!("{text}\u{0}{style_name}\u{0}{style_text}\u{0}{language}").as_bytes(),
    );
    Some(Bibliography {
        library,
        style,
        locales: locales(),
        locale: Some(LocaleCode(language.to_string())),
        path: rel.to_path_buf(),
        fingerprint,
    })
}

fn parse_library(rel: &Path, text: &str, diags: &mut Diagnostics) -> Option<Library> {
    let lines = LineIndex::new(text);
    if rel.extension().is_some_and(|e| e == "bib") {
        match hayagriva::io::from_biblatex_str(text) {
            Ok(library) => Some(library),
            Err(errors) => {
                for err in errors {
                    let (span, message) = match &err {
                        hayagriva::io::BibLaTeXError::Parse(e) => (e.span.clone(), e.kind.to_string()),
                        hayagriva::io::BibLaTeXError::Type(e) => (e.span.clone(), e.kind.to_string()),
                    };
                    diags.error_at(
                        rel,
                        lines.line_col(text, span.start),
                        format!("the bibliography does not parse: {message}"),
                    );
                }
                None
            }
        }
    } else {
        match hayagriva::io::from_yaml_str(text) {
            Ok(library) => Some(library),
            Err(err) => {
                let message = err.to_string();
                match err.location() {
                    Some(at) => diags.error_at(
                        rel,
                        (at.line(), at.column()),
                        format!("the bibliography does not parse: {message}"),
                    ),
                    None => diags.file_error(rel, format!("does not parse: {message}")),
                }
                None
            }
        }
    }
}

/// An archived style by name, or a `.csl` file in the series folder.
fn load_style(
    root: &Path,
    name: &str,
    diags: &mut Diagnostics,
) -> Option<(IndependentStyle, String)> {
    if name.ends_with(".csl") {
        let rel = Path::new("series").join(name);
        let text = match std::fs::read_to_string(root.join(&rel)) {
            Ok(text) => text,
            Err(err) => {
                diags.file_error(
                    &rel,
                    format!("cannot be read: {err} (`citation_style` in series.toml names it)"),
                );
                return None;
            }
        };
        return match IndependentStyle::from_xml(&text) {
            Ok(style) => Some((style, text)),
            Err(err) => {
                diags.file_error(
                    &rel,
                    format!("is not an independent CSL style: {err} (dependent styles name a parent; use the parent's file)"),
                );
                None
            }
        };
    }
    // Unknown names are reported where `series.toml` names them.
    match ArchivedStyle::by_name(name)?.get() {
        Style::Independent(style) => Some((style, String::new())),
        Style::Dependent(_) => None,
    }
}

/// A formatted work of a reference list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// Its bibliography key.
    pub key: String,
    /// The entry as HTML, formatted by the style.
    pub html: String,
}

impl Reference {
    /// The id of the entry in a reference list.
    pub fn id(&self) -> String {
        reference_id(&self.key)
    }
}

/// The id of a work's entry in a reference list.
pub fn reference_id(key: &str) -> String {
    format!("ref-{key}")
}

/// The reference list of `keys` (each once), sorted as the style sorts it.
pub fn references(bib: &Bibliography, keys: &[&str]) -> Vec<Reference> {
    let entries: Vec<&hayagriva::Entry> =
        keys.iter().filter_map(|k| bib.library.get(k)).collect();
    let mut driver = BibliographyDriver::new();
    for entry in &entries {
        driver.citation(CitationRequest::from_items(
            vec![CitationItem::with_entry(*entry)],
            &bib.style,
            &bib.locales,
        ));
    }
    let rendered = driver.finish(BibliographyRequest::new(
        &bib.style,
        bib.locale.clone(),
        &bib.locales,
    ));
    match rendered.bibliography {
        Some(list) => list
            .items
            .into_iter()
            .map(|item| Reference {
                key: item.key,
                html: to_html(&item.content),
            })
            .collect(),
        // A style without a bibliography: each work in its full-note form.
        None => entries
            .iter()
            .map(|entry| {
                let request = CitationRequest::new(
                    vec![CitationItem::with_entry(*entry).kind(hayagriva::CitePurpose::Full)],
                    &bib.style,
                    bib.locale.clone(),
                    &bib.locales,
                    None,
                );
                Reference {
                    key: entry.key().to_string(),
                    html: to_html(&hayagriva::standalone_citation(request)),
                }
            })
            .collect(),
    }
}

/// Formatted CSL output as HTML: text escaped, formatting as elements,
/// blocks as classed spans (reference lists sit inside paragraphs and items).
pub fn to_html(children: &ElemChildren) -> String {
    let mut out = String::new();
    for child in &children.0 {
        write_child(&mut out, child);
    }
    out
}

fn write_child(out: &mut String, child: &ElemChild) {
    match child {
        ElemChild::Text(text) => write_formatted(out, &text.text, text.formatting),
        ElemChild::Markup(text) => out.push_str(&crate::markdown::html::escape(text)),
        ElemChild::Link { text, url } => {
            let mut href = String::new();
            let _ = pulldown_cmark_escape::escape_href(&mut href, url);
            let _ = write!(out, "<a href=\"{href}\">");
            write_formatted(out, &text.text, text.formatting);
            out.push_str("</a>");
        }
        ElemChild::Elem(elem) => {
            use hayagriva::citationberg::Display;
            let class = match elem.display {
                Some(Display::Block) => Some("csl-block"),
                Some(Display::Indent) => Some("csl-indent"),
                Some(Display::LeftMargin) => Some("csl-left-margin"),
                Some(Display::RightInline) => Some("csl-right-inline"),
                None => None,
            };
            if let Some(class) = class {
                let _ = write!(out, "<span class=\"{class}\">");
            }
            for child in &elem.children.0 {
                write_child(out, child);
            }
            if class.is_some() {
                out.push_str("</span>");
            }
        }
        ElemChild::Transparent { .. } => {}
    }
}

fn write_formatted(out: &mut String, text: &str, formatting: hayagriva::Formatting) {
    use hayagriva::citationberg::{FontStyle, FontVariant, FontWeight, TextDecoration, VerticalAlign};
    let mut closers: Vec<&str> = Vec::new();
    let mut open = |tag: &str, close: &'static str| {
        out.push_str(tag);
        closers.push(close);
    };
    if formatting.font_style == FontStyle::Italic {
        open("<i>", "</i>");
    }
    if formatting.font_weight == FontWeight::Bold {
        open("<b>", "</b>");
    }
    if formatting.font_variant == FontVariant::SmallCaps {
        open("<span class=\"small-caps\">", "</span>");
    }
    if formatting.text_decoration == TextDecoration::Underline {
        open("<u>", "</u>");
    }
    match formatting.vertical_align {
        VerticalAlign::Sup => open("<sup>", "</sup>"),
        VerticalAlign::Sub => open("<sub>", "</sub>"),
        _ => {}
    }
    out.push_str(&crate::markdown::html::escape(text));
    for close in closers.iter().rev() {
        out.push_str(close);
    }
}

/// Every work cited anywhere in the series, once, sorted by the style.
pub fn series_references(bib: &Bibliography, docs: &[crate::markdown::Doc]) -> Vec<Reference> {
    let mut keys: Vec<&str> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for spot in docs.iter().flat_map(|d| &d.citations) {
        for key in &spot.keys {
            if seen.insert(key.as_str()) {
                keys.push(key);
            }
        }
    }
    references(bib, &keys)
}
