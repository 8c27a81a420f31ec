//! Footnotes: definitions are moved out of the text, numbered by first
//! reference, and every reference is tagged with its note number and occurrence.

use super::Ev;
use crate::diagnostics::Diagnostics;
use crate::part::Part;
use pulldown_cmark::{CowStr, Event, Tag};
use rustc_hash::FxHashMap;
use std::ops::Range;

/// One footnote, numbered in order of first reference.
#[derive(Debug, Clone)]
pub struct Note {
    /// The label as written (`[^label]`).
    pub label: String,
    /// 1-based number shown to readers.
    pub number: usize,
    /// The definition's content (borrowing the part's file, like the
    /// body's: crate-only, see `Parse::body`).
    pub(crate) events: Vec<Ev>,
    /// Where the spans around index occurrences open and close in `events`.
    pub marks: Vec<super::indexing::Mark>,
    /// How many times the text references it.
    pub ref_count: usize,
}

impl Note {
    /// Id of the note in the endnotes list.
    pub fn id(&self) -> String {
        id(self.number)
    }
}

/// Id of note `number` in the endnotes list.
pub fn id(number: usize) -> String {
    let mut digits = itoa::Buffer::new();
    ["fn-", digits.format(number)].concat()
}

/// Id of the `occurrence`-th (1-based) reference to note `number`.
pub fn ref_id(number: usize, occurrence: usize) -> String {
    let (mut digits, mut more) = (itoa::Buffer::new(), itoa::Buffer::new());
    let number = digits.format(number);
    if occurrence == 1 {
        ["fnref-", number].concat()
    } else {
        ["fnref-", number, "-", more.format(occurrence)].concat()
    }
}

/// The tag of the `occurrence`-th reference to note `number` (`"3:2"`), held
/// within the event (a tag is short), so that it allocates nothing.
fn ref_tag(number: usize, occurrence: usize) -> CowStr<'static> {
    let (mut digits, mut more) = (itoa::Buffer::new(), itoa::Buffer::new());
    super::short([digits.format(number), ":", more.format(occurrence)].concat())
}

/// A tagged reference as stored in a `FootnoteReference` event: `"3:2"`.
pub fn parse_ref_tag(tag: &str) -> Option<(usize, usize)> {
    let (n, k) = tag.split_once(':')?;
    Some((n.parse().ok()?, k.parse().ok()?))
}

/// Every id the notes give the page.
pub fn ids(notes: &[Note]) -> Vec<String> {
    notes
        .iter()
        .flat_map(|n| std::iter::once(n.id()).chain((1..=n.ref_count).map(|k| ref_id(n.number, k))))
        .collect()
}

struct Definition {
    events: Vec<Ev>,
    span: Range<usize>,
    used: bool,
}

/// The definitions of a part, by label.
type Definitions = FxHashMap<String, Definition>;

/// Each label referenced so far: its note's number, and how many times.
type Counts = FxHashMap<String, (usize, usize)>;

/// Splits definitions from the text and numbers the references; `more`:
/// definitions made for the text (citations' notes), after its own.
pub fn extract(
    events: Vec<Ev>,
    more: Vec<Ev>,
    part: &Part,
    diags: &mut Diagnostics,
) -> (Vec<Ev>, Vec<Note>) {
    let (mut body, mut defs) = split_definitions(events, more, part, diags);
    let mut order: Vec<String> = Vec::new();
    let mut counts = Counts::default();
    number_refs(&mut body, &mut order, &mut counts, &defs, part, diags);
    // Notes may reference further notes; those are numbered after the text's own.
    let mut i = 0;
    while i < order.len() {
        let label = order[i].clone();
        if let Some(def) = defs.get_mut(&label) {
            let mut events = std::mem::take(&mut def.events);
            number_refs(&mut events, &mut order, &mut counts, &defs, part, diags);
            defs.get_mut(&label).expect("present").events = events;
        }
        i += 1;
    }
    let mut notes = Vec::new();
    for (index, label) in order.iter().enumerate() {
        let def = defs
            .get_mut(label)
            .expect("only defined labels are numbered");
        def.used = true;
        notes.push(Note {
            label: label.clone(),
            number: index + 1,
            events: std::mem::take(&mut def.events),
            marks: Vec::new(),
            ref_count: counts[label].1,
        });
    }
    // Unused definitions, warned about in the order they are written.
    let mut unused: Vec<(&String, &Definition)> = defs.iter().filter(|(_, d)| !d.used).collect();
    unused.sort_by_key(|(_, def)| def.span.start);
    for (label, def) in unused {
        diags.warning_at(
            &part.source,
            part.body_line_col(def.span.start),
            format!("footnote `{label}` is defined but never referenced (add [^{label}] to the text or remove it)"),
        );
    }
    (body, notes)
}

