//! Turns a parsed part into HTML: headings with permalinks, rewritten links,
//! figures, note references with sidenotes, endnotes with back-links,
//! highlighted code, and the spans around index occurrences.
//!
//! The HTML is made while the part is parsed, before the other parts are
//! known: where a link's or an image's destination goes, it holds a slot
//! (`\0` + kind + index + `\0`), filled in by `PartHtml::resolve` once the
//! series' links are resolved. NUL never comes from a part's text (quire
//! reads it as U+FFFD, as CommonMark says), so a slot cannot be the
//! author's own text.

use super::footnotes::{parse_ref_tag, ref_id};
use super::indexing::{open_span, Mark};
use super::refs::{IMAGE_TOKEN, LINK_TOKEN};
use super::{highlight, matching_end, plain_text, Ev, LinkRef, Note, Parse, ParsedDoc};
use pulldown_cmark::{CodeBlockKind, CowStr, Event, Tag, TagEnd};
use rustc_hash::FxHashMap;
use std::cell::Cell;
use std::fmt::Write;
use std::ops::Range;

/// How a recorded link renders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkOut {
    /// A real link to this (relative) URL.
    Href(String),
    /// A part not yet published: the text, marked up, with this title attribute.
    Forthcoming(String),
}

/// How a recorded image renders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageOut {
    /// The (relative) URL.
    pub src: String,
    /// Pixel size, for local images whose size could be read.
    pub size: Option<(u32, u32)>,
}

/// The resolved destinations of a part's links and images, by index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Targets {
    /// One per `ParsedDoc::links`.
    pub links: Vec<LinkOut>,
    /// One per `ParsedDoc::images`.
    pub images: Vec<ImageOut>,
}

/// Where a run of events is being rendered; it decides which ids are emitted
/// (each id exactly once per page) and whether block markup is allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The text of the part.
    Body,
    /// A note in the endnotes list.
    Endnote,
    /// A note inline in the margin: phrasing content only, hidden from assistive
    /// technology (the endnote is the accessible copy), links out of the tab order.
    Sidenote,
}

/// The kinds of slot: a link's start tag in each mode, its end tag, an
/// image's source and size.
const SLOT_LINK_BODY: u8 = b'b';
const SLOT_LINK_ENDNOTE: u8 = b'e';
const SLOT_LINK_SIDENOTE: u8 = b's';
const SLOT_LINK_END: u8 = b'c';
const SLOT_IMAGE: u8 = b'i';

fn slot(kind: u8, index: usize) -> String {
    // Joined by hand, as the other small tags made for every link and note:
    // `format!` costs several times as much, hundreds of thousands of times.
    let index = index.to_string();
    let mut s = String::with_capacity(index.len() + 3);
    s.push('\0');
    s.push(char::from(kind));
    s.push_str(&index);
    s.push('\0');
    s
}

/// A part's HTML, which depends only on its parse and its resolved links:
/// made once, reused by the page and the feed (and across watch rebuilds).
#[derive(Debug, Clone, Default)]
pub struct PartHtml {
    /// The text with margin notes.
    pub body: String,
    /// Where in `body` the margin copies of notes and the headings' permalinks
    /// sit, in order: readers without the page's stylesheet (the feed, the
    /// EPUB) get the text without them. Cut out of `body` rather than
    /// rendered a second time: that took a third of the time spent making HTML.
    pub margin: Vec<Range<usize>>,
    /// The endnotes section.
    pub notes: String,
    /// Where each note's content sits in `notes` (note 1 first), for formats
    /// that place notes themselves (the EPUB's footnotes).
    pub note_content: Vec<Range<usize>>,
}

impl PartHtml {
    /// The text and the endnotes, with slots for destinations.
    pub(crate) fn draft(parse: &Parse) -> Self {
        let (body, margin) = body(parse);
        let (notes, note_content) = endnotes(parse);
        PartHtml {
            body,
            margin,
            notes,
            note_content,
        }
    }

