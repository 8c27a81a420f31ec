//! The index pass: finds the index terms in the prose of a part (one
//! Aho-Corasick scan, linear in the text whatever the number of terms) and the
//! author's `index:` markers, and records each occurrence: a marker becomes
//! its `<span id="ix-N">` in place, a term found in the text becomes a pair
//! of marks where the renderer opens and closes the span.

use super::Ev;
use crate::diagnostics::Diagnostics;
use crate::index::Matcher;
use crate::part::Part;
use pulldown_cmark::{CowStr, Event, Tag, TagEnd};
use std::ops::Range;

/// One place where a term occurs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    /// The entry, as printed in the index.
    pub term: String,
    /// The sub-entry, from a marker `index:Term!Sub`.
    pub sub: Option<String>,
    /// The id of the span around the words (`ix-N`).
    pub id: String,
    /// Which block (paragraph, list item, heading…) it sits in, to merge
    /// several occurrences in one paragraph into one locator.
    pub block: usize,
    /// Index into the part's headings of its section.
    pub section: Option<usize>,
}

/// Where the span around an occurrence found in the text opens or closes:
/// the renderer puts it in when it writes the event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    /// Index of the text event in its list (the body, or a note).
    pub event: usize,
    /// Byte offset in the event's text.
    pub at: usize,
    /// The number of the occurrence whose span opens here (`ix-N`), or
    /// `None` where a span closes.
    pub opens: Option<usize>,
}

/// Prefix of the id of an occurrence.
pub const ID_PREFIX: &str = "ix-";

/// Per-part state of the pass.
pub struct Indexer<'a> {
    matcher: Option<&'a Matcher>,
    part: &'a Part,
    next_id: usize,
    next_block: usize,
    /// Occurrences found so far.
    pub found: Vec<Occurrence>,
}

impl<'a> Indexer<'a> {
    /// A pass over one part.
    pub fn new(matcher: Option<&'a Matcher>, part: &'a Part) -> Self {
        Indexer {
            matcher,
            part,
            next_id: 1,
            next_block: 0,
            found: Vec::new(),
        }
    }

