//! Citations: found in the prose of a part (before notes are numbered, since
//! in a note style each citation becomes a note), then formatted by the
//! series' CSL style once note numbers are known, so that later citations of
//! a work are shortened and the part gets its own list of works cited.

use super::citesyntax::{self, Cite};
use super::short;
use super::{Ev, Note};
use crate::bibliography::{self, Bibliography, Form, Position};
use crate::citenumbers;
use crate::diagnostics::Diagnostics;
use crate::part::Part;
use hayagriva::CitePurpose;
use pulldown_cmark::{CowStr, Event, Tag, TagEnd};
use rustc_hash::{FxHashMap, FxHashSet};
use std::borrow::Cow;
use std::fmt::Write;
use std::ops::Range;

/// A citation the text makes, by its number in text order (from 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CiteSpot {
    /// The keys it cites.
    pub keys: Vec<String>,
    /// The id a link to this citation lands on (the note reference, the
    /// inline citation, or the note that holds it).
    pub id: String,
}

/// A citation found in the text, waiting for its note number.
struct Found {
    cite: Cite,
    /// The label of the author's note it sits in.
    in_note: Option<String>,
    /// Whether it was turned into a note of its own.
    own_note: bool,
}

/// The label of the note citation `k` becomes in a note style.
fn note_label(k: usize) -> CowStr<'static> {
    short([NOTE_LABEL, &k.to_string()].concat())
}

const NOTE_LABEL: &str = "quire-cite-";

/// The placeholder of citation `k` until it is formatted.
fn token(k: usize) -> CowStr<'static> {
    short(["quire:cite:", &k.to_string()].concat())
}

/// The placeholder for the author's name of a narrative citation in a note style.
fn author_token(k: usize) -> CowStr<'static> {
    short(["quire:cite-author:", &k.to_string()].concat())
}

/// What a placeholder stands for: the citation's number, and whether it is
/// the author's name (`author_token`) rather than the citation (`token`).
fn placeholder(raw: &str) -> Option<(usize, bool)> {
    let (rest, author) = match raw.strip_prefix("quire:cite:") {
        Some(rest) => (rest, false),
        None => (raw.strip_prefix("quire:cite-author:")?, true),
    };
    Some((rest.parse().ok()?, author))
}

/// Per-part state between finding and formatting.
#[derive(Default)]
pub struct Citations {
    found: Vec<Found>,
}

/// Replaces every citation in the prose with a placeholder; in a note style a
/// citation outside the author's notes becomes a reference to a new note,
/// whose definition is returned apart (appending it to the text would copy
/// the whole list).
pub fn extract(
    events: Vec<Ev>,
    part: &Part,
    bib: &Bibliography,
    diags: &mut Diagnostics,
) -> (Vec<Ev>, Vec<Ev>, Citations) {
    let body = part.body();
    if memchr::memchr(b'@', body.as_bytes()).is_none() {
        // No citation without an `@`: most parts of most series.
        return (events, Vec::new(), Citations::default());
    }
    let note_style = bib.is_note_style();
    let mut state = Citations::default();
    let mut new_notes: Vec<Ev> = Vec::new();
    // The runs of text that hold citations, by their places among the
    // events, and what replaces each: the rest stays where it is.
    let mut edits: Vec<(Range<usize>, Vec<Ev>)> = Vec::new();
    // Inside code, raw HTML, links and images nothing is a citation.
    let mut opaque = 0usize;
    let mut note: Option<&str> = None;
    let mut at = 0;
    while at < events.len() {
        match &events[at].0 {
            Event::Start(tag) => match tag {
                Tag::CodeBlock(_) | Tag::HtmlBlock | Tag::Link { .. } | Tag::Image { .. } => {
                    opaque += 1
                }
                Tag::FootnoteDefinition(label) => note = Some(label),
                _ => {}
            },
            Event::End(tag) => match tag {
                TagEnd::CodeBlock | TagEnd::HtmlBlock | TagEnd::Link | TagEnd::Image => {
                    opaque = opaque.saturating_sub(1)
                }
                TagEnd::FootnoteDefinition => note = None,
                _ => {}
            },
            Event::Text(_) if opaque == 0 => {
                let more = events[at + 1..]
                    .iter()
                    .take_while(|(e, _)| matches!(e, Event::Text(_) | Event::SoftBreak))
                    .count();
                let run = at..at + 1 + more;
                at = run.end;
                // Every citation has an `@`: most prose stays as it is.
                let has_at = |(e, _): &Ev| matches!(e, Event::Text(t) if memchr::memchr(b'@', t.as_bytes()).is_some());
                if !events[run.clone()].iter().any(has_at) {
                    continue;
                }
                let (text, offsets) = run_text(&events[run.clone()], body);
                let cites: Vec<Cite> = citesyntax::find(&text)
                    .into_iter()
                    .filter(|c| known(c, bib, part, &offsets, diags))
                    .collect();
                if cites.is_empty() {
                    continue;
                }
                let span = events[run.start].1.start..events[run.end - 1].1.end;
                let mut out = Vec::with_capacity(4 * cites.len() + 1);
                let mut copied = 0;
                for cite in cites {
                    let k = state.found.len() + 1;
                    let own_note = note_style && note.is_none();
                    let before = &text[copied..cite.range.start];
                    copied = cite.range.end;
                    if own_note && !cite.narrative {
                        // "came fast [@x]." reads "came fast.¹": the note
                        // mark follows the punctuation, with no space before.
                        push_text(&mut out, before.trim_end(), &span);
                        let after = &text[copied..];
                        if let Some(p) = after.chars().next().filter(|c| ".,;:!?".contains(*c)) {
                            push_text(&mut out, &after[..p.len_utf8()], &span);
                            copied += p.len_utf8();
                        }
                    } else {
                        push_text(&mut out, before, &span);
                    }
                    if own_note {
                        if cite.narrative {
                            out.push(inline(author_token(k), &span));
                        }
                        let label = note_label(k);
                        out.push((Event::FootnoteReference(label.clone()), span.clone()));
                        new_notes.extend(note_events(label, k, &span));
                    } else {
                        out.push(inline(token(k), &span));
                    }
                    state.found.push(Found {
                        cite,
                        in_note: note.map(str::to_string),
                        own_note,
                    });
                }
                push_text(&mut out, &text[copied..], &span);
                edits.push((run, out));
                continue;
            }
            _ => {}
        }
        at += 1;
    }
    (splice(events, edits), new_notes, state)
}

