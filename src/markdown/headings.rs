//! Headings: every heading gets a unique id (explicit `{#id}` or one made from
//! its text), and the list of headings feeds the table of contents and anchors.

use super::{matching_end, plain_text, Ev};
use crate::diagnostics::Diagnostics;
use crate::part::Part;
use crate::slug::slugify;
use pulldown_cmark::{CowStr, Event, Tag};
use std::collections::BTreeSet;

/// A heading of the part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// 1–6.
    pub level: u8,
    /// The id it carries in the page.
    pub id: String,
    /// Its plain text.
    pub text: String,
    /// Index of its `Start` event in the body.
    pub event_index: usize,
}

/// Ids quire generates itself; a heading made into such an id gets a suffix.
fn is_reserved(id: &str) -> bool {
    ["fn-", "fnref-", "xref-", "ix-"].iter().any(|p| {
        id.strip_prefix(p)
            .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
    })
}

/// Sets the id of every heading event and returns the headings in order.
pub fn assign_ids(events: &mut [Ev], part: &Part, diags: &mut Diagnostics) -> Vec<Heading> {
    let mut taken = BTreeSet::new();
    // Explicit ids first, so that a generated id never takes one an author chose.
    for (event, span) in events.iter() {
        if let Event::Start(Tag::Heading { id: Some(id), .. }) = event {
            if !taken.insert(id.to_string()) || is_reserved(id) {
                diags.error_at(
                    &part.source,
                    part.body_line_col(span.start),
                    format!("heading id `{id}` is already used in this part or reserved by quire (choose another {{#id}})"),
                );
            }
        }
    }
    let mut headings = Vec::new();
    for i in 0..events.len() {
        let Event::Start(Tag::Heading { level, id, .. }) = &events[i].0 else {
            continue;
        };
        let level = *level as u8;
        let end = matching_end(events, i);
        let text = plain_text(&events[i + 1..end]).trim().to_string();
        let id = match id {
            Some(id) => id.to_string(),
            None => {
                let id = unique(slugify(&text), &mut taken);
                if let Event::Start(Tag::Heading { id: slot, .. }) = &mut events[i].0 {
                    *slot = Some(CowStr::from(id.clone()));
                }
                id
            }
        };
        headings.push(Heading {
            level,
            id,
            text,
            event_index: i,
        });
    }
    headings
}

fn unique(base: String, taken: &mut BTreeSet<String>) -> String {
    let base = if is_reserved(&base) {
        format!("{base}-h")
    } else {
        base
    };
    let mut candidate = base.clone();
    let mut n = 1;
    while taken.contains(&candidate) {
        candidate = format!("{base}-{n}");
        n += 1;
    }
    taken.insert(candidate.clone());
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_unique_and_avoid_reserved_ones() {
        let mut taken = BTreeSet::from(["intro".to_string()]);
        assert_eq!(unique("intro".into(), &mut taken), "intro-1");
        assert_eq!(unique("intro".into(), &mut taken), "intro-2");
        assert_eq!(unique("fn-1".into(), &mut taken), "fn-1-h");
        assert!(!is_reserved("fnord"));
    }
}