    /// The HTML with its slots filled by the part's resolved `targets`
    /// (`links` are the doc's); `None` when it has no slots.
    pub fn resolved(&self, links: &[LinkRef], targets: &Targets) -> Option<PartHtml> {
        self.map_text(|text| fill(text, links, targets))
    }

    /// The stretches of `body` outside `margin`, in order.
    fn plain_pieces(&self) -> impl Iterator<Item = &str> {
        let starts = std::iter::once(0).chain(self.margin.iter().map(|m| m.end));
        let ends = self
            .margin
            .iter()
            .map(|m| m.start)
            .chain(std::iter::once(self.body.len()));
        starts.zip(ends).map(|(start, end)| &self.body[start..end])
    }

    /// The text without margin notes and permalinks.
    pub fn plain_body(&self) -> String {
        let mut out = String::with_capacity(self.body.len());
        self.plain_pieces().for_each(|piece| out.push_str(piece));
        out
    }

    /// The content of note `number` (1-based), as in the endnotes.
    pub fn note(&self, number: usize) -> &str {
        number
            .checked_sub(1)
            .and_then(|i| self.note_content.get(i))
            .map_or("", |range| &self.notes[range.clone()])
    }

    /// The same HTML with `f` applied to every stretch of it (`None`: left
    /// as it is); `None` when `f` changed nothing.
    pub fn map_text(&self, f: impl Fn(&str) -> Option<String>) -> Option<PartHtml> {
        let body = map_pieces(&self.body, &self.margin, &f);
        let notes = map_pieces(&self.notes, &self.note_content, &f);
        if body.is_none() && notes.is_none() {
            return None;
        }
        let (body, margin) = body.unwrap_or_else(|| (self.body.clone(), self.margin.clone()));
        let (notes, note_content) =
            notes.unwrap_or_else(|| (self.notes.clone(), self.note_content.clone()));
        Some(PartHtml {
            body,
            margin,
            notes,
            note_content,
        })
    }

    /// Text and notes with every link made absolute against `page_url`, ready
    /// to go in a CDATA section. Made when the feed is written and not kept:
    /// at 1,000 parts that is 60 MB, and it takes milliseconds to redo.
    pub fn feed_content(&self, page_url: &str) -> String {
        let mut html = String::with_capacity(self.body.len() + self.notes.len());
        let absolute = crate::urls::Absolute::new(page_url);
        for piece in self.plain_pieces() {
            absolute.append(piece, &mut html);
        }
        absolute.append(&self.notes, &mut html);
        // Only `]]>` needs care inside CDATA; it is rare, so look before copying.
        if memchr::memmem::find(html.as_bytes(), b"]]>").is_some() {
            html = html.replace("]]>", "]]]]><![CDATA[>");
        }
        html
    }
}

/// `text` with `f` applied to each stretch between and inside the (ordered,
/// disjoint) `ranges`, and the ranges moved to match; `None` when `f`
/// changed nothing.
fn map_pieces(
    text: &str,
    ranges: &[Range<usize>],
    f: &impl Fn(&str) -> Option<String>,
) -> Option<(String, Vec<Range<usize>>)> {
    let mut bounds = Vec::with_capacity(2 * ranges.len() + 2);
    bounds.push(0);
    for range in ranges {
        bounds.extend([range.start, range.end]);
    }
    bounds.push(text.len());
    let pieces: Vec<Option<String>> = bounds.windows(2).map(|w| f(&text[w[0]..w[1]])).collect();
    if pieces.iter().all(Option::is_none) {
        return None;
    }
    let piece = |i: usize| match &pieces[i] {
        Some(changed) => changed.as_str(),
        None => &text[bounds[i]..bounds[i + 1]],
    };
    // Kept for the whole build: sized exactly.
    let mut out = String::with_capacity((0..pieces.len()).map(|i| piece(i).len()).sum());
    let mut moved = Vec::with_capacity(ranges.len());
    for i in 0..pieces.len() {
        let start = out.len();
        out.push_str(piece(i));
        // Odd pieces are the ranges themselves.
        if i % 2 == 1 {
            moved.push(start..out.len());
        }
    }
    Some((out, moved))
}

