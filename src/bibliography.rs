//! The series bibliography: `series/bibliography.bib` (BibTeX/BibLaTeX) or
//! `series/bibliography.yaml` (hayagriva's YAML), and the CSL style that
//! formats citations and reference lists, both through hayagriva.

use crate::citecache::{FormSet, Store};
use crate::citenumbers;
use crate::diagnostics::{Diagnostics, LineIndex};
use crate::workstyle::{Place, Told, WorkStyles};
use hayagriva::archive::{ArchivedStyle, LOCALES};
use hayagriva::citationberg::taxonomy::Locator as CslLocator;
use hayagriva::citationberg::taxonomy::{NumberVariable, StandardVariable, Variable};
use hayagriva::citationberg::{IndependentStyle, Locale, LocaleCode, Style, StyleClass};
use hayagriva::{
    BibliographyDriver, BibliographyRequest, CitationItem, CitationRequest, ElemChild,
    ElemChildren, Library,
};
use hayagriva::{CitePurpose, LocatorPayload, SpecificLocator};
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::{HashMap, HashSet};
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex, OnceLock};

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
    /// Hash of the style and the language: with the works a form or a list is
    /// made from, what keys it in the store (a work added to the
    /// bibliography leaves the other works' forms stored).
    style_fingerprint: u64,
    /// The style without its bibliography layout, for citations (hayagriva
    /// would otherwise format a reference list with every citation), and its
    /// copies with each work's type and field tests answered (see `workstyle`).
    cite_styles: WorkStyles,
    /// The style for `stand_in_entry`: the citation style's settings with a
    /// layout that prints one word (see `stand_in_style`).
    stand_in_style: IndependentStyle,
    /// Citation forms already formatted in this build (see `Form`).
    forms: Mutex<FxHashMap<Form, Arc<OnceLock<FormSet>>>>,
    /// Forms and reference lists formatted by earlier builds.
    store: Arc<Store>,
    /// Hash of `namesakes`.
    namesakes_hash: u64,
    /// Whether the style numbers its citations ("[1]"); each work's forms
    /// then carry a marker number (see `Numbers`).
    numeric: bool,
    /// Whether the reference list prints or tests a number or label that
    /// the works get in order (a note style may number its list).
    list_numbers: bool,
    /// Each work's place in the bibliography file, for its marker number.
    key_index: FxHashMap<String, usize>,
    /// A work that is cited between two citations of another, to make the
    /// second a "subsequent" one.
    stand_in_entry: hayagriva::Entry,
    /// The style without its citation layout, and its copies decided for
    /// the works of a reference list.
    list_styles: WorkStyles,
    /// The style whole, and its copies decided for the works of a reference
    /// list of namesakes (told apart only where their citations are formatted).
    whole_styles: WorkStyles,
    /// For each cited work, the other cited works whose first author has the
    /// same family name, those first cited before it and those after: they
    /// are cited around it when its forms are made, in the series' order, so
    /// that the style tells them apart as the reference list does ("1967a",
    /// or a title where the style prints no year).
    namesakes: FxHashMap<String, (Vec<String>, Vec<String>)>,
    /// Cited works whose first author is shown with a given name in
    /// citations, as their entry and that author's name as shown.
    expanded: FxHashMap<String, (hayagriva::Entry, String)>,
}

/// Where a citation stands among the part's citations of the same work:
/// styles shorten later citations and may write "Ibid.".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Position {
    /// The work's first citation in the part.
    First,
    /// A later one.
    Subsequent,
    /// Right after a citation of the same work, at the same place.
    Ibid,
    /// Right after a citation of the same work, at another place.
    IbidWithLocator,
}

/// One way of citing a work. Every citation of the series is one of a few
/// forms per work, and formatting a form is slow (about a millisecond for
/// Chicago notes), so each is formatted once, with a stand-in locator value
/// that the real one replaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Form {
    /// The work.
    pub key: String,
    /// Its position.
    pub position: Position,
    /// The locator's CSL term and whether its value is plural ("33–35").
    pub locator: Option<(&'static str, bool)>,
    /// Author only, or the prose form "Daniels (1967)".
    pub purpose: Option<CitePurpose>,
}

