//! Markdown parsing: each part is parsed once into located events, and a few
//! small passes extract what later stages need (notes, headings, links, images).

pub mod citations;
mod citesyntax;
mod footnotes;
mod headings;
pub mod highlight;
pub mod html;
mod ids;
pub mod indexing;
mod refs;

pub use citations::CiteSpot;
pub use footnotes::{id as note_id, ref_id as note_ref_id, Note};
pub use headings::Heading;
pub use ids::Ids;
pub use indexing::Occurrence;
pub use refs::{ImageRef, LinkRef, LinkTarget};

use crate::bibliography::Bibliography;
use crate::diagnostics::Diagnostics;
use crate::index::Matcher;
use crate::part::Part;
use pulldown_cmark::{CodeBlockKind, CowStr, Event, InlineStr, Options, Parser, Tag, TagEnd};
use std::ops::Range;
use std::sync::Arc;

pub use html::PartHtml;

/// A parsed part, shared between builds and stages.
pub type Doc = std::sync::Arc<ParsedDoc>;

/// An owned event with its byte range in the part's body.
pub type Ev = (Event<'static>, Range<usize>);

/// Everything the later stages need from one part, parsed once. Its HTML
/// is made in the same pass (see `parse`): the events themselves are not kept.
#[derive(Debug, Clone, Default)]
pub struct ParsedDoc {
    /// Every heading, in order, with its final id.
    pub headings: Vec<Heading>,
    /// Every link written in the part (body and notes) other than external ones.
    pub links: Vec<LinkRef>,
    /// Every image.
    pub images: Vec<ImageRef>,
    /// Index occurrences, in order (body first, then notes).
    pub occurrences: Vec<Occurrence>,
    /// Every id the rendered part page carries that a link may target.
    pub ids: Ids,
    /// Words of prose (body and notes, not code).
    pub word_count: usize,
    /// Whether any fenced code block names a language (highlighting is needed).
    pub has_highlighted_code: bool,
    /// Every citation, in text order, with the id a link to it lands on.
    pub citations: Vec<CiteSpot>,
}

/// What `parse` makes of a part.
pub struct ParsedPart {
    /// What later stages need to know of it.
    pub doc: ParsedDoc,
    /// Its HTML, with slots for its links' and images' destinations.
    pub html: PartHtml,
    /// Its words for the search data: apart from the doc, so that a build
    /// can let them go once that file is written.
    pub words: crate::search::PartWords,
}

/// A part while it is parsed: its events and what the passes took out of
/// them. It lives only inside `parse`, so a build never holds the events
/// (or the files) of every part at once: at 1,000 parts they were a third
/// of the build's memory.
pub(crate) struct Parse {
    /// The main text, with footnote definitions moved out; link and image
    /// destinations are replaced by tokens that index `doc.links` and
    /// `doc.images`. Its text borrows `_source`.
    pub body: Vec<Ev>,
    /// Where the spans around index occurrences open and close in `body`.
    pub marks: Vec<indexing::Mark>,
    /// Footnotes in order of first reference (number = index + 1).
    pub notes: Vec<Note>,
    /// What outlives the parse.
    pub doc: ParsedDoc,
    /// The part's file, which the events' text borrows (declared last, so
    /// dropped after them).
    _source: Arc<String>,
}

/// What parsing needs from the series beyond the part itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'a> {
    /// The index terms to mark.
    pub matcher: Option<&'a Matcher>,
    /// The bibliography citations refer to.
    pub bibliography: Option<&'a Bibliography>,
}

/// The Markdown dialect quire accepts.
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// Parses a part's body once, runs the extraction passes and makes its HTML
/// (with its links' and images' destinations left to fill in once every
/// part is known: `PartHtml::resolved`) and its search words.
pub fn parse(part: &Part, context: Context<'_>, diags: &mut Diagnostics) -> ParsedPart {
    let parse = events(part, context, diags);
    let html = PartHtml::draft(&parse);
    let words = crate::search::part_words(
        &part.meta.title,
        &parse.body,
        &parse.notes,
        parse.doc.word_count,
    );
    ParsedPart {
        doc: parse.doc,
        html,
        words,
    }
}

