//! A CSL style with its tests decided for one work (or for the works of a
//! reference list, where they all agree), what of a citation's position
//! such a copy can show, the copy for one position and kind of locator
//! (`placed`), and whether that copy reads a page range apart from one page.
//!
//! Styles like Chicago test a work's type and fields hundreds of times per
//! citation (`<if type="book chapter">`, `<if variable="editor">`), and
//! hayagriva answers each test anew: type tests by building and matching
//! entry selectors, variable tests by resolving the field. Most answers do
//! not change between tests of one work, so for each combination of answers
//! the style is copied once with those tests decided: branches that can no
//! longer be chosen are dropped and the one that must be becomes the
//! choice's `else`. The answers come from hayagriva itself, through a probe
//! style that prints which tests hold for a work (its `EntryLike` is
//! private). A copy for citations at one place also has its position and
//! locator tests answered, so that a citation can be formatted alone, once,
//! where hayagriva's driver formats each twice. A choice left with one
//! branch taken always is spliced into the group, branch or macro around it
//! where that prints the same. Every other test is left to hayagriva.

use hayagriva::citationberg::taxonomy::{
    Kind, Locator, NameVariable, NumberOrPageVariable, NumberVariable, StandardVariable, Variable,
};
use hayagriva::citationberg::{
    Choose, ChooseBranch, ChooseMatch, ElseBranch, IndependentStyle, InheritableNameOptions,
    LayoutRenderingElement, LongShortForm, NamesChild, SortKey, TestPosition, TextTarget,
};
use hayagriva::{CitationItem, CitationRequest, Entry};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

mod silent;

/// A test whose answer is the same in every citation of a work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Test {
    /// Whether the work is of this type.
    Type(Kind),
    /// Whether the work has this field.
    Variable(Variable),
    /// Whether the citation stands there among the work's citations.
    Position(TestPosition),
    /// Whether the citation's locator is of this kind (`locator="page"`).
    Locator(Locator),
    /// Whether the work's field prints in a `<text>`: a field of spaces has
    /// no value to a test, but prints (see `silent`).
    Prints(StandardVariable),
}

/// Variables whose value depends on the citation, not only on the work.
/// Testing the citation number or label also tells hayagriva that the style
/// uses them (a side effect), so branches that test them stay as written.
fn depends_on_citation(var: Variable) -> bool {
    matches!(
        var,
        Variable::Number(
            NumberVariable::CitationNumber
                | NumberVariable::FirstReferenceNoteNumber
                | NumberVariable::Locator
        ) | Variable::Standard(StandardVariable::CitationLabel | StandardVariable::YearSuffix)
    )
}

/// What of a citation's position a style can show: which citations of a
/// work read alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Told {
    /// Nothing: every citation of a work reads the same.
    Nothing,
    /// Whether the work was cited before.
    FirstOrLater,
    /// Also whether it was cited just before ("Ibid.") or in a note nearby.
    Everything,
}

/// Where a citation stands among the citations of its work, as position
/// tests see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Place {
    /// The work's first citation.
    pub first: bool,
    /// Right after a citation of the same work ("Ibid.").
    pub ibid: bool,
    /// That citation had another locator ("Ibid., 12").
    pub other_locator: bool,
    /// Within the style's near-note distance of the work's last citation.
    pub near_note: bool,
}

impl Place {
    fn holds(self, position: TestPosition) -> bool {
        match position {
            TestPosition::First => self.first,
            TestPosition::Subsequent => !self.first,
            TestPosition::Ibid => self.ibid,
            TestPosition::IbidWithLocator => self.ibid && self.other_locator,
            TestPosition::NearNote => self.near_note,
        }
    }
}

/// A style and its copies with decided tests, made as works need them.
pub struct WorkStyles {
    /// The style as written.
    style: Arc<IndependentStyle>,
    /// What the copies are made with, worked out when the first is wanted
    /// (a build that finds every citation in the cache wants none).
    tests: OnceLock<Tests>,
    /// Copies made so far, by the answers they were made with.
    made: Mutex<HashMap<Vec<Option<bool>>, Arc<IndependentStyle>>>,
    /// The copy each work was given, by its key (a series' bibliography has
    /// one entry per key; a work's forms are made with its namesakes', so
    /// each is asked for many times).
    given: Mutex<HashMap<String, Arc<IndependentStyle>>>,
    /// Which tests hold for each work, by its key (see `holds`).
    held: Mutex<HashMap<String, Vec<bool>>>,
    /// The copy for works with these answers to the tests (see `decided_for`).
    decided_for: Mutex<HashMap<Vec<Vec<bool>>, Arc<IndependentStyle>>>,
    /// What of a citation's position each copy can show, by its address
    /// (see `positions_told`).
    told: Mutex<HashMap<usize, Told>>,
    /// Whether each placed copy tells a range from one place, by its
    /// address (see `tells_plural`).
    plural: Mutex<HashMap<usize, bool>>,
    /// Copies for citations at one place (see `PlacedKey`).
    placed: Mutex<HashMap<PlacedKey, Arc<IndependentStyle>>>,
    /// Whether the copies are for reference lists only: then what prints
    /// nothing for any of their works is quieted (see `silent`). A copy for
    /// citations may format a citation of one part of a work (its author,
    /// its year), where what prints differs.
    for_lists: bool,
}

/// A copy for citations at a place: the copy it is made from (its address:
/// every copy lives as long as its `WorkStyles`), the place, the kind of
/// locator, and what the work's probe gave (its elements that print nothing
/// are quieted).
type PlacedKey = (usize, Place, Option<Locator>, Vec<bool>);

/// The tests of a style that a copy can answer, and how to answer them.
struct Tests {
    /// Every test the probe answers, in a fixed order: first those of the
    /// style's choices, then those of the fields its elements print.
    list: Vec<Test>,
    /// How many of `list` the style's choices ask (a copy is decided with
    /// their answers).
    choices: usize,
    /// The place of each test in `list`.
    places: HashMap<Test, usize>,
    /// A style that prints the place in `list` of each test that holds for
    /// a work.
    probe: Option<IndependentStyle>,
    /// Whether the style shortens the names of a work cited before
    /// (`et-al-subsequent-min`, `et-al-subsequent-use-first`).
    shortens_later_names: bool,
    /// Whether the style prints or tests the number of the note that first
    /// cited the work (`first-reference-note-number`).
    uses_first_note: bool,
}

impl Tests {
    fn of(style: &IndependentStyle) -> Self {
        let mut tests = Vec::new();
        let mut add = |test: Test| {
            if !tests.contains(&test) {
                tests.push(test);
            }
        };
        visit_branches(style, &mut |branch| {
            for kind in branch.type_.iter().flatten() {
                add(Test::Type(*kind));
            }
            for var in branch.variable.iter().flatten() {
                if !depends_on_citation(*var) {
                    add(Test::Variable(*var));
                }
            }
        });
        // Whether a substitute can be rendered depends on these.
        visit_elements(style, &mut |element| match element {
            LayoutRenderingElement::Names(names) if names.substitute().is_some() => {
                names
                    .variable
                    .iter()
                    .for_each(|v| add(Test::Variable(Variable::Name(*v))));
            }
            _ => {}
        });
        let mut vars = HashSet::new();
        visit_elements(style, &mut |element| mentions(element, &mut vars));
        let first_note = Variable::Number(NumberVariable::FirstReferenceNoteNumber);
        // The fields the elements print, to find those that print nothing
        // (see `silent`).
        let asked = tests.len();
        reachable(style, layouts(style), |element| {
            for test in printed_field(element) {
                if !tests.contains(&test) {
                    tests.push(test);
                }
            }
        });
        let (probe, list) = probe_style(tests.clone());
        // The probe keeps the order, and leaves out what it cannot ask.
        let choices = list.iter().filter(|t| tests[..asked].contains(t)).count();
        Tests {
            choices,
            places: list
                .iter()
                .enumerate()
                .map(|(at, test)| (*test, at))
                .collect(),
            list,
            probe,
            shortens_later_names: shortens_later_names(style),
            uses_first_note: vars.contains(&first_note),
        }
    }

    /// The place of `test` in the list.
    fn at(&self, test: Test) -> Option<usize> {
        self.places.get(&test).copied()
    }
}

impl WorkStyles {
    pub fn new(style: IndependentStyle) -> Self {
        WorkStyles {
            style: Arc::new(style),
            tests: OnceLock::new(),
            made: Mutex::default(),
            given: Mutex::default(),
            held: Mutex::default(),
            decided_for: Mutex::default(),
            told: Mutex::default(),
            plural: Mutex::default(),
            placed: Mutex::default(),
            for_lists: false,
        }
    }

    /// The copies of `style` for reference lists (see `for_lists`).
    pub fn for_lists(style: IndependentStyle) -> Self {
        WorkStyles {
            for_lists: true,
            ..WorkStyles::new(style)
        }
    }

