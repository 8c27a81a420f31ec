//! Files under `series/assets/`: copied to `output/assets/`, referenced by parts,
//! and measured when they are images.

use crate::diagnostics::display_path;
use std::path::{Path, PathBuf};

/// The assets folder, relative to the root.
pub const ASSETS_DIR: &str = "series/assets";

/// URL of an asset relative to a part page, after checking it will be published.
pub fn asset_url(root: &Path, path: &Path) -> Result<String, String> {
    let rest = path.strip_prefix(ASSETS_DIR).map_err(|_| {
        format!(
            "{} is not under {ASSETS_DIR}/ (move it there so that it is published)",
            display_path(path)
        )
    })?;
    if !root.join(path).is_file() {
        return Err(format!("no such file {}", display_path(path)));
    }
    Ok(format!("../assets/{}", display_path(rest)))
}

/// Every file to copy: (path in the output, source path on disk).
pub fn files(root: &Path) -> Vec<(String, PathBuf)> {
    let dir = root.join(ASSETS_DIR);
    walkdir::WalkDir::new(&dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'))
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            let rel = e.path().strip_prefix(&dir).ok()?;
            Some((
                format!("assets/{}", display_path(rel)),
                e.path().to_path_buf(),
            ))
        })
        .collect()
}

/// Pixel width and height of a PNG, JPEG, GIF, WebP or SVG file.
pub fn image_size(path: &Path) -> Option<(u32, u32)> {
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"))
    {
        return svg_size(&std::fs::read_to_string(path).ok()?);
    }
    let size = imagesize::size(path).ok()?;
    Some((
        u32::try_from(size.width).ok()?,
        u32::try_from(size.height).ok()?,
    ))
}

/// Size from the root element's `width`/`height`, or else its `viewBox`.
fn svg_size(text: &str) -> Option<(u32, u32)> {
    let start = text.find("<svg")?;
    let tag = &text[start..start + text[start..].find('>')?];
    let attr = |name: &str| -> Option<&str> {
        let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        Some(&tag[at..at + tag[at..].find('"')?])
    };
    let number = |v: &str| -> Option<f64> { v.trim().trim_end_matches("px").parse().ok() };
    if let (Some(w), Some(h)) = (
        attr("width").and_then(number),
        attr("height").and_then(number),
    ) {
        return Some((w.round() as u32, h.round() as u32));
    }
    let view: Vec<f64> = attr("viewBox")?
        .split([' ', ','])
        .filter(|s| !s.is_empty())
        .filter_map(|s| s.parse().ok())
        .collect();
    (view.len() == 4).then(|| (view[2].round() as u32, view[3].round() as u32))
}

#[cfg(test)]
mod tests {
    use super::svg_size;

    #[test]
    fn svg_size_from_attributes_or_viewbox() {
        assert_eq!(
            svg_size(r#"<svg xmlns="x" width="120" height="80px">"#),
            Some((120, 80))
        );
        assert_eq!(svg_size(r#"<svg viewBox="0 0 300 150">"#), Some((300, 150)));
        assert_eq!(svg_size(r#"<svg width="100%">"#), None);
    }
}
