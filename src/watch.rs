//! Watching the project for changes: what editors really do (write in place,
//! write a temporary file and rename it, delete and recreate, leave swap and
//! backup files about) is reduced to a debounced batch of classified changes.

use notify::{EventKind, RecursiveMode, Watcher as _};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// What a changed file means for the build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChangeKind {
    /// A part (`series/**/*.md`).
    Content,
    /// `series.toml`, `index.toml`, the bibliography or a style: everything may change.
    Config,
    /// A template or static file of a theme override.
    Template,
    /// A file under `series/assets/`.
    Asset,
}

/// Files editors write beside the real one and that must not trigger a build.
pub fn is_editor_noise(name: &str) -> bool {
    name.starts_with(".#")
        || (name.starts_with('#') && name.ends_with('#'))
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".swo")
        || name.ends_with(".tmp")
        || name.ends_with(".bak")
        || name.ends_with(".quire-tmp")
        || name == "4913" // vim's probe of whether it may write in a folder
        || name == ".DS_Store"
}

/// Classifies a changed path of the project at `root`; `None` for anything
/// that cannot change the site (editor noise, the output, other folders).
pub fn classify(root: &Path, path: &Path) -> Option<ChangeKind> {
    let rel = path.strip_prefix(root).ok()?;
    let name = rel.file_name()?.to_string_lossy();
    if is_editor_noise(&name) {
        return None;
    }
    let mut parts = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned());
    let top = parts.next()?;
    let second = parts.next();
    match (top.as_str(), second.as_deref()) {
        ("series", Some("assets")) => Some(ChangeKind::Asset),
        ("series", Some(file)) if rel.components().count() == 2 && is_series_file(file) => {
            Some(ChangeKind::Config)
        }
        ("series", Some(_)) => {
            let hidden = rel
                .components()
                .skip(1)
                .any(|c| c.as_os_str().to_string_lossy().starts_with(['.', '_']));
            // A folder (renamed or removed) may hold parts: treat it as content.
            let is_part = rel.extension().is_some_and(|e| e == "md") || rel.extension().is_none();
            (!hidden && is_part).then_some(ChangeKind::Content)
        }
        ("series", None) => Some(ChangeKind::Content),
        ("themes", Some(_)) => Some(ChangeKind::Template),
        _ => None,
    }
}

/// Files of `series/` that concern every part: configuration, index terms,
/// the bibliography and a citation style.
fn is_series_file(name: &str) -> bool {
    matches!(name, "series.toml" | "index.toml")
        || crate::bibliography::BIB_PATHS
            .iter()
            .any(|p| p.strip_prefix("series/") == Some(name))
        || name.ends_with(".csl")
}

/// A batch of changes that arrived together.
pub type Batch = BTreeSet<(ChangeKind, PathBuf)>;

/// Watches `series/` and `themes/` of a project.
pub struct Watcher {
    root: PathBuf,
    events: Receiver<notify::Result<notify::Event>>,
    _inner: notify::RecommendedWatcher,
}

/// How long the files must stay quiet before a batch is closed. An editor's
/// save (write in place, or write a temporary file and rename it) is over
/// within a millisecond or two; whatever changes while a build runs waits in
/// the channel and makes the next batch, so a burst never builds more than twice.
pub const QUIET: Duration = Duration::from_millis(10);

impl Watcher {
    /// Starts watching; the root must hold `series/`.
    pub fn new(root: &Path) -> notify::Result<Watcher> {
        let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        let (tx, events) = channel();
        let mut inner = notify::recommended_watcher(tx)?;
        inner.watch(&root.join("series"), RecursiveMode::Recursive)?;
        let themes = root.join("themes");
        if themes.is_dir() {
            inner.watch(&themes, RecursiveMode::Recursive)?;
        }
        Ok(Watcher {
            root,
            events,
            _inner: inner,
        })
    }

    /// Blocks until something relevant changes, then collects further changes
    /// until the files have been quiet for `QUIET`; `None` if watching stopped.
    pub fn next_batch(&self) -> Option<Batch> {
        let mut batch = Batch::new();
        loop {
            let event = self.events.recv().ok()?;
            self.add(&mut batch, event);
            if !batch.is_empty() {
                break;
            }
        }
        let mut deadline = Instant::now() + QUIET;
        loop {
            match self
                .events
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                Ok(event) => {
                    if self.add(&mut batch, event) {
                        deadline = Instant::now() + QUIET;
                    }
                }
                Err(RecvTimeoutError::Timeout) => return Some(batch),
                Err(RecvTimeoutError::Disconnected) => return Some(batch),
            }
        }
    }

    /// Adds an event's relevant paths; true if any was relevant.
    fn add(&self, batch: &mut Batch, event: notify::Result<notify::Event>) -> bool {
        let Ok(event) = event else { return false };
        // Reading files (our own builds do) is not a change.
        if matches!(event.kind, EventKind::Access(_) | EventKind::Other) {
            return false;
        }
        let before = batch.len();
        for path in event.paths {
            if let Some(kind) = classify(&self.root, &path) {
                batch.insert((kind, path));
            }
        }
        batch.len() > before
    }
}

/// Whether a batch asks for everything to be rebuilt from scratch.
pub fn needs_full_rebuild(batch: &Batch) -> bool {
    batch.iter().any(|(kind, _)| *kind == ChangeKind::Config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_what_editors_touch() {
        let root = Path::new("/p");
        let table: &[(&str, Option<ChangeKind>)] = &[
            ("/p/series/03-october.md", Some(ChangeKind::Content)),
            ("/p/series/essays/05-x.md", Some(ChangeKind::Content)),
            ("/p/series/essays", Some(ChangeKind::Content)), // a renamed folder
            ("/p/series/series.toml", Some(ChangeKind::Config)),
            ("/p/series/index.toml", Some(ChangeKind::Config)),
            ("/p/series/bibliography.bib", Some(ChangeKind::Config)),
            ("/p/series/bibliography.yaml", Some(ChangeKind::Config)),
            ("/p/series/house-style.csl", Some(ChangeKind::Config)),
            ("/p/series/notes.bib", None),
            ("/p/series/assets/map.png", Some(ChangeKind::Asset)),
            ("/p/series/assets/index.toml", Some(ChangeKind::Asset)),
            ("/p/themes/mine/part.html", Some(ChangeKind::Template)),
            (
                "/p/themes/mine/static/style.css",
                Some(ChangeKind::Template),
            ),
            // editor noise
            ("/p/series/.03-october.md.swp", None),
            ("/p/series/03-october.md~", None),
            ("/p/series/.#03-october.md", None),
            ("/p/series/#03-october.md#", None),
            ("/p/series/4913", None),
            ("/p/series/notes.txt.tmp", None),
            // not part of the site
            ("/p/series/_notes.md", None),
            ("/p/series/.drafts/x.md", None),
            ("/p/series/todo.txt", None),
            ("/p/output/index.html", None),
            ("/p/target/debug/quire", None),
            ("/elsewhere/series/x.md", None),
        ];
        for (path, expected) in table {
            assert_eq!(classify(root, Path::new(path)), *expected, "{path}");
        }
    }

    #[test]
    fn only_config_changes_rebuild_from_scratch() {
        let mut batch = Batch::new();
        batch.insert((ChangeKind::Content, PathBuf::from("/p/series/a.md")));
        batch.insert((ChangeKind::Template, PathBuf::from("/p/themes/x/part.html")));
        assert!(!needs_full_rebuild(&batch));
        batch.insert((ChangeKind::Config, PathBuf::from("/p/series/series.toml")));
        assert!(needs_full_rebuild(&batch));
    }
}
