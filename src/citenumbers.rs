//! A numeric style's citation numbers ("[1]", "[2]"), known only once every
//! part is read: each work's forms carry a mark (`mark`), replaced in the
//! finished HTML by the work's place in the series' reference list, so a work
//! has one number throughout the series, as in a book with one bibliography.
//!
//! A citation of several works is marked as a group (`group`), so that its
//! items can be put in the order of their numbers and runs of three or more
//! consecutive numbers collapsed ("[1]–[3]", "(4–6)"), as the style asks
//! with `<sort>` on `citation-number` and `collapse="citation-number"`: both
//! depend on the numbers.

use hayagriva::citationberg::taxonomy::{NumberVariable, Variable};
use hayagriva::citationberg::{Collapse, IndependentStyle, SortKey};
use std::collections::HashMap;

const MARK_OPEN: char = '\u{E000}';
const MARK_CLOSE: char = '\u{E001}';
const GROUP_OPEN: char = '\u{E002}';
const ITEM: char = '\u{E003}';
const GROUP_CLOSE: char = '\u{E004}';
/// Starts an item that may join a range: it has no locator, prefix or suffix.
const BARE: char = '\u{E005}';

/// The mark of the work at `index` in the bibliography file.
pub fn mark(index: usize) -> String {
    format!("{MARK_OPEN}{index}{MARK_CLOSE}")
}

/// A citation's items, marked as a group; `bare` tells the items that may
/// join a range.
pub fn group<'a>(items: impl IntoIterator<Item = (&'a str, bool)>) -> String {
    let mut out = String::from(GROUP_OPEN);
    for (i, (html, bare)) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(ITEM);
        }
        if bare {
            out.push(BARE);
        }
        out.push_str(html);
    }
    out.push(GROUP_CLOSE);
    out
}

/// How a style writes the items of one citation.
#[derive(Debug, Default, Clone)]
pub struct Layout {
    /// Between items ("; ").
    pub delimiter: String,
    /// After a collapsed range, where the style says.
    pub after_collapse: Option<String>,
    /// Whether items are sorted by their numbers.
    pub sort: bool,
    /// Whether consecutive numbers become a range.
    pub collapse: bool,
}

impl Layout {
    /// The layout of `style`'s citations, with `delimiter` between items.
    pub fn of(style: &IndependentStyle, delimiter: &str) -> Layout {
        let citation = &style.citation;
        let by_number = |key: &SortKey| {
            matches!(
                key,
                SortKey::Variable {
                    variable: Variable::Number(NumberVariable::CitationNumber),
                    ..
                }
            )
        };
        Layout {
            delimiter: delimiter.to_string(),
            after_collapse: citation.after_collapse_delimiter.clone(),
            sort: citation
                .sort
                .as_ref()
                .is_some_and(|sort| sort.keys.first().is_some_and(by_number)),
            collapse: citation.collapse == Some(Collapse::CitationNumber),
        }
    }
}

/// The numbers of the works, by their index in the bibliography file.
#[derive(Debug, Default)]
pub struct Numbers {
    numbers: HashMap<usize, usize>,
    layout: Layout,
}

impl Numbers {
    /// Numbers for `(index, number)` pairs, citations written as `layout` says.
    pub fn new(numbers: impl IntoIterator<Item = (usize, usize)>, layout: Layout) -> Numbers {
        Numbers {
            numbers: numbers.into_iter().collect(),
            layout,
        }
    }

    /// Whether there is nothing to number (not a numeric style).
    pub fn is_empty(&self) -> bool {
        self.numbers.is_empty()
    }

    /// `html` with every mark replaced by its number and every group
    /// written out; `None` if it has neither.
    pub fn apply(&self, html: &str) -> Option<String> {
        if self.is_empty() || !html.contains([MARK_OPEN, GROUP_OPEN]) {
            return None;
        }
        let mut out = String::with_capacity(html.len());
        let mut rest = html;
        while let Some(open) = rest.find(GROUP_OPEN) {
            let inner = &rest[open + GROUP_OPEN.len_utf8()..];
            let Some(close) = inner.find(GROUP_CLOSE) else {
                break;
            };
            self.replace_marks(&rest[..open], &mut out);
            self.write_group(&inner[..close], &mut out);
            rest = &inner[close + GROUP_CLOSE.len_utf8()..];
        }
        self.replace_marks(rest, &mut out);
        Some(out)
    }

