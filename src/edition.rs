//! The one-page edition (`output/all/index.html`): every published part in
//! one page, for reading straight through and for printing. Each part's HTML
//! is reused with its ids prefixed by the part (`p2-stones`), so ids stay
//! unique, and every link into a part becomes a link inside the page.

use std::collections::HashMap;

/// The prefix of a part's ids in the one-page edition.
pub fn id_prefix(number: u32) -> String {
    ["p", &number.to_string(), "-"].concat()
}

/// The id of a part's section in the one-page edition.
pub fn part_id(number: u32) -> String {
    ["part-", &number.to_string()].concat()
}

/// Rewrites links and ids of HTML made for part pages.
pub struct Rewriter {
    /// Part folder (`the-rock/`) → part number.
    parts: HashMap<String, u32>,
}

impl Rewriter {
    /// A hash of the folders and numbers: a rewritten text stays right as
    /// long as it is the same.
    pub fn fingerprint(&self) -> u64 {
        let mut parts: Vec<(&String, &u32)> = self.parts.iter().collect();
        parts.sort();
        xxhash_rust::xxh3::xxh3_64(format!("{parts:?}").as_bytes())
    }
}

/// Attributes that hold an id, a list of ids, or a link.
const ATTRIBUTES: [&str; 4] = ["id", "aria-labelledby", "aria-describedby", "href"];

impl Rewriter {
    /// A rewriter for a series whose parts live in these folders.
    pub fn new(parts: impl IntoIterator<Item = (String, u32)>) -> Self {
        Rewriter {
            parts: parts.into_iter().collect(),
        }
    }

    /// `html` as written for the page of part `number` (or, with `None`, for a
    /// page one folder deep that holds no ids of its own, like the index),
    /// with ids prefixed and links into parts pointed inside the edition.
    pub fn rewrite(&self, html: &str, number: Option<u32>) -> String {
        let prefix = number.map(id_prefix);
        crate::urls::map_attributes(html, &ATTRIBUTES, |name, value, out| {
            match (name, &prefix) {
                ("href", _) => self.push_href(value, prefix.as_deref(), out),
                (_, Some(prefix)) => {
                    for (i, id) in value.split_whitespace().enumerate() {
                        if i > 0 {
                            out.push(' ');
                        }
                        out.push_str(prefix);
                        out.push_str(id);
                    }
                }
                (_, None) => out.push_str(value),
            }
        })
    }

    /// A link written for a page one folder deep (like the index), pointed
    /// inside the edition when it leads into a part.
    pub fn link(&self, value: &str) -> String {
        let mut href = String::with_capacity(value.len());
        self.push_href(value, None, &mut href);
        href
    }

    /// Appends a link's new target to `out`: same-page fragments get the
    /// part's prefix, links to a part page (with or without a fragment)
    /// point inside the edition. `own`: the id prefix of the part whose HTML
    /// this is, if any. Written in place: an edition has a hundred thousand.
    fn push_href(&self, value: &str, own: Option<&str>, out: &mut String) {
        if let Some(fragment) = value.strip_prefix('#') {
            if let Some(prefix) = own {
                out.push('#');
                out.push_str(prefix);
                out.push_str(fragment);
            } else {
                out.push_str(value);
            }
            return;
        }
        let into_part = value.strip_prefix("../").and_then(|path| {
            let (page, fragment) = match path.split_once('#') {
                Some((page, fragment)) => (page, Some(fragment)),
                None => (path, None),
            };
            let folder = page.strip_suffix("index.html")?;
            Some((*self.parts.get(folder)?, fragment))
        });
        match into_part {
            Some((n, Some(fragment))) => {
                out.push('#');
                out.push_str(&id_prefix(n));
                out.push_str(fragment);
            }
            Some((n, None)) => {
                out.push('#');
                out.push_str(&part_id(n));
            }
            None => out.push_str(value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewriter() -> Rewriter {
        Rewriter::new([("the-rock/".to_string(), 2), ("fire/".to_string(), 1)])
    }

    #[test]
    fn ids_and_fragments_get_the_part_prefix() {
        let html = r##"<h2 id="stones">S</h2><a href="#fn-1" id="fnref-1">1</a><section aria-labelledby="notes-heading">"##;
        assert_eq!(
            rewriter().rewrite(html, Some(2)),
            r##"<h2 id="p2-stones">S</h2><a href="#p2-fn-1" id="p2-fnref-1">1</a><section aria-labelledby="p2-notes-heading">"##
        );
    }

    #[test]
    fn links_to_parts_point_inside_the_page_and_others_stay() {
        let html = r#"<a href="../fire/index.html#beacons">a</a> <a href="../the-rock/index.html">b</a> <a href="../assets/x.svg">c</a> <a href="https://example.org/">d</a> <a href="../index/index.html#t">e</a>"#;
        assert_eq!(
            rewriter().rewrite(html, Some(2)),
            r##"<a href="#p1-beacons">a</a> <a href="#part-2">b</a> <a href="../assets/x.svg">c</a> <a href="https://example.org/">d</a> <a href="../index/index.html#t">e</a>"##
        );
    }

    #[test]
    fn text_that_looks_like_an_attribute_is_left_alone() {
        let html = "<p>write id=&quot;x&quot; here</p>";
        assert_eq!(rewriter().rewrite(html, Some(1)), html);
    }
}
