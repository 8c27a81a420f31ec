//! The back-of-book index: terms from `series/index.toml` and from `index:`
//! markers, their occurrences across the published parts, sorted with Unicode
//! collation and grouped by letter.

use crate::diagnostics::{Diagnostics, LineIndex};
use crate::markdown::{Doc, Occurrence};
use crate::tomlsrc::{closest, TomlFile};
use rayon::prelude::*;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use toml::Spanned;
use unicode_normalization::UnicodeNormalization;

/// Where the terms file lives, relative to the root.
pub const TERMS_PATH: &str = "series/index.toml";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct TermsFile {
    #[serde(default)]
    term: Vec<TermDef>,
}

/// One `[[term]]` of `index.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TermDef {
    /// The entry as printed in the index.
    pub name: Spanned<String>,
    /// Phrases found in the text; default: the name itself (unless `see` is set).
    #[serde(rename = "match")]
    pub matches: Option<Vec<String>>,
    /// A pure cross-reference: "Coup d'état, see Bolshevik Party".
    pub see: Option<Spanned<String>>,
    /// "See also" targets.
    #[serde(default)]
    pub see_also: Vec<Spanned<String>>,
}

/// The terms of the series, as loaded.
#[derive(Debug, Clone, Default)]
pub struct Terms {
    /// In file order.
    pub defs: Vec<TermDef>,
    text: String,
}

impl Terms {
    /// The terms file as read (empty when there is none).
    pub fn text(&self) -> &str {
        &self.text
    }
}

/// Reads `index.toml` if there is one.
pub fn load(root: &Path, diags: &mut Diagnostics) -> Terms {
    let rel = Path::new(TERMS_PATH);
    // No terms file is fine: a series need not have an index.
    let Ok(toml) = TomlFile::read(root, rel, diags) else {
        return Terms::default();
    };
    let src = toml.source();
    let Some(file) = toml.deserialize::<TermsFile>(diags) else {
        return Terms::default();
    };
    let mut seen = BTreeMap::new();
    for def in &file.term {
        let at = src.line_col(def.name.span().start);
        if def.name.get_ref().trim().is_empty() {
            diags.error_at(rel, at, "term `name` is empty");
        } else if let Some(first) = seen.insert(def.name.get_ref().clone(), at.0) {
            diags.error_at(
                rel,
                at,
                format!(
                    "term \"{}\" is defined twice, first on line {first} (merge them)",
                    def.name.get_ref()
                ),
            );
        }
    }
    Terms {
        defs: file.term,
        text: toml.text.clone(),
    }
}

pub use crate::phrases::Matcher;

/// A matcher for the terms' phrases (a term without `match` is found by its
/// name, a `see` entry not at all); `None` when there are none.
pub fn matcher(terms: &Terms) -> Option<Matcher> {
    Matcher::new(terms.defs.iter().flat_map(|def| {
        let name = def.name.get_ref();
        let phrases = match (&def.matches, &def.see) {
            (Some(phrases), _) => phrases.clone(),
            (None, Some(_)) => Vec::new(),
            (None, None) => vec![name.clone()],
        };
        phrases
            .into_iter()
            .map(move |phrase| (phrase, name.clone()))
    }))
}

/// One place a term is found, in the whole series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locator {
    /// Index into `Series::parts`.
    pub part: usize,
    /// The occurrence's id in that part's page.
    pub id: String,
    /// Its section: an index into that part's headings.
    pub section: Option<usize>,
}

/// An entry of the index.
#[derive(Debug, Clone, Default)]
pub struct Entry {
    /// As printed.
    pub name: String,
    /// In series order; one per paragraph.
    pub locators: Vec<Locator>,
    /// Sub-entries with their locators, sorted.
    pub subentries: Vec<(String, Vec<Locator>)>,
    /// Pure cross-reference.
    pub see: Option<String>,
    /// "See also" targets.
    pub see_also: Vec<String>,
}

