//! Footnotes: definitions are moved out of the text, numbered by first
//! reference, and every reference is tagged with its note number and occurrence.

use super::Ev;
use crate::diagnostics::Diagnostics;
use crate::part::Part;
use pulldown_cmark::{CowStr, Event, Tag};
use std::collections::BTreeMap;
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
    ["fn-", &number.to_string()].concat()
}

/// Id of the `occurrence`-th (1-based) reference to note `number`.
pub fn ref_id(number: usize, occurrence: usize) -> String {
    let number = number.to_string();
    if occurrence == 1 {
        ["fnref-", &number].concat()
    } else {
        ["fnref-", &number, "-", &occurrence.to_string()].concat()
    }
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
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
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
            ref_count: counts[label],
        });
    }
    for (label, def) in &defs {
        if !def.used {
            diags.warning_at(
                &part.source,
                part.body_line_col(def.span.start),
                format!("footnote `{label}` is defined but never referenced (add [^{label}] to the text or remove it)"),
            );
        }
    }
    (body, notes)
}

fn split_definitions(
    events: Vec<Ev>,
    more: Vec<Ev>,
    part: &Part,
    diags: &mut Diagnostics,
) -> (Vec<Ev>, BTreeMap<String, Definition>) {
    let mut body = Vec::with_capacity(events.len());
    let mut defs: BTreeMap<String, Definition> = BTreeMap::new();
    let mut events = events.into_iter().chain(more);
    while let Some(event) = events.next() {
        let (Event::Start(Tag::FootnoteDefinition(label)), span) = &event else {
            body.push(event);
            continue;
        };
        let (label, span) = (label.to_string(), span.clone());
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
    counts: &mut BTreeMap<String, usize>,
    defs: &BTreeMap<String, Definition>,
    part: &Part,
    diags: &mut Diagnostics,
) {
    let body = part.body();
    for (event, span) in events.iter_mut() {
        match event {
            Event::FootnoteReference(label) => {
                let label = label.to_string();
                let number = match order.iter().position(|l| *l == label) {
                    Some(i) => i + 1,
                    None => {
                        order.push(label.clone());
                        order.len()
                    }
                };
                let count = counts.entry(label).or_insert(0);
                *count += 1;
                *event = Event::FootnoteReference(CowStr::from(
                    [number.to_string(), count.to_string()].join(":"),
                ));
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
                        let known: Vec<&str> = defs.keys().map(String::as_str).collect();
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
