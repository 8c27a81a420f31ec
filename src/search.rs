//! The search data: the prose of every published part (titles, headings,
//! text, notes; never code), cut into sections at headings, written as one
//! compact script that the search page loads when the reader starts searching
//! (a script, not JSON, so that it loads from `file://` too).
//!
//! Own format rather than a Lunr-style index: the page needs the words
//! themselves for snippets, and a Lunr index of a large series is bigger than
//! its text. Words are numbered by frequency (the commonest get the smallest
//! numbers) and the text is stored as those numbers, LEB128-encoded and in
//! base64; the browser folds case and accents, stems and prefix-matches the
//! vocabulary, then scans the numbers, which takes milliseconds.

use crate::links::part_dir;
use crate::markdown::{Ev, Note};
use crate::numeral::roman;
use crate::series::Series;
use pulldown_cmark::{Event, Tag, TagEnd};
use serde::Serialize;
use std::io::Write;

/// Where the data file lives.
pub const DATA_PATH: &str = "search/data.js";

/// A stretch of a part between two headings, or one note.
#[derive(Debug, Clone, Default, Serialize)]
struct Section {
    /// Index into `parts`.
    part: u32,
    /// The id a result links to (empty: the top of the part).
    anchor: Box<str>,
    /// The nearest heading (or "Note 3"; empty before the first heading).
    heading: Box<str>,
    /// Index of its first word in the text.
    start: u32,
}

#[derive(Debug, Serialize)]
struct PartEntry {
    number: u32,
    numeral: String,
    title: String,
    /// Relative to the site root.
    url: String,
}