/// `text` with its slots filled; `None` when it has none.
fn fill(text: &str, links: &[LinkRef], targets: &Targets) -> Option<String> {
    let bytes = text.as_bytes();
    let mut next = memchr::memchr(0, bytes)?;
    let mut out = String::with_capacity(text.len() + 256);
    let mut copied = 0;
    loop {
        let kind = bytes.get(next + 1).copied().unwrap_or_default();
        let digits = next + 2;
        let end = memchr::memchr(0, &bytes[digits.min(bytes.len())..]).map(|n| digits + n);
        // Read as bytes: after a NUL that is not a slot, `digits` need not
        // fall on a character boundary.
        let index = end
            .and_then(|end| std::str::from_utf8(&bytes[digits..end]).ok())
            .and_then(|n| n.parse::<usize>().ok());
        // Anything else is not a slot quire wrote: left as it is.
        if let (Some(index), Some(end)) = (index, end) {
            out.push_str(&text[copied..next]);
            copied = next;
            if slot_html(kind, index, links, targets, &mut out) {
                copied = end + 1;
            }
        }
        match memchr::memchr(0, &bytes[(next + 1).max(copied)..]) {
            Some(n) => next = (next + 1).max(copied) + n,
            None => break,
        }
    }
    out.push_str(&text[copied..]);
    Some(out)
}

/// Writes what a slot stands for, once the part's links are resolved, to
/// `out`; `false` (and nothing written) when it stands for nothing.
fn slot_html(
    kind: u8,
    index: usize,
    links: &[LinkRef],
    targets: &Targets,
    out: &mut String,
) -> bool {
    let mode = match kind {
        SLOT_IMAGE => {
            let Some(image) = targets.images.get(index) else {
                return false;
            };
            out.push_str(&image_source(image));
            return true;
        }
        SLOT_LINK_END => {
            out.push_str(match targets.links.get(index) {
                Some(LinkOut::Href(_)) => "</a>",
                Some(LinkOut::Forthcoming(_)) => "</span>",
                None => return false,
            });
            return true;
        }
        SLOT_LINK_BODY => Mode::Body,
        SLOT_LINK_ENDNOTE => Mode::Endnote,
        SLOT_LINK_SIDENOTE => Mode::Sidenote,
        _ => return false,
    };
    let (Some(recorded), Some(link)) = (links.get(index), targets.links.get(index)) else {
        return false;
    };
    link_start(recorded, link, mode, out);
    true
}

/// The part's text as HTML, and where its margin notes and permalinks sit.
fn body(parse: &Parse) -> (String, Vec<Range<usize>>) {
    let (events, margin) = html_events(&parse.body, &parse.marks, parse, Mode::Body);
    write_measured(events, &margin)
}

/// Writes events as HTML, with the byte ranges that the events at the
/// (ascending) indices `measured` took. Each must be an `Html` event: the
/// writer puts those out exactly as they are.
fn write_measured(events: Vec<Event<'_>>, measured: &[usize]) -> (String, Vec<Range<usize>>) {
    /// A `String` whose length the event stream can read while it is written.
    struct Measured<'c> {
        out: String,
        len: &'c Cell<usize>,
    }
    impl std::fmt::Write for Measured<'_> {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            self.out.push_str(s);
            self.len.set(self.out.len());
            Ok(())
        }
    }
    let len = Cell::new(0);
    let mut ranges = Vec::with_capacity(measured.len());
    let mut next = measured.iter().peekable();
    // The writer writes each event out before it asks for the next.
    let stream = events.into_iter().enumerate().map(|(i, event)| {
        if next.next_if_eq(&&i).is_some() {
            if let Event::Html(html) = &event {
                ranges.push(len.get()..len.get() + html.len());
            }
        }
        event
    });
    let mut writer = Measured {
        out: String::new(),
        len: &len,
    };
    let _ = pulldown_cmark::html::write_html_fmt(&mut writer, stream);
    // Kept for the whole build: give back what the doubling growth left over.
    writer.out.shrink_to_fit();
    (writer.out, ranges)
}

