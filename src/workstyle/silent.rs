//! Elements that print nothing for a work, settled before hayagriva renders.
//!
//! hayagriva decides whether a group prints by looking through all of it (a
//! group that calls variables, all of them empty, prints nothing: CSL's
//! rule), and looks again at every level above it before rendering each:
//! Chicago's full note for a book is mostly groups for what a book lacks
//! (editors, translators, series, archive, medium), each looked through a
//! dozen times. Where the work's fields settle that an element among a
//! group's or a branch's children prints nothing, it is replaced by what
//! reads the same to the elements around it: nothing, or, for one that
//! calls variables, a variable that is always empty. Only there: hayagriva
//! skips such children without rendering them, while it renders a macro's
//! or a layout's children as they are.
//!
//! The look-ahead is read as hayagriva's `will_have_info` reads it, with
//! "not known" wherever the work's fields do not settle the answer: a term
//! (the locale decides whether it exists), a short form, a choice whose
//! branches read differently, a name list that may print, and anything that
//! depends on the citation rather than the work. A variable empty for the
//! work stays empty in every citation of it (a substitute only empties more),
//! so an element found silent is silent wherever the copy is used. A
//! reference list's copy is quieted the same way, with the answers all its
//! works give alike.

use super::{always_taken, depends_on_citation, has_effects, Test};
use hayagriva::citationberg::taxonomy::{DateVariable, StandardVariable, Variable};
use hayagriva::citationberg::{
    IndependentStyle, LayoutRenderingElement, LongShortForm, NamesChild, Text, TextTarget,
};
use std::collections::HashMap;

/// Yes, no, or not known before rendering.
type Maybe = Option<bool>;

fn or(a: Maybe, b: Maybe) -> Maybe {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

fn and(a: Maybe, b: Maybe) -> Maybe {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

/// What hayagriva's look-ahead gives for an element: whether it prints, and
/// what it tells the group around it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Reading {
    prints: Maybe,
    /// It calls a variable.
    calls: Maybe,
    /// A variable it calls has a value.
    filled: Maybe,
    /// A macro it calls prints.
    macro_prints: Maybe,
    /// A group inside it prints.
    group_prints: Maybe,
}

impl Reading {
    /// Prints nothing and tells nothing.
    const NOTHING: Reading = Reading {
        prints: Some(false),
        calls: Some(false),
        filled: Some(false),
        macro_prints: Some(false),
        group_prints: Some(false),
    };

    /// Prints nothing, and calls only empty variables.
    const EMPTY: Reading = Reading {
        calls: Some(true),
        ..Reading::NOTHING
    };

    const UNKNOWN: Reading = Reading {
        prints: None,
        calls: None,
        filled: None,
        macro_prints: None,
        group_prints: None,
    };

    /// A variable, with or without a value.
    fn variable(filled: Maybe) -> Reading {
        Reading {
            prints: filled,
            calls: Some(true),
            filled,
            ..Reading::NOTHING
        }
    }

    /// A term or text of the style's own.
    fn text(prints: Maybe) -> Reading {
        Reading {
            prints,
            ..Reading::NOTHING
        }
    }

    fn merge(self, child: Reading) -> Reading {
        Reading {
            prints: or(self.prints, child.prints),
            calls: or(self.calls, child.calls),
            filled: or(self.filled, child.filled),
            macro_prints: or(self.macro_prints, child.macro_prints),
            group_prints: or(self.group_prints, child.group_prints),
        }
    }

    /// The same where `other` is the same, not known elsewhere.
    fn join(self, other: Reading) -> Reading {
        let same = |a: Maybe, b: Maybe| if a == b { a } else { None };
        Reading {
            prints: same(self.prints, other.prints),
            calls: same(self.calls, other.calls),
            filled: same(self.filled, other.filled),
            macro_prints: same(self.macro_prints, other.macro_prints),
            group_prints: same(self.group_prints, other.group_prints),
        }
    }

    /// CSL's rule for a group, which hayagriva applies to a macro too: it
    /// prints unless it calls variables and none has a value (a macro or a
    /// group inside that prints counts as a value).
    fn may_print(self) -> Maybe {
        let values = or(self.filled, or(self.macro_prints, self.group_prints));
        or(self.calls.map(|calls| !calls), values)
    }
}

/// Reads elements for a work (or the works of a list), with the answers
/// its probe gave.
struct Reader<'s, A> {
    macros: HashMap<&'s str, &'s [LayoutRenderingElement]>,
    read_macros: HashMap<&'s str, Reading>,
    answer: &'s A,
}