/// `events` with each edit's range (in order, apart) replaced by its events;
/// the others are moved along, not looked at.
fn splice(events: Vec<Ev>, edits: Vec<(Range<usize>, Vec<Ev>)>) -> Vec<Ev> {
    if edits.is_empty() {
        return events;
    }
    let added: usize = edits.iter().map(|(_, e)| e.len()).sum();
    let mut out = Vec::with_capacity(events.len() + added);
    let mut rest = events.into_iter();
    let mut at = 0;
    for (range, replacement) in edits {
        out.extend(rest.by_ref().take(range.start - at));
        rest.by_ref().take(range.len()).for_each(drop);
        out.extend(replacement);
        at = range.end;
    }
    out.extend(rest);
    out
}

/// A run's text with soft breaks as spaces, and the body offset of each event's
/// start within it. An escaped `\@` is kept from starting a citation.
fn run_text(run: &[Ev], body: &str) -> (String, Vec<(usize, usize)>) {
    let len = run.iter().map(|(event, _)| match event {
        Event::Text(t) => t.len() + 2,
        _ => 1,
    });
    let mut text = String::with_capacity(len.sum());
    let mut offsets = Vec::with_capacity(run.len());
    for (event, span) in run {
        offsets.push((text.len(), span.start));
        match event {
            // pulldown-cmark starts the text after an escape's backslash.
            Event::Text(t) if t.starts_with('@') && body[..span.start].ends_with('\\') => {
                text.push('\u{FFFC}');
                text.push_str(&t[1..]);
            }
            Event::Text(t) => text.push_str(t),
            _ => text.push(' '),
        }
    }
    (text, offsets)
}

/// The body offset of a position in a run's text (exact within plain text).
fn body_offset(offsets: &[(usize, usize)], at: usize) -> usize {
    let (text_start, body_start) = offsets
        .iter()
        .rev()
        .find(|(t, _)| *t <= at)
        .copied()
        .unwrap_or((0, 0));
    body_start + (at - text_start)
}

/// Whether every key of a citation is in the bibliography; reports those that are not.
fn known(
    cite: &Cite,
    bib: &Bibliography,
    part: &Part,
    offsets: &[(usize, usize)],
    diags: &mut Diagnostics,
) -> bool {
    let mut all = true;
    for item in &cite.items {
        if bib.library.get(&item.key).is_some() {
            continue;
        }
        all = false;
        let hint = crate::tomlsrc::closest(&item.key, &bib.keys())
            .map(|k| format!("did you mean @{k}? "))
            .unwrap_or_default();
        let escape = if cite.narrative {
            "; if it is not a citation, write \\@"
        } else {
            ""
        };
        diags.error_at(
            &part.source,
            part.body_line_col(body_offset(offsets, item.key_range.start)),
            format!(
                "unknown citation key `@{}` ({hint}keys are those of {}{escape})",
                item.key,
                crate::diagnostics::display_path(&bib.path)
            ),
        );
    }
    all
}