/// The endnotes section (an empty string when the part has no notes), and
/// where each note's content sits in it.
fn endnotes(parse: &Parse) -> (String, Vec<Range<usize>>) {
    if parse.notes.is_empty() {
        return (String::new(), Vec::new());
    }
    let mut out = String::from(
        "<section class=\"endnotes\" role=\"doc-endnotes\" aria-labelledby=\"notes-heading\">\n\
         <h2 id=\"notes-heading\">Notes</h2>\n<ol>\n",
    );
    let mut content = Vec::with_capacity(parse.notes.len());
    for note in &parse.notes {
        let _ = write!(out, "<li id=\"{}\">", note.id());
        let start = out.len();
        out.push_str(&render(&note.events, &note.marks, parse, Mode::Endnote));
        content.push(start..out.len());
        out.push_str("<p class=\"backlinks\">");
        for k in 1..=note.ref_count {
            let label = if note.ref_count == 1 {
                String::new()
            } else {
                format!(" {}", letter(k))
            };
            let _ = write!(
                out,
                "<a href=\"#{}\" role=\"doc-backlink\" aria-label=\"Back to reference {}{}\">↩{}</a> ",
                ref_id(note.number, k),
                note.number,
                label,
                label
            );
        }
        out.truncate(out.trim_end().len());
        out.push_str("</p></li>\n");
    }
    out.push_str("</ol>\n</section>\n");
    out.shrink_to_fit();
    (out, content)
}

/// The "Works cited" sections of parts: each part's works, in the order of
/// the series bibliography (the style's order).
pub struct WorksCited {
    /// Each work's list item, in the series' order.
    items: Vec<String>,
    /// The place in `items` of each work, by its key.
    places: FxHashMap<String, usize>,
}

impl WorksCited {
    /// The sections cut from the series' reference list.
    pub fn new(series: &[crate::bibliography::Reference]) -> Self {
        let items = (series.iter())
            .map(|reference| {
                let mut item = String::from("<li id=\"");
                escape_into(&mut item, &reference.id());
                item.push_str("\" class=\"reference\">");
                item.push_str(&reference.html);
                item.push_str("</li>\n");
                item
            })
            .collect();
        let places = (series.iter().enumerate())
            .map(|(at, reference)| (reference.key.clone(), at))
            .collect();
        WorksCited { items, places }
    }

    /// The section of the part `doc`; empty when it cites nothing.
    pub fn section(&self, doc: &ParsedDoc) -> String {
        let mut cited: Vec<usize> = (doc.citations.iter().flat_map(|c| &c.keys))
            .filter_map(|key| self.places.get(key).copied())
            .collect();
        if cited.is_empty() {
            return String::new();
        }
        cited.sort_unstable();
        cited.dedup();
        let mut out = String::from(
            "<section class=\"works-cited\" aria-labelledby=\"works-cited-heading\">\n\
             <h2 id=\"works-cited-heading\">Works cited</h2>\n<ul class=\"references\">\n",
        );
        for at in cited {
            out.push_str(&self.items[at]);
        }
        out.push_str("</ul>\n</section>\n");
        out
    }
}