fn split_definitions(
    events: Vec<Ev>,
    more: Vec<Ev>,
    part: &Part,
    diags: &mut Diagnostics,
) -> (Vec<Ev>, Definitions) {
    let mut body = Vec::with_capacity(events.len());
    let mut defs = Definitions::default();
    let mut events = events.into_iter().chain(more);
    while let Some(event) = events.next() {
        let (Event::Start(Tag::FootnoteDefinition(label)), span) = &event else {
            body.push(event);
            continue;
        };
        let (label, span) = (String::from(&**label), span.clone());
        // The definition's events, up to its end.
        let mut inner = Vec::new();
        let mut depth = 1usize;
        for next in events.by_ref() {
            match next.0 {
                Event::Start(_) => depth += 1,
                Event::End(_) => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                break;
            }
            inner.push(next);
        }
        if let Some(first) = defs.get(&label) {
            let (first_line, _) = part.body_line_col(first.span.start);
            diags.error_at(
                &part.source,
                part.body_line_col(span.start),
                format!("footnote `{label}` is defined twice, first on line {first_line} (remove or rename one)"),
            );
        } else {
            defs.insert(
                label,
                Definition {
                    events: inner,
                    span,
                    used: false,
                },
            );
        }
    }
    (body, defs)
}

fn number_refs(
    events: &mut [Ev],
    order: &mut Vec<String>,
    counts: &mut Counts,
    defs: &Definitions,
    part: &Part,
    diags: &mut Diagnostics,
) {
    let body = part.body();
    for (event, span) in events.iter_mut() {
        match event {
            Event::FootnoteReference(label) => {
                let (number, count) = match counts.get_mut(&**label) {
                    Some((number, count)) => {
                        *count += 1;
                        (*number, *count)
                    }
                    None => {
                        let label = String::from(&**label);
                        order.push(label.clone());
                        counts.insert(label, (order.len(), 1));
                        (order.len(), 1)
                    }
                };
                *event = Event::FootnoteReference(ref_tag(number, count));
            }
            // An undefined `[^label]` comes through as plain text starting at `[^`.
            Event::Text(t) if t.as_ref() == "[" && body[span.start..].starts_with("[^") => {
                let rest = &body[span.start + 2..];
                if let Some(end) = rest.find(']') {
                    let label = &rest[..end];
                    if !label.is_empty()
                        && !label.contains(char::is_whitespace)
                        && !defs.contains_key(label)
                    {
                        let mut known: Vec<&str> = defs.keys().map(String::as_str).collect();
                        known.sort_unstable();
                        let hint = crate::tomlsrc::closest(label, &known)
                            .map(|k| format!("did you mean [^{k}]? or "))
                            .unwrap_or_default();
                        diags.error_at(
                            &part.source,
                            part.body_line_col(span.start),
                            format!("footnote [^{label}] is never defined ({hint}add a line `[^{label}]: text`)"),
                        );
                    }
                }
            }
            _ => {}
        }
    }
}
