//! A CSL style with its `type` tests decided for one kind of work.
//!
//! Styles like Chicago test a work's type hundreds of times per citation
//! (`<if type="book chapter">`), and hayagriva answers each test by building
//! and matching entry selectors: a third of the time of formatting a
//! citation. A work's type does not change between tests, so for each
//! combination of answers the style is copied once with those tests decided:
//! branches that can no longer be chosen are dropped and the one that must
//! be becomes the choice's `else`. Every other test is left to hayagriva.

use hayagriva::citationberg::taxonomy::Kind;
use hayagriva::citationberg::{
    Choose, ChooseBranch, ChooseMatch, ElseBranch, IndependentStyle, LayoutRenderingElement,
    NamesChild,
};
use hayagriva::{CitationItem, CitationRequest, Entry};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A style and its copies with decided type tests, made as works need them.
pub struct KindStyles {
    /// The style as written.
    style: Arc<IndependentStyle>,
    /// Every type the style tests, in a fixed order.
    kinds: Vec<Kind>,
    /// A style that prints the place in `kinds` of each type a work is of.
    probe: Option<IndependentStyle>,
    /// Copies made so far, by which of `kinds` the work is of.
    made: Mutex<HashMap<Vec<bool>, Arc<IndependentStyle>>>,
    /// The copy each work was given, by its key (a series' bibliography has
    /// one entry per key; a work's forms are made with its namesakes', so
    /// each is asked for many times).
    given: Mutex<HashMap<String, Arc<IndependentStyle>>>,
}

impl KindStyles {
    pub fn new(style: IndependentStyle) -> Self {
        let mut kinds = Vec::new();
        visit_branches(&style, &mut |branch| {
            for kind in branch.type_.iter().flatten() {
                if !kinds.contains(kind) {
                    kinds.push(*kind);
                }
            }
        });
        KindStyles {
            probe: probe_style(&kinds),
            style: Arc::new(style),
            kinds,
            made: Mutex::default(),
            given: Mutex::default(),
        }
    }

    /// The style as written.
    pub fn style(&self) -> &IndependentStyle {
        &self.style
    }

    /// The style for citing `entry`: the same output, with its type tests
    /// already answered. Entries with the same key must be of the same type.
    pub fn for_entry(&self, entry: &Entry) -> Arc<IndependentStyle> {
        let Some(probe) = &self.probe else {
            return Arc::clone(&self.style);
        };
        if let Some(style) = self.given.lock().expect("not poisoned").get(entry.key()) {
            return Arc::clone(style);
        }
        let style = self.decided(self.kinds_of(entry, probe));
        let mut given = self.given.lock().expect("not poisoned");
        given.insert(entry.key().to_string(), Arc::clone(&style));
        style
    }

    /// The copy for works of the kinds `is` says.
    fn decided(&self, is: Vec<bool>) -> Arc<IndependentStyle> {
        let mut made = self.made.lock().expect("not poisoned");
        let style = made.entry(is).or_insert_with_key(|is| {
            let mut style = (*self.style).clone();
            let answer = |kind: &Kind| {
                let at = self.kinds.iter().position(|k| k == kind);
                at.is_some_and(|at| is[at])
            };
            decide_style(&mut style, &answer);
            Arc::new(style)
        });
        Arc::clone(style)
    }

    /// Which of `kinds` the entry is of, as hayagriva decides it.
    fn kinds_of(&self, entry: &Entry, probe: &IndependentStyle) -> Vec<bool> {
        let request = CitationRequest::new(
            vec![CitationItem::with_entry(entry)],
            probe,
            None,
            &[],
            None,
        );
        let printed = crate::bibliography::to_html(&hayagriva::standalone_citation(request));
        let mut is = vec![false; self.kinds.len()];
        for at in printed
            .split_whitespace()
            .filter_map(|n| n.parse::<usize>().ok())
        {
            if let Some(slot) = is.get_mut(at) {
                *slot = true;
            }
        }
        is
    }
}