/// a, b, c … z, aa, ab …
fn letter(k: usize) -> String {
    let mut k = k;
    let mut s = Vec::new();
    while k > 0 {
        k -= 1;
        s.push(b'a' + (k % 26) as u8);
        k /= 26;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// A copy of an event that borrows its text instead of allocating it again.
fn borrowed<'a>(event: &'a Event<'static>) -> Event<'a> {
    let b = |s: &'a CowStr<'static>| CowStr::Borrowed(s.as_ref());
    match event {
        Event::Text(s) => Event::Text(b(s)),
        Event::Code(s) => Event::Code(b(s)),
        Event::Html(s) => Event::Html(b(s)),
        Event::InlineHtml(s) => Event::InlineHtml(b(s)),
        other => other.clone(),
    }
}

fn render(events: &[Ev], marks: &[Mark], parse: &Parse, mode: Mode) -> String {
    let mut s = String::new();
    let (events, _) = html_events(events, marks, parse, mode);
    pulldown_cmark::html::push_html(&mut s, events.into_iter());
    s
}

/// The events to write for a run of parsed events, with the indices of those
/// only a page shows (margin notes, permalinks).
fn html_events<'e>(
    events: &'e [Ev],
    marks: &[Mark],
    parse: &Parse,
    mode: Mode,
) -> (Vec<Event<'e>>, Vec<usize>) {
    let mut out: Vec<Event<'_>> = Vec::with_capacity(events.len() + 2 * marks.len());
    let mut marks = marks.iter().peekable();
    let mut margin = Vec::new();
    // What ends each element opened by hand: markup only the page shows, and
    // the closing tag.
    let mut closers: Vec<Option<(Option<String>, String)>> = Vec::new();
    let mut i = 0;
    while i < events.len() {
        let (event, _) = &events[i];
        // Index spans land only in text; one left behind by a skipped event
        // (which the index pass never marks) is dropped.
        while marks.next_if(|m| m.event < i).is_some() {}
        match event {
            Event::Text(text) if marks.peek().is_some_and(|m| m.event == i) => {
                let mut from = 0;
                while let Some(mark) = marks.next_if(|m| m.event == i) {
                    let at = mark.at.min(text.len());
                    if at > from {
                        out.push(Event::Text(CowStr::Borrowed(&text[from..at])));
                        from = at;
                    }
                    out.push(match mark.opens {
                        // The margin copy of a note must not repeat the endnote's ids.
                        Some(n) => html(open_span((mode != Mode::Sidenote).then_some(n), false)),
                        None => Event::Html(CowStr::Borrowed("</span>")),
                    });
                }
                if from < text.len() {
                    out.push(Event::Text(CowStr::Borrowed(&text[from..])));
                }
            }
            Event::Start(Tag::Paragraph) if mode != Mode::Sidenote => {
                if let Some(end) = lone_image(events, i) {
                    out.push(html(figure(&events[i + 1..=end])));
                    // Skip the image and the paragraph's end.
                    i = end + 2;
                    continue;
                }
                out.push(borrowed(event));
            }
            Event::Start(Tag::Heading { level, id, .. }) if mode == Mode::Body => {
                let id = id.as_deref().unwrap_or_default();
                let (level, id) = (level.to_string(), escape(id));
                out.push(html(["<", &level, " id=\"", &id, "\">"].concat()));
                closers.push(Some((
                    Some(
                        [
                            "<a class=\"permalink\" href=\"#",
                            &id,
                            "\" aria-hidden=\"true\" tabindex=\"-1\">¶</a>",
                        ]
                        .concat(),
                    ),
                    ["</", &level, ">\n"].concat(),
                )));
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let end = matching_end(events, i);
                let code = plain_text(&events[i + 1..end]);
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => info.split_whitespace().next().unwrap_or(""),
                    CodeBlockKind::Indented => "",
                };
                out.push(html(code_block(&code, lang, mode)));
                i = end + 1;
                continue;
            }
            Event::Start(Tag::Link {
                dest_url, title, ..
            }) => {
                let (open, close) = link(dest_url, title, mode);
                out.push(html(open));
                closers.push(Some((None, close)));
            }
            Event::Start(Tag::Image { .. }) => {
                let end = matching_end(events, i);
                out.push(html(image(&events[i], &events[i + 1..end])));
                i = end + 1;
                continue;
            }
            Event::Start(tag) if mode == Mode::Sidenote && is_block(tag) => {
                let class = match tag {
                    Tag::Paragraph => "sn-p",
                    Tag::Item => "sn-li",
                    _ => "sn-block",
                };
                out.push(html(["<span class=\"", class, "\">"].concat()));
                closers.push(Some((None, "</span>".into())));
            }
            Event::Start(_) => {
                out.push(borrowed(event));
                closers.push(None);
            }
            Event::End(TagEnd::Paragraph) if mode != Mode::Sidenote => out.push(borrowed(event)),
            Event::End(_) => match closers.pop().flatten() {
                Some((page_only, close)) => {
                    if let Some(markup) = page_only {
                        margin.push(out.len());
                        out.push(html(markup));
                    }
                    out.push(html(close));
                }
                None => out.push(borrowed(event)),
            },
            Event::FootnoteReference(tag) => {
                out.push(html(note_ref(tag, mode)));
                if let Some(note) = first_reference_note(tag, parse, mode) {
                    margin.push(out.len());
                    out.push(html(sidenote(note, parse)));
                }
            }
            // The margin copy of a note must not repeat the endnote's ids.
            Event::InlineHtml(raw) if mode == Mode::Sidenote => {
                match super::indexing::strip_id(raw) {
                    Some(stripped) => out.push(Event::InlineHtml(stripped.into())),
                    None => out.push(borrowed(event)),
                }
            }
            _ => out.push(borrowed(event)),
        }
        i += 1;
    }
    (out, margin)
}

