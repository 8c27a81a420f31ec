//! Finds the index's phrases in prose: whole words, case-sensitive, the
//! longest phrase where several start at the same word.
//!
//! Two ways of searching give the same matches. An Aho-Corasick DFA over
//! every byte costs the same whatever the phrases, but with thousands of them
//! it has no prefilter and its table no longer fits the cache (about 90 ms
//! for 48 MB of prose with 4,000 terms). Index terms are mostly names, and
//! capitals start few words of prose, so when no phrase starts with a
//! lowercase ASCII letter the matcher finds the bytes that can start a phrase
//! (with Teddy's vector search) and, at those that start a word, walks an
//! anchored DFA to the longest phrase there (a third of the time with 4,000
//! terms, two thirds with 40). Each walk reads at most the longest phrase;
//! should a text have so many candidates that the walks would cost more than
//! a few times its length, the rest of it is searched with the DFA, so
//! matching stays linear in the text whatever the phrases. (The DFA skips
//! past a match it then drops for starting inside a word, and with it any
//! phrase that began in those bytes; the walk from word starts does not.)

use aho_corasick::automaton::Automaton;
use aho_corasick::dfa::DFA;
use aho_corasick::{
    packed, AhoCorasick, AhoCorasickKind, Anchored, Input, MatchKind, Span, StartKind,
};
use std::sync::OnceLock;

/// Finds whole-word occurrences of every phrase at once, longest first.
#[derive(Debug, Clone)]
pub struct Matcher {
    phrases: Vec<String>,
    /// The term each phrase belongs to.
    term_of: Vec<String>,
    /// Which bytes start a phrase.
    starts: [bool; 256],
    /// Finds those bytes with vector instructions (Teddy), where the
    /// machine has them, for the walks of `anchored`.
    start_bytes: Option<packed::Searcher>,
    /// The longest phrase, in bytes.
    longest: usize,
    /// Finds the longest phrase starting at a given word; `None` when some
    /// phrase starts with a lowercase letter (too many candidates in prose).
    anchored: Option<DFA>,
    /// Finds phrases anywhere; built when first needed.
    scanner: OnceLock<AhoCorasick>,
}

/// A match in a run of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found<'m> {
    /// Byte offsets in the text.
    pub start: usize,
    /// End (exclusive).
    pub end: usize,
    /// The term's name.
    pub term: &'m str,
}

/// What one try at a candidate word is charged, besides the bytes it may
/// read: the call itself.
const TRY_COST: usize = 16;

impl Matcher {
    /// A matcher for `(phrase, term)` pairs; `None` when there are none.
    pub fn new(pairs: impl IntoIterator<Item = (String, String)>) -> Option<Matcher> {
        let (phrases, term_of): (Vec<String>, Vec<String>) = pairs
            .into_iter()
            .filter(|(phrase, _)| !phrase.trim().is_empty())
            .unzip();
        if phrases.is_empty() {
            return None;
        }
        let mut starts = [false; 256];
        for phrase in &phrases {
            starts[usize::from(phrase.as_bytes()[0])] = true;
        }
        let sparse = !starts[usize::from(b'a')..=usize::from(b'z')]
            .iter()
            .any(|&s| s);
        let anchored = sparse
            .then(|| {
                DFA::builder()
                    .match_kind(MatchKind::LeftmostLongest)
                    .start_kind(StartKind::Anchored)
                    .build(&phrases)
                    .ok()
            })
            .flatten();
        let scanner = OnceLock::new();
        if anchored.is_none() {
            scanner
                .set(automaton(&phrases, StartKind::Unanchored)?)
                .ok()?;
        }
        let start_bytes = anchored.as_ref().and_then(|_| {
            (0..=u8::MAX)
                .filter(|&b| starts[usize::from(b)])
                .fold(packed::Config::new().builder(), |mut builder, b| {
                    builder.add([b]);
                    builder
                })
                .build()
        });
        Some(Matcher {
            start_bytes,
            longest: phrases.iter().map(String::len).max().unwrap_or_default(),
            phrases,
            term_of,
            starts,
            anchored,
            scanner,
        })
    }

    /// Non-overlapping whole-word matches, leftmost-longest.
    pub fn find(&self, text: &str) -> Vec<Found<'_>> {
        let mut found = Vec::new();
        let Some(anchored) = &self.anchored else {
            self.scan(text, 0, &mut found);
            return found;
        };
        let bytes = text.as_bytes();
        let budget = 8 * text.len() + 4 * (self.longest + TRY_COST);
        let mut spent = 0;
        let mut at = 0;
        while let Some(next) = self.next_start(bytes, at) {
            at = next;
            if !starts_word(text, at) {
                at += 1;
                continue;
            }
            spent += self.longest.min(text.len() - at) + TRY_COST;
            if spent > budget {
                self.scan(text, at, &mut found);
                break;
            }
            match longest_at(anchored, bytes, at) {
                Some((pattern, end)) if ends_word(text, end) => {
                    found.push(Found {
                        start: at,
                        end,
                        term: &self.term_of[pattern],
                    });
                    at = end;
                }
                _ => at += 1,
            }
        }
        found
    }

    /// The next byte from `at` on that starts a phrase.
    fn next_start(&self, bytes: &[u8], at: usize) -> Option<usize> {
        let rest = bytes.get(at..)?;
        match &self.start_bytes {
            Some(searcher) => searcher
                .find_in(bytes, Span::from(at..bytes.len()))
                .map(|m| m.start()),
            None => rest
                .iter()
                .position(|&b| self.starts[usize::from(b)])
                .map(|k| at + k),
        }
    }

    /// The DFA's matches from `from` on.
    fn scan<'m>(&'m self, text: &str, from: usize, found: &mut Vec<Found<'m>>) {
        let scanner = self.scanner.get_or_init(|| {
            automaton(&self.phrases, StartKind::Unanchored).expect("built once before")
        });
        let input = Input::new(text).span(from..text.len());
        found.extend(
            scanner
                .find_iter(input)
                .filter(|m| starts_word(text, m.start()) && ends_word(text, m.end()))
                .map(|m| self.found(m)),
        );
    }

    fn found(&self, m: aho_corasick::Match) -> Found<'_> {
        Found {
            start: m.start(),
            end: m.end(),
            term: &self.term_of[m.pattern().as_usize()],
        }
    }
}

