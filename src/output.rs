//! Writing the site without losing anything: the target folder is checked
//! first, every file is written beside its final place and renamed into it,
//! unchanged files are left alone, and only files listed in quire's own
//! manifest are ever removed.

use crate::render::Page;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The list of files quire wrote into the output folder.
pub const MANIFEST: &str = ".quire-manifest";
const MANIFEST_HEADER: &str = "# Files written by quire; it removes only these. Do not edit.";
const TMP_SUFFIX: &str = ".quire-tmp";

/// What a write did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WriteReport {
    /// Files created or changed.
    pub written: usize,
    /// Files whose bytes were already right (not touched).
    pub unchanged: usize,
    /// Files of an earlier build no longer produced, removed.
    pub removed: usize,
}

/// Refuses output folders where a build could destroy the author's work.
pub fn check_target(root: &Path, output: &Path, force: bool) -> Result<(), String> {
    let root = canonical(root);
    let series = root.join(crate::series::SERIES_DIR);
    let out = canonical(output);
    if out == root || root.starts_with(&out) {
        return Err(format!(
            "refusing to build into {}: it is (or contains) the project root, and quire would \
             mix the site with your sources; choose another --output",
            output.display()
        ));
    }
    if out == series || series.starts_with(&out) || out.starts_with(&series) {
        return Err(format!(
            "refusing to build into {}: it is, contains or lies inside the series folder \
             with your parts; choose another --output",
            output.display()
        ));
    }
    let has_entries = std::fs::read_dir(output).is_ok_and(|mut d| d.next().is_some());
    if has_entries && !output.join(MANIFEST).is_file() && !force {
        return Err(format!(
            "refusing to build into {}: the folder is not empty and quire has never built into \
             it (no {MANIFEST}), so its files could be overwritten; empty it, choose another \
             --output, or pass --force",
            output.display()
        ));
    }
    Ok(())
}

/// Canonical form of a path that may not exist yet (its existing ancestor, canonicalised).
fn canonical(path: &Path) -> PathBuf {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(c) = existing.canonicalize() {
            let mut c = c;
            for part in rest.iter().rev() {
                c.push(part);
            }
            return c;
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return absolute,
        }
    }
}

/// What the manifest remembers of a written file, to recognise it unchanged
/// without reading it: its size and content hash. (Both follow from the
/// content, so the manifest is as deterministic as the site.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    len: u64,
    hash: u64,
}

/// The manifest: every file quire wrote, with its stamp when known.
pub type Manifest = BTreeMap<String, Option<Stamp>>;

/// Reads the last build's manifest (`path`, or `path<TAB>len<TAB>hash`).
pub fn read_manifest(output: &Path) -> Manifest {
    let Ok(text) = std::fs::read_to_string(output.join(MANIFEST)) else {
        return Manifest::new();
    };
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|line| {
            let mut fields = line.rsplitn(3, '\t');
            let parsed = (|| {
                let hash = u64::from_str_radix(fields.next()?, 16).ok()?;
                let len = fields.next()?.parse().ok()?;
                Some((fields.next()?.to_string(), Stamp { len, hash }))
            })();
            match parsed {
                Some((path, stamp)) => (path, Some(stamp)),
                None => (line.to_string(), None),
            }
        })
        .filter(|(path, _)| is_safe_relative(path))
        .collect()
}

/// A manifest line must name a file inside the output folder.
fn is_safe_relative(path: &str) -> bool {
    !path.starts_with('/')
        && !path.contains('\\')
        && path
            .split('/')
            .all(|seg| !seg.is_empty() && seg != ".." && seg != ".")
}

fn write_manifest(output: &Path, manifest: &Manifest) -> std::io::Result<()> {
    let mut text = String::from(MANIFEST_HEADER);
    text.push('\n');
    for (path, stamp) in manifest {
        text.push_str(path);
        if let Some(s) = stamp {
            text.push_str(&format!("\t{}\t{:016x}", s.len, s.hash));
        }
        text.push('\n');
    }
    let path = output.join(MANIFEST);
    if std::fs::read(&path).is_ok_and(|old| old == text.as_bytes()) {
        return Ok(());
    }
    write_atomic(&path, text.as_bytes())
}