    fn tests(&self) -> &Tests {
        self.tests.get_or_init(|| Tests::of(&self.style))
    }

    /// The style as written.
    pub fn style(&self) -> &IndependentStyle {
        &self.style
    }

    /// The style for citing `entry`: the same output, with the tests whose
    /// answers are fixed for it already answered. Entries with the same key
    /// must be of the same type and have the same fields.
    pub fn for_entry(&self, entry: &Entry) -> Arc<IndependentStyle> {
        let Some(probe) = &self.tests().probe else {
            return Arc::clone(&self.style);
        };
        if let Some(style) = self.given.lock().expect("not poisoned").get(entry.key()) {
            return Arc::clone(style);
        }
        let style = self.decided_for(&[self.holds(entry, probe)]);
        let mut given = self.given.lock().expect("not poisoned");
        given.insert(entry.key().to_string(), Arc::clone(&style));
        style
    }

    /// The style for listing `entries` together (a reference list has one
    /// style for all its works): the same output, with the tests whose
    /// answers are fixed and the same for all of them already answered.
    pub fn for_works(&self, entries: &[&Entry]) -> Arc<IndependentStyle> {
        let Some(probe) = &self.tests().probe else {
            return Arc::clone(&self.style);
        };
        let holds: Vec<Vec<bool>> = entries.iter().map(|e| self.holds(e, probe)).collect();
        self.decided_for(&holds)
    }

    /// What of a citation's position `copy` (one of this style's copies) can
    /// show. hayagriva consults the position in position tests, and whether
    /// the work was cited before in the names options for later citations.
    pub fn positions_told(&self, copy: &Arc<IndependentStyle>) -> Told {
        let key = Arc::as_ptr(copy) as usize;
        if let Some(told) = self.told.lock().expect("not poisoned").get(&key) {
            return *told;
        }
        let mut told = match self.tests().shortens_later_names {
            true => Told::FirstOrLater,
            false => Told::Nothing,
        };
        let citation = vec![copy.citation.layout.elements.as_slice()];
        reachable(copy, citation, |element| {
            let LayoutRenderingElement::Choose(choose) = element else {
                return;
            };
            for position in choose.branches().flat_map(|b| b.position.iter().flatten()) {
                told = told.max(match position {
                    TestPosition::First | TestPosition::Subsequent => Told::FirstOrLater,
                    _ => Told::Everything,
                });
            }
        });
        self.told.lock().expect("not poisoned").insert(key, told);
        told
    }

    /// `entry`'s copy (`copy`, from `for_entry`) for citations at `place`
    /// with a locator of this kind (or none): its position and locator tests
    /// answered, and without the reference list's layout (there, position
    /// tests do not hold, and the macros it shares with the citation are
    /// answered for a citation). Only what a citation is formatted with is
    /// kept, and what prints nothing for the work is quieted (see
    /// `silent`); a lone citation (`standalone_citation`) then reads as at
    /// `place`, but for the names options for later citations
    /// (`shortens_later_names`), which see it as a later one.
    pub fn placed(
        &self,
        copy: &Arc<IndependentStyle>,
        entry: &Entry,
        place: Place,
        locator: Option<Locator>,
    ) -> Arc<IndependentStyle> {
        let holds = match &self.tests().probe {
            Some(probe) => self.holds(entry, probe),
            None => Vec::new(),
        };
        let key = (Arc::as_ptr(copy) as usize, place, locator, holds);
        if let Some(style) = self.placed.lock().expect("not poisoned").get(&key) {
            return Arc::clone(style);
        }
        let mut style = (**copy).clone();
        style.bibliography = None;
        decide_style(&mut style, &|test| match test {
            Test::Position(position) => Some(place.holds(position)),
            Test::Locator(kind) => Some(locator == Some(kind)),
            _ => None,
        });
        splice_style(&mut style);
        let holds = &key.3;
        silent::quiet(&mut style, &|test| {
            holds.get(self.tests().at(test)?).copied()
        });
        keep_reachable_macros(&mut style);
        let style = Arc::new(style);
        let mut placed = self.placed.lock().expect("not poisoned");
        Arc::clone(placed.entry(key).or_insert(style))
    }

    /// Whether a citation with `copy` (one from `placed`) can read
    /// differently for one place ("12") and several ("33–35") beyond the
    /// locator's value itself: through the locator's label ("p."/"pp."),
    /// its number formatting, or a test of whether it is numeric.
    pub fn tells_plural(&self, copy: &Arc<IndependentStyle>) -> bool {
        let key = Arc::as_ptr(copy) as usize;
        if let Some(tells) = self.plural.lock().expect("not poisoned").get(&key) {
            return *tells;
        }
        let locator = NumberOrPageVariable::Number(NumberVariable::Locator);
        let mut tells = false;
        let citation = vec![copy.citation.layout.elements.as_slice()];
        reachable(copy, citation, |element| {
            tells |= match element {
                LayoutRenderingElement::Label(label) => label.variable == locator,
                LayoutRenderingElement::Number(number) => number.variable == locator,
                LayoutRenderingElement::Choose(choose) => choose
                    .branches()
                    .flat_map(|b| b.is_numeric.iter().flatten())
                    .any(|v| *v == Variable::Number(NumberVariable::Locator)),
                _ => false,
            };
        });
        self.plural.lock().expect("not poisoned").insert(key, tells);
        tells
    }

    /// Whether a lone citation with a copy from `placed` reads as at its
    /// place: unless the style gives a work cited before fewer names, or
    /// numbers the note that first cited it (a lone citation has no notes
    /// before).
    pub fn lone_citations_read_as_placed(&self) -> bool {
        let tests = self.tests();
        !tests.shortens_later_names && !tests.uses_first_note
    }

    /// The copy made with `answers` (in the order of `tests`; `None` for a
    /// test left to hayagriva).
    fn decided(&self, answers: Vec<Option<bool>>) -> Arc<IndependentStyle> {
        let mut made = self.made.lock().expect("not poisoned");
        let style = made.entry(answers).or_insert_with_key(|answers| {
            let mut style = (*self.style).clone();
            let answer = |test: Test| *answers.get(self.tests().at(test)?)?;
            decide_style(&mut style, &answer);
            splice_style(&mut style);
            keep_reachable_macros(&mut style);
            Arc::new(style)
        });
        Arc::clone(style)
    }

    /// The copy for works for each of which `holds` says which of `tests`
    /// hold (see `decide_for`).
    fn decided_for(&self, holds: &[Vec<bool>]) -> Arc<IndependentStyle> {
        // Works of a kind often have the same fields: their copy is made once.
        if let Some(style) = self.decided_for.lock().expect("not poisoned").get(holds) {
            return Arc::clone(style);
        }
        let mut style = self.decide_for(holds);
        if self.for_lists {
            // A field none of the works has, or all have, is settled.
            let tests = self.tests();
            let agreed = |test: Test| {
                let at = tests.at(test)?;
                let first = holds.first()?[at];
                holds.iter().all(|h| h[at] == first).then_some(first)
            };
            let mut quieted = (*style).clone();
            silent::quiet(&mut quieted, &agreed);
            keep_reachable_macros(&mut quieted);
            style = Arc::new(quieted);
        }
        let mut decided_for = self.decided_for.lock().expect("not poisoned");
        Arc::clone(decided_for.entry(holds.to_vec()).or_insert(style))
    }

    /// Makes the copy for `holds`: a test is answered where all the works
    /// give the same answer. Once a
    /// `<substitute>` is rendered in place of missing names, hayagriva
    /// suppresses every variable it queried, and later tests of them fail.
    /// So the variables of every substitute the copy can still come to render
    /// for one of the works (a `<names>` whose variables the work lacks or
    /// may have had suppressed, in a branch not dropped) are left to
    /// hayagriva, until no other substitute can be rendered. Tests of the
    /// other variables give the same answer at any point of any citation of
    /// the work.
    fn decide_for(&self, holds: &[Vec<bool>]) -> Arc<IndependentStyle> {
        let agreed = |at: usize| {
            let first = holds.first()?[at];
            holds.iter().all(|h| h[at] == first).then_some(first)
        };
        let tests = self.tests();
        let mut left: HashSet<Variable> = HashSet::new();
        loop {
            // The copy is decided by the choices' tests alone.
            let choices = tests.list[..tests.choices].iter().enumerate();
            let answers: Vec<Option<bool>> = choices
                .map(|(at, test)| match test {
                    Test::Variable(var) if left.contains(var) => None,
                    _ => agreed(at),
                })
                .collect();
            let has = |work: &[bool], var: NameVariable| {
                let var = Variable::Name(var);
                let at = tests.at(Test::Variable(var));
                !left.contains(&var) && at.is_some_and(|at| work[at])
            };
            let lacks = |vars: &[NameVariable]| {
                holds.iter().any(|work| !vars.iter().any(|v| has(work, *v)))
            };
            // What the copy made with these answers could render: the style
            // is walked with them, and only the last answers make a copy.
            let answer = |test: Test| *answers.get(tests.at(test)?)?;
            let suppressible = substitutable(&self.style, &answer, lacks);
            if suppressible.is_subset(&left) {
                return self.decided(answers);
            }
            left.extend(suppressible);
        }
    }