/// The longest phrase starting at `at`: its index and where it ends. (The
/// DFA is walked by hand: a search through `AhoCorasick` costs more to set up
/// than this walk, which reads a byte or two at most words.)
fn longest_at(dfa: &DFA, bytes: &[u8], at: usize) -> Option<(usize, usize)> {
    let mut state = dfa.start_state(Anchored::Yes).ok()?;
    let mut longest = None;
    for (end, &byte) in bytes.iter().enumerate().skip(at) {
        state = dfa.next_state(Anchored::Yes, state, byte);
        if dfa.is_special(state) {
            if dfa.is_dead(state) {
                break;
            }
            if dfa.is_match(state) {
                longest = Some((dfa.match_pattern(state, 0).as_usize(), end + 1));
            }
        }
    }
    longest
}

/// A DFA for the phrases, leftmost-longest; `None` if it cannot be built.
fn automaton(phrases: &[String], start: StartKind) -> Option<AhoCorasick> {
    AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .kind(Some(AhoCorasickKind::DFA))
        .start_kind(start)
        .build(phrases)
        .ok()
}

fn is_word(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || c == '_')
}

/// Whether a phrase may start at `at`: a character starts there and none of
/// a word ends there.
fn starts_word(text: &str, at: usize) -> bool {
    text.is_char_boundary(at) && !is_word(text[..at].chars().next_back())
}

/// Whether a phrase may end at `at`: no word goes on from there.
fn ends_word(text: &str, at: usize) -> bool {
    !is_word(text[at..].chars().next())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matcher(pairs: &[(&str, &str)]) -> Matcher {
        Matcher::new(pairs.iter().map(|(p, t)| (p.to_string(), t.to_string()))).unwrap()
    }

    fn found<'m>(m: &'m Matcher, text: &str) -> Vec<(usize, &'m str)> {
        m.find(text)
            .into_iter()
            .map(|f| (f.start, f.term))
            .collect()
    }

    #[test]
    fn longest_whole_word_match_wins() {
        let m = matcher(&[
            ("Bolshevik Party", "Bolshevik Party"),
            ("Bolsheviks", "Bolsheviks"),
            ("Bolshevik", "Bolsheviks"),
        ]);
        assert!(m.anchored.is_some());
        let text = "The Bolshevik Party and the Bolsheviks, not Bolshevikism.";
        assert_eq!(
            found(&m, text),
            [(4, "Bolshevik Party"), (28, "Bolsheviks")]
        );
    }

    #[test]
    fn a_phrase_starting_lowercase_is_found_by_the_scanner_alike() {
        let m = matcher(&[("Bolshevik Party", "B"), ("soviets", "S")]);
        assert!(m.anchored.is_none());
        let text = "The Bolshevik Party, the soviets and the Petrosoviets.";
        assert_eq!(found(&m, text), [(4, "B"), (25, "S")]);
    }

    #[test]
    fn a_phrase_after_a_letter_is_no_match_and_accents_are_letters() {
        let m = matcher(&[("Duma", "Duma"), ("Éclair", "Éclair")]);
        let text = "xDuma éDuma Éclair_ (Duma) Éclair.";
        assert_eq!(
            found(&m, text),
            [
                (text.find("(Duma").unwrap() + 1, "Duma"),
                (text.rfind("Éclair").unwrap(), "Éclair")
            ]
        );
    }

    #[test]
    fn a_false_match_inside_a_word_hides_no_phrase_after_it() {
        // The DFA alone finds "X Army" inside "AX Army" first and, when it
        // is dropped, has already read past "Army Group".
        let m = matcher(&[("X Army", "X"), ("Army Group", "G")]);
        assert_eq!(found(&m, "AX Army Group"), [(3, "G")]);
    }

    #[test]
    fn a_text_of_candidates_only_is_searched_by_the_scanner_past_the_budget() {
        let m = matcher(&[("A A A A A A A A B", "long")]);
        // Every word is a candidate and every try reads the whole phrase.
        let text = format!("{}A A A A A A A A B.", "A ".repeat(2000));
        assert!(m.scanner.get().is_none());
        assert_eq!(found(&m, &text), [(4000, "long")]);
        assert!(m.scanner.get().is_some(), "the budget ran out");
        let short = matcher(&[("A A A A A A A A B", "long")]);
        assert_eq!(found(&short, "A A A A A A A A B"), [(0, "long")]);
        assert!(short.scanner.get().is_none(), "a few tries are free");
    }
}