/// Macros within macros deeper than this are left to hayagriva (a style
/// whose macros call each other in a circle never ends there either).
const DEPTH: usize = 64;

impl<'s, A: Fn(Test) -> Option<bool>> Reader<'s, A> {
    /// Whether the work has a value for `var` (`None` for what the citation decides).
    fn filled(&self, var: Variable) -> Maybe {
        match depends_on_citation(var) {
            true => None,
            false => (self.answer)(Test::Variable(var)),
        }
    }

    fn read(&mut self, element: &LayoutRenderingElement, depth: usize) -> Reading {
        if depth > DEPTH {
            return Reading::UNKNOWN;
        }
        match element {
            LayoutRenderingElement::Text(text) => self.read_text(text, depth),
            LayoutRenderingElement::Number(number) => {
                let var = Variable::from(number.variable);
                match depends_on_citation(var) {
                    true => Reading::UNKNOWN,
                    false => Reading::variable(self.filled(var)),
                }
            }
            // A label prints only beside a value, and only if the locale has
            // its term; it is no variable to a group.
            LayoutRenderingElement::Label(label) => {
                let var = Variable::from(label.variable);
                match depends_on_citation(var) || self.filled(var) != Some(false) {
                    true => Reading::text(None),
                    false => Reading::text(Some(false)),
                }
            }
            LayoutRenderingElement::Date(date) => match date.variable {
                None => Reading::EMPTY,
                Some(var) => Reading::variable(self.filled(Variable::Date(var))),
            },
            // Names all missing read as their substitute (or as nothing).
            LayoutRenderingElement::Names(names) => {
                let missing = |v: &_| self.filled(Variable::Name(*v)) == Some(false);
                if !names.variable.iter().all(missing) {
                    return Reading::UNKNOWN;
                }
                let substitute = names.children.iter().find_map(|child| match child {
                    NamesChild::Substitute(substitute) => Some(&substitute.children),
                    _ => None,
                });
                let children = substitute.map_or(&[][..], |c| c.as_slice());
                self.read_children(children, false, depth + 1)
            }
            LayoutRenderingElement::Choose(choose) => {
                // Some tests note that the style asked them: they must run.
                if choose.branches().any(has_effects) {
                    return Reading::UNKNOWN;
                }
                if always_taken(choose) {
                    return self.read_children(&choose.if_.children, false, depth + 1);
                }
                // Any branch may be taken, or none.
                let mut reading = match &choose.otherwise {
                    Some(otherwise) => self.read_children(&otherwise.children, false, depth + 1),
                    None => Reading::NOTHING,
                };
                for branch in choose.branches() {
                    let branch = self.read_children(&branch.children, false, depth + 1);
                    reading = reading.join(branch);
                }
                reading
            }
            LayoutRenderingElement::Group(group) => {
                let reading = self.read_children(&group.children, true, depth + 1);
                Reading {
                    prints: and(reading.prints, reading.may_print()),
                    ..reading
                }
            }
        }
    }

    fn read_text(&mut self, text: &Text, depth: usize) -> Reading {
        match &text.target {
            TextTarget::Variable { var, form } => match var {
                _ if depends_on_citation(*var) => Reading::UNKNOWN,
                // Not a variable to a group.
                Variable::Standard(StandardVariable::YearSuffix) => Reading::UNKNOWN,
                Variable::Standard(standard) => match form {
                    LongShortForm::Long => {
                        Reading::variable((self.answer)(Test::Prints(*standard)))
                    }
                    LongShortForm::Short => Reading::variable(None),
                },
                Variable::Number(_) | Variable::Page(_) => Reading::variable(self.filled(*var)),
                // hayagriva's `<text>` prints neither names nor dates.
                Variable::Name(_) | Variable::Date(_) => Reading::EMPTY,
            },
            TextTarget::Macro { name } => self.read_macro(name, depth),
            TextTarget::Term { .. } => Reading::text(None),
            TextTarget::Value { val } => Reading::text(Some(!val.is_empty())),
        }
    }

