//! Formatted citations kept between builds, in `.quire-cache/citations`.
//!
//! hayagriva takes about a millisecond to format a work's first citation in a
//! note style, and a long series has a few hundred citation forms and a
//! reference list, all the same from one build to the next while the
//! bibliography and the style are. Every entry is keyed by a hash of all it is
//! made from (the style, the language, the form, and the bibliography entries
//! of its work and of the works it is told apart from), so an entry is never
//! stale, and a work added to or edited in the bibliography leaves the other
//! works' forms in place; what the last build did not use is dropped when the
//! file is written.

use crate::bibliography::{Position, Reference};
use crate::kept::Kept;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// Where the cache lives, relative to the project root.
pub const PATH: &str = ".quire-cache/citations";

/// A work's citation forms in every position, as HTML.
pub type FormSet = Vec<(Position, String)>;

/// The stored entries; `made_by` tells which quire (and which hayagriva, through
/// the lock file it was built with) formatted them.
#[derive(Serialize, Deserialize, Default)]
struct File {
    made_by: String,
    forms: HashMap<u64, FormSet>,
    references: HashMap<u64, Vec<(String, String)>>,
}

/// The formatted citations of a session, read from the project's cache.
#[derive(Default)]
pub struct Store {
    forms: Kept<FormSet>,
    references: Kept<Vec<Reference>>,
    /// Whether anything was formatted since the file was read.
    changed: AtomicBool,
}

/// Identifies the program that formats: a new hayagriva (the lock file) or
/// a change to how quire asks it (the bibliography and workstyle modules' sources) may
/// format differently, even under the same version number.
fn made_by() -> String {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    hasher.update(include_bytes!("../Cargo.lock"));
    hasher.update(include_bytes!("bibliography.rs"));
    hasher.update(include_bytes!("workstyle.rs"));
    format!(
        "quire {} {:016x}",
        env!("CARGO_PKG_VERSION"),
        hasher.digest()
    )
}

impl Store {
    /// The cache of the project at `root`; empty when there is none, or when
    /// it cannot be read or was made by another version (it is then remade).
    pub fn read(root: &Path) -> Store {
        let Ok(bytes) = std::fs::read(root.join(PATH)) else {
            return Store::default();
        };
        match ciborium::from_reader::<File, _>(bytes.as_slice()) {
            Ok(file) if file.made_by == made_by() => Store {
                forms: Kept::new(file.forms),
                references: Kept::new(
                    file.references
                        .into_iter()
                        .map(|(key, list)| {
                            let list = list
                                .into_iter()
                                .map(|(key, html)| Reference { key, html })
                                .collect();
                            (key, list)
                        })
                        .collect(),
                ),
                ..Store::default()
            },
            _ => Store::default(),
        }
    }

    /// The forms stored under `key`, or made by `make` and stored.
    pub fn form(&self, key: u64, make: impl FnOnce() -> FormSet) -> FormSet {
        self.stored_or_made(&self.forms, key, make)
    }

    /// The reference list stored under `key`, or made by `make` and stored.
    pub fn references(&self, key: u64, make: impl FnOnce() -> Vec<Reference>) -> Vec<Reference> {
        self.stored_or_made(&self.references, key, make)
    }

    fn stored_or_made<V: Clone>(&self, kept: &Kept<V>, key: u64, make: impl FnOnce() -> V) -> V {
        let (value, made) = kept.get_or_make(key, make);
        if made {
            self.changed.store(true, Ordering::Relaxed);
        }
        value
    }

    /// Forgets what the last build did not ask for; returns whether anything
    /// was formatted or forgotten since the file was read or written.
    pub fn sweep(&self) -> bool {
        let forgot_forms = self.forms.sweep();
        let forgot_references = self.references.sweep();
        self.changed.swap(false, Ordering::Relaxed) || forgot_forms || forgot_references
    }

    /// Writes the cache into the project at `root` (a temporary file renamed
    /// into place, so that a build stopped halfway leaves the old file whole).
    pub fn write(&self, root: &Path) -> std::io::Result<()> {
        let file = File {
            made_by: made_by(),
            forms: self.forms.values(),
            references: self
                .references
                .values()
                .into_iter()
                .map(|(key, list)| {
                    let list = list.into_iter().map(|r| (r.key, r.html)).collect();
                    (key, list)
                })
                .collect(),
        };
        let path = root.join(PATH);
        let dir = path.parent().expect("the cache path has a folder");
        std::fs::create_dir_all(dir)?;
        let tmp = dir.join(".citations.quire-tmp");
        let mut bytes = Vec::new();
        ciborium::into_writer(&file, &mut bytes).map_err(std::io::Error::other)?;
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, &path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_was_formatted_is_read_back_and_what_was_not_used_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::default();
        let made = |html: &str| vec![(Position::First, html.to_string())];
        assert_eq!(store.form(1, || made("one")), made("one"));
        store.form(2, || made("two"));
        let list = vec![Reference {
            key: "pipes1990".into(),
            html: "Pipes, Richard.".into(),
        }];
        store.references(3, || list.clone());
        assert!(store.sweep(), "new entries are worth writing");
        store.write(dir.path()).unwrap();

        let again = Store::read(dir.path());
        let never = || -> FormSet { panic!("formatted again") };
        assert_eq!(again.form(1, never), made("one"));
        assert_eq!(again.references(3, || panic!("formatted again")), list);
        assert!(again.sweep(), "entry 2 was not used and is dropped");
        assert_eq!(again.form(2, || made("remade")), made("remade"));
        assert!(!Store::default().sweep(), "nothing new, nothing to write");
    }

    #[test]
    fn a_damaged_or_foreign_cache_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".quire-cache")).unwrap();
        std::fs::write(dir.path().join(PATH), b"\xff not cbor").unwrap();
        assert!(Store::read(dir.path()).forms.values().is_empty());
        let other = File {
            made_by: "quire 0.0.0".into(),
            forms: HashMap::from([(1, vec![(Position::First, "old".to_string())])]),
            references: HashMap::new(),
        };
        let mut bytes = Vec::new();
        ciborium::into_writer(&other, &mut bytes).unwrap();
        std::fs::write(dir.path().join(PATH), bytes).unwrap();
        assert!(Store::read(dir.path()).forms.values().is_empty());
    }
}
