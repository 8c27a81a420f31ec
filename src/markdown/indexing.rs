//! The index pass: finds the index terms in the prose of a part (one
//! Aho-Corasick scan, linear in the text whatever the number of terms) and the
//! author's `index:` markers, wraps each occurrence in a `<span id="ix-N">`,
//! and records it.

use super::Ev;
use crate::diagnostics::Diagnostics;
use crate::index::Matcher;
use crate::part::Part;
use pulldown_cmark::{CowStr, Event, Tag, TagEnd};

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
    /// A run of text events being matched (kept to reuse its allocation).
    run: Vec<Ev>,
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
            run: Vec::new(),
        }
    }

    /// Marks occurrences in a run of events (the body, or one note).
    /// `section_of` gives the section of the event at an index.
    pub fn mark(
        &mut self,
        events: Vec<Ev>,
        section_of: &dyn Fn(usize) -> Option<usize>,
        diags: &mut Diagnostics,
    ) -> Vec<Ev> {
        // Without terms to find or markers, the events stay as they are.
        let is_marker = |(event, _): &Ev| matches!(event, Event::Start(Tag::Link { dest_url, .. }) if dest_url.starts_with("index:"));
        if self.matcher.is_none() && !events.iter().any(is_marker) {
            return events;
        }
        let mut out = Vec::with_capacity(events.len());
        let mut code_depth = 0usize;
        let mut block = self.next_block;
        let mut events = events.into_iter().enumerate().peekable();
        while let Some((i, event)) = events.next() {
            match &event.0 {
                Event::Start(tag) => {
                    if matches!(tag, Tag::CodeBlock(_) | Tag::HtmlBlock | Tag::Image { .. }) {
                        code_depth += 1;
                    }
                    if is_block(tag) {
                        self.next_block += 1;
                        block = self.next_block;
                    }
                    let marker = match tag {
                        Tag::Link { dest_url, .. } => dest_url.strip_prefix("index:"),
                        _ => None,
                    };
                    if let Some(spec) = marker.map(str::to_string) {
                        // The link's events, up to its end.
                        let mut link = vec![event];
                        let mut depth = 1usize;
                        while depth > 0 {
                            let Some((_, inner)) = events.next() else {
                                break;
                            };
                            match inner.0 {
                                Event::Start(_) => depth += 1,
                                Event::End(_) => depth -= 1,
                                _ => {}
                            }
                            link.push(inner);
                        }
                        self.marker(&spec, &link, block, section_of(i), &mut out, diags);
                        continue;
                    }
                }
                Event::End(tag) => {
                    if matches!(tag, TagEnd::CodeBlock | TagEnd::HtmlBlock | TagEnd::Image) {
                        code_depth = code_depth.saturating_sub(1);
                    }
                }
                Event::Text(text) if code_depth == 0 => {
                    let Some(matcher) = self.matcher else {
                        out.push(event);
                        continue;
                    };
                    let alone = !events.peek().is_some_and(|(_, ev)| in_run(ev));
                    // Most text is one event without a term: nothing to copy.
                    if alone && matcher.find(text).is_empty() {
                        out.push(event);
                        continue;
                    }
                    let mut run = std::mem::take(&mut self.run);
                    run.push(event);
                    while let Some((_, next)) = events.next_if(|(_, ev)| in_run(ev)) {
                        run.push(next);
                    }
                    self.match_run(&mut run, block, section_of(i), &mut out);
                    self.run = run;
                    continue;
                }
                _ => {}
            }
            out.push(event);
        }
        out
    }

    fn new_id(&mut self) -> String {
        let id = format!("{ID_PREFIX}{}", self.next_id);
        self.next_id += 1;
        id
    }

    /// `[text](<index:Term!Sub>)`: the text, plain, in a span that records the occurrence.
    fn marker(
        &mut self,
        spec: &str,
        link: &[Ev],
        block: usize,
        section: Option<usize>,
        out: &mut Vec<Ev>,
        diags: &mut Diagnostics,
    ) {
        let span = link[0].1.clone();
        let (term, sub) = match spec.split_once('!') {
            Some((t, s)) => (t.trim(), Some(s.trim()).filter(|s| !s.is_empty())),
            None => (spec.trim(), None),
        };
        let inner = &link[1..link.len() - 1];
        if term.is_empty() {
            diags.error_at(
                &self.part.source,
                self.part.body_line_col(span.start),
                "index marker names no term (write `[text](<index:Term>)` or `[](<index:Term!Sub-entry>)`)",
            );
            out.extend(inner.iter().cloned());
            return;
        }
        let id = self.new_id();
        out.push((open_span(&id, inner.is_empty()), span.clone()));
        out.extend(inner.iter().cloned());
        out.push((Event::InlineHtml(CowStr::from("</span>")), span));
        self.found.push(Occurrence {
            term: term.to_string(),
            sub: sub.map(str::to_string),
            id,
            block,
            section,
        });
    }

    /// Finds terms in consecutive text events (pulldown-cmark splits text at
    /// quotes and entities, and a line break of the source ends one) and
    /// wraps each match, which may straddle events: a phrase that the author's
    /// line wrapping split is found too.
    /// Leaves `run` empty.
    fn match_run(
        &mut self,
        run: &mut Vec<Ev>,
        block: usize,
        section: Option<usize>,
        out: &mut Vec<Ev>,
    ) {
        let Some(matcher) = self.matcher else {
            out.append(run);
            return;
        };
        let mut joined = String::new();
        let mut starts = Vec::with_capacity(run.len());
        let text = match run.as_slice() {
            // Most runs are one event: no need to copy it.
            [(Event::Text(t), _)] => {
                starts.push(0);
                t.as_ref()
            }
            _ => {
                for (event, _) in run.iter() {
                    starts.push(joined.len());
                    match event {
                        Event::Text(t) => joined.push_str(t),
                        _ => joined.push(' '),
                    }
                }
                joined.as_str()
            }
        };
        let matches = matcher.find(text);
        if matches.is_empty() {
            out.append(run);
            return;
        }
        // Boundaries in the joined text: where each span opens and closes.
        let mut boundaries: Vec<(usize, Option<usize>)> = Vec::with_capacity(matches.len() * 2);
        for (n, found) in matches.iter().enumerate() {
            boundaries.push((found.start, Some(n)));
            boundaries.push((found.end, None));
        }
        let mut b = 0;
        for (k, (event, range)) in run.iter().enumerate() {
            // A line break is one space wide: spans open and close around it.
            let text = match event {
                Event::Text(t) => Some(t),
                _ => None,
            };
            let (base, end) = (starts[k], starts[k] + text.map_or(1, |t| t.len()));
            let mut pos = base;
            loop {
                while let Some(&(at, opens)) = boundaries.get(b) {
                    if at != pos {
                        break;
                    }
                    match opens {
                        None => {
                            out.push((Event::InlineHtml(CowStr::from("</span>")), range.clone()))
                        }
                        // A span opening at the very end of an event opens in the next one.
                        Some(_) if pos == end => break,
                        Some(n) => {
                            let id = self.new_id();
                            out.push((open_span(&id, false), range.clone()));
                            self.found.push(Occurrence {
                                term: matches[n].term.clone(),
                                sub: None,
                                id,
                                block,
                                section,
                            });
                        }
                    }
                    b += 1;
                }
                let next = boundaries.get(b).map_or(end, |&(at, _)| at.min(end));
                if next > pos {
                    let piece = match text {
                        Some(t) => {
                            Event::Text(CowStr::from(t[pos - base..next - base].to_string()))
                        }
                        None => event.clone(),
                    };
                    out.push((piece, range.clone()));
                    pos = next;
                }
                if pos == end {
                    break;
                }
            }
        }
        // A span closing at the very end of the run.
        for _ in b..boundaries.len() {
            out.push((
                Event::InlineHtml(CowStr::from("</span>")),
                run[run.len() - 1].1.clone(),
            ));
        }
        run.clear();
    }
}

/// Whether an event belongs to a run of text matched as one: text, and the
/// line breaks of the source inside a paragraph (read as spaces).
fn in_run((event, _): &Ev) -> bool {
    matches!(event, Event::Text(_) | Event::SoftBreak)
}

fn open_span(id: &str, empty: bool) -> Event<'static> {
    let class = if empty { "ix ix-marker" } else { "ix" };
    Event::InlineHtml(CowStr::from(format!(
        "<span class=\"{class}\" id=\"{id}\">"
    )))
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
