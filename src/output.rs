//! Writing the site without losing anything: the target folder is checked
//! first, every file is written beside its final place and renamed into it,
//! unchanged files are left alone, and only files listed in quire's own
//! manifest are ever removed.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

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

/// Writes the manifest, unless the same one is there already and `renew`
/// is false.
fn write_manifest(output: &Path, manifest: &Manifest, renew: bool) -> std::io::Result<()> {
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
    if !renew && std::fs::read(&path).is_ok_and(|old| old == text.as_bytes()) {
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

/// A build's files on their way into the output folder. Each file is
/// written as soon as it is rendered, under a temporary name beside its place
/// (so the site is never held whole in memory); `commit` renames them all into
/// place once the build has succeeded, `abort` removes every trace.
pub struct Staging {
    output: PathBuf,
    old: Manifest,
    manifest_time: Option<std::time::SystemTime>,
    /// Whether a file had to be read to find it unchanged although the
    /// manifest knew it: it is newer than the manifest (copied, touched), and
    /// the manifest is written again so that the next build trusts it.
    reread: std::sync::atomic::AtomicBool,
    state: Mutex<Staged>,
}

#[derive(Default)]
struct Staged {
    /// Every file of the build, and whether it waits under its temporary name.
    files: BTreeMap<String, (Stamp, bool)>,
    /// Folders this build created, to remove again if it fails.
    created_dirs: Vec<PathBuf>,
}

impl Staging {
    /// Starts writing into `output`; nothing is touched until the first file.
    pub fn begin(output: &Path) -> Staging {
        Staging {
            output: output.to_path_buf(),
            old: read_manifest(output),
            manifest_time: std::fs::metadata(output.join(MANIFEST))
                .and_then(|m| m.modified())
                .ok(),
            reread: std::sync::atomic::AtomicBool::new(false),
            state: Mutex::default(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, Staged> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stages a whole file, unless the output already holds exactly it.
    pub fn put(&self, path: &str, bytes: &[u8]) -> std::io::Result<()> {
        let target = self.output.join(path);
        let stamp = Stamp {
            len: bytes.len() as u64,
            hash: xxhash_rust::xxh3::xxh3_64(bytes),
        };
        let known = self.old.get(path).copied().flatten();
        // Same content as last time and untouched since: no need to read it.
        let untouched = known == Some(stamp) && untouched_since(&target, stamp, self.manifest_time);
        let staged = !(untouched || is_unchanged(&target, bytes));
        if !untouched && !staged && known == Some(stamp) {
            self.reread
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
        if staged {
            self.create_parents(&target)?;
            let tmp = tmp_path(&target);
            std::fs::write(&tmp, bytes).inspect_err(|_| {
                let _ = std::fs::remove_file(&tmp);
            })?;
        }
        self.record(path, stamp, staged);
        Ok(())
    }

    /// Stages a file written in pieces by `fill`, compared with the file in
    /// the output as it goes, so that neither copy is ever held whole.
    pub fn stream(
        &self,
        path: &str,
        fill: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let target = self.output.join(path);
        self.create_parents(&target)?;
        let mut writer = CompareWriter::new(&target)?;
        let (stamp, staged) = fill(&mut writer)
            .and_then(|()| writer.finish())
            .inspect_err(|_| {
                let _ = std::fs::remove_file(tmp_path(&target));
            })?;
        self.record(path, stamp, staged);
        Ok(())
    }

    fn record(&self, path: &str, stamp: Stamp, staged: bool) {
        self.state().files.insert(path.to_string(), (stamp, staged));
    }

    /// Creates the missing folders above `file`, remembering them.
    fn create_parents(&self, file: &Path) -> std::io::Result<()> {
        let Some(dir) = file.parent() else {
            return Ok(());
        };
        let missing: Vec<&Path> = dir.ancestors().take_while(|d| !d.is_dir()).collect();
        for d in missing.into_iter().rev() {
            match std::fs::create_dir(d) {
                Ok(()) => self.state().created_dirs.push(d.to_path_buf()),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Moves every staged file into place, removes the files of earlier
    /// builds that this one no longer makes, and records the new manifest.
    pub fn commit(self) -> std::io::Result<WriteReport> {
        let output = &self.output;
        let state = self.state.into_inner().unwrap_or_else(|e| e.into_inner());
        std::fs::create_dir_all(output)?;
        // Left-overs of an interrupted build are ours by name: clear them
        // (the temporary files of this build are about to be renamed).
        let not_staged = |path: &&String| state.files.get(*path).is_none_or(|&(_, staged)| !staged);
        for path in self.old.keys().chain(state.files.keys()).filter(not_staged) {
            let _ = std::fs::remove_file(tmp_path(&output.join(path)));
        }
        // Until the renames are done, the manifest must cover what they may leave behind.
        let mut covering = self.old.clone();
        for path in state.files.keys() {
            covering.entry(path.clone()).or_insert(None);
        }
        write_manifest(output, &covering, false)?;
        let mut report = WriteReport::default();
        let mut new = Manifest::new();
        for (path, &(stamp, staged)) in &state.files {
            if staged {
                let target = output.join(path);
                std::fs::rename(tmp_path(&target), &target)?;
                report.written += 1;
            } else {
                report.unchanged += 1;
            }
            new.insert(path.clone(), Some(stamp));
        }
        for stale in self.old.keys().filter(|k| !new.contains_key(*k)) {
            let target = output.join(stale);
            if std::fs::remove_file(&target).is_ok() {
                report.removed += 1;
            }
            remove_empty_parents(output, &target);
        }
        let renew = self.reread.load(std::sync::atomic::Ordering::Relaxed);
        write_manifest(output, &new, renew)?;
        Ok(report)
    }

    /// Removes every staged file and every folder this build created: the
    /// output is left exactly as it was.
    pub fn abort(self) {
        let state = self.state.into_inner().unwrap_or_else(|e| e.into_inner());
        for (path, &(_, staged)) in &state.files {
            if staged {
                let _ = std::fs::remove_file(tmp_path(&self.output.join(path)));
            }
        }
        for dir in state.created_dirs.iter().rev() {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// Writes a file that may be the same as the one already at its place: bytes
/// are compared with the old file as they come, and a temporary file is
/// started (with the matching start copied from the old file) only at the
/// first difference.
struct CompareWriter {
    target: PathBuf,
    old: Option<std::io::BufReader<std::fs::File>>,
    buf: Vec<u8>,
    /// Bytes so far, all equal to the old file's while `tmp` is `None`.
    len: u64,
    tmp: Option<std::io::BufWriter<std::fs::File>>,
    hasher: xxhash_rust::xxh3::Xxh3,
}

impl CompareWriter {
    fn new(target: &Path) -> std::io::Result<Self> {
        let old = std::fs::File::open(target)
            .ok()
            .map(std::io::BufReader::new);
        let mut writer = CompareWriter {
            target: target.to_path_buf(),
            old,
            buf: Vec::new(),
            len: 0,
            tmp: None,
            hasher: xxhash_rust::xxh3::Xxh3::new(),
        };
        if writer.old.is_none() {
            writer.start_tmp()?;
        }
        Ok(writer)
    }

    /// Starts the temporary file with the first `len` bytes (equal in both).
    fn start_tmp(&mut self) -> std::io::Result<()> {
        let mut tmp = std::io::BufWriter::new(std::fs::File::create(tmp_path(&self.target))?);
        if self.len > 0 {
            let mut old = std::fs::File::open(&self.target)?;
            std::io::copy(&mut (&mut old).take(self.len), &mut tmp)?;
        }
        self.old = None;
        self.tmp = Some(tmp);
        Ok(())
    }

    /// Whether the old file continues with exactly `bytes`.
    fn old_continues_with(&mut self, bytes: &[u8]) -> bool {
        let Some(old) = self.old.as_mut() else {
            return false;
        };
        self.buf.resize(bytes.len(), 0);
        old.read_exact(&mut self.buf).is_ok() && self.buf == bytes
    }

    /// The file's stamp, and whether it differs from the old one (and waits
    /// under its temporary name).
    fn finish(mut self) -> std::io::Result<(Stamp, bool)> {
        let stamp = Stamp {
            len: self.len,
            hash: self.hasher.digest(),
        };
        if let Some(old) = self.old.as_mut() {
            let mut rest = [0u8; 1];
            if old.read(&mut rest)? == 0 {
                return Ok((stamp, false));
            }
            self.start_tmp()?;
        }
        self.tmp.take().expect("started").flush()?;
        Ok((stamp, true))
    }
}

impl Write for CompareWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.hasher.update(bytes);
        if self.tmp.is_none() && !self.old_continues_with(bytes) {
            self.start_tmp()?;
        }
        if let Some(tmp) = self.tmp.as_mut() {
            tmp.write_all(bytes)?;
        }
        self.len += bytes.len() as u64;
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
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
