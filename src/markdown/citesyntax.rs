//! Pandoc's citation syntax, found in a run of prose: `[@key]`,
//! `[see @key, pp. 33–35; @other]`, `[-@key]` and the narrative `@key says`
//! (optionally `@key [p. 4] says`). Pure string work: the caller decides where
//! prose is and what a key means.

use std::ops::Range;

/// Where in a cited work: a label (page, chapter…) and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locator {
    /// The CSL locator term (`page`, `chapter`, …).
    pub label: &'static str,
    /// As written: `12`, `33–35`, `iv`.
    pub value: String,
}

/// One work cited inside a citation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The bibliography key.
    pub key: String,
    /// Byte range of `@key` in the text.
    pub key_range: Range<usize>,
    /// Text before the key ("see ").
    pub prefix: String,
    /// Pages, chapters…
    pub locator: Option<Locator>,
    /// Text after the locator (", emphasis added").
    pub suffix: String,
    /// `-@key`: the author is already named in the text.
    pub suppress_author: bool,
}

/// One citation: bracketed (one or more items) or narrative (one item).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cite {
    /// Byte range in the text, brackets included.
    pub range: Range<usize>,
    /// The works cited, in the order written.
    pub items: Vec<Item>,
    /// `@key says`: the author's name belongs to the sentence.
    pub narrative: bool,
}

/// Characters a key may contain inside (Pandoc's rule); a key ends before
/// trailing punctuation, so `@smith04.` cites `smith04`.
fn is_key_char(c: char) -> bool {
    c.is_alphanumeric() || "_:.#$%&-+?<>~/".contains(c)
}

/// The key starting at `at` (just after `@`), as a byte length.
fn key_len(text: &str, at: usize) -> usize {
    let rest = &text[at..];
    let first = rest.chars().next();
    if !first.is_some_and(|c| c.is_alphanumeric() || c == '_') {
        return 0;
    }
    let end = rest.find(|c: char| !is_key_char(c)).unwrap_or(rest.len());
    rest[..end]
        .trim_end_matches(|c: char| !(c.is_alphanumeric() || c == '_'))
        .len()
}

/// Whether `@` at `at` begins a word: not inside an e-mail address or a word.
fn at_word_start(text: &str, at: usize) -> bool {
    text[..at]
        .chars()
        .next_back()
        .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '@' || c == '\\'))
}

/// Every citation in `text`, in order.
pub fn find(text: &str) -> Vec<Cite> {
    scan(text, &Full)
}

/// The keys of every citation in `text`, in order: the keys of `find`'s
/// citations, without making the rest of them.
pub fn keys(text: &str) -> Vec<&str> {
    scan(text, &KeysOnly).into_iter().flatten().collect()
}

/// What `scan` makes of the citations it finds.
trait Reader<'t> {
    type Item;
    type Cite;
    /// The item `prefix -@key, locator suffix` whose key is at `key`.
    fn item(&self, text: &'t str, place: ItemPlace) -> Self::Item;
    /// A citation: bracketed (`narrative` false) or narrative, at `range`.
    fn cite(&self, range: Range<usize>, items: Vec<Self::Item>, narrative: bool) -> Self::Cite;
    /// Where a citation ends.
    fn end(cite: &Self::Cite) -> usize;
}

/// Where an item's parts are in the text.
struct ItemPlace {
    /// The item, between `;` or brackets.
    piece: Range<usize>,
    /// `@key`.
    key: Range<usize>,
    /// Written `-@key`.
    suppress_author: bool,
    /// A narrative citation's `[locator]` after the key, inside its brackets.
    locator: Option<Range<usize>>,
}

/// Makes whole citations.
struct Full;

impl<'t> Reader<'t> for Full {
    type Item = Item;
    type Cite = Cite;

    fn item(&self, text: &'t str, place: ItemPlace) -> Item {
        let dash = usize::from(place.suppress_author);
        let (locator, suffix) = match place.locator {
            Some(inner) => locator_and_suffix(&format!(", {}", &text[inner])),
            None if place.key.end < place.piece.end => {
                locator_and_suffix(&text[place.key.end..place.piece.end])
            }
            None => (None, String::new()),
        };
        Item {
            key: text[place.key.start + 1..place.key.end].to_string(),
            prefix: text[place.piece.start..place.key.start - dash]
                .trim()
                .to_string(),
            key_range: place.key,
            locator,
            suffix,
            suppress_author: place.suppress_author,
        }
    }

    fn cite(&self, range: Range<usize>, items: Vec<Item>, narrative: bool) -> Cite {
        Cite {
            range,
            items,
            narrative,
        }
    }

    fn end(cite: &Cite) -> usize {
        cite.range.end
    }
}