fn html(s: impl Into<String>) -> Event<'static> {
    Event::Html(CowStr::from(s.into()))
}

fn is_block(tag: &Tag<'_>) -> bool {
    !matches!(
        tag,
        Tag::Emphasis
            | Tag::Strong
            | Tag::Strikethrough
            | Tag::Superscript
            | Tag::Subscript
            | Tag::Link { .. }
            | Tag::Image { .. }
    )
}

/// If the paragraph at `start` holds exactly one image, the index of its `End(Image)`.
fn lone_image(events: &[Ev], start: usize) -> Option<usize> {
    if !matches!(events.get(start + 1)?.0, Event::Start(Tag::Image { .. })) {
        return None;
    }
    let end = matching_end(events, start + 1);
    matches!(events.get(end + 1)?.0, Event::End(TagEnd::Paragraph)).then_some(end)
}

/// The `src` (and size) of a resolved image.
fn image_source(img: &ImageOut) -> String {
    let mut s = String::from("src=\"");
    let _ = pulldown_cmark_escape::escape_href(&mut s, &img.src);
    s.push('"');
    if let Some((w, h)) = img.size {
        let _ = write!(s, " width=\"{w}\" height=\"{h}\"");
    }
    s
}

fn image(start: &Ev, alt_events: &[Ev]) -> String {
    let Event::Start(Tag::Image {
        dest_url, title, ..
    }) = &start.0
    else {
        return String::new();
    };
    let alt = plain_text(alt_events);
    let mut s = String::from("<img ");
    match dest_url
        .strip_prefix(IMAGE_TOKEN)
        .and_then(|n| n.parse::<usize>().ok())
    {
        Some(index) => s.push_str(&slot(SLOT_IMAGE, index)),
        None => {
            s.push_str("src=\"");
            let _ = pulldown_cmark_escape::escape_href(&mut s, dest_url);
            s.push('"');
        }
    }
    let _ = write!(s, " alt=\"{}\" loading=\"lazy\"", escape(&alt));
    if !title.is_empty() {
        let _ = write!(s, " title=\"{}\"", escape(title));
    }
    s.push('>');
    s
}

fn figure(image_events: &[Ev]) -> String {
    let end = image_events.len() - 1;
    let Event::Start(Tag::Image { title, .. }) = &image_events[0].0 else {
        return String::new();
    };
    let mut s = String::from("<figure>");
    // The caption is the title; the same text would be read twice as a tooltip.
    let mut img = image(&image_events[0], &image_events[1..end]);
    if !title.is_empty() {
        img = img.replace(&format!(" title=\"{}\"", escape(title)), "");
    }
    s.push_str(&img);
    if !title.is_empty() {
        let _ = write!(s, "<figcaption>{}</figcaption>", escape(title));
    }
    s.push_str("</figure>\n");
    s
}