/// The events of a part and everything the passes take out of them.
fn events(part: &Part, context: Context<'_>, diags: &mut Diagnostics) -> Parse {
    let source = Arc::clone(&part.text);
    // SAFETY: the events' text borrows the part's file instead of copying it
    // (a copy per text event was a third of a million allocations and tens
    // of megabytes at 1,000 parts). The file's bytes live in the heap buffer
    // of a `String` behind an `Arc` that nothing mutates, and the returned
    // `Parse` holds that `Arc` (`_source`) for as long as it holds the
    // events: the passes below only move events between its own lists (body
    // and notes), and nothing takes an event out of a `Parse` (crate-only,
    // made and dropped inside `parse`).
    let body: &'static str = unsafe { &*std::ptr::from_ref::<str>(&source[part.body_start..]) };
    let events: Vec<Ev> = Parser::new_ext(body, options())
        .into_offset_iter()
        .collect();
    let (events, cite_notes, cites) = match context.bibliography {
        Some(bib) => citations::extract(events, part, bib, diags),
        None => (events, Vec::new(), citations::Citations::default()),
    };
    let (mut events, mut notes) = footnotes::extract(events, cite_notes, part, diags);
    let cited = match context.bibliography {
        Some(bib) => cites.format(&mut events, &mut notes, bib),
        None => citations::Formatted::default(),
    };
    let headings = headings::assign_ids(&mut events, part, diags);
    let mut ids: Vec<String> = headings.iter().map(|h| h.id.clone()).collect();
    ids.extend(footnotes::ids(&notes));
    let (links, images) = refs::collect(&mut events, &mut notes, &headings, part, diags);
    ids.extend(refs::ids(&links));
    ids.extend(cited.spots.iter().map(|s| s.id.clone()));
    // The part's "Works cited" list has an entry per work.
    ids.extend(
        cited
            .spots
            .iter()
            .flat_map(|s| &s.keys)
            .map(|k| crate::bibliography::reference_id(k)),
    );
    let (marks, occurrences) = index_pass(
        &mut events,
        &mut notes,
        &headings,
        context.matcher,
        part,
        diags,
    );
    ids.extend(occurrences.iter().map(|o| o.id.clone()));
    let word_count =
        word_count(&events) + notes.iter().map(|n| word_count(&n.events)).sum::<usize>();
    let has_highlighted_code = events
        .iter()
        .chain(notes.iter().flat_map(|n| &n.events))
        .any(|(e, _)| matches!(e, Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(lang))) if !lang.trim().is_empty()));
    Parse {
        body: events,
        marks,
        notes,
        doc: ParsedDoc {
            headings,
            links,
            images,
            occurrences,
            ids: ids.into_iter().collect(),
            word_count,
            has_highlighted_code,
            citations: cited.spots,
        },
        _source: source,
    }
}

/// Marks index terms and markers in the body and in every note.
fn index_pass(
    body: &mut [Ev],
    notes: &mut [Note],
    headings: &[Heading],
    matcher: Option<&Matcher>,
    part: &Part,
    diags: &mut Diagnostics,
) -> (Vec<indexing::Mark>, Vec<Occurrence>) {
    let section_at = |i: usize| headings.iter().rposition(|h| h.event_index < i);
    let mut indexer = indexing::Indexer::new(matcher, part);
    let note_sections: Vec<Option<usize>> = first_references(body, notes.len())
        .into_iter()
        .map(|at| at.and_then(section_at))
        .collect();
    let marks = indexer.mark(body, &section_at, diags);
    for (note, section) in notes.iter_mut().zip(note_sections) {
        note.marks = indexer.mark(&mut note.events, &|_| section, diags);
    }
    (marks, indexer.found)
}

/// Where the first reference to each of `notes` notes sits in the body (the
/// event tagged `N:1`): found in one pass, not one per note, since a part
/// may have dozens of notes.
pub fn first_references(body: &[Ev], notes: usize) -> Vec<Option<usize>> {
    let mut first = vec![None; notes];
    for (i, (event, _)) in body.iter().enumerate() {
        let Event::FootnoteReference(tag) = event else {
            continue;
        };
        if let Some((number, 1)) = footnotes::parse_ref_tag(tag) {
            if let Some(slot) = number.checked_sub(1).and_then(|n| first.get_mut(n)) {
                *slot = Some(i);
            }
        }
    }
    first
}

/// Whether a character continues a word ("two’s", "three-four").
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '’' || c == '\'' || c == '-'
}

/// `is_word_char` for an ASCII byte, in arithmetic the compiler can vectorize.
fn is_ascii_word(b: u8) -> bool {
    let letter = (b | 0x20).wrapping_sub(b'a') < 26;
    let digit = b.wrapping_sub(b'0') < 10;
    letter | digit | (b == b'\'') | (b == b'-')
}

/// How many words start in ASCII `bytes` (a word byte after a non-word one),
/// `in_word` telling whether a word runs into them.
fn ascii_word_starts(bytes: &[u8], in_word: bool) -> usize {
    crate::bytemask::count_starts(bytes, in_word, is_ascii_word)
}