/// Builds the sorted entries from the terms and every part's occurrences,
/// checking `see` targets and reporting terms that never occur.
pub fn build(terms: &Terms, docs: &[Doc], diags: &mut Diagnostics) -> Vec<Entry> {
    let mut entries: BTreeMap<String, Entry> = BTreeMap::new();
    for def in &terms.defs {
        let entry = entries.entry(def.name.get_ref().clone()).or_default();
        entry.name = def.name.get_ref().clone();
        entry.see = def.see.as_ref().map(|s| s.get_ref().clone());
        entry.see_also = def.see_also.iter().map(|s| s.get_ref().clone()).collect();
    }
    // Each part's locators are made on every core, then gathered in part order.
    let per_part: Vec<Vec<(&Occurrence, Locator)>> = docs
        .par_iter()
        .enumerate()
        .map(|(part, doc)| {
            // Several occurrences in one paragraph make one locator; a part's
            // occurrences come block by block.
            let mut block = None;
            let mut seen: Vec<(&str, Option<&str>)> = Vec::new();
            let mut locators = Vec::new();
            for occ in &doc.occurrences {
                if block != Some(occ.block) {
                    block = Some(occ.block);
                    seen.clear();
                }
                let key = (occ.term.as_str(), occ.sub.as_deref());
                if !seen.contains(&key) {
                    seen.push(key);
                    locators.push((occ, locator(part, occ)));
                }
            }
            locators
        })
        .collect();
    // Gathered by term first (a hash lookup per occurrence), then put in the
    // sorted entries once per term.
    let mut by_term: std::collections::HashMap<&str, Vec<Locator>> = Default::default();
    let mut subs: BTreeMap<(&str, &str), Vec<Locator>> = BTreeMap::new();
    for (occ, locator) in per_part.into_iter().flatten() {
        let locators = by_term.entry(occ.term.as_str()).or_default();
        match &occ.sub {
            Some(sub) => subs
                .entry((occ.term.as_str(), sub.as_str()))
                .or_default()
                .push(locator),
            None => locators.push(locator),
        }
    }
    for (term, locators) in by_term {
        let entry = entries.entry(term.to_string()).or_insert_with(|| Entry {
            name: term.to_string(),
            ..Entry::default()
        });
        entry.locators = locators;
    }
    for ((term, sub), locators) in subs {
        if let Some(entry) = entries.get_mut(term) {
            entry.subentries.push((sub.to_string(), locators));
        }
    }
    check(terms, &entries, diags);
    let listed = |e: &Entry| e.see.is_some() || !e.locators.is_empty() || !e.subentries.is_empty();
    let shown: std::collections::BTreeSet<String> = entries
        .values()
        .filter(|e| listed(e))
        .map(|e| e.name.clone())
        .collect();
    let mut list: Vec<Entry> = entries.into_values().filter(listed).collect();
    // A cross-reference to an entry that is not printed would lead nowhere.
    for entry in &mut list {
        entry.see_also.retain(|t| shown.contains(t));
        if entry.see.as_ref().is_some_and(|t| !shown.contains(t)) {
            entry.see = None;
        }
    }
    list.retain(listed);
    let mut collator = feruca::Collator::default();
    list.sort_by(|a, b| collator.collate(a.name.as_str(), b.name.as_str()));
    for entry in &mut list {
        entry
            .subentries
            .sort_by(|a, b| collator.collate(a.0.as_str(), b.0.as_str()));
    }
    list
}

fn locator(part: usize, occ: &Occurrence) -> Locator {
    Locator {
        part,
        id: occ.id.clone(),
        section: occ.section,
    }
}

fn check(terms: &Terms, entries: &BTreeMap<String, Entry>, diags: &mut Diagnostics) {
    let rel = Path::new(TERMS_PATH);
    let lines = LineIndex::new(&terms.text);
    let at = |offset: usize| lines.line_col(&terms.text, offset);
    let names: Vec<&str> = entries.keys().map(String::as_str).collect();
    for def in &terms.defs {
        let targets = def
            .see
            .iter()
            .map(|s| ("see", s))
            .chain(def.see_also.iter().map(|s| ("see_also", s)));
        for (key, target) in targets {
            if !entries.contains_key(target.get_ref()) {
                let hint = closest(target.get_ref(), &names)
                    .map(|n| format!(" (did you mean \"{n}\"?)"))
                    .unwrap_or_default();
                diags.error_at(
                    rel,
                    at(target.span().start),
                    format!(
                        "`{key}` names the term \"{}\", which is not in the index{hint}",
                        target.get_ref()
                    ),
                );
            }
        }
        let entry = &entries[def.name.get_ref()];
        if def.see.is_none() && entry.locators.is_empty() && entry.subentries.is_empty() {
            diags.warning_at(
                rel,
                at(def.name.span().start),
                format!(
                    "term \"{}\" never occurs in a published part (check its `match` phrases)",
                    def.name.get_ref()
                ),
            );
        }
    }
}

/// The letter an entry is filed under: its first letter without accents, or `#`.
pub fn letter(name: &str) -> String {
    name.nfd()
        .find(|c| c.is_alphanumeric())
        .filter(|c| c.is_alphabetic())
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_else(|| "#".to_string())
}

/// The id of an entry on the index page.
pub fn entry_id(name: &str) -> String {
    format!("term-{}", crate::slug::slugify(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(toml: &str) -> Terms {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("series")).unwrap();
        std::fs::write(dir.path().join(TERMS_PATH), toml).unwrap();
        let mut d = Diagnostics::default();
        let t = load(dir.path(), &mut d);
        assert!(!d.has_errors(), "{:?}", d.sorted());
        t
    }

    #[test]
    fn terms_are_found_by_their_phrases_or_their_name_and_see_entries_not_at_all() {
        let t = terms("[[term]]\nname = \"Bolshevik Party\"\n[[term]]\nname = \"Bolsheviks\"\nmatch = [\"Bolsheviks\", \"Bolshevik\"]\n[[term]]\nname = \"Coup\"\nsee = \"Bolshevik Party\"\n");
        let m = matcher(&t).unwrap();
        let found: Vec<(usize, &str)> = m
            .find("The Bolshevik Party and the Bolsheviks, a Bolshevik Coup.")
            .into_iter()
            .map(|f| (f.start, f.term))
            .collect();
        assert_eq!(
            found,
            [
                (4, "Bolshevik Party"),
                (28, "Bolsheviks"),
                (42, "Bolsheviks")
            ]
        );
    }

    #[test]
    fn letters_ignore_accents_and_case() {
        assert_eq!(letter("Éclair"), "E");
        assert_eq!(letter("de Gaulle"), "D");
        assert_eq!(letter("1917"), "#");
    }
}