/// A link's start and end tags: written out for a link quire leaves alone,
/// slots for a recorded one.
fn link(dest: &str, title: &str, mode: Mode) -> (String, String) {
    if let Some(index) = dest
        .strip_prefix(LINK_TOKEN)
        .and_then(|n| n.parse::<usize>().ok())
    {
        let kind = match mode {
            Mode::Body => SLOT_LINK_BODY,
            Mode::Endnote => SLOT_LINK_ENDNOTE,
            Mode::Sidenote => SLOT_LINK_SIDENOTE,
        };
        return (slot(kind, index), slot(SLOT_LINK_END, index));
    }
    let mut href = String::new();
    let _ = pulldown_cmark_escape::escape_href(&mut href, dest);
    (
        format!("<a href=\"{href}\"{}{}>", title_attribute(title), tab(mode)),
        "</a>".into(),
    )
}

fn title_attribute(title: &str) -> String {
    if title.is_empty() {
        String::new()
    } else {
        format!(" title=\"{}\"", escape(title))
    }
}

/// Links in the margin are out of the tab order (the endnote has them).
fn tab(mode: Mode) -> &'static str {
    if mode == Mode::Sidenote {
        " tabindex=\"-1\""
    } else {
        ""
    }
}

/// Writes the start tag of a recorded link, resolved to `link`, to `out`.
fn link_start(recorded: &LinkRef, link: &LinkOut, mode: Mode, out: &mut String) {
    let id = |out: &mut String| {
        if mode == Mode::Body && recorded.note.is_none() {
            out.push_str(" id=\"");
            out.push_str(&recorded.spot_id());
            out.push('"');
        }
    };
    match link {
        LinkOut::Href(url) => {
            out.push_str("<a href=\"");
            let _ = pulldown_cmark_escape::escape_href(&mut *out, url);
            out.push('"');
            id(out);
            out.push_str(&title_attribute(&recorded.title));
            out.push_str(tab(mode));
            out.push('>');
        }
        LinkOut::Forthcoming(label) => {
            out.push_str("<span class=\"link-forthcoming\"");
            id(out);
            out.push_str(" title=\"");
            escape_into(out, label);
            out.push_str("\">");
        }
    }
}

fn note_ref(tag: &str, mode: Mode) -> String {
    let Some((number, occurrence)) = parse_ref_tag(tag) else {
        return String::new();
    };
    let n = number.to_string();
    match mode {
        Mode::Sidenote => ["<sup>", &n, "</sup>"].concat(),
        Mode::Endnote | Mode::Body => [
            "<sup class=\"noteref\"><a href=\"#fn-",
            &n,
            "\" id=\"",
            &ref_id(number, occurrence),
            "\" role=\"doc-noteref\">",
            &n,
            "</a></sup>",
        ]
        .concat(),
    }
}

/// The note whose margin copy follows this reference: in the text of a
/// page, after the first reference to each note.
fn first_reference_note<'p>(tag: &str, parse: &'p Parse, mode: Mode) -> Option<&'p Note> {
    let (number, occurrence) = parse_ref_tag(tag)?;
    if mode != Mode::Body || occurrence != 1 {
        return None;
    }
    parse.notes.get(number.checked_sub(1)?)
}

fn sidenote(note: &Note, parse: &Parse) -> String {
    format!(
        "<span class=\"sidenote\" aria-hidden=\"true\"><span class=\"sidenote-number\">{}</span> {}</span>",
        note.number,
        render(&note.events, &note.marks, parse, Mode::Sidenote).trim_end()
    )
}

fn code_block(code: &str, lang: &str, mode: Mode) -> String {
    if mode == Mode::Sidenote {
        return format!("<code class=\"sn-block\">{}</code>", escape(code));
    }
    let highlighted = if lang.is_empty() {
        None
    } else {
        highlight::highlight(code, lang)
    };
    match highlighted {
        Some(inner) => format!(
            "<pre class=\"code highlighted\" tabindex=\"0\"><code class=\"language-{}\">{inner}</code></pre>\n",
            escape(lang)
        ),
        None if lang.is_empty() => {
            format!("<pre class=\"code\" tabindex=\"0\"><code>{}</code></pre>\n", escape(code))
        }
        None => format!(
            "<pre class=\"code\" tabindex=\"0\"><code class=\"language-{}\">{}</code></pre>\n",
            escape(lang),
            escape(code)
        ),
    }
}