fn push_text(out: &mut Vec<Ev>, text: &str, span: &std::ops::Range<usize>) {
    if !text.is_empty() {
        let text = text.replace('\u{FFFC}', "@");
        out.push((Event::Text(CowStr::from(text)), span.clone()));
    }
}

fn inline(html: CowStr<'static>, span: &std::ops::Range<usize>) -> Ev {
    (Event::InlineHtml(html), span.clone())
}

/// The definition of the note citation `k` becomes.
fn note_events(label: CowStr<'static>, k: usize, span: &std::ops::Range<usize>) -> Vec<Ev> {
    vec![
        (Event::Start(Tag::FootnoteDefinition(label)), span.clone()),
        (Event::Start(Tag::Paragraph), span.clone()),
        inline(token(k), span),
        (Event::End(TagEnd::Paragraph), span.clone()),
        (Event::End(TagEnd::FootnoteDefinition), span.clone()),
    ]
}

/// What formatting gives the part.
#[derive(Default)]
pub struct Formatted {
    /// One per citation, in text order.
    pub spots: Vec<CiteSpot>,
}

impl Citations {
    /// Formats every citation (notes are numbered by now) and puts the HTML in
    /// place of the placeholders.
    pub fn format(self, body: &mut [Ev], notes: &mut [Note], bib: &Bibliography) -> Formatted {
        if self.found.is_empty() {
            return Formatted::default();
        }
        let note_numbers = self.note_numbers(notes);
        // The style sees citations in reading order: by note, then as written.
        let mut order: Vec<usize> = (0..self.found.len()).collect();
        if bib.is_note_style() {
            order.sort_by_key(|&i| (note_numbers[i].unwrap_or(usize::MAX), i));
        }
        let mut html = render_all(&self.found, &order, bib);
        // What replaces each placeholder, by its citation's place in `found`.
        let mut citations: Vec<Option<String>> = vec![None; self.found.len()];
        let mut authors: Vec<Option<String>> = vec![None; self.found.len()];
        let mut spots = Vec::with_capacity(self.found.len());
        for (i, found) in self.found.into_iter().enumerate() {
            let rendered = std::mem::take(&mut html[i]);
            let id = match (found.own_note, &note_numbers[i]) {
                (true, Some(n)) => super::footnotes::ref_id(*n, 1),
                (false, Some(n)) => super::footnotes::id(*n),
                _ => ["cite-", &(i + 1).to_string()].concat(),
            };
            citations[i] = Some(if found.own_note {
                if found.cite.narrative {
                    authors[i] = Some(rendered.author);
                }
                capitalize_first(rendered.text)
            } else if found.in_note.is_some() {
                rendered.text
            } else {
                [
                    "<span class=\"citation\" id=\"",
                    &id,
                    "\">",
                    &rendered.text,
                    "</span>",
                ]
                .concat()
            });
            // A citation in a note the text never references is not shown.
            if found.in_note.is_none() || note_numbers[i].is_some() {
                let keys = found.cite.items.into_iter().map(|it| it.key).collect();
                spots.push(CiteSpot { keys, id });
            }
        }
        // The notes first: in a note style every placeholder but a narrative
        // citation's name is in one, and the text is not looked at once
        // every placeholder has been replaced.
        let mut left = citations.len() + authors.iter().flatten().count();
        let events = (notes.iter_mut().flat_map(|n| n.events.iter_mut())).chain(body.iter_mut());
        for (event, _) in events {
            if left == 0 {
                break;
            }
            let Event::InlineHtml(raw) = event else {
                continue;
            };
            // Other inline HTML (index spans, the author's own) is no placeholder.
            let Some((k, author)) = placeholder(raw) else {
                continue;
            };
            let slots = match author {
                true => &mut authors,
                false => &mut citations,
            };
            let slot = k.checked_sub(1).and_then(|i| slots.get_mut(i));
            if let Some(html) = slot.and_then(Option::take) {
                *raw = CowStr::from(html);
                left -= 1;
            }
        }
        Formatted { spots }
    }