/// Stand-in locator values: numbers, so that styles choose "p." or "pp." as
/// they would for the real value, and unlikely to occur in a citation.
const STAND_IN: &str = "90401";
const STAND_IN_RANGE: &str = "90401–90402";
/// A stand-in for a locator other than the one just before it ("Ibid., 12").
const STAND_IN_OTHER: &str = "90301";
const STAND_IN_OTHER_RANGE: &str = "90301–90302";

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

    /// Records which works the series cites, in the order they are first
    /// cited, for telling apart works by authors of the same family name.
    /// Returns a hash of what that decides: parses made under another are stale.
    pub fn set_cited<'k>(&mut self, keys: impl IntoIterator<Item = &'k str>) -> u64 {
        let mut seen = HashSet::new();
        let mut by_name: HashMap<String, Vec<String>> = HashMap::new();
        for key in keys.into_iter().filter(|k| seen.insert(*k)) {
            if let Some(name) = self.namesake_group(key) {
                by_name.entry(name).or_default().push(key.to_string());
            }
        }
        self.namesakes.clear();
        self.expanded.clear();
        for group in by_name.into_values().filter(|g| g.len() > 1) {
            for (i, key) in group.iter().enumerate() {
                let around = (group[..i].to_vec(), group[i + 1..].to_vec());
                self.namesakes.insert(key.clone(), around);
            }
            self.expand_given_names(&group);
        }
        let mut sorted: Vec<_> = self.namesakes.iter().collect();
        sorted.sort();
        let mut shown: Vec<_> = self.expanded.iter().map(|(k, (_, n))| (k, n)).collect();
        shown.sort();
        self.namesakes_hash = xxhash_rust::xxh3::xxh3_64(format!("{sorted:?}{shown:?}").as_bytes());
        self.namesakes_hash
    }

    /// Gives the first authors of `group` (cited works whose first authors
    /// share a family name) their given names or initials in citations when
    /// the given names differ and the style asks for it for every cite
    /// ("R. Pipes, 1990; D. Pipes, 1995" in APA). hayagriva applies only
    /// the by-cite rule, to citations that would otherwise read alike; this
    /// is the rule of APA and Chicago author-date, which holds across years.
    fn expand_given_names(&mut self, group: &[String]) {
        use hayagriva::citationberg::DisambiguationRule;
        let citation = &self.style.citation;
        if self.is_note_style()
            || !citation.disambiguate_add_givenname
            || citation.givenname_disambiguation_rule == DisambiguationRule::ByCite
        {
            return;
        }
        let initials_only = matches!(
            citation.givenname_disambiguation_rule,
            DisambiguationRule::AllNamesWithInitials | DisambiguationRule::PrimaryNameWithInitials
        );
        let library = &self.library;
        let first = |key: &String| first_author(library, key);
        let givens: HashSet<Option<&str>> = group
            .iter()
            .filter_map(first)
            .map(|(_, person)| person.given_name.as_deref())
            .collect();
        if givens.len() < 2 {
            return;
        }
        for key in group {
            let Some((entry, person)) = first(key) else {
                continue;
            };
            let Some(given) = &person.given_name else {
                continue;
            };
            let shown = if initials_only {
                initials(given)
            } else {
                given.clone()
            };
            let mut person = person.clone();
            match &person.prefix {
                Some(prefix) => person.prefix = Some(format!("{shown} {prefix}")),
                None => person.name = format!("{shown} {}", person.name),
            }
            person.given_name = None;
            let mut entry = entry.clone();
            match entry.authors() {
                Some(authors) => {
                    let rest = authors[1..].to_vec();
                    entry.set_authors([vec![person.clone()], rest].concat());
                }
                None => {
                    let rest = entry.editors().map(|e| e[1..].to_vec()).unwrap_or_default();
                    entry.set_editors([vec![person.clone()], rest].concat());
                }
            }
            self.expanded
                .insert(key.clone(), (entry, person.name.clone()));
        }
    }

    /// The entry a citation of `key` is formatted from: the bibliography's,
    /// or its copy with a given name shown (see `expand_given_names`).
    fn cite_entry(&self, key: &str) -> Option<&hayagriva::Entry> {
        match self.expanded.get(key) {
            Some((entry, _)) => Some(entry),
            None => self.library.get(key),
        }
    }

    /// What works that could be cited alike share: their first author's
    /// family name and, in a note style, their year (`None` for a work with
    /// no author or editor). Works of one year are told apart by a letter
    /// ("1967a"); in-text styles that print no year tell works of other
    /// years apart by title (MLA: "Pipes, The Russian Revolution 12"). A
    /// note style's short form has the title already, and formatting
    /// namesakes costs: the first build of a long series is a third slower
    /// with every namesake of every year.
    fn namesake_group(&self, key: &str) -> Option<String> {
        let (entry, first) = first_author(&self.library, key)?;
        let name = first.name.to_lowercase();
        if !self.is_note_style() {
            return Some(name);
        }
        let year = entry.date().map(|d| d.year);
        Some(format!("{name}\u{0}{year:?}"))
    }

    /// Whether any two works of the bibliography could be cited alike: only
    /// then does it matter which the series cites (see `set_cited`).
    pub fn may_have_namesakes(&self) -> bool {
        let mut groups = HashSet::new();
        self.library
            .keys()
            .filter_map(|key| self.namesake_group(key))
            .any(|group| !groups.insert(group))
    }

    /// Every key, for did-you-mean suggestions.
    pub fn keys(&self) -> Vec<&str> {
        self.library.keys().collect()
    }

    /// A citation of `form.key` in this form, as HTML, with `value` as the
    /// locator (escaped here).
    pub fn cite(&self, form: &Form, value: Option<&str>) -> String {
        let set = Form {
            position: Position::First,
            ..form.clone()
        };
        let cell = self.form_set(&set);
        let html = (cell.get().expect("form_set fills it").iter())
            .find(|(p, _)| *p == form.position)
            .map_or("", |(_, html)| html.as_str());
        match value {
            Some(value) => {
                let value = match form.locator {
                    Some(("page", _)) => self.page_range(value),
                    _ => value.to_string(),
                };
                replace_stand_in(html, &crate::markdown::html::escape(&value))
            }
            None => html.to_string(),
        }
    }

    /// The forms of a work in every position (`set` is at the first), made
    /// together, once (each later position needs a first citation before
    /// it): a part that asks while another is making them waits for them.
    /// The cell returned is filled.
    fn form_set(&self, set: &Form) -> Arc<OnceLock<FormSet>> {
        let cell = {
            let mut forms = self.forms.lock().expect("not poisoned");
            match forms.get(set) {
                Some(cell) => Arc::clone(cell),
                None => Arc::clone(forms.entry(set.clone()).or_default()),
            }
        };
        cell.get_or_init(|| {
            let made_from = format!(
                "{set:?}{:?}{:?}",
                self.namesakes.get(&set.key),
                self.expanded.get(&set.key).map(|(_, shown)| shown)
            );
            // Its own work and those it is cited between (see `format_forms`);
            // in a numeric style, the work's place in the file (its marker).
            let around = self.namesakes.get(&set.key).into_iter();
            let works = around.flat_map(|(before, after)| before.iter().chain(after));
            let works = std::iter::once(&set.key).chain(works);
            let made_from = match self.numeric {
                true => format!("{made_from}{:?}", self.key_index.get(&set.key)),
                false => made_from,
            };
            let key = self.cache_key(&made_from, works.filter_map(|k| self.cite_entry(k)));
            self.store.form(key, || self.format_forms(set))
        });
        cell
    }

    /// The key in the store of what is made from `made_from` and the entries
    /// of `works` with this style and language.
    fn cache_key<'e>(
        &self,
        made_from: &str,
        works: impl Iterator<Item = &'e hayagriva::Entry>,
    ) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        hasher.update(&self.style_fingerprint.to_le_bytes());
        hasher.update(made_from.as_bytes());
        for entry in works {
            entry.hash(&mut hasher);
        }
        hasher.finish()
    }

    /// Page locators written as ranges ("321-328", "321–8"), in the style's
    /// page-range format ("321–28" in Chicago, "321–328" in APA); other
    /// values, and every value in a style without a format, as written.
    fn page_range(&self, value: &str) -> String {
        let Some(format) = self.style.settings.page_range_format else {
            return value.to_string();
        };
        if !value.contains(['-', '–', '—']) {
            return value.to_string();
        }
        let mut ranges = Vec::new();
        for item in value.split(", ") {
            let Some((start, end)) = item.split_once(['-', '–', '—']) else {
                ranges.push(item.to_string());
                continue;
            };
            let numeric = |s: &str| s.trim().ends_with(|c: char| c.is_ascii_digit());
            let mut out = String::new();
            if numeric(start) && numeric(end) && format.format(&mut out, start, end, None).is_ok() {
                ranges.push(out);
            } else {
                ranges.push(item.to_string());
            }
        }
        ranges.join(", ")
    }

    /// Formats a work in every position at once, by citing it in a sequence
    /// that puts it in each: the first citation (the full form) is the slow
    /// one, and every later position needs it before.
    fn format_forms(&self, form: &Form) -> FormSet {
        let Some(entry) = self.cite_entry(&form.key) else {
            return Vec::new();
        };
        if form.purpose == Some(CitePurpose::Author) {
            // The name as a short citation gives it ("Daniels", not "Robert Daniels").
            let style = self.cite_styles.for_entry(entry);
            let request = CitationRequest::new(
                vec![CitationItem::new(entry, None, None, false, form.purpose)],
                &style,
                self.locale.clone(),
                &self.locales,
                None,
            );
            let html = to_html(&hayagriva::standalone_citation(request));
            return vec![(form.position, html)];
        }
        let this =
            |other| CitationItem::new(entry, stand_in(form, other), None, false, form.purpose);
        // The sequence that puts the work in each position in turn, between
        // the works of its namesakes (which take no position of its own).
        let cite_all =
            |keys: &[String]| -> Vec<(Option<Position>, CitationItem<'_, hayagriva::Entry>)> {
                keys.iter()
                    .filter_map(|key| self.cite_entry(key))
                    .map(|other| (None, CitationItem::with_entry(other)))
                    .collect()
            };
        // Numbers tell works apart in a numeric style.
        let (before, after) = self
            .namesakes
            .get(&form.key)
            .filter(|_| !self.numeric)
            .map(|(b, a)| (cite_all(b), cite_all(a)))
            .unwrap_or_default();
        // Where the style cannot tell some positions apart, the work is cited
        // in as few as show every form it can take (see `fill_positions`).
        let told = match before.is_empty() && after.is_empty() {
            true => self
                .cite_styles
                .positions_told(&self.cite_styles.for_entry(entry)),
            false => Told::Everything,
        };
        let alone = before.is_empty() && after.is_empty() && !self.numeric;
        if alone && form.purpose.is_none() && self.cite_styles.lone_citations_read_as_placed() {
            return self.format_placed(entry, form, told);
        }
        let own = match told {
            Told::Nothing => vec![(Some(Position::First), this(false))],
            Told::FirstOrLater => vec![
                (Some(Position::First), this(false)),
                (Some(Position::Subsequent), this(false)),
            ],
            Told::Everything => vec![
                (Some(Position::First), this(false)),
                (None, CitationItem::with_entry(&self.stand_in_entry)),
                (Some(Position::Subsequent), this(false)),
                (Some(Position::Ibid), this(false)),
                (Some(Position::IbidWithLocator), this(true)),
            ],
        };
        let sequence = before.into_iter().chain(own).chain(after);
        let mut driver = BibliographyDriver::new();
        // In a numeric style the work's number is not known yet: it is
        // numbered far above any real number (it is the driver's first work,
        // so its number is the offset plus one), then marked (see `Numbers`).
        let index = self.key_index.get(&form.key).copied().unwrap_or_default();
        if self.numeric {
            driver = driver.with_citation_number_offset(NUMBER_BASE - 1);
        }
        let mark = |html: String| match self.numeric {
            true => html.replace(&NUMBER_BASE.to_string(), &citenumbers::mark(index)),
            false => html,
        };
        // Each citation with the style's copy for its kind of work (the
        // stand-in with its one-word style).
        let sequence: Vec<_> = sequence.collect();
        let styles: Vec<Option<Arc<IndependentStyle>>> = sequence
            .iter()
            .map(|(_, item)| {
                let stand_in = std::ptr::eq(item.entry, &self.stand_in_entry);
                (!stand_in).then(|| self.cite_styles.for_entry(item.entry))
            })
            .collect();
        let mut positions = Vec::new();
        for (note, ((position, item), style)) in sequence.into_iter().zip(&styles).enumerate() {
            positions.push(position);
            driver.citation(CitationRequest::new(
                vec![item],
                style.as_deref().unwrap_or(&self.stand_in_style),
                self.locale.clone(),
                &self.locales,
                Some(note + 1),
            ));
        }
        let rendered = driver.finish(BibliographyRequest::new(
            self.cite_styles.style(),
            self.locale.clone(),
            &self.locales,
        ));
        let forms = positions
            .into_iter()
            .zip(rendered.citations)
            .filter_map(|(position, c)| Some((position?, mark(to_html(&c.citation)))))
            .collect();
        fill_positions(forms)
    }

    /// The forms of a work cited alone (no namesake to tell it from, no
    /// number), each formatted once with the style's copy for its place,
    /// which reads as the same citation in the sequence `format_forms`
    /// makes (where hayagriva formats each citation twice: before and after
    /// it decides what tells works apart).
    fn format_placed(&self, entry: &hayagriva::Entry, form: &Form, told: Told) -> FormSet {
        let copy = self.cite_styles.for_entry(entry);
        let positions: &[Position] = match told {
            Told::Nothing => &[Position::First],
            Told::FirstOrLater => &[Position::First, Position::Subsequent],
            Told::Everything => &[
                Position::First,
                Position::Subsequent,
                Position::Ibid,
                Position::IbidWithLocator,
            ],
        };
        let kind = form.locator.map(|(term, _)| locator_kind(term));
        // Each position, whether its locator differs from the one before
        // ("Ibid., 12"), and its copy.
        let styles: Vec<(Position, bool, Arc<IndependentStyle>)> = positions
            .iter()
            .map(|&position| {
                let other = position == Position::IbidWithLocator;
                let place = self.place_in_sequence(position, form.locator.is_some() && other);
                (
                    position,
                    other,
                    self.cite_styles.placed(&copy, entry, place, kind),
                )
            })
            .collect();
        // Where only the value tells a range from one place, a range's forms
        // are one place's: the real value replaces either stand-in.
        if let Some((term, true)) = form.locator {
            if !styles
                .iter()
                .any(|(_, _, style)| self.cite_styles.tells_plural(style))
            {
                let one_place = Form {
                    locator: Some((term, false)),
                    ..form.clone()
                };
                return self.form_set(&one_place).get().expect("filled").clone();
            }
        }
        let forms = styles.into_iter().map(|(position, other, style)| {
            let request = CitationRequest::new(
                vec![CitationItem::new(
                    entry,
                    stand_in(form, other),
                    None,
                    false,
                    None,
                )],
                &style,
                self.locale.clone(),
                &self.locales,
                None,
            );
            (position, to_html(&hayagriva::standalone_citation(request)))
        });
        fill_positions(forms.collect())
    }

    /// Where `format_forms`' sequence puts the citation in `position`: the
    /// first note; the third, after the stand-in's; the fourth and fifth,
    /// each right after one of the same work (with another locator if
    /// `other_locator`). Only a note style's citations are near notes.
    fn place_in_sequence(&self, position: Position, other_locator: bool) -> Place {
        let notes = self.style.settings.class == StyleClass::Note;
        let distance = self.style.citation.near_note_distance;
        let later = |ibid, back| Place {
            first: false,
            ibid,
            other_locator,
            near_note: notes && distance >= back,
        };
        match position {
            Position::First => Place {
                first: true,
                ibid: false,
                other_locator: false,
                near_note: false,
            },
            Position::Subsequent => later(false, 2),
            Position::Ibid | Position::IbidWithLocator => later(true, 1),
        }
    }

    /// What goes between two works of one author in a citation, in a style
    /// that puts them together ("Pipes 1990, 1995"); `None` in one that
    /// does not.
    pub fn cite_group_delimiter(&self) -> Option<&str> {
        use hayagriva::citationberg::Collapse;
        let citation = &self.style.citation;
        let collapses = matches!(
            citation.collapse,
            Some(Collapse::Year | Collapse::YearSuffix | Collapse::YearSuffixRanged)
        );
        match &citation.cite_group_delimiter {
            Some(delimiter) => Some(delimiter),
            None => collapses.then_some(", "),
        }
    }

    /// Whether the style numbers its citations ("[1]").
    pub fn is_numeric(&self) -> bool {
        self.numeric
    }

    /// Whether each work of a reference list reads the same formatted
    /// alone: unless a work's entry depends on the others', through its
    /// number, a substitute for the author of the entry before ("———"), or
    /// what tells namesakes apart ("1967a").
    fn lists_work_by_work(&self) -> bool {
        let list = self.style.bibliography.as_ref();
        list.is_some_and(|list| list.subsequent_author_substitute.is_none())
            && !self.numeric
            && !self.list_numbers
            && self.namesakes.is_empty()
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

/// A work's entry and its first author (or editor, for a work without
/// authors).
fn first_author<'l>(
    library: &'l Library,
    key: &str,
) -> Option<(&'l hayagriva::Entry, &'l hayagriva::types::Person)> {
    let entry = library.get(key)?;
    Some((entry, first_person(entry)?))
}

