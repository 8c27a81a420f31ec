//! Content hashes in the names of theme stylesheets and scripts
//! (`style.3f9a1c0b2d.css`), so hosts can let browsers cache them forever.

use sha2::{Digest, Sha256};

/// A static file as published.
pub struct StaticFile {
    /// Its name in the theme (`style.css`), the key templates use.
    pub name: String,
    /// Its path in the output (`style.3f9a1c0b2d.css`).
    pub path: String,
    /// Content.
    pub bytes: Vec<u8>,
}

/// Renames CSS and JavaScript files after their content; other files
/// (fonts, images, which stylesheets refer to by name) keep their names.
pub fn fingerprint(files: Vec<(String, Vec<u8>)>) -> Vec<StaticFile> {
    files
        .into_iter()
        .map(|(name, bytes)| {
            let path = match name.rsplit_once('.') {
                Some((stem, ext)) if ext == "css" || ext == "js" => {
                    let digest = Sha256::digest(&bytes);
                    let hex: String = digest.iter().take(5).map(|b| format!("{b:02x}")).collect();
                    format!("{stem}.{hex}.{ext}")
                }
                _ => name.clone(),
            };
            StaticFile { name, path, bytes }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::fingerprint;

    #[test]
    fn names_follow_content() {
        let a = fingerprint(vec![
            ("style.css".into(), b"a".to_vec()),
            ("font.woff2".into(), b"f".to_vec()),
        ]);
        let b = fingerprint(vec![("style.css".into(), b"b".to_vec())]);
        assert!(
            a[0].path.starts_with("style.") && a[0].path.ends_with(".css") && a[0].path.len() == 20
        );
        assert_ne!(a[0].path, b[0].path);
        assert_eq!(a[1].path, "font.woff2");
    }
}