    /// The number of the note each citation is in or became (`None` for one
    /// in the text, or in a note the text never references).
    fn note_numbers(&self, notes: &[Note]) -> Vec<Option<usize>> {
        // The notes citations became, by citation; the author's, by label.
        let mut own = vec![None; self.found.len()];
        let mut authors: FxHashMap<&str, usize> = FxHashMap::default();
        for note in notes {
            let k = (note.label.strip_prefix(NOTE_LABEL)).and_then(|k| k.parse::<usize>().ok());
            match k
                .and_then(|k| k.checked_sub(1))
                .and_then(|i| own.get_mut(i))
            {
                Some(slot) => *slot = slot.or(Some(note.number)),
                None => {
                    authors.entry(&note.label).or_insert(note.number);
                }
            }
        }
        (self.found.iter().enumerate())
            .map(|(i, f)| match (&f.in_note, f.own_note) {
                (_, true) => own[i],
                (Some(label), false) => authors.get(label.as_str()).copied(),
                (None, false) => None,
            })
            .collect()
    }
}

/// One citation, formatted for where it goes.
#[derive(Default, Clone)]
struct Rendered {
    /// The content of its own note ("See Daniels, *Red October*, 12."), or
    /// what stands inline in the text ("(see Daniels 1967, 12)", items linked
    /// to the works cited) or in the author's note.
    text: String,
    /// The author's name, for a narrative citation in a note style.
    author: String,
}

/// The keys cited in a part's raw text, known or not (a guess from the text:
/// a citation inside code counts too, which at worst tells apart two works
/// that did not need it).
pub fn cited_keys(text: &str) -> Vec<&str> {
    citesyntax::keys(text)
}

/// Formats every citation. Positions (first, later, ibid) are worked out
/// here in reading order; each form comes from the bibliography's cache.
fn render_all(found: &[Found], order: &[usize], bib: &Bibliography) -> Vec<Rendered> {
    let in_text = !bib.is_note_style();
    let (open, close, delimiter) = bib.affixes();
    let (open, close, delimiter) = (escape(open), escape(close), escape(delimiter));
    let mut seen: FxHashSet<&str> = FxHashSet::default();
    // The previous item cited, with its locator, for "Ibid.".
    let mut previous: Option<(&str, Option<&str>)> = None;
    let mut rendered = vec![Rendered::default(); found.len()];
    for &i in order {
        let cite = &found[i].cite;
        // Author-date styles that collapse cite a second work of the same
        // author by its year alone, next to the first: "(Pipes 1990, 1995)".
        let grouping = bib
            .cite_group_delimiter()
            .filter(|_| in_text && !cite.narrative && cite.items.len() > 1);
        let names: Vec<String> = match grouping {
            Some(_) => cite
                .items
                .iter()
                .map(|item| author_name(bib, &item.key, &open, &close))
                .collect(),
            None => Vec::new(),
        };
        let mut parts: Vec<(String, bool)> = Vec::new();
        let mut author = String::new();
        let mut last_name: Option<&str> = None;
        // Whether the citation shows anything: MLA's `[-@key]` without a
        // page has nothing left once the name is suppressed.
        let mut shown = false;
        for k in by_author(cite, &names) {
            let item = &cite.items[k];
            let same_author = names.get(k).is_some_and(|name| {
                !name.is_empty() && item.prefix.is_empty() && last_name == Some(name.as_str())
            });
            last_name = names.get(k).map(String::as_str);
            let suppress_author = item.suppress_author || same_author;
            let value = item.locator.as_ref().map(|l| l.value.as_str());
            let position = match previous {
                _ if !seen.contains(item.key.as_str()) => Position::First,
                Some((key, loc)) if key == item.key && loc == value => Position::Ibid,
                Some((key, _)) if key == item.key => Position::IbidWithLocator,
                _ => Position::Subsequent,
            };
            seen.insert(&item.key);
            previous = Some((&item.key, value));
            // In-text styles write a narrative or author-suppressed citation in
            // their prose form, "Daniels (1967)", and quire trims what it needs.
            let purpose =
                (in_text && (cite.narrative || suppress_author)).then_some(CitePurpose::Prose);
            let form = Form {
                key: item.key.clone(),
                position,
                locator: item
                    .locator
                    .as_ref()
                    .map(|l| (l.label, is_plural(&l.value))),
                purpose,
            };
            let html = bib.cite(&form, value);
            let name = match names.get(k) {
                Some(name) => name.clone(),
                None if cite.narrative || suppress_author => {
                    author_name(bib, &item.key, &open, &close)
                }
                None => String::new(),
            };
            let core = if in_text && cite.narrative {
                Cow::Owned(html.replace(" ()", ""))
            } else if in_text && suppress_author {
                let rest = html
                    .strip_prefix(name.as_str())
                    .unwrap_or(&html)
                    .trim_start();
                Cow::Borrowed(strip_affixes(rest, "(", ")"))
            } else {
                Cow::Borrowed(strip_affixes(&html, &open, &close))
            };
            if cite.narrative || item.suppress_author {
                author = name;
            }
            let core = core.trim();
            shown |= !core.is_empty() || !item.prefix.is_empty() || !item.suffix.is_empty();
            let mut piece = String::with_capacity(core.len() + 16);
            if !item.prefix.is_empty() {
                super::html::escape_into(&mut piece, &item.prefix);
                piece.push(' ');
            }
            if in_text {
                let _ = write!(
                    piece,
                    "<a href=\"#{}\">{core}</a>",
                    escape(&bibliography::reference_id(&item.key))
                );
            } else {
                piece.push_str(core);
            }
            super::html::escape_into(&mut piece, &item.suffix);
            let bare = item.locator.is_none() && item.prefix.is_empty() && item.suffix.is_empty();
            if let (Some(group_delimiter), true, Some((last, _))) =
                (&grouping, same_author, parts.last_mut())
            {
                last.push_str(group_delimiter);
                last.push_str(&piece);
            } else {
                parts.push((piece, bare));
            }
        }
        // A numeric style's items are ordered and collapsed by number once
        // the numbers are known (see `citenumbers`).
        let mut joined = if bib.is_numeric() && parts.len() > 1 {
            citenumbers::group(parts.iter().map(|(html, bare)| (html.as_str(), *bare)))
        } else if parts.len() == 1 {
            parts.pop().map(|(html, _)| html).unwrap_or_default()
        } else {
            let pieces: Vec<&str> = parts.iter().map(|(html, _)| html.as_str()).collect();
            pieces.join(&delimiter)
        };
        let text = if found[i].own_note {
            joined.push_str(&close);
            joined
        } else if cite.narrative && in_text {
            joined
        } else if in_text && !shown {
            String::new()
        } else if in_text {
            [open.as_str(), &joined, &close].concat()
        } else {
            // A note style's citation inside the author's own note: the
            // author's sentence supplies the punctuation.
            joined
        };
        rendered[i] = Rendered { text, author };
    }
    rendered
}