/// Whether the file at `path` is, without reading it, the one the manifest
/// describes: same size, and not modified since the manifest was written
/// (the manifest is written after every file of a build). File times come
/// from a coarse clock, so a tie is not proof: only strictly older counts.
fn untouched_since(
    path: &Path,
    stamp: Stamp,
    manifest_time: Option<std::time::SystemTime>,
) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    meta.len() == stamp.len && matches!((meta.modified(), manifest_time), (Ok(m), Some(t)) if m < t)
}

/// Writes `bytes` to a temporary file beside `path`, then renames it into place.
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = tmp_path(path);
    // No fsync: the rename already guarantees that a killed or interrupted
    // build leaves the old file or the new one, never a mix; only a power cut
    // could lose data that was never synced, and an fsync per page would
    // make every build several times slower.
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Whether `path` already holds exactly `bytes` (the size is checked before reading).
fn is_unchanged(path: &Path, bytes: &[u8]) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.len() == bytes.len() as u64)
        && std::fs::read(path).is_ok_and(|existing| existing == bytes)
}

fn tmp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}{TMP_SUFFIX}"))
}

/// Writes the site into `output`: changed files only, stale files of earlier builds removed.
pub fn write(output: &Path, pages: &[Page]) -> std::io::Result<WriteReport> {
    std::fs::create_dir_all(output)?;
    let old = read_manifest(output);
    let manifest_time = std::fs::metadata(output.join(MANIFEST))
        .and_then(|m| m.modified())
        .ok();
    // Left-overs of an interrupted build are ours by name: clear them first.
    for path in old.keys().chain(pages.iter().map(|p| &p.path)) {
        let _ = std::fs::remove_file(tmp_path(&output.join(path)));
    }
    // Until this build is complete, the manifest must cover what it may leave behind.
    let mut covering = old.clone();
    for page in pages {
        covering.entry(page.path.clone()).or_insert(None);
    }
    write_manifest(output, &covering)?;
    let mut report = WriteReport::default();
    // Compare and write on every core; each page touches only its own file.
    let outcomes: Vec<std::io::Result<(bool, Stamp)>> = pages
        .par_iter()
        .map(|page| {
            let target = output.join(&page.path);
            let stamp = Stamp {
                len: page.bytes.len() as u64,
                hash: xxhash_rust::xxh3::xxh3_64(&page.bytes),
            };
            let known = old.get(&page.path).copied().flatten();
            // Same content as last time and untouched since: no need to read it.
            let untouched = known == Some(stamp) && untouched_since(&target, stamp, manifest_time);
            if untouched || is_unchanged(&target, &page.bytes) {
                return Ok((false, stamp));
            }
            write_atomic(&target, &page.bytes)?;
            Ok((true, stamp))
        })
        .collect();
    let mut new = Manifest::new();
    for (page, outcome) in pages.iter().zip(outcomes) {
        let (written, stamp) = outcome?;
        if written {
            report.written += 1;
        } else {
            report.unchanged += 1;
        }
        new.insert(page.path.clone(), Some(stamp));
    }
    for stale in old.keys().filter(|k| !new.contains_key(*k)) {
        let target = output.join(stale);
        if std::fs::remove_file(&target).is_ok() {
            report.removed += 1;
        }
        remove_empty_parents(output, &target);
    }
    write_manifest(output, &new)?;
    Ok(report)
}

/// Removes folders emptied by removing `file`, up to (not including) `output`.
fn remove_empty_parents(output: &Path, file: &Path) {
    let mut dir = file.parent();
    while let Some(d) = dir {
        if d == output || !d.starts_with(output) || std::fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_lines_cannot_escape_the_output() {
        assert!(is_safe_relative("a/index.html"));
        assert!(!is_safe_relative("../x"));
        assert!(!is_safe_relative("/etc/passwd"));
        assert!(!is_safe_relative("a//b"));
    }
}