/// Makes only the keys (and where a citation ends).
struct KeysOnly;

impl<'t> Reader<'t> for KeysOnly {
    type Item = &'t str;
    type Cite = KeysAt<'t>;

    fn item(&self, text: &'t str, place: ItemPlace) -> &'t str {
        &text[place.key.start + 1..place.key.end]
    }

    fn cite(&self, range: Range<usize>, keys: Vec<&'t str>, _: bool) -> KeysAt<'t> {
        KeysAt {
            end: range.end,
            keys,
        }
    }

    fn end(cite: &KeysAt<'t>) -> usize {
        cite.end
    }
}

/// A citation's keys, and where it ends.
struct KeysAt<'t> {
    end: usize,
    keys: Vec<&'t str>,
}

impl<'t> IntoIterator for KeysAt<'t> {
    type Item = &'t str;
    type IntoIter = std::vec::IntoIter<&'t str>;

    fn into_iter(self) -> Self::IntoIter {
        self.keys.into_iter()
    }
}

/// Every citation in `text`, in order, as `reader` makes it. Every citation
/// has an `@`, and brackets do not nest in one: a bracketed citation holding
/// an `@` opens at the last bracket before it (after the last close), so only
/// the few `@` are looked at, not every bracket of every link and note.
fn scan<'t, R: Reader<'t>>(text: &'t str, reader: &R) -> Vec<R::Cite> {
    let bytes = text.as_bytes();
    let mut cites = Vec::new();
    let mut i = 0;
    while let Some(offset) = memchr::memchr(b'@', &bytes[i..]) {
        let at = i + offset;
        let open = memchr::memrchr2(b'[', b']', &bytes[i..at])
            .map(|o| i + o)
            .filter(|&o| bytes[o] == b'[');
        if let Some(cite) = open
            .and_then(|open| bracketed(text, open, reader))
            .or_else(|| narrative(text, at, reader))
        {
            i = R::end(&cite);
            cites.push(cite);
            continue;
        }
        i = at + 1;
    }
    cites
}

/// `[prefix @key, locator suffix; …]` at `open`.
fn bracketed<'t, R: Reader<'t>>(text: &'t str, open: usize, reader: &R) -> Option<R::Cite> {
    let close = open + text[open..].find(']')?;
    let inner = &text[open + 1..close];
    if inner.contains('[') || !inner.contains('@') {
        return None;
    }
    let mut items = Vec::new();
    let mut start = open + 1;
    for piece in inner.split(';') {
        let place = item_place(text, start..start + piece.len())?;
        items.push(reader.item(text, place));
        start += piece.len() + 1;
    }
    Some(reader.cite(open..close + 1, items, false))
}

/// Where the parts of one `prefix -@key, locator suffix` in `piece` are.
fn item_place(text: &str, piece: Range<usize>) -> Option<ItemPlace> {
    let written = &text[piece.clone()];
    let at = (written.match_indices('@').map(|(k, _)| k)).find(|&k| {
        let before = written[..k].trim_end_matches('-');
        before.is_empty() || before.ends_with(char::is_whitespace)
    })?;
    let len = key_len(written, at + 1);
    if len == 0 {
        return None;
    }
    // A second key in one piece means a missing `;`: not a citation Pandoc reads.
    if written[at + 1 + len..].contains('@') {
        return None;
    }
    Some(ItemPlace {
        suppress_author: written[..at].ends_with('-'),
        key: piece.start + at..piece.start + at + 1 + len,
        piece,
        locator: None,
    })
}

/// `@key` in running text, with an optional `[locator]` right after it.
fn narrative<'t, R: Reader<'t>>(text: &'t str, at: usize, reader: &R) -> Option<R::Cite> {
    if !at_word_start(text, at) {
        return None;
    }
    let len = key_len(text, at + 1);
    if len == 0 {
        return None;
    }
    let key_end = at + 1 + len;
    let mut end = key_end;
    let mut locator = None;
    if let Some(rest) = text[key_end..].strip_prefix(" [") {
        if let Some(close) = rest.find(']') {
            if !rest[..close].contains(['@', '[']) {
                locator = Some(key_end + 2..key_end + 2 + close);
                end = key_end + 2 + close + 1;
            }
        }
    }
    let place = ItemPlace {
        piece: at..key_end,
        key: at..key_end,
        suppress_author: false,
        locator,
    };
    Some(reader.cite(at..end, vec![reader.item(text, place)], true))
}

/// Locator terms as authors abbreviate them, longest first within a family.
const LABELS: &[(&str, &str)] = &[
    ("pages", "page"),
    ("page", "page"),
    ("pp.", "page"),
    ("p.", "page"),
    ("chapters", "chapter"),
    ("chapter", "chapter"),
    ("chaps.", "chapter"),
    ("chap.", "chapter"),
    ("ch.", "chapter"),
    ("sections", "section"),
    ("section", "section"),
    ("secs.", "section"),
    ("sec.", "section"),
    ("§§", "section"),
    ("§", "section"),
    ("paragraphs", "paragraph"),
    ("paragraph", "paragraph"),
    ("paras.", "paragraph"),
    ("para.", "paragraph"),
    ("¶¶", "paragraph"),
    ("¶", "paragraph"),
    ("volumes", "volume"),
    ("volume", "volume"),
    ("vols.", "volume"),
    ("vol.", "volume"),
    ("books", "book"),
    ("book", "book"),
    ("bk.", "book"),
    ("columns", "column"),
    ("column", "column"),
    ("col.", "column"),
    ("figures", "figure"),
    ("figure", "figure"),
    ("figs.", "figure"),
    ("fig.", "figure"),
    ("folios", "folio"),
    ("folio", "folio"),
    ("fol.", "folio"),
    ("lines", "line"),
    ("line", "line"),
    ("ll.", "line"),
    ("l.", "line"),
    ("notes", "note"),
    ("note", "note"),
    ("nn.", "note"),
    ("n.", "note"),
    ("numbers", "number"),
    ("number", "number"),
    ("no.", "number"),
    ("parts", "part"),
    ("part", "part"),
    ("pt.", "part"),
    ("verses", "verse"),
    ("verse", "verse"),
    ("vv.", "verse"),
    ("v.", "verse"),
    ("sub verbo", "sub-verbo"),
    ("s.v.", "sub-verbo"),
];

/// Splits what follows a key: `, p. 12, emphasis added` gives page 12 and the
/// suffix `, emphasis added`; a bare number after the comma is a page.
fn locator_and_suffix(rest: &str) -> (Option<Locator>, String) {
    let Some(after_comma) = rest.strip_prefix(',') else {
        return (None, rest.trim_end().to_string());
    };
    let body = after_comma.trim_start();
    let label = LABELS.iter().find(|(written, _)| {
        body.strip_prefix(written)
            .is_some_and(|r| r.is_empty() || r.starts_with(|c: char| !c.is_alphabetic()))
    });
    let (term, value_text) = match label {
        Some((written, term)) => (*term, body[written.len()..].trim_start()),
        None if body.starts_with(|c: char| c.is_ascii_digit()) => ("page", body),
        None => return (None, rest.trim_end().to_string()),
    };
    let len = value_len(value_text);
    if len == 0 {
        return (None, rest.trim_end().to_string());
    }
    let locator = Locator {
        label: term,
        value: value_text[..len].to_string(),
    };
    (Some(locator), value_text[len..].trim_end().to_string())
}

/// Length of a locator value: numbers (arabic or roman), ranges, and lists
/// joined by commas, which end at a comma followed by words.
fn value_len(text: &str) -> usize {
    let token = |s: &str| {
        s.find(|c: char| !(c.is_alphanumeric() || "–—-".contains(c)))
            .unwrap_or(s.len())
    };
    let looks_like_number = |s: &str| {
        s.starts_with(|c: char| c.is_ascii_digit())
            || (!s.is_empty() && s.chars().all(|c| "ivxlcdmIVXLCDM".contains(c)))
    };
    let first = token(text);
    if !looks_like_number(&text[..first]) {
        return 0;
    }
    let mut end = first;
    while let Some(rest) = text[end..].strip_prefix(',') {
        let next = rest.trim_start();
        let len = token(next);
        if len == 0 || !looks_like_number(&next[..len]) {
            break;
        }
        end = text.len() - next.len() + len;
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys_by_cite(text: &str) -> Vec<Vec<String>> {
        find(text)
            .into_iter()
            .map(|c| c.items.into_iter().map(|i| i.key).collect())
            .collect()
    }

    #[test]
    fn bracketed_with_locator_prefix_and_several_items() {
        let text = "As shown [see @pipes1990, pp. 33–35; @daniels1967, chap. 4, on Lenin].";
        let cites = find(text);
        assert_eq!(cites.len(), 1);
        let cite = &cites[0];
        assert_eq!(
            &text[cite.range.clone()],
            "[see @pipes1990, pp. 33–35; @daniels1967, chap. 4, on Lenin]"
        );
        assert_eq!(cite.items[0].prefix, "see");
        assert_eq!(
            cite.items[0].locator,
            Some(Locator {
                label: "page",
                value: "33–35".into()
            })
        );
        assert_eq!(
            cite.items[1].locator,
            Some(Locator {
                label: "chapter",
                value: "4".into()
            })
        );
        assert_eq!(cite.items[1].suffix, ", on Lenin");
        assert_eq!(&text[cite.items[1].key_range.clone()], "@daniels1967");
        assert!(!cite.narrative);
    }

    #[test]
    fn bare_numbers_are_pages_and_lists_stay_together() {
        let cite = &find("[@a, 12, 15–18]")[0];
        assert_eq!(
            cite.items[0].locator,
            Some(Locator {
                label: "page",
                value: "12, 15–18".into()
            })
        );
        let cite = &find("[@a, p. xii, emphasis added]")[0];
        assert_eq!(cite.items[0].locator.as_ref().unwrap().value, "xii");
        assert_eq!(cite.items[0].suffix, ", emphasis added");
        let cite = &find("[@a, and passim]")[0];
        assert_eq!(cite.items[0].locator, None);
        assert_eq!(cite.items[0].suffix, ", and passim");
    }

    #[test]
    fn a_prefix_may_hold_any_letters() {
        let cites = find("[voir l’éd. de @a, p. 3; cf. Ärger’s @b]");
        let items = &cites[0].items;
        assert_eq!(
            (items[0].prefix.as_str(), items[0].key.as_str()),
            ("voir l’éd. de", "a")
        );
        assert_eq!(
            (items[1].prefix.as_str(), items[1].key.as_str()),
            ("cf. Ärger’s", "b")
        );
    }

    #[test]
    fn suppressed_author_and_narrative() {
        let cite = &find("Getzler [-@getzler1983, p. 12] argues")[0];
        assert!(cite.items[0].suppress_author);
        assert_eq!(cite.items[0].prefix, "");
        let cites = find("As @getzler1983 argues, and @pipes1990 [p. 4] agrees.");
        assert_eq!(cites.len(), 2);
        assert!(cites[0].narrative);
        assert_eq!(cites[1].items[0].locator.as_ref().unwrap().value, "4");
        assert_eq!(
            keys_by_cite("ends with @smith04."),
            vec![vec!["smith04".to_string()]]
        );
    }

    #[test]
    fn what_is_not_a_citation() {
        assert!(find("write to jo@example.org or me@x.com").is_empty());
        assert!(find("[a plain aside] and [another]").is_empty());
        assert!(
            find("meet @ noon; price @5").len() == 1,
            "a digit may start a key"
        );
        assert!(find("at @ noon").is_empty());
        assert!(find("[nested [@a]] works for the inner one").len() == 1);
        assert!(find(r"an escaped \@handle").is_empty());
    }

    /// Every citation the scan of every bracket and `@` in turn finds: what
    /// `find`, which looks only at each `@`, must agree with.
    fn by_every_bracket(text: &str) -> Vec<Cite> {
        let mut cites = Vec::new();
        let mut i = 0;
        while let Some(offset) = memchr::memchr2(b'[', b'@', &text.as_bytes()[i..]) {
            let at = i + offset;
            let cite = match text[at..].starts_with('[') {
                true => bracketed(text, at, &Full),
                false => narrative(text, at, &Full),
            };
            match cite {
                Some(cite) => {
                    i = cite.range.end;
                    cites.push(cite);
                }
                None => i = at + 1,
            }
        }
        cites
    }

    /// Every text of four pieces of citation syntax, and longer ones made
    /// from them.
    fn combined_texts() -> Vec<String> {
        let pieces = [
            "[", "]", "@a", "@b1", " ", "see ", "-", "; ", ", p. 4", "x", "a@b.c", "\\", ".", "é’",
            " [p. 5]",
        ];
        let mut texts = vec![String::new()];
        for _ in 0..4 {
            texts = texts
                .iter()
                .flat_map(|t| pieces.iter().map(move |p| format!("{t}{p}")))
                .collect();
        }
        let long: Vec<String> = texts.chunks(7).map(|chunk| chunk.concat()).collect();
        texts.extend(long);
        texts
    }

    #[test]
    fn looking_from_each_at_finds_what_looking_at_every_bracket_finds() {
        for text in combined_texts() {
            assert_eq!(find(&text), by_every_bracket(&text), "{text:?}");
        }
    }

    #[test]
    fn the_keys_alone_are_the_keys_of_the_citations_found() {
        let mut cited = 0;
        for text in combined_texts() {
            let found: Vec<String> = (find(&text).into_iter())
                .flat_map(|cite| cite.items.into_iter().map(|item| item.key))
                .collect();
            assert_eq!(super::keys(&text), found, "{text:?}");
            cited += found.len();
        }
        assert!(cited > 10_000, "the texts cite: {cited}");
    }
}