    /// The first mark in `html`: the text before it, the number of its work
    /// (none for a work not in the list) and the text after it.
    fn next_mark<'h>(&self, html: &'h str) -> Option<(&'h str, Option<usize>, &'h str)> {
        let open = html.find(MARK_OPEN)?;
        let inner = &html[open + MARK_OPEN.len_utf8()..];
        let close = inner.find(MARK_CLOSE)?;
        let number = inner[..close]
            .parse()
            .ok()
            .and_then(|i| self.numbers.get(&i).copied());
        Some((
            &html[..open],
            number,
            &inner[close + MARK_CLOSE.len_utf8()..],
        ))
    }

    /// Writes `html` with its marks replaced by numbers.
    fn replace_marks(&self, html: &str, out: &mut String) {
        let mut rest = html;
        while let Some((before, number, after)) = self.next_mark(rest) {
            out.push_str(before);
            out.push_str(&number.map(|n| n.to_string()).unwrap_or_default());
            rest = after;
        }
        out.push_str(rest);
    }

    /// Writes a group's items in the style's order, runs of three or more
    /// consecutive bare numbers as ranges ("[1]–[3]").
    fn write_group(&self, group: &str, out: &mut String) {
        let mut items: Vec<(Option<usize>, bool, &str)> = group
            .split(ITEM)
            .map(|item| {
                let bare = item.strip_prefix(BARE);
                let html = bare.unwrap_or(item);
                let number = self.next_mark(html).and_then(|(_, number, _)| number);
                (number, bare.is_some(), html)
            })
            .collect();
        if self.layout.sort {
            // Stable: works without a number keep their place among themselves.
            items.sort_by_key(|(number, _, _)| number.unwrap_or(usize::MAX));
        }
        let layout = &self.layout;
        let mut after_range = false;
        let mut i = 0;
        while i < items.len() {
            let run = match items[i] {
                (Some(first), true, _) if layout.collapse => items[i..]
                    .iter()
                    .zip(first..)
                    .take_while(|((number, bare, _), n)| *bare && *number == Some(*n))
                    .count(),
                _ => 1,
            };
            if i > 0 {
                let delimiter = match (&layout.after_collapse, after_range) {
                    (Some(after), true) => after,
                    _ => &layout.delimiter,
                };
                out.push_str(delimiter);
            }
            after_range = run >= 3;
            if after_range {
                self.replace_marks(items[i].2, out);
                out.push('–');
                self.replace_marks(items[i + run - 1].2, out);
                i += run;
            } else {
                self.replace_marks(items[i].2, out);
                i += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(collapse: bool, sort: bool) -> Numbers {
        let layout = Layout {
            delimiter: ", ".into(),
            after_collapse: None,
            sort,
            collapse,
        };
        Numbers::new([(4, 2), (0, 1), (7, 3), (8, 4), (9, 6)], layout)
    }

    #[test]
    fn marks_are_replaced_and_nothing_else() {
        let html = format!("[{}, p. 6000001] [{}] 1967 {}", mark(4), mark(0), mark(5));
        assert_eq!(
            numbers(true, true).apply(&html).as_deref(),
            Some("[2, p. 6000001] [1] 1967 "),
            "a work not in the list has no number"
        );
        assert_eq!(numbers(true, true).apply("Daniels 1967, 12"), None);
        assert_eq!(Numbers::default().apply(&html), None);
    }

    fn cite(indexes: &[(usize, bool)]) -> String {
        let items: Vec<(String, bool)> = indexes
            .iter()
            .map(|&(i, bare)| {
                let page = if bare { "" } else { ", p. 9" };
                (format!("[{}{page}]", mark(i)), bare)
            })
            .collect();
        format!(
            "See {}.",
            group(items.iter().map(|(html, bare)| (html.as_str(), *bare)))
        )
    }

    #[test]
    fn items_are_sorted_and_runs_of_three_collapsed() {
        let all = cite(&[(8, true), (0, true), (7, true), (4, true), (9, true)]);
        let n = numbers(true, true);
        assert_eq!(n.apply(&all).unwrap(), "See [1]–[4], [6].");
        let two = cite(&[(4, true), (0, true)]);
        assert_eq!(n.apply(&two).unwrap(), "See [1], [2].");
        // An item with a locator neither joins nor ends a range.
        let located = cite(&[(0, true), (4, false), (7, true), (8, true)]);
        assert_eq!(n.apply(&located).unwrap(), "See [1], [2, p. 9], [3], [4].");
        // A style that neither sorts nor collapses keeps the author's order.
        let plain = numbers(false, false);
        assert_eq!(plain.apply(&all).unwrap(), "See [4], [1], [3], [2], [6].");
    }

    #[test]
    fn a_style_may_set_the_delimiter_after_a_range() {
        let mut n = numbers(true, true);
        n.layout.after_collapse = Some("; ".into());
        let all = cite(&[(0, true), (4, true), (7, true), (9, true)]);
        assert_eq!(n.apply(&all).unwrap(), "See [1]–[3]; [6].");
    }
}