/// Escapes text for HTML content and attribute values (and XML).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 16);
    escape_into(&mut out, s);
    out
}

/// `escape`, appended to `out`.
pub fn escape_into(out: &mut String, s: &str) {
    let special = |b: &u8| matches!(b, b'&' | b'<' | b'>' | b'"' | b'\'');
    // Most text has nothing to escape: copy it at once.
    let Some(first) = s.bytes().position(|b| special(&b)) else {
        out.push_str(s);
        return;
    };
    out.push_str(&s[..first]);
    let s = &s[first..];
    let mut copied = 0;
    // The special characters are ASCII, so byte positions are char boundaries.
    for (i, b) in s.bytes().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&s[copied..i]);
        out.push_str(entity);
        copied = i + 1;
    }
    out.push_str(&s[copied..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::LinkTarget;

    #[test]
    fn slots_are_filled_with_the_resolved_destinations() {
        let link = |note| LinkRef {
            target: LinkTarget::PartNumber {
                number: 2,
                anchor: None,
            },
            raw: "part:2".into(),
            at: (1, 1),
            text: "x".into(),
            title: String::new(),
            note,
            section: None,
            body_ordinal: 1,
        };
        let links = [link(None), link(Some(3))];
        let targets = Targets {
            links: vec![
                LinkOut::Href("../b/index.html".into()),
                LinkOut::Forthcoming("Part II, forthcoming".into()),
            ],
            images: vec![ImageOut {
                src: "../assets/a.png".into(),
                size: Some((4, 3)),
            }],
        };
        let text = format!(
            "<p>{}x{} {}y{} <img {} alt=\"\"></p>",
            slot(SLOT_LINK_BODY, 0),
            slot(SLOT_LINK_END, 0),
            slot(SLOT_LINK_SIDENOTE, 1),
            slot(SLOT_LINK_END, 1),
            slot(SLOT_IMAGE, 0)
        );
        assert_eq!(
            fill(&text, &links, &targets).unwrap(),
            "<p><a href=\"../b/index.html\" id=\"xref-1\">x</a> \
             <span class=\"link-forthcoming\" title=\"Part II, forthcoming\">y</span> \
             <img src=\"../assets/a.png\" width=\"4\" height=\"3\" alt=\"\"></p>"
        );
        assert_eq!(fill("<p>no slots</p>", &links, &targets), None);
        // What is not a slot quire wrote is left alone.
        assert_eq!(
            fill("a\0z9\0b\0i7\0\0€1\0", &links, &targets).as_deref(),
            Some("a\0z9\0b\0i7\0\0€1\0")
        );
    }

    #[test]
    fn the_margin_is_cut_out_and_follows_changes_to_the_text() {
        let html = PartHtml {
            body: "a1b<m1>c<p>".into(),
            margin: vec![3..7, 8..11],
            notes: "<li>n1</li>".into(),
            note_content: std::iter::once(4..6).collect(),
        };
        assert_eq!(html.plain_body(), "a1bc");
        let mapped = html
            .map_text(|t| t.contains('1').then(|| t.replace('1', "22")))
            .unwrap();
        assert_eq!(mapped.body, "a22b<m22>c<p>");
        assert_eq!(&mapped.body[mapped.margin[0].clone()], "<m22>");
        assert_eq!(&mapped.body[mapped.margin[1].clone()], "<p>");
        assert_eq!(mapped.plain_body(), "a22bc");
        assert_eq!(mapped.notes, "<li>n22</li>");
        assert_eq!(mapped.note(1), "n22");
        assert!(html.map_text(|_| None).is_none());
    }

    #[test]
    fn escapes_the_five_specials_and_keeps_the_rest() {
        assert_eq!(escape("a<b>&\"c\"'é"), "a&lt;b&gt;&amp;&quot;c&quot;&#39;é");
        assert_eq!(escape("plain"), "plain");
    }

    #[test]
    fn backlink_letters() {
        assert_eq!(letter(1), "a");
        assert_eq!(letter(26), "z");
        assert_eq!(letter(27), "aa");
    }
}