/// A style whose citation prints " 3 " for the fourth of `kinds` if the
/// cited work is of that type; `None` if there is nothing to test.
fn probe_style(kinds: &[Kind]) -> Option<IndependentStyle> {
    if kinds.is_empty() {
        return None;
    }
    let mut layout = String::new();
    for (at, kind) in kinds.iter().enumerate() {
        let name = serde_json::to_value(kind).ok()?;
        let name = name.as_str()?;
        layout.push_str(&format!(
            r#"<choose><if type="{name}"><text value=" {at} "/></if></choose>"#
        ));
    }
    let xml = format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">
  <info><title>quire type probe</title><id>quire-type-probe</id><updated>2026-01-01T00:00:00+00:00</updated></info>
  <citation><layout>{layout}</layout></citation>
</style>"#
    );
    IndependentStyle::from_xml(&xml).ok()
}

/// Calls `f` on every branch of every choice in the citation, the
/// bibliography and the macros.
fn visit_branches(style: &IndependentStyle, f: &mut impl FnMut(&ChooseBranch)) {
    fn visit(elements: &[LayoutRenderingElement], f: &mut impl FnMut(&ChooseBranch)) {
        for element in elements {
            match element {
                LayoutRenderingElement::Group(group) => visit(&group.children, f),
                LayoutRenderingElement::Names(names) => {
                    for child in &names.children {
                        if let NamesChild::Substitute(substitute) = child {
                            visit(&substitute.children, f);
                        }
                    }
                }
                LayoutRenderingElement::Choose(choose) => {
                    for branch in choose.branches() {
                        f(branch);
                        visit(&branch.children, f);
                    }
                    if let Some(otherwise) = &choose.otherwise {
                        visit(&otherwise.children, f);
                    }
                }
                _ => {}
            }
        }
    }
    visit(&style.citation.layout.elements, f);
    if let Some(bibliography) = &style.bibliography {
        visit(&bibliography.layout.elements, f);
    }
    for mac in &style.macros {
        visit(&mac.children, f);
    }
}

/// Decides the type tests of the whole style.
fn decide_style(style: &mut IndependentStyle, is: &impl Fn(&Kind) -> bool) {
    decide(&mut style.citation.layout.elements, is);
    if let Some(bibliography) = &mut style.bibliography {
        decide(&mut bibliography.layout.elements, is);
    }
    for mac in &mut style.macros {
        decide(&mut mac.children, is);
    }
}

fn decide(elements: &mut [LayoutRenderingElement], is: &impl Fn(&Kind) -> bool) {
    for element in elements {
        match element {
            LayoutRenderingElement::Group(group) => decide(&mut group.children, is),
            LayoutRenderingElement::Names(names) => {
                for child in &mut names.children {
                    if let NamesChild::Substitute(substitute) = child {
                        decide(&mut substitute.children, is);
                    }
                }
            }
            LayoutRenderingElement::Choose(choose) => decide_choose(choose, is),
            _ => {}
        }
    }
}

/// What a branch's tests come to once its type test is answered.
#[derive(Debug, PartialEq)]
enum Verdict {
    /// It is chosen whenever it is reached.
    Always,
    /// It is never chosen.
    Never,
    /// The other tests decide (the type test is gone or was not there).
    Open,
}

fn decide_choose(choose: &mut Choose, is: &impl Fn(&Kind) -> bool) {
    let first = std::mem::replace(&mut choose.if_, always(Vec::new()));
    let branches = std::iter::once(first).chain(std::mem::take(&mut choose.else_if));
    let mut otherwise = choose.otherwise.take();
    let mut open = Vec::new();
    for mut branch in branches {
        decide(&mut branch.children, is);
        match verdict(&mut branch, is) {
            Verdict::Never => {}
            Verdict::Open => open.push(branch),
            Verdict::Always => {
                // What follows it is never reached.
                otherwise = Some(ElseBranch {
                    children: branch.children,
                });
                break;
            }
        }
    }
    if let Some(otherwise) = &mut otherwise {
        decide(&mut otherwise.children, is);
    }
    let mut open = open.into_iter();
    match open.next() {
        Some(first) => {
            choose.if_ = first;
            choose.else_if = open.collect();
            choose.otherwise = otherwise;
        }
        // Nothing left to test: a branch taken always, which is what the
        // `else` was (and no branch, if there was no `else`, prints nothing).
        None => choose.if_ = always(otherwise.map(|o| o.children).unwrap_or_default()),
    }
}