    /// Finds the occurrences in a run of events (the body, or one note):
    /// where their spans open and close, for the renderer (the events are
    /// not split: that copied every part's events). Markers become their
    /// spans in place. `section_of` gives the section of the event at an
    /// index.
    pub fn mark(
        &mut self,
        events: &mut [Ev],
        section_of: &dyn Fn(usize) -> Option<usize>,
        diags: &mut Diagnostics,
    ) -> Vec<Mark> {
        let mut marks = Vec::new();
        let is_marker = |(event, _): &Ev| matches!(event, Event::Start(Tag::Link { dest_url, .. }) if dest_url.starts_with("index:"));
        if self.matcher.is_none() && !events.iter().any(is_marker) {
            return marks;
        }
        let mut code_depth = 0usize;
        let mut block = self.next_block;
        let mut i = 0;
        while i < events.len() {
            match &events[i].0 {
                Event::Start(tag) => {
                    if matches!(tag, Tag::CodeBlock(_) | Tag::HtmlBlock | Tag::Image { .. }) {
                        code_depth += 1;
                    }
                    if is_block(tag) {
                        self.next_block += 1;
                        block = self.next_block;
                    }
                    if let Tag::Link { dest_url, .. } = tag {
                        if let Some(spec) = dest_url.strip_prefix("index:") {
                            let spec = spec.to_string();
                            let end = super::matching_end(events, i);
                            self.marker(&spec, events, i..end, block, section_of(i), diags);
                            // Its text is the author's choice: not searched for terms.
                            i = end + 1;
                            continue;
                        }
                    }
                }
                Event::End(tag) => {
                    if matches!(tag, TagEnd::CodeBlock | TagEnd::HtmlBlock | TagEnd::Image) {
                        code_depth = code_depth.saturating_sub(1);
                    }
                }
                Event::Text(_) if code_depth == 0 => {
                    if let Some(matcher) = self.matcher {
                        let end =
                            i + 1 + events[i + 1..].iter().take_while(|ev| in_run(ev)).count();
                        let section = section_of(i);
                        self.match_run(&events[i..end], i, matcher, block, section, &mut marks);
                        i = end;
                        continue;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        marks
    }

    /// Takes the next occurrence number.
    fn next_number(&mut self) -> usize {
        self.next_id += 1;
        self.next_id - 1
    }

    /// `[text](<index:Term!Sub>)`: the text, plain, in a span that records
    /// the occurrence; the link's start and end (`link`) become the span's.
    fn marker(
        &mut self,
        spec: &str,
        events: &mut [Ev],
        link: Range<usize>,
        block: usize,
        section: Option<usize>,
        diags: &mut Diagnostics,
    ) {
        let at = events[link.start].1.start;
        let (term, sub) = match spec.split_once('!') {
            Some((t, s)) => (t.trim(), Some(s.trim()).filter(|s| !s.is_empty())),
            None => (spec.trim(), None),
        };
        if term.is_empty() {
            diags.error_at(
                &self.part.source,
                self.part.body_line_col(at),
                "index marker names no term (write `[text](<index:Term>)` or `[](<index:Term!Sub-entry>)`)",
            );
            events[link.start].0 = Event::InlineHtml(CowStr::Borrowed(""));
            events[link.end].0 = Event::InlineHtml(CowStr::Borrowed(""));
            return;
        }
        let number = self.next_number();
        let empty = link.end == link.start + 1;
        events[link.start].0 = Event::InlineHtml(open_span(Some(number), empty).into());
        events[link.end].0 = Event::InlineHtml(CowStr::Borrowed("</span>"));
        self.found.push(Occurrence {
            term: term.to_string(),
            sub: sub.map(str::to_string),
            id: id(number),
            block,
            section,
        });
    }

    /// Finds terms in consecutive text events (pulldown-cmark splits text at
    /// quotes and entities, and a line break of the source ends one) and
    /// records a span around each match, which may straddle events: a phrase
    /// that the author's line wrapping split is found too. `first` is the
    /// index of the run's first event.
    fn match_run(
        &mut self,
        run: &[Ev],
        first: usize,
        matcher: &Matcher,
        block: usize,
        section: Option<usize>,
        marks: &mut Vec<Mark>,
    ) {
        let mut joined = String::new();
        // Where each event starts in the text searched; a line break is one space.
        let mut starts = Vec::new();
        let text = match run {
            // Most runs are one event: no need to copy it.
            [(Event::Text(t), _)] => t.as_ref(),
            _ => {
                for (event, _) in run {
                    starts.push(joined.len());
                    match event {
                        Event::Text(t) => joined.push_str(t),
                        _ => joined.push(' '),
                    }
                }
                joined.as_str()
            }
        };
        // The event and offset of a position: a span opens in the event
        // that holds the next character, and closes in the one that holds
        // the character before.
        let locate = |pos: usize, opens: bool| -> (usize, usize) {
            if starts.is_empty() {
                return (first, pos);
            }
            let k = if opens {
                starts.partition_point(|&s| s <= pos)
            } else {
                starts.partition_point(|&s| s < pos)
            }
            .saturating_sub(1);
            (first + k, pos - starts[k])
        };
        for found in matcher.find(text) {
            let number = self.next_number();
            let (event, at) = locate(found.start, true);
            marks.push(Mark {
                event,
                at,
                opens: Some(number),
            });
            let (event, at) = locate(found.end, false);
            marks.push(Mark {
                event,
                at,
                opens: None,
            });
            self.found.push(Occurrence {
                term: found.term.to_string(),
                sub: None,
                id: id(number),
                block,
                section,
            });
        }
    }
}

/// Whether an event belongs to a run of text matched as one: text, and the
/// line breaks of the source inside a paragraph (read as spaces).
fn in_run((event, _): &Ev) -> bool {
    matches!(event, Event::Text(_) | Event::SoftBreak)
}

/// The id of occurrence `number`.
pub fn id(number: usize) -> String {
    format!("{ID_PREFIX}{number}")
}

/// The tag opening an occurrence's span: with its id, or (`None`) without,
/// for a second copy of the text such as a margin note.
pub fn open_span(number: Option<usize>, empty: bool) -> String {
    let class = if empty { "ix ix-marker" } else { "ix" };
    match number {
        Some(n) => format!("<span class=\"{class}\" id=\"{ID_PREFIX}{n}\">"),
        None => format!("<span class=\"{class}\">"),
    }
}

fn is_block(tag: &Tag<'_>) -> bool {
    matches!(
        tag,
        Tag::Paragraph
            | Tag::Heading { .. }
            | Tag::Item
            | Tag::TableCell
            | Tag::FootnoteDefinition(_)
    )
}

/// In a sidenote (a second copy of a note) occurrence spans lose their ids.
pub fn strip_id(html: &str) -> Option<String> {
    let rest = html.strip_prefix("<span class=\"ix")?;
    let at = rest.find(" id=\"")?;
    let close = rest[at + 5..].find('"')? + at + 5;
    Some(format!(
        "<span class=\"ix{}{}",
        &rest[..at],
        &rest[close + 1..]
    ))
}

#[cfg(test)]
mod tests {
    use super::strip_id;

    #[test]
    fn sidenote_copies_lose_ids() {
        assert_eq!(
            strip_id("<span class=\"ix\" id=\"ix-3\">").as_deref(),
            Some("<span class=\"ix\">")
        );
        assert_eq!(strip_id("</span>"), None);
    }
}