    /// Which of `tests` hold for the entry (asked once per key: a list asks
    /// for its works together, then for each).
    fn holds(&self, entry: &Entry, probe: &IndependentStyle) -> Vec<bool> {
        if let Some(holds) = self.held.lock().expect("not poisoned").get(entry.key()) {
            return holds.clone();
        }
        let holds = self.probe(entry, probe);
        let mut held = self.held.lock().expect("not poisoned");
        held.insert(entry.key().to_string(), holds.clone());
        holds
    }

    /// Which of `tests` hold for the entry, as `probe` prints them.
    fn probe(&self, entry: &Entry, probe: &IndependentStyle) -> Vec<bool> {
        let request = CitationRequest::new(
            vec![CitationItem::with_entry(entry)],
            probe,
            None,
            &[],
            None,
        );
        let printed = crate::bibliography::to_html(&hayagriva::standalone_citation(request));
        let mut holds = vec![false; self.tests().list.len()];
        for at in without_values(&printed)
            .split_whitespace()
            .filter_map(|n| n.parse::<usize>().ok())
        {
            if let Some(slot) = holds.get_mut(at) {
                *slot = true;
            }
        }
        holds
    }
}

/// The marks around a field's value in the probe's output.
const VALUE_START: char = '\u{E000}';
const VALUE_END: char = '\u{E001}';

/// The probe's output without the fields' values between their marks.
fn without_values(printed: &str) -> String {
    let mut out = String::with_capacity(printed.len());
    let mut rest = printed;
    while let Some((before, after)) = rest.split_once(VALUE_START) {
        out.push_str(before);
        out.push(' ');
        rest = after.split_once(VALUE_END).map_or("", |(_, after)| after);
    }
    out.push_str(rest);
    out
}

/// The tests that tell whether `element` prints a field of the work: none
/// for what the citation decides or for a short form (see `silent`).
fn printed_field(element: &LayoutRenderingElement) -> Vec<Test> {
    let vars: Vec<Variable> = match element {
        LayoutRenderingElement::Text(text) => match &text.target {
            TextTarget::Variable {
                var: Variable::Standard(standard),
                form,
            } => {
                return match form {
                    LongShortForm::Long if !depends_on_citation(Variable::Standard(*standard)) => {
                        vec![Test::Prints(*standard)]
                    }
                    _ => Vec::new(),
                }
            }
            TextTarget::Variable { var, .. } => vec![*var],
            _ => Vec::new(),
        },
        LayoutRenderingElement::Number(number) => vec![number.variable.into()],
        LayoutRenderingElement::Label(label) => vec![label.variable.into()],
        LayoutRenderingElement::Date(date) => {
            date.variable.map(Variable::Date).into_iter().collect()
        }
        LayoutRenderingElement::Names(names) => {
            names.variable.iter().map(|v| Variable::Name(*v)).collect()
        }
        LayoutRenderingElement::Choose(_) | LayoutRenderingElement::Group(_) => Vec::new(),
    };
    vars.into_iter()
        .filter(|var| !depends_on_citation(*var))
        .map(Test::Variable)
        .collect()
}