/// Answers the branch's type test. Of the tests hayagriva runs before it,
/// only `disambiguate` has an effect (it notes that the style asked), so a
/// branch with one is left as it is.
fn verdict(branch: &mut ChooseBranch, is: &impl Fn(&Kind) -> bool) -> Verdict {
    if branch.disambiguate.is_some() {
        return Verdict::Open;
    }
    let Some(kinds) = &branch.type_ else {
        return Verdict::Open;
    };
    let any_is = kinds.iter().any(is);
    let all_are = kinds.iter().all(is);
    let others = branch.is_numeric.is_some()
        || branch.is_uncertain_date.is_some()
        || branch.locator.is_some()
        || branch.position.is_some()
        || branch.variable.is_some();
    // The type answers leave the outcome to the other tests when they are
    // neutral for the match: all true for "all", all false for "any" and "none".
    let (decided, neutral) = match branch.match_ {
        ChooseMatch::All => ((!all_are).then_some(Verdict::Never), all_are),
        ChooseMatch::Any => (any_is.then_some(Verdict::Always), !any_is),
        ChooseMatch::None => (any_is.then_some(Verdict::Never), !any_is),
    };
    if let Some(verdict) = decided {
        return verdict;
    }
    debug_assert!(neutral);
    branch.type_ = None;
    match (others, branch.match_) {
        (true, _) => Verdict::Open,
        // No test left: "all" and "none" of nothing hold, "any" does not.
        (false, ChooseMatch::Any) => Verdict::Never,
        (false, _) => Verdict::Always,
    }
}

