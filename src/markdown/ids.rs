//! The ids a part's page carries, for checking the anchors of links to it.

/// A sorted set of ids stored end to end in one string: a part has hundreds
/// (headings, notes, link spots, index occurrences), and one allocation each
/// (in a `BTreeSet<String>`) made them a twentieth of what a large build
/// holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ids {
    text: String,
    /// Where each id ends in `text`; it starts where the one before ends.
    ends: Vec<u32>,
}

impl Ids {
    /// Whether `id` is one of them.
    pub fn contains(&self, id: &str) -> bool {
        use std::cmp::Ordering;
        let (mut low, mut high) = (0, self.ends.len());
        while low < high {
            let middle = (low + high) / 2;
            match self.get(middle).cmp(id) {
                Ordering::Less => low = middle + 1,
                Ordering::Greater => high = middle,
                Ordering::Equal => return true,
            }
        }
        false
    }

    /// Every id, in sorted order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.ends.len()).map(|i| self.get(i))
    }

    fn get(&self, i: usize) -> &str {
        let start = i.checked_sub(1).map_or(0, |before| self.ends[before]);
        &self.text[start as usize..self.ends[i] as usize]
    }
}

impl<S: AsRef<str> + Ord> FromIterator<S> for Ids {
    fn from_iter<I: IntoIterator<Item = S>>(ids: I) -> Ids {
        let mut ids: Vec<S> = ids.into_iter().collect();
        ids.sort_unstable();
        ids.dedup();
        let mut text = String::with_capacity(ids.iter().map(|id| id.as_ref().len()).sum());
        let mut ends = Vec::with_capacity(ids.len());
        for id in &ids {
            text.push_str(id.as_ref());
            ends.push(text.len() as u32);
        }
        Ids { text, ends }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_found_listed_once_and_in_order() {
        let ids: Ids = ["fn-2", "intro", "fn-10", "intro", "", "x"]
            .into_iter()
            .collect();
        assert_eq!(
            ids.iter().collect::<Vec<_>>(),
            ["", "fn-10", "fn-2", "intro", "x"]
        );
        for id in ["", "fn-10", "fn-2", "intro", "x"] {
            assert!(ids.contains(id), "{id}");
        }
        for id in ["fn", "fn-1", "intr", "introx", "y", "fn-10 "] {
            assert!(!ids.contains(id), "{id}");
        }
        assert!(!Ids::default().contains("") && Ids::default().iter().next().is_none());
    }
}
