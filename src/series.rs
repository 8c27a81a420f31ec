//! The series as loaded: configuration plus every part, checked against each other
//! and split into what this build publishes and what it leaves out.

use crate::config::{self, Forthcoming, SeriesConfig};
use crate::date::Date;
use crate::diagnostics::Diagnostics;
use crate::part::{self, Part};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Everything read from `series/`.
#[derive(Debug, Clone)]
pub struct Series {
    /// `series.toml`.
    pub config: SeriesConfig,
    /// Parts built into this site, ordered by number.
    pub parts: Vec<Part>,
    /// Parts that exist but are left out of this build (drafts, scheduled parts), ordered by number.
    pub excluded: Vec<Part>,
    /// The earliest date of a scheduled part left out of this build.
    pub next_due: Option<Date>,
    /// What this build publishes.
    pub selection: Selection,
    /// Announced parts with no published part of the same number, ordered by number.
    pub forthcoming: Vec<Forthcoming>,
}

impl Series {
    /// The highest part number the series is known to have (published or announced).
    pub fn total(&self) -> u32 {
        let published = self.parts.iter().map(|p| p.number);
        let announced = self.forthcoming.iter().map(|f| f.part);
        published.chain(announced).max().unwrap_or(0)
    }

    /// The announced entry for a part number, if any.
    pub fn forthcoming_entry(&self, number: u32) -> Option<&Forthcoming> {
        self.forthcoming.iter().find(|f| f.part == number)
    }
}

/// Which parts a build publishes.
#[derive(Debug, Clone, Copy)]
pub struct Selection {
    /// Include `draft = true` parts.
    pub drafts: bool,
    /// Include parts dated after `today`.
    pub future: bool,
    /// The day the build happens, for scheduled parts.
    pub today: Date,
}

impl Selection {
    /// Whether a part is published by this build.
    pub fn publishes(&self, part: &Part) -> bool {
        (self.drafts || !part.meta.draft) && (self.future || !self.is_scheduled(part))
    }

    /// Whether a part is dated after today.
    pub fn is_scheduled(&self, part: &Part) -> bool {
        part.date.is_some_and(|d| d > self.today)
    }
}

/// Why a part is left out, for messages.
pub fn exclusion_reason(part: &Part, selection: &Selection) -> String {
    match part.date {
        Some(date) if !part.meta.draft && selection.is_scheduled(part) => format!(
            "is scheduled for {date}, left out of this build (build with --future, or wait)"
        ),
        _ => "is a draft, left out of this build (publish it, build with --drafts".to_string(),
    }
}

/// The folder holding the parts, relative to the root.
pub const SERIES_DIR: &str = "series";

/// Loads and cross-checks the whole series; reports every problem found.
pub fn load(root: &Path, selection: Selection, diags: &mut Diagnostics) -> Option<Series> {
    let config = config::load(root, diags);
    load_with(root, config, selection, diags)
}

/// Loads and cross-checks the parts of the series whose `series.toml` was
/// read into `config` (`None` when it could not be: the parts are still read
/// for their own errors).
pub fn load_with(
    root: &Path,
    config: Option<SeriesConfig>,
    selection: Selection,
    diags: &mut Diagnostics,
) -> Option<Series> {
    // Parts are read and their front matter parsed on every core.
    let loaded: Vec<(Option<Part>, Diagnostics)> = part_files(root, diags)
        .par_iter()
        .map(|rel| {
            let mut part_diags = Diagnostics::default();
            (part::load(root, rel, &mut part_diags), part_diags)
        })
        .collect();
    let mut parts = Vec::with_capacity(loaded.len());
    for (part, part_diags) in loaded {
        diags.extend(part_diags);
        parts.extend(part);
    }
    parts.sort_by(|a, b| (a.number, &a.source).cmp(&(b.number, &b.source)));
    check_unique(&parts, diags);
    let config = config?;
    let (parts, excluded): (Vec<Part>, Vec<Part>) =
        parts.into_iter().partition(|p| selection.publishes(p));
    let scheduled: Vec<&Part> = excluded
        .iter()
        .filter(|p| !p.meta.draft && selection.is_scheduled(p))
        .collect();
    let mut forthcoming: Vec<Forthcoming> = config
        .forthcoming
        .iter()
        .filter(|f| !parts.iter().any(|p| p.number == f.part))
        .cloned()
        .collect();
    for part in &scheduled {
        match forthcoming.iter_mut().find(|f| f.part == part.number) {
            Some(entry) => entry.date = part.date,
            None if part.meta.announce => forthcoming.push(Forthcoming {
                part: part.number,
                title: part.meta.title.clone(),
                summary: part.meta.summary.clone(),
                date: part.date,
            }),
            None => {}
        }
    }
    forthcoming.sort_by_key(|f| f.part);
    let next_due = scheduled.iter().filter_map(|p| p.date).min();
    Some(Series {
        config,
        parts,
        excluded,
        next_due,
        selection,
        forthcoming,
    })
}

/// Every `*.md` below `series/`, skipping `.`/`_` names and the assets folder, sorted.
fn part_files(root: &Path, diags: &mut Diagnostics) -> Vec<PathBuf> {
    let dir = root.join(SERIES_DIR);
    if !dir.is_dir() {
        diags.file_error(
            Path::new(SERIES_DIR),
            "folder not found: put the parts of the series in `series/` under the root \
             (or pass --root DIR)",
        );
        return Vec::new();
    }
    let walker = walkdir::WalkDir::new(&dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            e.depth() == 0
                || !(name.starts_with('.')
                    || name.starts_with('_')
                    || (e.depth() == 1 && name == "assets"))
        });
    let mut files = Vec::new();
    for entry in walker {
        match entry {
            Ok(e) if e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "md") => {
                let rel = e.path().strip_prefix(root).unwrap_or(e.path());
                files.push(rel.to_path_buf());
            }
            Ok(_) => {}
            Err(err) => {
                let path = err.path().unwrap_or(&dir);
                let rel = path.strip_prefix(root).unwrap_or(path);
                diags.file_error(rel, format!("cannot be read: {err}"));
            }
        }
    }
    files
}

/// Part numbers and slugs must each name one part.
fn check_unique(parts: &[Part], diags: &mut Diagnostics) {
    let mut by_number: BTreeMap<u32, &Part> = BTreeMap::new();
    let mut by_slug: BTreeMap<&str, &Part> = BTreeMap::new();
    for part in parts {
        if part.number == 0 {
            continue;
        }
        if let Some(first) = by_number.insert(part.number, part) {
            by_number.insert(part.number, first);
            diags.error_at(
                &part.source,
                part.number_at,
                format!(
                    "part number {} is already used by {} (give each part its own number)",
                    part.number,
                    crate::diagnostics::display_path(&first.source)
                ),
            );
        }
        if let Some(first) = by_slug.insert(&part.slug, part) {
            by_slug.insert(&first.slug, first);
            diags.error_at(
                &part.source,
                part.slug_at,
                format!(
                    "slug `{}` is already used by {} (set a different `slug` in one of them)",
                    part.slug,
                    crate::diagnostics::display_path(&first.source)
                ),
            );
        }
    }
}