/// A branch without tests, which hayagriva always takes.
fn always(children: Vec<LayoutRenderingElement>) -> ChooseBranch {
    ChooseBranch {
        disambiguate: None,
        is_numeric: None,
        is_uncertain_date: None,
        locator: None,
        position: None,
        type_: None,
        variable: None,
        match_: ChooseMatch::All,
        children,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bibliography::to_html;
    use hayagriva::archive::ArchivedStyle;
    use hayagriva::citationberg::Style;
    use hayagriva::{BibliographyDriver, BibliographyRequest, LocatorPayload, SpecificLocator};

    /// Works of many kinds, as BibLaTeX gives them to hayagriva.
    const WORKS: &str = r#"
@book{book, author = {Daniels, Robert V.}, title = {Red October}, publisher = {Scribner}, location = {New York}, year = {1967}}
@book{edited, editor = {Orme, Clara}, title = {Letters from the Front}, publisher = {Atlas}, year = {2001}, volume = {2}, edition = {3}}
@article{article, author = {Fitzpatrick, Sheila and Lih, Lars}, title = {Soviet Power}, journaltitle = {Slavic Review}, volume = {41}, number = {2}, pages = {12--34}, year = {1982}, doi = {10.2307/2496340}}
@article{newspaper, author = {Reed, John}, title = {The Days}, journaltitle = {The Masses}, entrysubtype = {newspaper}, date = {1918-03-02}}
@incollection{chapter, author = {Rabinowitch, Alexander}, title = {The Evolution}, booktitle = {Revolution in Russia}, editor = {Frankel, Edith}, publisher = {Cambridge University Press}, year = {1992}, pages = {133--156}}
@inbook{inbook, author = {Trotsky, Leon}, title = {The Art of Insurrection}, booktitle = {History of the Russian Revolution}, year = {1932}, chapter = {6}}
@inproceedings{paper, author = {Vey, Ana}, title = {Grain and Rail}, booktitle = {Proceedings of the Economic History Society}, year = {2010}, pages = {5--9}}
@thesis{thesis, author = {Mills, Jo}, title = {Factory Committees}, institution = {University of Leeds}, type = {phdthesis}, year = {1999}}
@report{report, author = {Bureau, Statistics}, title = {Harvest Returns}, institution = {Central Office}, number = {7}, year = {1921}}
@online{web, author = {Kell, Mara}, title = {A Timeline}, url = {https://example.org/timeline}, urldate = {2024-05-01}, year = {2020}}
@misc{misc, title = {Untitled Pamphlet}, year = {1917}, note = {Held at the archive}}
@manual{manual, title = {Field Manual}, organization = {War Office}, year = {1915}}
@unpublished{letter, author = {Kollontai, Alexandra}, title = {Letter to a Friend}, year = {1919}, note = {Manuscript}}
@periodical{journal, title = {Pravda}, year = {1917}, issue = {4}}
@collection{collection, editor = {Acton, Edward}, title = {Critical Companion}, publisher = {Arnold}, year = {1997}}
@patent{patent, author = {Sikorsky, Igor}, title = {Flying Machine}, number = {1848389}, year = {1932}}
@software{software, author = {Lamb, Rui}, title = {Archive Tools}, version = {2.1}, year = {2021}, url = {https://example.org/tools}}
"#;

    /// Every citation position, each with the style `style_of` gives for
    /// its work, and the work's entry in a reference list.
    fn formatted<'s>(
        locales: &[hayagriva::citationberg::Locale],
        entry: &Entry,
        other: &Entry,
        style_of: impl Fn(&Entry) -> &'s IndependentStyle,
    ) -> Vec<String> {
        let page = |value| {
            Some(SpecificLocator(
                hayagriva::citationberg::taxonomy::Locator::Page,
                LocatorPayload::Str(value),
            ))
        };
        let items = [
            CitationItem::new(entry, page("12"), None, false, None),
            CitationItem::with_entry(other),
            CitationItem::new(entry, page("12"), None, false, None),
            CitationItem::new(entry, page("12"), None, false, None),
            CitationItem::new(entry, page("14–15"), None, false, None),
            CitationItem::with_entry(entry),
        ];
        let mut driver = BibliographyDriver::new();
        for (note, item) in items.into_iter().enumerate() {
            let style = style_of(item.entry);
            driver.citation(CitationRequest::new(
                vec![item],
                style,
                None,
                locales,
                Some(note + 1),
            ));
        }
        let rendered = driver.finish(BibliographyRequest::new(style_of(entry), None, locales));
        let mut out: Vec<String> = rendered
            .citations
            .iter()
            .map(|c| to_html(&c.citation))
            .collect();
        // The list alone: one request has one style, for every work in it.
        let mut driver = BibliographyDriver::new();
        driver.citation(CitationRequest::from_items(
            vec![CitationItem::with_entry(entry)],
            style_of(entry),
            locales,
        ));
        let rendered = driver.finish(BibliographyRequest::new(style_of(entry), None, locales));
        for item in rendered.bibliography.iter().flat_map(|b| &b.items) {
            out.push(to_html(&item.content));
        }
        out
    }

    fn archived(name: &str) -> IndependentStyle {
        match ArchivedStyle::by_name(name).expect("archived").get() {
            Style::Independent(style) => style,
            Style::Dependent(_) => panic!("{name} is dependent"),
        }
    }

    #[test]
    fn a_decided_style_formats_every_kind_of_work_as_the_style_does() {
        let library = hayagriva::io::from_biblatex_str(WORKS).expect("parses");
        let other = library.get("misc").expect("misc");
        let locales = hayagriva::archive::locales();
        let mut decided = 0;
        for archived_style in ArchivedStyle::all() {
            let Style::Independent(style) = archived_style.get() else {
                continue;
            };
            let name = archived_style.names()[0];
            let styles = KindStyles::new(style.clone());
            let others = styles.for_entry(other);
            for entry in library.iter() {
                let own = styles.for_entry(entry);
                decided += usize::from(!Arc::ptr_eq(&own, &styles.style));
                let decided_style = |e: &Entry| -> &IndependentStyle {
                    if std::ptr::eq(e, entry) {
                        &own
                    } else {
                        &others
                    }
                };
                assert_eq!(
                    formatted(&locales, entry, other, decided_style),
                    formatted(&locales, entry, other, |_| &style),
                    "{name}, {}",
                    entry.key()
                );
            }
        }
        assert!(decided > 100, "styles were decided ({decided})");
    }

    #[test]
    fn no_type_test_is_left_for_a_work() {
        let library = hayagriva::io::from_biblatex_str(WORKS).expect("parses");
        let styles = KindStyles::new(archived("chicago-notes"));
        let type_tests = |style: &IndependentStyle| {
            let mut count = 0;
            visit_branches(style, &mut |branch| {
                count += usize::from(branch.type_.is_some() && branch.disambiguate.is_none());
            });
            count
        };
        assert!(type_tests(styles.style()) > 50);
        let kinds: Vec<Vec<bool>> = library
            .iter()
            .map(|entry| {
                assert_eq!(type_tests(&styles.for_entry(entry)), 0, "{}", entry.key());
                styles.kinds_of(entry, styles.probe.as_ref().expect("tests types"))
            })
            .collect();
        // Works of the same kind share a copy; a book is not an article.
        assert_eq!(kinds[0], kinds[1]);
        assert_ne!(kinds[0], kinds[2]);
    }

    #[test]
    fn branches_are_decided_as_their_match_says() {
        let branch = |match_, type_: Vec<Kind>, variable: bool| ChooseBranch {
            type_: Some(type_),
            variable: variable.then(|| {
                vec![hayagriva::citationberg::taxonomy::Variable::Standard(
                    hayagriva::citationberg::taxonomy::StandardVariable::Title,
                )]
            }),
            match_,
            ..always(Vec::new())
        };
        let is_book = |kind: &Kind| *kind == Kind::Book;
        let cases = [
            (ChooseMatch::All, vec![Kind::Book], false, Verdict::Always),
            (ChooseMatch::All, vec![Kind::Book], true, Verdict::Open),
            (
                ChooseMatch::All,
                vec![Kind::Book, Kind::Chapter],
                true,
                Verdict::Never,
            ),
            (
                ChooseMatch::Any,
                vec![Kind::Chapter, Kind::Book],
                true,
                Verdict::Always,
            ),
            (ChooseMatch::Any, vec![Kind::Chapter], true, Verdict::Open),
            (ChooseMatch::Any, vec![Kind::Chapter], false, Verdict::Never),
            (ChooseMatch::None, vec![Kind::Book], true, Verdict::Never),
            (
                ChooseMatch::None,
                vec![Kind::Chapter],
                false,
                Verdict::Always,
            ),
            (ChooseMatch::None, vec![Kind::Chapter], true, Verdict::Open),
        ];
        for (match_, kinds, variable, expected) in cases {
            let mut b = branch(match_, kinds.clone(), variable);
            assert_eq!(
                verdict(&mut b, &is_book),
                expected,
                "{match_:?} {kinds:?} {variable}"
            );
            if expected == Verdict::Open {
                assert_eq!(b.type_, None, "the answered test is gone");
                assert!(b.variable.is_some(), "the others stay");
            }
        }
        let mut asks = ChooseBranch {
            disambiguate: Some(true),
            ..branch(ChooseMatch::All, vec![Kind::Chapter], false)
        };
        assert_eq!(verdict(&mut asks, &is_book), Verdict::Open);
        assert!(
            asks.type_.is_some(),
            "a branch that asks to disambiguate is left alone"
        );
    }
}