/// A style whose citation prints " 3 " if the fourth of `tests` holds for
/// the cited work, with the tests it can ask (a name that does not read back
/// as the same test is left out); `None` if there is nothing to test.
fn probe_style(tests: Vec<Test>) -> (Option<IndependentStyle>, Vec<Test>) {
    // As CSL writes them ("archive-place"; their `Display` may differ).
    fn written(value: impl serde::Serialize) -> Option<String> {
        serde_json::to_value(value)
            .ok()?
            .as_str()
            .map(str::to_string)
    }
    let name = |test: &Test| match test {
        Test::Type(kind) => written(kind).map(|s| format!(r#"type="{s}""#)),
        Test::Variable(var) => written(var).map(|s| format!(r#"variable="{s}""#)),
        Test::Prints(var) => written(var).map(|s| format!(r#"variable="{s}""#)),
        // A citation's, not the work's.
        Test::Position(_) | Test::Locator(_) => None,
    };
    let tests: Vec<(Test, String)> = tests
        .into_iter()
        .filter_map(|t| Some((t, name(&t)?)))
        .collect();
    let parse = |tests: &[(Test, String)]| {
        let mut layout = String::new();
        for (at, (test, condition)) in tests.iter().enumerate() {
            layout.push_str(&match test {
                // The group prints only if the field does, between marks
                // (its value may hold numbers).
                Test::Prints(_) => format!(
                    r#"<group><text value=" {at} "/><text {condition} prefix="{VALUE_START}" suffix="{VALUE_END}"/></group>"#
                ),
                _ => format!(r#"<choose><if {condition}><text value=" {at} "/></if></choose>"#),
            });
        }
        IndependentStyle::from_xml(&format!(
            r#"<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">
  <info><title>quire test probe</title><id>quire-test-probe</id><updated>2026-01-01T00:00:00+00:00</updated></info>
  <citation><layout>{layout}</layout></citation>
</style>"#
        ))
        .ok()
    };
    let reads_back = |probe: &IndependentStyle, at: usize, test: &Test| {
        let element = probe.citation.layout.elements.get(at);
        if let (Test::Prints(var), Some(LayoutRenderingElement::Group(group))) = (test, element) {
            let printed = Variable::Standard(*var);
            return matches!(
                group.children.get(1),
                Some(LayoutRenderingElement::Text(text))
                    if matches!(text.target, TextTarget::Variable { var, form: LongShortForm::Long } if var == printed)
            );
        }
        let Some(LayoutRenderingElement::Choose(choose)) = element else {
            return false;
        };
        match test {
            Test::Type(kind) => choose.if_.type_.as_deref() == Some(&[*kind][..]),
            Test::Variable(var) => choose.if_.variable.as_deref() == Some(&[*var][..]),
            Test::Position(_) | Test::Locator(_) | Test::Prints(_) => false,
        }
    };
    // Usually every test reads back: one parse shows it.
    if let Some(probe) = parse(&tests) {
        let all_read_back =
            (tests.iter().enumerate()).all(|(at, (t, _))| reads_back(&probe, at, t));
        if all_read_back {
            return (Some(probe), tests.into_iter().map(|(t, _)| t).collect());
        }
    }
    let kept: Vec<(Test, String)> = tests
        .into_iter()
        .filter(|test| {
            let one = std::slice::from_ref(test);
            parse(one).is_some_and(|probe| reads_back(&probe, 0, &test.0))
        })
        .collect();
    let probe = match kept.is_empty() {
        true => None,
        false => parse(&kept),
    };
    (probe, kept.into_iter().map(|(t, _)| t).collect())
}

/// Calls `f` on every element of the citation, the bibliography and the
/// macros, and on every element inside them (branches, groups, substitutes).
fn visit_elements<'s>(style: &'s IndependentStyle, f: &mut impl FnMut(&'s LayoutRenderingElement)) {
    fn visit<'s>(
        elements: &'s [LayoutRenderingElement],
        f: &mut impl FnMut(&'s LayoutRenderingElement),
    ) {
        for element in elements {
            f(element);
            visit_children(element, &mut |children| visit(children, f));
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

/// Calls `f` on each list of elements directly inside `element`.
fn visit_children<'s>(
    element: &'s LayoutRenderingElement,
    f: &mut impl FnMut(&'s [LayoutRenderingElement]),
) {
    match element {
        LayoutRenderingElement::Group(group) => f(&group.children),
        LayoutRenderingElement::Names(names) => {
            for child in &names.children {
                if let NamesChild::Substitute(substitute) = child {
                    f(&substitute.children);
                }
            }
        }
        LayoutRenderingElement::Choose(choose) => {
            for branch in choose.branches() {
                f(&branch.children);
            }
            if let Some(otherwise) = &choose.otherwise {
                f(&otherwise.children);
            }
        }
        _ => {}
    }
}

/// Calls `f` on every branch of every choice in the style.
fn visit_branches<'s>(style: &'s IndependentStyle, f: &mut impl FnMut(&'s ChooseBranch)) {
    visit_elements(style, &mut |element| {
        if let LayoutRenderingElement::Choose(choose) = element {
            choose.branches().for_each(&mut *f);
        }
    });
}

/// The variables mentioned in every `<substitute>` that a citation with
/// `style` decided with `answer` can come to render: one of a `<names>`
/// whose variables a work `lacks`.
fn substitutable(
    style: &IndependentStyle,
    answer: &impl Fn(Test) -> Option<bool>,
    lacks: impl Fn(&[NameVariable]) -> bool,
) -> HashSet<Variable> {
    let mut substitutes = Vec::new();
    reachable_decided(style, layouts(style), answer, |element| {
        if let LayoutRenderingElement::Names(names) = element {
            if lacks(&names.variable) {
                substitutes.extend(names.substitute().map(|s| s.children.as_slice()));
            }
        }
    });
    let mut vars = HashSet::new();
    reachable_decided(style, substitutes, answer, |element| {
        mentions_decided(element, answer, &mut vars)
    });
    vars
}

/// Whether what the reference list of `style` can render queries one of
/// `vars` (its sort aside).
pub fn list_queries(style: &IndependentStyle, vars: &[Variable]) -> bool {
    let Some(list) = &style.bibliography else {
        return false;
    };
    let mut found = HashSet::new();
    reachable(style, vec![list.layout.elements.as_slice()], |element| {
        mentions(element, &mut found)
    });
    vars.iter().any(|var| found.contains(var))
}

/// Whether `style` gives a work cited before fewer names anywhere
/// (`et-al-subsequent-min`, `et-al-subsequent-use-first`).
fn shortens_later_names(style: &IndependentStyle) -> bool {
    let later = |options: &InheritableNameOptions| {
        options.et_al_subsequent_min.is_some() || options.et_al_subsequent_use_first.is_some()
    };
    let mut shortens = later(&style.settings.options) || later(&style.citation.name_options);
    visit_elements(style, &mut |element| {
        if let LayoutRenderingElement::Names(names) = element {
            // A `<name>`'s own options are private to citationberg: written
            // out, they show.
            let name = names.name().map(serde_json::to_string);
            let name_shortens = name
                .is_some_and(|written| written.map_or(true, |w| w.contains("et-al-subsequent")));
            shortens |= later(&names.options()) || name_shortens;
        }
    });
    shortens
}

/// The layouts a citation or a reference is rendered from.
fn layouts(style: &IndependentStyle) -> Vec<&[LayoutRenderingElement]> {
    let bibliography = style.bibliography.as_ref();
    std::iter::once(style.citation.layout.elements.as_slice())
        .chain(bibliography.map(|b| b.layout.elements.as_slice()))
        .collect()
}

/// The macro `element` calls, if it is a `<text macro="…"/>`.
fn called_macro(element: &LayoutRenderingElement) -> Option<&str> {
    match element {
        LayoutRenderingElement::Text(text) => match &text.target {
            TextTarget::Macro { name } => Some(name),
            _ => None,
        },
        _ => None,
    }
}

/// Calls `f` on every element of `roots` and inside them, following macros.
fn reachable<'s>(
    style: &'s IndependentStyle,
    roots: Vec<&'s [LayoutRenderingElement]>,
    f: impl FnMut(&'s LayoutRenderingElement),
) {
    reachable_decided(style, roots, &|_| None, f)
}

/// Calls `f` on every element of `roots` and inside them, following macros,
/// that the copy of `style` decided with `answer` keeps (see `decide_choose`).
fn reachable_decided<'s>(
    style: &'s IndependentStyle,
    roots: Vec<&'s [LayoutRenderingElement]>,
    answer: &impl Fn(Test) -> Option<bool>,
    mut f: impl FnMut(&'s LayoutRenderingElement),
) {
    let mut pending = roots;
    let mut macros_seen = HashSet::new();
    while let Some(elements) = pending.pop() {
        for element in elements {
            f(element);
            if let Some(name) = called_macro(element).filter(|n| macros_seen.insert(*n)) {
                let mac = style.macros.iter().find(|m| m.name == name);
                pending.extend(mac.map(|m| m.children.as_slice()));
            }
            match element {
                LayoutRenderingElement::Choose(choose) => {
                    pending.extend(kept_branches(choose, answer));
                }
                _ => visit_children(element, &mut |children| pending.push(children)),
            }
        }
    }
}

/// The children of each branch of `choose` that deciding it with `answer`
/// keeps: those not ruled out, up to the first taken always, else the `else`.
fn kept_branches<'s>(
    choose: &'s Choose,
    answer: &impl Fn(Test) -> Option<bool>,
) -> Vec<&'s [LayoutRenderingElement]> {
    let mut kept = Vec::new();
    for branch in choose.branches() {
        match verdict_of(branch, answer) {
            Verdict::Never => {}
            Verdict::Open => kept.push(branch.children.as_slice()),
            Verdict::Always => {
                kept.push(branch.children.as_slice());
                return kept;
            }
        }
    }
    kept.extend(choose.otherwise.as_ref().map(|o| o.children.as_slice()));
    kept
}

/// Drops the macros a citation or reference with `style` can no longer come
/// to (those only the dropped branches called), and puts the most called
/// first: hayagriva finds a macro by going through the list by name, on
/// every call, and Chicago has over a hundred.
fn keep_reachable_macros(style: &mut IndependentStyle) {
    let sorts = [
        style.citation.sort.as_ref(),
        style.bibliography.as_ref().and_then(|b| b.sort.as_ref()),
    ];
    let mut calls: HashMap<&str, usize> = HashMap::new();
    for key in sorts.into_iter().flatten().flat_map(|sort| &sort.keys) {
        if let SortKey::MacroName { name, .. } = key {
            *calls.entry(name.as_str()).or_default() += 1;
        }
    }
    reachable(style, layouts(style), |element| {
        if let Some(name) = called_macro(element) {
            *calls.entry(name).or_default() += 1;
        }
    });
    // Sort-key macros are reached from no layout: follow their calls too.
    let sort_roots: Vec<&[LayoutRenderingElement]> = style
        .macros
        .iter()
        .filter(|m| calls.contains_key(m.name.as_str()))
        .map(|m| m.children.as_slice())
        .collect();
    reachable(style, sort_roots, |element| {
        if let Some(name) = called_macro(element) {
            calls.entry(name).or_default();
        }
    });
    let calls: HashMap<String, usize> =
        calls.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    style.macros.retain(|m| calls.contains_key(&m.name));
    style
        .macros
        .sort_by_key(|m| std::cmp::Reverse(calls.get(&m.name).copied().unwrap_or(0)));
}

/// Adds the variables `element` itself queries (not its children's) to `vars`.
fn mentions(element: &LayoutRenderingElement, vars: &mut HashSet<Variable>) {
    match element {
        LayoutRenderingElement::Text(text) => {
            if let TextTarget::Variable { var, .. } = &text.target {
                vars.insert(*var);
            }
        }
        LayoutRenderingElement::Number(number) => {
            vars.insert(number.variable.into());
        }
        LayoutRenderingElement::Label(label) => {
            vars.insert(label.variable.into());
        }
        LayoutRenderingElement::Date(date) => {
            vars.extend(date.variable.map(Variable::Date));
        }
        LayoutRenderingElement::Names(names) => {
            vars.extend(names.variable.iter().map(|v| Variable::Name(*v)));
        }
        // Every test of every branch, none being answered.
        LayoutRenderingElement::Choose(_) => mentions_decided(element, &|_| None, vars),
        LayoutRenderingElement::Group(_) => {}
    }
}

/// Adds the variables `element` itself queries to `vars`, as in the copy
/// decided with `answer`: a choice keeps only the tests left unanswered in
/// the branches it can still take.
fn mentions_decided(
    element: &LayoutRenderingElement,
    answer: &impl Fn(Test) -> Option<bool>,
    vars: &mut HashSet<Variable>,
) {
    let LayoutRenderingElement::Choose(choose) = element else {
        return mentions(element, vars);
    };
    for branch in choose.branches() {
        match verdict_of(branch, answer) {
            Verdict::Never => {}
            // Taken always, it becomes the `else`, without tests.
            Verdict::Always => return,
            Verdict::Open => {
                let open = |var: &&Variable| {
                    has_effects(branch) || answer(Test::Variable(**var)).is_none()
                };
                vars.extend(branch.variable.iter().flatten().filter(open));
                vars.extend(branch.is_numeric.iter().flatten());
                let dates = branch.is_uncertain_date.iter().flatten();
                vars.extend(dates.map(|d| Variable::Date(*d)));
            }
        }
    }
}

/// Decides the tests `answer` answers in the whole style.
fn decide_style(style: &mut IndependentStyle, answer: &impl Fn(Test) -> Option<bool>) {
    decide(&mut style.citation.layout.elements, answer);
    if let Some(bibliography) = &mut style.bibliography {
        decide(&mut bibliography.layout.elements, answer);
    }
    for mac in &mut style.macros {
        decide(&mut mac.children, answer);
    }
}

fn decide(elements: &mut [LayoutRenderingElement], answer: &impl Fn(Test) -> Option<bool>) {
    for element in elements {
        match element {
            LayoutRenderingElement::Group(group) => decide(&mut group.children, answer),
            LayoutRenderingElement::Names(names) => {
                for child in &mut names.children {
                    if let NamesChild::Substitute(substitute) = child {
                        decide(&mut substitute.children, answer);
                    }
                }
            }
            LayoutRenderingElement::Choose(choose) => decide_choose(choose, answer),
            _ => {}
        }
    }
}

/// Splices decided choices into the groups and branches around them (see
/// `splice`) in the whole style.
fn splice_style(style: &mut IndependentStyle) {
    let lists = std::iter::once(&mut style.citation.layout.elements)
        .chain(style.bibliography.as_mut().map(|b| &mut b.layout.elements));
    for elements in lists {
        for element in elements {
            splice_inside(element);
        }
    }
    // A macro's own children print as a choice's would: hayagriva renders
    // them in turn with no delimiter, as a choice does (which skips those
    // that will print nothing, and they print nothing), and a group among
    // them counts toward nothing but the macro, as inside a choice.
    for mac in &mut style.macros {
        splice_where(&mut mac.children, always_taken);
    }
}

/// Splices the decided choices inside `element`'s groups and branches.
fn splice_inside(element: &mut LayoutRenderingElement) {
    match element {
        LayoutRenderingElement::Group(group) => splice(&mut group.children),
        LayoutRenderingElement::Choose(choose) => {
            let branches = std::iter::once(&mut choose.if_).chain(&mut choose.else_if);
            for branch in branches {
                splice(&mut branch.children);
            }
            if let Some(otherwise) = &mut choose.otherwise {
                splice(&mut otherwise.children);
            }
        }
        LayoutRenderingElement::Names(names) => {
            for child in &mut names.children {
                if let NamesChild::Substitute(substitute) = child {
                    substitute.children.iter_mut().for_each(splice_inside);
                }
            }
        }
        _ => {}
    }
}

/// Replaces each choice among `elements` (a group's or a branch's children)
/// that always takes one branch by that branch's children. hayagriva
/// renders a group's or a branch's children alike, each skipped if it will
/// print nothing and the enclosing delimiter between the others, so the
/// children print the same one level up, and each level spared is one walk
/// less of their subtree (hayagriva looks ahead through a subtree before
/// rendering it, at every level). Not where a child is a group: a group
/// among a group's own children counts toward whether that group prints,
/// one inside a choice does not.
fn splice(elements: &mut Vec<LayoutRenderingElement>) {
    let group = |c: &LayoutRenderingElement| matches!(c, LayoutRenderingElement::Group(_));
    splice_where(elements, |choose| {
        always_taken(choose) && !choose.if_.children.iter().any(group)
    });
}

/// Splices into `elements` the choices among them that `spliceable` picks,
/// after splicing inside every element.
fn splice_where(elements: &mut Vec<LayoutRenderingElement>, spliceable: impl Fn(&Choose) -> bool) {
    elements.iter_mut().for_each(splice_inside);
    let picked = |e: &LayoutRenderingElement| matches!(e, LayoutRenderingElement::Choose(c) if spliceable(c));
    if !elements.iter().any(picked) {
        return;
    }
    let mut spliced = Vec::with_capacity(elements.len());
    for element in std::mem::take(elements) {
        match element {
            LayoutRenderingElement::Choose(choose) if spliceable(&choose) => {
                spliced.extend(choose.if_.children)
            }
            other => spliced.push(other),
        }
    }
    *elements = spliced;
}

/// Whether `choose` has one branch, without tests: always taken.
fn always_taken(choose: &Choose) -> bool {
    let branch = &choose.if_;
    branch.disambiguate.is_none()
        && branch.is_numeric.is_none()
        && branch.is_uncertain_date.is_none()
        && branch.locator.is_none()
        && branch.position.is_none()
        && branch.type_.is_none()
        && branch.variable.is_none()
        && branch.match_ != ChooseMatch::Any
        && choose.else_if.is_empty()
        && choose.otherwise.is_none()
}

/// What a branch's tests come to once some are answered.
#[derive(Debug, PartialEq)]
enum Verdict {
    /// It is chosen whenever it is reached.
    Always,
    /// It is never chosen.
    Never,
    /// The other tests decide (the answered ones are gone).
    Open,
}

fn decide_choose(choose: &mut Choose, answer: &impl Fn(Test) -> Option<bool>) {
    let first = std::mem::replace(&mut choose.if_, always(Vec::new()));
    let branches = std::iter::once(first).chain(std::mem::take(&mut choose.else_if));
    let mut otherwise = choose.otherwise.take();
    let mut open = Vec::new();
    for mut branch in branches {
        decide(&mut branch.children, answer);
        match verdict(&mut branch, answer) {
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
        decide(&mut otherwise.children, answer);
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

/// Whether testing the branch has an effect besides its answer: a
/// `disambiguate` test notes that the style asked, a test of the citation
/// number or label that the style uses it. Such a branch is left as it is
/// (hayagriva stops at the first test that settles a match, so whether a
/// later test runs depends on the earlier ones).
fn has_effects(branch: &ChooseBranch) -> bool {
    let identifies = |var: &Variable| {
        matches!(
            var,
            Variable::Number(NumberVariable::CitationNumber)
                | Variable::Standard(StandardVariable::CitationLabel)
        )
    };
    branch.disambiguate.is_some()
        || branch.variable.iter().flatten().any(identifies)
        || branch.is_numeric.iter().flatten().any(identifies)
}

/// Answers the branch's tests that `answer` knows and removes them.
fn verdict(branch: &mut ChooseBranch, answer: &impl Fn(Test) -> Option<bool>) -> Verdict {
    let verdict = verdict_of(branch, answer);
    if verdict == Verdict::Open && !has_effects(branch) {
        // The answered tests go.
        let types = answers(&branch.type_, Test::Type, answer);
        let vars = answers(&branch.variable, Test::Variable, answer);
        let positions = answers(&branch.position, Test::Position, answer);
        let locators = answers(&branch.locator, Test::Locator, answer);
        let all = [&types, &vars, &positions, &locators];
        if all
            .iter()
            .all(|answers| answers.iter().all(Option::is_none))
        {
            return verdict;
        }
        keep_unanswered(&mut branch.type_, &types);
        keep_unanswered(&mut branch.variable, &vars);
        keep_unanswered(&mut branch.position, &positions);
        keep_unanswered(&mut branch.locator, &locators);
    }
    verdict
}

/// What the branch's tests come to with the answers `answer` knows.
fn verdict_of(branch: &ChooseBranch, answer: &impl Fn(Test) -> Option<bool>) -> Verdict {
    if has_effects(branch) {
        return Verdict::Open;
    }
    let types = answers(&branch.type_, Test::Type, answer);
    let vars = answers(&branch.variable, Test::Variable, answer);
    let positions = answers(&branch.position, Test::Position, answer);
    let locators = answers(&branch.locator, Test::Locator, answer);
    let all = || types.iter().chain(&vars).chain(&positions).chain(&locators);
    if all().all(Option::is_none) {
        return Verdict::Open;
    }
    let any_holds = all().any(|a| *a == Some(true));
    let all_hold = all().flatten().all(|&a| a);
    // The answers leave the outcome to the other tests when they are
    // neutral for the match: all true for "all", all false for "any" and "none".
    let decided = match branch.match_ {
        ChooseMatch::All => (!all_hold).then_some(Verdict::Never),
        ChooseMatch::Any => any_holds.then_some(Verdict::Always),
        ChooseMatch::None => any_holds.then_some(Verdict::Never),
    };
    if let Some(verdict) = decided {
        return verdict;
    }
    // Tests left unanswered decide.
    let others = branch.is_numeric.is_some()
        || branch.is_uncertain_date.is_some()
        || all().any(Option::is_none);
    match (others, branch.match_) {
        (true, _) => Verdict::Open,
        // No test left: "all" and "none" of nothing hold, "any" does not.
        (false, ChooseMatch::Any) => Verdict::Never,
        (false, _) => Verdict::Always,
    }
}

/// What `answer` knows of each of `tests`.
fn answers<T: Copy>(
    tests: &Option<Vec<T>>,
    test: fn(T) -> Test,
    answer: &impl Fn(Test) -> Option<bool>,
) -> Vec<Option<bool>> {
    tests.iter().flatten().map(|t| answer(test(*t))).collect()
}

/// Keeps the tests of `tests` that `answers` (one per test) leaves open; no
/// list if none is left.
fn keep_unanswered<T>(tests: &mut Option<Vec<T>>, answers: &[Option<bool>]) {
    if let Some(list) = tests {
        let mut open = answers.iter().map(Option::is_none);
        list.retain(|_| open.next().unwrap_or(true));
        if list.is_empty() {
            *tests = None;
        }
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
@book{book2, author = {Pipes, Richard}, title = {The Russian Revolution}, publisher = {Knopf}, location = {New York}, year = {1990}}
@book{translated, editor = {Smith, Ann}, translator = {Smith, Ann}, title = {Collected Speeches}, publisher = {Verso}, year = {2012}}
@book{bare, author = {Nobody, Ned}}
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
        let list = listed(locales, style_of(entry), &[entry]);
        out.extend(list.into_iter().map(|(_, html)| html));
        out
    }

    fn archived(name: &str) -> IndependentStyle {
        match ArchivedStyle::by_name(name).expect("archived").get() {
            Style::Independent(style) => style,
            Style::Dependent(_) => panic!("{name} is dependent"),
        }
    }

    #[test]
    fn a_style_walked_with_a_work_s_answers_reaches_what_its_decided_copy_holds() {
        let library = hayagriva::io::from_biblatex_str(WORKS).expect("parses");
        // The variables and macros a walk reaches.
        fn seen(
            style: &IndependentStyle,
            answer: &impl Fn(Test) -> Option<bool>,
        ) -> (HashSet<Variable>, HashSet<String>) {
            let (mut vars, mut macros) = (HashSet::new(), HashSet::new());
            reachable_decided(style, layouts(style), answer, |element| {
                mentions_decided(element, answer, &mut vars);
                macros.extend(called_macro(element).map(str::to_string));
            });
            (vars, macros)
        }
        let mut dropped = 0;
        for archived_style in ArchivedStyle::all() {
            let Style::Independent(style) = archived_style.get() else {
                continue;
            };
            let styles = WorkStyles::new(style);
            let tests = styles.tests();
            let Some(probe) = &tests.probe else {
                continue;
            };
            for entry in library.iter() {
                let holds = styles.holds(entry, probe);
                // Every test answered, and every other one (as when some are
                // left to hayagriva).
                for step in [1, 2] {
                    let answers: Vec<Option<bool>> = (holds.iter().enumerate())
                        .map(|(at, h)| (at % step == 0).then_some(*h))
                        .collect();
                    let answer = |test: Test| answers[tests.at(test)?];
                    let copy = styles.decided(answers.clone());
                    let walked = seen(&styles.style, &answer);
                    assert_eq!(
                        walked,
                        seen(&copy, &|_| None),
                        "{}",
                        archived_style.names()[0]
                    );
                    dropped += usize::from(walked != seen(&styles.style, &|_| None));
                }
            }
        }
        assert!(dropped > 100, "answers rule out branches: {dropped}");
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
            let styles = WorkStyles::new(style.clone());
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

    /// The branch tests of `style` that a work's copy should have answered:
    /// types, and fields that do not depend on the citation (fields a
    /// substitute mentions too, for a work whose names are all there).
    fn answerable_tests(style: &IndependentStyle) -> usize {
        let mut count = 0;
        visit_branches(style, &mut |branch| {
            if has_effects(branch) {
                return;
            }
            let vars = branch.variable.iter().flatten();
            count += branch.type_.as_ref().map_or(0, Vec::len)
                + vars.filter(|v| !depends_on_citation(**v)).count();
        });
        count
    }

    #[test]
    fn few_tests_are_left_for_a_work() {
        let library = hayagriva::io::from_biblatex_str(WORKS).expect("parses");
        let styles = WorkStyles::new(archived("chicago-notes"));
        let written = answerable_tests(styles.style());
        assert!(written > 300, "{written}");
        for key in ["book", "article", "chapter", "thesis", "edited"] {
            let own = styles.for_entry(library.get(key).expect("in WORKS"));
            let mut types = 0;
            visit_branches(&own, &mut |branch| {
                types += usize::from(branch.type_.is_some())
            });
            assert_eq!(types, 0, "{key}: every type test is answered");
            // What is left tests fields a substitute may have taken.
            let left = answerable_tests(&own);
            assert!(left * 5 < written, "{key}: {left} of {written} tests left");
        }
        // Works of the same kind with the same fields share a copy; a book
        // is not an article, nor a book without an author.
        let probe = styles.tests().probe.as_ref().expect("tests");
        let holds = |key| styles.holds(library.get(key).expect("in WORKS"), probe);
        assert_eq!(holds("book"), holds("book2"));
        assert_ne!(holds("book"), holds("edited"));
        assert_ne!(holds("book"), holds("article"));
    }

    /// A style that tests the editor after a missing author was replaced by
    /// the editor, which hayagriva then suppresses.
    const SUBSTITUTES: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" class="note" version="1.0">
  <info><title>substitutes</title><id>substitutes</id><updated>2026-01-01T00:00:00+00:00</updated></info>
  <macro name="editor-or-title">
    <names variable="editor"><substitute><text variable="title"/></substitute></names>
  </macro>
  <citation><layout><group delimiter=" ">
    <names variable="author"><substitute><text macro="editor-or-title"/></substitute></names>
    <choose><if variable="editor"><text value="[editor]"/></if><else><text value="[no editor]"/></else></choose>
    <choose><if variable="title"><text variable="title"/></if><else><text value="[no title]"/></else></choose>
    <choose><if variable="publisher"><text variable="publisher"/></if></choose>
  </group></layout></citation>
</style>"#;

    #[test]
    fn a_field_a_substitute_may_take_is_left_to_hayagriva() {
        let style = IndependentStyle::from_xml(SUBSTITUTES).expect("parses");
        let library = hayagriva::io::from_biblatex_str(WORKS).expect("parses");
        let locales = hayagriva::archive::locales();
        let styles = WorkStyles::new(style.clone());
        for key in ["book", "edited", "misc"] {
            let entry = library.get(key).expect("in WORKS");
            let own = styles.for_entry(entry);
            let cite = |style: &IndependentStyle| {
                let request = CitationRequest::from_items(
                    vec![CitationItem::with_entry(entry)],
                    style,
                    &locales,
                );
                to_html(&hayagriva::standalone_citation(request))
            };
            assert_eq!(cite(&own), cite(&style), "{key}");
            // The publisher is never substituted: its test is answered.
            let mut publisher_tests = 0;
            visit_branches(&own, &mut |branch| {
                let publisher = Variable::Standard(StandardVariable::Publisher);
                publisher_tests += usize::from(branch.variable == Some(vec![publisher]));
            });
            assert_eq!(publisher_tests, 0, "{key}");
        }
        // What hayagriva gives: the editor or the title took the author's
        // place and is suppressed after it.
        for (key, expected) in [
            (
                "edited",
                "Clara Orme [no editor] Letters from the Front Atlas",
            ),
            ("misc", "Untitled Pamphlet [no editor] [no title]"),
        ] {
            let entry = library.get(key).expect("in WORKS");
            let items = vec![CitationItem::with_entry(entry)];
            let request = CitationRequest::from_items(items, &style, &locales);
            assert_eq!(to_html(&hayagriva::standalone_citation(request)), expected);
        }
    }

    #[test]
    fn a_copy_keeps_the_macros_it_can_call_the_most_called_first() {
        let library = hayagriva::io::from_biblatex_str(WORKS).expect("parses");
        let styles = WorkStyles::new(archived("chicago-notes"));
        let written = styles.style().macros.len();
        let own = styles.for_entry(library.get("book").expect("in WORKS"));
        assert!(
            own.macros.len() * 2 < written,
            "{} of {written}",
            own.macros.len()
        );
        // Every macro called is there.
        let mut called = HashSet::new();
        visit_elements(&own, &mut |element| {
            called.extend(called_macro(element).map(str::to_string));
        });
        let kept: HashSet<String> = own.macros.iter().map(|m| m.name.clone()).collect();
        assert!(called.is_subset(&kept), "{:?}", called.difference(&kept));
        // A macro only a sort key names stays too.
        let sorted = IndependentStyle::from_xml(
            r#"<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">
  <info><title>sorted</title><id>sorted</id><updated>2026-01-01T00:00:00+00:00</updated></info>
  <macro name="year"><date variable="issued"><date-part name="year"/></date></macro>
  <macro name="key"><text macro="year"/></macro>
  <macro name="unused"><text variable="title"/></macro>
  <citation><sort><key macro="key"/></sort><layout>
    <choose><if type="book"><text variable="title"/></if><else><text macro="unused"/></else></choose>
  </layout></citation>
</style>"#,
        )
        .expect("parses");
        let own = WorkStyles::new(sorted).for_entry(library.get("book").expect("in WORKS"));
        let names: Vec<&str> = own.macros.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["key", "year"]);
    }

    /// A style with `layout` as its citation layout, `macros` beside it, and
    /// `options` on its `<name>`s.
    /// A work's first citation.
    const FIRST: Place = Place {
        first: true,
        ibid: false,
        other_locator: false,
        near_note: false,
    };

    /// How many elements `style` holds, in its layouts and macros.
    fn size(style: &IndependentStyle) -> usize {
        let mut elements = 0;
        visit_elements(style, &mut |_| elements += 1);
        elements
    }

    fn style_with(layout: &str, macros: &str) -> IndependentStyle {
        IndependentStyle::from_xml(&format!(
            r#"<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" class="note" version="1.0">
  <info><title>positions</title><id>positions</id><updated>2026-01-01T00:00:00+00:00</updated></info>
  {macros}
  <citation><layout>{layout}</layout></citation>
  <bibliography><layout>
    <choose><if position="ibid"><text value="never"/></if></choose><text variable="title"/>
  </layout></bibliography>
</style>"#
        ))
        .expect("parses")
    }

    #[test]
    fn the_positions_a_copy_can_tell_apart_are_found() {
        let library = hayagriva::io::from_biblatex_str(WORKS).expect("parses");
        let book = library.get("book").expect("in WORKS");
        let told = |layout: &str, macros: &str| {
            let styles = WorkStyles::new(style_with(layout, macros));
            styles.positions_told(&styles.for_entry(book))
        };
        let title = r#"<text variable="title"/>"#;
        // A position tested only in the reference list tells nothing.
        assert_eq!(told(title, ""), Told::Nothing);
        let tested = |position: &str| {
            format!(r#"<choose><if position="{position}"><text value="x"/></if></choose>{title}"#)
        };
        assert_eq!(told(&tested("first"), ""), Told::FirstOrLater);
        assert_eq!(told(&tested("subsequent"), ""), Told::FirstOrLater);
        for position in ["ibid", "ibid-with-locator", "near-note", "first ibid"] {
            assert_eq!(told(&tested(position), ""), Told::Everything, "{position}");
        }
        // Found in a macro the layout calls, not in one it does not.
        let ibid_macro = format!(r#"<macro name="m">{}</macro>"#, tested("ibid"));
        assert_eq!(told(r#"<text macro="m"/>"#, &ibid_macro), Told::Everything);
        assert_eq!(told(title, &ibid_macro), Told::Nothing);
        // Nor in a branch the work's copy dropped.
        let article_only = format!(
            r#"<choose><if type="article-journal">{}</if></choose>"#,
            tested("ibid")
        );
        assert_eq!(told(&article_only, ""), Told::Nothing);
        // Fewer names for a work cited before: on the `<name>` or the `<names>`.
        let names = |on_names: &str, on_name: &str| {
            format!(r#"<names variable="author"{on_names}><name{on_name}/></names>"#)
        };
        let fewer = r#" et-al-subsequent-min="2""#;
        assert_eq!(told(&names("", ""), ""), Told::Nothing);
        assert_eq!(told(&names(fewer, ""), ""), Told::FirstOrLater);
        assert_eq!(told(&names("", fewer), ""), Told::FirstOrLater);
    }

    #[test]
    fn decided_choices_are_spliced_where_they_print_the_same() {
        let library = hayagriva::io::from_biblatex_str(WORKS).expect("parses");
        let book = library.get("book").expect("in WORKS");
        let cite = |style: &IndependentStyle| {
            let request =
                CitationRequest::new(vec![CitationItem::with_entry(book)], style, None, &[], None);
            to_html(&hayagriva::standalone_citation(request))
        };
        // In the citation (the test's reference list tests a position).
        let chooses = |style: &IndependentStyle| {
            let mut n = 0;
            let citation = vec![style.citation.layout.elements.as_slice()];
            reachable(style, citation, |e| {
                n += usize::from(matches!(e, LayoutRenderingElement::Choose(_)))
            });
            n
        };
        // In a group, between the group's delimiters: spliced.
        let text = r#"<group delimiter=", "><text variable="title"/><choose><if type="book"><text variable="publisher"/><text variable="publisher-place"/></if></choose></group>"#;
        let styles = WorkStyles::new(style_with(text, ""));
        let copy = styles.for_entry(book);
        assert_eq!(chooses(&copy), 0);
        assert_eq!(cite(&copy), cite(styles.style()));
        assert_eq!(cite(&copy), "Red October, Scribner, New York");
        // A group chosen inside a group whose variables are all empty: the
        // outer group prints nothing as written, and would print the inner
        // group's term if the choice were spliced.
        let group = r#"<group><text variable="volume"/><choose><if type="book"><group><text value="vol."/></group></if></choose></group><text variable="title"/>"#;
        let styles = WorkStyles::new(style_with(group, ""));
        let copy = styles.for_entry(book);
        assert_eq!(cite(&copy), cite(styles.style()));
        assert_eq!(cite(&copy), "Red October");
    }

    #[test]
    fn a_placed_copy_keeps_only_what_its_place_takes() {
        let library = hayagriva::io::from_biblatex_str(WORKS).expect("parses");
        let book = library.get("book").expect("in WORKS");
        let layout = r#"<choose>
            <if position="ibid-with-locator"><text value="ibid-loc"/></if>
            <else-if position="ibid near-note" match="all"><text macro="ibid"/></else-if>
            <else-if position="first"><text value="first"/></else-if>
            <else><text value="later"/></else>
        </choose>"#;
        let macros = r#"<macro name="ibid"><text value="ibid"/></macro><macro name="unused"><text value="x"/></macro>"#;
        let styles = WorkStyles::new(style_with(layout, macros));
        let copy = styles.for_entry(book);
        let at = |first, ibid, other_locator, near_note| Place {
            first,
            ibid,
            other_locator,
            near_note,
        };
        let places = [
            (at(true, false, false, false), "first"),
            (at(false, false, false, true), "later"),
            (at(false, true, false, false), "later"),
            (at(false, true, false, true), "ibid"),
            (at(false, true, true, true), "ibid-loc"),
        ];
        for (place, printed) in places {
            let placed = styles.placed(&copy, book, place, None);
            let mut positions = 0;
            visit_branches(&placed, &mut |b| positions += b.position.iter().len());
            assert_eq!(positions, 0, "{place:?}");
            assert!(placed.bibliography.is_none());
            let request = CitationRequest::new(
                vec![CitationItem::with_entry(book)],
                &placed,
                None,
                &[],
                None,
            );
            assert_eq!(to_html(&hayagriva::standalone_citation(request)), printed);
            // Only the macros it calls are kept.
            let kept: Vec<&str> = placed.macros.iter().map(|m| m.name.as_str()).collect();
            let expected: &[&str] = if printed == "ibid" { &["ibid"] } else { &[] };
            assert_eq!(kept, expected, "{place:?}");
        }
        // The same copy for the same place.
        let place = places[0].0;
        assert!(Arc::ptr_eq(
            &styles.placed(&copy, book, place, None),
            &styles.placed(&copy, book, place, None)
        ));
    }

    /// A reference list of `works` with `style` as one request gives it.
    fn listed(
        locales: &[hayagriva::citationberg::Locale],
        style: &IndependentStyle,
        works: &[&Entry],
    ) -> Vec<(String, String)> {
        let mut driver = BibliographyDriver::new();
        for work in works {
            driver.citation(CitationRequest::from_items(
                vec![CitationItem::with_entry(*work)],
                style,
                locales,
            ));
        }
        let rendered = driver.finish(BibliographyRequest::new(style, None, locales));
        let items = rendered.bibliography.into_iter().flat_map(|b| b.items);
        items.map(|i| (i.key, to_html(&i.content))).collect()
    }

    #[test]
    fn a_list_decided_and_quieted_for_its_works_is_the_list_the_style_gives() {
        let library = hayagriva::io::from_biblatex_str(WORKS).expect("parses");
        let all: Vec<&Entry> = library.iter().collect();
        let books: Vec<&Entry> = ["book", "book2", "bare", "edited"]
            .iter()
            .map(|k| library.get(k).expect("in WORKS"))
            .collect();
        let locales = hayagriva::archive::locales();
        let (mut decided, mut quieted) = (0, 0);
        for archived_style in ArchivedStyle::all() {
            let Style::Independent(mut style) = archived_style.get() else {
                continue;
            };
            if style.bibliography.is_none() {
                continue;
            }
            // As reference lists are made: citations carry the works only.
            style.citation.layout.elements.clear();
            let name = archived_style.names()[0];
            let styles = WorkStyles::for_lists(style.clone());
            let unquieted = WorkStyles::new(style.clone());
            for works in [&all[..], &books[..], &books[..1]] {
                let own = styles.for_works(works);
                decided += usize::from(!Arc::ptr_eq(&own, &styles.style));
                quieted += usize::from(size(&own) < size(&unquieted.for_works(works)));
                let (decided_list, written_list) = (
                    listed(&locales, &own, works),
                    listed(&locales, &style, works),
                );
                assert_eq!(decided_list, written_list, "{name}");
            }
        }
        assert!(decided > 100, "lists were decided ({decided})");
        // What none of the works has goes from the copy.
        assert!(quieted > 50, "lists were quieted ({quieted})");
    }

    #[test]
    fn branches_are_decided_as_their_match_says() {
        let title = Variable::Standard(StandardVariable::Title);
        let branch = |match_, type_: Vec<Kind>, variable: bool| ChooseBranch {
            type_: Some(type_),
            variable: variable.then(|| vec![title]),
            match_,
            ..always(Vec::new())
        };
        // A book whose title is not known yet.
        let is_book = |test: Test| match test {
            Test::Type(kind) => Some(kind == Kind::Book),
            _ => None,
        };
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
        // Known fields are answered the same way, and only they go.
        let publisher = Variable::Standard(StandardVariable::Publisher);
        let has_title = |test: Test| match test {
            Test::Variable(var) if var == title => Some(true),
            _ => None,
        };
        let mut both = ChooseBranch {
            variable: Some(vec![publisher, title]),
            ..always(Vec::new())
        };
        assert_eq!(verdict(&mut both, &has_title), Verdict::Open);
        assert_eq!(both.variable, Some(vec![publisher]));
        let mut any = ChooseBranch {
            match_: ChooseMatch::Any,
            ..both.clone()
        };
        any.variable = Some(vec![publisher, title]);
        assert_eq!(verdict(&mut any, &has_title), Verdict::Always);
        let mut asks = ChooseBranch {
            disambiguate: Some(true),
            ..branch(ChooseMatch::All, vec![Kind::Chapter], false)
        };
        assert_eq!(verdict(&mut asks, &is_book), Verdict::Open);
        assert!(
            asks.type_.is_some(),
            "a branch that asks to disambiguate is left alone"
        );
        let mut numbers = ChooseBranch {
            variable: Some(vec![Variable::Number(NumberVariable::CitationNumber)]),
            ..branch(ChooseMatch::All, vec![Kind::Chapter], false)
        };
        assert_eq!(verdict(&mut numbers, &is_book), Verdict::Open);
        assert!(
            numbers.type_.is_some(),
            "a branch that tests the citation number is left alone"
        );
    }

    #[test]
    fn the_probe_asks_every_test_of_every_archived_style() {
        for archived_style in ArchivedStyle::all() {
            let Style::Independent(style) = archived_style.get() else {
                continue;
            };
            let mut written = HashSet::new();
            visit_branches(&style, &mut |branch| {
                written.extend(branch.type_.iter().flatten().map(|k| Test::Type(*k)));
                let vars = branch.variable.iter().flatten();
                let vars = vars.filter(|v| !depends_on_citation(**v));
                written.extend(vars.map(|v| Test::Variable(*v)));
            });
            let tests = Tests::of(&style);
            let asked: HashSet<Test> = tests.list.iter().copied().collect();
            let name = archived_style.names()[0];
            assert!(
                written.is_subset(&asked),
                "{name}: {:?}",
                written.difference(&asked)
            );
            assert!(tests.probe.is_some() || asked.is_empty(), "{name}");
        }
    }

    #[test]
    fn what_prints_nothing_for_a_work_is_quieted_in_its_placed_copies() {
        let works = hayagriva::io::from_yaml_str(
            r#"
plain: {type: book, title: Harbours, author: "Orme, Clara"}
edition: {type: book, title: Harbours, author: "Orme, Clara", edition: 2}
spaces: {type: book, title: Harbours, author: "Orme, Clara", note: " "}
"#,
        )
        .expect("parses");
        let layout = r#"<group delimiter=", ">
            <text variable="title"/>
            <group delimiter=" "><text term="edition" form="short"/><number variable="edition"/></group>
            <group><text term="in"/><text macro="container"/></group>
            <text macro="translators"/>
            <group delimiter=" "><text value="note:"/><text variable="note"/></group>
            <group><text value="always"/></group>
        </group>"#;
        let macros = r#"<macro name="container"><text variable="container-title"/></macro>
            <macro name="translators"><names variable="translator"/></macro>"#;
        let styles = WorkStyles::new(style_with(layout, macros));
        let place = FIRST;
        let locales = hayagriva::archive::locales();
        let cite = |style: &IndependentStyle, entry: &Entry| {
            let item = CitationItem::with_entry(entry);
            let request = CitationRequest::new(vec![item], style, None, &locales, None);
            to_html(&hayagriva::standalone_citation(request))
        };
        // The children left in the layout's group, and the elements in all.
        let shape = |style: &IndependentStyle| {
            let Some(LayoutRenderingElement::Group(group)) = style.citation.layout.elements.first()
            else {
                panic!("the layout is a group");
            };
            (group.children.len(), size(style))
        };
        let mut shapes = Vec::new();
        for key in ["plain", "edition", "spaces"] {
            let entry = works.get(key).expect("in the works");
            let placed = styles.placed(&styles.for_entry(entry), entry, place, None);
            assert_eq!(cite(&placed, entry), cite(&styles.style, entry), "{key}");
            shapes.push(shape(&placed));
        }
        let written = shape(&styles.style);
        // The plain book: the edition's and the container's groups become one
        // empty variable each, the translators' call goes, the note's group
        // becomes an empty variable.
        assert_eq!(shapes[0].0, written.0 - 1);
        assert!(shapes[0].1 < written.1 - 6, "{:?} {written:?}", shapes[0]);
        // A work with an edition keeps that group.
        assert!(shapes[1].1 > shapes[0].1);
        // A note of spaces has no value to a test, but prints: its group stays.
        assert!(shapes[2].1 > shapes[0].1);
        let spaces = works.get("spaces").unwrap();
        assert!(cite(&styles.style, spaces).contains("note:"));
        let test = r#"<choose><if variable="note"><text value="a note"/></if></choose>"#;
        assert_eq!(cite(&style_with(test, ""), spaces), "");
    }

    #[test]
    fn a_placed_copy_answers_the_locator_kind_and_tells_whether_a_range_reads_apart() {
        let library = hayagriva::io::from_biblatex_str(WORKS).expect("parses");
        let book = library.get("book").expect("in WORKS");
        // Chicago's way: no label for pages, "chap." for chapters.
        let layout = r#"<group delimiter=" ">
            <choose><if locator="page"/><else><label variable="locator" form="short"/></else></choose>
            <text variable="locator"/>
        </group>"#;
        let styles = WorkStyles::new(style_with(layout, ""));
        let copy = styles.for_entry(book);
        let place = FIRST;
        let locales = hayagriva::archive::locales();
        let cite = |style: &IndependentStyle, kind, value| {
            let locator = Some(SpecificLocator(kind, LocatorPayload::Str(value)));
            let request = CitationRequest::new(
                vec![CitationItem::new(book, locator, None, false, None)],
                style,
                None,
                &locales,
                None,
            );
            to_html(&hayagriva::standalone_citation(request))
        };
        let pages = styles.placed(&copy, book, place, Some(Locator::Page));
        let mut locator_tests = 0;
        visit_branches(&pages, &mut |b| locator_tests += b.locator.iter().len());
        assert_eq!(locator_tests, 0);
        assert!(!styles.tells_plural(&pages));
        assert_eq!(cite(&pages, Locator::Page, "33–35"), "33–35");
        let chapters = styles.placed(&copy, book, place, Some(Locator::Chapter));
        assert!(
            styles.tells_plural(&chapters),
            "its label reads chap. or chaps."
        );
        assert_eq!(cite(&chapters, Locator::Chapter, "4"), "chap. 4");
        // A test of whether the locator is a number tells a range apart too.
        let numeric = r#"<choose><if is-numeric="locator"><text value="n"/></if></choose>"#;
        let styles = WorkStyles::new(style_with(numeric, ""));
        let copy = styles.for_entry(book);
        assert!(styles.tells_plural(&styles.placed(&copy, book, place, Some(Locator::Page))));
    }

    #[test]
    fn a_choice_a_macro_always_takes_is_spliced_into_the_macro() {
        let library = hayagriva::io::from_biblatex_str(WORKS).expect("parses");
        let book = library.get("book").expect("in WORKS");
        let macros = r#"<macro name="title"><choose><if type="book">
            <group delimiter=", "><text variable="title"/><text value="book"/></group>
        </if></choose></macro>"#;
        let style = style_with(r#"<text macro="title"/>"#, macros);
        let styles = WorkStyles::new(style.clone());
        let copy = styles.for_entry(book);
        let title = copy
            .macros
            .iter()
            .find(|m| m.name == "title")
            .expect("kept");
        assert!(
            matches!(
                title.children.as_slice(),
                [LayoutRenderingElement::Group(_)]
            ),
            "{:?}",
            title.children
        );
        let cite = |style: &IndependentStyle| {
            let request =
                CitationRequest::new(vec![CitationItem::with_entry(book)], style, None, &[], None);
            to_html(&hayagriva::standalone_citation(request))
        };
        assert_eq!(cite(&copy), cite(&style));
        assert_eq!(cite(&copy), "Red October, book");
    }
}