/// A work's first author, or editor for a work without authors.
fn first_person(entry: &hayagriva::Entry) -> Option<&hayagriva::types::Person> {
    entry.authors().or_else(|| entry.editors())?.first()
}

/// A given name's initials: "Robert Vincent" → "R. V.", "Jean-Paul" → "J.-P.".
fn initials(given: &str) -> String {
    let initial = |part: &str| {
        part.chars()
            .next()
            .map(|c| format!("{c}."))
            .unwrap_or_default()
    };
    given
        .split_whitespace()
        .map(|word| word.split('-').map(initial).collect::<Vec<_>>().join("-"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The CSL locales a series in `language` can use: its own, its language's
/// default region ("de" → "de-DE") and en-US — hayagriva looks no further.
/// Decoding all of hayagriva's locales would cost ~60 ms on every build; a
/// locale's `@xml:lang` attribute is in its CBOR bytes, so only the few
/// whose bytes hold a wanted one are decoded (and then checked).
fn locales_for(language: &str) -> Vec<Locale> {
    let code = LocaleCode(language.to_string());
    let wanted: Vec<LocaleCode> = [code.fallback(), Some(LocaleCode::en_us()), Some(code)]
        .into_iter()
        .flatten()
        .collect();
    let encoded: Vec<Vec<u8>> = wanted
        .iter()
        .map(|c| [cbor_text("@xml:lang"), cbor_text(&c.0)].concat())
        .collect();
    LOCALES
        .iter()
        .filter(|bytes| {
            encoded
                .iter()
                .any(|c| memchr::memmem::find(bytes, c).is_some())
        })
        .filter_map(|bytes| ciborium::de::from_reader::<Locale, _>(*bytes).ok())
        .filter(|locale| locale.lang.as_ref().is_some_and(|l| wanted.contains(l)))
        .collect()
}

/// A short string as CBOR encodes it: major type 3 with its length, then the bytes.
fn cbor_text(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() + 2);
    match s.len() {
        len @ 0..=23 => out.push(0x60 | len as u8),
        len => out.extend_from_slice(&[0x78, len.min(255) as u8]),
    }
    out.extend_from_slice(s.as_bytes());
    out
}

/// Gives each position a work's forms lack the form of the latest position
/// made before it: the style shows no difference between them. hayagriva
/// consults the position only in position tests and, for whether the work
/// was cited before, in names options; the note number only for near notes
/// (a position test) and the first note's number (the same in every later
/// position); and the locator's value is the one the real value replaces
/// in every position (see `replace_stand_in`).
fn fill_positions(mut forms: FormSet) -> FormSet {
    let order = [
        Position::First,
        Position::Subsequent,
        Position::Ibid,
        Position::IbidWithLocator,
    ];
    for (at, position) in order.into_iter().enumerate().skip(1) {
        if forms.iter().any(|(p, _)| *p == position) {
            continue;
        }
        let made = order[..at].iter().rev().find_map(|earlier| {
            let made = forms.iter().find(|(p, _)| p == earlier);
            made.map(|(_, html)| html.clone())
        });
        if let Some(html) = made {
            forms.push((position, html));
        }
    }
    forms
}

/// The stand-in for `form`'s locator (`other`: the one that differs from
/// the citation's before), if it has one.
fn stand_in(form: &Form, other: bool) -> Option<SpecificLocator<'static>> {
    let (term, plural) = form.locator?;
    let value = match (plural, other) {
        (false, false) => STAND_IN,
        (false, true) => STAND_IN_OTHER,
        (true, false) => STAND_IN_RANGE,
        (true, true) => STAND_IN_OTHER_RANGE,
    };
    Some(SpecificLocator(
        locator_kind(term),
        LocatorPayload::Str(value),
    ))
}

/// The CSL locator a term names ("page", "chapter"…).
fn locator_kind(term: &str) -> CslLocator {
    CslLocator::from_str(term).unwrap_or(CslLocator::Page)
}

/// Puts the real locator where the stand-in is (a style may have shortened
/// the stand-in range, "90401–2": all of it goes).
fn replace_stand_in(html: &str, value: &str) -> String {
    let find = |needle: &str| memchr::memmem::find(html.as_bytes(), needle.as_bytes());
    let Some(at) = find(STAND_IN).or_else(|| find(STAND_IN_OTHER)) else {
        return html.to_string();
    };
    let rest = &html[at + STAND_IN.len()..];
    let tail = rest
        .find(|c: char| !(c.is_ascii_digit() || "–-−".contains(c)))
        .unwrap_or(rest.len());
    [&html[..at], value, &rest[tail..]].concat()
}

/// What a list's entry may show that depends on the other works listed.
const LIST_NUMBERS: [Variable; 3] = [
    Variable::Number(NumberVariable::CitationNumber),
    Variable::Number(NumberVariable::FirstReferenceNoteNumber),
    Variable::Standard(StandardVariable::CitationLabel),
];

/// The number a numeric style gives a work while its forms are made: seven
/// digits, unlike any year or page of a citation.
const NUMBER_BASE: usize = 6_000_001;

pub use crate::citenumbers::Numbers;

impl Bibliography {
    /// The numbers of a numeric style's works: their places in `references`
    /// (empty for other styles).
    pub fn numbers(&self, references: &[Reference]) -> Numbers {
        if !self.numeric {
            return Numbers::default();
        }
        let delimiter = crate::markdown::html::escape(self.affixes().2);
        Numbers::new(
            references
                .iter()
                .enumerate()
                .filter_map(|(n, r)| Some((*self.key_index.get(&r.key)?, n + 1))),
            citenumbers::Layout::of(&self.style, &delimiter),
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

/// Whether a style numbers its citations ("[1]", "[2]").
fn is_numeric(style: &IndependentStyle) -> bool {
    use hayagriva::citationberg::{CitationFormat, StyleCategory};
    style.info.category.iter().any(|c| {
        matches!(
            c,
            StyleCategory::CitationFormat {
                format: CitationFormat::Numeric
            }
        )
    })
}

/// Reads the bibliography and the style, if the series has a bibliography.
pub fn load(
    root: &Path,
    style_name: Option<&str>,
    language: &str,
    store: Arc<Store>,
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
    let style_fingerprint = xxhash_rust::xxh3::xxh3_64(
        format!("{style_name}\u{0}{style_text}\u{0}{language}").as_bytes(),
    );
    let fingerprint = xxhash_rust::xxh3::xxh3_64(text.as_bytes()) ^ style_fingerprint;
    let numeric = is_numeric(&style);
    let list_numbers = crate::workstyle::list_queries(&style, &LIST_NUMBERS);
    let mut cite_style = style.clone();
    cite_style.bibliography = None;
    let mut list_style = style.clone();
    list_style.citation.layout.elements.clear();
    let list_styles = WorkStyles::for_lists(list_style);
    let whole_styles = WorkStyles::for_lists(style.clone());
    let stand_in_entry = hayagriva::Entry::new("quire-stand-in", hayagriva::types::EntryType::Misc);
    let stand_in_style = stand_in_style(&cite_style);
    let cite_styles = WorkStyles::new(cite_style);
    Some(Bibliography {
        style,
        stand_in_style,
        cite_styles,
        list_styles,
        whole_styles,
        forms: Mutex::default(),
        store,
        namesakes_hash: 0,
        numeric,
        list_numbers,
        key_index: library
            .keys()
            .enumerate()
            .map(|(i, key)| (key.to_string(), i))
            .collect(),
        stand_in_entry,
        locales: locales_for(language),
        locale: Some(LocaleCode(language.to_string())),
        path: rel.to_path_buf(),
        fingerprint,
        style_fingerprint,
        namesakes: FxHashMap::default(),
        expanded: FxHashMap::default(),
        library,
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
                        hayagriva::io::BibLaTeXError::Parse(e) => {
                            (e.span.clone(), e.kind.to_string())
                        }
                        hayagriva::io::BibLaTeXError::Type(e) => {
                            (e.span.clone(), e.kind.to_string())
                        }
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

/// The style the stand-in work is cited with: `style`'s settings, and a
/// layout that prints one word no citation prints. Only its place in the
/// sequence matters, and through the style as written a work without fields
/// took as long as a full first note (every `substitute` tried in vain).
fn stand_in_style(style: &IndependentStyle) -> IndependentStyle {
    const ONE_WORD: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" class="note" version="1.0">
  <info><title>stand-in</title><id>quire-stand-in</id><updated>2026-01-01T00:00:00+00:00</updated></info>
  <citation><layout><text value="quire-stand-in"/></layout></citation>
</style>"#;
    let mut stand_in = style.clone();
    stand_in.macros.clear();
    stand_in.citation.layout = IndependentStyle::from_xml(ONE_WORD)
        .expect("the stand-in style parses")
        .citation
        .layout;
    stand_in
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
    let made_from = format!("references {keys:?} {}", bib.namesakes_hash);
    let works = keys.iter().filter_map(|k| bib.library.get(k));
    bib.store.references(bib.cache_key(&made_from, works), || {
        format_references(bib, keys)
    })
}

fn format_references(bib: &Bibliography, keys: &[&str]) -> Vec<Reference> {
    let mut entries: Vec<&hayagriva::Entry> =
        keys.iter().filter_map(|k| bib.library.get(k)).collect();
    // A style that does not sort lists works in the order given (first cited).
    if bib
        .style
        .bibliography
        .as_ref()
        .is_some_and(|b| b.sort.is_some())
    {
        nearly_in_order(&mut entries);
    }
    // Only the list is wanted: with an empty citation layout, formatting the
    // citations that carry the works to the driver costs nothing. But works
    // of namesakes are told apart ("1967a") only when citations are formatted.
    let decided = match bib.namesakes.is_empty() {
        true => bib.list_styles.for_works(&entries),
        false => bib.whole_styles.for_works(&entries),
    };
    let style: &IndependentStyle = &decided;
    if bib.lists_work_by_work() {
        return list_work_by_work(bib, style, &entries);
    }
    match listed(bib, style, &entries) {
        Some(list) => list,
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

/// `entries` listed with `style` by hayagriva's driver (`None` if the
/// style has no list).
fn listed(
    bib: &Bibliography,
    style: &IndependentStyle,
    entries: &[&hayagriva::Entry],
) -> Option<Vec<Reference>> {
    let mut driver = BibliographyDriver::new();
    for entry in entries {
        driver.citation(CitationRequest::from_items(
            vec![CitationItem::with_entry(*entry)],
            style,
            &bib.locales,
        ));
    }
    let rendered = driver.finish(BibliographyRequest::new(
        style,
        bib.locale.clone(),
        &bib.locales,
    ));
    let items = rendered.bibliography?.items.into_iter();
    let references = items.map(|item| {
        let mut html = String::new();
        // A numeric style's number ("[1]"), set in the margin.
        if let Some(field) = item.first_field {
            html.push_str("<span class=\"csl-left-margin\">");
            write_child(&mut html, &field);
            html.push_str("</span> ");
        }
        html.push_str(&to_html(&item.content));
        Reference {
            key: item.key,
            html,
        }
    });
    Some(references.collect())
}

/// `entries` listed as `style` (their shared copy) sorts them, each formatted
/// alone with its own copy: a copy decided for one work formats faster than
/// the one all share, and sorting needs none of the list's layout.
fn list_work_by_work(
    bib: &Bibliography,
    style: &IndependentStyle,
    entries: &[&hayagriva::Entry],
) -> Vec<Reference> {
    let sorts = (style.bibliography.as_ref()).is_some_and(|b| b.sort.is_some());
    let order: Vec<&hayagriva::Entry> = match sorts {
        true => {
            let mut sorting = style.clone();
            if let Some(list) = &mut sorting.bibliography {
                list.layout.elements.clear();
            }
            let sorted = listed(bib, &sorting, entries).unwrap_or_default();
            if sorted.len() != entries.len() {
                // hayagriva left out a work it had nothing to show for.
                return listed(bib, style, entries).unwrap_or_default();
            }
            let by_key: HashMap<&str, &hayagriva::Entry> =
                entries.iter().map(|e| (e.key(), *e)).collect();
            (sorted.iter())
                .filter_map(|r| by_key.get(r.key.as_str()).copied())
                .collect()
        }
        false => entries.to_vec(),
    };
    (order.into_iter())
        .flat_map(|entry| {
            let own = bib.list_styles.for_entry(entry);
            listed(bib, &own, &[entry]).unwrap_or_default()
        })
        .collect()
}

/// Puts works in about the order a sorting style sorts a reference list in: by
/// first author (or editor, or else title), title and year. hayagriva's
/// sort formats a work's sort keys anew for every comparison, and a list
/// nearly in order takes fewer (a stable sort: the style's order still
/// decides, and works it cannot tell apart stay in this order).
fn nearly_in_order(entries: &mut [&hayagriva::Entry]) {
    entries.sort_by_cached_key(|entry| {
        let title = entry.title().map(|t| t.value.to_str().to_lowercase());
        let first = first_person(entry);
        let family = first.map(|p| p.name.to_lowercase());
        let given = first
            .and_then(|p| p.given_name.as_ref())
            .map(|g| g.to_lowercase());
        let year = entry.date().map(|d| d.year);
        (family.or_else(|| title.clone()), given, title, year)
    });
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
    use hayagriva::citationberg::{
        FontStyle, FontVariant, FontWeight, TextDecoration, VerticalAlign,
    };
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

/// Makes ahead, or finds in the store, the list that `series_references`
/// gives if the parse finds that the series cites the works of `keys` (a
/// guess from the texts), in that order.
pub fn prepare_series_references(bib: &Bibliography, keys: &[String]) {
    let known: Vec<&str> = keys
        .iter()
        .map(String::as_str)
        .filter(|key| bib.library.get(key).is_some())
        .collect();
    references(bib, &known);
}

/// Every work cited anywhere in the series, once, sorted by the style.
pub fn series_references(bib: &Bibliography, docs: &[crate::markdown::Doc]) -> Vec<Reference> {
    let mut keys: Vec<&str> = Vec::new();
    let mut seen = FxHashSet::default();
    for spot in docs.iter().flat_map(|d| &d.citations) {
        for key in &spot.keys {
            if seen.insert(key.as_str()) {
                keys.push(key);
            }
        }
    }
    references(bib, &keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(locales: &[Locale]) -> Vec<String> {
        let mut codes: Vec<String> = locales
            .iter()
            .filter_map(|l| l.lang.as_ref().map(|c| c.0.clone()))
            .collect();
        codes.sort();
        codes
    }

    #[test]
    fn only_the_locales_hayagriva_would_consult_are_decoded_and_none_is_missed() {
        let all = hayagriva::archive::locales();
        for language in ["en-US", "en-GB", "en", "de", "fr-CA", "eu", "pt-BR", "xx"] {
            let code = LocaleCode(language.to_string());
            let wanted = [code.fallback(), Some(LocaleCode::en_us()), Some(code)];
            let expected: Vec<Locale> = all
                .iter()
                .filter(|l| wanted.iter().flatten().any(|w| l.lang.as_ref() == Some(w)))
                .cloned()
                .collect();
            assert_eq!(
                codes(&locales_for(language)),
                codes(&expected),
                "{language}"
            );
        }
        assert_eq!(codes(&locales_for("de")), ["de-DE", "en-US"]);
    }

    #[test]
    fn a_later_build_takes_its_forms_from_the_store_until_their_work_changes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("series")).unwrap();
        let bib = |title: &str, other: &str| {
            let text = format!(
                "@book{{k, author = {{Orme, Clara}}, title = {{{title}}}, year = {{2014}}}}\n{other}"
            );
            std::fs::write(dir.path().join("series/bibliography.bib"), text).unwrap();
        };
        let store = Arc::new(Store::default());
        let load = || {
            let mut diags = Diagnostics::default();
            load(dir.path(), None, "en-US", Arc::clone(&store), &mut diags).expect("loads")
        };
        let form = Form {
            key: "k".into(),
            position: Position::First,
            locator: None,
            purpose: None,
        };
        bib("Harbours", "");
        let first = load().cite(&form, None);
        assert!(first.contains("Harbours"), "{first}");
        assert!(store.sweep(), "the forms were formatted");
        assert_eq!(load().cite(&form, None), first);
        assert!(!store.sweep(), "and not formatted again");
        let other = "@book{o, author = {Vey, Ana}, title = {Canals}, year = {2001}}";
        bib("Harbours", other);
        assert_eq!(load().cite(&form, None), first);
        assert!(!store.sweep(), "nor when another work is added");
        bib("Bridges", other);
        assert!(load().cite(&form, None).contains("Bridges"));
        assert!(store.sweep());
    }

    #[test]
    fn a_list_made_work_by_work_is_the_list_made_at_once() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("series")).unwrap();
        let works = "@book{b1, author = {Orme, Clara}, title = {The Harbours}, publisher = {Atlas}, location = {Leeds}, year = {2014}}\n\
            @article{a1, author = {Orme, Clara}, title = {Lights}, journaltitle = {Coast}, volume = {3}, pages = {10--24}, year = {1999}}\n\
            @book{b2, author = {Abel, Zoe and Kell, Mara}, title = {Rail}, edition = {2}, year = {2001}}\n\
            @misc{m1, title = {An Untitled Pamphlet}, year = {1917}}\n\
            @book{b3, editor = {Kell, Mara}, title = {Letters}, year = {1990}}\n\
            @incollection{c1, author = {Vance, Ida}, title = {Ports}, booktitle = {Letters}, editor = {Kell, Mara}, pages = {5--9}, year = {1990}}";
        std::fs::write(dir.path().join("series/bibliography.bib"), works).unwrap();
        let keys = ["b1", "a1", "b2", "m1", "b3", "c1"];
        let mut compared = 0;
        for archived in hayagriva::archive::ArchivedStyle::all() {
            let name = archived.names()[0];
            let mut diags = Diagnostics::default();
            let store = Arc::new(Store::default());
            let Some(bib) = load(dir.path(), Some(name), "en-US", store, &mut diags) else {
                continue;
            };
            if !bib.lists_work_by_work() {
                continue;
            }
            let entries: Vec<&hayagriva::Entry> =
                keys.iter().filter_map(|k| bib.library.get(k)).collect();
            let shared = bib.list_styles.for_works(&entries);
            assert_eq!(
                list_work_by_work(&bib, &shared, &entries),
                listed(&bib, &shared, &entries).unwrap(),
                "{name}"
            );
            compared += 1;
        }
        assert!(compared > 20, "styles listed work by work: {compared}");
    }

    #[test]
    fn a_reference_list_is_in_the_style_s_order_whatever_order_works_are_cited_in() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("series")).unwrap();
        let works = "@book{b1, author = {Orme, Clara}, title = {The Harbours}, year = {2014}}\n\
            @article{a1, author = {Orme, Clara}, title = {Lights}, journaltitle = {Coast}, year = {1999}}\n\
            @book{b2, author = {Abel, Zoe}, title = {Rail}, year = {2001}}\n\
            @misc{m1, title = {An Untitled Pamphlet}, year = {1917}}\n\
            @book{b3, editor = {Kell, Mara}, title = {Letters}, year = {1990}}\n\
            @book{b4, author = {Orme, Ann}, title = {Nets}, year = {2020}}";
        std::fs::write(dir.path().join("series/bibliography.bib"), works).unwrap();
        let locales = hayagriva::archive::locales();
        for style in ["chicago-notes", "apa", "mla", "chicago-author-date", "ieee"] {
            let mut diags = Diagnostics::default();
            let store = Arc::new(Store::default());
            let bib = load(dir.path(), Some(style), "en-US", store, &mut diags).expect("loads");
            for keys in [
                ["b1", "a1", "b2", "m1", "b3", "b4"],
                ["b4", "b3", "m1", "b2", "a1", "b1"],
            ] {
                let listed: Vec<String> =
                    references(&bib, &keys).into_iter().map(|r| r.key).collect();
                let mut driver = BibliographyDriver::new();
                for key in keys {
                    let entry = bib.library.get(key).unwrap();
                    let item = CitationItem::with_entry(entry);
                    driver.citation(CitationRequest::from_items(
                        vec![item],
                        &bib.style,
                        &locales,
                    ));
                }
                let request = BibliographyRequest::new(&bib.style, None, &locales);
                let expected: Vec<String> = (driver.finish(request).bibliography.unwrap().items)
                    .into_iter()
                    .map(|item| item.key)
                    .collect();
                assert_eq!(listed, expected, "{style}, {keys:?}");
            }
        }
    }

    #[test]
    fn a_range_takes_the_forms_of_one_page_where_only_its_value_differs() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("series")).unwrap();
        let works = "@book{k, author = {Orme, Clara}, title = {Harbours}, publisher = {Atlas}, year = {2014}}";
        std::fs::write(dir.path().join("series/bibliography.bib"), works).unwrap();
        let pages = |plural| Form {
            key: "k".into(),
            position: Position::First,
            locator: Some(("page", plural)),
            purpose: None,
        };
        // The forms made for a range, as the store keeps them.
        let range_forms = |style: &str| {
            let mut diags = Diagnostics::default();
            let store = Arc::new(Store::default());
            let bib = load(dir.path(), Some(style), "en-US", store, &mut diags).expect("loads");
            let cited = bib.cite(&pages(true), Some("33–35"));
            let forms = bib.form_set(&pages(true)).get().expect("filled").clone();
            (cited, forms)
        };
        // Chicago prints no label for pages: the range's forms are one page's.
        let (cited, forms) = range_forms("chicago-notes");
        assert!(
            cited.contains("Harbours") && cited.ends_with(", 33–35."),
            "{cited}"
        );
        assert!(forms.iter().all(|(_, html)| html.contains(STAND_IN)
            && !html.contains(STAND_IN_RANGE)
            && !html.contains("90401–")));
        // APA's "pp." needs a range of its own.
        let (cited, forms) = range_forms("apa");
        assert!(cited.contains("pp. 33–35"), "{cited}");
        assert!(forms.iter().all(|(_, html)| html.contains("pp. 90401–")));
    }

    /// A form's locator, its value, and another value of the same kind.
    type Case = (
        Option<(&'static str, bool)>,
        Option<&'static str>,
        Option<&'static str>,
    );

    const POSITIONS_CSL: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" class="note" version="1.0">
  <info><title>Positions</title><id>positions</id><updated>2026-01-01T00:00:00+00:00</updated></info>
  <citation near-note-distance="1"><layout suffix=".">
    <choose>
      <if position="ibid-with-locator"><text value="Ibid."/><text variable="locator" prefix=" "/></if>
      <else-if position="ibid"><text value="Ibid"/></else-if>
      <else-if position="subsequent"><names variable="author"><name form="short"/></names><text variable="title" form="short" prefix=", "/><text variable="locator" prefix=", "/></else-if>
      <else><names variable="author"/><text variable="title" prefix=", " font-style="italic"/><date variable="issued" prefix=" (" suffix=")"><date-part name="year"/></date><text variable="locator" prefix=", "/></else>
    </choose>
    <choose><if position="near-note"><text value=" (just above)"/></if></choose>
  </layout></citation>
</style>"#;

    const FIRST_NOTE_CSL: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" class="note" version="1.0">
  <info><title>First note</title><id>first-note</id><updated>2026-01-01T00:00:00+00:00</updated></info>
  <citation><layout suffix=".">
    <choose>
      <if position="subsequent"><text variable="title" form="short"/><text variable="first-reference-note-number" prefix=", see n. "/></if>
      <else><text variable="title"/><text variable="locator" prefix=", "/></else>
    </choose>
  </layout></citation>
</style>"#;

    const FEWER_NAMES_CSL: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" class="note" version="1.0">
  <info><title>Fewer names</title><id>fewer</id><updated>2026-01-01T00:00:00+00:00</updated></info>
  <citation><layout suffix=".">
    <names variable="author"><name et-al-min="3" et-al-use-first="1" et-al-subsequent-min="2" et-al-subsequent-use-first="1"/></names>
    <text variable="title" prefix=", "/><text variable="locator" prefix=", "/>
  </layout></citation>
</style>"#;

    /// Each position's form, as `cite` gives it and as hayagriva gives it for
    /// the style as written, in a sequence of real works.
    #[test]
    fn every_form_is_what_the_style_as_written_gives() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("series")).unwrap();
        let works = "@book{book, author = {Orme, Clara}, title = {Harbours of the North}, publisher = {Atlas}, location = {Leith}, year = {2014}}\n\
            @incollection{chapter, author = {Vey, Ana}, title = {Grain}, booktitle = {Rail and Sea}, editor = {Lamb, Rui}, publisher = {Dune}, year = {2001}, pages = {5--40}}\n\
            @article{article, author = {Kell, Mara}, title = {Lights}, journaltitle = {Coast}, volume = {3}, pages = {1--9}, year = {1999}}\n\
            @book{other, author = {Sikorsky, Igor}, title = {Flying Machines}, year = {1932}}\n\
            @book{team, author = {Lamb, Rui and Vey, Ana}, title = {Two Hands}, year = {2019}}\n\
            @book{rich, author = {Lamb, Rui}, editor = {Orme, Clara}, translator = {Vey, Ana}, title = {Letters}, series = {Northern Papers}, number = {4}, edition = {2}, volume = {3}, publisher = {Atlas}, location = {Leith}, year = {2014}, url = {https://example.org/letters}, urldate = {2024-05-01}}";
        std::fs::write(dir.path().join("series/bibliography.bib"), works).unwrap();
        // No archived style prints "Ibid." (Chicago's 17th edition shortens
        // instead), so a style of the series' own tells every position apart.
        std::fs::write(dir.path().join("series/positions.csl"), POSITIONS_CSL).unwrap();
        // And one that tells a later citation only by its fewer names.
        std::fs::write(dir.path().join("series/fewer.csl"), FEWER_NAMES_CSL).unwrap();
        // And one that refers a later citation to the note of the first.
        std::fs::write(dir.path().join("series/first-note.csl"), FIRST_NOTE_CSL).unwrap();
        let locales = hayagriva::archive::locales();
        let en = Some(LocaleCode("en-US".into()));
        // And every archived style (by its first name).
        let archived = ArchivedStyle::all().iter().map(|s| s.names()[0]);
        for style_name in ["positions.csl", "fewer.csl", "first-note.csl"]
            .into_iter()
            .chain(archived)
        {
            let mut diags = Diagnostics::default();
            let store = Arc::new(Store::default());
            let bib =
                load(dir.path(), Some(style_name), "en-US", store, &mut diags).expect("loads");
            if bib.is_numeric() {
                // Its forms carry a marker for the work's number (see `Numbers`).
                continue;
            }
            let other = bib.library.get("other").unwrap();
            // Works with few fields and with many: what prints nothing for
            // each is quieted in its copies (see `workstyle::silent`).
            for key in ["book", "chapter", "article", "team", "rich"] {
                let entry = bib.library.get(key).unwrap();
                // The locator, its value, and another for "Ibid., 7".
                let locators: [Case; 3] = [
                    (None, None, None),
                    (Some(("page", false)), Some("12"), Some("7")),
                    (Some(("page", true)), Some("33–35"), Some("40–41")),
                ];
                for (locator, value, another) in locators {
                    let at = |v: Option<&'static str>| {
                        v.map(|v| SpecificLocator(CslLocator::Page, LocatorPayload::Str(v)))
                    };
                    let items = [
                        CitationItem::new(entry, at(value), None, false, None),
                        CitationItem::with_entry(other),
                        CitationItem::new(entry, at(value), None, false, None),
                        CitationItem::new(entry, at(value), None, false, None),
                        CitationItem::new(entry, at(another), None, false, None),
                    ];
                    let mut driver = BibliographyDriver::new();
                    for (note, item) in items.into_iter().enumerate() {
                        driver.citation(CitationRequest::new(
                            vec![item],
                            &bib.style,
                            en.clone(),
                            &locales,
                            Some(note + 1),
                        ));
                    }
                    let expected =
                        driver.finish(BibliographyRequest::new(&bib.style, en.clone(), &locales));
                    let positions = [
                        (0, Position::First, value),
                        (2, Position::Subsequent, value),
                        (3, Position::Ibid, value),
                        (4, Position::IbidWithLocator, another),
                    ];
                    for (at, position, value) in positions {
                        let form = Form {
                            key: key.into(),
                            position,
                            locator,
                            purpose: None,
                        };
                        assert_eq!(
                            bib.cite(&form, value),
                            to_html(&expected.citations[at].citation),
                            "{style_name}, {key}, {position:?}, {value:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn initials_keep_hyphens_and_spaces() {
        assert_eq!(initials("Robert Vincent"), "R. V.");
        assert_eq!(initials("Jean-Paul"), "J.-P.");
        assert_eq!(initials("Édouard"), "É.");
    }
}