    /// A macro reads as a group would, and tells the group around it
    /// whether it prints.
    fn read_macro(&mut self, name: &str, depth: usize) -> Reading {
        if let Some(reading) = self.read_macros.get(name) {
            return *reading;
        }
        let Some((&name, &children)) = self.macros.get_key_value(name) else {
            // hayagriva skips a call of a macro the style lacks.
            return Reading::NOTHING;
        };
        let inside = self.read_children(children, false, depth + 1);
        let prints = and(inside.prints, inside.may_print());
        let reading = Reading {
            prints,
            macro_prints: prints,
            ..inside
        };
        if depth <= DEPTH {
            self.read_macros.insert(name, reading);
        }
        reading
    }

    /// Children read together; in a group, each group among them that
    /// prints counts as a value.
    fn read_children(
        &mut self,
        children: &[LayoutRenderingElement],
        in_group: bool,
        depth: usize,
    ) -> Reading {
        let mut reading = Reading::NOTHING;
        for child in children {
            let read = self.read(child, depth);
            reading = reading.merge(read);
            if in_group && matches!(child, LayoutRenderingElement::Group(_)) {
                reading.group_prints = or(reading.group_prints, read.prints);
            }
        }
        reading
    }
}

/// A variable `<text>` that is empty for every work: hayagriva's `<text>`
/// prints no date (a `<date>` does).
fn always_empty() -> LayoutRenderingElement {
    LayoutRenderingElement::Text(Text {
        target: TextTarget::Variable {
            var: Variable::Date(DateVariable::Issued),
            form: LongShortForm::Long,
        },
        formatting: Default::default(),
        affixes: Default::default(),
        display: None,
        quotes: false,
        strip_periods: false,
        text_case: None,
    })
}

/// Replaces, in the layouts and the macros of `style`, the elements among a
/// group's or a branch's children that print nothing for the works whose
/// probes gave `answer` (see the module's comment).
pub(super) fn quiet(style: &mut IndependentStyle, answer: &impl Fn(Test) -> Option<bool>) {
    // Read from the style as it was: what replaces an element reads the same.
    let macros = style.macros.clone();
    let mut reader = Reader {
        macros: (macros.iter())
            .map(|m| (m.name.as_str(), m.children.as_slice()))
            .collect(),
        read_macros: HashMap::new(),
        answer,
    };
    let bibliography = style.bibliography.as_mut().map(|b| &mut b.layout.elements);
    let layouts = std::iter::once(&mut style.citation.layout.elements).chain(bibliography);
    for element in layouts.flatten() {
        quiet_inside(element, &mut reader);
    }
    for mac in &mut style.macros {
        for element in &mut mac.children {
            quiet_inside(element, &mut reader);
        }
    }
}

/// Quiets the children of the groups and branches inside `element`.
fn quiet_inside<'s, A: Fn(Test) -> Option<bool>>(
    element: &mut LayoutRenderingElement,
    reader: &mut Reader<'s, A>,
) {
    match element {
        LayoutRenderingElement::Group(group) => quiet_children(&mut group.children, reader),
        LayoutRenderingElement::Choose(choose) => {
            let branches = std::iter::once(&mut choose.if_).chain(&mut choose.else_if);
            for branch in branches {
                quiet_children(&mut branch.children, reader);
            }
            if let Some(otherwise) = &mut choose.otherwise {
                quiet_children(&mut otherwise.children, reader);
            }
        }
        // A substitute is rendered its own way: left as it is.
        _ => {}
    }
}

/// Drops the children that print and tell nothing, replaces those that
/// print nothing and call only empty variables by one always empty, and
/// quiets inside the others.
fn quiet_children<'s, A: Fn(Test) -> Option<bool>>(
    children: &mut Vec<LayoutRenderingElement>,
    reader: &mut Reader<'s, A>,
) {
    let mut kept = Vec::with_capacity(children.len());
    for mut child in std::mem::take(children) {
        let reading = reader.read(&child, 0);
        let leaf = matches!(
            child,
            LayoutRenderingElement::Text(Text {
                target: TextTarget::Variable { .. },
                ..
            }) | LayoutRenderingElement::Number(_)
                | LayoutRenderingElement::Date(_)
                | LayoutRenderingElement::Label(_)
        );
        if reading == Reading::NOTHING {
            continue;
        }
        if reading == Reading::EMPTY && !leaf {
            kept.push(always_empty());
            continue;
        }
        quiet_inside(&mut child, reader);
        kept.push(child);
    }
    *children = kept;
}
