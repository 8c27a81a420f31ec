//! `quire new`: start the next part of the series as a draft.

use crate::date::Date;
use crate::diagnostics::{display_path, Diagnostics};
use crate::series::{self, Selection};
use crate::slug::slugify;
use crate::BuildError;
use std::path::{Path, PathBuf};

/// Creates `series/NN-slug.md` and returns its path relative to the root.
pub fn create(
    root: &Path,
    title: Option<&str>,
    number: Option<u32>,
    today: Date,
) -> Result<PathBuf, BuildError> {
    let selection = Selection {
        drafts: true,
        future: true,
        today,
    };
    let mut diags = Diagnostics::default();
    let Some(series) = series::load(root, selection, &mut diags) else {
        return Err(BuildError::Content(diags.sorted()));
    };
    let taken: Vec<u32> = series.parts.iter().map(|p| p.number).collect();
    let number = match number {
        Some(n) if taken.contains(&n) => {
            let holder = series.parts.iter().find(|p| p.number == n).expect("taken");
            return Err(BuildError::Usage(format!(
                "--part {n}: Part {n} already exists ({}); choose a free number",
                display_path(&holder.source)
            )));
        }
        Some(n) => n,
        None => taken.iter().max().map_or(1, |m| m + 1),
    };
    let announced = series.config.forthcoming.iter().find(|f| f.part == number);
    let title = match (title, announced) {
        (Some(t), _) if !t.trim().is_empty() => t.trim().to_string(),
        (_, Some(entry)) => entry.title.clone(),
        _ => {
            return Err(BuildError::Usage(format!(
                "Part {number} has no [[forthcoming]] entry to take a title from; give one: quire new \"Title\""
            )))
        }
    };
    let slug = slugify(&title);
    if let Some(other) = series.parts.iter().find(|p| p.slug == slug) {
        return Err(BuildError::Usage(format!(
            "the slug `{slug}` is already used by {}; choose another title",
            display_path(&other.source)
        )));
    }
    let rel = PathBuf::from(series::SERIES_DIR).join(format!("{number:02}-{slug}.md"));
    let text = format!(
        "+++\ntitle = {}\ndate = {}\ndraft = true\n+++\n\nPart {number} begins here.\n",
        toml::Value::String(title.clone()),
        today.iso()
    );
    let path = root.join(&rel);
    // `create_new` refuses to replace anything, even a file that appears meanwhile.
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()));
    match written {
        Ok(()) => Ok(rel),
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(BuildError::Io(format!(
            "{} already exists; quire never overwrites a part (rename it, or pick another title)",
            display_path(&rel)
        )))
        }
        Err(err) => Err(BuildError::Io(format!(
            "{}: cannot create: {err}",
            display_path(&rel)
        ))),
    }
}