/// Counts words in text outside code blocks.
fn word_count(events: &[Ev]) -> usize {
    let mut in_code = false;
    let mut count = 0;
    let mut in_word = false;
    for (event, _) in events {
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code = true,
            Event::End(TagEnd::CodeBlock) => in_code = false,
            Event::Text(t) if !in_code => {
                // A table for ASCII (nearly all prose), chars only where needed.
                let bytes = t.as_bytes();
                if let (true, Some(&last)) = (t.is_ascii(), bytes.last()) {
                    count += ascii_word_starts(bytes, in_word);
                    in_word = is_ascii_word(last);
                    continue;
                }
                let mut i = 0;
                while i < bytes.len() {
                    let b = bytes[i];
                    let (word_char, width) = if b < 0x80 {
                        (is_ascii_word(b), 1)
                    } else {
                        let c = t[i..].chars().next().unwrap_or(' ');
                        (is_word_char(c), c.len_utf8())
                    };
                    count += usize::from(word_char && !in_word);
                    in_word = word_char;
                    i += width;
                }
            }
            Event::Code(_) => {
                if !in_word {
                    count += 1;
                }
                in_word = true;
            }
            Event::SoftBreak | Event::HardBreak | Event::End(_) | Event::Start(_) => {
                in_word = false
            }
            _ => {}
        }
    }
    count
}

/// A label, tag or placeholder as an event holds it: within the event when
/// short enough, so that copies of it (and the events) allocate nothing.
fn short(text: String) -> CowStr<'static> {
    match InlineStr::try_from(text.as_str()) {
        Ok(inline) => CowStr::Inlined(inline),
        Err(_) => CowStr::from(text),
    }
}

/// The plain text of a run of events (for titles, alt text, link text).
pub fn plain_text(events: &[Ev]) -> String {
    let mut out = String::new();
    for (event, _) in events {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            _ => {}
        }
    }
    out
}

/// Index of the `End` matching the `Start` at `start` (events are well nested).
pub fn matching_end(events: &[Ev], start: usize) -> usize {
    let mut depth = 0usize;
    for (i, (event, _)) in events.iter().enumerate().skip(start) {
        match event {
            Event::Start(_) => depth += 1,
            Event::End(_) => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    events.len().saturating_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_words_are_counted_as_every_char_is() {
        for b in 0..128u8 {
            assert_eq!(is_ascii_word(b), is_word_char(char::from(b)), "byte {b}");
        }
        // Word starts against a count char by char, at each way in.
        let texts = [
            "",
            " ",
            "a",
            "two words",
            " lead and trail ",
            "it's a well-known fact",
            "x--y 'q' 12,5 e.g. A.B",
            "\tTab\nline",
            "--",
            "'",
            "a b  c   d",
        ];
        for text in texts {
            for in_word in [false, true] {
                let mut expected = 0;
                let mut was = in_word;
                for c in text.chars() {
                    let is = is_word_char(c);
                    expected += usize::from(is && !was);
                    was = is;
                }
                assert_eq!(
                    ascii_word_starts(text.as_bytes(), in_word),
                    expected,
                    "{text:?} {in_word}"
                );
            }
        }
    }

    fn doc(body: &str) -> (ParsedDoc, Diagnostics) {
        let mut d = Diagnostics::default();
        let text = format!("+++\ntitle = \"T\"\n+++\n{body}");
        let part =
            crate::part::parse(std::path::Path::new("series/01-t.md"), text, &mut d).unwrap();
        (parse(&part, Context::default(), &mut d).doc, d)
    }

    #[test]
    fn events_borrow_the_file_and_nothing_keeps_it_after_the_parse() {
        let mut d = Diagnostics::default();
        let text = "+++\ntitle = \"T\"\n+++\nPlain words here.\n".to_string();
        let part =
            crate::part::parse(std::path::Path::new("series/01-t.md"), text, &mut d).unwrap();
        let file = Arc::clone(&part.text);
        let parsed = events(&part, Context::default(), &mut d);
        let words = parsed
            .body
            .iter()
            .find_map(|(e, _)| match e {
                Event::Text(t) => Some(t),
                _ => None,
            })
            .unwrap();
        assert_eq!(words.as_ref(), "Plain words here.");
        let within = file.as_bytes().as_ptr_range();
        assert!(within.contains(&words.as_ptr()), "borrowed, not copied");
        assert_eq!(
            Arc::strong_count(&file),
            3,
            "the events' parse keeps the file"
        );
        drop(parsed);
        let parsed = parse(&part, Context::default(), &mut d);
        drop(part);
        assert_eq!(
            Arc::strong_count(&file),
            1,
            "neither the doc nor its HTML keeps it"
        );
        assert_eq!(parsed.doc.word_count, 3);
        assert_eq!(parsed.html.body, "<p>Plain words here.</p>\n");
    }

    #[test]
    fn counts_prose_words_not_code() {
        let (doc, _) = doc("One two’s three-four.\n\n```\nnot counted here\n```\n\nFive[^a].\n\n[^a]: Six seven.\n");
        assert_eq!(doc.word_count, 6);
    }

    #[test]
    fn knows_when_highlighting_is_needed() {
        assert!(!doc("```\nplain\n```\n").0.has_highlighted_code);
        assert!(doc("```rust\nfn x() {}\n```\n").0.has_highlighted_code);
    }
}