/// A work's author as the style names them in a citation ("Daniels").
fn author_name(bib: &Bibliography, key: &str, open: &str, close: &str) -> String {
    let form = Form {
        key: key.to_string(),
        position: Position::First,
        locator: None,
        purpose: Some(CitePurpose::Author),
    };
    strip_affixes(&bib.cite(&form, None), open, close)
        .trim()
        .to_string()
}

/// The order a citation's items are written in: each after the first item of
/// its author (`names`, empty when the style does not group), except items
/// with a prefix, which keep their place.
fn by_author(cite: &Cite, names: &[String]) -> Vec<usize> {
    let count = cite.items.len();
    let mut placed = vec![false; count];
    let mut order = Vec::with_capacity(count);
    for k in 0..count {
        if placed[k] {
            continue;
        }
        order.push(k);
        let Some(name) = names.get(k).filter(|n| !n.is_empty()) else {
            continue;
        };
        for j in k + 1..count {
            if !placed[j] && names[j] == *name && cite.items[j].prefix.is_empty() {
                placed[j] = true;
                order.push(j);
            }
        }
    }
    order
}

/// Whether a locator names several places ("33–35", "12, 14"), for "pp.".
fn is_plural(value: &str) -> bool {
    value.contains(['–', '—', '-', ',', '&'])
}

fn strip_affixes<'a>(html: &'a str, open: &str, close: &str) -> &'a str {
    let html = html.strip_prefix(open).unwrap_or(html);
    html.strip_suffix(close).unwrap_or(html)
}

fn escape(s: &str) -> String {
    super::html::escape(s)
}

/// "see Pipes…" at the start of a note reads "See Pipes…".
fn capitalize_first(html: String) -> String {
    // Skip leading tags to reach the first letter.
    let mut in_tag = false;
    for (i, c) in html.char_indices() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag && c.is_alphabetic() && !c.is_uppercase() => {
                let upper: String = c.to_uppercase().collect();
                return [&html[..i], &upper, &html[i + c.len_utf8()..]].concat();
            }
            _ if !in_tag => return html,
            _ => {}
        }
    }
    html
}