/// The Fx hash (rustc's): a multiply and a rotate per eight bytes, far
/// cheaper than a general-purpose hash for the millions of short words of a
/// large series, and good enough for text that is the author's own.
fn fx_hash(word: &str) -> u64 {
    const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
    let mut hash = 0u64;
    let mut chunks = word.as_bytes().chunks_exact(8);
    for chunk in &mut chunks {
        let eight = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        hash = (hash.rotate_left(5) ^ eight).wrapping_mul(K);
    }
    for &b in chunks.remainder() {
        hash = (hash.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
    }
    hash
}

/// Distinct words, numbered in order of first appearance, stored end to end
/// in one string: a part has a thousand or two, the series some millions of
/// occurrences, and one allocation per word would be most of the work.
#[derive(Debug, Clone, Default)]
struct Words {
    text: String,
    /// Where each word ends in `text`; it starts where the one before ends.
    ends: Vec<u32>,
    /// How often each word occurs.
    counts: Vec<u32>,
}

impl Words {
    fn len(&self) -> usize {
        self.ends.len()
    }

    /// Adds a new word, returning its number.
    fn push(&mut self, word: &str) -> u32 {
        let id = self.len() as u32;
        self.text.push_str(word);
        self.ends.push(self.text.len() as u32);
        self.counts.push(0);
        id
    }

    fn get(&self, id: u32) -> &str {
        let end = self.ends[id as usize] as usize;
        let start = id
            .checked_sub(1)
            .map_or(0, |before| self.ends[before as usize] as usize);
        &self.text[start..end]
    }
}

/// Collects words, each distinct word stored once.
#[derive(Default)]
struct Builder {
    sections: Vec<Section>,
    /// The text, as numbers in order of first appearance.
    tokens: Vec<u32>,
    words: Words,
    /// The number of each word longer than eight bytes, found by its hash.
    ids: hashbrown::HashTable<u32>,
    /// The number of each word of up to eight bytes (most words of prose),
    /// found by the word itself packed into an integer: no string to compare.
    short_ids: hashbrown::HashTable<(u64, u32)>,
}

/// A word of up to eight bytes as an integer (zero-padded: text has no NUL,
/// so no two words pack alike), and its hash.
fn pack(word: &str) -> (u64, u64) {
    // Loaded in registers, by two overlapping reads: copying the bytes into
    // an array and reading it back as one integer stalled the processor on
    // every word (the store could not be forwarded to the load).
    let b = word.as_bytes();
    let n = b.len();
    let key = if n >= 4 {
        let low = u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        let high = u64::from(u32::from_le_bytes([b[n - 4], b[n - 3], b[n - 2], b[n - 1]]));
        low | (high << (8 * (n - 4)))
    } else if n > 0 {
        u64::from(b[0])
            | (u64::from(b[n / 2]) << (8 * (n / 2)))
            | (u64::from(b[n - 1]) << (8 * (n - 1)))
    } else {
        0
    };
    (key, mix(key))
}

/// A multiply folded on itself: every bit of the key reaches the low bits
/// that pick the bucket.
fn mix(key: u64) -> u64 {
    let product = u128::from(key) * 0x9E37_79B9_7F4A_7C15;
    (product as u64) ^ ((product >> 64) as u64)
}

impl Builder {
    fn section(&mut self, part: usize, anchor: &str, heading: &str) {
        self.sections.push(Section {
            part: part as u32,
            anchor: anchor.into(),
            heading: heading.into(),
            start: self.tokens.len() as u32,
        });
    }

    /// Counts `count` more occurrences of `word`, returning its number.
    fn count(&mut self, word: &str, count: u32) -> u32 {
        use hashbrown::hash_table::Entry;
        let words = &mut self.words;
        let id = if word.len() <= 8 {
            let (key, hash) = pack(word);
            match self
                .short_ids
                .entry(hash, |&(k, _)| k == key, |&(k, _)| mix(k))
            {
                Entry::Occupied(found) => found.get().1,
                Entry::Vacant(slot) => slot.insert((key, words.push(word))).get().1,
            }
        } else {
            match self.ids.entry(
                fx_hash(word),
                |&id| words.get(id) == word,
                |&id| fx_hash(words.get(id)),
            ) {
                Entry::Occupied(found) => *found.get(),
                Entry::Vacant(slot) => *slot.insert(words.push(word)).get(),
            }
        };
        words.counts[id as usize] += count;
        id
    }

    fn words(&mut self, text: &str) {
        // ASCII whitespace only: faster, and a no-break space rightly joins words.
        crate::bytemask::for_each_word(text, |word| {
            let id = self.count(word, 1);
            self.tokens.push(id);
        });
    }

    /// The prose of a run of events; headings open new sections. Text is
    /// gathered before it is cut into words: pulldown-cmark splits text
    /// events inside words ("two", "’", "s").
    fn events(&mut self, part: usize, events: &[Ev]) {
        let mut code = 0usize;
        let mut text = String::new();
        let mut heading: Option<String> = None;
        for (event, _) in events {
            match event {
                Event::Start(Tag::CodeBlock(_)) => code += 1,
                Event::End(TagEnd::CodeBlock) => code = code.saturating_sub(1),
                Event::Start(Tag::Heading { id, .. }) => {
                    self.flush(&mut text);
                    heading = Some(id.as_deref().unwrap_or_default().to_string());
                }
                Event::End(TagEnd::Heading(_)) => {
                    self.section(part, &heading.take().unwrap_or_default(), text.trim());
                    self.flush(&mut text);
                }
                Event::Text(t) if code == 0 => text.push_str(t),
                Event::SoftBreak | Event::HardBreak => text.push(' '),
                // No word runs across a block's edge: cut the words of the
                // text so far (the buffer stays one paragraph long).
                Event::Start(tag) if !is_inline(tag) => self.flush(&mut text),
                Event::End(tag) if !is_inline_end(tag) => self.flush(&mut text),
                _ => {}
            }
        }
        self.flush(&mut text);
    }

    /// The words of `text`, which is emptied for reuse.
    fn flush(&mut self, text: &mut String) {
        self.words(text);
        text.clear();
    }
}

fn is_inline(tag: &Tag<'_>) -> bool {
    matches!(
        tag,
        Tag::Emphasis | Tag::Strong | Tag::Strikethrough | Tag::Link { .. } | Tag::Image { .. }
    )
}

fn is_inline_end(tag: &TagEnd) -> bool {
    matches!(
        tag,
        TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough | TagEnd::Link | TagEnd::Image
    )
}

/// The words of one part, numbered within the part: made when the part is
/// parsed (in parallel, and kept with the parse, so a rebuild after one
/// edit reads only that part again), merged into the series' vocabulary when
/// the data file is written.
#[derive(Debug, Clone, Default)]
pub struct PartWords {
    /// Its sections, with `part` left at 0 (the part's place in the series
    /// is known only when the file is written).
    sections: Vec<Section>,
    /// The text as word numbers, LEB128-encoded: numbered in order of first
    /// appearance, the commonest words come first and take a byte, so this
    /// is under half the size of the numbers themselves (kept for every
    /// part until the data file is written).
    tokens: Vec<u8>,
    /// How many words the text has.
    token_count: usize,
    words: Words,
}

/// The searchable words of a part: its title, its text and its notes.
pub fn part_words(title: &str, body: &[Ev], notes: &[Note], word_count: usize) -> PartWords {
    let mut builder = Builder {
        tokens: Vec::with_capacity(word_count + word_count / 4),
        short_ids: hashbrown::HashTable::with_capacity(word_count / 4),
        ..Builder::default()
    };
    builder.section(0, "", "");
    builder.words(title);
    builder.events(0, body);
    for note in notes {
        let before = builder.tokens.len();
        builder.section(0, &note.id(), &format!("Note {}", note.number));
        builder.events(0, &note.events);
        // A citation's note holds formatted HTML only: nothing to search.
        if builder.tokens.len() == before {
            builder.sections.pop();
        }
    }
    let mut tokens = leb128(&builder.tokens);
    tokens.shrink_to_fit();
    // Kept until the data file is written: no spare capacity.
    builder.words.text.shrink_to_fit();
    builder.words.ends.shrink_to_fit();
    builder.words.counts.shrink_to_fit();
    builder.sections.shrink_to_fit();
    PartWords {
        sections: builder.sections,
        tokens,
        token_count: builder.tokens.len(),
        words: builder.words,
    }
}

/// Writes the search data file (`search/data.js`). The text, the largest
/// part, is encoded and written in pieces rather than held whole.
pub fn write_data(
    series: &Series,
    part_words: &[std::sync::Arc<PartWords>],
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let parts: Vec<PartEntry> = series
        .parts
        .iter()
        .map(|part| PartEntry {
            number: part.number,
            numeral: roman(part.number),
            title: part.meta.title.clone(),
            url: format!("{}index.html", part_dir(part)),
        })
        .collect();
    let merged = merge(part_words.iter().map(|part| &**part));
    let (words, rank) = number_words(&merged.vocabulary.words);
    // The fields are written one by one, straight out (the sections and
    // words of a large series are megabytes of JSON); `</` is written `<\/`,
    // which could otherwise end a script element early if the file were ever
    // inlined.
    let mut json = std::io::BufWriter::with_capacity(
        1 << 16,
        ScriptSafe {
            out,
            after_lt: false,
        },
    );
    json.write_all(br#"window.quireSearchData={"parts":"#)?;
    serde_json::to_writer(&mut json, &parts)?;
    json.write_all(br#","sections":"#)?;
    serde_json::to_writer(&mut json, &merged.vocabulary.sections)?;
    json.write_all(br#","words":"#)?;
    serde_json::to_writer(&mut json, &words)?;
    let out = json.into_inner().map_err(|e| e.into_error())?.out;
    // The text: megabytes of base64, which needs no escaping.
    out.write_all(b",\"text\":\"")?;
    // Each part's text, its word numbers turned into the series' ranks, is
    // written in turn: the series' whole text is never held as numbers.
    let mut text = Base64Writer::default();
    for (part, local) in part_words.iter().zip(&merged.locals) {
        let ranks: Vec<u32> = local.iter().map(|&id| rank[id as usize]).collect();
        let numbers: Vec<u32> = leb128_decode(&part.tokens)
            .map(|t| ranks[t as usize])
            .collect();
        text.push(&leb128(&numbers), out)?;
    }
    text.finish(out)?;
    out.write_all(b"\"};\n")
}

/// Writes JSON with every `</` as `<\/` (the same string to a JSON reader).
struct ScriptSafe<'o> {
    out: &'o mut dyn std::io::Write,
    /// Whether the last byte written was `<`.
    after_lt: bool,
}

impl std::io::Write for ScriptSafe<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let mut copied = 0;
        for (i, &b) in bytes.iter().enumerate() {
            let after_lt = match i {
                0 => self.after_lt,
                _ => bytes[i - 1] == b'<',
            };
            if b == b'/' && after_lt {
                self.out.write_all(&bytes[copied..i])?;
                self.out.write_all(b"\\")?;
                copied = i;
            }
        }
        self.out.write_all(&bytes[copied..])?;
        if let Some(&last) = bytes.last() {
            self.after_lt = last == b'<';
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// Base64 of a byte stream that arrives in pieces: whole three-byte groups
/// are written as they come, the rest waits for the next piece.
#[derive(Default)]
struct Base64Writer {
    pending: Vec<u8>,
}

impl Base64Writer {
    fn push(&mut self, bytes: &[u8], out: &mut dyn std::io::Write) -> std::io::Result<()> {
        self.pending.extend_from_slice(bytes);
        let whole = self.pending.len() / 3 * 3;
        out.write_all(base64(&self.pending[..whole]).as_bytes())?;
        self.pending.drain(..whole);
        Ok(())
    }

    fn finish(self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        out.write_all(base64(&self.pending).as_bytes())
    }
}

/// The series' vocabulary (words with their counts, and the sections) made
/// from the parts' own, in series order, with each part's map from its word
/// numbers to the vocabulary's.
struct Merged {
    vocabulary: Builder,
    locals: Vec<Vec<u32>>,
}

fn merge<'a>(parts: impl Iterator<Item = &'a PartWords>) -> Merged {
    let mut vocabulary = Builder::default();
    let mut locals = Vec::new();
    let mut offset = 0;
    for (i, part) in parts.enumerate() {
        let local: Vec<u32> = (0..part.words.len() as u32)
            .map(|id| vocabulary.count(part.words.get(id), part.words.counts[id as usize]))
            .collect();
        vocabulary
            .sections
            .extend(part.sections.iter().map(|s| Section {
                part: i as u32,
                start: s.start + offset,
                ..s.clone()
            }));
        offset += part.token_count as u32;
        locals.push(local);
    }
    Merged { vocabulary, locals }
}

/// Numbers words by frequency, commonest first (ties in order of
/// appearance), so the commonest take one byte each: the words in that order,
/// and each word's new number (its rank) by its old one.
fn number_words(words: &Words) -> (Vec<&str>, Vec<u32>) {
    let counts = &words.counts;
    let mut order: Vec<usize> = (0..words.len()).collect();
    order.sort_by(|&a, &b| counts[b].cmp(&counts[a]).then(a.cmp(&b)));
    let mut rank = vec![0u32; words.len()];
    for (r, &old) in order.iter().enumerate() {
        rank[old] = r as u32;
    }
    let ordered = order.iter().map(|&old| words.get(old as u32)).collect();
    (ordered, rank)
}

/// Unsigned LEB128: 7 bits a byte, high bit set on all but the last.
fn leb128(numbers: &[u32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(numbers.len() * 2);
    for &n in numbers {
        let mut n = n;
        while n >= 0x80 {
            out.push((n as u8) | 0x80);
            n >>= 7;
        }
        out.push(n as u8);
    }
    out
}

/// The numbers of `leb128`.
fn leb128_decode(bytes: &[u8]) -> impl Iterator<Item = u32> + '_ {
    let mut rest = bytes.iter();
    std::iter::from_fn(move || {
        let mut n = 0u32;
        let mut shift = 0;
        loop {
            let byte = *rest.next()?;
            n |= u32::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                return Some(n);
            }
            shift += 7;
        }
    })
}

/// Standard base64 with padding (what the browser's `atob` reads).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_end_tag_opens_in_the_data_even_across_writes() {
        let mut out = Vec::new();
        let mut json = ScriptSafe {
            out: &mut out,
            after_lt: false,
        };
        json.write_all(b"a</b<").unwrap();
        json.write_all(b"/c/").unwrap();
        assert_eq!(out, b"a<\\/b<\\/c/");
    }

    #[test]
    fn varints_and_base64_round_trip_by_hand() {
        assert_eq!(leb128(&[0, 127, 128, 300]), [0, 127, 0x80, 1, 0xAC, 2]);
        let numbers = [0, 1, 127, 128, 300, 16_384, u32::MAX];
        let decoded: Vec<u32> = leb128_decode(&leb128(&numbers)).collect();
        assert_eq!(decoded, numbers);
        assert_eq!(base64(b"Man"), "TWFu");
        assert_eq!(base64(b"Ma"), "TWE=");
        assert_eq!(base64(b"M"), "TQ==");
    }

    #[test]
    fn base64_in_pieces_is_base64_of_the_whole() {
        let bytes: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        for cut in [1, 2, 3, 4, 500, 998] {
            let mut out = Vec::new();
            let mut writer = Base64Writer::default();
            for piece in bytes.chunks(cut) {
                writer.push(piece, &mut out).unwrap();
            }
            writer.finish(&mut out).unwrap();
            assert_eq!(
                String::from_utf8(out).unwrap(),
                base64(&bytes),
                "pieces of {cut}"
            );
        }
    }

    #[test]
    fn common_words_get_small_numbers() {
        let mut builder = Builder::default();
        builder.words("the keeper and the lamp and the");
        let (words, rank) = number_words(&builder.words);
        assert_eq!(words, ["the", "and", "keeper", "lamp"]);
        let ranks: Vec<u32> = builder.tokens.iter().map(|&t| rank[t as usize]).collect();
        assert_eq!(ranks, [0, 2, 1, 0, 3, 1, 0]);
    }

    #[test]
    fn packing_keeps_every_byte_in_place() {
        for word in [
            "a", "ab", "abc", "abcd", "abcde", "abcdefg", "abcdefgh", "—x", "éé",
        ] {
            let mut bytes = [0u8; 8];
            bytes[..word.len()].copy_from_slice(word.as_bytes());
            assert_eq!(pack(word).0, u64::from_le_bytes(bytes), "{word}");
        }
    }

    #[test]
    fn short_and_long_words_are_each_counted_once() {
        // Up to eight bytes a word is found by its packed bytes, beyond by
        // its text: both kinds, and words that share a prefix, stay apart.
        let mut builder = Builder::default();
        builder.words("lighthouse lighthouses light lighthouse lights light lighthou");
        let (words, rank) = number_words(&builder.words);
        assert_eq!(
            words,
            ["lighthouse", "light", "lighthouses", "lights", "lighthou"]
        );
        let ranks: Vec<u32> = builder.tokens.iter().map(|&t| rank[t as usize]).collect();
        assert_eq!(ranks, [0, 2, 1, 0, 3, 1, 4]);
    }
}
