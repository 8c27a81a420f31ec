//! Writing the site without losing anything: the target folder is checked
//! first, every file is written beside its final place and renamed into it,
//! unchanged files are left alone, and only files listed in quire's own
//! manifest are ever removed.

use crate::render::Page;
use rayon::prelude::*;
use std::collections::BTreeSet;
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

/// Reads the paths of the last build's manifest.
pub fn read_manifest(output: &Path) -> BTreeSet<String> {
    std::fs::read_to_string(output.join(MANIFEST))
        .map(|text| {
            text.lines()
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .filter(|l| is_safe_relative(l))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// A manifest line must name a file inside the output folder.
fn is_safe_relative(path: &str) -> bool {
    !path.starts_with('/')
        && !path.contains('\\')
        && path
            .split('/')
            .all(|seg| !seg.is_empty() && seg != ".." && seg != ".")
}

fn write_manifest(output: &Path, paths: &BTreeSet<String>) -> std::io::Result<()> {
    let mut text = String::from(MANIFEST_HEADER);
    text.push('\n');
    for p in paths {
        text.push_str(p);
        text.push('\n');
    }
    write_atomic(&output.join(MANIFEST), text.as_bytes())
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
    let new: BTreeSet<String> = pages.iter().map(|p| p.path.clone()).collect();
    // Left-overs of an interrupted build are ours by name: clear them first.
    for path in old.iter().chain(&new) {
        let _ = std::fs::remove_file(tmp_path(&output.join(path)));
    }
    // Until this build is complete, the manifest must cover what it may leave behind.
    write_manifest(output, &old.union(&new).cloned().collect())?;
    let mut report = WriteReport::default();
    // Compare and write on every core; each page touches only its own file.
    let outcomes: Vec<std::io::Result<bool>> = pages
        .par_iter()
        .map(|page| {
            let target = output.join(&page.path);
            if is_unchanged(&target, &page.bytes) {
                return Ok(false);
            }
            write_atomic(&target, &page.bytes).map(|()| true)
        })
        .collect();
    for outcome in outcomes {
        if outcome? {
            report.written += 1;
        } else {
            report.unchanged += 1;
        }
    }
    for stale in old.difference(&new) {
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
